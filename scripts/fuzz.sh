#!/usr/bin/env bash
# make fuzz: Schemathesis against the committed contract (openapi/openapi.json)
# with a token of every role, on a migrated and seeded throwaway database.
# Ends non-zero on any failure. FUZZ_EXAMPLES (default 8) bounds the cases
# per operation and phase; FUZZ_ROLES picks the roles (default: all six);
# FUZZ_ARGS adds Schemathesis options (e.g. --include-path-regex /reports/).
# tools/fuzz/schemathesis.toml holds the exclusions no schema can state and
# loads tools/fuzz/hooks.py, which sends every valid Idempotency-Key fresh
# (a key reused with another request is refused 422: state, not shape).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
VENV=.fuzz/venv
EXAMPLES=${FUZZ_EXAMPLES:-8}
ROLES=${FUZZ_ROLES:-"la_admin team_manager practitioner school integration anonymous"}

if [ ! -x "$VENV/bin/schemathesis" ] || ! "$VENV/bin/schemathesis" --version | grep -q "$SCHEMATHESIS_VERSION"; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build -q -p sct-api --bin sct
SCT=target/debug/sct

base=$(scripts/db.sh url)
scripts/db.sh drop-prefix "$base" sct_fuzz_ >/dev/null
DATABASE_URL=$(scripts/db.sh url sct_fuzz_run)
export DATABASE_URL
$SCT migrate >/dev/null
$SCT seed >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export SCT_BIND=127.0.0.1:$port
log=.fuzz/server.log
# The fuzzer is one client sending thousands of requests a minute: the rate
# limit is off for it (tests/e2e/trust.rs tests the limit itself).
SCT_RATE_LIMIT_PER_MINUTE=0 RUST_LOG=${RUST_LOG:-warn} $SCT serve >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    curl -fsS "http://$SCT_BIND/health/ready" >/dev/null 2>&1 && break
    sleep 0.2
done

admin=$($SCT token --role la_admin)
# The seeded zone Z01: its team, manager, first practitioner and first school.
team=$(curl -fsS -H "Authorization: Bearer $admin" "http://$SCT_BIND/api/v1/teams?limit=1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
school=$(curl -fsS -H "Authorization: Bearer $admin" "http://$SCT_BIND/api/v1/schools?zone_id=$(
    curl -fsS -H "Authorization: Bearer $admin" "http://$SCT_BIND/api/v1/teams/$team" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["zone_id"])')&limit=1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["urn"])')

token_for() {
    case $1 in
    la_admin) echo "$admin" ;;
    team_manager) $SCT token --role team_manager --team "$team" --sub z01-manager ;;
    practitioner) $SCT token --role practitioner --team "$team" --sub z01-practitioner-1 ;;
    school) $SCT token --role school --school "$school" ;;
    integration) $SCT token --role integration --school "$school" --sub fuzz-mis ;;
    esac
}

read -r -a extra <<<"${FUZZ_ARGS:-}"
status=0
total=0
for role in $ROLES; do
    echo "== Schemathesis as $role"
    auth=()
    if [ "$role" != anonymous ]; then
        auth=(-H "Authorization: Bearer $(token_for "$role")")
    fi
    out=.fuzz/$role.txt
    set +e
    "$VENV/bin/schemathesis" --config-file tools/fuzz/schemathesis.toml run openapi/openapi.json \
        --url "http://$SCT_BIND" "${auth[@]}" \
        --checks all \
        --max-examples "$EXAMPLES" \
        --seed 20261203 \
        --no-color \
        --suppress-health-check all \
        --report ndjson --report-ndjson-path ".fuzz/$role.ndjson" \
        "${extra[@]}" \
        >"$out" 2>&1
    rc=$?
    set -e
    tail -n 25 "$out"
    cases=$(grep -oE '^ *[0-9]+ generated' "$out" | grep -oE '[0-9]+' || echo 0)
    total=$((total + cases))
    [ "$rc" -eq 0 ] || status=1
done
echo "Schemathesis: $total cases generated over roles: $ROLES"
exit $status
