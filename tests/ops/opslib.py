"""Shared helpers of the operational tests (make multi, make faults).

Python standard library only: HTTP over http.client (a new connection per
request, like a simple client), the database through `psql`, servers and
PostgreSQL through `target/release/sct` and `scripts/db.sh`.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCT = Path(os.environ.get("SCT_BIN", ROOT / "target/release/sct"))
DB_SH = ROOT / "scripts/db.sh"
LOG_DIR = ROOT / "target/ops"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def fail(msg):
    print(f"FAILED: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- HTTP ---------------------------------------------------------------------


class Answer:
    """One HTTP exchange: status 0 means no answer (refused, reset, timeout)."""

    __slots__ = ("status", "headers", "body", "took", "error")

    def __init__(self, status, headers, body, took, error=None):
        self.status, self.headers, self.body, self.took, self.error = (
            status,
            headers,
            body,
            took,
            error,
        )

    def json(self):
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return f"<{self.status} {self.error or ''} {self.body[:200]!r} in {self.took:.3f}s>"


def call(base, method, path, token=None, body=None, headers=None, timeout=10.0):
    """One request on a fresh connection; never raises for network errors."""
    host, port = base
    h = {"accept": "application/json"}
    if token:
        h["authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["content-type"] = "application/json"
    h.update(headers or {})
    start = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=h)
        res = conn.getresponse()
        payload = res.read()
        hdrs = {k.lower(): v for k, v in res.getheaders()}
        return Answer(res.status, hdrs, payload, time.monotonic() - start)
    except (OSError, http.client.HTTPException) as e:
        return Answer(0, {}, b"", time.monotonic() - start, type(e).__name__)
    finally:
        conn.close()


# -- Referrals ----------------------------------------------------------------

_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn(n):
    """A valid UPN (DfE check letter) numbered n (children repeat every 1000)."""
    tail = f"9262001{27:02d}{n % 1000:03d}"
    total = sum(int(c) * (i + 2) for i, c in enumerate(tail))
    return _CHECK_LETTERS[total % 23] + tail


def referral_body(urn, n, marker, external_reference=None):
    """A valid submission; `marker` ends the reason so that each logical
    submission can be counted in the database even without an external
    reference."""
    body = {
        "school_urn": urn,
        "child": {
            "upn": upn(n),
            "given_name": "Sam",
            "family_name": "Example",
            "date_of_birth": "2016-03-14",
            "year_group": "5",
            "sen_provision": "K",
            "primary_need": "SEMH",
        },
        "indes": [
            {"area": "social_emotional_mental_health", "level": 4},
            {"area": "speech_and_language", "level": 2},
        ],
        "complicating_factors": ["attendance"],
        "existing_plans": ["sen_support_plan"],
        "consent": {"given_by": "parent_carer", "given_on": "2026-11-20"},
        "reason": f"Escalating anxiety [{marker}]",
    }
    if external_reference:
        body["external_reference"] = external_reference
    return body


def new_key():
    return str(uuid.uuid4())


# -- Database -----------------------------------------------------------------


def private_cluster_env(cluster):
    """The environment of `scripts/db.sh` for a private cluster in `cluster`
    (never the caller's DATABASE_URL) that runs with synchronous_commit=on,
    as production does. The shared test clusters run with it off (speed over
    crash safety): there a commit is acknowledged before its WAL is written,
    so a crash may lose it and a standby receives it up to 200 ms late."""
    env = dict(
        os.environ,
        SCT_PG_CLUSTER=str(cluster),
        SCT_PG_SERVER_OPTIONS="-c synchronous_commit=on",
    )
    env.pop("DATABASE_URL", None)
    return env


def db_sh(*args, env=None):
    out = subprocess.run(
        [str(DB_SH), *args], check=True, stdout=subprocess.PIPE, text=True, env=env
    )
    return out.stdout.strip()


def _psql():
    for cand in sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"), reverse=True):
        return str(cand)
    found = shutil.which("psql")
    if not found:
        fail("psql not found")
    return found


PSQL = _psql()


def sql(url, query):
    """Rows of a query as lists of strings (psql, unaligned)."""
    out = subprocess.run(
        [PSQL, "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", query],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def sct(*args, url):
    env = dict(os.environ, DATABASE_URL=url)
    out = subprocess.run([str(SCT), *args], check=True, stdout=subprocess.PIPE, text=True, env=env)
    return out.stdout.strip()


# -- Servers ------------------------------------------------------------------


class Server:
    """One `sct serve` on 127.0.0.1:port, logging to target/ops/<name>.log."""

    def __init__(self, name, url, port=None, extra_env=None):
        self.name, self.url = name, url
        self.port = port or free_port()
        self.env = dict(
            os.environ,
            DATABASE_URL=url,
            SCT_BIND=f"127.0.0.1:{self.port}",
            SCT_RATE_LIMIT_PER_MINUTE="0",
            RUST_LOG=os.environ.get("RUST_LOG", "warn"),
            **(extra_env or {}),
        )
        self.proc = None
        self.logfile = None

    @property
    def base(self):
        return ("127.0.0.1", self.port)

    def start(self):
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.logfile = open(LOG_DIR / f"{self.name}.log", "ab")
        self.proc = subprocess.Popen(
            [str(SCT), "serve"], env=self.env, stdout=self.logfile, stderr=subprocess.STDOUT
        )
        return time.monotonic()

    def wait_ready(self, within=30.0):
        """Seconds until /health/ready answers 200."""
        start = time.monotonic()
        while time.monotonic() - start < within:
            if self.proc.poll() is not None:
                fail(f"{self.name} exited with {self.proc.returncode} (see {LOG_DIR}/{self.name}.log)")
            if call(self.base, "GET", "/health/ready", timeout=2).status == 200:
                return time.monotonic() - start
            time.sleep(0.05)
        fail(f"{self.name} not ready within {within}s")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, within=40.0):
        start = time.monotonic()
        self.proc.wait(timeout=within)
        return time.monotonic() - start

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=35)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.logfile:
            self.logfile.close()
            self.logfile = None


def migrate_and_seed(url):
    sct("migrate", url=url)
    sct("seed", url=url)


def zone_one(base, admin):
    """The first team, its zone's first school URN, and the manager subject."""
    teams = call(base, "GET", "/api/v1/teams?limit=1", admin).json()["items"]
    team = teams[0]
    schools = call(base, "GET", f"/api/v1/schools?zone_id={team['zone_id']}&limit=1", admin).json()
    zone = call(base, "GET", f"/api/v1/zones/{team['zone_id']}", admin).json()
    code = zone.get("code", "Z01").lower()
    return team["id"], schools["items"][0]["urn"], f"{code}-manager"


class Stopwatch:
    """Seconds since creation (monotonic)."""

    def __init__(self):
        self.t0 = time.monotonic()

    def __call__(self):
        return time.monotonic() - self.t0


def run_threads(targets):
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for t in threads:
        t.start()
    return threads


class Attempt:
    """One request of a write load."""

    __slots__ = ("t", "took", "status", "code", "retry_after", "problem", "marker")

    def __init__(self, t, ans, marker):
        self.t, self.took, self.status, self.marker = t, ans.took, ans.status, marker
        doc = ans.json() if ans.status else None
        self.code = doc.get("code") if isinstance(doc, dict) and ans.status != 201 else ans.error
        self.retry_after = "retry-after" in ans.headers
        self.problem = ans.header("content-type") == "application/problem+json"

    @property
    def end(self):
        return self.t + self.took

    @property
    def label(self):
        return f"{self.status}" if self.status in (201, 200) or not self.code else f"{self.status} {self.code}"


class WriteLoad:
    """`writers` clients submitting referrals; each keeps its Idempotency-Key
    (and body) until it gets 201: no answer, 502, 503 and 409
    `idempotency_key_in_progress` are retried after 100 ms, anything else is
    a failure of the key. Every fifth acknowledged key is sent once more and
    must answer the same referral. Half the bodies carry an external
    reference; every body carries its marker in the reason, so the database
    can be counted per logical submission."""

    RETRY = {0, 502, 503}

    def __init__(self, base, token, urn, prefix, writers=4, key_deadline=30.0):
        self.base, self.token, self.urn, self.prefix = base, token, urn, prefix
        self.writers, self.key_deadline = writers, key_deadline
        self.clock = Stopwatch()
        self.halt = threading.Event()
        self.lock = threading.Lock()
        self.attempts = []
        self.acked = {}  # marker -> id
        self.answers = {}  # marker -> ids of every 201 (and odd answers of a repeat)
        self.keys = {}  # marker -> (key, body)
        self.first_try = {}  # marker -> t of the first attempt
        self.retried = 0
        self.failed = []
        self.threads = []

    def start(self):
        self.threads = run_threads([lambda w=w: self._writer(w) for w in range(self.writers)])

    def stop(self):
        self.halt.set()
        for t in self.threads:
            t.join()

    def _send(self, body, key):
        return call(self.base, "POST", "/api/v1/referrals", self.token, body, {"idempotency-key": key})

    def resend(self, body, key, within=10.0):
        """The same key and body again (retrying no answer and 502/503 for up
        to `within` s): the id of a 201, else a description of the answer."""
        deadline = time.monotonic() + within
        while True:
            ans = self._send(body, key)
            if ans.status == 201:
                return ans.json()["id"]
            if ans.status not in self.RETRY or time.monotonic() > deadline:
                doc = ans.json()
                code = doc.get("code") if isinstance(doc, dict) else ans.error
                return f"answer {ans.status} {code or ''}".strip()
            time.sleep(0.1)

    def _writer(self, w):
        i = 0
        while not self.halt.is_set():
            marker = f"{self.prefix}-{w}-{i}"
            ext = marker if i % 2 == 0 else None
            body = referral_body(self.urn, w * 250 + i, marker, ext)
            key, tries = new_key(), 0
            start = time.monotonic()
            with self.lock:
                self.keys[marker] = (key, body)
                self.first_try[marker] = self.clock()
            while True:
                t = self.clock()
                ans = self._send(body, key)
                tries += 1
                att = Attempt(t, ans, marker)
                with self.lock:
                    self.attempts.append(att)
                if ans.status == 201:
                    rid = ans.json()["id"]
                    with self.lock:
                        self.acked[marker] = rid
                        self.answers.setdefault(marker, set()).add(rid)
                        self.retried += tries > 1
                    if i % 5 == 0:
                        got = self.resend(body, key)
                        with self.lock:
                            self.answers[marker].add(got)
                    break
                retry = ans.status in self.RETRY or att.code == "idempotency_key_in_progress"
                if not retry or time.monotonic() - start > self.key_deadline:
                    with self.lock:
                        self.failed.append(
                            (marker, att.label, f"first sent at {self.first_try[marker]:.2f}s, gave up after {time.monotonic() - start:.1f}s")
                        )
                    break
                time.sleep(0.1)
            i += 1

    def check_stored(self, url):
        """Problems (a list of strings, empty when all is well): every
        acknowledged referral stored once, under its own marker, nothing
        stored that was not acknowledged, every key answered one referral,
        no external reference stored twice."""
        problems = []
        if self.failed:
            problems.append(f"submissions not acknowledged ({len(self.failed)}): {self.failed[:8]}")
        odd = {m: ids for m, ids in self.answers.items() if len(ids) != 1}
        if odd:
            problems.append(f"one key answered with different results: {list(odd.items())[:5]}")
        pattern = "\\[(" + self.prefix + "-[0-9-]+)\\]"
        rows = sql(
            url,
            f"SELECT substring(reason from '{pattern}'), id FROM referrals WHERE reason LIKE '%[{self.prefix}-%'",
        )
        stored = {}
        for marker, rid in rows:
            stored.setdefault(marker, []).append(rid)
        wrong = [(m, rid, stored.get(m)) for m, rid in self.acked.items() if stored.get(m) != [rid]]
        if wrong:
            problems.append(f"acknowledged but not stored exactly once ({len(wrong)}): {wrong[:5]}")
        failed = {f[0] for f in self.failed}
        extra = sorted(set(stored) - set(self.acked) - failed)
        if extra:
            problems.append(f"stored but never acknowledged: {extra[:5]}")
        doubles = sql(
            url,
            "SELECT external_reference, count(*) FROM referrals WHERE external_reference LIKE "
            f"'{self.prefix}-%' GROUP BY 1 HAVING count(*) > 1",
        )
        if doubles:
            problems.append(f"external references stored twice: {doubles[:5]}")
        return problems
