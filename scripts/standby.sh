#!/usr/bin/env bash
# scripts/standby.sh - a PostgreSQL hot standby of a primary, by streaming replication, for
# development and the replica test (make replica). Production standbys are the operator's
# (docs/deployment.md); this script shows the steps.
#
# Usage:
#   scripts/standby.sh start PRIMARY_URL DIR   make a hot standby of PRIMARY_URL in DIR (first
#                                             time: pg_basebackup -R, which writes
#                                             standby.signal and primary_conninfo), start it on
#                                             a free port on 127.0.0.1 and print its URL (the
#                                             database of PRIMARY_URL) on stdout
#   scripts/standby.sh stop DIR [--immediate]  stop the standby in DIR
#   scripts/standby.sh status DIR              where it is, its port, whether it runs
#
# The primary must allow a replication connection of PRIMARY_URL's user from 127.0.0.1 (the
# clusters of scripts/db.sh do: initdb's pg_hba.conf trusts local replication) and have
# wal_level=replica and max_wal_senders > 0 (PostgreSQL's defaults). When run as root, the
# standby runs as the postgres user (like scripts/db.sh); if that user cannot reach DIR, the
# data goes to ${TMPDIR:-/tmp}/sct-standby-<hash of DIR> instead. The standby listens on
# 127.0.0.1 only, TCP only, with trust authentication copied from the primary.
#
# Only results go to stdout; all diagnostics go to stderr.
set -euo pipefail

exec 3>&1 1>&2

PROG=${0##*/}
PG_SUPERUSER=postgres
BASE_PORT=54400
URL_RE='^(postgres(ql)?://[^/?#]*)(/[^?#]*)?([?#].*)?$'

# log, die, IS_ROOT, as_pg, port_in_use, find_free_port, log_says_port_taken, pg_major, find_bindir
# shellcheck source=scripts/pglib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/pglib.sh"

usage() {
    sed -n '6,13p' -- "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
}

# Where the standby of DIR lives: DIR itself, or a folder in the temp dir when the postgres
# user cannot reach DIR (root running from a private checkout).
LOC=
locate() {
    local dir=$1 hash
    [[ $dir == /* ]] || dir=$PWD/$dir
    mkdir -p -- "$dir"
    dir=$(cd -- "$dir" && pwd -P)
    LOC=$dir
    if ((IS_ROOT)); then
        chown "$PG_SUPERUSER:" -- "$dir" 2>/dev/null || true
        if ! as_pg test -w "$dir" -a -x "$dir" 2>/dev/null; then
            hash=$(printf '%s' "$dir" | sha256sum | cut -c1-10)
            LOC=${TMPDIR:-/tmp}/sct-standby-$hash
            mkdir -p -- "$LOC"
            chown "$PG_SUPERUSER:" -- "$LOC"
            chmod 755 -- "$LOC"
            printf '%s\n' "$LOC" >"$dir/location"
            log "the postgres user cannot reach $dir; the standby lives in $LOC"
        fi
    fi
}

running_pid() {
    local pid
    pid=$(head -n1 -- "$LOC/data/postmaster.pid" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == postgres ]] || return 1
    printf '%s\n' "$pid"
}

url_db() {
    if [[ $1 =~ $URL_RE ]]; then printf '%s\n' "${BASH_REMATCH[3]#/}"; fi
}

cmd_start() {
    (($# == 2)) || {
        usage
        exit 2
    }
    local primary=$1 dir=$2 bindir port db pid attempt before started=0
    [[ $primary =~ $URL_RE ]] || die "PRIMARY_URL must be a postgres:// URL"
    db=$(url_db "$primary")
    locate "$dir"
    bindir=$(find_bindir "" pg_basebackup psql) || die "pg_basebackup/pg_ctl not found (Debian: apt-get install postgresql)"
    if [[ ! -f $LOC/data/standby.signal ]]; then
        if [[ -e $LOC/data ]]; then
            log "moving an unfinished standby aside"
            mv -- "$LOC/data" "$LOC/data.incomplete-$(date +%Y%m%d%H%M%S)"
        fi
        log "pg_basebackup of the primary into $LOC/data"
        # -R: standby.signal and primary_conninfo; -X stream: the WAL of the copy itself.
        as_pg "$bindir/pg_basebackup" -d "$primary" -D "$LOC/data" -R -X stream \
            -c fast --no-password >&2 || die "pg_basebackup failed"
        # A hot standby refuses to start with fewer of these than the primary has (the
        # clusters of scripts/db.sh run with max_connections=300 on their command line).
        as_pg "$bindir/psql" -X -q -A -t -d "$primary" -c "SELECT format('%s = %s', name, setting)
            FROM pg_settings WHERE name IN ('max_connections', 'max_worker_processes',
            'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction')" \
            >>"$LOC/data/postgresql.auto.conf" || die "cannot read the primary's settings"
    fi
    bindir=$(find_bindir "$(cat -- "$LOC/data/PG_VERSION")" postgres) || die "no server programs match $LOC/data"
    if pid=$(running_pid); then
        port=$(sed -n 4p -- "$LOC/data/postmaster.pid")
        log "reusing the running standby (pid $pid, port $port)"
    else
        rm -f -- "$LOC/data/postmaster.pid"
        port=$(cat -- "$LOC/port" 2>/dev/null) || port=
        if ! [[ $port =~ ^[0-9]+$ ]] || port_in_use "$port"; then
            port=$(find_free_port "$BASE_PORT")
        fi
        for attempt in 1 2 3 4 5; do
            before=$(stat -c %s -- "$LOC/postgres.log" 2>/dev/null) || before=0
            # hot_standby_feedback: a long report is not cancelled by the vacuum of rows it reads.
            if as_pg "$bindir/pg_ctl" -D "$LOC/data" -l "$LOC/postgres.log" -w -t 60 \
                -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c hot_standby=on -c hot_standby_feedback=on" \
                start >&2; then
                started=1
                break
            fi
            log_says_port_taken "$LOC/postgres.log" "$before" || break
            log "port $port is taken; trying another (attempt $attempt)"
            port=$(find_free_port "$((port + 1))")
        done
        ((started)) || {
            tail -n 20 -- "$LOC/postgres.log" >&2 || true
            die "the standby did not start (log: $LOC/postgres.log)"
        }
        printf '%s\n' "$port" >"$LOC/port"
    fi
    printf 'postgres://%s@127.0.0.1:%s/%s\n' "$PG_SUPERUSER" "$port" "$db" >&3
}

cmd_stop() {
    local dir=${1:-} mode=fast bindir pid
    [[ -n $dir ]] || {
        usage
        exit 2
    }
    if [[ ${2:-} == --immediate ]]; then mode=immediate; fi
    [[ -d $dir ]] || {
        log "no standby in $dir"
        return 0
    }
    locate "$dir"
    if pid=$(running_pid); then
        bindir=$(find_bindir "$(cat -- "$LOC/data/PG_VERSION")" pg_ctl) || die "pg_ctl not found"
        log "stopping the standby in $LOC (pid $pid, mode $mode)"
        as_pg "$bindir/pg_ctl" -D "$LOC/data" -m "$mode" -w -t 60 stop >&2
    else
        log "no standby is running in $LOC"
    fi
}

cmd_status() {
    local dir=${1:-} pid
    [[ -n $dir && -d $dir ]] || {
        printf 'standby: none\nrunning: no\n' >&3
        return 0
    }
    locate "$dir"
    if pid=$(running_pid); then
        printf 'standby: %s\nport:    %s\nrunning: yes (pid %s)\n' "$LOC" \
            "$(sed -n 4p -- "$LOC/data/postmaster.pid")" "$pid" >&3
    else
        printf 'standby: %s\nrunning: no\n' "$LOC" >&3
    fi
}

main() {
    local cmd=${1:-}
    (($# == 0)) || shift
    case $cmd in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    -h | --help | help) usage ;;
    *)
        usage
        exit 2
        ;;
    esac
}

main "$@"
