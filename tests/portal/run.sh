#!/usr/bin/env bash
# Browser test of the developer portal: serve the API against a fresh
# database (scripts/db.sh url sct_portal), migrate and seed it, take a token
# from `sct token`, and drive Swagger UI in Debian's chromium with
# playwright-core (no browser download: the browser is the apt package).
# Leaves target/portal/swagger.png and the server's log; stops the server.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=$ROOT/target/portal
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
mkdir -p "$OUT"
rm -f "$OUT/swagger.png" "$OUT/swagger-failure.png"

if [[ ! -x $CHROMIUM ]]; then
    if [[ $EUID -ne 0 ]]; then
        echo "portal-test: $CHROMIUM is missing; install Debian's chromium (apt-get install chromium)" >&2
        exit 1
    fi
    echo "== installing Debian's chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

echo "== playwright-core (npm, pinned)"
(
    cd tests/portal
    if [[ ! -d node_modules/playwright-core || package-lock.json -nt node_modules/.package-lock.json ]]; then
        npm ci --no-audit --no-fund --loglevel=error
    fi
)

echo "== sct binary"
cargo build -q -p sct-api --bin sct
SCT=$ROOT/target/debug/sct

echo "== a fresh database"
url=$(scripts/db.sh url sct_portal)
scripts/db.sh drop-prefix "$url" sct_portal >/dev/null 2>&1 || true
url=$(scripts/db.sh url sct_portal)
export DATABASE_URL=$url
"$SCT" migrate
"$SCT" seed

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export SCT_BIND=127.0.0.1:$port SCT_LOG_FORMAT=json RUST_LOG=info
"$SCT" serve >"$OUT/server.log" 2>&1 &
server=$!
stop_server() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
}
trap stop_server EXIT

base=http://127.0.0.1:$port
for _ in $(seq 1 150); do
    if curl -fsS "$base/health/ready" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then
        cat "$OUT/server.log" >&2
        echo "portal-test: the server exited" >&2
        exit 1
    fi
    sleep 0.2
done
curl -fsS "$base/health/ready" >/dev/null

echo "== one referral, so that the list has something to show"
school=$("$SCT" token --role school --school 121000)
curl -fsS -o /dev/null -X POST "$base/api/v1/referrals" \
    -H "Authorization: Bearer $school" -H "Content-Type: application/json" \
    -d '{"school_urn": "121000", "external_reference": "PORTAL-1",
         "child": {"upn": "B801200005001", "given_name": "Sam", "family_name": "Example",
                   "date_of_birth": "2016-03-14", "year_group": "5",
                   "sen_provision": "K", "primary_need": "SEMH"},
         "indes": [{"area": "social_emotional_mental_health", "level": 4}],
         "complicating_factors": ["attendance"],
         "consent": {"given_by": "parent_carer", "given_on": "2026-01-05"},
         "reason": "Portal test referral"}'

echo "== Swagger UI in chromium"
BASE_URL=$base TOKEN=$("$SCT" token --role la_admin) SCREENSHOT=$OUT/swagger.png CHROMIUM=$CHROMIUM \
    node tests/portal/swagger.test.mjs

stop_server
trap - EXIT

echo "== structured logs (SCT_LOG_FORMAT=json)"
python3 - "$OUT/server.log" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
records = [json.loads(l) for l in lines]  # every line is one JSON object
access = [r for r in records if r.get("target") == "access"]
assert access, "no access log lines"
missing = [r for r in access if not r.get("request_id")]
assert not missing, f"access lines without request_id: {missing[:3]}"
print(f"{len(records)} JSON log lines, {len(access)} access lines, each with a request_id")
PY
echo "portal-test: ok (screenshot: $OUT/swagger.png)"
