//! The counter PC's side of the repository, without touching this machine:
//! `kiosk.service` verifies and scores within the hardening bound, and
//! `scripts/install` into a throwaway root then `scripts/uninstall` leaves
//! nothing but the journal (issue 7).
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use common::{kiosk_binary, root, tempdir};

/// The bound issue 7 sets on `systemd-analyze security` exposure.
const MAX_EXPOSURE: f64 = 2.5;

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e} (scripts/setup installs it)"))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_unit_verifies_apart_from_paths_only_the_counter_pc_has() {
    let out = run("systemd-analyze", &["verify", "kiosk.service"]);
    let output = text(&out);
    // Installed by scripts/install, so absent here.
    let counter_only = [
        "/usr/local/libexec/counter-kiosk/kiosk-display",
        "/usr/local/libexec/counter-kiosk/kiosk-seat-wait",
    ];
    for line in output.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            counter_only
                .iter()
                .any(|p| line.contains(&format!("Command {p} is not executable"))),
            "systemd-analyze verify: {line}\n{output}"
        );
    }
}

#[test]
fn the_unit_scores_within_the_hardening_bound() {
    let out = run(
        "systemd-analyze",
        &["security", "--offline=true", "--no-pager", "kiosk.service"],
    );
    let output = text(&out);
    let score = output
        .lines()
        .find_map(|l| l.split("exposure level for kiosk.service:").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no exposure level in:\n{output}"));
    println!("systemd-analyze security: exposure {score}");
    assert!(score <= MAX_EXPOSURE, "exposure {score} > {MAX_EXPOSURE}");
}

#[test]
fn the_unit_restarts_except_after_the_staff_exit() {
    let unit = fs::read_to_string(root().join("kiosk.service")).unwrap();
    let lines: BTreeSet<&str> = unit.lines().map(str::trim).collect();
    for wanted in [
        "Restart=always",
        "RestartPreventExitStatus=64",
        "User=kiosk",
        "StateDirectory=counter-kiosk",
        "ConfigurationDirectory=counter-kiosk",
        "ExecStart=/usr/local/libexec/counter-kiosk/kiosk-display /usr/local/bin/kiosk run",
    ] {
        assert!(lines.contains(wanted), "kiosk.service lacks {wanted}");
    }
}

/// Every file and directory under `dir`, relative, sorted.
fn tree(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(dir).unwrap().display().to_string();
            if path.is_dir() && !path.is_symlink() {
                stack.push(path.clone());
                out.insert(format!("{rel}/"));
            } else {
                out.insert(rel);
            }
        }
    }
    out
}

fn install(args: &[&str]) -> String {
    let out = Command::new(root().join("scripts/install"))
        .args(args)
        .current_dir(root())
        .env_remove("DESTDIR")
        // Its messages follow the locale (issue 18): English here.
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .output()
        .expect("run scripts/install");
    let output = text(&out);
    assert!(out.status.success(), "scripts/install {args:?}:\n{output}");
    output
}

fn uninstall(args: &[&str]) -> String {
    let out = Command::new(root().join("scripts/uninstall"))
        .args(args)
        .current_dir(root())
        .env_remove("DESTDIR")
        // Its messages follow the locale (issue 18): English here.
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .output()
        .expect("run scripts/uninstall");
    let output = text(&out);
    assert!(
        out.status.success(),
        "scripts/uninstall {args:?}:\n{output}"
    );
    output
}

#[test]
fn install_into_a_throwaway_root_is_idempotent_and_uninstall_keeps_only_the_journal() {
    let dir = tempdir("kiosk-install-");
    let target = dir.path().join("root");
    let target_s = target.to_str().unwrap();
    let binary = kiosk_binary().to_str().unwrap();

    // A dry run prints and creates nothing.
    let printed = install(&["--dry-run", "--root", target_s, "--binary", binary]);
    assert!(printed.contains("useradd"), "{printed}");
    assert!(!target.exists(), "--dry-run created {}", target.display());

    let first = install(&["--root", target_s, "--binary", binary]);
    // Nothing on this system: the user and systemd's state are only named.
    assert!(first.contains("(not with --root) useradd"), "{first}");
    for path in [
        "usr/local/bin/kiosk",
        "usr/local/libexec/counter-kiosk/kiosk-display",
        "usr/local/libexec/counter-kiosk/kiosk-seat-wait",
        "usr/share/counter-kiosk/flows/mfa-login.toml",
        "usr/share/counter-kiosk/audio/mfa-login/manifest.toml",
        "usr/share/doc/counter-kiosk/kiosk.example.toml",
        "etc/counter-kiosk/kiosk.toml",
        "etc/systemd/system/kiosk.service",
        "etc/systemd/system/multi-user.target.wants/kiosk.service",
        "var/lib/counter-kiosk",
        "etc/counter-kiosk/foot/foot.ini",
        "etc/systemd/logind.conf.d/counter-kiosk.conf",
        "etc/systemd/system.conf.d/counter-kiosk.conf",
        "etc/sysctl.d/90-counter-kiosk.conf",
    ] {
        // symlink_metadata: the enable link names /etc/…, outside the root.
        assert!(
            fs::symlink_metadata(target.join(path)).is_ok(),
            "{path} not installed"
        );
    }
    let mask = fs::read_link(target.join("etc/systemd/system/ctrl-alt-del.target"));
    assert_eq!(
        mask.ok().as_deref(),
        Some(Path::new("/dev/null")),
        "ctrl-alt-del.target not masked"
    );
    let example = fs::read(root().join("kiosk.example.toml")).unwrap();
    assert_eq!(
        fs::read(target.join("etc/counter-kiosk/kiosk.toml")).unwrap(),
        example
    );
    // The unprivileged kiosk user must read everything installed.
    for rel in tree(&target) {
        let path = target.join(rel.trim_end_matches('/'));
        if rel.starts_with("var/lib/counter-kiosk") || path.is_symlink() {
            continue;
        }
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        let needed = if path.is_dir() { 0o005 } else { 0o004 };
        assert_eq!(mode & needed, needed, "{rel} is mode {mode:o}");
    }
    // The speech config must name the installed paths, not the root's.
    if target.join("etc/counter-kiosk/speech-dispatcher").exists() {
        let grep = run("grep", &["-rl", target_s, &format!("{target_s}/etc")]);
        assert!(grep.stdout.is_empty(), "{}", text(&grep));
    }

    // Again, with the shop's own config: nothing changes, and it stays.
    let config = target.join("etc/counter-kiosk/kiosk.toml");
    fs::write(&config, "kiosk = \"counter-2\"\n").unwrap();
    let before = tree(&target);
    let second = install(&["--root", target_s, "--binary", binary]);
    assert!(
        second.contains("keeping /etc/counter-kiosk/kiosk.toml"),
        "{second}"
    );
    assert_eq!(tree(&target), before);
    assert_eq!(
        fs::read_to_string(&config).unwrap(),
        "kiosk = \"counter-2\"\n"
    );

    // Uninstall: only the journal directory keeps files.
    let journal = target.join("var/lib/counter-kiosk/journal-2026-11.jsonl");
    fs::write(&journal, "{\"v\":1}\n").unwrap();
    uninstall(&["--root", target_s]);
    let files: Vec<String> = tree(&target)
        .into_iter()
        .filter(|p| !p.ends_with('/'))
        .collect();
    assert_eq!(
        files,
        [
            "var/lib/counter-kiosk/journal-2026-11.jsonl",
            "var/lib/counter-kiosk/kiosk.toml.uninstalled",
        ],
        "left after uninstall"
    );
    let ours: Vec<String> = tree(&target)
        .into_iter()
        .filter(|p| p.contains("counter-kiosk") && !p.starts_with("var/lib/counter-kiosk"))
        .collect();
    assert!(ours.is_empty(), "left after uninstall: {ours:?}");

    assert!(
        fs::symlink_metadata(target.join("etc/systemd/system/ctrl-alt-del.target")).is_err(),
        "ctrl-alt-del.target still masked after uninstall"
    );

    uninstall(&["--root", target_s, "--purge"]);
    assert!(!target.join("var/lib/counter-kiosk").exists());
}

/// The actions foot 1.13 documents in its example config (every action it
/// has) under SECTION: the names of its `# action=…` lines.
fn foot_actions(example: &str, section: &str) -> Vec<String> {
    let header = format!("[{section}]");
    example
        .lines()
        .skip_while(|l| l.trim() != header)
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .filter_map(|l| {
            l.strip_prefix("# ")?
                .split_once('=')
                .map(|(k, _)| k.to_string())
        })
        .filter(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .collect()
}

#[test]
fn the_kiosks_foot_config_is_valid_and_unbinds_every_action() {
    let out = run("foot", &["--check-config", "-c", "lockdown/foot.ini"]);
    assert!(out.status.success(), "foot --check-config:\n{}", text(&out));
    let ours = fs::read_to_string(root().join("lockdown/foot.ini")).unwrap();
    let example = fs::read_to_string("/etc/xdg/foot/foot.ini")
        .expect("/etc/xdg/foot/foot.ini (Debian's foot package, scripts/setup installs it)");
    // Kept: noop does nothing; the override modifier only chooses which
    // modifier passes the mouse to foot, whose selections are unbound.
    let needed = ["noop", "selection-override-modifiers"];
    for section in ["key-bindings", "mouse-bindings"] {
        let actions = foot_actions(&example, section);
        assert!(actions.len() > 5, "{section}: {actions:?}");
        for action in actions.iter().filter(|a| !needed.contains(&a.as_str())) {
            let line = format!("\n{action}=none\n");
            assert!(ours.contains(&line), "[{section}] {action} is not unbound");
        }
    }
    assert!(ours.contains("\nlines=0\n"), "scrollback kept");
    // cage 0.1.4 loses foot's frames on partial damage (scripts/vm froze
    // at the first key without it).
    assert!(
        ours.contains("\n[tweak]\n") && ours.contains("\ndamage-whole-window=yes\n"),
        "foot must damage its whole window for cage 0.1.4"
    );
}

/// The Debian packages `scripts/install` installs on the counter PC.
fn runtime_packages() -> Vec<String> {
    let script = fs::read_to_string(root().join("scripts/install")).unwrap();
    let start = script.find("runtime_packages=(").unwrap() + "runtime_packages=(".len();
    let end = start + script[start..].find(')').unwrap();
    script[start..end]
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

// See: the binary gained Pango and Cairo (the printed sheet), the install
// did not, and the counter PC's kiosk stopped at every start with status
// 127 (a crash loop on the first boot, scripts/vm).
#[test]
fn every_library_the_binary_links_comes_with_the_installed_packages() {
    let linked = text(&run("ldd", &[kiosk_binary().to_str().unwrap()]));
    let libs: Vec<&str> = linked
        .lines()
        .filter_map(|l| l.split("=>").nth(1))
        .filter_map(|target| target.split_whitespace().next())
        .filter(|path| path.starts_with('/'))
        .collect();
    assert!(libs.len() > 5, "ldd: {linked}");
    // The packages the install brings in, with everything they depend on.
    let wanted = runtime_packages();
    let mut args = vec!["depends", "--recurse", "--no-recommends", "--no-suggests"];
    args.extend([
        "--no-conflicts",
        "--no-breaks",
        "--no-replaces",
        "--no-enhances",
    ]);
    args.extend(wanted.iter().map(String::as_str));
    let closure: BTreeSet<String> = text(&run("apt-cache", &args))
        .lines()
        .map(|l| {
            l.trim()
                .trim_start_matches("Depends: ")
                .trim_start_matches("PreDepends: ")
        })
        .map(|l| {
            l.trim_matches(|c| c == '<' || c == '>')
                .split(':')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    for lib in libs {
        let owner = text(&run("dpkg", &["-S", lib]));
        let package = owner.split(':').next().unwrap().trim().to_string();
        let real = fs::canonicalize(lib).unwrap();
        let owner_real = text(&run("dpkg", &["-S", real.to_str().unwrap()]));
        let package_real = owner_real.split(':').next().unwrap().trim().to_string();
        assert!(
            closure.contains(&package) || closure.contains(&package_real),
            "{lib} ({package} / {package_real}) is not among scripts/install's runtime \
             packages or what they depend on"
        );
    }
}
