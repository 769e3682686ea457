#!/usr/bin/env python3
"""Checks the README's DuckDB queries against `kiosk report` on a sample.

The SQL is read from README.md (the ```sql blocks that start with
"-- report: NAME"), so the README cannot drift from what is tested. The
sample is tests/report/sample.jsonl plus the hand-written journal (torn,
corrupt and unknown-version lines included), as two files of a directory.

usage: report_duckdb_check.py KIOSK_BIN
"""

import csv
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

import duckdb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def readme_queries():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    blocks = re.findall(r"```sql\n(.*?)```", text, re.S)
    queries = {}
    for b in blocks:
        m = re.match(r"-- report: (\w+)", b)
        if m:
            queries[m.group(1)] = b
    missing = {"visits", "steps", "funnel", "sticking"} - set(queries)
    if missing:
        sys.exit(f"README.md lacks the DuckDB queries: {sorted(missing)}")
    return queries


def main():
    kiosk = sys.argv[1]
    queries = readme_queries()
    tmp = tempfile.mkdtemp()
    try:
        for name in ("sample.jsonl", "journal.jsonl"):
            shutil.copy(os.path.join(ROOT, "tests/report", name), os.path.join(tmp, name))
        glob = os.path.join(tmp, "*.jsonl")
        con = duckdb.connect()
        con.execute(queries["visits"].replace("journal/*.jsonl", glob))

        def run(fmt, *extra):
            out = subprocess.run([kiosk, "report", tmp, "--format", fmt, *extra],
                                 check=True, capture_output=True, text=True)
            return out.stdout

        report = json.loads(run("json"))
        failures = []

        cur = con.execute(queries["steps"])
        cols = [d[0] for d in cur.description]
        sql_steps = {r[0]: dict(zip(cols[1:], r[1:])) for r in cur.fetchall()}
        if set(sql_steps) != set(report["steps"]):
            failures.append(f"steps differ: {sorted(set(sql_steps) ^ set(report['steps']))}")
        for step, row in sql_steps.items():
            mine = report["steps"].get(step, {})
            for field, value in row.items():
                if not math.isclose(float(value), float(mine.get(field, math.nan))):
                    failures.append(f"steps.{step}.{field}: duckdb {value}, kiosk {mine.get(field)}")
        sessions = con.execute("SELECT count(DISTINCT session) FROM visits").fetchone()[0]
        if sessions != report["sessions"]:
            failures.append(f"sessions: duckdb {sessions}, kiosk {report['sessions']}")

        funnel = [(s, n) for _, s, n in con.execute(queries["funnel"]).fetchall()]
        mine = [(s["id"], s["reached"]) for s in report.get("stages", [])]
        if funnel != mine:
            failures.append(f"funnel: duckdb {funnel}, kiosk {mine}")

        sticking = [r[0] for r in con.execute(queries["sticking"]).fetchall()]
        rows = list(csv.DictReader(io.StringIO(run("csv", "--k", "5"))))
        ranked = sorted((int(r["sticking_rank"]), r["step"]) for r in rows if r["sticking_rank"])
        mine = [s for _, s in ranked][:10]
        if sticking != mine:
            failures.append(f"sticking: duckdb {sticking}, kiosk {mine}")

        for f in failures:
            print("FAIL", f)
        print(f"duckdb {duckdb.__version__}: {len(sql_steps)} steps, {len(funnel)} stages, "
              f"{len(sticking)} sticking points compared; {len(failures)} differences")
        sys.exit(1 if failures else 0)
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
