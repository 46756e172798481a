#!/usr/bin/env bash
# bench/run.sh - `make bench`: the API at national scale, measured against
# ceilings taken in the same run on the same machine.
#
#   BENCH_SCALE=small|national   dataset (default national; see below)
#   BENCH_DURATION=15            seconds per measurement (plus 3 s warm-up)
#   BENCH_CONNECTIONS=32         wrk connections
#   BENCH_RESEED=1               seed again even if the database is seeded
#   BENCH_SKIP_CRITERION=1       skip the criterion benchmark of sct-domain
#   SCT_DB_POOL_SIZE=16          the server's pool, and pgbench's clients
#   SCT_WORKERS                  the server's HTTP workers (default: one per core)
#   BENCH_ONLY="a b"             measure only these endpoints (names as in
#                                bench/report.py), e.g. for tuning runs; such a
#                                run does not replace latest-<scale>.json
#   BENCH_NO_PGBENCH=1           skip the pgbench ceilings (server-side tuning)
#
# Steps: install wrk if missing; build the release binary; find or start
# PostgreSQL (scripts/db.sh) and use database sct_bench_<scale>, seeded by
# bench/seed.sql unless it already holds this scale from this seed script;
# start `sct serve`; for each endpoint run pgbench on the very statements
# the endpoint sends (bench/pg_*.sql, prepared, as many clients as the
# server's pool), then on the least work a correct answer needs
# (bench/least/*.sql, written by hand; issue 18), and wrk (bench/*.lua) against the server; print one table
# and write target/bench/<scale>-<time>.json and target/bench/latest-<scale>.json.
set -euo pipefail

REPO=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
BENCH_DIR=$REPO/bench
export BENCH_DIR

SCALE=${BENCH_SCALE:-national}
DURATION=${BENCH_DURATION:-15}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=2
POOL=${SCT_DB_POOL_SIZE:-16}
WARMUP=3

case $SCALE in
small) ZONES=15 WPT=10 SCHOOLS=200 CHILDREN=9000 REFERRALS=10000 ;;
national) ZONES=150 WPT=10 SCHOOLS=22000 CHILDREN=1700000 REFERRALS=2000000 ;;
*)
    echo "BENCH_SCALE must be small or national" >&2
    exit 2
    ;;
esac

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now_ms() { date +%s%3N; }

# --- 1. tools and the release binary --------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
    log "installing wrk (Debian package)"
    if [[ $EUID -eq 0 ]]; then
        apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
    else
        sudo apt-get install -y wrk >/dev/null
    fi
fi
PGBENCH=$(command -v pgbench || true)
for d in /usr/lib/postgresql/*/bin; do
    if [[ -x $d/pgbench ]]; then PGBENCH=$d/pgbench; fi
done
[[ -n $PGBENCH ]] || { log "pgbench not found (it ships with PostgreSQL's server package)"; exit 1; }
command -v python3 >/dev/null || { log "python3 is needed for the report"; exit 1; }

log "building the release binary"
cargo build --release -q -p sct-api --bin sct
SCT=$REPO/target/release/sct

OUT=$REPO/target/bench
RUN=$OUT/run-$SCALE
rm -rf -- "$RUN"
mkdir -p -- "$RUN"

# --- 2. database and dataset ------------------------------------------------
DB=sct_bench_$SCALE
URL=$(scripts/db.sh url "$DB")
ADMIN_URL=$(scripts/db.sh url postgres)
export DATABASE_URL=$URL
export SCT_JWT_SECRET=sct-bench-secret-0123456789abcdef0123456789
export SCT_DB_POOL_SIZE=$POOL
export RUST_LOG=${RUST_LOG:-info}
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

SEED_SIG="sct-bench scale=$SCALE seed=$(cat bench/seed*.sql bench/functions.sql | sha256sum | cut -c1-12)"
current=$(psql -X -At "$URL" -c "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = current_database()")
SEED_SECONDS=null
if [[ $current == "$SEED_SIG" && -z ${BENCH_RESEED:-} ]]; then
    log "reusing database $DB, already seeded ($SEED_SIG)"
    "$SCT" migrate >/dev/null
else
    log "seeding $DB at scale $SCALE: $ZONES zones, $SCHOOLS schools, $CHILDREN children, $REFERRALS referrals"
    t0=$(now_ms)
    # A fresh database: an interrupted seed leaves no half-built indexes behind.
    psql_q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
    "$SCT" migrate >/dev/null
    vars=(-v zones="$ZONES" -v workers_per_team="$WPT" -v schools="$SCHOOLS"
        -v children="$CHILDREN" -v referrals="$REFERRALS")
    psql_q "$URL" "${vars[@]}" -f bench/seed.sql >"$RUN/seed.log"
    # two sessions at once: children and their half of the history, referrals and the other half
    psql_q "$URL" "${vars[@]}" -f bench/seed_children.sql >"$RUN/seed_children.log" &
    children_pid=$!
    psql_q "$URL" "${vars[@]}" -f bench/seed_referrals.sql >"$RUN/seed_referrals.log"
    wait "$children_pid"
    psql_q "$URL" "${vars[@]}" -f bench/seed_finish.sql >"$RUN/seed_finish.log"
    psql_q "$URL" -c "COMMENT ON DATABASE $DB IS '$SEED_SIG'"
    t1=$(now_ms)
    SEED_SECONDS=$(((t1 - t0) / 1000))
    log "seeded in ${SEED_SECONDS} s (log: $RUN/seed.log)"
fi
log "resetting what earlier runs added"
psql_q "$URL" -f bench/reset.sql >/dev/null
TARGETS=$((6000 * DURATION))
psql_q "$URL" -v prefix=0000000a -v count="$TARGETS" -f bench/targets.sql >/dev/null
psql_q "$URL" -v prefix=0000000b -v count="$TARGETS" -f bench/targets.sql >/dev/null
psql_q "$URL" -v prefix=0000000d -v count="$TARGETS" -f bench/targets.sql >/dev/null
psql_q "$URL" -c "ANALYZE referrals, referral_history, referral_indes_levels" >/dev/null
log "generating the pgbench scripts (bench/pgscripts.py)"
python3 bench/pgscripts.py "$URL" "$RUN" "$SCHOOLS" "$ZONES" "$REFERRALS" "$TARGETS"

# --- 3. the server ------------------------------------------------------------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export SCT_BIND=127.0.0.1:$PORT
BASE=http://127.0.0.1:$PORT
# wrk is one client with 32 connections: the per-client rate limit (1200 a
# minute by default) would measure itself, so the run turns it off (0).
export SCT_RATE_LIMIT_PER_MINUTE=${SCT_RATE_LIMIT_PER_MINUTE:-0}
SERVER_PID=
cleanup() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT

t0=$(now_ms)
"$SCT" serve >"$RUN/serve.log" 2>&1 &
SERVER_PID=$!
until [[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/health/ready" 2>/dev/null) == 200 ]]; do
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$RUN/serve.log" >&2; exit 1; }
    sleep 0.005
done
READY_MS=$(($(now_ms) - t0))
log "sct serve (pid $SERVER_PID) ready in ${READY_MS} ms on $BASE"

# Tokens: school 1 (URN 100001), zone 1's team manager, an MIS vendor's
# integration client for schools 1-16.
TEAM1=a2000000-0000-4000-8000-000000000001
SCHOOL_TOKEN=$("$SCT" token --role school --school 100001 --sub school-100001 --ttl 7200)
MANAGER_TOKEN=$("$SCT" token --role team_manager --team "$TEAM1" --sub z001-manager --ttl 7200)
MANAGER2_TOKEN=$("$SCT" token --role team_manager --team a2000000-0000-4000-8000-000000000002 --sub z002-manager --ttl 7200)
mis_schools=()
for s in $(seq 100001 100016); do mis_schools+=(--school "$s"); done
MIS_TOKEN=$("$SCT" token --role integration "${mis_schools[@]}" --sub mis-vendor --ttl 7200)

export BENCH_SCHOOLS=$SCHOOLS BENCH_ZONES=$ZONES BENCH_REFERRALS=$REFERRALS BENCH_THREADS=$THREADS BENCH_TARGETS=$TARGETS

# wrk NAME LUA [ENV...]: warm-up, then the measured run; result in $RUN/NAME.wrk.json
NONCE=0
run_wrk() {
    local name=$1 script=$2 threads=$THREADS
    shift 2
    ((threads <= CONNS)) || threads=$CONNS
    NONCE=$((NONCE + 1))
    env "$@" BENCH_PHASE=warmup BENCH_NONCE=$NONCE BENCH_OUT="$RUN/$name.warmup.json" \
        wrk -t"$threads" -c"$CONNS" -d"${WARMUP}s" -s "bench/$script" "$BASE" >/dev/null
    NONCE=$((NONCE + 1))
    # The audit writer's batch sizes over the measured run (issue 18, item 3).
    curl -s "$BASE/metrics" >"$RUN/$name.metrics.before" || true
    env "$@" BENCH_PHASE=main BENCH_NONCE=$NONCE BENCH_OUT="$RUN/$name.wrk.json" \
        wrk -t"$threads" -c"$CONNS" -d"${DURATION}s" -s "bench/$script" "$BASE" >"$RUN/$name.wrk.txt"
    curl -s "$BASE/metrics" >"$RUN/$name.metrics.after" || true
}

# pgbench NAME: RUN/pg_NAME.sql with its variables, prepared, POOL clients
run_pgbench() {
    local name=$1 line
    local -a defs=()
    while IFS= read -r line; do defs+=(-D "$line"); done <"$RUN/pg_$name.args"
    "$PGBENCH" -n -M prepared -c "$POOL" -j "$THREADS" -T "$DURATION" "${defs[@]}" \
        -f "$RUN/pg_$name.sql" "$URL" >"$RUN/$name.pgbench.txt" 2>&1 ||
        { tail -20 "$RUN/$name.pgbench.txt" >&2; return 1; }
}

# least-work ceiling NAME: bench/least/NAME.sql (hand-written: the fewest
# statements a correct answer and its audit rows need), same clients
LEAST_DEFS=(-D "S=$SCHOOLS" -D "Z=$ZONES" -D "R=$REFERRALS" -D "T=$TARGETS"
    -D "team=a2000000-0000-4000-8000-000000000001" -D "zone2=a1000000-0000-4000-8000-000000000002")
run_least() {
    local name=$1 line
    local -a defs=()
    # the as-sent script's variables (JSON values, report period) serve here too
    while IFS= read -r line; do defs+=(-D "$line"); done <"$RUN/pg_$name.args"
    "$PGBENCH" -n -M prepared -c "$POOL" -j "$THREADS" -T "$DURATION" "${defs[@]}" "${LEAST_DEFS[@]}" \
        -f "bench/least/$name.sql" "$URL" >"$RUN/$name.least.txt" 2>&1 ||
        { log "$name: least-work script failed (see $RUN/$name.least.txt)"; tail -5 "$RUN/$name.least.txt" >&2; }
}

measure() {
    local name=$1 pg=$2 lua=$3
    shift 3
    if [[ -n ${BENCH_ONLY:-} && " $BENCH_ONLY " != *" $name "* ]]; then
        return 0
    fi
    if [[ $pg == pgbench && -z ${BENCH_NO_PGBENCH:-} ]]; then
        log "$name: pgbench ceiling as sent (pg_$name.sql)"
        run_pgbench "$name"
        log "$name: pgbench least-work ceiling (bench/least/$name.sql)"
        run_least "$name"
    fi
    log "$name: wrk ($lua)"
    run_wrk "$name" "$lua" "$@"
}

# --- 4. measurements ------------------------------------------------------------
measure health_live - static.lua BENCH_PATH=/health/live TOKEN=
measure get_referral_school pgbench get_referral.lua BENCH_AS=school TOKEN="$SCHOOL_TOKEN"
measure get_referral_manager pgbench get_referral.lua BENCH_AS=manager TOKEN="$MANAGER_TOKEN"
measure list_team_submitted pgbench static.lua \
    BENCH_PATH="/api/v1/referrals?team_id=$TEAM1&status=submitted&limit=50" TOKEN="$MANAGER_TOKEN"
measure delta_sync pgbench delta.lua TOKEN="$SCHOOL_TOKEN"
measure submit_referral pgbench submit.lua TOKEN="$MIS_TOKEN"
measure accept_referral pgbench accept.lua TOKEN="$MANAGER_TOKEN"
measure report_referrals pgbench static.lua \
    BENCH_PATH="/api/v1/reports/referrals?by=status" TOKEN="$MANAGER2_TOKEN"
# Whole-zone reports of a year, read by a zone's managers now and then: two
# connections (not a crowd), judged by p99 alone (issue 14: within 2 s).
CONNS=2 measure report_schools - static.lua BENCH_PATH="/api/v1/reports/schools" TOKEN="$MANAGER2_TOKEN"
CONNS=2 measure report_escalations - static.lua \
    BENCH_PATH="/api/v1/reports/escalations" TOKEN="$MANAGER2_TOKEN"

RSS_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status")
cleanup
SERVER_PID=

# --- 5. criterion ------------------------------------------------------------
if [[ -z ${BENCH_SKIP_CRITERION:-} ]]; then
    log "criterion benchmark of sct-domain"
    cargo bench -q -p sct-domain --bench domain -- --noplot 2>&1 | tee "$RUN/criterion.txt" >&2
fi

# --- 6. report ------------------------------------------------------------------
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
python3 bench/report.py --run "$RUN" --scale "$SCALE" --stamp "$STAMP" \
    --duration "$DURATION" --connections "$CONNS" --pool "$POOL" --rss-kb "$RSS_KB" \
    --ready-ms "$READY_MS" --seed-seconds "$SEED_SECONDS" --referrals "$REFERRALS" \
    --commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    --json "$OUT/$SCALE-$STAMP.json"
if [[ -z ${BENCH_ONLY:-} ]]; then
    cp -- "$OUT/$SCALE-$STAMP.json" "$OUT/latest-$SCALE.json"
fi
log "written $OUT/$SCALE-$STAMP.json"
