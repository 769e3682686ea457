#!/usr/bin/env python3
"""The TUI benchmark behind `scripts/bench tui` (DESIGN section 9).

Drives the release binary in a private tmux server, at 80x24 and 120x40,
on the bundled flow with speech off, and reads the figures from its trace:

1. start -> first frame: `t_us` of the first `frame` event (the trace's zero
   is process start), over fresh processes;
2. key -> next frame: for each `key` event, the first `frame` event before
   the next key; a key with no frame in that window is counted apart. Keys
   come 60-120 ms apart (0.6 s for the same key twice), and never before
   the last key's frame has reached the trace, so a stall is measured in
   full and keys are never taken in a burst;
3. idle CPU: utime+stime from /proc/PID/stat over an idle stretch (plus the
   per-thread schedstat run time and context switches, finer grained);
4. RSS: VmHWM and VmRSS from /proc/PID/status after the key run.

Keys are chosen by a small model of the session (the flow file read with
tomllib, and the engine's key rules), so that the walk reaches endings and
starts again, and so that each key says whether it should draw. The model
is checked against the journal the kiosk writes.

Python standard library only. Prints a table; writes JSON to --out. Exits 0
whether or not a budget is met (it is a measurement), 1 if it could not
measure at all.
"""

import argparse
import datetime
import json
import math
import os
import random
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time
import tomllib

SIZES = [(80, 24), (120, 40)]
START_RUNS = 10
KEYS_PER_SIZE = 180
IDLE_SECONDS = 10.0
# Long enough that no idle warning falls due while we measure.
IDLE_TIMEOUT = 600
# The kiosk ignores an identical key (same action) within 0.5 s.
SAME_KEY_GAP = 0.6
DIFFERENT_KEY_GAP = (0.06, 0.12)
# Longest wait for a key's frame before the next key (crossterm's own
# cursor-position timeout is 2 s).
SYNC_TIMEOUT = 3.0
SEED = 20240611

BUDGET_START_MS = 100.0
BUDGET_KEY_P99_MS = 16.0
BUDGET_IDLE_PERCENT = 0.5
BUDGET_RSS_MIB = 30.0

# tmux key name -> (the trace's key name, the kiosk's action).
KEYS = {
    "1": ("1", "yes"),
    "2": ("2", "no"),
    "4": ("4", "back"),
    "0": ("0", "repeat"),
    "/": ("/", "lang"),
    "9": ("9", "help"),
    "Escape": ("Esc", "start_over"),
    "+": ("+", "louder"),
    "-": ("-", "quieter"),
}
UNGUARDED = {"louder", "quieter"}


def log(msg):
    print(f"bench tui: {msg}", file=sys.stderr, flush=True)


# ----- the private tmux server ------------------------------------------------


class Tmux:
    def __init__(self, socket):
        self.socket = socket

    def __call__(self, *args, check=True):
        return subprocess.run(
            ["tmux", "-L", self.socket, *args],
            check=check,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def start(self):
        # A session that outlives every kiosk, so the server stays up.
        self("-f", "/dev/null", "new-session", "-d", "-s", "base",
             "-x", "80", "-y", "24", "sleep 100000")
        self("set-option", "-g", "remain-on-exit", "off")
        self.path = self("display-message", "-p", "#{socket_path}").stdout.strip()

    def kill(self):
        self("kill-server", check=False)
        # kill-server can leave the socket file behind.
        if getattr(self, "path", None):
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass


# ----- one kiosk process --------------------------------------------------------


class Kiosk:
    """A kiosk in its own tmux session, with its own journal and trace."""

    def __init__(self, tmux, binary, config, workdir, name, size):
        self.tmux = tmux
        self.name = name
        self.size = size
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.journal = os.path.join(self.dir, "journal")
        self.trace = os.path.join(self.dir, "trace.jsonl")
        self.pidfile = os.path.join(self.dir, "pid")
        argv = [binary, "run", "--no-speech", "--config", config,
                "--journal-dir", self.journal, "--trace", self.trace,
                "--idle-timeout", str(IDLE_TIMEOUT)]
        script = f"echo $$ > {shlex.quote(self.pidfile)}; exec {shlex.join(argv)}"
        w, h = size
        tmux("new-session", "-d", "-s", name, "-x", str(w), "-y", str(h),
             f"sh -c {shlex.quote(script)}")
        self.pid = self._wait_pid()

    def _wait_pid(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(self.pidfile) as f:
                    text = f.read().strip()
                if text:
                    pid = int(text)
                    # Past the exec: the process is the kiosk itself.
                    with open(f"/proc/{pid}/comm") as f:
                        if f.read().strip() == "kiosk":
                            return pid
            except (FileNotFoundError, ValueError):
                pass
            time.sleep(0.002)
        raise RuntimeError(f"{self.name}: kiosk did not start")

    def pane_size(self):
        out = self.tmux("display-message", "-p", "-t", self.name,
                        "#{pane_width}x#{pane_height}").stdout.strip()
        return out

    def send(self, key):
        self.tmux("send-keys", "-t", self.name, "--", key)

    def events(self):
        out = []
        try:
            with open(self.trace) as f:
                for line in f:
                    if not line.endswith("\n"):
                        break  # still being written
                    out.append(json.loads(line))
        except FileNotFoundError:
            pass
        return out

    def wait_for(self, pred, timeout=5.0):
        """Polls the trace until `pred(events)` is true; returns the events."""
        deadline = time.monotonic() + timeout
        while True:
            evs = self.events()
            if pred(evs):
                return evs
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: timed out waiting on the trace")
            time.sleep(0.01)

    def alive(self):
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            return state != "Z"
        except (FileNotFoundError, ProcessLookupError):
            return False

    def stop(self, timeout=4.0):
        """SIGTERM (the kiosk closes its journal and trace), then SIGKILL."""
        if not self.alive():
            return "gone"
        os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.alive():
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                return "killed"
            time.sleep(0.01)
        return "stopped"

    def log_text(self):
        try:
            with open(os.path.join(self.journal, "kiosk.log")) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def journal_records(self):
        recs = []
        if not os.path.isdir(self.journal):
            return recs
        for name in sorted(os.listdir(self.journal)):
            if name.endswith(".jsonl"):
                with open(os.path.join(self.journal, name)) as f:
                    for line in f:
                        line = line.strip()
                        if line:
                            recs.append(json.loads(line))
        return recs


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


# ----- a model of the session, to choose keys and to know what should draw ---------


class Model:
    """The engine's key rules (src/engine/session.rs), reduced to what
    decides the screen: phase, path, overlay, repeats, volume."""

    def __init__(self, flow_file):
        with open(flow_file, "rb") as f:
            flow = tomllib.load(f)
        self.start = flow["flow"]["start"]
        self.languages = len(flow["flow"].get("languages", [])) or 1
        self.steps = {}
        for sid, step in flow["steps"].items():
            if "end" in step:
                self.steps[sid] = ("ending", step["end"])
            elif "next" in step:
                self.steps[sid] = ("note", step["next"])
            else:
                self.steps[sid] = ("question", (step["yes"], step["no"]))
        self.phase = "waiting"  # waiting | active | ended
        self.path = [self.start]
        self.overlay = None  # None | guide | staff | confirm
        self.repeats = 0
        self.volume = 3
        self.outcomes = []  # journal outcomes, in order
        self.endings = 0

    @property
    def step(self):
        return self.path[-1]

    @property
    def kind(self):
        return self.steps[self.step][0]

    def where(self):
        s = f"{self.step} ({self.kind}, {self.phase}"
        if self.overlay:
            s += f", {self.overlay}"
        return s + ")"

    def _reset(self):
        self.phase = "waiting"
        self.path = [self.start]
        self.overlay = None
        self.repeats = 0
        self.volume = 3

    def _show(self, step):
        self.path.append(step)
        self.repeats = 0
        self.overlay = None
        kind, arg = self.steps[step]
        if kind == "ending":
            self.phase = "ended"
            self.outcomes.append(arg)
            self.endings += 1

    def _adjust(self, action):
        new = self.volume + (1 if action == "louder" else -1)
        if 1 <= new <= 5:
            self.volume = new
            return True
        return False

    def _help(self):
        self.overlay = "staff" if self.overlay in ("guide", "staff") else "guide"
        return True

    def press(self, action):
        """Applies a key (never a guarded repeat); returns whether it draws."""
        draws = False
        waking = self.phase == "waiting"
        if waking:
            self.phase = "active"
            draws = True
        if action != "help" and self.overlay in ("guide", "staff"):
            self.overlay = None
            draws = True
        if self.phase == "ended":
            if action in ("yes", "start_over"):
                self._reset()
                return True
            if action == "help":
                return self._help()
            if action == "lang":
                return self.languages > 1 or draws
            if action in ("louder", "quieter"):
                return self._adjust(action) or draws
            return draws  # repeat re-speaks; no and back are refused
        if self.overlay == "confirm":
            if action == "yes":
                self.outcomes.append("restarted")
                self._reset()
                return True
            if action in ("no", "back", "start_over"):
                self.overlay = None
                return True
            if action == "help":
                return self._help()
            if action == "lang":
                return self.languages > 1 or draws
            if action in ("louder", "quieter"):
                return self._adjust(action) or draws
            return draws
        kind, arg = self.steps[self.step]
        if action == "yes" and kind == "question":
            self._show(arg[0])
            return True
        if action == "no" and kind == "question":
            self._show(arg[1])
            return True
        if action == "yes" and kind == "note":
            self._show(arg)
            return True
        if action == "repeat":
            self.repeats += 1
            return draws or self.repeats == 2
        if action == "back" and len(self.path) > 1:
            self.path.pop()
            self.repeats = 0
            self.overlay = None
            return True
        if action == "help":
            return self._help()
        if action == "lang":
            return self.languages > 1 or draws
        if action in ("louder", "quieter"):
            return self._adjust(action) or draws
        if action == "start_over":
            self.overlay = "confirm"
            return True
        return draws

    def shutdown(self):
        if self.phase == "active":
            self.outcomes.append("abandoned")


def choose_keys(model, rng):
    """The next key or two: mostly forward through the flow, mixed with
    back, repeat, language, help, start-over-then-no and volume."""
    if model.overlay == "confirm":
        return ["2"]
    if model.phase == "ended":
        r = rng.random()
        if r < 0.70:
            return ["1"]  # next customer
        if r < 0.80:
            return ["/"]
        if r < 0.90:
            return ["0"]
        return ["9"]
    r = rng.random()
    if r < 0.60:
        if model.kind == "question":
            return [rng.choice(["1", "2"])]
        return ["1"]
    if r < 0.70:
        return ["4"] if len(model.path) > 1 else ["1"]
    if r < 0.77:
        return ["0"]
    if r < 0.83:
        return ["/"]
    if r < 0.89:
        return ["9"]
    if r < 0.94:
        return ["Escape", "2"]
    return rng.choice([["+", "-"], ["-", "+"]])


# ----- measurements ------------------------------------------------------------------


def first_frame(evs):
    return next((e for e in evs if e.get("ev") == "frame"), None)


def key_then_frame(evs):
    """Whether a frame follows the first key event."""
    seen_key = False
    for e in evs:
        seen_key = seen_key or e.get("ev") == "key"
        if seen_key and e.get("ev") == "frame":
            return True
    return False


def measure_start(tmux, binary, config, workdir, size, runs):
    values = []
    w, h = size
    for i in range(runs):
        k = Kiosk(tmux, binary, config, workdir, f"start-{w}x{h}-{i}", size)
        try:
            evs = k.wait_for(lambda e: first_frame(e) is not None)
            values.append(first_frame(evs)["t_us"] / 1000.0)
        finally:
            k.stop()
    return values


class Tail:
    """Reads a trace as it grows: key and frame times seen so far."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.keys = []
        self.frames = []

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        end = data.rfind(b"\n") + 1
        self.offset += end
        for line in data[:end].decode().splitlines():
            e = json.loads(line)
            if e["ev"] == "key":
                self.keys.append(e["t_us"])
            elif e["ev"] == "frame":
                self.frames.append(e["t_us"])

    def drawn_after_key(self, n):
        """Whether key number `n` (0-based) has been read and a frame followed."""
        if len(self.keys) <= n:
            return False
        return bool(self.frames) and self.frames[-1] >= self.keys[n]


def drive_keys(tmux, binary, config, workdir, size, count, rng, flow_file):
    w, h = size
    k = Kiosk(tmux, binary, config, workdir, f"keys-{w}x{h}", size)
    model = Model(flow_file)
    tail = Tail(k.trace)
    sent = []  # trace key name, whether a frame is expected, the screen before
    sync_timeouts = []
    try:
        pane = k.pane_size()
        k.wait_for(lambda e: first_frame(e) is not None)
        time.sleep(0.2)
        last_action = None
        last_at = 0.0
        while len(sent) < count:
            for key in choose_keys(model, rng):
                name, action = KEYS[key]
                same = action == last_action and action not in UNGUARDED
                gap = SAME_KEY_GAP if same else rng.uniform(*DIFFERENT_KEY_GAP)
                # Never send a key before the last one's frame is in the
                # trace: a stalled UI thread would otherwise take the keys
                # in a burst (its repeat guard then drops one) and the walk
                # would leave the model. The trace is flushed within 100 ms.
                if sent and sent[-1]["expect_frame"]:
                    deadline = time.monotonic() + SYNC_TIMEOUT
                    tail.poll()
                    while not tail.drawn_after_key(len(sent) - 1):
                        if time.monotonic() > deadline:
                            sync_timeouts.append(len(sent) - 1)
                            break
                        time.sleep(0.005)
                        tail.poll()
                delay = last_at + gap - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                where = model.where()
                draws = model.press(action)
                last_at = time.monotonic()
                k.send(key)
                last_action = action
                sent.append({"key": name, "expect_frame": draws, "on": where})
        time.sleep(0.3)  # the last key's frame
        mem = memory_kib(k.pid)
    finally:
        stopped = k.stop()
    model.shutdown()
    evs = k.events()
    journal = k.journal_records()
    return {
        "size": f"{w}x{h}",
        "pane": pane,
        "sent": sent,
        "events": evs,
        "memory_kib": mem,
        "stopped": stopped,
        "model_outcomes": model.outcomes,
        "model_endings": model.endings,
        "sync_timeouts": sync_timeouts,
        "journal_outcomes": [r.get("outcome") for r in journal],
        "log": k.log_text(),
    }


def key_latencies(run):
    """Pairs each key with the first frame before the next key."""
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
    fi = 0
    for i, key in enumerate(keys):
        t = key["t_us"]
        t_next = keys[i + 1]["t_us"] if i + 1 < len(keys) else math.inf
        while fi < len(frames) and frames[fi] < t:
            fi += 1
        sent = run["sent"][i] if i < len(run["sent"]) else {}
        if fi < len(frames) and frames[fi] < t_next:
            latencies.append({"size": run["size"], "index": i, "key": key["key"],
                              "on": sent.get("on"), "ms": (frames[fi] - t) / 1000.0})
        else:
            # The next frame at all, if any (it came after the next key).
            late = frames[fi] - t if fi < len(frames) else None
            no_frame.append({
                "size": run["size"],
                "index": i,
                "key": key["key"],
                "on": sent.get("on"),
                "expected_frame": sent.get("expect_frame"),
                "next_key_after_ms": None if t_next == math.inf
                else round((t_next - t) / 1000.0, 3),
                "next_frame_after_ms": None if late is None else round(late / 1000.0, 3),
            })
    return latencies, no_frame, problems


def measure_idle(tmux, binary, config, workdir, size, seconds):
    w, h = size
    k = Kiosk(tmux, binary, config, workdir, f"idle-{w}x{h}", size)
    try:
        k.wait_for(lambda e: first_frame(e) is not None)
        time.sleep(0.2)
        k.send("1")
        k.wait_for(key_then_frame)
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
    evs = k.events()  # complete: the kiosk flushed its trace on SIGTERM
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


# ----- statistics and output -------------------------------------------------------


def pct(values, p):
    """Nearest-rank percentile."""
    s = sorted(values)
    if not s:
        return None
    return s[max(0, math.ceil(p / 100.0 * len(s)) - 1)]


def summary(values):
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "median": round(statistics.median(values), 3),
        "p90": round(pct(values, 90), 3),
        "p99": round(pct(values, 99), 3),
        "max": round(max(values), 3),
        "min": round(min(values), 3),
    }


def git(*args):
    try:
        return subprocess.run(["git", *args], check=True, capture_output=True,
                              text=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="target/release/kiosk")
    ap.add_argument("--flow", default="flows/mfa-login.toml",
                    help="the bundled flow's source, for the key model")
    ap.add_argument("--socket", default=f"bench-py-{os.getpid()}")
    ap.add_argument("--out", default="target/bench/tui.json")
    ap.add_argument("--keys-per-size", type=int, default=KEYS_PER_SIZE)
    ap.add_argument("--start-runs", type=int, default=START_RUNS)
    ap.add_argument("--idle-seconds", type=float, default=IDLE_SECONDS)
    args = ap.parse_args()

    binary = os.path.abspath(args.bin)
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    # Traces, journals and logs of the last run, for a closer look.
    workdir = os.path.join(out_dir, "tui-runs")
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
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
                                   args.keys_per_size, rng, args.flow))
        for size in SIZES:
            name = f"{size[0]}x{size[1]}"
            log(f"idle CPU, {args.idle_seconds:g} s at {name}")
            idles[name] = measure_idle(tmux, binary, config, workdir, size,
                                       args.idle_seconds)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        detail = getattr(e, "stderr", "") or ""
        log(f"could not measure: {e} {detail}".strip())
        return 1
    finally:
        tmux.kill()

    # ----- key latencies -----
    all_lat, no_frame, problems, by_size = [], [], [], {}
    for run in runs:
        lat, nf, pr = key_latencies(run)
        all_lat += lat
        no_frame += nf
        problems += pr
        by_size[run["size"]] = summary([x["ms"] for x in lat])
        by_size[run["size"]]["no_frame"] = len(nf)
        if run["pane"] != run["size"]:
            problems.append(f"pane was {run['pane']}, wanted {run['size']}")
        if run["model_outcomes"] != run["journal_outcomes"]:
            problems.append(
                f"{run['size']}: journal outcomes {run['journal_outcomes']} differ "
                f"from the key model's {run['model_outcomes']}")
        if run["sync_timeouts"]:
            problems.append(f"{run['size']}: no frame within {SYNC_TIMEOUT:g} s after "
                            f"key(s) {run['sync_timeouts']}")
        if run["stopped"] != "stopped":
            problems.append(f"{run['size']}: kiosk did not stop on SIGTERM")
    unexpected = [n for n in no_frame if n["expected_frame"]]
    if unexpected:
        problems.append(f"{len(unexpected)} key(s) drew no frame though one was expected")
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
    row("key->frame no frame, screen unchanged", len(no_frame) - len(unexpected), "",
        "listed below", None)
    # A key that should draw but whose frame came only after the next key
    # (>= 60 ms later) or never: its latency is over budget whatever it was.
    row("key->frame no frame, one expected", len(unexpected), "", "0", not unexpected)
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
        "bench": "tui",
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "binary": binary,
        "host": {"nproc": os.cpu_count(), "uname": " ".join(os.uname())},
        "seconds": round(time.monotonic() - began, 1),
        "settings": {
            "sizes": [f"{w}x{h}" for w, h in SIZES],
            "start_runs": args.start_runs,
            "keys_per_size": args.keys_per_size,
            "idle_seconds": args.idle_seconds,
            "idle_timeout": IDLE_TIMEOUT,
            "same_key_gap_s": SAME_KEY_GAP,
            "different_key_gap_s": list(DIFFERENT_KEY_GAP),
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
            "over_budget": over,
            "by_size": by_size,
            "by_key": by_key,
            "values": [round(v, 3) for v in lat_ms],
        },
        "idle_cpu": idles,
        "memory_kib": {run["size"]: run["memory_kib"] for run in runs},
        "sessions": {
            run["size"]: {
                "endings_reached": run["model_endings"],
                "journal_outcomes": run["journal_outcomes"],
                "model_matches_journal":
                    run["model_outcomes"] == run["journal_outcomes"],
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
    print(f"tui benchmark  commit {report['commit']}{' (dirty)' if report['dirty'] else ''}"
          f"  {report['date']}  ({report['seconds']:g} s)")
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
            print(f"    {x['size']} #{x['index']:<3} {x['key']:<4} on {x['on']}  {x['ms']:g} ms")
    if no_frame:
        print(f"  keys that drew no frame before the next key ({len(no_frame)}):")
        for n in no_frame:
            if n["expected_frame"]:
                after = n["next_frame_after_ms"]
                why = ("EXPECTED A FRAME; next frame "
                       + ("never" if after is None else f"{after:g} ms later") + ", next key "
                       + ("none" if n["next_key_after_ms"] is None
                          else f"{n['next_key_after_ms']:g} ms later"))
            else:
                why = "screen unchanged"
            print(f"    {n['size']} #{n['index']:<3} {n['key']:<4} on {n['on']}  [{why}]")
    for p in problems:
        print(f"  problem: {p}")
    print("  tui: all budgets met" if ok else "  tui: FAIL (a budget is not met)")
    print(f"  figures: {os.path.relpath(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
