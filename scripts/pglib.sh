# shellcheck shell=bash
# scripts/pglib.sh - helpers shared by scripts/db.sh and scripts/standby.sh (sourced, not run).
#
# The sourcing script sets PROG (its name, for messages) and PG_SUPERUSER (the OS user that owns
# the clusters, `postgres`) first. Defines: log, die, IS_ROOT, as_pg, port_in_use,
# find_free_port, log_says_port_taken, pg_major and find_bindir.

log() { printf '%s: %s\n' "${PROG:-${0##*/}}" "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

IS_ROOT=0
if [[ $EUID -eq 0 ]]; then IS_ROOT=1; fi

# Run a command as the cluster owner (PG_SUPERUSER when root, else ourselves), from /, with every
# fd above 2 closed: a daemon started by it must not hold the caller's lock, result fd or pipes
# (e.g. `$(scripts/db.sh url)` would otherwise never see EOF).
as_pg() {
    (
        fd=
        for fd in /proc/"${BASHPID}"/fd/*; do
            fd=${fd##*/}
            if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)); then exec {fd}>&-; fi
        done
        cd /
        if ((IS_ROOT)); then
            exec runuser -u "$PG_SUPERUSER" -- "$@"
        else
            exec "$@"
        fi
    )
}

# A port is in use when something listens on it or a live connection holds it as its local port:
# the ports of these clusters lie in Linux's ephemeral range (32768-60999), so a client's outgoing
# connection can hold one, and a server then cannot bind it. A client's closed connection in
# TIME_WAIT blocks the bind too, a server's does not (it shares the listener's SO_REUSEADDR), and
# ss cannot tell them apart: TIME_WAIT is left out here (else a restarted cluster would move off
# its own port) and to the retry of log_says_port_taken.
port_in_use() {
    local p=$1
    if command -v ss >/dev/null 2>&1 &&
        [[ -n $(ss -Htan state all exclude time-wait "( sport = :$p )" 2>/dev/null) ]]; then
        return 0
    fi
    if command -v timeout >/dev/null 2>&1; then
        timeout 2 bash -c "exec 8<>/dev/tcp/127.0.0.1/$p" 2>/dev/null
    else
        (exec 8<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null
    fi
}

find_free_port() {
    local p
    for ((p = $1; p < $1 + 500 && p < 65536; p++)); do
        if ! port_in_use "$p"; then
            printf '%s\n' "$p"
            return 0
        fi
    done
    die "no free TCP port found from $1 upwards"
}

# log_says_port_taken LOG OFFSET: whether what a server wrote to LOG after byte OFFSET says it
# could not bind its port. The check above cannot close the race: a connection may take the
# port between it and the server's bind, so a start that fails this way retries on another port.
log_says_port_taken() {
    grep -qiE 'could not bind|address already in use|could not create any TCP/IP' \
        <<<"$(tail -c "+$(($2 + 1))" -- "$1" 2>/dev/null)"
}

pg_major() { "$1/pg_ctl" --version 2>/dev/null | grep -oE '[0-9]+' | head -n1; }

# find_bindir [MAJOR] [PROGRAM...]: print a directory holding every PROGRAM (default: initdb and
# pg_ctl) of major version MAJOR if given, preferring pg_config's, then the newest Debian one.
find_bindir() {
    local want=${1:-} d prog ok
    shift || true
    local -a progs=("$@") cands=()
    ((${#progs[@]})) || progs=(initdb pg_ctl)
    [[ -z $want ]] || cands+=("/usr/lib/postgresql/$want/bin")
    if command -v pg_config >/dev/null 2>&1 && d=$(pg_config --bindir 2>/dev/null); then
        cands+=("$d")
    fi
    while IFS= read -r d; do cands+=("$d"); done < <(
        printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5rn
    )
    if d=$(command -v "${progs[0]}" 2>/dev/null); then cands+=("${d%/*}"); fi
    for d in "${cands[@]}"; do
        ok=1
        for prog in "${progs[@]}" pg_ctl; do [[ -x $d/$prog ]] || ok=0; done
        ((ok)) || continue
        if [[ -n $want && $(pg_major "$d") != "$want" ]]; then continue; fi
        printf '%s\n' "$d"
        return 0
    done
    return 1
}
