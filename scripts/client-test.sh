#!/usr/bin/env bash
# make client-test: proves the contract with a generated client.
# Creates a Python venv in .client-test/ (git-ignored), installs
# openapi-python-client from PyPI, generates a client from
# openapi/openapi.json, starts `sct serve` on a free port against a fresh
# database from scripts/db.sh (migrated and seeded), registers an
# integration client with an la_admin token from `sct token`, and runs
# tests/client/use_client.py: OAuth token, submit a referral, read it back.
# Cleans up the server and the database on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/.client-test
VENV=$WORK/venv
GENERATOR_VERSION=${OPENAPI_PYTHON_CLIENT_VERSION:-0.29.1}
DB_NAME=sct_client_test_$$
SERVER_PID=

cleanup() {
    status=$?
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    if [ -n "${ADMIN_URL:-}" ]; then scripts/db.sh drop-prefix "$ADMIN_URL" "$DB_NAME" >/dev/null 2>&1 || true; fi
    exit $status
}
trap cleanup EXIT

echo "== Python venv and openapi-python-client $GENERATOR_VERSION"
mkdir -p "$WORK"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check "openapi-python-client==$GENERATOR_VERSION"

echo "== generate the client from openapi/openapi.json"
rm -rf "$WORK/sct-client"
"$VENV/bin/openapi-python-client" generate --path openapi/openapi.json \
    --config tests/client/config.yaml --output-path "$WORK/sct-client" --overwrite 2>&1 | tee "$WORK/generate.log"
if grep -q "^Warning\|WARNING" "$WORK/generate.log"; then
    echo "the generator warned about parts of the document (see above)" >&2
    exit 1
fi
"$VENV/bin/pip" install -q --disable-pip-version-check "$WORK/sct-client"

echo "== build sct and start it on a free port"
cargo build -q -p sct-api --bin sct
SCT=$ROOT/target/debug/sct
export DATABASE_URL
DATABASE_URL=$(scripts/db.sh url "$DB_NAME")
ADMIN_URL=$DATABASE_URL
"$SCT" migrate
"$SCT" seed
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
SCT_BIND=127.0.0.1:$PORT SCT_WEBHOOK_WORKER=off "$SCT" serve >"$WORK/server.log" 2>&1 &
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

echo "== use the generated client"
SCT_BASE=http://127.0.0.1:$PORT SCT_URN=$URN SCT_CLIENT_ID=$SCT_CLIENT_ID SCT_CLIENT_SECRET=$SCT_CLIENT_SECRET \
    "$VENV/bin/python" tests/client/use_client.py
