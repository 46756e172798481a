#!/usr/bin/env python3
"""make multi: two `sct serve` processes on one database behind HAProxy.

Starts two release `sct serve` (a and b, webhook worker on in both) on a fresh
database of the server `scripts/db.sh url` finds, and Debian's HAProxy in
front of them (round robin, health checks on /health/ready; a request header
`x-sct-pin: a|b` picks a server, and every answer names its server in
`x-sct-server`). Then shows, through the proxy:

1. If-Match: one referral accepted through a and through b at the same
   moment with the same ETag: exactly one 200, the other 412, one change.
2. Idempotency-Key: one submission sent to a and to b at the same moment
   with the same key: one referral, and both answers (after retrying a 409
   "still in progress") carry its id.
3. Webhooks: a subscription to a local receiver; every delivery arrives
   exactly once although both processes run the delivery worker.
4. Stopping a process under write load (four clients submitting through the
   proxy, each retrying with its key until 201): a SIGTERM to a (restarted),
   then a SIGKILL to b (restarted); every referral acknowledged with 201
   exists afterwards, once.

Prints the figures; exits non-zero on any failed check. The database is
dropped at the end. MULTI_ROUNDS sets the races per kind (default 10).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opslib import (  # noqa: E402
    LOG_DIR,
    SCT,
    Server,
    Stopwatch,
    WriteLoad,
    call,
    db_sh,
    fail,
    free_port,
    log,
    migrate_and_seed,
    new_key,
    referral_body,
    sct,
    sql,
    zone_one,
)

ROUNDS = int(os.environ.get("MULTI_ROUNDS", "10"))
WRITERS = 4
# A key left "in progress" by a killed process is taken over after 60 s.
KEY_DEADLINE = float(os.environ.get("MULTI_KEY_DEADLINE", "75"))
DB_NAME = f"sct_multi_{os.getpid()}"
EVENTS = ["referral.submitted", "referral.status_changed"]

HAPROXY_CFG = """\
global
    maxconn 2000

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout check 1s
    retries 3
    option redispatch 1

frontend api
    bind 127.0.0.1:{port}
    default_backend sct

backend sct
    balance roundrobin
    option httpchk
    http-check send meth GET uri /health/ready
    http-check expect status 200
    default-server inter 300ms fall 2 rise 1
    use-server a if {{ req.hdr(x-sct-pin) -m str a }}
    use-server b if {{ req.hdr(x-sct-pin) -m str b }}
    http-response set-header x-sct-server %s
    server a 127.0.0.1:{a} check
    server b 127.0.0.1:{b} check
"""


def haproxy_binary():
    found = shutil.which("haproxy") or (os.path.exists("/usr/sbin/haproxy") and "/usr/sbin/haproxy")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing Debian's haproxy with apt-get")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "haproxy"], check=True, env=env)
        return shutil.which("haproxy") or "/usr/sbin/haproxy"
    fail("haproxy not found: install Debian's package (sudo apt-get install haproxy)")


class Receiver:
    """A webhook receiver: counts deliveries per webhook-id, answers 204."""

    def __init__(self):
        self.lock = threading.Lock()
        self.seen = Counter()
        self.types = {}
        self.times = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                wid = self.headers.get("webhook-id", "")
                with receiver.lock:
                    receiver.seen[wid] += 1
                    receiver.times.setdefault(wid, []).append(time.monotonic())
                    try:
                        receiver.types[wid] = json.loads(body).get("type")
                    except ValueError:
                        receiver.types[wid] = None
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def snapshot(self):
        with self.lock:
            return Counter(self.seen)


def deliveries_due(url, sub_id):
    """(subscribed events since the subscription, delivery ids for them)."""
    events = sql(
        url,
        "SELECT count(*) FROM outbox_events o, webhook_subscriptions s "
        f"WHERE s.id = '{sub_id}' AND o.occurred_at >= s.created_at "
        f"AND o.event_type IN ({', '.join(repr(e) for e in EVENTS)})",
    )[0][0]
    ids = {r[0] for r in sql(url, f"SELECT id FROM webhook_deliveries WHERE subscription_id = '{sub_id}'")}
    return int(events), ids


def wait_webhooks(url, sub_id, receiver, within=45.0):
    start = time.monotonic()
    while True:
        events, ids = deliveries_due(url, sub_id)
        seen = receiver.snapshot()
        if len(ids) == events and ids <= set(seen):
            return events, ids, seen, time.monotonic() - start
        if time.monotonic() - start > within:
            fail(f"webhooks: {events} events, {len(ids)} deliveries, {len(ids & set(seen))} received after {within}s")
        time.sleep(0.1)


def main():
    if not SCT.exists():
        fail(f"{SCT} not found: run `make build` first")
    haproxy = haproxy_binary()
    total = Stopwatch()
    admin_url = db_sh("url")
    url = db_sh("url", DB_NAME)
    servers, proxy = [], None
    try:
        migrate_and_seed(url)
        env = {
            "SCT_WEBHOOK_WORKER": "on",
            "SCT_WEBHOOK_ALLOW_PRIVATE": "loopback",
            "SCT_WEBHOOK_POLL_MS": "100",
            # A delivery claimed by a process that dies is taken up again
            # when its lease (this timeout + 30 s) runs out.
            "SCT_WEBHOOK_TIMEOUT_MS": "2000",
            # Both processes try the `.due` sweep every second (step 5).
            "SCT_DUE_SWEEP_SECS": "1",
        }
        a = Server("multi-a", url, extra_env=env)
        b = Server("multi-b", url, extra_env=env)
        servers = [a, b]
        for s in servers:
            s.start()
        for s in servers:
            s.wait_ready()
        port = free_port()
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        cfg = LOG_DIR / "haproxy.cfg"
        cfg.write_text(HAPROXY_CFG.format(port=port, a=a.port, b=b.port))
        subprocess.run([haproxy, "-c", "-q", "-f", str(cfg)], check=True)
        proxy_log = open(LOG_DIR / "haproxy.log", "wb")
        proxy = subprocess.Popen([haproxy, "-db", "-f", str(cfg)], stdout=proxy_log, stderr=subprocess.STDOUT)
        base = ("127.0.0.1", port)
        for _ in range(100):
            if call(base, "GET", "/health/ready", timeout=2).status == 200:
                break
            time.sleep(0.1)
        log(f"HAProxy {port} -> a {a.port}, b {b.port}; database {DB_NAME}")

        admin = sct("token", "--role", "la_admin", url=url)
        team, urn, manager_sub = zone_one(base, admin)
        school = sct("token", "--role", "school", "--school", urn, url=url)
        manager = sct("token", "--role", "team_manager", "--team", team, "--sub", manager_sub, url=url)

        receiver = Receiver()
        res = call(
            base,
            "POST",
            "/api/v1/webhook-subscriptions",
            admin,
            {"url": f"http://127.0.0.1:{receiver.port}/hook", "events": EVENTS},
        )
        if res.status != 201:
            fail(f"subscription: {res}")
        sub_id = res.json()["id"]

        # 1. Conflicting If-Match actions through a and b at the same moment.
        ifmatch = Counter()
        for r in range(ROUNDS):
            res = call(base, "POST", "/api/v1/referrals", school, referral_body(urn, r, f"IFM-{r}"))
            if res.status != 201:
                fail(f"submission: {res}")
            rid, etag = res.json()["id"], res.header("etag")
            answers = race(
                base,
                "POST",
                f"/api/v1/referrals/{rid}/accept",
                manager,
                {},
                {"if-match": etag},
            )
            statuses = sorted(x.status for x in answers.values())
            servers_seen = {x.header("x-sct-server") for x in answers.values()}
            if servers_seen != {"a", "b"}:
                fail(f"If-Match race {r}: answered by {servers_seen}, not by a and b")
            if statuses != [200, 412]:
                fail(f"If-Match race {r}: {answers}")
            winner = "a" if answers["a"].status == 200 else "b"
            ifmatch[winner] += 1
            version, status = sql(url, f"SELECT version, status FROM referrals WHERE id = '{rid}'")[0]
            decisions = sql(url, f"SELECT count(*) FROM referral_history WHERE referral_id = '{rid}' AND to_status = 'accepted'")
            if version != "2" or status != "accepted" or decisions != [["1"]]:
                fail(f"If-Match race {r}: referral at version {version}, status {status}, {decisions} acceptances")
        log(f"If-Match: {ROUNDS} races, each one 200 and one 412 (wins: a {ifmatch['a']}, b {ifmatch['b']})")

        # 2. One Idempotency-Key sent to a and b at the same moment.
        shapes = Counter()
        for r in range(ROUNDS):
            marker = f"IDEM-{r}"
            body, key = referral_body(urn, 100 + r, marker), new_key()
            answers = race(base, "POST", "/api/v1/referrals", school, body, {"idempotency-key": key})
            first = "+".join(str(answers[p].status) for p in "ab")
            ids = set()
            for pin, ans in answers.items():
                for _ in range(100):
                    if ans.status != 409:
                        break
                    time.sleep(0.05)
                    ans = call(
                        base,
                        "POST",
                        "/api/v1/referrals",
                        school,
                        body,
                        {"idempotency-key": key, "x-sct-pin": pin},
                    )
                if ans.status != 201:
                    fail(f"idempotency race {r} via {pin}: {ans}")
                ids.add(ans.json()["id"])
            shapes[first] += 1
            rows = sql(url, f"SELECT id FROM referrals WHERE reason LIKE '%[{marker}]'")
            if len(ids) != 1 or [row[0] for row in rows] != list(ids):
                fail(f"idempotency race {r}: answers {ids}, stored {rows}")
        log(f"Idempotency-Key: {ROUNDS} races, one referral each (first answers a+b: {dict(shapes)})")

        # 3. Webhooks so far: each delivered exactly once.
        events, ids, seen, took = wait_webhooks(url, sub_id, receiver)
        twice = {i: n for i, n in seen.items() if n != 1}
        stray = set(seen) - ids
        if twice or stray:
            fail(f"webhooks: delivered more than once {twice}, unknown {stray}")
        log(f"webhooks: {events} events, {len(ids)} deliveries, each received once (settled in {took:.1f}s)")

        # 4. Write load through the proxy while a is stopped (SIGTERM) and b killed (SIGKILL).
        load = WriteLoad(base, school, urn, "LOAD", writers=WRITERS, key_deadline=KEY_DEADLINE)
        load.start()
        time.sleep(1.5)
        marks = {}
        marks["sigterm"] = load.clock()
        a.signal(signal.SIGTERM)
        exit_a = a.wait_exit()
        a.logfile.close()
        a.start()
        a.wait_ready()
        marks["a_back"] = load.clock()
        time.sleep(1.5)
        marks["sigkill"] = load.clock()
        b.signal(signal.SIGKILL)
        b.wait_exit()
        time.sleep(0.5)
        b.logfile.close()
        b.start()
        b.wait_ready()
        marks["b_back"] = load.clock()
        time.sleep(1.5)
        load.stop()
        window = [
            ("before the stops", 0, marks["sigterm"]),
            ("SIGTERM a until a is back", marks["sigterm"], marks["a_back"]),
            ("a back until SIGKILL b", marks["a_back"], marks["sigkill"]),
            ("SIGKILL b until b is back", marks["sigkill"], marks["b_back"]),
            ("b back until the end", marks["b_back"], 1e9),
        ]
        log(f"a exited {exit_a:.2f}s after SIGTERM")
        for name, lo, hi in window:
            got = Counter(x.label for x in load.attempts if lo <= x.t < hi)
            log(f"  {name:28} answers {dict(sorted(got.items()))}")
        log(f"  (times: {', '.join(f'{k} {v:.2f}s' for k, v in marks.items())})")
        stuck = Counter(x.marker for x in load.attempts if x.code == "idempotency_key_in_progress")
        log(f"  keys answered 409 in progress after a stop: {len(stuck)} ({sum(stuck.values())} answers)")
        problems = load.check_stored(url)
        if problems:
            fail("\n  ".join(["multi:"] + problems))
        acked = len(load.acked)
        log(
            f"load: {acked} referrals acknowledged (201) through the proxy, "
            f"{load.retried} needed a retry with their key; every one stored, once"
        )

        events, ids, seen, took = wait_webhooks(url, sub_id, receiver)
        twice = {i: n for i, n in seen.items() if n != 1}
        stray = set(seen) - ids
        if stray:
            fail(f"webhooks: unknown deliveries {stray}")
        log(
            f"webhooks after the stops: {events} events, every delivery received "
            f"({len(twice)} more than once: at-least-once across a stop)"
        )
        origin = load.clock.t0
        for wid in sorted(twice, key=lambda w: receiver.times[w][0]):
            at = ", ".join(f"{t - origin:.2f}s" for t in receiver.times[wid])
            log(f"  {wid} ({receiver.types.get(wid)}) received at {at}")
        # 5. The `.due` sweep: both processes try it every second; each
        # review that falls due is emitted once, however many ticks pass.
        due = [row[0] for row in sql(url, "SELECT id FROM referrals WHERE status = 'accepted' ORDER BY id LIMIT 5")]
        if len(due) != 5:
            fail(f"due sweep: {len(due)} accepted referrals to work with, not 5")
        ids = ", ".join(f"'{r}'" for r in due)
        sql(
            url,
            "UPDATE referrals SET status = 'active', review_due_on = current_date - 1, "
            f"worker_id = (SELECT id FROM workers WHERE team_id = '{team}' ORDER BY id LIMIT 1) WHERE id IN ({ids})",
        )
        count_due = f"SELECT subject_id, count(*) FROM outbox_events WHERE event_type = 'review.due' AND subject_id IN ({ids}) GROUP BY 1"
        clock = Stopwatch()
        while clock() < 15 and len(sql(url, count_due)) < 5:
            time.sleep(0.2)
        settled = clock()
        time.sleep(4)
        emitted = {row[0]: int(row[1]) for row in sql(url, count_due)}
        if sorted(emitted) != sorted(due) or set(emitted.values()) != {1}:
            fail(f"due sweep: review.due per referral {emitted}, expected one for each of {due}")
        log(
            f"due sweep: 5 reviews fell due, each emitted once by two processes ticking every second "
            f"(all in {settled:.1f}s; unchanged 4 s later)"
        )
        log(f"multi: all checks passed in {total():.1f}s")
    finally:
        if proxy:
            proxy.terminate()
            proxy.wait()
        for s in servers:
            s.stop()
        try:
            db_sh("drop-prefix", admin_url, DB_NAME)
        except subprocess.CalledProcessError:
            pass


def race(base, method, path, token, body, headers):
    """The same request through a and b at the same moment: {pin: Answer}."""
    gate = threading.Barrier(2)
    out = {}

    def send(pin):
        gate.wait()
        out[pin] = call(base, method, path, token, body, {**headers, "x-sct-pin": pin})

    threads = [threading.Thread(target=send, args=(p,)) for p in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


if __name__ == "__main__":
    main()
