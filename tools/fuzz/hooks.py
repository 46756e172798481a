"""Schemathesis hooks of `make fuzz` (loaded by `hooks` in schemathesis.toml).

Every POST that creates or changes something takes an optional
`Idempotency-Key` (openapi/openapi.json). A key is scoped to the caller and
remembers the first request it came with (method, path and body) for 24
hours: the same key with the same request replays the first answer (2xx),
with another request it answers 422 `idempotency_key_reused`. Schemathesis
draws keys from a small space ("0", "!", ...) and so sends one key with many
different requests; those 422s come from the server's memory of earlier
requests, which no schema can state.

So every positive request (one the contract calls valid) that carries a
valid key is sent with a fresh one (a UUID, as the contract recommends).
Negative requests are left as generated: any refusal is what they expect,
and editing one makes Schemathesis revalidate it, which loses what made it
negative when that lies outside the schema's parameters (a missing
Authorization header, for one). A key that is not valid (empty, too long,
invisible characters) is left alone too. The key's own rules (reuse,
replay, 409 while running) are tested in tests/e2e.
"""

import uuid

import schemathesis

HEADER = "idempotency-key"


def _valid(key: object) -> bool:
    # The contract's schema of the header: 1 to 255 visible ASCII characters
    # (pattern ^[!-~]+$, minLength 1, maxLength 255).
    return isinstance(key, str) and 1 <= len(key) <= 255 and all("!" <= c <= "~" for c in key)


@schemathesis.hook
def before_call(ctx, case, kwargs):
    headers = case.headers
    if not headers or (case.meta is not None and case.meta.generation.mode.is_negative):
        return
    for name in list(headers):
        if name.lower() == HEADER and _valid(headers[name]):
            headers[name] = str(uuid.uuid4())
