#!/usr/bin/env python3
"""The TUI benchmark behind `scripts/bench tui` (DESIGN section 9).

Drives the release binary in a private tmux server, at 80x24 and 120x40,
on the bundled flow with speech off, and reads the figures from its trace:

1. start -> first frame: `t_us` of the first `frame` event (the trace's zero
   is process start), over fresh processes;
2. key -> next frame: for each `key` event the engine acted on (`"acted":
   true`), the first `frame` event before the next key. A key the engine did
   not act on (`"acted": false`: a refused or ignored key) must draw nothing;
   an acted key may draw nothing too (repeat only speaks): those are counted
   apart. Keys come 60-120 ms apart (0.6 s for the same key twice), and never
   before the last key is in the trace and, if the engine acted on it, its
   frame is (or FRAME_SETTLE has passed: a later frame lands after the next
   key and is listed), so keys are never taken in a burst;
3. idle CPU: utime+stime from /proc/PID/stat over an idle stretch (plus the
   per-thread schedstat run time and context switches, finer grained);
4. RSS: VmHWM and VmRSS from /proc/PID/status after the key run.

Keys are chosen at random, mostly answers so that the walk reaches endings
and starts again, mixed with back, repeat, language, help, start-over then
no, and volume. Whether each key should draw is the kiosk's own word (the
trace's `acted`), not a copy of the engine's rules: a key event without
`acted` stops the benchmark (exit 1).

Python standard library only (the shared helpers are scripts/bench_common.py).
Prints a table; writes JSON to --out. Exits 0 whether or not a budget is met
(it is a measurement), 1 if it could not measure at all.
"""

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time

import bench_common
from bench_common import Tmux, first_frame, summary as summary_of

SIZES = [(80, 24), (120, 40)]
START_RUNS = 10
KEYS_PER_SIZE = 180
IDLE_SECONDS = 10.0
# Long enough that no idle warning falls due while we measure.
IDLE_TIMEOUT = 600
# The kiosk ignores an identical key within 0.5 s.
SAME_KEY_GAP = 0.6
DIFFERENT_KEY_GAP = (0.06, 0.12)
# Longest wait for a key to reach the trace before the next key.
SYNC_TIMEOUT = 3.0
# After an acted key is in the trace, how long its frame may take to follow:
# the trace reaches the file at most 100 ms after a line is written, and the
# frame is written right after the key is handled.
FRAME_SETTLE = 0.25
SEED = 20240611

BUDGET_START_MS = 100.0
BUDGET_KEY_P99_MS = 16.0
BUDGET_IDLE_PERCENT = 0.5
BUDGET_RSS_MIB = 30.0

# tmux key name -> the trace's key name.
KEYS = {
    "1": "1",
    "2": "2",
    "4": "4",
    "0": "0",
    "/": "/",
    "9": "9",
    "Escape": "Esc",
    "+": "+",
    "-": "-",
}

log = bench_common.logger("tui")


def summary(values):
    return summary_of(values, 3)


def start_kiosk(tmux, binary, config, workdir, name, size):
    return bench_common.Kiosk(tmux, binary, workdir, name,
                              ["--no-speech", "--config", config], size=size,
                              idle_timeout=IDLE_TIMEOUT)


# ----- /proc ----------------------------------------------------------------------


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the comm: state is field 3, utime 14, stime 15 (1-based).
    return int(fields[11]) + int(fields[12])


def threads_detail(pid):
    """Sum over threads of run time (ns, schedstat) and context switches."""
    run_ns = 0
    switches = 0
    count = 0
    base = f"/proc/{pid}/task"
    for tid in os.listdir(base):
        try:
            with open(f"{base}/{tid}/schedstat") as f:
                run_ns += int(f.read().split()[0])
            with open(f"{base}/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches",
                                        "nonvoluntary_ctxt_switches")):
                        switches += int(line.split()[1])
            count += 1
        except FileNotFoundError:
            pass  # a thread ended meanwhile
    return run_ns, switches, count


def memory_kib(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmHWM", "VmRSS", "Threads"):
                out[key] = int(rest.split()[0])
    return out


# ----- keys, and what the trace says of them ----------------------------------------


def choose_keys(rng):
    """The next key or two: mostly answers (yes more than no, so that the
    walk moves on and, on an ending, the next customer starts), mixed with
    back, repeat, language, help, start-over-then-no and volume. Where a key
    means nothing (no on a note, back on the start step), the kiosk refuses
    it, and its trace says so."""
    r = rng.random()
    if r < 0.45:
        return ["1"]
    if r < 0.60:
        return ["2"]
    if r < 0.70:
        return ["4"]
    if r < 0.77:
        return ["0"]
    if r < 0.83:
        return ["/"]
    if r < 0.89:
        return ["9"]
    if r < 0.94:
        return ["Escape", "2"]
    return rng.choice([["+", "-"], ["-", "+"]])


def acted(event):
    """The key event's `acted` (DESIGN section 9): whether the engine acted
    on the key. A key event without it stops the benchmark: without it there
    is no telling which keys should draw."""
    value = event.get("acted")
    if not isinstance(value, bool):
        raise RuntimeError(
            f"a key event without \"acted\": true|false (DESIGN section 9): "
            f"{json.dumps(event)}; this kiosk's trace does not say which keys it acted on")
    return value


def key_number(n):
    """A trace predicate: key event number `n` (0-based), once it is there."""
    def found(evs):
        keys = [e for e in evs if e.get("ev") == "key"]
        return keys[n] if len(keys) > n else None
    return found


def frame_since(t_us):
    """A trace predicate: whether a frame at or after `t_us` is there."""
    def found(evs):
        for e in reversed(evs):
            if e["t_us"] < t_us:
                return False
            if e.get("ev") == "frame":
                return True
        return False
    return found


def settle(trace, n):
    """Waits until key number `n` is in the trace and, if the engine acted on
    it, for a frame after it, at most FRAME_SETTLE. False when the key never
    reached the trace."""
    key = trace.wait(key_number(n), SYNC_TIMEOUT)
    if key is None:
        return False
    if acted(key):
        trace.wait(frame_since(key["t_us"]), FRAME_SETTLE)
    return True


def key_then_frame(evs):
    """Whether a frame follows the first key event."""
    seen_key = False
    for e in evs:
        seen_key = seen_key or e.get("ev") == "key"
        if seen_key and e.get("ev") == "frame":
            return True
    return False


ENDINGLESS = ("abandoned", "restarted")


# ----- measurements ------------------------------------------------------------------


def measure_start(tmux, binary, config, workdir, size, runs):
    values = []
    w, h = size
    for i in range(runs):
        k = start_kiosk(tmux, binary, config, workdir, f"start-{w}x{h}-{i}", size)
        try:
            frame = k.trace.wait(first_frame, 5.0)
            if frame is None:
                raise RuntimeError(f"{k.name}: no first frame")
            values.append(frame["t_us"] / 1000.0)
        finally:
            k.stop()
    return values


def drive_keys(tmux, binary, config, workdir, size, count, rng):
    w, h = size
    k = start_kiosk(tmux, binary, config, workdir, f"keys-{w}x{h}", size)
    sent = []  # the trace's key name of each key sent
    sync_timeouts = []
    try:
        pane = k.pane_size()
        if k.trace.wait(first_frame, 5.0) is None:
            raise RuntimeError(f"{k.name}: no first frame")
        time.sleep(0.2)
        last_key = None
        last_at = 0.0
        while len(sent) < count:
            for key in choose_keys(rng):
                gap = SAME_KEY_GAP if key == last_key else rng.uniform(*DIFFERENT_KEY_GAP)
                # Never send a key before the last one has been read and, if
                # the engine acted on it, drawn: a stalled UI thread would
                # otherwise take the keys in a burst (its repeat guard then
                # drops one) and the latencies would hide the stall.
                if sent and not settle(k.trace, len(sent) - 1):
                    sync_timeouts.append(len(sent) - 1)
                delay = last_at + gap - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                last_at = time.monotonic()
                k.send(key)
                last_key = key
                sent.append({"key": KEYS[key]})
        if not settle(k.trace, len(sent) - 1):
            sync_timeouts.append(len(sent) - 1)
        mem = memory_kib(k.pid)
    finally:
        stopped = k.stop()
    evs = k.trace.poll()  # complete: the kiosk flushed its trace on SIGTERM
    journal = [r.get("outcome") for r in k.journal_records()]
    return {
        "size": f"{w}x{h}",
        "pane": pane,
        "sent": sent,
        "events": evs,
        "memory_kib": mem,
        "stopped": stopped,
        "sync_timeouts": sync_timeouts,
        "journal_outcomes": journal,
        "endings": sum(o not in ENDINGLESS for o in journal),
        "log": k.log_text(),
    }


def key_latencies(run):
    """Pairs each key with the first frame before the next key: a latency
    for a key the engine acted on, a problem for one it did not act on."""
    evs = sorted(run["events"], key=lambda e: e["t_us"])
    keys = [e for e in evs if e.get("ev") == "key"]
    frames = [e["t_us"] for e in evs if e.get("ev") == "frame"]
    problems = []
    if [e["key"] for e in keys] != [s["key"] for s in run["sent"]]:
        problems.append(
            f"{run['size']}: keys in the trace ({len(keys)}) differ from keys sent "
            f"({len(run['sent'])})")
    latencies = []
    no_frame = []
    unacted_frame = []
    fi = 0
    for i, key in enumerate(keys):
        did = acted(key)
        t = key["t_us"]
        t_next = keys[i + 1]["t_us"] if i + 1 < len(keys) else math.inf
        while fi < len(frames) and frames[fi] < t:
            fi += 1
        entry = {"size": run["size"], "index": i, "key": key["key"], "acted": did}
        if fi < len(frames) and frames[fi] < t_next:
            entry["ms"] = (frames[fi] - t) / 1000.0
            (latencies if did else unacted_frame).append(entry)
        else:
            # The next frame at all, if any (it came after the next key).
            late = frames[fi] - t if fi < len(frames) else None
            no_frame.append({
                **entry,
                "next_key_after_ms": None if t_next == math.inf
                else round((t_next - t) / 1000.0, 3),
                "next_frame_after_ms": None if late is None else round(late / 1000.0, 3),
            })
    return latencies, no_frame, unacted_frame, problems


def measure_idle(tmux, binary, config, workdir, size, seconds):
    w, h = size
    k = start_kiosk(tmux, binary, config, workdir, f"idle-{w}x{h}", size)
    try:
        if k.trace.wait(first_frame, 5.0) is None:
            raise RuntimeError(f"{k.name}: no first frame")
        time.sleep(0.2)
        k.send("1")
        if not k.trace.wait(key_then_frame, 5.0):
            raise RuntimeError(f"{k.name}: no frame after the first key")
        time.sleep(1.0)  # let the trace writer flush and everything settle
        tck = os.sysconf("SC_CLK_TCK")
        t0 = time.monotonic()
        t0_ns = time.monotonic_ns()
        ticks0 = cpu_ticks(k.pid)
        run0, sw0, _ = threads_detail(k.pid)
        time.sleep(seconds)
        ticks1 = cpu_ticks(k.pid)
        run1, sw1, threads = threads_detail(k.pid)
        elapsed = time.monotonic() - t0
        t1_ns = time.monotonic_ns()
        mem = memory_kib(k.pid)
    finally:
        k.stop()
    evs = k.trace.poll()  # complete: the kiosk flushed its trace on SIGTERM
    ticks = ticks1 - ticks0
    # The trace's zero on this process's CLOCK_MONOTONIC (the start line's
    # mono_ns): any event inside the idle stretch was a wake-up.
    zero_ns = evs[0]["mono_ns"]
    lo, hi = (t0_ns - zero_ns) / 1000, (t1_ns - zero_ns) / 1000
    during = [e["ev"] for e in evs if lo <= e["t_us"] <= hi]
    return {
        "seconds": round(elapsed, 3),
        "clk_tck": tck,
        "ticks": ticks,
        "percent": 100.0 * ticks / tck / elapsed,
        "schedstat_run_ms": (run1 - run0) / 1e6,
        "schedstat_percent": 100.0 * (run1 - run0) / 1e9 / elapsed,
        "context_switches": sw1 - sw0,
        "threads": threads,
        "memory_kib": mem,
        "trace_events_during": during,
    }


# ----- the report ---------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="target/release/kiosk")
    ap.add_argument("--socket", default=f"bench-py-{os.getpid()}")
    ap.add_argument("--out", default="target/bench/tui.json")
    ap.add_argument("--keys-per-size", type=int, default=KEYS_PER_SIZE)
    ap.add_argument("--start-runs", type=int, default=START_RUNS)
    ap.add_argument("--idle-seconds", type=float, default=IDLE_SECONDS)
    args = ap.parse_args()

    binary = os.path.abspath(args.bin)
    workdir = bench_common.fresh_workdir(args.out, "tui-runs")
    config = os.path.join(workdir, "empty-config.toml")
    open(config, "w").close()  # defaults, whatever /etc holds

    rng = random.Random(SEED)
    tmux = Tmux(args.socket)
    began = time.monotonic()
    starts, runs, idles = {}, [], {}
    try:
        tmux.start()
        for size in SIZES:
            name = f"{size[0]}x{size[1]}"
            log(f"start -> first frame, {args.start_runs} runs at {name}")
            starts[name] = measure_start(tmux, binary, config, workdir, size,
                                         args.start_runs)
        for size in SIZES:
            log(f"key -> frame, {args.keys_per_size} keys at {size[0]}x{size[1]}")
            runs.append(drive_keys(tmux, binary, config, workdir, size,
                                   args.keys_per_size, rng))
        for size in SIZES:
            name = f"{size[0]}x{size[1]}"
            log(f"idle CPU, {args.idle_seconds:g} s at {name}")
            idles[name] = measure_idle(tmux, binary, config, workdir, size,
                                       args.idle_seconds)
        # Read here, so that a trace without `acted` stops the run as above.
        pairs = [key_latencies(run) for run in runs]
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        detail = getattr(e, "stderr", "") or ""
        log(f"could not measure: {e} {detail}".strip())
        return 1
    finally:
        tmux.kill()

    # ----- key latencies -----
    all_lat, no_frame, unacted_frame, problems, by_size = [], [], [], [], {}
    for run, (lat, nf, uf, pr) in zip(runs, pairs):
        all_lat += lat
        no_frame += nf
        unacted_frame += uf
        problems += pr
        by_size[run["size"]] = summary([x["ms"] for x in lat])
        by_size[run["size"]]["no_frame"] = len(nf)
        if run["pane"] != run["size"]:
            problems.append(f"pane was {run['pane']}, wanted {run['size']}")
        if not run["endings"]:
            problems.append(f"{run['size']}: the walk reached no ending "
                            f"(journal outcomes {run['journal_outcomes']})")
        if run["sync_timeouts"]:
            problems.append(f"{run['size']}: key(s) {run['sync_timeouts']} not in the "
                            f"trace within {SYNC_TIMEOUT:g} s")
        if run["stopped"] != "stopped":
            problems.append(f"{run['size']}: kiosk did not stop on SIGTERM")
    if unacted_frame:
        problems.append(f"{len(unacted_frame)} key(s) the engine did not act on drew a "
                        "frame (or the key before them drew over "
                        f"{FRAME_SETTLE:g} s late)")
    acted_no_frame = [n for n in no_frame if n["acted"]]
    by_key = {}
    for name in sorted({x["key"] for x in all_lat} | {n["key"] for n in no_frame}):
        vals = [x["ms"] for x in all_lat if x["key"] == name]
        by_key[name] = summary(vals)
        by_key[name]["no_frame"] = sum(n["key"] == name for n in no_frame)
    lat_ms = [x["ms"] for x in all_lat]
    over = [{**x, "ms": round(x["ms"], 3)} for x in all_lat if x["ms"] > BUDGET_KEY_P99_MS]
    keys_total = sum(len(r["sent"]) for r in runs)
    key_sum = summary(lat_ms)
    all_starts = [v for vs in starts.values() for v in vs]

    # ----- checks -----
    rows = []

    def row(metric, value, unit, budget_text, ok):
        rows.append({"metric": metric, "value": value, "unit": unit,
                     "budget": budget_text, "ok": ok})

    for name, vs in starts.items():
        med, mx = statistics.median(vs), max(vs)
        row(f"start->first frame {name} median", round(med, 2), "ms",
            f"<= {BUDGET_START_MS:g} ms", med <= BUDGET_START_MS)
        row(f"start->first frame {name} max", round(mx, 2), "ms",
            f"<= {BUDGET_START_MS:g} ms", mx <= BUDGET_START_MS)
    row("key->frame keys (with frame)", f"{len(lat_ms)}/{keys_total}", "", "", None)
    row("key->frame no frame, acted on", len(acted_no_frame), "", "listed below", None)
    row("key->frame no frame, not acted on", len(no_frame) - len(acted_no_frame), "",
        "", None)
    # A key the engine refused or ignored must leave the screen alone.
    row("key->frame frame, not acted on", len(unacted_frame), "", "0", not unacted_frame)
    if lat_ms:
        row("key->frame median", key_sum["median"], "ms", "", None)
        row("key->frame p90", key_sum["p90"], "ms", "", None)
        row("key->frame p99", key_sum["p99"], "ms", f"<= {BUDGET_KEY_P99_MS:g} ms",
            key_sum["p99"] <= BUDGET_KEY_P99_MS)
        row("key->frame max", key_sum["max"], "ms", "", None)
        for name, s in by_size.items():
            if s["count"]:
                row(f"key->frame p99 {name}", s["p99"], "ms",
                    f"<= {BUDGET_KEY_P99_MS:g} ms", s["p99"] <= BUDGET_KEY_P99_MS)
    else:
        row("key->frame p99", "none", "ms", f"<= {BUDGET_KEY_P99_MS:g} ms", False)
    for name, idle in idles.items():
        if idle["trace_events_during"]:
            problems.append(f"idle {name}: trace events while idle: "
                            f"{idle['trace_events_during']}")
        row(f"idle CPU {name} ({idle['seconds']:g} s)", round(idle["percent"], 3),
            "% core", f"< {BUDGET_IDLE_PERCENT:g} %",
            idle["percent"] < BUDGET_IDLE_PERCENT)
    for run in runs:
        for key in ("VmHWM", "VmRSS"):
            mib = run["memory_kib"][key] / 1024.0
            row(f"{key} after keys {run['size']}", round(mib, 2), "MiB",
                f"<= {BUDGET_RSS_MIB:g} MiB", mib <= BUDGET_RSS_MIB)

    ok = all(r["ok"] is not False for r in rows)
    report = {
        **bench_common.report_head("tui", binary, began),
        "settings": {
            "sizes": [f"{w}x{h}" for w, h in SIZES],
            "start_runs": args.start_runs,
            "keys_per_size": args.keys_per_size,
            "idle_seconds": args.idle_seconds,
            "idle_timeout": IDLE_TIMEOUT,
            "same_key_gap_s": SAME_KEY_GAP,
            "different_key_gap_s": list(DIFFERENT_KEY_GAP),
            "frame_settle_s": FRAME_SETTLE,
            "seed": SEED,
            "percentile": "nearest rank",
        },
        "budgets": {
            "start_first_frame_ms": BUDGET_START_MS,
            "key_frame_p99_ms": BUDGET_KEY_P99_MS,
            "idle_cpu_percent": BUDGET_IDLE_PERCENT,
            "rss_mib": BUDGET_RSS_MIB,
        },
        "start_first_frame_ms": {
            **{name: {**summary(vs), "values": [round(v, 3) for v in vs]}
               for name, vs in starts.items()},
            "all": summary(all_starts),
        },
        "key_frame_ms": {
            **key_sum,
            "keys_sent": keys_total,
            "no_frame_count": len(no_frame),
            "no_frame": no_frame,
            "frame_not_acted_count": len(unacted_frame),
            "frame_not_acted": [{**x, "ms": round(x["ms"], 3)} for x in unacted_frame],
            "over_budget": over,
            "by_size": by_size,
            "by_key": by_key,
            "values": [round(v, 3) for v in lat_ms],
        },
        "idle_cpu": idles,
        "memory_kib": {run["size"]: run["memory_kib"] for run in runs},
        "sessions": {
            run["size"]: {
                "endings_reached": run["endings"],
                "journal_outcomes": run["journal_outcomes"],
            } for run in runs
        },
        "problems": problems,
        "rows": rows,
        "ok": ok,
    }
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")

    # ----- the table -----
    bench_common.print_title(report)
    w0 = max(len(r["metric"]) for r in rows)
    print(f"  {'metric':<{w0}}  {'value':>12}  {'budget':<14}  ok")
    for r in rows:
        value = f"{r['value']} {r['unit']}".strip()
        mark = {True: "ok", False: "FAIL", None: ""}[r["ok"]]
        print(f"  {r['metric']:<{w0}}  {value:>12}  {r['budget']:<14}  {mark}")
    sessions = ", ".join(f"{s}: {v['endings_reached']} endings"
                         for s, v in report["sessions"].items())
    print(f"  walk: {sessions}")
    if over:
        print(f"  keys whose frame took over {BUDGET_KEY_P99_MS:g} ms ({len(over)}):")
        for x in over:
            print(f"    {x['size']} #{x['index']:<3} {x['key']:<4} {x['ms']:g} ms")
    if unacted_frame:
        print(f"  keys not acted on that drew a frame ({len(unacted_frame)}):")
        for x in unacted_frame:
            print(f"    {x['size']} #{x['index']:<3} {x['key']:<4} frame {x['ms']:.3f} ms later")
    if acted_no_frame:
        print(f"  keys acted on that drew no frame before the next key "
              f"({len(acted_no_frame)}):")
        for n in acted_no_frame:
            after = n["next_frame_after_ms"]
            nxt = n["next_key_after_ms"]
            print(f"    {n['size']} #{n['index']:<3} {n['key']:<4} next frame "
                  + ("never" if after is None else f"{after:g} ms later") + ", next key "
                  + ("none" if nxt is None else f"{nxt:g} ms later"))
    bench_common.print_verdict(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
