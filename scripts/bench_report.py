#!/usr/bin/env python3
"""The report benchmark and its synthetic journals (scripts/bench report).

  gen   FLOW OUT --sessions N [--seed S] [--files K] [--weeks W]
        random walks through FLOW written as journal lines (DESIGN section
        5): yes/no, back, repeats, help, abandoned and restarted sessions,
        several kiosks and weeks. K > 1 writes OUT-1.jsonl ... OUT-K.jsonl.
  bench --bin KIOSK --journal FILE --out JSON [--python-venv DIR]
        times `kiosk report --format json` and `--format html` (wall, peak
        RSS), a plain Python json.loads loop and DuckDB's read_json computing
        the same per-step aggregates, side by side, and checks they agree.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
import tomllib
from datetime import datetime, timedelta


def load_flow(path):
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    return doc["flow"]["start"], doc["steps"]


def walk(rng, start, steps):
    """One session: (outcome, end, steps)."""
    path = []
    history = []
    cur = start
    while True:
        st = steps[cur]
        repeats = 1 if rng.random() < 0.08 else 0
        if rng.random() < 0.02:
            repeats += 2
        helps = 1 if rng.random() < 0.04 else 0
        ms = int(rng.lognormvariate(8.6, 0.6))
        if "end" in st:
            path.append((cur, "none", 0, repeats, helps))
            return st["end"], path
        r = rng.random()
        if r < 0.045:
            path.append((cur, "none", ms, repeats, helps))
            return "abandoned", path
        if r < 0.055:
            path.append((cur, "none", ms, repeats, helps))
            return "restarted", path
        if r < 0.09 and history:
            path.append((cur, "back", ms, repeats, helps))
            cur = history.pop()
            continue
        if "next" in st:
            answer, target = "next", st["next"]
        elif rng.random() < 0.5:
            answer, target = "yes", st["yes"]
        else:
            answer, target = "no", st["no"]
        path.append((cur, answer, ms, repeats, helps))
        history.append(cur)
        cur = target
        if len(path) > 60:
            return "abandoned", path


def session_body(rng, start, steps):
    outcome, path = walk(rng, start, steps)
    parts = ",".join(
        '{"id":"%s","answer":"%s","ms":%d,"repeats":%d,"help":%d}' % p for p in path
    )
    helps = sum(p[4] for p in path)
    backs = sum(1 for p in path if p[1] == "back")
    dur = sum(p[2] for p in path)
    lang = "ja" if rng.random() < 0.8 else "en"
    return (
        '","lang":"%s","outcome":"%s","end":"%s","steps":[%s],"help":%d,"back":%d,"duration_ms":%d}\n'
        % (lang, outcome, path[-1][0], parts, helps, backs, dur)
    )


def gen(args):
    start, steps = load_flow(args.flow)
    rng = random.Random(args.seed)
    # A pool of distinct sessions keeps a million lines quick to write while
    # every line still differs in kiosk and hour.
    pool = [session_body(rng, start, steps) for _ in range(min(args.sessions, 20000))]
    kiosks = ["counter-1", "counter-2", "counter-3"]
    base = datetime(2026, 1, 5, 9)
    hours = [(base + timedelta(hours=h)).strftime("%Y-%m-%dT%H") for h in range(0, 24 * 7 * args.weeks)]
    hours = [h for h in hours if 9 <= int(h[-2:]) <= 19]
    head = '{"v":1,"flow":"mfa-login","flow_hash":"3f2a9c1e","kiosk":"'
    files = args.files
    outs = (
        [open(args.out, "w", encoding="utf-8")]
        if files == 1
        else [open(f"{args.out}-{i + 1}.jsonl", "w", encoding="utf-8") for i in range(files)]
    )
    n = args.sessions
    for i in range(n):
        hour = hours[i * len(hours) // n]
        kiosk = kiosks[rng.randrange(3)] if files == 1 else kiosks[i % files % 3]
        line = head + kiosk + '","hour":"' + hour + pool[rng.randrange(len(pool))]
        outs[i % files].write(line)
    for o in outs:
        o.close()


def python_aggregate(path):
    """The plain-Python baseline: one json.loads per line."""
    sessions = 0
    skipped = unknown = 0
    outcomes = {}
    stepsagg = {}
    with open(path, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except ValueError:
                skipped += 1
                continue
            if r.get("v") != 1:
                unknown += 1
                continue
            sessions += 1
            outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
            stop = r["outcome"] in ("abandoned", "restarted")
            last = len(r["steps"]) - 1
            for n, s in enumerate(r["steps"]):
                a = stepsagg.get(s["id"])
                if a is None:
                    a = stepsagg[s["id"]] = {"visits": 0, "yes": 0, "no": 0, "next": 0, "back": 0,
                                             "repeats": 0, "help": 0, "stopped_here": 0, "ms": {}}
                a["visits"] += 1
                if s["answer"] in ("yes", "no", "next", "back"):
                    a[s["answer"]] += 1
                a["repeats"] += s["repeats"]
                a["help"] += s["help"]
                a["ms"][s["ms"]] = a["ms"].get(s["ms"], 0) + 1
                if n == last and stop:
                    a["stopped_here"] += 1
    for a in stepsagg.values():
        a["median_ms"] = median(a.pop("ms"))
    return {"sessions": sessions, "outcomes": outcomes, "steps": stepsagg}


def median(counts):
    total = sum(counts.values())
    lo_rank, hi_rank = (total + 1) // 2, total // 2 + 1
    seen, lo = 0, None
    for v in sorted(counts):
        seen += counts[v]
        if lo is None and seen >= lo_rank:
            lo = v
        if seen >= hi_rank:
            return (lo + v) / 2


DUCKDB_STEPS = """
WITH s AS (
  SELECT row_number() OVER () AS session, outcome, steps
  FROM read_json('{path}', format = 'newline_delimited', ignore_errors = true)
  WHERE v = 1
), v AS (
  SELECT session, outcome, unnest(steps) AS step,
         generate_subscripts(steps, 1) AS n, len(steps) AS last
  FROM s
)
SELECT step.id AS step, count(*) AS visits,
  count(*) FILTER (WHERE step.answer = 'yes') AS yes,
  count(*) FILTER (WHERE step.answer = 'no') AS no,
  count(*) FILTER (WHERE step.answer = 'next') AS next,
  count(*) FILTER (WHERE step.answer = 'back') AS back,
  sum(step.repeats) AS repeats, sum(step.help) AS help,
  count(*) FILTER (WHERE n = last AND outcome IN ('abandoned', 'restarted')) AS stopped_here,
  median(step.ms) AS median_ms
FROM v GROUP BY step.id ORDER BY step.id
"""
DUCKDB_OUTCOMES = """
SELECT outcome, count(*) FROM read_json('{path}', format = 'newline_delimited',
  ignore_errors = true) WHERE v = 1 GROUP BY outcome
"""


def duckdb_aggregate(path):
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    rows = con.execute(DUCKDB_STEPS.format(path=path)).fetchall()
    outcomes = dict(con.execute(DUCKDB_OUTCOMES.format(path=path)).fetchall())
    cols = ["visits", "yes", "no", "next", "back", "repeats", "help", "stopped_here", "median_ms"]
    steps = {r[0]: dict(zip(cols, r[1:])) for r in rows}
    return {"sessions": sum(outcomes.values()), "outcomes": outcomes, "steps": steps}


def timed_child(cmd, stdout):
    """Wall seconds and peak RSS (MB) of one child process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=stdout)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} exited {p.returncode}")
    return wall, usage.ru_maxrss / 1024


def best_of(n, run):
    """The fastest of n runs (other work on the machine only ever slows a
    run down), with the largest peak RSS seen."""
    runs = [run() for _ in range(n)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def in_child(fn, path):
    """Runs fn(path) in a fresh interpreter of this file: wall, RSS, result."""
    out = path + f".{fn}.json"
    cmd = [sys.executable, __file__, "agg", fn, path, out]
    wall, rss = timed_child(cmd, subprocess.DEVNULL)
    with open(out) as f:
        result = json.load(f)
    os.unlink(out)
    return wall, rss, result


def same(a, b):
    """Report JSON against a baseline: sessions, outcomes, per-step counts."""
    if a["sessions"] != b["sessions"] or a["outcomes"] != b["outcomes"]:
        return False
    if set(a["steps"]) != set(b["steps"]):
        return False
    for k, s in a["steps"].items():
        for f, v in b["steps"][k].items():
            if float(s[f]) != float(v):
                return False
    return True


def bench(args):
    size_mb = os.path.getsize(args.journal) / 1e6
    results = {}
    runs = {}
    with open(os.devnull, "wb") as null:
        # Warm the page cache so every contender reads from memory.
        with open(args.journal, "rb") as f:
            while f.read(1 << 24):
                pass
        json_out = args.out + ".report.json"

        def kiosk_json():
            with open(json_out, "wb") as f:
                return timed_child([args.bin, "report", args.journal, "--format", "json"], f)

        runs["kiosk json"] = best_of(3, kiosk_json)
        runs["kiosk html"] = best_of(
            3, lambda: timed_child([args.bin, "report", args.journal, "--format", "html"], null))
    with open(json_out) as f:
        report = json.load(f)
    os.unlink(json_out)
    py_wall, py_rss, py = in_child("python", args.journal)
    runs["python json.loads"] = (py_wall, py_rss)
    # DuckDB, also best of 3 (the Python loop runs once: at 10x or more,
    # noise cannot change the verdict).
    dk_runs = [in_child("duckdb", args.journal) for _ in range(3)]
    dk = dk_runs[0][2]
    dk_wall, dk_rss = min(r[0] for r in dk_runs), max(r[1] for r in dk_runs)
    runs["duckdb read_json"] = (dk_wall, dk_rss)
    agree = {"python": same(report, py), "duckdb": same(report, dk)}
    kj = runs["kiosk json"][0]
    load = os.getloadavg()[0]
    print(f"journal: {report['sessions']:,} sessions, {size_mb:.0f} MB, {os.cpu_count()} cores, "
          f"load average {load:.1f} (kiosk and duckdb: best of 3; python: one run)")
    print(f"{'':20} {'wall s':>8} {'peak RSS MB':>12} {'vs kiosk json':>14}")
    for name, (wall, rss) in runs.items():
        print(f"{name:20} {wall:8.2f} {rss:12.1f} {wall / kj:13.1f}x")
    budgets = {
        "json wall <= 1 s": kj <= 1.0,
        "json peak RSS <= 100 MB": runs["kiosk json"][1] <= 100,
        "python >= 10x slower": py_wall >= 10 * kj,
        "duckdb >= 2x slower": dk_wall >= 2 * kj,
        "same aggregates as python": agree["python"],
        "same aggregates as duckdb": agree["duckdb"],
    }
    for name, ok in budgets.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    results = {
        "sessions": report["sessions"],
        "journal_mb": round(size_mb, 1),
        "load_average": round(load, 2),
        "runs": {k: {"wall_s": round(w, 3), "peak_rss_mb": round(r, 1)} for k, (w, r) in runs.items()},
        "budgets": budgets,
    }
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")


def agg_main(which, path, out):
    result = python_aggregate(path) if which == "python" else duckdb_aggregate(path)
    with open(out, "w") as f:
        json.dump(result, f)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "agg":
        agg_main(*sys.argv[2:5])
        return
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("flow")
    g.add_argument("out")
    g.add_argument("--sessions", type=int, required=True)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--files", type=int, default=1)
    g.add_argument("--weeks", type=int, default=40)
    b = sub.add_parser("bench")
    b.add_argument("--bin", required=True)
    b.add_argument("--journal", required=True)
    b.add_argument("--out", required=True)
    args = ap.parse_args()
    gen(args) if args.cmd == "gen" else bench(args)


if __name__ == "__main__":
    main()
