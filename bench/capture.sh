#!/usr/bin/env bash
# bench/capture.sh - the statements each benchmarked endpoint sends, as the
# server logs them (log_statement = all for the benchmark database only),
# so that bench/pgscripts.py can be checked against the code after a change
# to a request path. Needs a seeded database (run `make bench` once).
#
#   BENCH_SCALE=small bench/capture.sh    # prints one block per endpoint
set -euo pipefail
REPO=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
SCALE=${BENCH_SCALE:-small}
DB=sct_bench_$SCALE
URL=$(scripts/db.sh url "$DB" 2>/dev/null)
SCT=$REPO/target/release/sct
LOGF=$(psql -X -At "$URL" -c "SELECT current_setting('data_directory') || '/../postgres.log'")
[[ -r $LOGF ]] || { echo "capture.sh: the server log $LOGF is not readable (a private cluster of scripts/db.sh is needed)" >&2; exit 1; }
export DATABASE_URL=$URL SCT_JWT_SECRET=sct-bench-secret-0123456789abcdef0123456789 SCT_RATE_LIMIT_PER_MINUTE=0 RUST_LOG=warn
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export SCT_BIND=127.0.0.1:$PORT
BASE=http://127.0.0.1:$PORT
psql -X -q "$URL" -c "ALTER DATABASE $DB SET log_statement = 'all'"
"$SCT" serve >/dev/null 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; psql -X -q "$URL" -c "ALTER DATABASE $DB RESET log_statement"' EXIT
until [[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/health/ready") == 200 ]]; do sleep 0.05; done
TEAM1=a2000000-0000-4000-8000-000000000001
SCHOOL=$("$SCT" token --role school --school 100001 --sub school-100001)
MANAGER=$("$SCT" token --role team_manager --team "$TEAM1" --sub z001-manager)
MIS=$("$SCT" token --role integration --school 100001 --school 100002 --sub mis-vendor)
ID=00000000-0000-4000-8000-000000000001
TARGET=$(psql -X -At "$URL" -c "SELECT id FROM referrals WHERE team_id = '$TEAM1' AND status = 'submitted' AND version = 1 LIMIT 1")
UPN=$(python3 -c '
import random
d = "999" + "".join(random.choice("0123456789") for _ in range(9))
s = sum(int(c) * (i + 2) for i, c in enumerate(d))
print("ABCDEFGHJKLMNPQRTUVWXYZ"[s % 23] + d)')
BODY='{"school_urn":"100001","external_reference":"CAPTURE-'$RANDOM$RANDOM'","child":{"upn":"'$UPN'","given_name":"Sam","family_name":"Example","date_of_birth":"2016-03-14","year_group":"5","sen_provision":"K","primary_need":"SEMH"},"indes":[{"area":"social_emotional_mental_health","level":4},{"area":"speech_and_language","level":2}],"complicating_factors":["attendance","risk_of_exclusion"],"existing_plans":["sen_support_plan"],"consent":{"given_by":"parent_carer","given_on":"2026-11-20"},"reason":"Escalating anxiety, attendance falling"}'
step() {
    local name=$1
    shift
    local before
    before=$(stat -c %s "$LOGF")
    curl -s -o /dev/null -w "== $name: %{http_code}\n" "$@"
    sleep 0.3
    tail -c "+$((before + 1))" "$LOGF" | grep -oE '(statement|execute [^:]*): .*' | sed -E 's/^execute [^:]*: /  /; s/^statement: /  /'
}
step "GET /referrals/{id} as a school" -H "Authorization: Bearer $SCHOOL" "$BASE/api/v1/referrals/$ID"
step "GET /referrals?team_id&status=submitted&limit=50" -H "Authorization: Bearer $MANAGER" "$BASE/api/v1/referrals?team_id=$TEAM1&status=submitted&limit=50"
step "POST /referrals" -H "Authorization: Bearer $MIS" -H 'Content-Type: application/json' -H "Idempotency-Key: cap-$RANDOM$RANDOM" -d "$BODY" "$BASE/api/v1/referrals"
step "POST /referrals/{id}/accept" -H "Authorization: Bearer $MANAGER" -H 'Content-Type: application/json' -H 'If-Match: "v1"' -d '{}' "$BASE/api/v1/referrals/$TARGET/accept"
step "GET /reports/referrals?by=status (manager)" -H "Authorization: Bearer $MANAGER" "$BASE/api/v1/reports/referrals?by=status"
