"""Fails when the TypeScript types generated from openapi/openapi.json read
any data the server sends as `Record<string, never>` (an object whose every
field is `never`) or `unknown`. Allowed, each for its reason:
- `headers: {[name: string]: unknown}`: openapi-typescript's open set of
  response headers beside the ones documented, not data;
- the empty top-level `webhooks` and `$defs` (the document has none);
- `components.schemas.HeldRow.values`: the subject access export shows each
  mapped column as stored, jsonb documents included (the shape is its
  table's), stated in the schema's description;
- `GET /openapi.json`: this document itself (OpenAPI 3.1's schema, not
  this API's).
Usage: python3 check-types.py generated.d.ts"""

import re
import sys

ALLOWED_PATHS = {
    "components.schemas.HeldRow.values",
    "operations.openapi_json.responses.200.content",
}
ALLOWED_TOP = {"export type webhooks = Record<string, never>;", "export type $defs = Record<string, never>;"}

stack = []
bad = []
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    text = line.strip()
    if text.startswith(("*", "/*", "//")):
        continue
    opened = re.match(r'^(export (?:interface|type) )?("[^"]+"|[\w$\[\]: ]+?)\??(?: =|:)? \{$', text)
    if opened:
        stack.append(opened.group(2).strip('"'))
        continue
    if re.match(r"^\};?$", text) or re.match(r"^\}\)?(\[\])?;$", text):
        if stack:
            stack.pop()
        continue
    if "Record<string, never>" not in text and not re.search(r"\bunknown\b", text):
        continue
    path = ".".join(stack)
    if text in ALLOWED_TOP:
        continue
    if text == "[name: string]: unknown;" and stack and stack[-1] == "headers":
        continue
    if path in ALLOWED_PATHS:
        continue
    bad.append(f"{sys.argv[1]}:{n}: {path}: {text}")

if bad:
    print("generated types that read data as never or unknown:", *bad, sep="\n")
    sys.exit(1)
print("generated types: no Record<string, never> or unknown where the server sends data")
