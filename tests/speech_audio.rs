//! Speech through real audio (DESIGN sections 4 and 9): the release `kiosk`
//! binary runs fullscreen in a private tmux server, as in tests/e2e_tmux.rs,
//! but speaking, inside an isolated audio world from `scripts/audio-env`
//! (no sound card needed):
//!
//! - `file` mode: ALSA's default PCM writes every stream to a WAV file in
//!   the world's `capture/` directory (unpaced: it can never time anything,
//!   and the kiosk's open stream grows its file by ~90 MB a second, so those
//!   kiosks run for as short a time as the test allows);
//! - `pulse` mode: a private PulseAudio with a null sink, in real time,
//!   recorded with `parec` for timings.
//!
//! Each test starts its world with `audio-env start` (its exports evaluated
//! by bash, the resulting environment handed to tmux and so to the kiosk) and
//! stops it when the test ends, pass or fail (`AudioWorld`'s `Drop`, after
//! the kiosk's). Every wait polls against a deadline. The tests run one at a
//! time (`serial`): this machine has two CPUs, a file-mode kiosk keeps one
//! busy, and the timing tests must not share them with it.
//!
//! A test that needs an audio tool that is not installed (speech-dispatcher,
//! PulseAudio, aplay, espeak-ng) says `SKIPPED …` and passes; scripts/setup
//! installs them all. Run with `--nocapture` to see what each test measured.

mod common;

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{BufReader, Read};
use std::ops::Deref;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, sleep, JoinHandle};
use std::time::{Duration, Instant};

use common::{poll, root, tempdir, write_run_script, Pane, WAIT};
use counter_kiosk::engine::Level;
use counter_kiosk::speech::{decode, levels};
use serde_json::Value;

/// speech-dispatcher's cold start (autospawn ~0.4 s, first Open JTalk run).
/// A cold speech-dispatcher on a loaded machine can miss the kiosk's 2 s
/// start bound; the kiosk then takes the late connection when it comes.
const SPEECHD_WAIT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(20);

/// A 10 ms window louder than this (RMS, full scale 1.0) is sound.
const SOUND_RMS: f64 = 0.01;

/// The bundled flow (flows/mfa-login.toml).
const WELCOME_JA: &str = "ログインの二段階認証で、先に進めずお困りですか？";
const ABOUT_MFA_JA: &str = "二段階認証では、パスワードのほかに";
const ABOUT_MFA_CLIP: &str = "steps.about_mfa.text";

/// The test flow (tests/speech/flow.toml): no clips anywhere.
const ASK_JA: &str = "おちゃを のみますか？";
const BOIL_JA: &str = "まず、おゆを わかします。";
const BOIL_EN: &str = "First, boil the water.";
const LEAVES_JA: &str = "つぎに、ちゃばを いれます。";
const WAITED_JA: &str = "さんぷん まちましたか？";
const SERVED_JA: &str = "おちゃが できました。";

/// The staff mark for "no voice" (flow phrase `no_voice` in brackets).
const NO_VOICE_MARK: &str = "[音声なし]";

// ---------------------------------------------------------------------------
// Small helpers

/// One test at a time (see the module comment); a failed test's poisoned
/// lock still lets the next one run.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// True when every tool is on PATH; otherwise says which are missing, so
/// the caller can skip.
fn tools_present(test: &str, tools: &[&str]) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|tool| !std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()))
        .collect();
    if missing.is_empty() {
        return true;
    }
    eprintln!(
        "SKIPPED {test}: {} not installed (scripts/setup installs the audio packages)",
        missing.join(", ")
    );
    false
}

/// `CLOCK_MONOTONIC` in nanoseconds: the trace's `mono_ns` clock.
fn mono_ns() -> i128 {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec)
}

fn ms(us: i128) -> f64 {
    us as f64 / 1000.0
}

// ---------------------------------------------------------------------------
// The audio world

#[derive(Clone, Copy, Debug)]
enum Mode {
    File,
    Pulse,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::File => "file",
            Mode::Pulse => "pulse",
        }
    }
}

/// `scripts/audio-env start MODE DIR`, stopped on drop. `env` is the whole
/// environment after its exports were evaluated by bash.
struct AudioWorld {
    dir: PathBuf,
    env: Vec<(OsString, OsString)>,
}

impl AudioWorld {
    fn start(mode: Mode, dir: PathBuf) -> AudioWorld {
        // Made first, so a start that fails half way is still stopped.
        let mut world = AudioWorld {
            dir,
            env: Vec::new(),
        };
        let out = Command::new("bash")
            .arg("-c")
            .arg(r#"exports="$("$0" start "$1" "$2")" || exit 1; eval "$exports"; env -0"#)
            .arg(root().join("scripts/audio-env"))
            .arg(mode.name())
            .arg(&world.dir)
            .env_remove("TMUX")
            .stdin(Stdio::null())
            .output()
            .expect("run bash");
        assert!(
            out.status.success(),
            "audio-env start {} failed:\n{}",
            mode.name(),
            String::from_utf8_lossy(&out.stderr)
        );
        world.env = out
            .stdout
            .split(|b| *b == 0)
            .filter_map(|entry| {
                let eq = entry.iter().position(|b| *b == b'=')?;
                Some((
                    OsString::from_vec(entry[..eq].to_vec()),
                    OsString::from_vec(entry[eq + 1..].to_vec()),
                ))
            })
            .collect();
        assert_eq!(
            world.var("AUDIO_ENV_MODE"),
            Some(OsStr::new(mode.name())),
            "audio-env start printed no environment"
        );
        world
    }

    fn var(&self, name: &str) -> Option<&OsStr> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_os_str())
    }

    /// The world's environment with `extra` set on top.
    fn env_with(&self, extra: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        let mut env: Vec<(OsString, OsString)> = self
            .env
            .iter()
            .filter(|(k, _)| !extra.iter().any(|(name, _)| k == name))
            .cloned()
            .collect();
        env.extend(extra.iter().map(|(k, v)| (k.into(), v.into())));
        env
    }

    fn capture_dir(&self) -> PathBuf {
        self.dir.join("capture")
    }

    /// The capture files now, by name.
    fn captures(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = fs::read_dir(self.capture_dir())
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        files
    }

    fn log_tail(&self, name: &str) -> String {
        let text = fs::read_to_string(self.dir.join(name)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().rev().take(20).collect();
        lines.into_iter().rev().collect::<Vec<_>>().join("\n")
    }
}

impl Drop for AudioWorld {
    fn drop(&mut self) {
        // Bounded: audio-env waits 2 s per stubborn process itself.
        let status = Command::new("timeout")
            .args(["-k", "2", "20"])
            .arg(root().join("scripts/audio-env"))
            .arg("stop")
            .arg(&self.dir)
            .stdin(Stdio::null())
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("audio-env stop {}: {status:?}", self.dir.display());
        }
        if thread::panicking() {
            eprintln!(
                "--- speech-dispatcher.log:\n{}\n--- pulseaudio.log:\n{}",
                self.log_tail("speech-dispatcher.log"),
                self.log_tail("pulseaudio.log")
            );
        }
    }
}

// ---------------------------------------------------------------------------
// The kiosk in tmux

/// One speaking kiosk fullscreen in its own tmux server (socket in `dir`).
/// Dropping it kills the server and waits for the kiosk to end.
struct Kiosk {
    pane: Pane,
}

impl Deref for Kiosk {
    type Target = Pane;

    fn deref(&self) -> &Pane {
        &self.pane
    }
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!(
                "--- screen:\n{}\n--- trace.jsonl (last lines):\n{}\n--- kiosk.log:\n{}",
                self.screen(),
                self.trace_tail(),
                self.log()
            );
        }
    }
}

impl Kiosk {
    /// `kiosk run` (speaking) with `args` after the journal, trace and
    /// config flags, at 80x24. `env`: the whole environment for it (an audio
    /// world's), or `None` for this process's own.
    fn start(
        dir: &Path,
        env: Option<&[(OsString, OsString)]>,
        config: &str,
        args: &[&str],
    ) -> Kiosk {
        let command = write_run_script(dir, &[], args, config, "");
        let kiosk = Kiosk {
            pane: Pane::new(dir, "k", POLL),
        };
        // The first command starts the server: the pane gets its environment.
        let out = kiosk.tmux_env(env, &kiosk.new_session(&command));
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        kiosk
    }

    /// Sends one key (a tmux key name).
    fn send(&self, key: &str) {
        let out = self.tmux_output(&["send-keys", "-t", self.session, "--", key]);
        assert!(
            out.status.success(),
            "send-keys {key}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Polls the screen until it shows every one of `present` and none of
    /// `absent`; returns it and how long that took.
    fn wait_screen(
        &self,
        present: &[&str],
        absent: &[&str],
        timeout: Duration,
    ) -> (String, Duration) {
        let ok = |screen: &str| {
            present.iter().all(|t| screen.contains(t)) && !absent.iter().any(|t| screen.contains(t))
        };
        self.poll_screen(timeout, ok, |screen| {
            format!(
                "timed out after {timeout:?} waiting for {present:?} without {absent:?}; \
                 screen:\n{screen}"
            )
        })
    }

    /// Polls kiosk.log until it contains `needle`.
    fn wait_log(&self, needle: &str, timeout: Duration) -> String {
        let attempt = || {
            let log = self.log();
            if log.contains(needle) {
                Ok(log)
            } else {
                Err(())
            }
        };
        poll(timeout, POLL, attempt, |()| {
            format!("timed out after {timeout:?} waiting for {needle:?} in kiosk.log")
        })
    }

    /// The pane's whole history (scrollback and screen), as text.
    fn history(&self) -> String {
        let out = self.tmux_output(&["capture-pane", "-p", "-S", "-", "-t", self.session]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Asks the kiosk to leave (SIGTERM, as the service manager does) and
    /// waits for its exit status on the pane; returns the pane's history.
    fn terminate(&self) -> String {
        let pid = self.read_pid().expect("the kiosk's pid");
        let status = Command::new("kill")
            .args(["-s", "TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -s TERM {pid}");
        self.wait_screen(&["EXIT="], &[], WAIT);
        self.history()
    }

    /// The trace's whole lines so far, parsed.
    fn trace(&self) -> Vec<Value> {
        let text = fs::read_to_string(self.path("trace.jsonl")).unwrap_or_default();
        text.split_inclusive('\n')
            .filter(|l| l.ends_with('\n'))
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    /// Polls the trace until `found` picks something out of it.
    fn wait_trace<T>(
        &self,
        what: &str,
        timeout: Duration,
        found: impl Fn(&[Value]) -> Option<T>,
    ) -> T {
        poll(
            timeout,
            POLL,
            || found(&self.trace()).ok_or(()),
            |()| format!("timed out after {timeout:?} waiting in the trace for {what}"),
        )
    }

    /// Stops the kiosk now (`Pane::stop`); idempotent.
    fn stop(&mut self) {
        self.pane.stop();
    }
}

// ---------------------------------------------------------------------------
// Reading the trace

fn t_us(event: &Value) -> i128 {
    i128::from(event["t_us"].as_u64().unwrap_or_else(|| panic!("{event}")))
}

fn id_of(event: &Value) -> u64 {
    event["id"].as_u64().unwrap_or_else(|| panic!("{event}"))
}

/// The trace's zero on `CLOCK_MONOTONIC`, in ns.
fn trace_zero_ns(trace: &[Value]) -> i128 {
    let start = &trace[0];
    assert_eq!(start["ev"], "start", "{start}");
    i128::from(start["mono_ns"].as_u64().unwrap())
}

/// The `n`th (from 0) `key` event for `key`.
fn key_event<'a>(trace: &'a [Value], key: &str, n: usize) -> Option<&'a Value> {
    trace
        .iter()
        .filter(|e| e["ev"] == "key" && e["key"] == key)
        .nth(n)
}

/// The event `ev` (`audio_start`, `audio_stop`) for utterance `id`.
fn audio_event<'a>(trace: &'a [Value], ev: &str, id: u64) -> Option<&'a Value> {
    trace
        .iter()
        .find(|e| e["ev"] == ev && e["id"].as_u64() == Some(id))
}

/// The first `speak` of `kind` traced at or after `after_us`.
fn speak_after<'a>(trace: &'a [Value], kind: &str, after_us: i128) -> Option<&'a Value> {
    trace
        .iter()
        .find(|e| e["ev"] == "speak" && e["kind"] == kind && t_us(e) >= after_us)
}

fn speaks(trace: &[Value]) -> impl Iterator<Item = &Value> {
    trace.iter().filter(|e| e["ev"] == "speak")
}

// ---------------------------------------------------------------------------
// WAV files

/// What a WAV file holds, in 10 ms windows of its first channel.
#[derive(Debug)]
struct WavSummary {
    path: PathBuf,
    rate: u32,
    channels: u16,
    bits: u16,
    float: bool,
    seconds: f64,
    /// The loudest window's RMS (full scale 1.0).
    max_rms: f64,
    /// Time in windows louder than `SOUND_RMS`.
    sound_seconds: f64,
    /// Runs of windows that are not all zero bytes: (first frame, samples).
    segments: Vec<(u64, Vec<f32>)>,
}

impl WavSummary {
    fn has_sound(&self) -> bool {
        self.max_rms > SOUND_RMS
    }

    fn line(&self) -> String {
        format!(
            "{}: {} Hz, {} ch, {}-bit {}, {:.2} s, max RMS {:.4}, {:.2} s of sound",
            self.path.file_name().unwrap_or_default().to_string_lossy(),
            self.rate,
            self.channels,
            self.bits,
            if self.float { "float" } else { "PCM" },
            self.seconds,
            self.max_rms,
            self.sound_seconds
        )
    }
}

fn le16(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// Reads a WAV file written by ALSA's `file` plugin (or aplay through it).
/// The plugin writes its header when the stream opens and fixes the sizes
/// only when it closes, so a size of 0 (or one past the end) means "to the
/// end of the file". Windows of zero bytes are skipped quickly: the kiosk's
/// own stream is mostly silence and hundreds of megabytes.
/// Whether what was appended to a 16-bit capture after `old_len` bytes has
/// sound (some 20 ms of it with RMS above `SOUND_RMS`).
fn appended_has_sound(path: &Path, old_len: u64) -> bool {
    let Ok(bytes) = fs::read(path) else {
        return false;
    };
    let start = usize::try_from(old_len)
        .unwrap_or(usize::MAX)
        .min(bytes.len())
        & !1;
    let samples: Vec<f64> = bytes[start..]
        .chunks_exact(2)
        .map(|b| f64::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0)
        .collect();
    // Any 20 ms (at up to 24 kHz) loud enough: the stream may idle between.
    samples.chunks(480).any(|window| {
        let rms = (window.iter().map(|s| s * s).sum::<f64>() / window.len() as f64).sqrt();
        rms > SOUND_RMS
    })
}

fn read_wav(path: &Path) -> WavSummary {
    let file = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file_len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut head = [0u8; 12];
    reader.read_exact(&mut head).unwrap();
    assert!(
        &head[..4] == b"RIFF" && &head[8..12] == b"WAVE",
        "{}: not a WAV file",
        path.display()
    );
    let mut pos: u64 = 12;
    let mut fmt: Option<(u16, u16, u32, u16)> = None;
    let data_len = loop {
        let mut chunk = [0u8; 8];
        reader
            .read_exact(&mut chunk)
            .unwrap_or_else(|e| panic!("{}: no data chunk ({e})", path.display()));
        pos += 8;
        let size = le32(&chunk[4..]);
        if &chunk[..4] == b"data" {
            let rest = file_len.saturating_sub(pos);
            break if size == 0 || u64::from(size) > rest {
                rest
            } else {
                u64::from(size)
            };
        }
        let mut body = vec![0u8; (size + size % 2) as usize];
        reader.read_exact(&mut body).unwrap();
        pos += body.len() as u64;
        if &chunk[..4] == b"fmt " {
            let mut format = le16(&body[0..]);
            if format == 0xFFFE && body.len() >= 26 {
                format = le16(&body[24..]); // WAVE_FORMAT_EXTENSIBLE's sub-format
            }
            fmt = Some((
                format,
                le16(&body[2..]),
                le32(&body[4..]),
                le16(&body[14..]),
            ));
        }
    };
    let (format, channels, rate, bits) =
        fmt.unwrap_or_else(|| panic!("{}: no fmt chunk", path.display()));
    let float = format == 3;
    assert!(
        matches!((format, bits), (1, 8 | 16 | 24 | 32) | (3, 32)),
        "{}: unsupported WAV format {format}, {bits} bits",
        path.display()
    );
    let sample_bytes = usize::from(bits / 8);
    let frame_bytes = sample_bytes * usize::from(channels.max(1));
    let window_frames = (rate / 100).max(1) as usize;
    let window_bytes = window_frames * frame_bytes;
    let zeros = vec![0u8; window_bytes];
    let mut buf = vec![0u8; window_bytes];
    let mut summary = WavSummary {
        path: path.to_path_buf(),
        rate,
        channels,
        bits,
        float,
        seconds: 0.0,
        max_rms: 0.0,
        sound_seconds: 0.0,
        segments: Vec::new(),
    };
    let mut left = data_len;
    let mut frame: u64 = 0;
    let mut sound_windows = 0u64;
    let mut samples = Vec::with_capacity(window_frames);
    while left >= frame_bytes as u64 {
        let take = (window_bytes as u64).min(left - left % frame_bytes as u64) as usize;
        if reader.read_exact(&mut buf[..take]).is_err() {
            break;
        }
        left -= take as u64;
        let frames = take / frame_bytes;
        // 8-bit PCM's silence is 0x80, not zero: it takes the slow path.
        if buf[..take] != zeros[..take] {
            samples.clear();
            samples.extend(buf[..take].chunks_exact(frame_bytes).map(|f| {
                let s = &f[..sample_bytes];
                match (float, bits) {
                    (true, _) => f32::from_le_bytes([s[0], s[1], s[2], s[3]]),
                    (false, 8) => (f32::from(s[0]) - 128.0) / 128.0,
                    (false, 16) => f32::from(i16::from_le_bytes([s[0], s[1]])) / 32_768.0,
                    (false, 24) => {
                        i32::from_le_bytes([0, s[0], s[1], s[2]]) as f32 / 2_147_483_648.0
                    }
                    _ => i32::from_le_bytes([s[0], s[1], s[2], s[3]]) as f32 / 2_147_483_648.0,
                }
            }));
            let power: f64 = samples.iter().map(|s| f64::from(*s).powi(2)).sum();
            let rms = (power / samples.len() as f64).sqrt();
            summary.max_rms = summary.max_rms.max(rms);
            if rms > SOUND_RMS {
                sound_windows += 1;
            }
            match summary.segments.last_mut() {
                Some((first, seg)) if *first + seg.len() as u64 == frame => {
                    seg.extend_from_slice(&samples);
                }
                _ => summary.segments.push((frame, samples.clone())),
            }
        }
        frame += frames as u64;
    }
    summary.seconds = frame as f64 / f64::from(rate);
    summary.sound_seconds = sound_windows as f64 * window_frames as f64 / f64::from(rate);
    summary
}

/// Where `pattern` occurs in the summary's segments (sample for sample,
/// within `tolerance`), as a frame index in the file.
fn find_in_segments(summary: &WavSummary, pattern: &[f32], tolerance: f32) -> Option<u64> {
    let first = *pattern.first()?;
    for (start, seg) in &summary.segments {
        if seg.len() < pattern.len() {
            continue;
        }
        for at in 0..=seg.len() - pattern.len() {
            if (seg[at] - first).abs() <= tolerance
                && seg[at..at + pattern.len()]
                    .iter()
                    .zip(pattern)
                    .all(|(a, b)| (a - b).abs() <= tolerance)
            {
                return Some(start + at as u64);
            }
        }
    }
    None
}

/// The bundled flow's clip `id` for `lang` at rate level 3, decoded (the
/// same file build.rs embeds: audio/mfa-login/).
fn bundled_clip(id: &str, lang: &str) -> decode::Pcm {
    let dir = root().join("audio/mfa-login");
    let manifest: toml::Table =
        toml::from_str(&fs::read_to_string(dir.join("manifest.toml")).unwrap()).unwrap();
    let clips = manifest["clip"].as_array().unwrap();
    let clip = clips
        .iter()
        .find(|c| {
            c["id"].as_str() == Some(id)
                && c["lang"].as_str() == Some(lang)
                && c["rate"].as_integer() == Some(3)
        })
        .unwrap_or_else(|| panic!("no clip {id} {lang} at rate 3 in the manifest"));
    let file = dir.join(clip["file"].as_str().unwrap());
    decode::decode(fs::read(&file).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

// ---------------------------------------------------------------------------
// Recording the PulseAudio sink

/// What `parec` delivered, and when (monotonic ns after each read, with the
/// byte count so far).
#[derive(Default)]
struct Recording {
    bytes: Vec<u8>,
    reads: Vec<(i128, usize)>,
}

const REC_RATE: i128 = 48_000;

impl Recording {
    fn frames(&self) -> usize {
        self.bytes.len() / 2
    }

    fn sample(&self, i: usize) -> f32 {
        f32::from(i16::from_le_bytes([
            self.bytes[2 * i],
            self.bytes[2 * i + 1],
        ])) / 32_768.0
    }

    /// The monotonic time of frame 0: each read bounds it from above (its
    /// last frame was played no later than the read); the tightest bound
    /// wins. Later times computed from it err late, never early.
    fn zero_ns(&self) -> i128 {
        self.reads
            .iter()
            .map(|(at, bytes)| at - (*bytes as i128 / 2) * 1_000_000_000 / REC_RATE)
            .min()
            .expect("parec delivered nothing")
    }

    fn frame_at(&self, ns: i128) -> i128 {
        (ns - self.zero_ns()) * REC_RATE / 1_000_000_000
    }

    fn ns_of(&self, frame: usize) -> i128 {
        self.zero_ns() + frame as i128 * 1_000_000_000 / REC_RATE
    }

    fn peak(&self, from: i128, to: i128) -> f32 {
        let from = from.clamp(0, self.frames() as i128) as usize;
        let to = to.clamp(0, self.frames() as i128) as usize;
        (from..to).map(|i| self.sample(i).abs()).fold(0.0, f32::max)
    }
}

/// `parec` on the world's sink monitor, read by a thread of ours.
struct Recorder {
    child: Child,
    recording: Arc<Mutex<Recording>>,
    reader: Option<JoinHandle<()>>,
}

impl Recorder {
    fn start(world: &AudioWorld, log: &Path) -> Recorder {
        let sink = world.var("AUDIO_ENV_SINK").unwrap_or(OsStr::new("cap"));
        let mut monitor = sink.to_os_string();
        monitor.push(".monitor");
        let mut child = Command::new("parec")
            .args(["--latency-msec=2", "--raw", "--format=s16le"])
            .args(["--rate=48000", "--channels=1", "-d"])
            .arg(monitor)
            .env_clear()
            .envs(world.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(fs::File::create(log).unwrap())
            .spawn()
            .expect("run parec");
        let mut stdout = child.stdout.take().unwrap();
        let recording = Arc::new(Mutex::new(Recording::default()));
        let shared = Arc::clone(&recording);
        let reader = thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    return;
                }
                let at = mono_ns();
                let mut rec = shared.lock().unwrap();
                rec.bytes.extend_from_slice(&buf[..n]);
                let total = rec.bytes.len();
                rec.reads.push((at, total));
            }
        });
        Recorder {
            child,
            recording,
            reader: Some(reader),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&Recording) -> T) -> T {
        f(&self.recording.lock().unwrap())
    }

    /// Waits until the recording reaches monotonic time `ns`.
    fn wait_until(&self, ns: i128, timeout: Duration) {
        let start = Instant::now();
        loop {
            let reached = self.with(|r| !r.reads.is_empty() && r.frame_at(ns) < r.frames() as i128);
            if reached {
                return;
            }
            assert!(start.elapsed() < timeout, "parec did not record in time");
            sleep(POLL);
        }
    }

    fn finish(mut self) -> Recording {
        self.end();
        std::mem::take(&mut *self.recording.lock().unwrap())
    }

    fn end(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.end();
    }
}

// ---------------------------------------------------------------------------
// A speech-dispatcher that never answers

/// A Unix socket that accepts every connection and never says a word:
/// a wedged speech-dispatcher as libspeechd sees it.
struct SilentServer {
    path: PathBuf,
    accepted: Arc<AtomicUsize>,
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SilentServer {
    fn start(path: PathBuf) -> SilentServer {
        let listener = UnixListener::bind(&path).unwrap();
        listener.set_nonblocking(true).unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let (count, stop) = (Arc::clone(&accepted), Arc::clone(&done));
        let thread = thread::spawn(move || {
            let mut held = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        held.push(stream);
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => sleep(Duration::from_millis(10)),
                }
            }
        });
        SilentServer {
            path,
            accepted,
            done,
            thread: Some(thread),
        }
    }

    fn address(&self) -> String {
        format!("unix_socket:{}", self.path.display())
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// ---------------------------------------------------------------------------
// The tests

/// (a) A step of the bundled flow is spoken from its clip: traced with
/// backend `clip` and `audio_start`, and the kiosk's ALSA stream (a WAV file)
/// holds sound, the step's own clip among it, sample for sample.
#[test]
fn a_bundled_step_plays_its_clip_into_the_capture() {
    // audio-env writes a speech-dispatcher configuration in every world.
    if !tools_present("clip path", &["speech-dispatcher"]) {
        return;
    }
    let _serial = serial();
    let started = Instant::now();
    let tmp = tempdir("kiosk-speech-a-");
    let world = AudioWorld::start(Mode::File, tmp.path().join("world"));
    let mut kiosk = Kiosk::start(tmp.path(), Some(&world.env), "", &[]);
    kiosk.wait_screen(&[WELCOME_JA], &[], WAIT);
    kiosk.send("1");
    // The mark goes once the speech thread reports its device (it starts
    // shown, until then).
    let (screen, _) = kiosk.wait_screen(&[ABOUT_MFA_JA], &[NO_VOICE_MARK], WAIT);
    // The step's utterances, then its prompt, have played (the file plugin
    // does not pace: in milliseconds).
    let trace = kiosk.wait_trace("the prompt's audio_stop", WAIT, |t| {
        let prompt = speak_after(t, "prompt", 0)?;
        audio_event(t, "audio_stop", id_of(prompt)).map(|_| t.to_vec())
    });
    kiosk.stop();
    let ran = started.elapsed();

    let key = t_us(key_event(&trace, "1", 0).expect("key 1 traced"));
    let step = speak_after(&trace, "step", key).expect("a step utterance after the key");
    assert_eq!(step["backend"], "clip", "{step}");
    assert_eq!(step["lang"], "ja", "{step}");
    let id = id_of(step);
    let start = audio_event(&trace, "audio_start", id).expect("audio_start for the step");
    let step_speaks: Vec<&Value> = speaks(&trace)
        .filter(|e| e["kind"] == "step" && t_us(e) >= key)
        .collect();
    assert!(
        step_speaks.iter().all(|e| e["backend"] == "clip"),
        "every step utterance from a clip: {step_speaks:?}"
    );
    assert!(
        !screen.contains(NO_VOICE_MARK),
        "the no-voice mark with clips and a device:\n{screen}"
    );

    let files = world.captures();
    assert_eq!(
        files.len(),
        1,
        "only the kiosk's stream plays (no system voice): {files:?}"
    );
    let wav = read_wav(&files[0]);
    eprintln!("MEASURED (a) capture {}", wav.line());
    assert!(wav.has_sound(), "the capture is silent: {}", wav.line());

    // The step's first utterance is its text's clip, at level 3's gain:
    // find 20 ms of it, sample for sample, in what the device got.
    let clip = bundled_clip(ABOUT_MFA_CLIP, "ja");
    let clip_seconds = clip.samples.len() as f64 / f64::from(clip.rate);
    assert!(
        wav.sound_seconds >= clip_seconds * 0.5,
        "{:.2} s of sound in the capture for a {clip_seconds:.2} s clip",
        wav.sound_seconds
    );
    if clip.rate == wav.rate {
        let gain = levels::volume_gain(Level::MID);
        let loud = clip
            .samples
            .iter()
            .position(|s| (s * gain).abs() > 0.1)
            .expect("a loud part in the clip");
        let len = (clip.rate / 50) as usize;
        let pattern: Vec<f32> = clip.samples[loud..(loud + len).min(clip.samples.len())]
            .iter()
            .map(|s| s * gain)
            .collect();
        let at = find_in_segments(&wav, &pattern, 3.0 / 32_768.0);
        assert!(
            at.is_some(),
            "the step's clip ({}) is not in the capture",
            ABOUT_MFA_CLIP
        );
        eprintln!(
            "MEASURED (a) clip {ABOUT_MFA_CLIP} ({clip_seconds:.2} s) found sample-exact \
             at frame {} of the capture",
            at.unwrap_or(0)
        );
    } else {
        eprintln!(
            "MEASURED (a) no sample-exact check: clip {} Hz, device {} Hz (resampled)",
            clip.rate, wav.rate
        );
    }
    eprintln!(
        "MEASURED (a) key→speak {:.2} ms, speak→audio_start {:.2} ms; kiosk ran {ran:.2?}",
        ms(t_us(step) - key),
        ms(t_us(start) - t_us(step))
    );
}

/// (b) Texts with no clips go to the system voice: traced with backend
/// `tts`, and speech-dispatcher's own ALSA streams land in the capture with
/// sound, for Japanese kana and for English.
#[test]
fn a_step_without_clips_is_spoken_by_the_system_voice() {
    if !tools_present("tts path", &["speech-dispatcher", "aplay", "espeak-ng"]) {
        return;
    }
    let _serial = serial();
    let started = Instant::now();
    let tmp = tempdir("kiosk-speech-b-");
    let world = AudioWorld::start(Mode::File, tmp.path().join("world"));
    let flow = root().join("tests/speech/flow.toml");
    let flow = flow.to_string_lossy();
    let mut kiosk = Kiosk::start(tmp.path(), Some(&world.env), "", &["--flow", &flow]);
    kiosk.wait_screen(&[ASK_JA], &[], WAIT);
    // The first utterances wait for the system voice: before it is up they
    // would be silent (backend none).
    let ready = Instant::now();
    kiosk.wait_log("system voice ready", SPEECHD_WAIT);
    let ready = ready.elapsed();

    let mut measured = Vec::new();
    for (key, lang, text) in [("1", "ja", BOIL_JA), ("/", "en", BOIL_EN)] {
        let before = world.captures();
        let sizes: Vec<(PathBuf, u64)> = before
            .iter()
            .map(|f| (f.clone(), fs::metadata(f).map(|m| m.len()).unwrap_or(0)))
            .collect();
        kiosk.send(key);
        kiosk.wait_screen(&[text], &[], WAIT);
        let (trace, step) = kiosk.wait_trace(
            &format!("the {lang} step spoken to its end"),
            SPEECHD_WAIT,
            |t| {
                let key = t_us(key_event(t, key, 0)?);
                let step = speak_after(t, "step", key)?;
                audio_event(t, "audio_stop", id_of(step))?;
                Some((t.to_vec(), step.clone()))
            },
        );
        assert_eq!(step["backend"], "tts", "{step}");
        assert_eq!(step["lang"], lang, "{step}");
        let id = id_of(&step);
        let begun = audio_event(&trace, "audio_start", id).expect("audio_start for the step");
        let key_t = t_us(key_event(&trace, key, 0).unwrap());
        // aplay (one per message) writes each into a file of its own.
        let new: Vec<PathBuf> = world
            .captures()
            .into_iter()
            .filter(|f| !before.contains(f))
            .collect();
        let wavs: Vec<WavSummary> = new.iter().map(|f| read_wav(f)).collect();
        for wav in &wavs {
            eprintln!("MEASURED (b) {lang} capture {}", wav.line());
        }
        // A speech-dispatcher module may keep one ALSA stream open for every
        // message (espeak-ng's own module does): then its file grows instead.
        let grown_with_sound = sizes.iter().any(|(f, old)| appended_has_sound(f, *old));
        assert!(
            wavs.iter().any(WavSummary::has_sound) || grown_with_sound,
            "no sound from speech-dispatcher after key {key}: {wavs:?}"
        );
        measured.push(format!(
            "{lang}: key→speak {:.1} ms, speak→audio_start {:.1} ms, {} new capture file(s)",
            ms(t_us(&step) - key_t),
            ms(t_us(begun) - t_us(&step)),
            wavs.len()
        ));
    }
    kiosk.stop();
    eprintln!(
        "MEASURED (b) system voice ready {ready:.2?} after the first screen; {}; \
         test ran {:.2?}",
        measured.join("; "),
        started.elapsed()
    );
}

/// (c) A speech-dispatcher that accepts the connection and never answers
/// blocks nothing: every key still gets its frame at once, the customer
/// walks on, and once the system voice is given up (2 s) the utterances are
/// silent (backend `none`) with the no-voice mark on screen.
#[test]
fn a_wedged_system_voice_blocks_nothing() {
    if !tools_present("blocking backend", &["speech-dispatcher", "pulseaudio"]) {
        return;
    }
    let _serial = serial();
    let started = Instant::now();
    let tmp = tempdir("kiosk-speech-c-");
    // Pulse mode: real time, so no unpaced stream keeps a CPU busy while
    // frames are timed.
    let world = AudioWorld::start(Mode::Pulse, tmp.path().join("world"));
    let server = SilentServer::start(tmp.path().join("wedged.sock"));
    let address = server.address();
    let env = world.env_with(&[("SPEECHD_ADDRESS", &address)]);
    let flow = root().join("tests/speech/flow.toml");
    let flow = flow.to_string_lossy();
    let mut kiosk = Kiosk::start(tmp.path(), Some(&env), "", &["--flow", &flow]);

    // Three steps while the kiosk waits for the system voice: its worker
    // has connected and hangs on the first answer.
    let mut shown = Vec::new();
    kiosk.wait_screen(&[ASK_JA], &[], WAIT);
    let connecting = Instant::now();
    while server.accepted.load(Ordering::Relaxed) == 0 {
        assert!(
            connecting.elapsed() < WAIT,
            "the kiosk never connected to the wedged socket"
        );
        sleep(Duration::from_millis(5));
    }
    for (key, text) in [("1", BOIL_JA), ("Enter", LEAVES_JA), ("y", WAITED_JA)] {
        kiosk.send(key);
        let (_, took) = kiosk.wait_screen(&[text], &[], Duration::from_millis(1000));
        shown.push(took);
    }
    let log = kiosk.wait_log("system voice down", WAIT);
    assert!(
        log.contains("no connection within 2 s"),
        "why the system voice went down:\n{log}"
    );
    // And three more after it was given up.
    // (The repeat guard is per action: "1" and "y" are both yes.)
    for (key, text) in [("4", LEAVES_JA), ("Enter", WAITED_JA), ("1", SERVED_JA)] {
        kiosk.send(key);
        let (_, took) = kiosk.wait_screen(&[text], &[], Duration::from_millis(1000));
        shown.push(took);
    }
    let (screen, _) = kiosk.wait_screen(&[SERVED_JA, NO_VOICE_MARK], &[], WAIT);
    let trace = kiosk.wait_trace("the last key's speech", WAIT, |t| {
        let last = key_event(t, "1", 1)?;
        speak_after(t, "step", t_us(last)).map(|_| t.to_vec())
    });
    kiosk.stop();

    let keys: Vec<&Value> = trace.iter().filter(|e| e["ev"] == "key").collect();
    assert_eq!(keys.len(), 6, "keys traced: {keys:?}");
    let mut latencies = Vec::new();
    for key in &keys {
        let frame = trace
            .iter()
            .filter(|e| e["ev"] == "frame" && t_us(e) >= t_us(key))
            .map(t_us)
            .min()
            .unwrap_or_else(|| panic!("no frame after {key}"));
        let latency = frame - t_us(key);
        latencies.push(latency);
        assert!(
            latency <= 50_000,
            "key {key} took {:.1} ms to its frame",
            ms(latency)
        );
    }
    // The first three keys came before the 2 s give-up.
    let third = t_us(keys[2]);
    assert!(
        third < 2_000_000,
        "the walk during the wait ended at {:.0} ms",
        ms(third)
    );
    let voiced: Vec<&Value> = speaks(&trace).filter(|e| e["kind"] != "earcon").collect();
    assert!(
        voiced.len() >= 6,
        "utterances for every step and echo: {voiced:?}"
    );
    assert!(
        voiced.iter().all(|e| e["backend"] == "none"),
        "a wedged system voice leaves only silence: {voiced:?}"
    );
    let after_give_up = voiced.iter().filter(|e| t_us(e) >= t_us(keys[3])).count();
    assert!(after_give_up >= 3, "{voiced:?}");
    assert!(screen.contains(NO_VOICE_MARK));
    let lat: Vec<String> = latencies.iter().map(|l| format!("{:.1}", ms(*l))).collect();
    let shown: Vec<String> = shown
        .iter()
        .map(|d| format!("{:.0}", d.as_secs_f64() * 1000.0))
        .collect();
    eprintln!(
        "MEASURED (c) key→frame ms [{}]; screen seen after ms [{}] (capture-pane polling); \
         3 steps walked by {:.0} ms; {} connection(s) held; {} utterances, all backend none \
         ({after_give_up} after the give-up); test ran {:.2?}",
        lat.join(", "),
        shown.join(", "),
        ms(third),
        server.accepted.load(Ordering::Relaxed),
        voiced.len(),
        started.elapsed()
    );
}

/// (d) Through a real-time PulseAudio sink: repeat (`0`) and pause (`.`)
/// stop the playing clip within one period: `audio_stop` within 20 ms of
/// the key, and the sink goes silent right after (recorded with parec).
#[test]
fn repeat_and_pause_stop_the_clip_within_a_period() {
    if !tools_present(
        "stop within one period",
        &["speech-dispatcher", "pulseaudio", "parec", "pactl"],
    ) {
        return;
    }
    let _serial = serial();
    let started = Instant::now();
    let tmp = tempdir("kiosk-speech-d-");
    let world = AudioWorld::start(Mode::Pulse, tmp.path().join("world"));
    let recorder = Recorder::start(&world, &tmp.path().join("parec.log"));
    // parec takes 0.2-0.5 s to start delivering.
    let wait_start = Instant::now();
    while recorder.with(Recording::frames) == 0 {
        assert!(wait_start.elapsed() < WAIT, "parec delivered nothing");
        sleep(POLL);
    }
    // The clip player must survive its start: the ALSA pulse plugin fails
    // a call with EIO in a stream's first milliseconds, which cpal reports
    // and rides out; the kiosk used to drop the stream for it.
    // See: player.rs `build`, error callback.
    let attempts = 1;
    let dir = tmp.path().join("kiosk");
    fs::create_dir_all(&dir).unwrap();
    let mut kiosk = Kiosk::start(&dir, Some(&world.env), "", &[]);
    kiosk.wait_screen(&[WELCOME_JA], &[], WAIT);
    kiosk.wait_log("audio output on", WAIT);
    sleep(Duration::from_millis(200));
    let log = kiosk.log();
    assert!(
        !log.contains("audio output failed"),
        "the clip player broke at start:\n{log}"
    );
    kiosk.send("1");
    kiosk.wait_screen(&[ABOUT_MFA_JA], &[], WAIT);

    // Waits for the step utterance after the `n`th press of `after_key` to
    // start sounding, plays `into` of it, then presses `key` while the
    // recorder hears it; returns the stopped id.
    let press_during_clip = |after_key: &str, key: &str, into: Duration| -> u64 {
        let id = kiosk.wait_trace("a step clip's audio_start", WAIT, |t| {
            let after = t_us(key_event(t, after_key, 0)?);
            let step = speak_after(t, "step", after)?;
            audio_event(t, "audio_start", id_of(step))?;
            assert_eq!(step["backend"], "clip", "{step}");
            Some(id_of(step))
        });
        sleep(into);
        // Press when the last 20 ms the sink played were sound.
        let loud_since = Instant::now();
        loop {
            let loud = recorder.with(|r| {
                let end = r.frames() as i128;
                r.peak(end - REC_RATE / 50, end) > 0.05
            });
            if loud {
                break;
            }
            assert!(
                loud_since.elapsed() < WAIT,
                "the sink never sounded while the clip played"
            );
            sleep(Duration::from_millis(2));
        }
        kiosk.send(key);
        id
    };

    let repeated = press_during_clip("1", "0", Duration::from_millis(500));
    let paused = press_during_clip("0", ".", Duration::from_millis(500));
    let trace = kiosk.wait_trace("audio_stop after pause", WAIT, |t| {
        audio_event(t, "audio_stop", paused).map(|_| t.to_vec())
    });
    let zero = trace_zero_ns(&trace);
    let pause_key = key_event(&trace, ".", 0).expect("key . traced");
    let pause_ns = zero + t_us(pause_key) * 1000;
    recorder.wait_until(pause_ns + 400_000_000, WAIT);
    kiosk.stop();
    let recording = recorder.finish();

    let mut report = Vec::new();
    for (key, id) in [("0", repeated), (".", paused)] {
        let key_event = key_event(&trace, key, 0).unwrap_or_else(|| panic!("key {key} traced"));
        let start = audio_event(&trace, "audio_start", id).unwrap();
        let stop = audio_event(&trace, "audio_stop", id)
            .unwrap_or_else(|| panic!("no audio_stop for {id} after key {key}"));
        assert!(t_us(start) < t_us(key_event), "{start} {key_event}");
        let latency = t_us(stop) - t_us(key_event);
        assert!(
            (0..=20_000).contains(&latency),
            "audio_stop for {id} {:.2} ms after key {key}",
            ms(latency)
        );
        report.push(format!("key {key} → audio_stop {:.2} ms", ms(latency)));
    }

    // The sink: sound just before the pause key, and the last sound at most
    // ~30 ms after it (times err late: see Recording::zero_ns).
    let key_frame = recording.frame_at(pause_ns);
    let before = recording.peak(key_frame - REC_RATE * 30 / 1000, key_frame);
    let window_end = key_frame + REC_RATE * 400 / 1000;
    let lo = (key_frame - REC_RATE / 10).max(0) as usize;
    let hi = window_end.min(recording.frames() as i128) as usize;
    let last_sound = (lo..hi)
        .rev()
        .find(|i| recording.sample(*i).abs() > SOUND_RMS as f32);
    let gap_ms = last_sound.map(|i| ms((recording.ns_of(i) - pause_ns) / 1000));
    // When the clip first sounded at the sink, against its audio_start.
    let first = audio_event(&trace, "audio_start", repeated).unwrap();
    let first_ns = zero + t_us(first) * 1000;
    let from = recording.frame_at(first_ns - 50_000_000).max(0) as usize;
    let onset = (from..recording.frames()).find(|i| recording.sample(*i).abs() > SOUND_RMS as f32);
    let onset_ms = onset.map(|i| ms((recording.ns_of(i) - first_ns) / 1000));
    eprintln!(
        "MEASURED (d) kiosk attempts {attempts}; {}; sink: peak {before:.3} in the 30 ms before the pause key, \
         last sound {} after it; clip audio_start → sound at the sink {}; \
         {:.1} s recorded; test ran {:.2?}",
        report.join(", "),
        gap_ms.map_or("none".into(), |g| format!("{g:.1} ms")),
        onset_ms.map_or("never".into(), |g| format!("{g:.1} ms")),
        recording.frames() as f64 / REC_RATE as f64,
        started.elapsed()
    );
    assert!(
        before > SOUND_RMS as f32,
        "the clip was not sounding when pause was pressed (peak {before})"
    );
    let gap = gap_ms.expect("sound around the pause key");
    assert!(gap <= 30.0, "sound went on {gap:.1} ms after the pause key");
}

/// (e) On this machine as it is (no sound card, no audio world), ALSA's
/// complaints go to kiosk.log and never reach the screen. The system voice
/// is off (config) so that no speech-dispatcher is started outside a world.
#[test]
fn alsa_errors_never_reach_the_screen() {
    let _serial = serial();
    let started = Instant::now();
    let tmp = tempdir("kiosk-speech-e-");
    let mut kiosk = Kiosk::start(tmp.path(), None, "[speech]\ntts = false\n", &[]);
    let deadline = Instant::now() + Duration::from_millis(1500);
    let mut captures = 0;
    let mut pressed = false;
    let mut shown_welcome = false;
    while Instant::now() < deadline {
        let screen = kiosk.screen();
        captures += 1;
        assert!(!screen.contains("ALSA"), "ALSA on screen:\n{screen}");
        if screen.contains(WELCOME_JA) && !pressed {
            shown_welcome = true;
            assert!(screen.contains(NO_VOICE_MARK), "no-voice mark:\n{screen}");
            kiosk.send("1");
            pressed = true;
        }
        sleep(POLL);
    }
    assert!(shown_welcome, "the kiosk never showed its first screen");
    let (screen, _) = kiosk.wait_screen(&[ABOUT_MFA_JA, NO_VOICE_MARK], &["ALSA"], WAIT);
    let trace = kiosk.wait_trace("the step's speech", WAIT, |t| {
        speak_after(t, "step", 0).map(|_| t.to_vec())
    });
    assert!(!screen.contains("ALSA"));
    // Nothing went to the normal screen under the alternate one either
    // (before it was entered, or after it was left).
    let history = kiosk.terminate();
    assert!(
        !history.contains("ALSA"),
        "ALSA on the terminal:\n{history}"
    );
    kiosk.stop();
    let log = kiosk.log();
    let alsa: Vec<&str> = log.lines().filter(|l| l.contains("ALSA")).collect();
    assert!(
        !alsa.is_empty(),
        "no ALSA message in kiosk.log (is there a sound card now?):\n{log}"
    );
    let voiced: Vec<&Value> = speaks(&trace).collect();
    assert!(
        voiced.iter().all(|e| e["backend"] == "none"),
        "no device, no system voice: {voiced:?}"
    );
    eprintln!(
        "MEASURED (e) {captures} screens clean; kiosk.log has {} ALSA line(s), first: {}; \
         test ran {:.2?}",
        alsa.len(),
        alsa[0],
        started.elapsed()
    );
}

/// The issue's acceptance: the bundled flow walked to an ending in tmux with
/// the ALSA capture, in Japanese and then in English, speaks every step and
/// prompt from its clip, each one started on the device.
#[test]
fn the_bundled_flow_speaks_every_step_from_clips_in_both_languages() {
    if !tools_present("walk with clips", &["speech-dispatcher"]) {
        return;
    }
    let _serial = serial();
    let tmp = tempdir("kiosk-speech-walk-");
    let world = AudioWorld::start(Mode::File, tmp.path().join("world"));
    // No system voice: anything without a clip would show as `none`.
    let mut kiosk = Kiosk::start(tmp.path(), Some(&world.env), "[speech]\ntts = false\n", &[]);
    kiosk.wait_screen(&[WELCOME_JA], &[], WAIT);
    // Yes all the way: welcome → … → done_resolved (10 steps), then the
    // next customer switches to English and walks it again.
    let walk = |kiosk: &Kiosk| {
        for _ in 0..10 {
            kiosk.send("1");
            sleep(Duration::from_millis(650));
        }
    };
    walk(&kiosk);
    kiosk.send("1"); // the ending's yes: the start step for the next customer
    sleep(Duration::from_millis(650));
    kiosk.send("/");
    sleep(Duration::from_millis(650));
    walk(&kiosk);
    let trace = kiosk.wait_trace("the last prompt's audio_start", WAIT, |t| {
        let last = speaks(t).filter(|e| e["kind"] == "prompt").last()?;
        audio_event(t, "audio_start", id_of(last)).map(|_| t.to_vec())
    });
    kiosk.stop();
    let spoken: Vec<&Value> = speaks(&trace)
        .filter(|e| e["kind"] == "step" || e["kind"] == "prompt")
        .collect();
    for lang in ["ja", "en"] {
        let steps = spoken
            .iter()
            .filter(|e| e["lang"] == lang && e["kind"] == "step")
            .count();
        assert!(steps >= 10, "{steps} {lang} step utterances: {spoken:?}");
    }
    for e in &spoken {
        assert_eq!(
            e["backend"], "clip",
            "every step and prompt from a clip: {e}"
        );
        assert!(
            audio_event(&trace, "audio_start", id_of(e)).is_some(),
            "no audio_start for {e}"
        );
    }
    let records = fs::read_dir(tmp.path().join("journal"))
        .unwrap()
        .flatten()
        .filter(|f| f.path().extension().is_some_and(|x| x == "jsonl"))
        .map(|f| fs::read_to_string(f.path()).unwrap())
        .collect::<String>();
    assert!(
        records.contains("\"lang\":\"ja\",\"outcome\":\"resolved\""),
        "{records}"
    );
    assert!(
        records.contains("\"lang\":\"en\",\"outcome\":\"resolved\""),
        "{records}"
    );
}
