#!/usr/bin/env python3
"""The speech benchmark behind `scripts/bench speech` (DESIGN sections 4 and 9).

Times what a customer hears, at a PulseAudio null sink, against the kiosk's
trace. Everything runs in an isolated audio world (`scripts/audio-env start
pulse DIR --speechd`: a private PulseAudio with the null sink `cap` at
48 kHz mono, ALSA's default routed to it, a warm speech-dispatcher with
scripts/speechd-config), and is torn down at the end (also on a signal).

Recording and the clock. One `parec --latency-msec=2 -d cap.monitor --raw
--format=s16le --rate=48000 --channels=1` runs for the whole benchmark,
started first; the kiosks wait until its data flows (it takes 1.3-1.5 s
here). Its stdout goes to a small reader process (this script with
--reader) that writes the bytes to a file and, for every read, the
CLOCK_MONOTONIC time the read returned and the byte count so far. No sample
arrives before it was rendered, so each read bounds the time of sample 0
from above: T0 <= arrival - samples_so_far / 48000 s, and sample n is put at
T0 + n / 48000 s with T0 the least bound among the reads within 1 s of the
moment looked at. Local, not global: while streams play PulseAudio rewinds
the null sink to mix new audio in at once, the monitor then delivers the
re-rendered part again, and the recording gains samples over the clock
(about 0.4 ms a second here while the kiosk plays, none while idle: the
brief's "time of the first bytes, then count bytes" would be over 100 ms
off by the end). Alignment error, about +-2 ms: the sink renders up to its
latency ahead (1.4 ms, `pactl list sink-inputs`), parec delivers 2 ms
fragments (reads lie 0.6 ms median, 2.7 ms p99 above the local envelope,
which takes the promptest), and the gain within the 1 s window is under
1 ms. A rewind also puts a stream's start later in the recording than a
card would play it (conservative). `alignment` in the JSON has the figures.
A trace event is put at mono_ns (the trace's first line) + t_us * 1000.

Audible: |s| > 0.01 * 32768. For a key pressed in silence, the first
audible sample after the key (the sink must have been silent for the 30 ms
before it, or the key is left out). For a key that barges in on a playing
clip, the old clip's tail can run straight into the new one, so the new
clip is found at the sink itself: its first 20 ms from its first audible
sample (decoded from audio/mfa-login with sox, at the kiosk's -9 dB) are
matched by normalised cross-correlation after the new utterance's trace
`audio_start`; a weak match (< 0.6) counts only where the threshold finds
the same onset within 1 ms, else the key is left out and counted. The clip's
lead-in (how long it is quiet, at that level, before its first audible
sample) is reported apart from the output path. Silent after a pause key:
the sample after the last audible one before the next key (0 when nothing
was audible after the key: `quiet_at_key`, and `sounding_at_key` has the
figures for the pauses that found the sink sounding).

Keys are sent only when the sink is silent (keys "in silence") or while the
new step is heard (barge-in, pause), as the live recording shows; after each
kiosk, `spd-say -C` so that a voice it left speaking cannot run into the
next. A kiosk whose clip player fails (its log says "audio output failed"
and it speaks through the system voice for 10 s; before commit ab9ce8c any
passing cpal error did that, in about half the starts here) is stopped and
another started; the failures are listed.

Cases (the kiosk in a private tmux server at 80x24, release binary, bundled
flow, `--trace`, a config with `[speech] echo = false`):
  a  clips, Japanese (earcons off): keys that barge in on a playing step,
     and keys pressed after a pause (in silence), alternately;
  b  the same in English (`--lang en`);
  c  earcons on: pause, then an answer key: key -> first audible (the earcon);
  d  pause (`.`) while a clip plays -> sink silent (every pause of a, b, c);
  e  the system voice: a copy of the bundled flow with every `text`/`say`
     changed by one character and another flow id, `--audio-dir` an empty
     directory, so no clip matches: key (in silence, after a pause) -> first
     audio, English and Japanese; and pause -> silent through the voice;
  f  `spd-say` side by side (warm daemon): first audio from the moment
     before it is launched, the same English texts and the same kana
     Japanese texts the kiosk spoke in e, at the kiosk's volume (`-i -29`);
     then `spd-say -C` -> silent; and English through speech-dispatcher's
     own espeak-ng module (`-o espeak-ng`) for comparison with the generic
     module the kiosk's configuration uses.
The first key of each kiosk run is a warm-up, kept apart from the figures.
For each measured key the trace splits the time: key -> speak (the UI and
speech threads, clip lookup and decode), speak -> audio_start (to the cpal
callback, or the voice's begin event), audio_start -> first audible at the
sink (the output buffering of cpal/ALSA/PulseAudio, plus the clip's own
lead-in). Percentiles are nearest-rank: with 30 values p99 is the maximum.

Python standard library only (the shared helpers are
scripts/bench_common.py). Prints a table; writes JSON (commit, date,
settings, alignment, every raw latency) to --out. Exits 0 whether or not a
budget is met (it is a measurement), 1 if it could not measure at all.
"""

import argparse
import array
import json
import math
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import tomllib

import bench_common
from bench_common import REPO, Tmux, Trace, pct

RATE = 48_000
THRESHOLD = int(0.01 * 32768)
SILENT_RUN_MS = 4.0
# The clips' rate, the kiosk's speech gain at volume level 3 (-9 dB,
# src/speech/levels.rs), and how much of a clip's start is matched at the sink.
CLIP_RATE = 24_000
VOLUME_GAIN = 10 ** (-9 / 20)
SPD_VOLUME = round(VOLUME_GAIN * 200 - 100)
TEMPLATE_MS = 20
MATCH_MIN = 0.6
MATCH_AGREE = 0.3
# Half the span of reads that give the sample clock around a moment.
ALIGN_WINDOW_S = 1.0
SEED = 20251125
IDLE_TIMEOUT = 600
SAME_KEY_GAP = 0.65
# After a step's audio_start has reached the trace: how long the step plays
# before the next key (the clip is still playing then).
PLAY_BEFORE_KEY = (0.35, 0.6)
# After a pause key, before the next key: the sink must be silent by then.
AFTER_PAUSE_CLIP = 0.30
AFTER_PAUSE_TTS = 0.50
PER_CASE = 30
SPD_RUNS = 20

BUDGETS = {  # ms, p99
    "clip_first_audible": 30.0,
    "earcon_first_audible": 30.0,
    "clip_pause_silent": 20.0,
    "tts_pause_silent": 60.0,
    "tts_first_audio_en": 60.0,
    "tts_first_audio_ja": 400.0,
}

log = bench_common.logger("speech")


class Interrupted(BaseException):
    pass


def on_signal(signum, _frame):
    raise Interrupted(signum)


# ----- the recorder -------------------------------------------------------------------


def reader_main(raw_path, times_path):
    """Copies stdin (parec) to raw_path; logs `arrival_ns total_bytes` per read."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent ends us by SIGTERM
    total = 0
    last_flush = 0
    with open(raw_path, "wb") as out, open(times_path, "w") as times:
        while True:
            try:
                data = os.read(0, 1 << 16)
            except InterruptedError:
                continue
            now = time.monotonic_ns()
            if not data:
                break
            out.write(data)
            total += len(data)
            times.write(f"{now} {total}\n")
            if now - last_flush > 20_000_000 or total == len(data):
                out.flush()
                times.flush()
                last_flush = now
    return 0


class Recorder:
    def __init__(self, env, workdir):
        self.raw = os.path.join(workdir, "sink.s16le")
        self.times = os.path.join(workdir, "sink.times")
        self.parec = subprocess.Popen(
            ["parec", "--latency-msec=2", "-d", "cap.monitor", "--raw",
             "--format=s16le", f"--rate={RATE}", "--channels=1"],
            env=env, stdout=subprocess.PIPE, stderr=open(
                os.path.join(workdir, "parec.log"), "w"),
            start_new_session=True)
        self.reader = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--reader", self.raw, self.times],
            stdin=self.parec.stdout, start_new_session=True)
        self.parec.stdout.close()
        self.started_ns = time.monotonic_ns()

    def wait_for_data(self, timeout=5.0, seconds=0.3):
        """Until parec has delivered `seconds` of audio."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(self.times) as f:
                    lines = f.read().split("\n")
                if len(lines) >= 2 and lines[-2]:
                    first_ns = int(lines[0].split()[0])
                    total = int(lines[-2].split()[1])
                    if total >= seconds * RATE * 2:
                        return (first_ns - self.started_ns) / 1e6
            except (FileNotFoundError, ValueError, IndexError):
                pass
            if self.parec.poll() is not None:
                raise RuntimeError("parec ended: see parec.log")
            time.sleep(0.01)
        raise RuntimeError("parec delivered no audio")

    def audible_since(self, since_ns):
        """Whether the sink has sounded since since_ns, as far as recorded
        (the reader flushes every 20 ms)."""
        try:
            with open(self.times, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 200))
                last = f.read().split(b"\n")[-2].split()
            arrival, total = int(last[0]), int(last[1])
            back = max(0.0, (arrival - since_ns) * RATE / 1e9 * 2)
            offset = max(0, int(total - back) // 2 * 2)
            with open(self.raw, "rb") as f:
                f.seek(offset)
                data = f.read()
        except (OSError, IndexError, ValueError):
            return False
        pcm = array.array("h")
        pcm.frombytes(data[: len(data) // 2 * 2])
        if sys.byteorder != "little":
            pcm.byteswap()
        return any(v > THRESHOLD or v < -THRESHOLD for v in pcm)

    def wait_audible(self, since_ns, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.audible_since(since_ns):
                return True
            time.sleep(0.02)
        return False

    def wait_quiet(self, seconds, timeout):
        """Until the sink has been silent for `seconds`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.audible_since(time.monotonic_ns() - int(seconds * 1e9)):
                return True
            time.sleep(0.02)
        return False

    def stop(self):
        for p in (self.parec, self.reader):
            if p.poll() is None:
                p.terminate()
        for p in (self.parec, self.reader):
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


class Sink:
    """The recording, with each sample put on CLOCK_MONOTONIC.

    The mapping is local: around a moment x, T0(x) is the lower envelope of
    (read time - samples so far / 48000) over the reads within
    ALIGN_WINDOW_S of x. A global T0 would not do: while streams play,
    PulseAudio rewinds the null sink to mix new audio in at once, and the
    monitor then delivers the re-rendered part again, so the recording
    gains a few samples a second over the clock (measured: about 0.4 ms a
    second while the kiosk plays, none while idle; reported as `drift`).
    """

    def __init__(self, raw_path, times_path):
        self.samples = array.array("h")
        with open(raw_path, "rb") as f:
            data = f.read()
        self.samples.frombytes(data[: len(data) // 2 * 2])
        if sys.byteorder != "little":
            self.samples.byteswap()
        reads = []
        with open(times_path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    reads.append((int(parts[0]), int(parts[1])))
        if not reads:
            raise RuntimeError("no audio recorded")
        self.reads = reads
        ns_per = 1e9 / RATE
        self.arrivals = [t for t, _ in reads]
        self.bounds = [t - (b / 2) * ns_per for t, b in reads]
        # The lower envelope per bucket, for quick local minima.
        self.bucket_ns = int(0.1e9)
        self.first_ns = reads[0][0]
        self.buckets = {}
        for t, v in zip(self.arrivals, self.bounds):
            k = (t - self.first_ns) // self.bucket_ns
            if v < self.buckets.get(k, math.inf):
                self.buckets[k] = v
        t0_global = min(self.bounds)
        # How far each read lies above its local envelope (its delivery
        # delay beyond the least one), and the envelope's drift.
        above = []
        for i in range(0, len(reads), 7):
            above.append(self.bounds[i] - self.t0_at(self.arrivals[i]))
        above.sort()
        sizes = sorted(reads[i][1] - (reads[i - 1][1] if i else 0) for i in range(len(reads)))
        span_s = (reads[-1][0] - reads[0][0]) / 1e9
        per_s = []
        for k in range(0, int(span_s)):
            lo = self.first_ns + k * 1e9
            vals = [self.buckets[b] for b in range(k * 10, k * 10 + 10) if b in self.buckets]
            if vals:
                per_s.append((lo, min(vals)))
        steps = [(per_s[i + 1][1] - per_s[i][1]) / 1e6 for i in range(len(per_s) - 1)]
        self.alignment = {
            "method": "local lower envelope of (read time - samples so far / 48000) "
                      f"over reads within {ALIGN_WINDOW_S:g} s",
            "reads": len(reads),
            "seconds": round(span_s, 1),
            "first_read_vs_local_envelope_ms": round(
                (self.bounds[0] - self.t0_at(self.arrivals[0])) / 1e6, 3),
            "read_above_local_envelope_ms": {
                "median": round(statistics.median(above) / 1e6, 3),
                "p90": round(pct(above, 90) / 1e6, 3),
                "p99": round(pct(above, 99) / 1e6, 3),
            },
            "read_block_ms": {
                "median": round(statistics.median(sizes) / 2 / RATE * 1e3, 3),
                "max": round(max(sizes) / 2 / RATE * 1e3, 3),
            },
            "drift_ms_whole_recording": round((per_s[-1][1] - per_s[0][1]) / 1e6, 3)
            if per_s else None,
            "drift_ms_per_s_worst": round(min(steps), 3) if steps else None,
            "global_envelope_error_would_be_ms": round(
                (max(v for _, v in per_s) - t0_global) / 1e6, 3) if per_s else None,
        }

    def t0_at(self, x):
        k = int((x - self.first_ns) // self.bucket_ns)
        w = int(ALIGN_WINDOW_S * 1e9 // self.bucket_ns)
        vals = [self.buckets[b] for b in range(k - w, k + w + 1) if b in self.buckets]
        if not vals:
            raise RuntimeError("a moment outside the recording")
        return min(vals)

    def index(self, mono_ns, t0):
        return int(math.floor((mono_ns - t0) * RATE / 1e9))

    def covers(self, mono_ns):
        k = int((mono_ns - self.first_ns) // self.bucket_ns)
        if k not in self.buckets and k - 1 not in self.buckets:
            return False
        i = self.index(mono_ns, self.t0_at(mono_ns))
        return 0 <= i < len(self.samples)

    def first_audible(self, from_ns, until_ns, anchor=None, run_ms=SILENT_RUN_MS):
        """First audible sample at or after from_ns that follows run_ms of
        silence; its time (ns) or None. The mapping is taken at `anchor`."""
        t0 = self.t0_at(from_ns if anchor is None else anchor)
        s = self.samples
        run = int(run_ms * RATE / 1000)
        start = max(0, self.index(from_ns, t0))
        end = min(len(s), self.index(until_ns, t0))
        quiet = 0
        for i in range(max(0, start - run), end):
            v = s[i]
            if v > THRESHOLD or v < -THRESHOLD:
                if i >= start and quiet >= run:
                    return t0 + i * 1e9 / RATE
                quiet = 0
            else:
                quiet += 1
        return None

    def last_audible(self, from_ns, until_ns, anchor=None):
        """The last audible sample in [from_ns, until_ns): its time, or None."""
        t0 = self.t0_at(from_ns if anchor is None else anchor)
        s = self.samples
        start = max(0, self.index(from_ns, t0))
        end = min(len(s), self.index(until_ns, t0))
        for i in range(end - 1, start - 1, -1):
            v = s[i]
            if v > THRESHOLD or v < -THRESHOLD:
                return t0 + i * 1e9 / RATE
        return None

    def audible_in(self, from_ns, until_ns, anchor=None):
        return self.last_audible(from_ns, until_ns, anchor) is not None


class Clips:
    """The bundled flow's clips (audio/<flow>/manifest.toml), decoded with
    sox when it is there: what the first utterance of a step sounds like,
    to find it at the sink, and how long it is quiet before its first
    audible sample (its lead-in) at the kiosk's volume."""

    def __init__(self, audio_dir):
        self.dir = audio_dir
        self.files = {}
        self.cache = {}
        self.sox = shutil.which("sox")
        try:
            with open(os.path.join(audio_dir, "manifest.toml"), "rb") as f:
                manifest = tomllib.load(f)
            for c in manifest.get("clip", []):
                self.files[(c["id"], c["lang"], c["rate"])] = c["file"]
        except (OSError, tomllib.TOMLDecodeError):
            pass

    def first_utterance(self, step, lang):
        """(lead-in ms, template at 24 kHz as floats) or None."""
        key = (f"steps.{step}.text", lang, 3)
        if key in self.cache:
            return self.cache[key]
        out = None
        f = self.files.get(key)
        if f and self.sox:
            r = subprocess.run([self.sox, os.path.join(self.dir, f), "-t", "raw", "-e",
                                "signed-integer", "-b", "16", "-c", "1", "-r",
                                str(CLIP_RATE), "-"], capture_output=True, timeout=20)
            if r.returncode == 0:
                pcm = array.array("h")
                pcm.frombytes(r.stdout[: len(r.stdout) // 2 * 2])
                if sys.byteorder != "little":
                    pcm.byteswap()
                thr = THRESHOLD / VOLUME_GAIN
                lead = next((i for i, v in enumerate(pcm) if abs(v) > thr), None)
                if lead is not None:
                    n = int(TEMPLATE_MS * CLIP_RATE / 1000)
                    out = (lead * 1000.0 / CLIP_RATE,
                           [v * VOLUME_GAIN for v in pcm[lead:lead + n]])
        self.cache[key] = out
        return out


def match_template(sink, template, from_ns, until_ns, anchor):
    """Where the template (24 kHz) best fits the sink (48 kHz taken at every
    other sample), by normalised cross-correlation: a coarse pass over every
    other lag of one phase, then every lag of both phases around the best.
    (time of the template's first sample, correlation) or None."""
    from operator import mul
    t0 = sink.t0_at(anchor)
    n = len(template)
    t_norm = math.sqrt(sum(v * v for v in template)) or 1.0
    i0 = sink.index(from_ns, t0)
    i1 = sink.index(until_ns, t0) + 2 * n + 8
    if i0 < 4 or i1 > len(sink.samples):
        return None
    smp = sink.samples

    def ncc(j):
        x = smp[j:j + 2 * n:2]
        e = sum(v * v for v in x)
        if e <= 0:
            return -1.0
        return sum(map(mul, template, x)) / (t_norm * math.sqrt(e))
    best = max((ncc(j), j) for j in range(i0, i1 - 2 * n, 4))
    c, j = max((ncc(k), k) for k in range(best[1] - 4, best[1] + 5))
    return t0 + j * 1e9 / RATE, c


# ----- the private tmux server and one kiosk -----------------------------------------


class Kiosk(bench_common.Kiosk):
    """A kiosk in the audio world (only its variables passed on), at 80x24,
    that never sends an identical key within the repeat guard."""

    def __init__(self, tmux, binary, env, workdir, name, args):
        env_words = [f"{k}={v}" for k, v in env.items() if k in AUDIO_VARS]
        super().__init__(tmux, binary, workdir, name, args, idle_timeout=IDLE_TIMEOUT,
                         wrapper=["env", "-u", "PULSE_SERVER", "-u", "SPEECHD_ADDRESS",
                                  *env_words])
        self.last_sent = {}
        self.sent = []

    def send(self, key):
        """Sends a key, never an identical one within the repeat guard."""
        wait = self.last_sent.get(key, -1e9) + SAME_KEY_GAP - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        super().send(key)
        self.last_sent[key] = time.monotonic()


AUDIO_VARS = ("HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
              "AUDIO_ENV_DIR", "AUDIO_ENV_MODE", "AUDIO_ENV_SINK")


# ----- a walk through the flow ----------------------------------------------------------


class Walk:
    """Where the kiosk is: enough of the engine's rules to choose answer
    keys that always move to another step (src/engine/session.rs)."""

    def __init__(self, flow_file, rng):
        with open(flow_file, "rb") as f:
            self.flow = tomllib.load(f)
        self.start = self.flow["flow"]["start"]
        self.rng = rng
        self.phase = "waiting"
        self.step = self.start

    def kind(self, step=None):
        s = self.flow["steps"][step or self.step]
        return "ending" if "end" in s else "note" if "next" in s else "question"

    def answer_key(self):
        if self.phase == "ended":
            return None
        if self.kind() != "question":
            return "1"
        # Mostly yes: "no" ends the walk early on several questions, and
        # each ending costs a reset.
        return "1" if self.rng.random() < 0.8 else "2"

    def press(self, key):
        """An answer key: the step it shows."""
        s = self.flow["steps"][self.step]
        self.phase = "active"
        target = s["next"] if "next" in s else s["yes"] if key == "1" else s["no"]
        # The bench configures no printer: the engine passes print steps by.
        while "print" in self.flow["steps"][target]:
            target = self.flow["steps"][target]["next"]
        self.step = target
        if self.kind() == "ending":
            self.phase = "ended"
        return target

    def reset(self):
        self.phase = "waiting"
        self.step = self.start

    def spoken(self, step, lang):
        s = self.flow["steps"][step]
        say = s.get("say", {})
        return say.get(lang) or s["text"][lang]


# ----- driving one kiosk run ---------------------------------------------------------


class PlayerDown(Exception):
    """The kiosk's clip player is gone (its log says "audio output failed")."""


def step_speak_after(evs, t_us, kind):
    return next((e for e in evs if e["ev"] == "speak" and e["t_us"] >= t_us
                 and e.get("kind") == kind), None)


def audio_start_of(evs, ident):
    return next((e for e in evs if e["ev"] == "audio_start" and e.get("id") == ident), None)


def drive(kiosk, walk, plan, counts, done, rng, after_pause, backend, snapshot, recorder):
    """Sends keys until every trial type in `counts` has been done that
    many times (`done` counts across attempts; a warm-up key comes first).
    `plan` is a list of trial types taken in turn: 'barge' (an answer key
    while the step plays) or 'pause' (a pause key while the step plays, then
    an answer key in silence). Fills kiosk.sent with the keys, in order,
    with what each was meant to do. Raises PlayerDown when a step meant for
    a clip is not spoken from one."""
    tr = kiosk.trace
    tts = backend == "tts"
    key_timeout = 4.0 if tts else 2.0

    def send(key, role, **extra):
        kiosk.send(key)
        kiosk.sent.append({"key": key, "role": role, "sent_ns": time.monotonic_ns(), **extra})

    pending = []

    def check_pending(timeout):
        """The last answer's step: spoken by the expected backend? (Checked
        late, once the trace has surely been flushed, so as not to wait.)"""
        while pending:
            nkeys, key, step = pending[0]

            def spoken(evs):
                keys = [e for e in evs if e["ev"] == "key"]
                if len(keys) <= nkeys:
                    return None
                return step_speak_after(evs, keys[nkeys]["t_us"], "step")
            sp = tr.wait(spoken, timeout)
            if not sp:
                raise RuntimeError(f"{kiosk.name}: no step spoken after key {key} "
                                   f"(to {step}) within {timeout:g} s")
            pending.pop(0)
            if sp.get("backend") != backend:
                raise PlayerDown(f"step spoken by {sp.get('backend')}, not {backend}")

    def answer(role):
        """An answer key; returns once its sound is heard at the sink."""
        check_pending(2.0)
        nkeys = len(kiosk.sent)
        key = walk.answer_key()
        step = walk.press(key)
        send(key, role, step=step)
        pending.append((nkeys, key, step))
        if not recorder.wait_audible(kiosk.sent[-1]["sent_ns"], key_timeout):
            check_pending(0.5)
            raise RuntimeError(f"{kiosk.name}: nothing audible after key {key} (to {step})")
        return time.monotonic()

    def quiet_before_key():
        # A key "in silence" must find the sink silent (a slow stop would
        # otherwise run into it); wait a little longer if it is not.
        recorder.wait_quiet(0.1, 1.5)

    quiet_before_key()
    started_at = answer("warmup")
    i = 0
    guard = 0
    while any(done[t] < counts[t] for t in counts):
        guard += 1
        if guard > 10 * sum(counts.values()):
            raise RuntimeError(f"{kiosk.name}: the walk does not progress")
        if walk.phase == "ended":
            # Yes on an ending resets the kiosk quietly for the next
            # customer; the next answer wakes it from silence.
            time.sleep(rng.uniform(*PLAY_BEFORE_KEY))
            send("1", "reset")
            walk.reset()
            time.sleep(0.3)
            quiet_before_key()
            started_at = answer("from_reset")
            continue
        trial = plan[i % len(plan)]
        i += 1
        if done[trial] >= counts[trial]:
            continue
        time.sleep(max(0.0, started_at + rng.uniform(*PLAY_BEFORE_KEY) - time.monotonic()))
        if snapshot and sum(done.values()) == 4:
            # What PulseAudio says of the streams while one plays.
            snapshot()
        if trial == "barge":
            started_at = answer("barge")
        else:
            send(".", "pause")
            time.sleep(after_pause)
            quiet_before_key()
            started_at = answer("after_pause")
        done[trial] += 1
    time.sleep(0.5)
    check_pending(2.0)


def player_failures(text):
    return text.count("audio output failed")


def run_case(tmux, binary, env, workdir, name, args, flow_file, rng, plan, counts,
             backend, recorder, snapshot=None, attempts=6):
    """Runs kiosks until the counts are met; a kiosk whose clip player
    fails is stopped and another started (the failure is recorded)."""
    done = {t: 0 for t in counts}
    runs = []
    failures = []
    for attempt in range(attempts):
        kname = name if attempt == 0 else f"{name}-again{attempt}"
        kiosk = Kiosk(tmux, binary, env, workdir, kname, args)
        walk = Walk(flow_file, rng)
        outcome = "done"
        try:
            if not kiosk.trace.wait(lambda evs: any(e["ev"] == "frame" for e in evs), 5.0):
                raise RuntimeError(f"{kname}: no first frame")
            # The speech thread: audio device open and the system voice up.
            deadline = time.monotonic() + 8.0
            while not all(w in kiosk.log_text()
                          for w in ("audio output on", "system voice ready")):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{kname}: speech not ready: {kiosk.log_text()}")
                time.sleep(0.02)
            time.sleep(0.5)
            if backend == "clip" and player_failures(kiosk.log_text()):
                raise PlayerDown("at start-up")
            after_pause = AFTER_PAUSE_TTS if backend == "tts" else AFTER_PAUSE_CLIP
            drive(kiosk, walk, plan, counts, done, rng, after_pause, backend, snapshot,
                  recorder)
            snapshot = None
        except PlayerDown as e:
            outcome = f"clip player failed {e}"
            failures.append({"kiosk": kname, "when": str(e),
                             "log_lines": player_failures(kiosk.log_text())})
            log(f"{kname}: the kiosk's clip player failed ({e}); starting another kiosk")
        finally:
            stopped = kiosk.stop()
            exited_ns = time.monotonic_ns()
            time.sleep(0.35)
            # Sound 0.1-0.35 s after the kiosk exited is not the kiosk's own
            # stream (cpal's ends with the process).
            after_exit = recorder.audible_since(exited_ns + int(0.1e9))
            if after_exit:
                log(f"{kname}: the sink still sounded after the kiosk exited")
            # What the system voice was saying when the kiosk stopped goes on
            # without it: cancel it, so that it does not run into the next.
            subprocess.run(["spd-say", "-C"], env=env, timeout=10,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if not recorder.wait_quiet(0.3, 5.0):
                log(f"{kname}: the sink is not quiet after the kiosk stopped")
        runs.append({"name": kname, "case": name, "args": args, "sent": kiosk.sent,
                     "events": Trace(kiosk.trace_path).poll(), "stopped": stopped,
                     "log": kiosk.log_text(), "walk": walk, "outcome": outcome,
                     "player_failures": player_failures(kiosk.log_text()),
                     "sounding_after_exit": after_exit})
        if outcome == "done":
            return runs, failures
    raise RuntimeError(f"{name}: the clip player failed in {attempts} kiosks in a row")


# ----- reading a run against the recording -----------------------------------------


def playing_at(evs, t_us):
    """Utterance ids with audio_start at or before t_us and no audio_stop
    before it. Earcons are left out: the trace gives them no audio_stop
    (and none lasts over 0.3 s; keys here are further apart)."""
    earcons = {e["id"] for e in evs if e["ev"] == "speak" and e.get("kind") == "earcon"}
    on = set()
    for e in evs:
        if e["t_us"] > t_us:
            break
        if e["ev"] == "audio_start" and e["id"] not in earcons:
            on.add(e["id"])
        elif e["ev"] == "audio_stop":
            on.discard(e["id"])
    return on


def analyse_run(run, sink, speak_kind, lang, clips):
    """One record per key: latencies at the sink and the trace's split."""
    evs = sorted(run["events"], key=lambda e: e["t_us"])
    zero = evs[0].get("mono_ns") if evs and evs[0]["ev"] == "start" else None
    if zero is None:
        raise RuntimeError(f"{run['name']}: trace has no start line with mono_ns")
    keys = [e for e in evs if e["ev"] == "key"]
    problems = []
    if [k["key"] for k in keys] != [s["key"] for s in run["sent"]]:
        problems.append(f"{run['name']}: keys in the trace {[k['key'] for k in keys]} differ "
                        f"from keys sent {[s['key'] for s in run['sent']]}")
        return [], problems

    def ns(t_us):
        return zero + t_us * 1000

    records = []
    for i, (k, s) in enumerate(zip(keys, run["sent"])):
        t = k["t_us"]
        t_next = keys[i + 1]["t_us"] if i + 1 < len(keys) else evs[-1]["t_us"]
        window = [e for e in evs if t <= e["t_us"] < t_next]
        rec = {"run": run["name"], "case": run["case"], "index": i, "key": k["key"], "role": s["role"],
               "lang": lang, "t_us": t, "key_mono_ns": ns(t),
               "sent_to_trace_ms": round((ns(t) - s["sent_ns"]) / 1e6, 3)}
        if s.get("step"):
            rec["step"] = s["step"]
        playing = playing_at(evs, t)
        rec["playing_at_key"] = sorted(playing)
        backends = {e["id"]: e.get("backend") for e in evs if e["ev"] == "speak"}
        if playing:
            rec["playing_backend"] = backends.get(max(playing))
        if not sink.covers(ns(t)) or not sink.covers(ns(t_next)):
            rec["problem"] = "outside the recording"
            records.append(rec)
            continue
        if s["role"] == "pause":
            stop = next((e for e in window if e["ev"] == "audio_stop"), None)
            last = sink.last_audible(ns(t), ns(t_next), ns(t))
            silent_ns = ns(t) if last is None else max(ns(t), last + 1e9 / RATE)
            rec["silent_ms"] = round((silent_ns - ns(t)) / 1e6, 3)
            rec["quiet_at_key"] = last is None
            rec["sounding_before_key"] = sink.audible_in(ns(t) - 150e6, ns(t), ns(t))
            rec["sounding_at_key"] = sink.audible_in(ns(t) - 10e6, ns(t), ns(t))
            if stop:
                rec["key_to_audio_stop_ms"] = round((stop["t_us"] - t) / 1000, 3)
                rec["audio_stop_to_silent_ms"] = round((silent_ns - ns(stop["t_us"])) / 1e6, 3)
            if not playing:
                rec["problem"] = "nothing playing at the pause key"
            records.append(rec)
            continue
        if s["role"] == "reset":
            records.append(rec)
            continue
        sp = next((e for e in window if e["ev"] == "speak" and e.get("kind") == speak_kind),
                  None)
        if sp is None:
            rec["problem"] = f"no {speak_kind} speak after the key"
            records.append(rec)
            continue
        st = next((e for e in window if e["ev"] == "audio_start" and e.get("id") == sp["id"]),
                  None)
        rec["backend"] = sp.get("backend")
        rec["key_to_speak_ms"] = round((sp["t_us"] - t) / 1000, 3)
        if st:
            rec["speak_to_audio_start_ms"] = round((st["t_us"] - sp["t_us"]) / 1000, 3)
        barge = bool(playing)
        rec["mode"] = "barge" if barge else "silence"
        if barge:
            if st is None:
                rec["problem"] = "no audio_start for a barge-in key"
                records.append(rec)
                continue
            search_from = ns(st["t_us"])
        else:
            search_from = ns(t)
            # Silence means silence at the sink too.
            if sink.audible_in(ns(t) - 30e6, ns(t), ns(t)):
                rec["mode"] = "silence?"
                rec["note"] = "audible within 30 ms before the key"
        onset = sink.first_audible(search_from, ns(t_next), ns(t))
        if onset is not None:
            rec["threshold_onset_ms"] = round((onset - ns(t)) / 1e6, 3)
        clip = None
        if speak_kind == "step" and sp.get("backend") == "clip" and s.get("step"):
            clip = clips.first_utterance(s["step"], lang)
        if clip and st:
            # The clip itself, found at the sink: its first audible sample.
            rec["clip_lead_in_ms"] = round(clip[0], 3)
            # Where it can be: after its lead-in, behind the output path.
            lo = ns(st["t_us"]) + (clip[0] - 2) * 1e6
            m = match_template(sink, clip[1], lo, min(ns(t_next), lo + 60e6), ns(t))
            if m:
                rec["match"] = round(m[1], 3)
                rec["match_onset_ms"] = round((m[0] - ns(t)) / 1e6, 3)
            agree = (m and onset is not None and m[1] >= MATCH_AGREE
                     and abs(onset - m[0]) <= 1e6)
            if m and m[1] >= MATCH_MIN:
                if barge or onset is None:
                    onset = m[0]
                    rec["onset_by"] = "match"
            elif agree and barge:
                # A weak match (a noisy onset resampled twice) that the
                # threshold finds within 1 ms: both methods agree.
                rec["onset_by"] = "match+threshold"
        if onset is None:
            rec["problem"] = "nothing audible before the next key"
            records.append(rec)
            continue
        if barge and not rec.get("onset_by", "").startswith("match"):
            rec["note"] = "barge-in onset by threshold (no clip match)"
        rec.setdefault("onset_by", "threshold")
        rec["first_audible_ms"] = round((onset - ns(t)) / 1e6, 3)
        if st:
            rec["audio_start_to_audible_ms"] = round((onset - ns(st["t_us"])) / 1e6, 3)
            if rec.get("clip_lead_in_ms") is not None:
                rec["audio_start_to_sink_less_lead_in_ms"] = round(
                    rec["audio_start_to_audible_ms"] - rec["clip_lead_in_ms"], 3)
        records.append(rec)
    return records, problems


def spd_say_runs(env, recorder, texts, lang, runs, rng, module=None, label=None):
    """spd-say the texts; the launch and cancel moments on CLOCK_MONOTONIC.
    Each is cancelled (`spd-say -C`) 0.15-0.3 s after it is heard."""
    out = []
    # At the kiosk's default volume (level 3: -9 dB, which the kiosk sends
    # speech-dispatcher as -29, src/speech/levels.rs), so that the first
    # audible sample is judged on the same level.
    base = ["spd-say", "-l", lang, "-i", str(SPD_VOLUME)]
    if module:
        base += ["-o", module]
    # Warm-up (not measured): the daemon and the module ready for this language.
    subprocess.run(base + ["-w", texts[0][:20]], env=env, timeout=15,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    recorder.wait_quiet(0.2, 3.0)
    for i in range(runs):
        text = texts[i % len(texts)]
        t0 = time.monotonic_ns()
        subprocess.run(base + ["--", text], env=env, timeout=10,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        recorder.wait_audible(t0, 3.0)
        time.sleep(rng.uniform(0.15, 0.3))
        tc = time.monotonic_ns()
        subprocess.run(["spd-say", "-C"], env=env, timeout=10,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.25)
        recorder.wait_quiet(0.15, 2.0)
        out.append({"lang": lang, "module": label or module or "default", "text": text,
                    "launch_ns": t0, "cancel_ns": tc, "next_ns": time.monotonic_ns()})
    return out


def analyse_spd(trials, sink):
    for r in trials:
        onset = sink.first_audible(r["launch_ns"], r["cancel_ns"])
        r["first_audible_ms"] = None if onset is None else round(
            (onset - r["launch_ns"]) / 1e6, 3)
        last = sink.last_audible(r["cancel_ns"], r["next_ns"])
        r["quiet_at_cancel"] = last is None
        silent = r["cancel_ns"] if last is None else max(r["cancel_ns"], last + 1e9 / RATE)
        r["cancel_silent_ms"] = round((silent - r["cancel_ns"]) / 1e6, 3)
    return trials


# ----- statistics and output -----------------------------------------------------------


def summary(values):
    return bench_common.summary(values, 2)


def tts_flow_copy(src, dst):
    """The bundled flow with another id and every single-line text and say
    changed by one character, so that no clip matches it."""
    with open(src, encoding="utf-8") as f:
        text = f.read()
    text, n_id = re.subn(r'^id = "[a-z0-9-]+"', 'id = "bench-tts"', text, count=1,
                         flags=re.M)

    def change(m):
        mark = "。" if m.group(2) == "ja" else "."
        return f'{m.group(1)}.{m.group(2)} = "{m.group(3)}{mark}"'
    text, n = re.subn(r'^(text|say)\.(ja|en) = "(.*)"$', change, text, flags=re.M)
    if n_id != 1 or n == 0:
        raise RuntimeError("could not write the flow copy for the system voice")
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text)
    return n


def audio_env(action, envdir, env=None, layout=None):
    cmd = [os.path.join(REPO, "scripts", "audio-env"), action]
    if action == "start":
        cmd += ["pulse", envdir, "--speechd"]
    elif action == "speechd":
        cmd += [envdir, layout]
    else:
        cmd += [envdir]
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, env=env,
                          timeout=60).stdout


def exports_to_env(exports):
    """The environment after `eval "$(audio-env start ...)"`."""
    out = subprocess.run(["bash", "-c", 'eval "$1" && env -0', "_", exports],
                         check=True, stdout=subprocess.PIPE).stdout
    env = {}
    for item in out.split(b"\0"):
        if b"=" in item:
            k, _, v = item.partition(b"=")
            env[k.decode()] = v.decode()
    return env


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="target/release/kiosk")
    ap.add_argument("--flow", default="flows/mfa-login.toml",
                    help="the bundled flow's source (for the walk and the TTS copy)")
    ap.add_argument("--socket", default=f"bench-speech-{os.getpid()}")
    ap.add_argument("--out", default="target/bench/speech.json")
    ap.add_argument("--per-case", type=int, default=PER_CASE)
    ap.add_argument("--spd-runs", type=int, default=SPD_RUNS)
    ap.add_argument("--reader", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.reader:
        return reader_main(*args.reader)

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

    binary = os.path.abspath(args.bin)
    flow_file = os.path.abspath(args.flow)
    workdir = bench_common.fresh_workdir(args.out, "speech-runs")
    envdir = os.path.join(workdir, "env")
    quiet_cfg = os.path.join(workdir, "quiet.toml")
    with open(quiet_cfg, "w") as f:
        f.write("[speech]\necho = false\nearcons = false\n")
    generic_cfg = os.path.join(workdir, "generic.toml")
    with open(generic_cfg, "w") as f:
        f.write('[speech]\necho = false\nearcons = false\ntts_layout = "generic"\n')
    earcon_cfg = os.path.join(workdir, "earcons.toml")
    with open(earcon_cfg, "w") as f:
        f.write("[speech]\necho = false\nearcons = true\n")
    tts_flow = os.path.join(workdir, "tts-flow", "flow.toml")
    os.makedirs(os.path.dirname(tts_flow))
    changed = tts_flow_copy(flow_file, tts_flow)
    empty_audio = os.path.join(workdir, "no-clips")
    os.makedirs(empty_audio)
    check = subprocess.run([binary, "check", tts_flow], capture_output=True, text=True)
    if check.returncode != 0:
        log(f"the flow copy does not pass check:\n{check.stdout}{check.stderr}")
        return 1

    rng = random.Random(SEED)
    n = args.per_case
    tmux = Tmux(args.socket)
    recorder = None
    env_started = False
    began = time.monotonic()
    runs = []
    spd = []
    snapshots = {}
    player_down = []
    load_before = os.getloadavg()
    try:
        log(f"audio world in {os.path.relpath(envdir, REPO)}")
        env_started = True
        env = exports_to_env(audio_env("start", envdir))
        recorder = Recorder(env, workdir)
        parec_first_ms = recorder.wait_for_data()
        log(f"parec delivering ({parec_first_ms:.0f} ms to its first data)")
        tmux.start()
        both = ["barge", "pause"]
        cases = [
            ("a-clip-ja", ["--config", quiet_cfg], both, {"barge": n, "pause": n}, False),
            ("b-clip-en", ["--config", quiet_cfg, "--lang", "en"], both,
             {"barge": n, "pause": n}, False),
            ("c-earcon", ["--config", earcon_cfg], ["pause"], {"pause": n}, False),
            ("e-tts-en", ["--config", quiet_cfg, "--lang", "en", "--flow", tts_flow,
                          "--audio-dir", empty_audio], ["pause"], {"pause": n}, True),
            ("e-tts-ja", ["--config", quiet_cfg, "--flow", tts_flow,
                          "--audio-dir", empty_audio], ["pause"], {"pause": n}, True),
        ]
        for name, kargs, plan, counts, tts in cases:
            log(f"{name}: {', '.join(f'{v} {k}' for k, v in counts.items())}")
            walk_flow = tts_flow if tts else flow_file

            def snapshot(name=name):
                snapshots[name] = {
                    what: subprocess.run(["pactl", "list", what], env=env, timeout=5,
                                         capture_output=True, text=True).stdout
                    for what in ("sinks", "sink-inputs", "source-outputs")}
            got, failed = run_case(tmux, binary, env, workdir, name, kargs, walk_flow, rng,
                                   plan, counts, "tts" if tts else "clip", recorder,
                                   snapshot)
            runs += got
            player_down += failed
        # f: spd-say with the texts the kiosk spoke through the voice.
        for lang in ("en", "ja"):
            texts = [r["walk"].spoken(s["step"], lang) for r in runs
                     if r["case"] == f"e-tts-{lang}" for s in r["sent"] if s.get("step")]
            log(f"f-spd-say-{lang}: {args.spd_runs} runs")
            spd += spd_say_runs(env, recorder, texts, lang, args.spd_runs, rng)
        texts = [r["walk"].spoken(s["step"], "en") for r in runs
                 if r["case"] == "e-tts-en" for s in r["sent"] if s.get("step")]
        extra = max(1, args.spd_runs // 2)
        log(f"f-spd-say-en via the espeak-ng module: {extra} runs")
        spd += spd_say_runs(env, recorder, texts, "en", extra, rng, module="espeak-ng")
        # g: the other layout, for the comparison DESIGN section 4 asks for:
        # one sd_generic module for both languages, chosen by voice (tts).
        log("g: speech-dispatcher restarted with --layout generic")
        audio_env("speechd", envdir, layout="generic")
        for name, kargs in (
                ("g-tts-en", ["--config", generic_cfg, "--lang", "en", "--flow", tts_flow,
                              "--audio-dir", empty_audio]),
                ("g-tts-ja", ["--config", generic_cfg, "--flow", tts_flow,
                              "--audio-dir", empty_audio])):
            log(f"{name}: {n} pause")
            got, failed = run_case(tmux, binary, env, workdir, name, kargs, tts_flow, rng,
                                   ["pause"], {"pause": n}, "tts", recorder, lambda: None)
            runs += got
            player_down += failed
        for lang in ("en", "ja"):
            texts = [r["walk"].spoken(s["step"], lang) for r in runs
                     if r["case"] == f"e-tts-{lang}" for s in r["sent"] if s.get("step")]
            log(f"g-spd-say-{lang} (generic layout): {extra} runs")
            spd += spd_say_runs(env, recorder, texts, lang, extra, rng, label="generic")
        time.sleep(0.2)
    except Interrupted as e:
        log(f"interrupted (signal {e.args[0]}); cleaning up")
        return 128 + e.args[0]
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        detail = getattr(e, "stderr", "") or ""
        log(f"could not measure: {e} {detail}".strip())
        return 1
    finally:
        # Ignore further signals while the world is taken down.
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        tmux.kill()
        if recorder:
            recorder.stop()
        if env_started:
            try:
                audio_env("stop", envdir)
            except (subprocess.SubprocessError, OSError) as e:
                log(f"audio-env stop: {e}")
    load_after = os.getloadavg()
    measured_s = time.monotonic() - began

    log("analysing the recording")
    sink = Sink(recorder.raw, recorder.times)
    clips = Clips(os.path.join(os.path.dirname(flow_file), "..", "audio", "mfa-login"))
    records, problems = [], []
    for run in runs:
        kind = "earcon" if run["case"] == "c-earcon" else "step"
        lang = "en" if "--lang" in run["args"] else "ja"
        recs, probs = analyse_run(run, sink, kind, lang, clips)
        records += recs
        problems += probs
        if run["stopped"] != "stopped":
            problems.append(f"{run['name']}: kiosk did not stop on SIGTERM")
    analyse_spd(spd, sink)
    for r in records:
        if r.get("problem"):
            problems.append(f"{r['run']} key #{r['index']} {r['key']} ({r['role']}): "
                            f"{r['problem']}")

    def sel(run, roles=None, mode=None, backend=None):
        out = []
        for r in records:
            if r["case"] != run or r.get("problem") or r["role"] == "warmup":
                continue
            if roles and r["role"] not in roles:
                continue
            if mode and r.get("mode") != mode:
                continue
            if backend and r.get("backend") != backend:
                continue
            out.append(r)
        return out

    answers = ("barge", "after_pause", "from_reset")
    unresolved = []
    if clips.sox:
        # A barge-in onset counts only where the clip itself was found at
        # the sink: the old clip's tail can run into the new one with no
        # silence between, and the threshold would then find a later onset.
        for r in records:
            if r.get("mode") == "barge" and r.get("backend") == "clip" \
                    and not r.get("onset_by", "").startswith("match") \
                    and not r.get("problem"):
                r["problem"] = "barge-in onset not resolved (the clip was not found at the sink)"
                unresolved.append(r)
    groups = {}  # name -> (records, value field)
    groups["a clip ja: key->first audible (barge-in)"] = (
        sel("a-clip-ja", answers, "barge", "clip"), "first_audible_ms")
    groups["a clip ja: key->first audible (in silence)"] = (
        sel("a-clip-ja", answers, "silence", "clip"), "first_audible_ms")
    groups["b clip en: key->first audible (barge-in)"] = (
        sel("b-clip-en", answers, "barge", "clip"), "first_audible_ms")
    groups["b clip en: key->first audible (in silence)"] = (
        sel("b-clip-en", answers, "silence", "clip"), "first_audible_ms")
    groups["c earcon: key->first audible (in silence)"] = (
        sel("c-earcon", answers, "silence", "clip"), "first_audible_ms")
    groups["d clip: pause->silent"] = (
        [r for run in ("a-clip-ja", "b-clip-en", "c-earcon") for r in sel(run, ["pause"])
         if r.get("playing_backend") == "clip"], "silent_ms")
    groups["e tts en: key->first audio"] = (
        sel("e-tts-en", answers, "silence", "tts"), "first_audible_ms")
    groups["e tts ja: key->first audio"] = (
        sel("e-tts-ja", answers, "silence", "tts"), "first_audible_ms")
    groups["e tts: pause->silent"] = (
        [r for r in sel("e-tts-en", ["pause"]) + sel("e-tts-ja", ["pause"])
         if r.get("playing_backend") == "tts"], "silent_ms")
    groups["g tts en, generic layout: key->first audio"] = (
        sel("g-tts-en", answers, "silence", "tts"), "first_audible_ms")
    groups["g tts ja, generic layout: key->first audio"] = (
        sel("g-tts-ja", answers, "silence", "tts"), "first_audible_ms")
    groups["g tts, generic layout: pause->silent"] = (
        [r for r in sel("g-tts-en", ["pause"]) + sel("g-tts-ja", ["pause"])
         if r.get("playing_backend") == "tts"], "silent_ms")
    budget_of = {
        "a clip ja: key->first audible (barge-in)": "clip_first_audible",
        "a clip ja: key->first audible (in silence)": "clip_first_audible",
        "b clip en: key->first audible (barge-in)": "clip_first_audible",
        "b clip en: key->first audible (in silence)": "clip_first_audible",
        "c earcon: key->first audible (in silence)": "earcon_first_audible",
        "d clip: pause->silent": "clip_pause_silent",
        "e tts en: key->first audio": "tts_first_audio_en",
        "e tts ja: key->first audio": "tts_first_audio_ja",
        "e tts: pause->silent": "tts_pause_silent",
        "g tts en, generic layout: key->first audio": "tts_first_audio_en",
        "g tts ja, generic layout: key->first audio": "tts_first_audio_ja",
        "g tts, generic layout: pause->silent": "tts_pause_silent",
    }
    spd_groups = {
        "f spd-say en (default module): first audio": [
            r for r in spd if r["lang"] == "en" and r["module"] == "default"],
        "f spd-say ja (default module): first audio": [
            r for r in spd if r["lang"] == "ja" and r["module"] == "default"],
        "f spd-say en (-o espeak-ng): first audio": [
            r for r in spd if r["module"] == "espeak-ng"],
        "g spd-say en, generic layout: first audio": [
            r for r in spd if r["lang"] == "en" and r["module"] == "generic"],
        "g spd-say ja, generic layout: first audio": [
            r for r in spd if r["lang"] == "ja" and r["module"] == "generic"],
    }

    rows = []
    cases = {}
    for name, (recs, field) in groups.items():
        vals = [r[field] for r in recs if r.get(field) is not None]
        s = summary(vals)
        budget = BUDGETS[budget_of[name]]
        ok = None if not vals else s["p99"] <= budget
        if not vals:
            ok = False
        split = {}
        for f in ("key_to_speak_ms", "speak_to_audio_start_ms", "audio_start_to_audible_ms",
                  "clip_lead_in_ms", "audio_start_to_sink_less_lead_in_ms",
                  "key_to_audio_stop_ms", "audio_stop_to_silent_ms", "sent_to_trace_ms",
                  "match"):
            v = [r[f] for r in recs if r.get(f) is not None]
            if v:
                split[f] = summary(v)
        extra = {}
        if field == "silent_ms":
            extra["quiet_at_key"] = sum(1 for r in recs if r.get("quiet_at_key"))
            extra["sounding_at_key"] = summary(
                [r[field] for r in recs if r.get("sounding_at_key")])
        if field == "first_audible_ms":
            both = [r["threshold_onset_ms"] - r["match_onset_ms"] for r in recs
                    if r.get("mode") == "silence" and r.get("match", 0) >= MATCH_MIN
                    and r.get("threshold_onset_ms") is not None]
            if both:
                extra["silence_threshold_minus_match_ms"] = summary(both)
        cases[name] = {**s, "budget_p99_ms": budget, "ok": ok, "split": split, **extra,
                       "values": vals}
        rows.append((name, s, f"<= {budget:g}", ok))
    for name, recs in spd_groups.items():
        vals = [r["first_audible_ms"] for r in recs if r["first_audible_ms"] is not None]
        s = summary(vals)
        cancel = [r["cancel_silent_ms"] for r in recs]
        cases[name] = {**s, "missing": len(recs) - len(vals), "values": vals,
                       "cancel_silent": summary(cancel), "cancel_values": cancel}
        rows.append((name, s, "", None))
        rows.append((name.replace("first audio", "spd-say -C->silent"), summary(cancel),
                     "", None))

    # The same text through the kiosk and through spd-say.
    paired = {}
    for lang in ("en", "ja"):
        spoken = {}
        for r in groups[f"e tts {lang}: key->first audio"][0]:
            run = next(x for x in runs if x["name"] == r["run"])
            spoken.setdefault(run["walk"].spoken(r["step"], lang), []).append(
                r["first_audible_ms"])
        diffs = []
        for x in spd:
            if x["lang"] == lang and x["module"] == "default" and x["text"] in spoken \
                    and x["first_audible_ms"] is not None:
                diffs.append(statistics.median(spoken[x["text"]]) - x["first_audible_ms"])
        paired[lang] = summary(diffs)

    warmups = [{"run": r["run"], "first_audible_ms": r.get("first_audible_ms"),
                "backend": r.get("backend"), "problem": r.get("problem")}
               for r in records if r["role"] == "warmup"]
    device = sorted({m.group(0) for run in runs
                     for m in re.finditer(r"audio output on .*", run["log"])})
    # The g rows are the layout not chosen: a comparison, not a budget.
    ok = all(c.get("ok") is not False for name, c in cases.items()
             if "budget_p99_ms" in c and not name.startswith("g "))
    report = {
        **bench_common.report_head("speech", binary, began, loadavg_before=load_before,
                                   loadavg_after=load_after),
        "seconds_measuring": round(measured_s, 1),
        "settings": {
            "per_case": n, "spd_runs": args.spd_runs, "seed": SEED,
            "threshold": f"|s| > {THRESHOLD} (0.01 full scale)",
            "silent_run_ms": SILENT_RUN_MS, "play_before_key_s": list(PLAY_BEFORE_KEY),
            "after_pause_s": {"clip": AFTER_PAUSE_CLIP, "tts": AFTER_PAUSE_TTS},
            "percentile": "nearest rank (with 30 values p99 is the maximum)",
            "tts_flow_texts_changed": changed,
            "kiosk_audio_device": device,
        },
        "budgets_p99_ms": BUDGETS,
        "alignment": {**sink.alignment, "parec_first_data_ms": round(parec_first_ms, 1)},
        "cases": cases,
        "warmups": warmups,
        "tts_kiosk_minus_spd_say_same_text_ms": paired,
        "keys": records,
        "spd_say": spd,
        "kiosks": [{"name": r["name"], "case": r["case"], "args": r["args"],
                    "keys": len(r["sent"]), "outcome": r["outcome"],
                    "stopped": r["stopped"], "audio_output_failed_lines": r["player_failures"],
                    "sounding_0.1_to_0.35_s_after_exit": r["sounding_after_exit"]}
                   for r in runs],
        "clip_player_failures": player_down,
        "barge_in_unresolved": len(unresolved),
        "pactl_while_playing": snapshots,
        "problems": problems,
        "ok": ok,
    }
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1, ensure_ascii=False)
        f.write("\n")

    bench_common.print_title(report)
    a = sink.alignment
    print(f"  alignment: reads {a['read_above_local_envelope_ms']['median']}/"
          f"{a['read_above_local_envelope_ms']['p99']} ms above the local envelope "
          f"(median/p99), parec blocks {a['read_block_ms']['median']} ms; the recording "
          f"gained {-(a['drift_ms_whole_recording'] or 0):g} ms on the clock over "
          f"{a['seconds']:g} s (sink rewinds), corrected locally")
    w0 = max(len(r[0]) for r in rows)
    print(f"  {'case (ms)':<{w0}}  {'n':>3}  {'median':>7}  {'p90':>7}  {'p99':>7}  "
          f"{'max':>7}  {'budget p99':<10}  ok")
    for name, s, budget, good in rows:
        if s.get("count"):
            vals = "  ".join(f"{s[k]:>7.1f}" for k in ("median", "p90", "p99", "max"))
        else:
            vals = "  ".join(f"{'-':>7}" for _ in range(4))
        mark = {True: "ok", False: "FAIL", None: ""}[good]
        print(f"  {name:<{w0}}  {s.get('count', 0):>3}  {vals}  {budget:<10}  {mark}")
    print("  where the time goes (medians / p99, ms):")
    for name, c in cases.items():
        sp = c.get("split") or {}
        parts = []
        for f, label in (("key_to_speak_ms", "key->speak"),
                         ("speak_to_audio_start_ms", "speak->audio_start"),
                         ("audio_start_to_audible_ms", "audio_start->sink"),
                         ("clip_lead_in_ms", "of which clip lead-in"),
                         ("audio_start_to_sink_less_lead_in_ms", "output path"),
                         ("key_to_audio_stop_ms", "key->audio_stop"),
                         ("audio_stop_to_silent_ms", "audio_stop->sink silent")):
            if f in sp:
                parts.append(f"{label} {sp[f]['median']}/{sp[f]['p99']}")
        if parts:
            print(f"    {name}: {', '.join(parts)}")
    for lang, d in paired.items():
        if d.get("count"):
            print(f"    tts {lang}, the same text: kiosk minus spd-say {d['median']} ms median "
                  f"(n {d['count']}, p90 {d['p90']})")
    for name, (recs, field) in groups.items():
        if cases[name].get("ok") is False and field == "first_audible_ms" and recs:
            worst = sorted(recs, key=lambda r: -r[field])[:3]
            print(f"  slowest, {name}: " + "; ".join(
                f"{r[field]:.1f} ({r.get('step')}"
                + (f", lead-in {r['clip_lead_in_ms']:.1f}" if "clip_lead_in_ms" in r else "")
                + ")" for r in worst))
    if warmups:
        print("  warm-up keys (not counted): " + ", ".join(
            f"{w['run']} {w['first_audible_ms']}" for w in warmups))
    if unresolved:
        print(f"  barge-in keys left out, the new clip not found at the sink: {len(unresolved)}")
    if player_down:
        print(f"  the kiosk's clip player failed in {len(player_down)} of {len(runs)} kiosks "
              "(log: \"audio output failed\"; another kiosk was started): "
              + ", ".join(f"{f['kiosk']} {f['when']}" for f in player_down))
    bench_common.print_verdict(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
