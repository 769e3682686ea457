//! What the integration tests share: the release `kiosk` binary, a kiosk
//! running fullscreen in a private tmux server (its socket, config, pid
//! file, journal, trace and log in one directory), and the one rule for a
//! test whose tool is missing ([`require`]: skipped outside CI, failed in
//! CI). Each test binary uses only part of it.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)]

pub mod audio;
pub mod cups;
pub mod kiosk;

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How long the screen, the trace or the log may take to show what a key or
/// the start should bring (the trace is flushed every 100 ms), and how long
/// a hung-up kiosk may take to end.
pub const WAIT: Duration = Duration::from_secs(5);

const TMUX_CONF: &str = "set -g status off\n\
                         set -g default-terminal xterm-256color\n\
                         set -g default-shell /bin/sh\n";

/// Whether this is a CI run (`CI=true`): there scripts/setup has installed
/// every tool the tests use and the runner is root, so no test may skip.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| v == "true")
}

/// Whether a test that needs `what` may go on, `present` saying whether it
/// is there. A missing `what` fails the test in CI (see [`in_ci`]), so that
/// a missing tool never passes there unseen; elsewhere it is said on stderr
/// and gives `false`, and the test returns having checked nothing.
#[must_use]
pub fn require(present: bool, what: &str) -> bool {
    require_when(in_ci(), present, what)
}

/// [`require`] with CI given rather than read from the environment.
#[must_use]
pub fn require_when(ci: bool, present: bool, what: &str) -> bool {
    if present {
        return true;
    }
    assert!(
        !ci,
        "{what} is missing, and CI=true: a CI run skips nothing (scripts/setup installs the tools)"
    );
    eprintln!("SKIPPED: {what} is missing (with CI=true this test fails instead)");
    false
}

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn tempdir(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new().prefix(prefix).tempdir().unwrap()
}

/// The release binary, built once per test process when it is missing or
/// older than the debug one cargo built for these tests.
pub fn kiosk_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let release = root().join("target/release/kiosk");
        let debug = Path::new(env!("CARGO_BIN_EXE_kiosk"));
        let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
        let stale = match (modified(&release), modified(debug)) {
            (None, _) => true,
            (Some(release), Some(debug)) => release < debug,
            (Some(_), None) => false,
        };
        if stale {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let out = Command::new(cargo)
                .args(["build", "--release", "--locked", "--bin", "kiosk"])
                .arg("--target-dir")
                .arg(root().join("target"))
                .current_dir(root())
                .output()
                .expect("run cargo build --release");
            assert!(
                out.status.success(),
                "cargo build --release failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(release.exists(), "no {}", release.display());
        release
    })
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The state letter of a process (`R`, `S`, `T` for stopped, `Z`, …), if it
/// exists.
pub fn process_state(pid: u32) -> Option<char> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(") ")?.1.chars().next()
}

/// Calls `attempt` every `every` until it gives `Ok`; once `timeout` has
/// passed, panics with what `failure` makes of its last `Err`.
pub fn poll<T, E>(
    timeout: Duration,
    every: Duration,
    mut attempt: impl FnMut() -> Result<T, E>,
    failure: impl FnOnce(E) -> String,
) -> T {
    let start = Instant::now();
    loop {
        match attempt() {
            Ok(found) => return found,
            Err(last) if start.elapsed() >= timeout => panic!("{}", failure(last)),
            Err(_) => sleep(every),
        }
    }
}

/// Lays out `dir` for a kiosk in tmux: `config` as kiosk.toml, the tmux
/// config, and run.sh, the pane's script. It runs the release `kiosk run`
/// with `flags`, then the journal, trace and config flags, then `args`,
/// writing its pid to kiosk.pid; when the kiosk exits, it shows
/// `EXIT=<status>`, runs `after_exit` (shell lines) and sleeps. Returns the
/// pane's command.
pub fn write_run_script(
    dir: &Path,
    flags: &[&str],
    args: &[&str],
    config: &str,
    after_exit: &str,
) -> String {
    let binary = kiosk_binary();
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    fs::write(path("kiosk.toml"), config).unwrap();
    fs::write(path("tmux.conf"), TMUX_CONF).unwrap();
    let mut argv = vec![binary.to_string_lossy().into_owned(), "run".into()];
    argv.extend(flags.iter().map(|s| s.to_string()));
    argv.extend([
        "--journal-dir".into(),
        path("journal"),
        "--trace".into(),
        path("trace.jsonl"),
        "--config".into(),
        path("kiosk.toml"),
    ]);
    argv.extend(args.iter().map(|s| s.to_string()));
    let argv: Vec<String> = argv.iter().map(|a| sh_quote(a)).collect();
    // The kiosk's state directory (its last-start file) in the test's own.
    let script = format!(
        r#"unset STATE_DIRECTORY; export XDG_STATE_HOME={state}
sh -c 'echo $$ > "$0" && exec "$@"' {pidfile} {argv}
echo "EXIT=$?"
{after_exit}exec sleep 600
"#,
        state = sh_quote(&path("state")),
        pidfile = sh_quote(&path("kiosk.pid")),
        argv = argv.join(" "),
    );
    fs::write(path("run.sh"), script).unwrap();
    format!("exec sh {}", sh_quote(&path("run.sh")))
}

/// The tmux server of one kiosk (socket, config and the kiosk's files in
/// `dir`) and its session. Dropping it stops the kiosk (`stop`).
pub struct Pane {
    dir: PathBuf,
    /// The tmux session (and so the target) the kiosk runs in.
    pub session: &'static str,
    /// How often waits look again.
    poll: Duration,
    stopped: bool,
}

impl Drop for Pane {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Pane {
    /// The pane in `dir` (laid out by `write_run_script`); its server starts
    /// with the first `new-session`.
    pub fn new(dir: &Path, session: &'static str, poll: Duration) -> Pane {
        Pane {
            dir: dir.to_path_buf(),
            session,
            poll,
            stopped: false,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// tmux on this server, in a UTF-8 locale. `env`: the whole environment
    /// for it (a server started so hands it to its pane), or `None` for this
    /// process's own.
    pub fn tmux_env(&self, env: Option<&[(OsString, OsString)]>, args: &[&str]) -> Output {
        let mut command = Command::new("tmux");
        command
            .arg("-S")
            .arg(self.path("tmux.sock"))
            .arg("-f")
            .arg(self.path("tmux.conf"));
        if let Some(env) = env {
            command.env_clear().envs(env.iter().map(|(k, v)| (k, v)));
        }
        command
            .args(args)
            .env_remove("TMUX")
            .env("LANG", "C.UTF-8")
            .env("LC_ALL", "C.UTF-8")
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux ({e}); scripts/setup installs it"))
    }

    /// The tmux arguments that start the session, at 80x24, with the pane
    /// running `command`.
    pub fn new_session<'a>(&'a self, command: &'a str) -> [&'a str; 9] {
        let session = self.session;
        [
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "80",
            "-y",
            "24",
            command,
        ]
    }

    pub fn tmux_output(&self, args: &[&str]) -> Output {
        self.tmux_env(None, args)
    }

    /// The pane as text, trailing blanks trimmed.
    pub fn screen(&self) -> String {
        let out = self.tmux_output(&["capture-pane", "-p", "-t", self.session]);
        if !out.status.success() {
            return format!(
                "<capture-pane failed: {}>",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
        lines.join("\n").trim_end().to_string()
    }

    /// Polls the screen until `ok`; returns it and how long that took. After
    /// `timeout`, panics with what `failure` makes of the last screen.
    pub fn poll_screen(
        &self,
        timeout: Duration,
        ok: impl Fn(&str) -> bool,
        failure: impl FnOnce(&str) -> String,
    ) -> (String, Duration) {
        let start = Instant::now();
        let attempt = || {
            let screen = self.screen();
            if ok(&screen) {
                Ok((screen, start.elapsed()))
            } else {
                Err(screen)
            }
        };
        poll(timeout, self.poll, attempt, |screen| failure(&screen))
    }

    pub fn log(&self) -> String {
        read_if_file(&self.path("journal/kiosk.log"))
    }

    /// The last 60 lines of the trace, for a failure's report.
    pub fn trace_tail(&self) -> String {
        let trace = read_if_file(&self.path("trace.jsonl"));
        let tail: Vec<&str> = trace.lines().rev().take(60).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        tail.join("\n")
    }

    /// The kiosk's pid, once its script has written it.
    pub fn read_pid(&self) -> Option<u32> {
        fs::read_to_string(self.path("kiosk.pid"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }

    /// Kills the tmux server (the kiosk gets SIGHUP) and waits for the
    /// kiosk to end, so that none is left behind and its directory can go (a
    /// kiosk stuck on a dead terminal spins: crossterm-rs/crossterm#793);
    /// SIGKILL after `WAIT`. Idempotent.
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let _ = self.tmux_output(&["kill-server"]);
        let Some(pid) = self.read_pid() else {
            return;
        };
        let running = || matches!(process_state(pid), Some(s) if s != 'Z');
        let deadline = Instant::now() + WAIT;
        while running() && Instant::now() < deadline {
            sleep(self.poll);
        }
        if running() {
            eprintln!("kiosk {pid} ignored the hang-up: killing it");
            let _ = Command::new("kill")
                .args(["-s", "KILL", &pid.to_string()])
                .status();
        }
    }
}

/// A file's text; empty when it is missing or not a regular file (a test
/// may put a FIFO there, and reading one would block).
pub fn read_if_file(path: &Path) -> String {
    if fs::metadata(path).is_ok_and(|m| m.is_file()) {
        fs::read_to_string(path).unwrap_or_default()
    } else {
        String::new()
    }
}

/// What `program args` prints on stdout; the test fails, with its stderr,
/// when it does not succeed.
pub fn stdout_of(program: &str, args: &[&str]) -> String {
    let o = Command::new(program).args(args).output().unwrap();
    assert!(
        o.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}
