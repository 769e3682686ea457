//! The counter screen for real (issue 7): `kiosk.service`'s own command
//! line (scripts/kiosk-display: cage + foot + kiosk) runs on cage's headless
//! backend as an unprivileged user (DESIGN section 8's recipe), `grim`
//! takes a screenshot, and OCR (`tesseract-ocr-jpn`) must read the welcome
//! step's Japanese in it: blank or tofu boxes read as nothing. The picture
//! is kept as `target/counter-screen/welcome.png` for a person to look at.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::{kiosk_binary, root, tempdir};

/// cage's headless output is 1280x720: size 22 gives 85x16 cells (DESIGN
/// section 8), the unit's size 32 is for a 1920x1080 counter display.
const HEADLESS_FONT: &str = "Noto Sans Mono CJK JP:size=22";
/// Where the unit installs what the test copies.
const UNIT_WRAPPER: &str = "/usr/local/libexec/counter-kiosk/kiosk-display";
const UNIT_KIOSK: &str = "/usr/local/bin/kiosk";
/// Start-up on a loaded CI machine: cage, Xwayland, foot, fonts, kiosk.
const PATIENCE: Duration = Duration::from_secs(30);

fn tool(name: &str) -> PathBuf {
    let found = ["/usr/bin", "/usr/sbin", "/bin", "/sbin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists());
    found.unwrap_or_else(|| panic!("{name} is not installed: run scripts/setup"))
}

/// Runs as this user, or as `nobody` when this is root (cage refuses root),
/// without privileges, as the unit's NoNewPrivileges and empty capability
/// set do.
fn as_unprivileged(world: &World) -> Command {
    if world.root {
        let mut c = Command::new(tool("setpriv"));
        c.args([
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "--no-new-privs",
            "--inh-caps=-all",
            "--",
        ]);
        c.arg(tool("env"));
        c
    } else {
        Command::new(tool("env"))
    }
}

/// A private place the unprivileged user can read and write: copies of the
/// binary and wrapper (a clone under /root is unreadable to it), its
/// runtime, state and cache directories.
struct World {
    dir: tempfile::TempDir,
    root: bool,
}

impl World {
    fn new() -> World {
        let dir = tempdir("kiosk-screen-");
        let id = Command::new(tool("id")).arg("-u").output().unwrap();
        let root = String::from_utf8_lossy(&id.stdout).trim() == "0";
        let world = World { dir, root };
        fs::set_permissions(world.path(""), fs::Permissions::from_mode(0o755)).unwrap();
        for sub in ["bin", "home", "run", "state", "cache", "config", "xdg"] {
            fs::create_dir(world.path(sub)).unwrap();
        }
        fs::copy(kiosk_binary(), world.path("bin/kiosk")).unwrap();
        fs::copy(
            root_path("scripts/kiosk-display"),
            world.path("bin/kiosk-display"),
        )
        .unwrap();
        fs::copy(
            root_path("kiosk.example.toml"),
            world.path("bin/kiosk.toml"),
        )
        .unwrap();
        // foot's config as scripts/install puts it: the lockdown's unbound
        // keys must leave the screen as it is.
        fs::create_dir(world.path("config/foot")).unwrap();
        fs::copy(
            root_path("lockdown/foot.ini"),
            world.path("config/foot/foot.ini"),
        )
        .unwrap();
        for f in ["bin", "bin/kiosk", "bin/kiosk-display", "bin/kiosk.toml"] {
            let mode = if f.ends_with(".toml") { 0o644 } else { 0o755 };
            fs::set_permissions(world.path(f), fs::Permissions::from_mode(mode)).unwrap();
        }
        fs::set_permissions(world.path("xdg"), fs::Permissions::from_mode(0o700)).unwrap();
        if world.root {
            let status = Command::new(tool("chown"))
                .arg("nobody:nogroup")
                .args(["home", "run", "state", "cache", "config", "xdg"].map(|s| world.path(s)))
                .status()
                .unwrap();
            assert!(status.success(), "chown");
        }
        world
    }

    fn path(&self, sub: &str) -> PathBuf {
        if sub.is_empty() {
            self.dir.path().to_path_buf()
        } else {
            self.dir.path().join(sub)
        }
    }

    /// The environment the unit gives, with this world's directories and
    /// cage's headless backend (DESIGN section 8).
    fn environment(&self) -> Vec<(String, String)> {
        let mut env = unit_environment();
        let p = |s: &str| self.path(s).display().to_string();
        for (key, value) in [
            ("PATH", "/usr/bin:/bin".to_string()),
            ("HOME", p("home")),
            ("XDG_RUNTIME_DIR", p("xdg")),
            ("RUNTIME_DIRECTORY", p("run")),
            ("STATE_DIRECTORY", p("state")),
            ("XDG_CONFIG_HOME", p("config")),
            ("XDG_CACHE_HOME", p("cache")),
            ("KIOSK_FONT", HEADLESS_FONT.to_string()),
            ("WLR_BACKENDS", "headless".to_string()),
            ("WLR_RENDERER", "pixman".to_string()),
            ("WLR_LIBINPUT_NO_DEVICES", "1".to_string()),
        ] {
            env.insert(key.to_string(), value);
        }
        env.into_iter().collect()
    }

    /// Starts ARGV (paths as in the unit) the way the unit would.
    fn start(&self, argv: &[String]) -> Running {
        let argv: Vec<String> = argv
            .iter()
            .map(|a| match a.as_str() {
                UNIT_WRAPPER => self.path("bin/kiosk-display").display().to_string(),
                UNIT_KIOSK => self.path("bin/kiosk").display().to_string(),
                _ => a.clone(),
            })
            .collect();
        let log = fs::File::create(self.path("display.log")).unwrap();
        // See: issue 11, defect 11. The checkout may sit in a home only its
        // owner can enter: start where the unprivileged user can.
        let child = as_unprivileged(self)
            .current_dir(self.path(""))
            .arg("-i")
            .args(self.environment().iter().map(|(k, v)| format!("{k}={v}")))
            .args(&argv)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        Running { child }
    }

    fn log(&self) -> String {
        fs::read_to_string(self.path("display.log")).unwrap_or_default()
    }

    /// A screenshot of the whole output, taken as the compositor's user.
    fn screenshot(&self, to: &Path) -> bool {
        as_unprivileged(self)
            .current_dir(self.path(""))
            .arg("-i")
            .arg(format!("XDG_RUNTIME_DIR={}", self.path("xdg").display()))
            .arg("WAYLAND_DISPLAY=wayland-0")
            .arg(tool("grim"))
            .arg(to)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

fn root_path(rel: &str) -> PathBuf {
    root().join(rel)
}

/// The unit's Environment= settings.
fn unit_environment() -> HashMap<String, String> {
    let unit = fs::read_to_string(root_path("kiosk.service")).unwrap();
    unit.lines()
        .filter_map(|l| l.trim().strip_prefix("Environment="))
        .filter_map(|v| {
            let v = v.trim_matches('"');
            let (k, v) = v.split_once('=')?;
            Some((k.to_string(), v.to_string()))
        })
        .collect()
}

/// The unit's ExecStart= command line (it has no quoting).
fn unit_exec_start() -> Vec<String> {
    let unit = fs::read_to_string(root_path("kiosk.service")).unwrap();
    let line = unit
        .lines()
        .find_map(|l| l.trim().strip_prefix("ExecStart="))
        .expect("kiosk.service has ExecStart=");
    assert!(!line.contains('"'), "ExecStart= gained quoting: {line}");
    line.split_whitespace().map(str::to_string).collect()
}

/// The process tree under the spawned command; ended by PID on drop.
struct Running {
    child: Child,
}

impl Running {
    /// Every process under ours, from /proc.
    fn descendants(&self) -> Vec<(u32, String)> {
        let mut out = Vec::new();
        let mut todo = vec![self.child.id()];
        while let Some(pid) = todo.pop() {
            let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
                continue;
            };
            for task in tasks.flatten() {
                let children = fs::read_to_string(task.path().join("children")).unwrap_or_default();
                for kid in children.split_whitespace().filter_map(|k| k.parse().ok()) {
                    let comm = fs::read_to_string(format!("/proc/{kid}/comm")).unwrap_or_default();
                    out.push((kid, comm.trim().to_string()));
                    todo.push(kid);
                }
            }
        }
        out
    }

    fn signal(pid: u32, signal: &str) {
        let _ = Command::new(tool("kill"))
            .args([format!("-{signal}"), pid.to_string()])
            .status();
    }

    fn wait(&mut self, within: Duration) -> Option<ExitStatus> {
        let until = Instant::now() + within;
        while Instant::now() < until {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            for (pid, _) in self.descendants() {
                Running::signal(pid, "KILL");
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn ocr(png: &Path) -> String {
    let out = Command::new(tool("tesseract"))
        .arg(png)
        .args(["-", "-l", "jpn"])
        .stderr(Stdio::null())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Pieces of the welcome step (flows/mfa-login.toml) OCR must read: its
/// title, question and stage, all Japanese.
const WELCOME: [&str; 3] = ["パスワード", "確認のコード", "状況の確認"];

/// Whether OCR read `piece` within one edit: a glyph misread, dropped or
/// added. OCR slips (a VM run once read 確認のコード as 確のコード), and
/// under heavy load one screenshot showed one glyph half painted (cause not
/// found: foot's or ours). Reading four of five kana right still takes
/// Japanese drawn properly. vm_test.py keeps the same rule.
fn reads(text: &str, piece: &str) -> bool {
    let text: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    // Sellers' approximate substring match: row[j] is the fewest edits
    // turning the piece so far into some text ending at text[j - 1].
    let mut row = vec![0usize; text.len() + 1];
    for (i, p) in piece.chars().enumerate() {
        let prev = std::mem::replace(&mut row, vec![i + 1; 1]);
        for (j, t) in text.iter().enumerate() {
            let substituted = prev[j] + usize::from(p != *t);
            let dropped = prev[j + 1] + 1;
            let added = row[j] + 1;
            row.push(substituted.min(dropped).min(added));
        }
    }
    row.into_iter().min().is_some_and(|edits| edits <= 1)
}

#[test]
fn one_ocr_slip_is_tolerated_and_two_are_not() {
    assert!(reads("先にパスワ ードを", "パスワード"));
    assert!(reads("先にパスフードを", "パスワード"));
    assert!(reads("あと、確のコードを", "確認のコード"));
    assert!(reads("あと、確認のココードを", "確認のコード"));
    assert!(!reads("先にバスフードを", "パスワード"));
    assert!(!reads("あと、確のコを", "確認のコード"));
    assert!(!reads("", "パスワード"));
}

#[test]
fn the_units_command_line_shows_the_welcome_step_in_japanese_on_cage() {
    let world = World::new();
    let mut argv = unit_exec_start();
    assert_eq!(argv[..3], [UNIT_WRAPPER, UNIT_KIOSK, "run"], "{argv:?}");
    let trace = world.path("state/trace.jsonl");
    // Silent: a speech-dispatcher autospawned as the test user would
    // outlive the test (the voice has tests of its own).
    argv.extend(
        [
            "--no-speech",
            "--config",
            &world.path("bin/kiosk.toml").display().to_string(),
            "--trace",
            &trace.display().to_string(),
        ]
        .map(String::from),
    );
    let started = Instant::now();
    let mut running = world.start(&argv);

    let shot = world.path("run/welcome.png");
    let mut text = String::new();
    let mut framed = false;
    while started.elapsed() < PATIENCE {
        if let Some(status) = running.child.try_wait().unwrap() {
            panic!("the display ended early: {status}\n{}", world.log());
        }
        framed = framed || fs::read_to_string(&trace).is_ok_and(|t| t.contains("\"ev\":\"frame\""));
        if framed && world.screenshot(&shot) {
            text = ocr(&shot);
            if WELCOME.iter().all(|w| reads(&text, w)) {
                break;
            }
        }
        sleep(Duration::from_millis(300));
    }
    let kept = root_path("target/counter-screen");
    fs::create_dir_all(&kept).unwrap();
    if shot.exists() {
        fs::copy(&shot, kept.join("welcome.png")).unwrap();
    }
    println!(
        "counter screen after {:.1} s, OCR: {text}",
        started.elapsed().as_secs_f64()
    );
    assert!(framed, "the kiosk traced no frame\n{}", world.log());
    for w in WELCOME {
        assert!(
            reads(&text, w),
            "OCR of target/counter-screen/welcome.png lacks {w:?}: {text:?}\n{}",
            world.log()
        );
    }

    // SIGTERM to the kiosk (as `systemctl stop` does to the whole unit):
    // it exits 0, and so do foot, cage and the wrapper.
    let kiosk: Vec<u32> = running
        .descendants()
        .into_iter()
        .filter(|(_, comm)| comm == "kiosk")
        .map(|(pid, _)| pid)
        .collect();
    assert_eq!(kiosk.len(), 1, "{:?}", running.descendants());
    Running::signal(kiosk[0], "TERM");
    let status = running.wait(Duration::from_secs(10));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", world.log());
}

#[test]
fn the_staff_exit_status_comes_out_through_cage() {
    // cage 0.1.4 itself always exits 0; kiosk-display must pass 64 on, or
    // RestartPreventExitStatus=64 never matches.
    let world = World::new();
    for code in [64, 3] {
        let argv = [
            UNIT_WRAPPER.to_string(),
            "/bin/sh".into(),
            "-c".into(),
            format!("sleep 0.2; exit {code}"),
        ];
        let mut running = world.start(&argv);
        let status = running.wait(PATIENCE);
        assert_eq!(status.and_then(|s| s.code()), Some(code), "{}", world.log());
    }
}
