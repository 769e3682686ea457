//! What tests/speech_audio.rs and tests/speech_faults.rs share: an isolated
//! audio world from `scripts/audio-env` (no sound card needed), a speaking
//! kiosk fullscreen in tmux inside it, and readers for what it leaves: the
//! trace, the ALSA file plugin's WAV captures, a `parec` recording of the
//! PulseAudio sink; and a speech-dispatcher socket that never answers.
//!
//! A test that needs an audio tool that is not installed fails and names
//! scripts/setup (`require_tools`): scripts/setup installs every one of them
//! and CI runs it first, so a missing tool is a broken machine, not a reason
//! to pass.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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

use super::{poll, root, write_run_script, Pane, WAIT};
use counter_kiosk::speech::decode;
use serde_json::Value;

/// speech-dispatcher's cold start (autospawn ~0.4 s, first Open JTalk run).
/// A cold speech-dispatcher on a loaded machine can miss the kiosk's 2 s
/// start bound; the kiosk then takes the late connection when it comes.
pub const SPEECHD_WAIT: Duration = Duration::from_secs(20);
pub const POLL: Duration = Duration::from_millis(20);

/// A 10 ms window louder than this (RMS, full scale 1.0) is sound.
pub const SOUND_RMS: f64 = 0.01;

/// The bundled flow (flows/mfa-login.toml).
pub const WELCOME_JA: &str = "パスワードを入れたあと、確認のコードを";
pub const NOT_ALONE_JA: &str = "同じところで困る方は、たくさんいます。";
pub const NOT_ALONE_CLIP: &str = "steps.not_alone.text";

/// The test flow (tests/speech/flow.toml): no clips anywhere.
pub const ASK_JA: &str = "おちゃを のみますか？";
pub const BOIL_JA: &str = "まず、おゆを わかします。";
pub const BOIL_EN: &str = "First, boil the water.";
pub const LEAVES_JA: &str = "つぎに、ちゃばを いれます。";
pub const WAITED_JA: &str = "さんぷん まちましたか？";
pub const SERVED_JA: &str = "おちゃが できました。";

/// The staff mark for "no voice" (flow phrase `no_voice` in brackets).
pub const NO_VOICE_MARK: &str = "[音声なし]";

// ---------------------------------------------------------------------------
// Small helpers

/// One test at a time (see the module comment); a failed test's poisoned
/// lock still lets the next one run.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Fails the test, naming scripts/setup, unless every tool is on PATH.
pub fn require_tools(test: &str, tools: &[&str]) {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|tool| !std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()))
        .collect();
    assert!(
        missing.is_empty(),
        "{test}: {} not installed: run scripts/setup (it installs every audio tool \
         these tests use; CI runs it first)",
        missing.join(", ")
    );
}

/// `CLOCK_MONOTONIC` in nanoseconds: the trace's `mono_ns` clock.
pub fn mono_ns() -> i128 {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec)
}

pub fn ms(us: i128) -> f64 {
    us as f64 / 1000.0
}

// ---------------------------------------------------------------------------
// The audio world

#[derive(Clone, Copy, Debug)]
pub enum Mode {
    File,
    Pulse,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::File => "file",
            Mode::Pulse => "pulse",
        }
    }
}

/// `scripts/audio-env start MODE DIR`, stopped on drop. `env` is the whole
/// environment after its exports were evaluated by bash.
pub struct AudioWorld {
    pub dir: PathBuf,
    pub env: Vec<(OsString, OsString)>,
}

impl AudioWorld {
    pub fn start(mode: Mode, dir: PathBuf) -> AudioWorld {
        AudioWorld::start_with(mode, dir, false)
    }

    /// `audio-env start MODE DIR`, with `--speechd` (a warm daemon of the
    /// world's own, its pid in DIR/speech-dispatcher.pid) when `speechd`.
    pub fn start_with(mode: Mode, dir: PathBuf, speechd: bool) -> AudioWorld {
        // Made first, so a start that fails half way is still stopped.
        let mut world = AudioWorld {
            dir,
            env: Vec::new(),
        };
        world.begin(mode, speechd);
        world
    }

    /// The world's directories and environment (HOME, XDG_* under `dir`)
    /// with nothing started in them and ALSA's default PCM the private
    /// PulseAudio that is not there yet: a machine whose audio device has
    /// not appeared. `begin(Mode::Pulse, …)` makes it appear. PulseAudio's
    /// client autospawn is off, so no client starts one by itself; the
    /// speech-dispatcher configuration is written as in every world.
    pub fn unstarted_pulse(dir: PathBuf) -> AudioWorld {
        let home = dir.join("home");
        let runtime = dir.join("runtime");
        let config = home.join(".config");
        fs::create_dir_all(config.join("pulse")).unwrap();
        fs::create_dir_all(home.join(".cache")).unwrap();
        fs::create_dir_all(&runtime).unwrap();
        fs::set_permissions(
            &runtime,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        // The same lines audio-env's pulse mode writes.
        fs::write(
            home.join(".asoundrc"),
            "pcm.!default { type pulse }\nctl.!default { type pulse }\n",
        )
        .unwrap();
        fs::write(config.join("pulse/client.conf"), "autospawn = no\n").unwrap();
        // speech-dispatcher's user configuration, as audio-env writes it: a
        // daemon autospawned now speaks to the PulseAudio that is not there.
        let out = Command::new(root().join("scripts/speechd-config"))
            .arg(config.join("speech-dispatcher"))
            .args(["--output", "pulse"])
            .stdin(Stdio::null())
            .output()
            .expect("run scripts/speechd-config");
        assert!(
            out.status.success(),
            "speechd-config: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let set: [(&str, &Path); 4] = [
            ("HOME", &home),
            ("XDG_RUNTIME_DIR", &runtime),
            ("XDG_CONFIG_HOME", &config),
            ("XDG_CACHE_HOME", &home.join(".cache")),
        ];
        let unset = [
            "PULSE_SERVER",
            "PULSE_RUNTIME_PATH",
            "SPEECHD_ADDRESS",
            "TMUX",
        ];
        let mut env: Vec<(OsString, OsString)> = std::env::vars_os()
            .filter(|(k, _)| !set.iter().any(|(n, _)| k == n) && !unset.iter().any(|n| k == n))
            .collect();
        env.extend(
            set.iter()
                .map(|(k, v)| (k.into(), v.as_os_str().to_owned())),
        );
        AudioWorld { dir, env }
    }

    /// Runs `audio-env start` in this world's directory (the paths stay
    /// the same) and takes the environment it gives.
    pub fn begin(&mut self, mode: Mode, speechd: bool) {
        let out = Command::new("bash")
            .arg("-c")
            .arg(r#"exports="$("$0" start "$1" "$2" $3)" || exit 1; eval "$exports"; env -0"#)
            .arg(root().join("scripts/audio-env"))
            .arg(mode.name())
            .arg(&self.dir)
            .arg(if speechd { "--speechd" } else { "" })
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
        self.env = out
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
            self.var("AUDIO_ENV_MODE"),
            Some(OsStr::new(mode.name())),
            "audio-env start printed no environment"
        );
    }

    /// The pid of the world's speech-dispatcher: the one `--speechd`
    /// started, else one a client autospawned (its own pid file).
    pub fn speechd_pid(&self) -> Option<u32> {
        let files = [
            self.dir.join("speech-dispatcher.pid"),
            self.dir
                .join("runtime/speech-dispatcher/pid/speech-dispatcher.pid"),
        ];
        files.iter().find_map(|f| {
            let pid: u32 = fs::read_to_string(f).ok()?.trim().parse().ok()?;
            let comm = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
            (comm.trim() == "speech-dispatch").then_some(pid)
        })
    }

    pub fn var(&self, name: &str) -> Option<&OsStr> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_os_str())
    }

    /// The world's environment with `extra` set on top.
    pub fn env_with(&self, extra: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        let mut env: Vec<(OsString, OsString)> = self
            .env
            .iter()
            .filter(|(k, _)| !extra.iter().any(|(name, _)| k == name))
            .cloned()
            .collect();
        env.extend(extra.iter().map(|(k, v)| (k.into(), v.into())));
        env
    }

    pub fn capture_dir(&self) -> PathBuf {
        self.dir.join("capture")
    }

    /// The capture files now, by name.
    pub fn captures(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = fs::read_dir(self.capture_dir())
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        files
    }

    pub fn log_tail(&self, name: &str) -> String {
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
pub struct Kiosk {
    pub pane: Pane,
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
    pub fn start(
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
    pub fn send(&self, key: &str) {
        let out = self.tmux_output(&["send-keys", "-t", self.session, "--", key]);
        assert!(
            out.status.success(),
            "send-keys {key}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Polls the screen until it shows every one of `present` and none of
    /// `absent`; returns it and how long that took.
    pub fn wait_screen(
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
    pub fn wait_log(&self, needle: &str, timeout: Duration) -> String {
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
    pub fn history(&self) -> String {
        let out = self.tmux_output(&["capture-pane", "-p", "-S", "-", "-t", self.session]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Asks the kiosk to leave (SIGTERM, as the service manager does) and
    /// waits for its exit status on the pane; returns the pane's history.
    pub fn terminate(&self) -> String {
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
    pub fn trace(&self) -> Vec<Value> {
        let text = fs::read_to_string(self.path("trace.jsonl")).unwrap_or_default();
        text.split_inclusive('\n')
            .filter(|l| l.ends_with('\n'))
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    /// Polls the trace until `found` picks something out of it.
    pub fn wait_trace<T>(
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
    pub fn stop(&mut self) {
        self.pane.stop();
    }
}

// ---------------------------------------------------------------------------
// Reading the trace

pub fn t_us(event: &Value) -> i128 {
    i128::from(event["t_us"].as_u64().unwrap_or_else(|| panic!("{event}")))
}

pub fn id_of(event: &Value) -> u64 {
    event["id"].as_u64().unwrap_or_else(|| panic!("{event}"))
}

/// The trace's zero on `CLOCK_MONOTONIC`, in ns.
pub fn trace_zero_ns(trace: &[Value]) -> i128 {
    let start = &trace[0];
    assert_eq!(start["ev"], "start", "{start}");
    i128::from(start["mono_ns"].as_u64().unwrap())
}

/// The `n`th (from 0) `key` event for `key`.
pub fn key_event<'a>(trace: &'a [Value], key: &str, n: usize) -> Option<&'a Value> {
    trace
        .iter()
        .filter(|e| e["ev"] == "key" && e["key"] == key)
        .nth(n)
}

/// The event `ev` (`audio_start`, `audio_stop`) for utterance `id`.
pub fn audio_event<'a>(trace: &'a [Value], ev: &str, id: u64) -> Option<&'a Value> {
    trace
        .iter()
        .find(|e| e["ev"] == ev && e["id"].as_u64() == Some(id))
}

/// The first `speak` of `kind` traced at or after `after_us`.
pub fn speak_after<'a>(trace: &'a [Value], kind: &str, after_us: i128) -> Option<&'a Value> {
    trace
        .iter()
        .find(|e| e["ev"] == "speak" && e["kind"] == kind && t_us(e) >= after_us)
}

pub fn speaks(trace: &[Value]) -> impl Iterator<Item = &Value> {
    trace.iter().filter(|e| e["ev"] == "speak")
}

// ---------------------------------------------------------------------------
// WAV files

/// What a WAV file holds, in 10 ms windows of its first channel.
#[derive(Debug)]
pub struct WavSummary {
    pub path: PathBuf,
    pub rate: u32,
    pub channels: u16,
    pub bits: u16,
    pub float: bool,
    pub seconds: f64,
    /// The loudest window's RMS (full scale 1.0).
    pub max_rms: f64,
    /// Time in windows louder than `SOUND_RMS`.
    pub sound_seconds: f64,
    /// Runs of windows that are not all zero bytes: (first frame, samples).
    pub segments: Vec<(u64, Vec<f32>)>,
}

impl WavSummary {
    pub fn has_sound(&self) -> bool {
        self.max_rms > SOUND_RMS
    }

    pub fn line(&self) -> String {
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

pub fn le16(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

pub fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// Reads a WAV file written by ALSA's `file` plugin (or aplay through it).
/// The plugin writes its header when the stream opens and fixes the sizes
/// only when it closes, so a size of 0 (or one past the end) means "to the
/// end of the file". Windows of zero bytes are skipped quickly: the kiosk's
/// own stream is mostly silence and hundreds of megabytes.
/// Whether what was appended to a 16-bit capture after `old_len` bytes has
/// sound (some 20 ms of it with RMS above `SOUND_RMS`).
pub fn appended_has_sound(path: &Path, old_len: u64) -> bool {
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

pub fn read_wav(path: &Path) -> WavSummary {
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
pub fn find_in_segments(summary: &WavSummary, pattern: &[f32], tolerance: f32) -> Option<u64> {
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
pub fn bundled_clip(id: &str, lang: &str) -> decode::Pcm {
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
pub struct Recording {
    pub bytes: Vec<u8>,
    pub reads: Vec<(i128, usize)>,
}

pub const REC_RATE: i128 = 48_000;

impl Recording {
    pub fn frames(&self) -> usize {
        self.bytes.len() / 2
    }

    pub fn sample(&self, i: usize) -> f32 {
        f32::from(i16::from_le_bytes([
            self.bytes[2 * i],
            self.bytes[2 * i + 1],
        ])) / 32_768.0
    }

    /// The monotonic time of frame 0: each read bounds it from above (its
    /// last frame was played no later than the read); the tightest bound
    /// wins. Later times computed from it err late, never early.
    pub fn zero_ns(&self) -> i128 {
        self.reads
            .iter()
            .map(|(at, bytes)| at - (*bytes as i128 / 2) * 1_000_000_000 / REC_RATE)
            .min()
            .expect("parec delivered nothing")
    }

    pub fn frame_at(&self, ns: i128) -> i128 {
        (ns - self.zero_ns()) * REC_RATE / 1_000_000_000
    }

    pub fn ns_of(&self, frame: usize) -> i128 {
        self.zero_ns() + frame as i128 * 1_000_000_000 / REC_RATE
    }

    pub fn peak(&self, from: i128, to: i128) -> f32 {
        let from = from.clamp(0, self.frames() as i128) as usize;
        let to = to.clamp(0, self.frames() as i128) as usize;
        (from..to).map(|i| self.sample(i).abs()).fold(0.0, f32::max)
    }
}

/// `parec` on the world's sink monitor, read by a thread of ours.
pub struct Recorder {
    pub child: Child,
    pub recording: Arc<Mutex<Recording>>,
    pub reader: Option<JoinHandle<()>>,
}

impl Recorder {
    pub fn start(world: &AudioWorld, log: &Path) -> Recorder {
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

    pub fn with<T>(&self, f: impl FnOnce(&Recording) -> T) -> T {
        f(&self.recording.lock().unwrap())
    }

    /// Waits until the recording reaches monotonic time `ns`.
    pub fn wait_until(&self, ns: i128, timeout: Duration) {
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

    pub fn finish(mut self) -> Recording {
        self.end();
        std::mem::take(&mut *self.recording.lock().unwrap())
    }

    pub fn end(&mut self) {
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
pub struct SilentServer {
    pub path: PathBuf,
    pub accepted: Arc<AtomicUsize>,
    pub done: Arc<AtomicBool>,
    pub thread: Option<JoinHandle<()>>,
}

impl SilentServer {
    pub fn start(path: PathBuf) -> SilentServer {
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

    pub fn address(&self) -> String {
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
// Processes

/// The children of `pid`, recursively, with their names (from /proc).
pub fn descendants(pid: u32) -> Vec<(u32, String)> {
    let mut found = Vec::new();
    let tasks = fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten();
    for task in tasks.flatten() {
        let children = fs::read_to_string(task.path().join("children")).unwrap_or_default();
        for kid in children
            .split_whitespace()
            .filter_map(|k| k.parse::<u32>().ok())
        {
            let comm = fs::read_to_string(format!("/proc/{kid}/comm")).unwrap_or_default();
            found.push((kid, comm.trim().to_string()));
            found.extend(descendants(kid));
        }
    }
    found
}

/// Sends `signal` (`KILL`, `TERM`, …) to `pid`.
pub fn signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args(["-s", signal, &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -s {signal} {pid}");
}

/// Processes a test orphaned (a killed daemon's modules): SIGKILLed on drop,
/// each only if it still has the name it had (its pid not reused).
pub struct Orphans(pub Vec<(u32, String)>);

impl Drop for Orphans {
    fn drop(&mut self) {
        for (pid, comm) in &self.0 {
            let now = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if now.trim() == comm {
                let _ = Command::new("kill")
                    .args(["-s", "KILL", &pid.to_string()])
                    .status();
            }
        }
    }
}

/// What the CI tests hold a reaction to (a frame after a key, a stop after
/// a key, silence after pause): a fifth of a second. That proves nothing
/// waited (a wedged daemon holds a caller 2 s and more; a stop that waited
/// for its clip to end takes the clip's length, over a second) while a CI
/// machine under load still passes. The tight figures (a few ms) are
/// `scripts/bench speech`'s, measured at a real-time sink.
pub const REACTION_BOUND_US: i128 = 250_000;
