#!/usr/bin/env python3
"""make faults: PostgreSQL crashes and the API process is killed under write load.

Runs on a private PostgreSQL cluster of its own (`SCT_PG_CLUSTER`, default
<repo>/.pgdata-faults, created by scripts/db.sh on first use and stopped at
the end), never on the shared server other tests use. One release
`sct serve`; four clients submit referrals continuously, each with an
Idempotency-Key kept until it gets 201 (no answer, 503 and 409 "still in
progress" are retried after 100 ms). Meanwhile:

1. PostgreSQL is stopped with `pg_ctl stop -m immediate` (a crash: no
   checkpoint, crash recovery at the next start), left down 3 s, started
   again;
2. the API process is SIGKILLed, left down 1 s, started again.

Checks, and prints the figures:
- every request that overlapped the database outage answered 201 or a 503
  problem+json with Retry-After, within 5 s;
- service (a 201) returns within 5 s of PostgreSQL being back and within
  5 s of the API process being started again;
- every referral acknowledged with 201 is stored exactly once (counted by
  its marker and its external reference), with its audit row; nothing
  unacknowledged is stored; every retry with the same key, during the faults
  and once more for every key at the end, answers the same referral.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opslib import (  # noqa: E402
    ROOT,
    SCT,
    Server,
    WriteLoad,
    call,
    db_sh,
    fail,
    log,
    migrate_and_seed,
    private_cluster_env,
    sct,
    sql,
    zone_one,
)

LIMIT = 5.0  # seconds: outage answers and recovery
DB_PREFIX = "sct_faults_"
CLUSTER = os.environ.get("SCT_PG_CLUSTER") or str(ROOT / ".pgdata-faults")
# A key left "in progress" by a crash must still end in 201 with its referral;
# 75 s outlasts the 60 s after which an abandoned key is taken over.
KEY_DEADLINE = float(os.environ.get("FAULTS_KEY_DEADLINE", "75"))


def main():
    if not SCT.exists():
        fail(f"{SCT} not found: run `make build` first")
    total = time.monotonic()
    # A crash must not lose an acknowledged commit: synchronous_commit=on
    # (fsync stays off: a crashed postgres leaves its writes in the kernel).
    env = private_cluster_env(CLUSTER)
    # Started afresh, so that the options above apply.
    db_sh("stop", env=env)
    admin_url = db_sh("url", env=env)
    if sql(admin_url, "SHOW synchronous_commit") != [["on"]]:
        fail("the faults cluster does not run with synchronous_commit=on")
    db_sh("drop-prefix", admin_url, DB_PREFIX, env=env)
    db_name = f"{DB_PREFIX}{os.getpid()}"
    url = db_sh("url", db_name, env=env)
    log(f"private cluster {CLUSTER}: {url}")
    api = None
    try:
        migrate_and_seed(url)
        api = Server("faults-api", url)
        api.start()
        api.wait_ready()
        admin = sct("token", "--role", "la_admin", url=url)
        _, urn, _ = zone_one(api.base, admin)
        school = sct("token", "--role", "school", "--school", urn, url=url)

        load = WriteLoad(api.base, school, urn, "FAULT", writers=4, key_deadline=KEY_DEADLINE)
        clock = load.clock
        load.start()
        time.sleep(2.0)

        # 1. PostgreSQL crashes and comes back.
        pg_stop = clock()
        db_sh("stop", "--immediate", env=env)
        pg_down = clock()
        probe = call(api.base, "GET", "/health/ready", timeout=10)
        if probe.status != 503:
            fail(f"/health/ready while PostgreSQL is down: {probe}")
        time.sleep(3.0)
        pg_restart = clock()
        db_sh("url", db_name, env=env)
        pg_up = clock()
        pg_recovery = first_201_after(load, pg_up, within=10)
        time.sleep(2.0)

        # 2. The API process is killed and started again.
        api_kill = clock()
        api.signal(signal.SIGKILL)
        api.wait_exit()
        api.logfile.close()
        time.sleep(1.0)
        api_start = clock()
        api.start()
        api_ready = api.wait_ready()
        api_recovery = first_201_after(load, api_start, within=10)
        time.sleep(2.0)
        load.stop()

        problems = []
        # The outage: every request that overlapped it (sent before the
        # restart began) answered in time, 201 or 503.
        during = [a for a in load.attempts if a.t < pg_restart and a.end > pg_stop]
        bad = [a for a in during if not (a.status == 201 or (a.status == 503 and a.retry_after and a.problem))]
        if bad:
            problems.append(f"answers during the database outage other than 201/503: {summary(bad)}")
        refused = [a for a in during if a.status == 503]
        if not refused:
            problems.append("no 503 during the database outage")
        slowest = max((a.took for a in during), default=0.0)
        if slowest >= LIMIT:
            problems.append(f"an answer during the outage took {slowest:.2f}s")
        for what, back, took in (("PostgreSQL being back", pg_up, pg_recovery), ("the API process being started", api_start, api_recovery)):
            if took is None or took >= LIMIT:
                held = {a.marker for a in load.attempts if back <= a.t < back + LIMIT and a.code == "idempotency_key_in_progress"}
                problems.append(
                    f"no 201 within {LIMIT:.0f}s of {what} (first: {took}); meanwhile {len(held)} of "
                    f"{load.writers} clients were retrying a key answered 409 in progress"
                )
        # Anything else than 201/503/in progress/no answer, anywhere in the run.
        odd = [
            a
            for a in load.attempts
            if not (a.status in (0, 201, 503) or a.code == "idempotency_key_in_progress")
        ]
        if odd:
            problems.append(f"unexpected answers: {summary(odd)}")
        problems += load.check_stored(url)
        unaudited = sql(
            url,
            "SELECT count(*) FROM referrals r WHERE r.reason LIKE '%[FAULT-%' AND NOT EXISTS "
            "(SELECT 1 FROM audit_events a WHERE a.action = 'submit_referral' AND a.subject_id = r.id::text)",
        )[0][0]
        if unaudited != "0":
            problems.append(f"{unaudited} stored referrals without their audit row")
        replayed, wrong = replay_all(load)
        if wrong:
            problems.append(f"a retry with the same key at the end answered differently: {wrong[:5]}")
        backs = (pg_up, api_start)
        stuck = sorted((round(waited(load, m, backs), 1), m) for m in load.acked if waited(load, m, backs) > LIMIT)
        if stuck:
            problems.append(f"keys acknowledged more than {LIMIT:.0f}s after sent or service back: {stuck[-5:]}")
        in_progress = Counter(a.marker for a in load.attempts if a.code == "idempotency_key_in_progress")

        def fmt(x):
            return "none" if x is None else f"{x:.3f}s"

        log("figures:")
        log(f"  acknowledged writes (201):              {len(load.acked)}")
        log(f"  keys that needed a retry:               {load.retried}")
        log(f"  requests overlapping the outage:        {len(during)} ({len(refused)} answered 503)")
        log(f"  slowest answer during the outage:       {slowest:.3f}s (limit {LIMIT:.0f}s)")
        log(f"  PostgreSQL down (stop -m immediate):    {pg_restart - pg_down:.2f}s, restart took {pg_up - pg_restart:.2f}s")
        log(f"  first 201 after PostgreSQL was back:    {fmt(pg_recovery)}")
        log(f"  API process down (SIGKILL to start):    {api_start - api_kill:.2f}s")
        log(f"  API ready / first 201 after its start:  {api_ready:.3f}s / {fmt(api_recovery)}")
        log(f"  answers seen: {dict(sorted(Counter(a.label for a in load.attempts).items()))}")
        log(f"  keys answered 409 in progress:          {len(in_progress)} ({sum(in_progress.values())} answers)")
        log(f"  keys acknowledged > {LIMIT:.0f}s after sent/back: {len(stuck)}")
        log(f"  final retry of every acknowledged key:  {replayed - len(wrong)} of {replayed} answered the same referral")
        if problems:
            fail("\n  ".join(["faults:"] + problems))
        log(f"faults: all checks passed in {time.monotonic() - total:.1f}s")
    finally:
        if api:
            api.stop()
        try:
            db_sh("drop-prefix", admin_url, DB_PREFIX, env=env)
        except subprocess.CalledProcessError:
            pass
        subprocess.run([str(ROOT / "scripts/db.sh"), "stop"], env=env, check=False)


def first_201_after(load, since, within):
    """Seconds from `since` until the first 201 to a request sent after it."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with load.lock:
            ends = [a.end for a in load.attempts if a.t >= since and a.status == 201]
        if ends:
            return min(ends) - since
        time.sleep(0.05)
    return None


def waited(load, marker, backs):
    """Seconds a key waited for its 201: from its first attempt, or from the
    last time service came back (`backs`) before its 201 if later."""
    ends = [a.end for a in load.attempts if a.marker == marker and a.status == 201]
    if not ends:
        return float("inf")
    acked = min(ends)
    since = max([load.first_try[marker]] + [b for b in backs if b <= acked])
    return acked - since


def replay_all(load):
    """Every acknowledged key once more: 201 with the same referral."""
    markers = sorted(load.acked)
    wrong = []
    lock = threading.Lock()

    def worker(part):
        for m in part:
            key, body = load.keys[m]
            got = load.resend(body, key)
            if got != load.acked[m]:
                with lock:
                    wrong.append((m, got))

    threads = [threading.Thread(target=worker, args=(markers[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(markers), wrong


def summary(attempts):
    return [(round(a.t, 2), a.label, round(a.took, 3)) for a in attempts[:8]] + (
        [f"... {len(attempts)} in all"] if len(attempts) > 8 else []
    )


if __name__ == "__main__":
    if not Path(CLUSTER).is_absolute():
        CLUSTER = str(Path.cwd() / CLUSTER)
    main()
