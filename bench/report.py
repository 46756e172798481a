#!/usr/bin/env python3
"""bench/report.py: one table and one JSON document from a bench/run.sh run.

Reads RUN/<name>.wrk.json (written by bench/common.lua),
RUN/<name>.pgbench.txt (the statements the endpoint sends today) and
RUN/<name>.least.txt (bench/least/<name>.sql: the least work a correct
answer needs), computes each endpoint's ratio to both ceilings, checks the
issue's targets against the least-work ratio (issue 18), and compares p99 with the latest run
at the small scale when this one is national.
"""

import argparse
import json
import os
import re
import sys

# name, label, kind (read | write | http), pgbench script (None: no DB)
ENDPOINTS = [
    ("health_live", "GET /health/live (no database: HTTP ceiling)", "http"),
    ("get_referral_school", "GET /referrals/{id} as a school", "read"),
    ("get_referral_manager", "GET /referrals/{id} as a team manager", "read"),
    ("list_team_submitted", "GET /referrals?team_id&status=submitted&limit=50", "read"),
    ("delta_sync", "GET /referrals?updated_since&limit=50 (school MIS)", "read"),
    ("submit_referral", "POST /referrals (integration, new child)", "write"),
    ("accept_referral", "POST /referrals/{id}/accept with If-Match", "write"),
    ("report_referrals", "GET /reports/referrals?by=status (a zone, 1 year)", "read"),
    ("report_schools", "GET /reports/schools (a zone, 1 year, 2 connections)", "report"),
    ("report_escalations", "GET /reports/escalations (a zone, 1 year, 2 connections)", "report"),
]

TARGETS = {
    "read": {"ratio": 0.70, "p99_ms": 10.0},
    "write_submit": {"ratio": 0.60, "p99_ms": 25.0},
    "report": {"ratio": None, "p99_ms": 2000.0},
}
RSS_LIMIT_MIB = 100.0
READY_LIMIT_MS = 1000
P99_SCALE_LIMIT = 1.5


def pgbench_tps(path):
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        return None, None
    tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", text)
    lat = re.search(r"latency average = ([0-9.]+) ms", text)
    return (float(tps.group(1)) if tps else None, float(lat.group(1)) if lat else None)


def audit_batches(run, name):
    """Requests and rows per audit insert over the measured run, from the
    /metrics scrapes around it (None when there was none)."""
    def read(path):
        vals = {}
        try:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    for key in ("sct_audit_batch_requests_sum", "sct_audit_batch_requests_count",
                                "sct_audit_batch_rows_sum"):
                        if line.startswith(key + " "):
                            vals[key] = float(line.split()[-1])
        except OSError:
            return None
        return vals
    before = read(os.path.join(run, f"{name}.metrics.before"))
    after = read(os.path.join(run, f"{name}.metrics.after"))
    if not before or not after:
        return None
    d = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
    batches = d.get("sct_audit_batch_requests_count", 0.0)
    if batches <= 0:
        return None
    return {
        "inserts": int(batches),
        "requests_per_insert": round(d["sct_audit_batch_requests_sum"] / batches, 2),
        "rows_per_insert": round(d["sct_audit_batch_rows_sum"] / batches, 2),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True)
    ap.add_argument("--scale", required=True)
    ap.add_argument("--stamp", required=True)
    ap.add_argument("--duration", type=int, required=True)
    ap.add_argument("--connections", type=int, required=True)
    ap.add_argument("--pool", type=int, required=True)
    ap.add_argument("--rss-kb", type=int, required=True)
    ap.add_argument("--ready-ms", type=int, required=True)
    ap.add_argument("--seed-seconds", default="null")
    ap.add_argument("--referrals", type=int, required=True)
    ap.add_argument("--commit", default="unknown")
    ap.add_argument("--json", required=True)
    a = ap.parse_args()

    small = None
    if a.scale == "national":
        path = os.path.join(os.path.dirname(a.json), "latest-small.json")
        if os.path.exists(path):
            small = {e["name"]: e for e in json.load(open(path, encoding="utf-8"))["endpoints"]}

    rows, checks = [], []
    for name, label, kind in ENDPOINTS:
        wrk_json = os.path.join(a.run, f"{name}.wrk.json")
        if not os.path.exists(wrk_json):  # not measured (BENCH_ONLY)
            continue
        w = json.load(open(wrk_json, encoding="utf-8"))
        tps, pg_lat = pgbench_tps(os.path.join(a.run, f"{name}.pgbench.txt"))
        least, least_lat = pgbench_tps(os.path.join(a.run, f"{name}.least.txt"))
        sent_ratio = w["rps"] / tps if tps else None
        ratio = w["rps"] / least if least else None
        e = {
            "name": name,
            "endpoint": label,
            "kind": kind,
            "rps": round(w["rps"], 1),
            "p50_ms": w["p50_ms"],
            "p90_ms": w["p90_ms"],
            "p99_ms": w["p99_ms"],
            "max_ms": w["max_ms"],
            "requests": w["requests"],
            "non_2xx": w["non_2xx"],
            "socket_errors": w["socket_errors"],
            "pgbench_tps": round(tps, 1) if tps else None,
            "pgbench_latency_ms": pg_lat,
            "ratio_to_ceiling": round(sent_ratio, 3) if sent_ratio else None,
            "least_work_tps": round(least, 1) if least else None,
            "least_work_latency_ms": least_lat,
            "ratio_to_least_work": round(ratio, 3) if ratio else None,
            "audit_batches": audit_batches(a.run, name),
        }
        target = None
        if kind == "read":
            target = TARGETS["read"]
        elif name == "submit_referral":
            target = TARGETS["write_submit"]
        elif kind == "report":
            target = TARGETS["report"]
        if target:
            e["target_ratio"] = target["ratio"]
            e["target_p99_ms"] = target["p99_ms"]
            if target["ratio"] is not None:
                checks.append((f"{name}: ratio to least work >= {target['ratio']:.2f}",
                               ratio is not None and ratio >= target["ratio"],
                               f"{ratio:.2f}" if ratio else "n/a"))
            checks.append((f"{name}: p99 <= {target['p99_ms']:g} ms", w["p99_ms"] <= target["p99_ms"],
                           f"{w['p99_ms']:.2f} ms"))
        if w["non_2xx"] or w["socket_errors"]:
            checks.append((f"{name}: every answer 2xx", False,
                           f"{w['non_2xx']} non-2xx, {w['socket_errors']} socket errors"))
        if small and kind == "read" and name in small and small[name]["p99_ms"]:
            growth = w["p99_ms"] / small[name]["p99_ms"]
            e["p99_vs_small"] = round(growth, 2)
            checks.append((f"{name}: p99 national / small <= {P99_SCALE_LIMIT}", growth <= P99_SCALE_LIMIT,
                           f"{growth:.2f}"))
        rows.append(e)

    rss_mib = a.rss_kb / 1024
    checks.append((f"sct serve peak RSS <= {RSS_LIMIT_MIB:g} MiB", rss_mib <= RSS_LIMIT_MIB, f"{rss_mib:.1f} MiB"))
    checks.append((f"ready <= {READY_LIMIT_MS} ms after spawn", a.ready_ms <= READY_LIMIT_MS, f"{a.ready_ms} ms"))

    crit = parse_criterion(os.path.join(a.run, "criterion.txt"))
    if "eligibility_decide" in crit:
        per_sec = 1e9 / crit["eligibility_decide"]
        checks.append(("eligibility decisions >= 5M/s per core", per_sec >= 5e6, f"{per_sec / 1e6:.1f} M/s"))

    doc = {
        "scale": a.scale,
        "referrals": a.referrals,
        "stamp": a.stamp,
        "commit": a.commit,
        "duration_s": a.duration,
        "connections": a.connections,
        "db_pool": a.pool,
        "workers": os.environ.get("SCT_WORKERS"),
        "seed_seconds": None if a.seed_seconds == "null" else int(a.seed_seconds),
        "ready_ms": a.ready_ms,
        "peak_rss_mib": round(rss_mib, 1),
        "endpoints": rows,
        "criterion_ns": crit,
        "checks": [{"check": c, "ok": ok, "value": v} for c, ok, v in checks],
    }
    with open(a.json, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")

    print()
    print(f"SCT benchmark, scale {a.scale} ({a.referrals:,} referrals), {a.duration} s per run, "
          f"wrk {a.connections} connections, pool/pgbench clients {a.pool}, "
          f"HTTP workers {os.environ.get('SCT_WORKERS', 'one per core')}, commit {a.commit}")
    hdr = (f"{'endpoint':<52} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'as sent tps':>12} {'ratio':>6}"
           f" {'least tps':>10} {'ratio':>6}")
    print(hdr)
    print("-" * len(hdr))
    for e in rows:
        ratio = f"{e['ratio_to_ceiling']:.2f}" if e["ratio_to_ceiling"] else "-"
        tps = f"{e['pgbench_tps']:.0f}" if e["pgbench_tps"] else "-"
        lratio = f"{e['ratio_to_least_work']:.2f}" if e["ratio_to_least_work"] else "-"
        ltps = f"{e['least_work_tps']:.0f}" if e["least_work_tps"] else "-"
        print(f"{e['endpoint']:<52} {e['rps']:>9.0f} {e['p50_ms']:>8.2f} {e['p99_ms']:>8.2f} {tps:>12} {ratio:>6}"
              f" {ltps:>10} {lratio:>6}")
    grouped = [(e["name"], e["audit_batches"]) for e in rows if e.get("audit_batches")]
    if grouped:
        print("audit group commit (requests / rows per insert): "
              + ", ".join(f"{n} {b['requests_per_insert']:.1f} / {b['rows_per_insert']:.1f}" for n, b in grouped))
    print(f"peak RSS of sct serve: {rss_mib:.1f} MiB; ready {a.ready_ms} ms after spawn"
          + (f"; seeded in {a.seed_seconds} s" if a.seed_seconds != "null" else "; dataset reused"))
    if crit:
        print("criterion (sct-domain): " + ", ".join(f"{k} {v:.1f} ns" for k, v in crit.items()))
    print()
    for c, ok, v in checks:
        print(f"  [{'ok' if ok else 'MISS'}] {c}: {v}")
    print()
    return 0


def parse_criterion(path):
    """Median time per iteration (ns) of each criterion benchmark."""
    out = {}
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        return out
    unit = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}
    for m in re.finditer(r"^(\S+)\s+time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", text, re.M):
        out[m.group(1)] = round(float(m.group(2)) * unit.get(m.group(3), 1.0), 2)
    return out


if __name__ == "__main__":
    sys.exit(main())
