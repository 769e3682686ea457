"""What the benchmarks share (scripts/bench_tui.py, scripts/bench_speech.py):
a private tmux server, one kiosk process in it with its own journal and
trace, the trace read as it grows (DESIGN section 9), nearest-rank
percentiles and summaries, and the commit a run measured.

Python standard library only. Imported from the scripts' own directory
(Python puts a script's directory first on sys.path).
"""

import datetime
import json
import math
import os
import shutil
import shlex
import signal
import statistics
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def logger(bench):
    """A `log(msg)` that prints `bench NAME: msg` to stderr at once."""
    def log(msg):
        print(f"bench {bench}: {msg}", file=sys.stderr, flush=True)
    return log


def fresh_workdir(out, name):
    """An empty `name` directory beside the JSON file `out` (made with its
    parents): the traces, journals and logs of the last run, for a closer
    look."""
    out_dir = os.path.dirname(os.path.abspath(out))
    os.makedirs(out_dir, exist_ok=True)
    workdir = os.path.join(out_dir, name)
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    return workdir


# ----- the private tmux server ------------------------------------------------------


class Tmux:
    """A tmux server of our own (`tmux -L SOCKET`), so no user's session is
    touched and every kiosk in it goes with `kill`."""

    def __init__(self, socket):
        self.socket = socket
        self.path = None

    def __call__(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.socket, *args], check=check,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def start(self):
        # A session that outlives every kiosk, so the server stays up.
        self("-f", "/dev/null", "new-session", "-d", "-s", "base",
             "-x", "80", "-y", "24", "sleep 100000")
        self("set-option", "-g", "remain-on-exit", "off")
        self.path = self("display-message", "-p", "#{socket_path}").stdout.strip()

    def kill(self):
        self("kill-server", check=False)
        # kill-server can leave the socket file behind.
        if self.path:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass


# ----- the trace, read as it grows ---------------------------------------------------


class Trace:
    """A trace file read as it grows: `events` holds every whole line so far.
    The kiosk flushes it at least every 100 ms while events arrive."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.events = []

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return self.events
        end = data.rfind(b"\n") + 1
        self.offset += end
        for line in data[:end].decode().splitlines():
            if line.strip():
                self.events.append(json.loads(line))
        return self.events

    def wait(self, pred, timeout):
        """Polls until `pred(events)` is truthy and returns it; None after
        `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            r = pred(self.poll())
            if r:
                return r
            if time.monotonic() > deadline:
                return None
            time.sleep(0.005)


def first_frame(evs):
    return next((e for e in evs if e.get("ev") == "frame"), None)


# ----- one kiosk process -------------------------------------------------------------


class Kiosk:
    """`kiosk run` in its own tmux session, with its own journal and trace
    in `workdir/name`. `args` go after the journal, trace and idle-timeout
    flags; `wrapper` (argv words, such as `env -u VAR`) goes before the
    binary."""

    def __init__(self, tmux, binary, workdir, name, args, size=(80, 24),
                 idle_timeout=600, wrapper=()):
        self.tmux = tmux
        self.name = name
        self.size = size
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.journal = os.path.join(self.dir, "journal")
        self.trace_path = os.path.join(self.dir, "trace.jsonl")
        self.pidfile = os.path.join(self.dir, "pid")
        argv = [binary, "run", "--journal-dir", self.journal, "--trace", self.trace_path,
                "--idle-timeout", str(idle_timeout), *args]
        script = (f"echo $$ > {shlex.quote(self.pidfile)}; "
                  f"exec {shlex.join([*wrapper, *argv])}")
        w, h = size
        tmux("new-session", "-d", "-s", name, "-x", str(w), "-y", str(h),
             f"sh -c {shlex.quote(script)}")
        self.pid = self._wait_pid()
        self.trace = Trace(self.trace_path)

    def _wait_pid(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(self.pidfile) as f:
                    pid = int(f.read().strip() or "0")
                if pid:
                    # Past the exec: the process is the kiosk itself.
                    with open(f"/proc/{pid}/comm") as f:
                        if f.read().strip() == "kiosk":
                            return pid
            except (FileNotFoundError, ValueError):
                pass
            time.sleep(0.002)
        raise RuntimeError(f"{self.name}: kiosk did not start")

    def pane_size(self):
        return self.tmux("display-message", "-p", "-t", self.name,
                         "#{pane_width}x#{pane_height}").stdout.strip()

    def send(self, key):
        self.tmux("send-keys", "-t", self.name, "--", key)

    def alive(self):
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
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


# ----- statistics and the run's identity ---------------------------------------------


def pct(values, p):
    """Nearest-rank percentile."""
    s = sorted(values)
    if not s:
        return None
    return s[max(0, math.ceil(p / 100.0 * len(s)) - 1)]


def summary(values, digits):
    """Count, median, p90, p99, max and min, rounded to `digits`; None
    values are left out."""
    values = [v for v in values if v is not None]
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "median": round(statistics.median(values), digits),
        "p90": round(pct(values, 90), digits),
        "p99": round(pct(values, 99), digits),
        "max": round(max(values), digits),
        "min": round(min(values), digits),
    }


def git(*args):
    try:
        return subprocess.run(["git", *args], check=True, capture_output=True, text=True,
                              cwd=REPO).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None


def bench_commit():
    """The commit measured, and whether tracked files differ from it."""
    return (git("rev-parse", "--short", "HEAD"),
            bool(git("status", "--porcelain", "--untracked-files=no")))


def report_head(bench, binary, began, **host):
    """The fields every benchmark's JSON opens with: what was measured
    (commit, binary), when, on what host (`host` adds to it), how long."""
    commit, dirty = bench_commit()
    return {
        "bench": bench,
        "commit": commit,
        "dirty": dirty,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "binary": binary,
        "host": {"nproc": os.cpu_count(), "uname": " ".join(os.uname()), **host},
        "seconds": round(time.monotonic() - began, 1),
    }


def print_title(report):
    print(f"{report['bench']} benchmark  commit {report['commit']}"
          f"{' (dirty)' if report['dirty'] else ''}  {report['date']}  "
          f"({report['seconds']:g} s)")


def print_verdict(report, out):
    """The table's last lines: the problems, whether every budget was met,
    where the figures are."""
    for p in report["problems"]:
        print(f"  problem: {p}")
    name = report["bench"]
    print(f"  {name}: all budgets met" if report["ok"]
          else f"  {name}: FAIL (a budget is not met)")
    print(f"  figures: {os.path.relpath(out)}")

