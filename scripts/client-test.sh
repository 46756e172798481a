#!/usr/bin/env bash
# make client-test: proves the contract with a generated client.
# Creates a Python venv in .client-test/ (git-ignored), installs
# openapi-python-client from PyPI, generates a client from
# openapi/openapi.json, starts `sct serve` on a free port against a fresh
# database from scripts/db.sh (migrated and seeded), registers an
# integration client with an la_admin token from `sct token`, and runs
# tests/client/use_client.py: OAuth token, submit a referral, read it back.
# The referral's webhook delivery (worker on, loopback allowed) goes to
# tests/client/webhook_receiver.py, which verifies it with the official
# Python `standardwebhooks` library (PyPI, pinned, same venv).
# Then the TypeScript client (tests/client-ts/, npm, pinned in its
# package-lock.json): openapi-typescript generates the types,
# check-types.py refuses any `Record<string, never>` or `unknown` where the
# server sends data, `tsc --strict` type-checks use_client.ts (openapi-fetch)
# and node runs it: list, submit, accept, read, and the history's details
# through typed fields.
# Cleans up the server, the receiver and the database on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/.client-test
VENV=$WORK/venv
GENERATOR_VERSION=${OPENAPI_PYTHON_CLIENT_VERSION:-0.29.1}
STANDARDWEBHOOKS_VERSION=${STANDARDWEBHOOKS_VERSION:-1.1.0}
DB_NAME=sct_client_test_$$
SERVER_PID=
RECEIVER_PID=

cleanup() {
    status=$?
    if [ -n "$RECEIVER_PID" ]; then kill "$RECEIVER_PID" 2>/dev/null || true; wait "$RECEIVER_PID" 2>/dev/null || true; fi
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    if [ -n "${ADMIN_URL:-}" ]; then scripts/db.sh drop-prefix "$ADMIN_URL" "$DB_NAME" >/dev/null 2>&1 || true; fi
    exit $status
}
trap cleanup EXIT

echo "== Python venv, openapi-python-client $GENERATOR_VERSION, standardwebhooks $STANDARDWEBHOOKS_VERSION"
mkdir -p "$WORK"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check "openapi-python-client==$GENERATOR_VERSION" \
    "standardwebhooks==$STANDARDWEBHOOKS_VERSION"

echo "== generate the client from openapi/openapi.json"
rm -rf "$WORK/sct-client"
"$VENV/bin/openapi-python-client" generate --path openapi/openapi.json \
    --config tests/client/config.yaml --output-path "$WORK/sct-client" --overwrite 2>&1 | tee "$WORK/generate.log"
if grep -q "^Warning\|WARNING" "$WORK/generate.log"; then
    echo "the generator warned about parts of the document (see above)" >&2
    exit 1
fi
"$VENV/bin/pip" install -q --disable-pip-version-check "$WORK/sct-client"

echo "== TypeScript client: openapi-typescript, openapi-fetch, typescript (npm, pinned)"
TS=$ROOT/tests/client-ts
if [ ! -x "$TS/node_modules/.bin/tsc" ] || [ "$TS/package-lock.json" -nt "$TS/node_modules/.package-lock.json" ]; then
    (cd "$TS" && npm ci --no-audit --no-fund --loglevel=error)
fi
rm -rf "$TS/generated" "$TS/dist"
mkdir -p "$TS/generated"
"$TS/node_modules/.bin/openapi-typescript" openapi/openapi.json -o "$TS/generated/sct.d.ts"
python3 "$TS/check-types.py" "$TS/generated/sct.d.ts"
"$TS/node_modules/.bin/tsc" -p "$TS/tsconfig.json"
echo "tsc --strict: use_client.ts type-checks against the generated types"

echo "== build sct and start it on a free port"
cargo build -q -p sct-api --bin sct
SCT=$ROOT/target/debug/sct
export DATABASE_URL
DATABASE_URL=$(scripts/db.sh url "$DB_NAME")
ADMIN_URL=$DATABASE_URL
"$SCT" migrate
"$SCT" seed
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
PORT=$(free_port)
SCT_BIND=127.0.0.1:$PORT SCT_WEBHOOK_WORKER=on SCT_WEBHOOK_ALLOW_PRIVATE=loopback SCT_WEBHOOK_POLL_MS=100 \
    "$SCT" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break
    sleep 0.1
done
curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null

echo "== register an integration client (la_admin token from sct token)"
ADMIN=$("$SCT" token --role la_admin)
API=http://127.0.0.1:$PORT/api/v1
URN=$(curl -sf "$API/schools?limit=1" -H "Authorization: Bearer $ADMIN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["urn"])')
curl -sf -X POST "$API/integration-clients" -H "Authorization: Bearer $ADMIN" \
    -H 'content-type: application/json' \
    -d "{\"name\": \"Generated client test\", \"schools\": [\"$URN\"]}" >"$WORK/client.json"
SCT_CLIENT_ID=$(python3 -c 'import json; print(json.load(open("'"$WORK"'/client.json"))["client_id"])')
SCT_CLIENT_SECRET=$(python3 -c 'import json; print(json.load(open("'"$WORK"'/client.json"))["client_secret"])')

echo "== subscribe a receiver that verifies with the Python standardwebhooks library"
HOOK_PORT=$(free_port)
curl -sf -X POST "$API/webhook-subscriptions" -H "Authorization: Bearer $ADMIN" \
    -H 'content-type: application/json' \
    -d "{\"url\": \"http://127.0.0.1:$HOOK_PORT/hook\", \"events\": [\"referral.submitted\"]}" >"$WORK/subscription.json"
RESULTS=$WORK/webhooks.jsonl
rm -f "$RESULTS"
SCT_WEBHOOK_PORT=$HOOK_PORT SCT_WEBHOOK_RESULTS=$RESULTS \
    SCT_WEBHOOK_SECRET=$(python3 -c 'import json; print(json.load(open("'"$WORK"'/subscription.json"))["secret"])') \
    "$VENV/bin/python" tests/client/webhook_receiver.py &
RECEIVER_PID=$!

echo "== use the generated client"
SCT_BASE=http://127.0.0.1:$PORT SCT_URN=$URN SCT_CLIENT_ID=$SCT_CLIENT_ID SCT_CLIENT_SECRET=$SCT_CLIENT_SECRET \
    "$VENV/bin/python" tests/client/use_client.py

echo "== use the generated TypeScript client (node)"
SCT_BASE=http://127.0.0.1:$PORT SCT_URN=$URN SCT_CLIENT_ID=$SCT_CLIENT_ID SCT_CLIENT_SECRET=$SCT_CLIENT_SECRET \
    SCT_ADMIN_TOKEN=$ADMIN node "$TS/dist/use_client.js"

echo "== the referral's webhook delivery, verified by the Python standardwebhooks library"
for _ in $(seq 1 200); do
    grep -q '"type": "referral.submitted"' "$RESULTS" 2>/dev/null && break
    sleep 0.1
done
python3 - "$RESULTS" <<'PY'
import json, sys
try:
    records = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
except FileNotFoundError:
    sys.exit("no webhook delivery reached the receiver")
bad = [r for r in records if not (r["verified"] and r["tampered_refused"])]
if bad or not any(r.get("type") == "referral.submitted" for r in records):
    sys.exit(f"webhook deliveries not verified by standardwebhooks: {records}")
print(f"{len(records)} delivery verified by standardwebhooks (a changed body refused): {records[0]['webhook_id']}")
PY
