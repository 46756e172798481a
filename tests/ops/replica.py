#!/usr/bin/env python3
"""make replica: reports and the audit list served by a streaming hot standby.

Starts a private primary cluster of its own (`SCT_PG_CLUSTER`, default
<repo>/.pgdata-replica, through scripts/db.sh), makes a hot standby of it with
scripts/standby.sh (pg_basebackup -R, PostgreSQL's streaming replication) in
<repo>/.pgdata-replica-standby, and runs one `sct serve` with DATABASE_URL on
the primary and SCT_DATABASE_READ_URL on the standby (application_name
`sct-replica-read`). Shows, and prints the figures:

- a write through the API (a referral, on the primary) is visible on the
  standby within 1 s, by SQL and in a report the API serves;
- reports and the audit list are served by the standby: they carry `Age`;
  the standby's pg_stat_activity holds the API's read connections and the
  primary's none; with WAL replay paused on the standby, a new referral is
  missing from the report and the report's own audit rows (written on the
  primary) from the audit list, and `Age` grows; after resuming, both show;
- everything else stays on the primary: a referral read has no `Age`;
- an API without SCT_DATABASE_READ_URL sends no `Age`.

Stops everything and removes its folders at the end.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opslib import (  # noqa: E402
    ROOT,
    SCT,
    Server,
    call,
    db_sh,
    fail,
    log,
    migrate_and_seed,
    private_cluster_env,
    referral_body,
    sct,
    sql,
    zone_one,
)

VISIBLE_WITHIN = 1.0  # seconds: a write on the primary, seen on the standby
# A cluster named by SCT_PG_CLUSTER is stopped at the end but kept.
OWN_CLUSTER = not os.environ.get("SCT_PG_CLUSTER")
CLUSTER = os.environ.get("SCT_PG_CLUSTER") or str(ROOT / ".pgdata-replica")
STANDBY_DIR = str(ROOT / ".pgdata-replica-standby")
STANDBY_SH = ROOT / "scripts/standby.sh"
APP_NAME = "sct-replica-read"
DB_NAME = "sct_replica"


def standby_sh(*args):
    out = subprocess.run([str(STANDBY_SH), *args], check=True, stdout=subprocess.PIPE, text=True)
    return out.stdout.strip()


def status_path(text, key):
    for line in text.splitlines():
        if line.startswith(f"{key}:"):
            return line.split(":", 1)[1].strip()
    return None


def report_total(api, admin):
    ans = call(api.base, "GET", "/api/v1/reports/referrals?by=zone", admin)
    if ans.status != 200:
        fail(f"referrals report: {ans}")
    return sum(r["referrals"] for r in ans.json()["rows"]), ans


def wait_for(what, check, within):
    """Seconds until check() is true, polling every 10 ms; fails after `within`."""
    start = time.monotonic()
    while True:
        if check():
            return time.monotonic() - start
        if time.monotonic() - start > within:
            fail(f"{what}: not within {within}s")
        time.sleep(0.01)


def age_of(ans, what):
    age = ans.header("age")
    if age is None or not age.isdigit():
        fail(f"{what}: no integer Age header from the standby ({ans.headers})")
    return int(age)


def main():
    if not SCT.exists():
        fail(f"{SCT} not found: run `make build` first")
    total = time.monotonic()
    # A commit's WAL is flushed, so sent to the standby, when the API
    # acknowledges it (synchronous_commit=on).
    env = private_cluster_env(CLUSTER)
    cleanup(env)
    primary = db_sh("url", DB_NAME, env=env)
    log(f"primary (private cluster {CLUSTER}): {primary}")
    api = plain = None
    try:
        migrate_and_seed(primary)
        t0 = time.monotonic()
        standby = standby_sh("start", primary, STANDBY_DIR)
        log(f"standby made with pg_basebackup -R and started in {time.monotonic() - t0:.1f}s: {standby}")
        if sql(standby, "SELECT pg_is_in_recovery()") != [["t"]]:
            fail("the standby is not in recovery")
        read_url = f"{standby}?application_name={APP_NAME}"

        api = Server("replica-api", primary, extra_env={"SCT_DATABASE_READ_URL": read_url})
        api.start()
        api.wait_ready()
        admin = sct("token", "--role", "la_admin", url=primary)
        _, urn, _ = zone_one(api.base, admin)
        school = sct("token", "--role", "school", "--school", urn, url=primary)

        # 1. Reports and the audit list come from the standby.
        before, ans = report_total(api, admin)
        age = age_of(ans, "referrals report")
        log(f"referrals report: {before} referral(s), Age: {age}")
        audit = call(api.base, "GET", "/api/v1/audit-events?limit=5", admin)
        if audit.status != 200:
            fail(f"audit list: {audit}")
        log(f"audit list: Age: {age_of(audit, 'audit list')}")
        on_standby = sql(standby, f"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{APP_NAME}'")
        on_primary = sql(primary, f"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{APP_NAME}'")
        if int(on_standby[0][0]) < 1 or int(on_primary[0][0]) != 0:
            fail(f"read connections: standby {on_standby}, primary {on_primary}")
        log(f"pg_stat_activity: {on_standby[0][0]} read connection(s) on the standby, none on the primary")

        # 2. A write on the primary is seen on the standby within 1 s.
        created = call(api.base, "POST", "/api/v1/referrals", school, referral_body(urn, 1, "REPLICA-1"))
        if created.status != 201:
            fail(f"submit: {created}")
        rid = created.json()["id"]
        if created.header("age") is not None:
            fail("a write answered with Age")
        by_sql = wait_for(
            "the referral on the standby",
            lambda: sql(standby, f"SELECT count(*) FROM referrals WHERE id = '{rid}'") == [["1"]],
            VISIBLE_WITHIN,
        )
        log(f"the new referral is on the standby {by_sql * 1000:.0f} ms after its 201 (limit {VISIBLE_WITHIN:.0f} s)")
        # A second write, timed to the report served from the standby.
        created = call(api.base, "POST", "/api/v1/referrals", school, referral_body(urn, 2, "REPLICA-2"))
        if created.status != 201:
            fail(f"submit: {created}")
        by_report = wait_for(
            "the referral in the report",
            lambda: report_total(api, admin)[0] == before + 2,
            VISIBLE_WITHIN,
        )
        log(f"... and in the report served by the standby {by_report * 1000:.0f} ms after its 201")

        # 3. Replay paused: the standby (and so the report) stands still.
        sql(standby, "SELECT pg_wal_replay_pause()")
        try:
            created = call(api.base, "POST", "/api/v1/referrals", school, referral_body(urn, 3, "REPLICA-3"))
            if created.status != 201:
                fail(f"submit: {created}")
            time.sleep(1.5)
            now, ans = report_total(api, admin)
            if now != before + 2:
                fail(f"replay paused, yet the report counts {now} (expected {before + 2})")
            stale = age_of(ans, "report while paused")
            if stale < 1:
                fail(f"replay paused 1.5 s behind a commit, yet Age: {stale}")
            audited = sql(primary, "SELECT count(*) FROM audit_events WHERE action = 'referrals_report'")
            listed = call(api.base, "GET", "/api/v1/audit-events?action=referrals_report&limit=200", admin)
            shown = len(listed.json()["items"])
            if shown >= int(audited[0][0]):
                fail(f"replay paused, yet the audit list shows {shown} of {audited[0][0]} report reads")
            log(
                f"replay paused: the report still counts {now} and says Age: {stale}; the audit list "
                f"shows {shown} of the {audited[0][0]} report reads audited on the primary (Age: {age_of(listed, 'audit list')})"
            )
        finally:
            sql(standby, "SELECT pg_wal_replay_resume()")
        caught_up = wait_for(
            "the report after resuming replay",
            lambda: report_total(api, admin)[0] == before + 3,
            VISIBLE_WITHIN,
        )
        _, ans = report_total(api, admin)
        log(f"replay resumed: the report counts the third referral {caught_up * 1000:.0f} ms later, Age: {age_of(ans, 'report')}")

        # 4. Everything else stays on the primary.
        read = call(api.base, "GET", f"/api/v1/referrals/{rid}", admin)
        if read.status != 200 or read.header("age") is not None:
            fail(f"a referral read: {read.status}, Age {read.header('age')}")
        log("a referral read is served by the primary: no Age")
        api.stop()
        api = None

        # 5. Without SCT_DATABASE_READ_URL: no Age anywhere.
        plain = Server("replica-plain", primary)
        plain.start()
        plain.wait_ready()
        for path in ("/api/v1/reports/referrals?by=zone", "/api/v1/audit-events?limit=5"):
            ans = call(plain.base, "GET", path, admin)
            if ans.status != 200 or ans.header("age") is not None:
                fail(f"primary only, {path}: {ans.status}, Age {ans.header('age')}")
        log("primary only: reports and the audit list answer without Age")
        plain.stop()
        plain = None
    finally:
        for s in (api, plain):
            if s:
                s.stop()
        cleanup(env)
    log(f"make replica passed in {time.monotonic() - total:.0f}s")


def cleanup(env):
    """Stops the standby and the primary and removes their folders."""
    try:
        where = status_path(standby_sh("status", STANDBY_DIR), "standby")
        standby_sh("stop", STANDBY_DIR)
    except Exception as e:  # noqa: BLE001 - best effort
        log(f"stopping the standby: {e}")
        where = None
    try:
        cluster = status_path(db_sh("status", env=env), "cluster")
        db_sh("stop", env=env)
    except Exception as e:  # noqa: BLE001 - best effort
        log(f"stopping the primary: {e}")
        cluster = None
    for d in {STANDBY_DIR, where} | ({CLUSTER, cluster} if OWN_CLUSTER else set()):
        if d and Path(d).is_dir() and not d.startswith("none"):
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
