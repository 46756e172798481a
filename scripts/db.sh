#!/usr/bin/env bash
# scripts/db.sh - find or start a PostgreSQL server for local development and tests.
#
# Usage:
#   scripts/db.sh url [DBNAME]             ensure a reachable server and database DBNAME
#                                          (default: sct); print its URL (one line on stdout)
#   scripts/db.sh stop [--immediate]       stop the private cluster started by this script, if any
#                                          (--immediate: `pg_ctl stop -m immediate`, a crash)
#   scripts/db.sh drop-prefix URL PREFIX   drop every database on URL's server whose name
#                                          starts with PREFIX (at least 5 characters)
#   scripts/db.sh status                   show where the private cluster is, its port, and
#                                          whether it runs
#
# Server choice for `url` (first that works):
#   1. $DATABASE_URL, used as is (its database name is replaced only if DBNAME is given).
#   2. A server on 127.0.0.1:5432 that lets `postgres` (or the current user) in without a
#      password.
#   3. A private cluster in <repo>/.pgdata, or ${TMPDIR:-/tmp}/sct-pg-<hash> when the
#      `postgres` OS user cannot reach the checkout. It is started with pg_ctl, listens on
#      127.0.0.1 only (trust auth, user postgres), and keeps running after this script exits
#      until `scripts/db.sh stop`.
#
# SCT_PG_CLUSTER=DIR: use only the private cluster in folder DIR (or, when the postgres user
# cannot reach DIR, in ${TMPDIR:-/tmp}/sct-pg-cluster-<hash of DIR>; created on first use, kept
# until deleted), whatever DATABASE_URL or a server on 5432 offer; `stop` and `status` act on
# it alone. For tests that crash PostgreSQL (make faults) without hitting the shared server.
# SCT_PG_SERVER_OPTIONS: more server options for a private cluster this script starts (pg_ctl
# -o syntax, after the defaults, so they win), e.g. '-c synchronous_commit=on'.
#
# Only results go to stdout; all diagnostics go to stderr.
set -euo pipefail

# From here on, stdout is stderr; results are written to fd 3 (the original stdout).
# Every command that may leave a daemon behind must close fds 3 and 9 (see as_pg).
exec 3>&1 1>&2

PROG=${0##*/}
DEFAULT_DB=sct
PG_SUPERUSER=postgres
BASE_PORT=54329
LOCK_WAIT_SECONDS=600
URL_RE='^(postgres(ql)?://[^/?#]*)(/[^?#]*)?([?#].*)?$'

# log, die, IS_ROOT, as_pg, port_in_use, find_free_port, log_says_port_taken, pg_major, find_bindir
# shellcheck source=scripts/pglib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/pglib.sh"

usage() {
    cat >&2 <<'EOF'
Usage:
  scripts/db.sh url [DBNAME]             ensure a reachable server and database DBNAME
                                         (default: sct); print its URL on stdout
  scripts/db.sh stop [--immediate]       stop the private cluster started by this script
                                         (--immediate: pg_ctl -m immediate, a crash)
  scripts/db.sh drop-prefix URL PREFIX   drop all databases on URL's server starting with PREFIX
  scripts/db.sh status                   show the private cluster's location, port and state

Server preference for `url`: $DATABASE_URL, then a password-less server on 127.0.0.1:5432,
then a private cluster in <repo>/.pgdata (or ${TMPDIR:-/tmp}/sct-pg-<hash>).
SCT_PG_CLUSTER=DIR: only the private cluster in DIR (for url, stop and status).
EOF
}

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO=
if command -v git >/dev/null 2>&1; then
    REPO=$(git -C "$SCRIPT_DIR" rev-parse --show-toplevel 2>/dev/null) || REPO=
fi
[[ -n $REPO ]] || REPO=$(dirname -- "$SCRIPT_DIR")
REPO=$(cd -- "$REPO" && pwd -P)
if [[ -n ${SCT_PG_CLUSTER:-} && $SCT_PG_CLUSTER != /* ]]; then SCT_PG_CLUSTER=$PWD/$SCT_PG_CLUSTER; fi

# ---------------------------------------------------------------------------------------------
# Small helpers

# Single-quote a string for /bin/sh (pg_ctl -o is passed through a shell).
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# Quote a value for a libpq key=value connection string.
cq() {
    local s=${1//\\/\\\\}
    printf "'%s'" "${s//\'/\\\'}"
}

# Percent-encode a URL component (byte-wise).
urlenc() {
    local LC_ALL=C
    local s=$1 out='' c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
        [A-Za-z0-9._~-]) out+=$c ;;
        *)
            printf -v c '%%%02X' "'$c"
            out+=$c
            ;;
        esac
    done
    printf '%s\n' "$out"
}

urldec() { printf '%b\n' "${1//%/\\x}"; }

# Replace the database of a URL (or key=value conninfo).
url_with_db() {
    local url=$1 db=$2 base rest
    if [[ $url =~ $URL_RE ]]; then
        base=${BASH_REMATCH[1]}
        rest=${BASH_REMATCH[4]}
        printf '%s/%s%s\n' "$base" "$(urlenc "$db")" "$rest"
    else
        printf '%s dbname=%s\n' "$url" "$(cq "$db")"
    fi
}

# Database named by a URL or conninfo (empty if none: libpq then defaults to the user name).
url_db() {
    local url=$1 path
    if [[ $url =~ $URL_RE ]]; then
        path=${BASH_REMATCH[3]#/}
        [[ -z $path ]] || urldec "$path"
    elif [[ $url =~ (^|[[:space:]])dbname[[:space:]]*=[[:space:]]*(\'([^\']*)\'|([^[:space:]\']+)) ]]; then
        printf '%s\n' "${BASH_REMATCH[3]}${BASH_REMATCH[4]}"
    fi
}

repo_hash() {
    if command -v sha256sum >/dev/null 2>&1; then
        printf '%s' "$REPO" | sha256sum | cut -c1-10
    else
        printf '%s' "$REPO" | cksum | cut -d' ' -f1
    fi
}


# ---------------------------------------------------------------------------------------------
# PostgreSQL programs (find_bindir and pg_major: scripts/pglib.sh)

apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    export DEBIAN_FRONTEND=noninteractive
    log "installing $* with apt-get"
    apt-get -o DPkg::Lock::Timeout=300 update >&2 || return 1
    local p
    for p in "$@"; do
        if apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "$p" >&2; then
            return 0
        fi
    done
    return 1
}

BINDIR=
ensure_server_programs() {
    BINDIR=$(find_bindir) && return 0
    ((IS_ROOT)) || die "PostgreSQL server programs (initdb, pg_ctl) not found. Install them" \
        "(Debian/Ubuntu: sudo apt-get install postgresql) or set DATABASE_URL."
    apt_install postgresql-15 postgresql || die "could not install the PostgreSQL server"
    BINDIR=$(find_bindir) || die "PostgreSQL installed, but initdb/pg_ctl still not found"
}

PSQL=
ensure_psql() {
    [[ -z $PSQL ]] || return 0
    local b
    if b=$(find_bindir) && [[ -x $b/psql ]]; then
        PSQL=$b/psql
    elif b=$(command -v psql 2>/dev/null); then
        PSQL=$b
    elif ((IS_ROOT)) && apt_install postgresql-client-15 postgresql-client &&
        b=$(command -v psql 2>/dev/null); then
        PSQL=$b
    else
        die "psql not found; install the PostgreSQL client (e.g. apt-get install postgresql-client)"
    fi
}

# psql_do CONNINFO [psql options...] -- run SQL from stdin, unaligned output.
# With PSQL_CLEAN=1, libpq environment variables that could change where or how we connect
# (passwords, service files, sslmode, hostaddr...) are ignored: the printed URL must work
# for clients that do not read them (tokio-postgres).
PSQL_CLEAN=0
psql_do() {
    local conn=$1
    shift
    local -a envs=(PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-5}")
    if ((PSQL_CLEAN)); then
        envs=(-u PGPASSWORD -u PGSERVICE -u PGSERVICEFILE -u PGSSLMODE -u PGREQUIRESSL
            -u PGGSSENCMODE -u PGOPTIONS -u PGHOSTADDR -u PGTARGETSESSIONATTRS
            -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE PGPASSFILE=/dev/null/none "${envs[@]}")
    fi
    env "${envs[@]}" "$PSQL" -X -w -q -A -t -v ON_ERROR_STOP=1 "$@" -d "$conn"
}

# ensure_db ADMIN_CONNINFO DBNAME -- create DBNAME unless it exists (race-tolerant).
ensure_db() {
    local admin=$1 db=$2 found err
    local q_exists="SELECT 1 FROM pg_database WHERE datname = :'db';"
    local q_create='CREATE DATABASE :"db";'
    found=$(printf '%s\n' "$q_exists" | psql_do "$admin" -v db="$db") ||
        die "cannot list databases on the server"
    [[ $found != 1 ]] || return 0
    log "creating database \"$db\""
    if ! err=$(printf '%s\n' "$q_create" | psql_do "$admin" -v db="$db" 2>&1 >/dev/null); then
        # A concurrent caller may have created it in the meantime.
        found=$(printf '%s\n' "$q_exists" | psql_do "$admin" -v db="$db") || true
        [[ $found == 1 ]] || die "could not create database \"$db\": $err"
    fi
}

check_dbname() {
    [[ -n $1 ]] || die "empty database name"
    local LC_ALL=C
    ((${#1} <= 63)) || die "database name longer than 63 bytes: $1"
}

# ---------------------------------------------------------------------------------------------
# Private cluster

CDIR='' DATA='' SOCK='' LOGF='' PORTF='' MARK='' LOCKF=''
set_cluster() {
    CDIR=$1
    DATA=$CDIR/data        # PGDATA
    SOCK=$CDIR/sock        # Unix socket directory
    LOGF=$CDIR/postgres.log
    PORTF=$CDIR/port       # port of the last start
    MARK=$CDIR/initialized # written after a successful initdb; holds the major version
    LOCKF=$CDIR/lock       # flock: serializes initdb/start/stop (lock sits next to PGDATA)
}

# Candidate cluster folders, in order of preference.
cluster_candidates() {
    local h t
    t=${TMPDIR:-/tmp}
    t=${t%/}
    [[ $t == /* ]] || t=/tmp
    if [[ -n ${SCT_PG_CLUSTER:-} ]]; then
        # The folder asked for, or (a checkout the postgres user cannot
        # reach, as in CI's private clone) one of its own in the temp folder.
        h=$(printf '%s' "$SCT_PG_CLUSTER" | sha256sum | cut -c1-12)
        printf '%s\n' "$SCT_PG_CLUSTER" "$t/sct-pg-cluster-$h"
        return 0
    fi
    h=$(repo_hash)
    printf '%s\n' "$REPO/.pgdata"
    printf '%s\n' "$t/sct-pg-$h"
    [[ $t == /tmp ]] || printf '%s\n' "/tmp/sct-pg-$h"
}

can_manage() { ((IS_ROOT)) || [[ -O $1 ]]; }

# Create/adopt folder $1 for the cluster; succeed if the cluster owner can use it.
prepare_cdir() {
    local d=$1 parent=${1%/*} created=0 owner
    [[ ! -L $d ]] || {
        log "ignoring $d: it is a symlink"
        return 1
    }
    [[ ! -e $d/PG_VERSION ]] || {
        log "ignoring $d: it is a PostgreSQL data directory not managed by this script"
        return 1
    }
    if ((IS_ROOT)); then
        # The postgres user must be able to reach the folder (private checkouts, e.g. under
        # /root, are not traversable for it).
        as_pg test -x "$parent" 2>/dev/null || return 1
    fi
    if [[ ! -d $d ]]; then
        mkdir -- "$d" 2>/dev/null && created=1
        [[ -d $d ]] || return 1
    fi
    owner=$(stat -c %u -- "$d")
    if ((IS_ROOT)); then
        if [[ $owner != 0 && $owner != "$(id -u "$PG_SUPERUSER")" ]]; then
            log "ignoring $d: owned by uid $owner"
            return 1
        fi
        chown "$PG_SUPERUSER:" -- "$d" 2>/dev/null && chmod 755 -- "$d" 2>/dev/null &&
            as_pg test -w "$d" -a -x "$d" 2>/dev/null && return 0
    else
        [[ -O $d && -w $d && -x $d ]] && return 0
    fi
    if ((created)); then rmdir -- "$d" 2>/dev/null || true; fi
    return 1
}

lock_cluster() {
    exec 9>>"$LOCKF" || die "cannot open lock file $LOCKF"
    if command -v flock >/dev/null 2>&1; then
        flock -w "$LOCK_WAIT_SECONDS" 9 || die "timed out waiting for lock $LOCKF"
    else
        log "warning: flock not found; concurrent calls are not serialized"
    fi
}

unlock_cluster() { exec 9>&-; }

# Print the postmaster PID if the cluster in $DATA is running.
cluster_pid() {
    local pidf=$DATA/postmaster.pid pid comm cwd
    [[ -r $pidf ]] || return 1
    pid=$(head -n1 -- "$pidf" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
    [[ $comm == postgres || $comm == postmaster ]] || return 1
    # Zombies (dead, not yet reaped) do not count.
    [[ $(sed -n 's/.*) \([A-Za-z]\).*/\1/p' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 1
    # A recycled PID may belong to another cluster's postgres: compare working directories.
    if cwd=$(readlink -f "/proc/$pid/cwd" 2>/dev/null) && [[ -n $cwd ]]; then
        [[ $cwd == "$(readlink -f -- "$DATA")" ]] || return 1
    fi
    printf '%s\n' "$pid"
}

running_port() { sed -n 4p -- "$DATA/postmaster.pid" 2>/dev/null; }

wait_ready() {
    local port=$1 i
    for ((i = 0; i < 60; i++)); do
        if "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$port" -t 2 >/dev/null 2>&1; then
            return 0
        fi
        sleep 1
    done
    return 1
}

# Use the binaries matching the cluster's major version.
select_bindir_for_cluster() {
    local v
    v=$(cat -- "$MARK" 2>/dev/null) || v=
    [[ -n $v ]] || return 0
    BINDIR=$(find_bindir "$v") ||
        die "cluster $DATA was created by PostgreSQL $v, whose server programs are not" \
            "installed. Install them, or delete $CDIR to start over."
}

init_cluster() {
    local -a loc=(--no-locale)
    if command -v locale >/dev/null 2>&1 && locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
        loc=(--locale=C.UTF-8)
    fi
    if [[ -e $DATA ]] && ! rmdir -- "$DATA" 2>/dev/null; then
        # Left over by an interrupted initdb (or put there by hand): keep it, but out of the way.
        local aside
        aside=$DATA.incomplete-$(date +%Y%m%d%H%M%S)
        log "moving unfinished cluster $DATA aside to $aside"
        mv -- "$DATA" "$aside" || return 1
    fi
    mkdir -p -- "$SOCK" && chmod 755 -- "$SOCK" || return 1
    if ((IS_ROOT)); then chown "$PG_SUPERUSER:" -- "$SOCK" || return 1; fi
    log "initializing a new PostgreSQL $(pg_major "$BINDIR") cluster in $DATA"
    # Trust auth is fine: the server only listens on 127.0.0.1 and a private socket folder.
    while :; do
        if as_pg "$BINDIR/initdb" -D "$DATA" --username="$PG_SUPERUSER" --auth=trust \
            -E UTF8 "${loc[@]}" >"$CDIR/initdb.log" 2>&1; then
            break
        fi
        rm -rf -- "$DATA"
        if [[ ${loc[0]} != --no-locale ]]; then
            log "initdb failed with ${loc[0]}; retrying with --no-locale"
            loc=(--no-locale)
            continue
        fi
        tail -n 20 -- "$CDIR/initdb.log" >&2 || true
        log "initdb failed in $CDIR (full log: $CDIR/initdb.log)"
        return 1
    done
    cat -- "$DATA/PG_VERSION" >"$MARK" || return 1
}

START_PORT=
start_cluster() {
    local port sb=256MB attempt before pid k opts
    port=$(cat -- "$PORTF" 2>/dev/null) || port=
    if ! [[ $port =~ ^[0-9]+$ ]] || port_in_use "$port"; then
        port=$(find_free_port "$BASE_PORT")
    fi
    # Unix socket paths are limited to ~107 bytes; without room, run TCP-only.
    if ((${#SOCK} + 18 > 107)); then k="''"; else k=$(sq "$SOCK"); fi
    for attempt in 1 2 3 4 5; do
        # Dev/test cluster only: fsync, synchronous_commit and full_page_writes are off, which
        # trades crash safety (data may be lost or corrupted on an OS crash) for speed.
        opts="-p $port -k $k -c listen_addresses=127.0.0.1 -c max_connections=300"
        opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        opts+=" -c shared_buffers=$sb"
        # Later settings win: e.g. SCT_PG_SERVER_OPTIONS='-c synchronous_commit=on'.
        if [[ -n ${SCT_PG_SERVER_OPTIONS:-} ]]; then opts+=" $SCT_PG_SERVER_OPTIONS"; fi
        before=$(stat -c %s -- "$LOGF" 2>/dev/null) || before=0
        log "starting PostgreSQL on 127.0.0.1:$port (data: $DATA, log: $LOGF)"
        if as_pg "$BINDIR/pg_ctl" -D "$DATA" -l "$LOGF" -w -t 60 -o "$opts" start >&2; then
            START_PORT=$port
            return 0
        fi
        # Slow start-up: pg_ctl gave up waiting but the server may still come up.
        if pid=$(cluster_pid) && wait_ready "$port"; then
            START_PORT=$port
            return 0
        fi
        if log_says_port_taken "$LOGF" "$before"; then
            log "port $port is taken; trying another (attempt $attempt)"
            port=$(find_free_port "$((port + 1))")
        elif [[ $sb != 32MB ]] && grep -qiE 'shared memory' <<<"$(tail -c "+$((before + 1))" -- "$LOGF" 2>/dev/null)"; then
            log "not enough shared memory for shared_buffers=$sb; retrying with 32MB"
            sb=32MB
        else
            break
        fi
    done
    tail -n 30 -- "$LOGF" >&2 2>/dev/null || true
    die "could not start PostgreSQL in $DATA (log: $LOGF)"
}

# Make the initialized cluster in $CDIR run (caller holds the lock). Sets START_PORT.
ensure_cluster_running() {
    local pid port
    select_bindir_for_cluster
    if pid=$(cluster_pid); then
        port=$(running_port)
        [[ $port =~ ^[0-9]+$ ]] || die "cannot read the port of running server $pid in $DATA"
        wait_ready "$port" || die "server $pid in $DATA does not accept connections on port $port"
        log "reusing running cluster $CDIR (pid $pid, port $port)"
        START_PORT=$port
    else
        if [[ -e $DATA/postmaster.pid ]]; then
            log "removing stale $DATA/postmaster.pid"
            rm -f -- "$DATA/postmaster.pid"
        fi
        start_cluster
    fi
    if [[ $(cat -- "$PORTF" 2>/dev/null) != "$START_PORT" ]]; then
        printf '%s\n' "$START_PORT" >"$PORTF"
    fi
}

ensure_pg_os_user() {
    ((IS_ROOT)) || return 0
    id -u "$PG_SUPERUSER" >/dev/null 2>&1 && return 0
    log "creating OS user $PG_SUPERUSER (initdb/postgres refuse to run as root)"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash \
        "$PG_SUPERUSER" 2>/dev/null || id -u "$PG_SUPERUSER" >/dev/null 2>&1 ||
        die "could not create OS user $PG_SUPERUSER"
}

private_cluster_url() {
    local db=$1 c
    local -a order=()
    ensure_server_programs
    ensure_pg_os_user
    command -v runuser >/dev/null 2>&1 || ((!IS_ROOT)) || die "runuser not found (util-linux)"
    # An existing cluster wins; otherwise the first usable location.
    while IFS= read -r c; do
        if [[ -f $c/initialized && ! -L $c ]] && can_manage "$c"; then
            order=("$c")
            break
        fi
    done < <(cluster_candidates)
    while IFS= read -r c; do order+=("$c"); done < <(cluster_candidates)

    for c in "${order[@]}"; do
        prepare_cdir "$c" || continue
        set_cluster "$c"
        lock_cluster
        if [[ ! -f $MARK ]] && ! init_cluster; then
            unlock_cluster
            log "could not set up a cluster in $c; trying the next location"
            continue
        fi
        ensure_cluster_running
        ensure_psql
        PSQL_CLEAN=1
        ensure_db "host=127.0.0.1 port=$START_PORT user=$PG_SUPERUSER dbname=postgres" "$db"
        unlock_cluster
        printf 'postgres://%s@127.0.0.1:%s/%s\n' "$(urlenc "$PG_SUPERUSER")" "$START_PORT" \
            "$(urlenc "$db")" >&3
        return 0
    done
    die "no usable location for a private PostgreSQL cluster (tried: ${order[*]})"
}

# ---------------------------------------------------------------------------------------------
# Subcommands

cmd_url() {
    local given=0 db=$DEFAULT_DB u out admin ok i wait
    if (($# > 1)); then
        usage
        exit 2
    fi
    if (($# == 1)); then
        given=1
        db=$1
    fi
    check_dbname "$db"

    if [[ -n ${SCT_PG_CLUSTER:-} ]]; then
        private_cluster_url "$db"
        return 0
    fi

    # a. DATABASE_URL
    if [[ -n ${DATABASE_URL:-} ]]; then
        ensure_psql
        if ((given)); then
            out=$(url_with_db "$DATABASE_URL" "$db")
        else
            out=$DATABASE_URL
            db=$(url_db "$DATABASE_URL")
        fi
        wait=${DB_WAIT_SECONDS:-15}
        ok=
        for ((i = 0; i <= wait; i += 3)); do
            for admin in "$(url_with_db "$DATABASE_URL" postgres)" \
                "$(url_with_db "$DATABASE_URL" template1)" "$DATABASE_URL"; do
                if psql_do "$admin" -c 'select 1' >/dev/null 2>&1; then
                    ok=$admin
                    break 2
                fi
            done
            ((i + 3 > wait)) || sleep 3
        done
        if [[ -z $ok ]]; then
            psql_do "$DATABASE_URL" -c 'select 1' >/dev/null || true
            die "cannot connect to the server in DATABASE_URL"
        fi
        if [[ -n $db ]]; then ensure_db "$ok" "$db"; fi
        printf '%s\n' "$out" >&3
        return 0
    fi

    # b. a password-less local server on 127.0.0.1:5432
    if port_in_use 5432; then
        ensure_psql
        PSQL_CLEAN=1
        for u in "$PG_SUPERUSER" "$(id -un)"; do
            if PGCONNECT_TIMEOUT=2 psql_do "host=127.0.0.1 port=5432 user=$(cq "$u") dbname=postgres" \
                -c 'select 1' >/dev/null 2>&1; then
                log "using the local server on 127.0.0.1:5432 as $u"
                ensure_db "host=127.0.0.1 port=5432 user=$(cq "$u") dbname=postgres" "$db"
                printf 'postgres://%s@127.0.0.1:5432/%s\n' "$(urlenc "$u")" "$(urlenc "$db")" >&3
                return 0
            fi
        done
        PSQL_CLEAN=0
        log "127.0.0.1:5432 is taken but does not let us in without a password; using a private cluster"
    fi

    # c. private cluster
    private_cluster_url "$db"
}

cmd_stop() {
    local mode=fast
    if (($# == 1)) && [[ $1 == --immediate ]]; then
        mode=immediate
        shift
    fi
    (($# == 0)) || {
        usage
        exit 2
    }
    local c pid stopped=0
    while IFS= read -r c; do
        if [[ ! -d $c/data || -L $c ]] || ! can_manage "$c"; then continue; fi
        set_cluster "$c"
        if [[ -f $LOCKF ]]; then lock_cluster; fi
        if pid=$(cluster_pid); then
            BINDIR=$(find_bindir) || die "pg_ctl not found"
            select_bindir_for_cluster
            log "stopping PostgreSQL in $CDIR (pid $pid, mode $mode)"
            as_pg "$BINDIR/pg_ctl" -D "$DATA" -m "$mode" -w -t 60 stop >&2 ||
                die "pg_ctl stop failed for $DATA"
            stopped=1
        fi
        unlock_cluster
    done < <(cluster_candidates)
    ((stopped)) || log "no private cluster is running for $REPO"
}

cmd_status() {
    (($# == 0)) || {
        usage
        exit 2
    }
    local c pid port found=0
    while IFS= read -r c; do
        [[ -d $c/data ]] || continue
        found=1
        set_cluster "$c"
        port=$(cat -- "$PORTF" 2>/dev/null) || port=
        if pid=$(cluster_pid); then
            port=$(running_port)
            printf 'cluster: %s\nport:    %s\nrunning: yes (pid %s)\nurl:     postgres://%s@127.0.0.1:%s/%s\n' \
                "$CDIR" "$port" "$pid" "$PG_SUPERUSER" "$port" "$DEFAULT_DB" >&3
        else
            printf 'cluster: %s\nport:    %s\nrunning: no\n' "$CDIR" "${port:-none}" >&3
        fi
        printf 'log:     %s\n' "$LOGF" >&3
    done < <(cluster_candidates)
    if ((!found)); then
        printf 'cluster: none for %s\nrunning: no\n' "$REPO" >&3
    fi
    if [[ -n ${DATABASE_URL:-} ]]; then
        printf 'note:    DATABASE_URL is set; "url" uses that server instead\n' >&3
    fi
}

cmd_drop_prefix() {
    (($# == 2)) || {
        usage
        exit 2
    }
    local url=$1 prefix=$2 admin ok='' names n dropped=0
    [[ -n $url ]] || die "empty URL"
    ((${#prefix} >= 5)) || die "refusing prefix '$prefix': it must have at least 5 characters"
    ensure_psql
    for admin in "$(url_with_db "$url" postgres)" "$(url_with_db "$url" template1)" "$url"; do
        if psql_do "$admin" -c 'select 1' >/dev/null 2>&1; then
            ok=$admin
            break
        fi
    done
    [[ -n $ok ]] || {
        psql_do "$url" -c 'select 1' >/dev/null || true
        die "cannot connect to $url"
    }
    local q_list="SELECT datname FROM pg_database
        WHERE NOT datistemplate AND datname NOT IN ('postgres', 'template0', 'template1')
          AND datname <> current_database()
          AND left(datname, length(:'prefix')) = :'prefix'
        ORDER BY 1;"
    local q_drop="SELECT CASE WHEN current_setting('server_version_num')::int >= 130000
        THEN format('DROP DATABASE IF EXISTS %I WITH (FORCE)', :'name')
        ELSE format('DROP DATABASE IF EXISTS %I', :'name') END \\gexec"
    names=$(printf '%s\n' "$q_list" | psql_do "$ok" -v prefix="$prefix") ||
        die "cannot list databases"
    while IFS= read -r n; do
        [[ -n $n ]] || continue
        if printf '%s\n' "$q_drop" | psql_do "$ok" -v name="$n" >/dev/null; then
            log "dropped database \"$n\""
            dropped=$((dropped + 1))
        else
            log "warning: could not drop database \"$n\""
        fi
    done <<<"$names"
    log "dropped $dropped database(s) starting with \"$prefix\""
}

main() {
    local cmd=${1:-}
    (($# == 0)) || shift
    case $cmd in
    url) cmd_url "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    drop-prefix) cmd_drop_prefix "$@" ;;
    -h | --help | help) usage ;;
    *)
        usage
        exit 2
        ;;
    esac
}

main "$@"
