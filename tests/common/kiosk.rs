//! A kiosk running fullscreen in a private tmux server, driven key by key
//! and read back (screen, journal, trace, log): what the end-to-end tests
//! share. Nothing sleeps blindly: every wait polls against a deadline.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::ops::Deref;
use std::path::PathBuf;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{poll, process_state, root, tempdir, write_run_script, Pane, WAIT};

/// The least time between two keys that must both count.
pub const KEY_GAP: Duration = Duration::from_millis(650);
pub const POLL: Duration = Duration::from_millis(40);

/// After the kiosk exits, the pane shows the terminal modes it left.
pub const SHOW_TTY: &str = r#"printf 'TTY:'
stty -a | tr -s ' ;' '\n\n' | grep -E '^-?(isig|icanon|echo)$' | tr '\n' ' '
echo
"#;

pub fn fixture(name: &str) -> String {
    let path = root().join("tests/e2e").join(name);
    path.to_string_lossy().into_owned()
}

pub fn local_hour() -> String {
    chrono::Local::now().format("%Y-%m-%dT%H").to_string()
}

/// The first 8 hex digits of the SHA-256 of a file (DESIGN section 5).
pub fn flow_hash(path: &str) -> String {
    let digest = Sha256::digest(fs::read(path).unwrap());
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// One kiosk running fullscreen in its own tmux server, whose socket lives
/// in the test's temporary directory. Dropping it kills the server (and so
/// the kiosk, by SIGHUP) and waits for the kiosk to end.
pub struct Kiosk {
    pub pane: Pane,
    /// After `pane`: the kiosk ends before its directory goes.
    pub _dir: tempfile::TempDir,
    /// When the last key went in, or its effect was last seen on screen.
    pub last_key: Option<Instant>,
    /// The local hour when the kiosk started: records carry it (or the next).
    pub started_hour: String,
}

impl Deref for Kiosk {
    type Target = Pane;

    fn deref(&self) -> &Pane {
        &self.pane
    }
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // What the kiosk saw, to go with the failure's last screen.
            eprintln!("--- trace.jsonl (last lines):\n{}", self.trace_tail());
        }
    }
}

impl Kiosk {
    /// `kiosk run --no-speech` with `extra` flags, its journal, log, trace
    /// and config (`config`'s text) in a fresh temporary directory, at 80x24.
    /// When it exits, the pane shows `EXIT=<status>` and the terminal modes.
    pub fn start(extra: &[&str], config: &str) -> Kiosk {
        Kiosk::start_in(tempdir("kiosk-e2e-"), extra, config)
    }

    /// As `start`, in a directory the test has prepared.
    pub fn start_in(dir: tempfile::TempDir, extra: &[&str], config: &str) -> Kiosk {
        let command = write_run_script(dir.path(), &["--no-speech"], extra, config, SHOW_TTY);
        let kiosk = Kiosk {
            pane: Pane::new(dir.path(), "e2e", POLL),
            _dir: dir,
            last_key: None,
            started_hour: local_hour(),
        };
        kiosk.tmux(&kiosk.new_session(&command));
        kiosk
    }

    /// Starts the same command line again in a fresh session (after the
    /// kiosk died or exited): same journal, config and trace.
    pub fn rerun(&mut self) {
        let _ = self.tmux_output(&["kill-session", "-t", self.session]);
        let command = format!("exec sh '{}'", self.path("run.sh").display());
        let _ = fs::remove_file(self.path("kiosk.pid"));
        self.tmux(&self.new_session(&command));
        self.last_key = None;
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = self.tmux_output(args);
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the screen until `ok`, failing after `timeout` with the last
    /// screen and the kiosk's log.
    pub fn wait_for(&mut self, what: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> String {
        let (screen, _) = self.poll_screen(timeout, ok, |screen| {
            format!(
                "timed out after {timeout:?} waiting for {what}; last screen:\n{screen}\n\
                 --- kiosk.log:\n{}",
                self.log()
            )
        });
        self.last_key = self.last_key.map(|_| Instant::now());
        screen
    }

    /// Waits until every one of `present` is on screen and none of `absent`.
    pub fn wait_screen(&mut self, present: &[&str], absent: &[&str]) -> String {
        let what = format!("{present:?} without {absent:?}");
        self.wait_for(&what, WAIT, |s| {
            present.iter().all(|t| s.contains(t)) && !absent.iter().any(|t| s.contains(t))
        })
    }

    /// Like `wait_screen`, then until two captures in a row agree (a frame
    /// can be captured half drawn).
    pub fn settled(&mut self, present: &[&str]) -> String {
        let mut last = self.wait_screen(present, &[]);
        let deadline = Instant::now() + WAIT;
        loop {
            sleep(Duration::from_millis(150));
            let now = self.screen();
            if now == last {
                return now;
            }
            assert!(Instant::now() < deadline, "screen never settled:\n{now}");
            last = now;
        }
    }

    /// Sends keys (tmux key names) at once, as fast as tmux types them.
    pub fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session, "--"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Sends one key that must count: no sooner than `KEY_GAP` after the
    /// previous key or the last sight of its effect.
    pub fn press(&mut self, key: &str) {
        if let Some(last) = self.last_key {
            let ready = last + KEY_GAP;
            let now = Instant::now();
            if ready > now {
                sleep(ready - now);
            }
        }
        self.send(&[key]);
        self.last_key = Some(Instant::now());
    }

    /// Presses `key`, then waits for `present` and the end of `absent`.
    pub fn step(&mut self, key: &str, present: &[&str], absent: &[&str]) -> String {
        self.press(key);
        self.wait_screen(present, absent)
    }

    pub fn resize(&self, width: u16, height: u16) {
        let (w, h) = (width.to_string(), height.to_string());
        self.tmux(&["resize-window", "-t", self.session, "-x", &w, "-y", &h]);
    }

    pub fn pid(&self) -> u32 {
        poll(
            WAIT,
            POLL,
            || self.read_pid().ok_or(()),
            |()| format!("no {}", self.path("kiosk.pid").display()),
        )
    }

    pub fn assert_alive(&self) {
        let pid = self.pid();
        let state = process_state(pid);
        assert!(
            matches!(state, Some(s) if !"TtZX".contains(s)),
            "kiosk {pid} is not running (state {state:?}); screen:\n{}\n--- kiosk.log:\n{}",
            self.screen(),
            self.log()
        );
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args(["-s", signal, &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -s {signal} failed");
    }

    /// Waits for the kiosk to exit; its status and the screen left behind.
    pub fn wait_exit(&mut self) -> (i32, String) {
        let screen = self.wait_for("the kiosk to exit", WAIT, |s| {
            s.contains("EXIT=")
                && s.lines()
                    .any(|l| l.starts_with("TTY:") && l.contains("echo"))
        });
        let code = screen
            .lines()
            .find_map(|l| l.trim().strip_prefix("EXIT="))
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("no exit status on screen:\n{screen}"));
        (code, screen)
    }

    /// The terminal is back as the shell had it: normal screen, cooked mode
    /// with signals and echo, cursor shown, and none of the kiosk's text.
    pub fn assert_restored(&self, screen: &str, gone: &[&str]) {
        let state = self.tmux(&[
            "display",
            "-p",
            "-t",
            self.session,
            "#{alternate_on} #{cursor_flag}",
        ]);
        assert_eq!(state.trim(), "0 1", "alternate screen, cursor:\n{screen}");
        let tty = screen.lines().find(|l| l.starts_with("TTY:")).unwrap();
        assert_eq!(tty, "TTY:isig icanon echo", "terminal modes not restored");
        for text in gone {
            assert!(!screen.contains(text), "{text:?} left on screen:\n{screen}");
        }
        let log = self.log();
        assert!(!log.contains("panicked"), "kiosk.log:\n{log}");
    }

    /// The journal's lines, once there are `count` of them (and no more).
    pub fn journal(&self, count: usize) -> Vec<String> {
        self.journal_within(count, WAIT)
    }

    /// The journal's lines, once there are `count` of them, waiting at most
    /// `timeout` (a failing disk is retried every 5 s).
    pub fn journal_within(&self, count: usize, timeout: Duration) -> Vec<String> {
        let dir = self.path("journal");
        let deadline = Instant::now() + timeout;
        loop {
            let files: Vec<PathBuf> = fs::read_dir(&dir)
                .map(|entries| {
                    entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                        .collect()
                })
                .unwrap_or_default();
            assert!(files.len() <= 1, "several journal files: {files:?}");
            let lines: Vec<String> = files
                .first()
                .and_then(|f| fs::read_to_string(f).ok())
                .map(|text| {
                    // Only whole lines: one may be half appended right now.
                    let whole = text.split_inclusive('\n').filter(|l| l.ends_with('\n'));
                    whole.map(|l| l.trim_end().to_string()).collect()
                })
                .unwrap_or_default();
            if lines.len() >= count || Instant::now() >= deadline {
                assert_eq!(lines.len(), count, "journal:\n{}", lines.join("\n"));
                if let Some(file) = files.first() {
                    let name = file.file_name().unwrap().to_string_lossy().into_owned();
                    let month = |hour: &str| format!("journal-{}.jsonl", &hour[..7]);
                    assert!(
                        name == month(&self.started_hour) || name == month(&local_hour()),
                        "journal file {name}"
                    );
                }
                return lines;
            }
            sleep(POLL);
        }
    }

    /// The trace's whole lines so far, parsed (while the kiosk runs: the
    /// last line may be half written).
    pub fn trace_now(&self) -> Vec<Value> {
        fs::read_to_string(self.path("trace.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Waits until the trace holds `count` key events, that is until the
    /// kiosk has read that many keys; the UI thread takes each as it is read,
    /// well within the up to 100 ms the trace takes to reach the file. What
    /// a key that changes nothing on screen is waited on.
    pub fn wait_keys_read(&self, count: usize) -> Vec<Value> {
        let attempt = || {
            let trace = self.trace_now();
            if trace_keys(&trace).len() >= count {
                Ok(trace)
            } else {
                Err(trace)
            }
        };
        poll(WAIT, POLL, attempt, |trace| {
            let keys = trace_keys(&trace);
            format!("the trace has {} of {count} keys: {keys:?}", keys.len())
        })
    }

    /// The trace's lines, parsed (read after the kiosk exited).
    pub fn trace(&self) -> Vec<Value> {
        fs::read_to_string(self.path("trace.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

pub fn trace_keys(trace: &[Value]) -> Vec<String> {
    trace
        .iter()
        .filter(|e| e["ev"] == "key")
        .map(|e| e["key"].as_str().unwrap().to_string())
        .collect()
}

/// What a journal record must hold. `path` spells each step as
/// `"id answer"` or `"id answer repeats help"`.
pub struct Expect<'a> {
    pub flow: &'a str,
    pub hash: &'a str,
    pub kiosk: &'a str,
    pub lang: &'a str,
    pub outcome: &'a str,
    pub path: &'a [&'a str],
    pub help: u64,
    pub back: u64,
}

pub const RECORD_KEYS: [&str; 12] = [
    "v",
    "flow",
    "flow_hash",
    "kiosk",
    "hour",
    "lang",
    "outcome",
    "end",
    "steps",
    "help",
    "back",
    "duration_ms",
];

/// Checks one journal line against DESIGN section 5 and `expect`.
pub fn check_record(kiosk: &Kiosk, line: &str, expect: &Expect<'_>) -> Value {
    let record: Value = serde_json::from_str(line).unwrap();
    let fields = record.as_object().unwrap();
    assert_eq!(fields.len(), RECORD_KEYS.len(), "fields of {line}");
    let mut at = 0;
    for key in RECORD_KEYS {
        let quoted = format!("\"{key}\":");
        let found = line[at..].find(&quoted);
        at += found.unwrap_or_else(|| panic!("{key} missing or out of order: {line}")) + 1;
    }
    assert_eq!(record["v"], 1, "{line}");
    assert_eq!(record["flow"], expect.flow, "{line}");
    assert_eq!(record["flow_hash"], expect.hash, "{line}");
    assert_eq!(record["kiosk"], expect.kiosk, "{line}");
    let hour = record["hour"].as_str().unwrap();
    assert!(
        hour == kiosk.started_hour || hour == local_hour(),
        "hour {hour} {line}"
    );
    assert_eq!(record["lang"], expect.lang, "{line}");
    assert_eq!(record["outcome"], expect.outcome, "{line}");
    assert_eq!(record["help"], expect.help, "{line}");
    assert_eq!(record["back"], expect.back, "{line}");
    let steps = record["steps"].as_array().unwrap();
    let walked: Vec<String> = steps
        .iter()
        .map(|s| {
            // A print step's answered yes also carries "print" (issue 16).
            let fields = 5 + usize::from(s.get("print").is_some());
            assert_eq!(s.as_object().unwrap().len(), fields, "{s}");
            let (repeats, help) = (&s["repeats"], &s["help"]);
            let mut spelled = format!(
                "{} {}",
                s["id"].as_str().unwrap(),
                s["answer"].as_str().unwrap()
            );
            if repeats != 0 || help != 0 {
                spelled += &format!(" {repeats} {help}");
            }
            spelled
        })
        .collect();
    assert_eq!(walked, expect.path, "{line}");
    let last = expect.path.last().unwrap().split(' ').next().unwrap();
    assert_eq!(record["end"], last, "{line}");
    let ms: Vec<u64> = steps.iter().map(|s| s["ms"].as_u64().unwrap()).collect();
    for (i, (step, ms)) in steps.iter().zip(&ms).enumerate() {
        if step["answer"] == "none" {
            if !["abandoned", "restarted"].contains(&expect.outcome) {
                assert_eq!(*ms, 0, "an ending counts 0 ms: {line}");
            }
        } else if i > 0 {
            // Every key here comes at least KEY_GAP after the step showed.
            assert!(*ms >= 600, "step {i} left too soon: {line}");
        }
    }
    // The visits tile the session: only rounding to whole ms differs.
    let total: u64 = ms.iter().sum();
    let duration = record["duration_ms"].as_u64().unwrap();
    assert!(
        (total..=total + ms.len() as u64).contains(&duration),
        "duration_ms against the steps' ms: {line}"
    );
    record
}

/// Walks key by key; each key must bring its texts and take the previous
/// step's first text off the screen (when it changes).
pub fn walk(kiosk: &mut Kiosk, from: &str, steps: &[(&str, &[&str])]) {
    let mut previous = from;
    for (key, present) in steps {
        let first = present.first().copied().unwrap_or(previous);
        let absent: &[&str] = if first == previous { &[] } else { &[previous] };
        kiosk.step(key, present, absent);
        previous = first;
    }
}

/// The seconds of the idle countdown on screen, if shown.
pub fn countdown(screen: &str) -> Option<u32> {
    let line = screen
        .lines()
        .find(|l| l.contains("秒で最初の画面に戻ります"))?;
    let after = line.split("あと").nth(1)?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}
