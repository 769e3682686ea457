"""Renders every utterance of a flow into Ogg Vorbis clips plus a manifest.

Run through scripts/render-audio, which prepares the private venv (with
pyopenjtalk-plus) and builds the kiosk binary that lists the utterances.

Contract with the Rust side (src/speech): `<out>/<flow-id>/manifest.toml`
lists one [[clip]] per (utterance id, language, rate); `hash` is the first 16
hex digits of SHA-256 over `lang \n voice \n rate \n text`, and `file` is
`<lang>/r<rate>/<hash>.ogg` relative to the manifest.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import tomllib
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Kiosk speech-rate levels: multiplier on the voice's normal speaking speed.
RATE_FACTOR = {1: 0.70, 2: 0.85, 3: 1.00, 4: 1.20, 5: 1.40}
# Level 3 is the default; level 2 is the automatic slow-down after two repeats.
RENDER_RATES = (3, 2)
# espeak-ng's -s at level 3. Measured on the bundled English texts: -s 175
# spoke about 200 words a minute, too fast for older listeners; this
# (-s 122) speaks about 150 in the trimmed clips, as the content issue asks.
ESPEAK_BASE_WPM = 122

SAMPLE_RATE = 24000  # every clip: mono, 24 kHz
OGG_QUALITY = "0"  # oggenc -q 0: ~32-40 kbit/s for mono 24 kHz speech
PEAK_DBFS = -3.0
SILENCE_DB = -45.0  # below the clip's peak: what counts as silence at the end
# Below the clip's peak: where the clip starts. Open JTalk's onsets rise
# slowly, so a -45 dB start left up to 48 ms before anything audible at the
# kiosk's default volume (bench speech); -30 dB starts on the first phoneme.
ONSET_DB = -30.0
FADE_IN_S = 0.003  # a short fade so starting mid-onset never clicks
# A high shelf that lifts the consonants (s, f, h, t: 3 kHz and up) that
# older ears lose first. It also makes a clip that opens on a soft
# fricative audible sooner: "From now on" went from 22 ms to 5 ms between
# its start and its first sample audible at the kiosk's default volume.
TREBLE_DB = 6.0
TREBLE_HZ = 3000
KEEP_LEAD_S = 0.005  # kept before the first sound: sound starts within one audio buffer
KEEP_TAIL_S = 0.050  # kept after the last sound, for its decay

MANIFEST_HEADER = "# Written by scripts/render-audio; do not edit by hand.\n"
MANIFEST_FORMAT = 1

_jtalk_lock = threading.Lock()
_pyopenjtalk = None


def die(msg: str) -> None:
    print(f"render-audio: {msg}", file=sys.stderr)
    sys.exit(1)


def voice_for(lang: str) -> str:
    # The speed is part of the voice, so a speed change renders every clip
    # again even with --only-missing.
    return "openjtalk:mei" if lang == "ja" else f"espeak-ng:{lang}@{ESPEAK_BASE_WPM}"


def clip_hash(lang: str, voice: str, rate: int, text: str) -> str:
    key = f"{lang}\n{voice}\n{rate}\n{text}".encode("utf-8")
    return hashlib.sha256(key).hexdigest()[:16]


def espeak_wpm(rate: int) -> int:
    # Round half up (Python's round() would take 122.5 to 122).
    return int(ESPEAK_BASE_WPM * RATE_FACTOR[rate] + 0.5)


@dataclass(frozen=True)
class Clip:
    id: str
    lang: str
    rate: int
    voice: str
    text: str
    hash: str

    @property
    def file(self) -> str:
        return f"{self.lang}/r{self.rate}/{self.hash}.ogg"


# --- Synthesis ---------------------------------------------------------------


def jtalk():
    """pyopenjtalk, imported once; its import prints a warning about the
    optional ONNX model to stdout, which is kept out of our output."""
    global _pyopenjtalk
    if _pyopenjtalk is None:
        with contextlib.redirect_stdout(io.StringIO()):
            import pyopenjtalk  # noqa: PLC0415

        _pyopenjtalk = pyopenjtalk
    return _pyopenjtalk


def synth_openjtalk(text: str, rate: int) -> tuple[np.ndarray, int]:
    pj = jtalk()
    with _jtalk_lock:
        # predict_nani needs onnxruntime (not installed); say so explicitly so
        # the output does not change if it ever gets installed.
        x, sr = pj.tts(text, speed=RATE_FACTOR[rate], predict_nani=False)
    return np.asarray(x, dtype=np.float64) / 32768.0, int(sr)


def synth_espeak(lang: str, text: str, rate: int) -> tuple[np.ndarray, int]:
    out = subprocess.run(
        ["espeak-ng", "-v", lang, "-s", str(espeak_wpm(rate)), "--stdin", "--stdout"],
        input=text.encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if out.returncode != 0 or not out.stdout:
        raise RuntimeError(f"espeak-ng failed: {out.stderr.decode(errors='replace').strip()}")
    return read_wav(out.stdout)


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    # espeak-ng writes a streaming WAV header with bogus sizes: read what is there.
    with wave.open(io.BytesIO(data)) as w:
        if w.getsampwidth() != 2:
            raise RuntimeError("expected 16-bit WAV")
        sr, ch = w.getframerate(), w.getnchannels()
        frames = w.readframes(w.getnframes() or 1 << 30)
    x = np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0
    if ch > 1:
        x = x.reshape(-1, ch).mean(axis=1)
    return x, sr


def emphasise(x: np.ndarray, sr: int) -> np.ndarray:
    """The consonant shelf (TREBLE_DB above TREBLE_HZ), through sox."""
    raw = ["-t", "raw", "-e", "floating-point", "-b", "32", "-c", "1", "-r", str(sr)]
    out = subprocess.run(
        ["sox", "-R", "-D", *raw, "-", *raw, "-", "treble", f"+{TREBLE_DB:g}", str(TREBLE_HZ)],
        input=x.astype("<f4").tobytes(), capture_output=True, check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"sox treble failed: {out.stderr.decode(errors='replace').strip()}")
    return np.frombuffer(out.stdout, dtype="<f4").astype(np.float64)


def trim(x: np.ndarray, sr: int) -> np.ndarray:
    """Cut the leading and trailing silence, keeping a few ms of margin."""
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak <= 0.0:
        raise RuntimeError("the voice produced silence")
    loud = np.nonzero(np.abs(x) >= peak * 10 ** (SILENCE_DB / 20))[0]
    onset = np.nonzero(np.abs(x) >= peak * 10 ** (ONSET_DB / 20))[0]
    start = max(0, int(onset[0]) - int(KEEP_LEAD_S * sr))
    end = min(x.size, int(loud[-1]) + 1 + int(KEEP_TAIL_S * sr))
    out = x[start:end].copy()
    fade = min(out.size, int(FADE_IN_S * sr))
    out[:fade] *= np.linspace(0.0, 1.0, fade, endpoint=False)
    return out


def encode(x: np.ndarray, sr: int, dest: Path, serial: int) -> None:
    """Resample to SAMPLE_RATE, normalise the peak, encode to Ogg Vorbis."""
    sox = subprocess.Popen(
        # -R: repeatable; -D: no dither (it is random noise and costs bits).
        ["sox", "-R", "-D", "-t", "raw", "-e", "floating-point", "-b", "32",
         "-c", "1", "-r", str(sr), "-",
         "-t", "wav", "-e", "signed-integer", "-b", "16", "-c", "1", "-",
         "rate", "-v", str(SAMPLE_RATE), "gain", "-n", str(PEAK_DBFS)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    tmp = dest.with_name(f".{dest.name}.tmp")
    # A fixed stream serial (oggenc picks a random one) keeps files repeatable.
    ogg = subprocess.Popen(
        ["oggenc", "-Q", "-q", OGG_QUALITY, "-s", str(serial), "-o", str(tmp), "-"],
        stdin=sox.stdout, stderr=subprocess.PIPE,
    )
    assert sox.stdout is not None and sox.stdin is not None
    sox.stdout.close()
    # Write from another thread: sox's `gain -n` reads everything before output.
    feeder = threading.Thread(target=_feed, args=(sox.stdin, x.astype("<f4").tobytes()))
    feeder.start()
    sox_err = sox.stderr.read() if sox.stderr else b""
    ogg_err = ogg.stderr.read() if ogg.stderr else b""
    feeder.join()
    if sox.wait() != 0:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"sox failed: {sox_err.decode(errors='replace').strip()}")
    if ogg.wait() != 0:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"oggenc failed: {ogg_err.decode(errors='replace').strip()}")
    os.replace(tmp, dest)


def _feed(pipe, data: bytes) -> None:
    try:
        pipe.write(data)
    except BrokenPipeError:
        pass
    finally:
        with contextlib.suppress(BrokenPipeError):
            pipe.close()


def render(clip: Clip, dest: Path) -> float:
    if clip.voice == "openjtalk:mei":
        x, sr = synth_openjtalk(clip.text, clip.rate)
    else:
        x, sr = synth_espeak(clip.lang, clip.text, clip.rate)
    x = trim(emphasise(x, sr), sr)
    dest.parent.mkdir(parents=True, exist_ok=True)
    encode(x, sr, dest, int(clip.hash[:8], 16) & 0x7FFFFFFF)
    return x.size / sr


# --- Utterances and the manifest ---------------------------------------------


def utterances(kiosk: str, flow: Path) -> list[dict]:
    out = subprocess.run([kiosk, "utterances", str(flow)], capture_output=True, check=False)
    if out.returncode != 0:
        sys.stderr.write(out.stderr.decode(errors="replace"))
        die(f"`kiosk utterances {flow}` failed")
    items = []
    for n, line in enumerate(out.stdout.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            u = json.loads(line)
            items.append({"id": str(u["id"]), "lang": str(u["lang"]), "text": str(u["text"])})
        except (ValueError, KeyError) as e:
            die(f"kiosk utterances: line {n}: {e}: {line[:120]}")
    return items


def toml_str(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def manifest_text(flow_id: str, clips: list[Clip]) -> str:
    parts = [MANIFEST_HEADER, f"format = {MANIFEST_FORMAT}\n", f"flow = {toml_str(flow_id)}\n"]
    for c in clips:
        parts.append(
            "\n[[clip]]\n"
            f"id = {toml_str(c.id)}\n"
            f"lang = {toml_str(c.lang)}\n"
            f"rate = {c.rate}\n"
            f"voice = {toml_str(c.voice)}\n"
            f"text = {toml_str(c.text)}\n"
            f'hash = "{c.hash}"\n'
            f'file = "{c.file}"\n'
        )
    return "".join(parts)


def existing_hashes(manifest: Path) -> set[str]:
    if not manifest.is_file():
        return set()
    try:
        data = tomllib.loads(manifest.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        print(f"render-audio: ignoring unreadable {manifest}: {e}", file=sys.stderr)
        return set()
    return {c["hash"] for c in data.get("clip", []) if isinstance(c, dict) and "hash" in c}


def prune(flow_dir: Path, keep: set[str]) -> int:
    """Remove clips the manifest no longer names (and leftovers of a crash)."""
    removed = 0
    for path in sorted(flow_dir.glob("*/r*/*")):
        rel = path.relative_to(flow_dir).as_posix()
        if path.is_file() and rel not in keep:
            path.unlink()
            removed += 1
    for d in sorted(flow_dir.glob("*/r*"), reverse=True) + sorted(flow_dir.glob("*")):
        if d.is_dir() and not any(d.iterdir()):
            d.rmdir()
    return removed


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    ap = argparse.ArgumentParser(prog="render-audio")
    ap.add_argument("flow", type=Path)
    ap.add_argument("out", type=Path, help="output root; clips go in OUT/<flow-id>/")
    ap.add_argument("--kiosk", required=True, help="the kiosk binary")
    ap.add_argument("--only-missing", action="store_true")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()

    for tool in ("espeak-ng", "sox", "oggenc"):
        if shutil.which(tool) is None:
            die(f"{tool} not found: run scripts/setup")

    try:
        flow_id = tomllib.loads(args.flow.read_text("utf-8"))["flow"]["id"]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as e:
        die(f"{args.flow}: cannot read [flow] id: {e}")
    if not isinstance(flow_id, str) or not flow_id or "/" in flow_id or flow_id.startswith("."):
        die(f"{args.flow}: unusable flow id {flow_id!r}")

    started = time.monotonic()
    clips: list[Clip] = []
    skipped_empty = 0
    for u in utterances(args.kiosk, args.flow):
        text = u["text"]
        if not text.strip():
            skipped_empty += 1
            continue
        voice = voice_for(u["lang"])
        for rate in RENDER_RATES:
            h = clip_hash(u["lang"], voice, rate, text)
            clips.append(Clip(u["id"], u["lang"], rate, voice, text, h))
    clips.sort(key=lambda c: (c.lang, c.rate, c.id))

    flow_dir = args.out / flow_id
    manifest = flow_dir / "manifest.toml"
    have = existing_hashes(manifest) if args.only_missing else set()

    todo: dict[str, Clip] = {}
    for c in clips:
        if c.hash in todo:
            continue
        if c.hash in have and (flow_dir / c.file).is_file():
            continue
        todo[c.hash] = c

    print(
        f"render-audio: {flow_id}: {len(clips)} clips "
        f"({len({(c.id, c.lang) for c in clips})} utterances x {len(RENDER_RATES)} rates), "
        f"{len(todo)} to render",
        file=sys.stderr,
    )
    flow_dir.mkdir(parents=True, exist_ok=True)
    failed = []
    done = 0
    # Japanese synthesis runs one at a time (one engine); espeak-ng, sox and
    # oggenc are processes and run alongside it.
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(render, c, flow_dir / c.file): c for c in todo.values()}
        for fut in concurrent.futures.as_completed(futures):
            c = futures[fut]
            try:
                fut.result()
            except Exception as e:  # noqa: BLE001 - report every failed clip
                failed.append(c)
                print(f"render-audio: {c.lang} r{c.rate} {c.id}: {e}", file=sys.stderr)
            done += 1
            if sys.stderr.isatty():
                print(f"\r  {done}/{len(todo)}", end="", file=sys.stderr, flush=True)
    if todo and sys.stderr.isatty():
        print(file=sys.stderr)
    if failed:
        die(f"{len(failed)} clip(s) failed; manifest not written")

    text = manifest_text(flow_id, clips)
    if not manifest.is_file() or manifest.read_text("utf-8") != text:
        tmp = manifest.with_name(".manifest.toml.tmp")
        tmp.write_text(text, "utf-8")
        os.replace(tmp, manifest)
    removed = prune(flow_dir, {c.file for c in clips})

    size = dir_size(flow_dir)
    print(
        f"render-audio: wrote {manifest} ({len({c.file for c in clips})} files, "
        f"{size / 1e6:.2f} MB; {len(todo)} rendered, {removed} stale removed"
        + (f", {skipped_empty} empty texts skipped" if skipped_empty else "")
        + f") in {time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
