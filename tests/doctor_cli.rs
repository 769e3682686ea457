//! `kiosk doctor` through the real binary, on this machine as it is (no
//! sound card in CI): it must finish within its bounds, name what is
//! missing, and exit as documented (0 only when every check passed, else 1).
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The slowest probe's bound (speech-dispatcher, 8 s) with room to spare.
const WITHIN: Duration = Duration::from_secs(20);

/// Runs doctor in a private world: HOME, runtime, config and journal
/// directories under `dir`, and TERM=linux, which must fail the Japanese
/// check whatever else this machine has.
fn doctor(dir: &Path, args: &[&str]) -> (Output, Duration) {
    let runtime = dir.join("runtime");
    fs::create_dir_all(&runtime).unwrap();
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .arg("doctor")
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("STATE_DIRECTORY", dir.join("state"))
        .env("TERM", "linux")
        .output()
        .unwrap();
    let took = started.elapsed();
    stop_autospawned_speechd(&runtime);
    (out, took)
}

/// Doctor reaches speech-dispatcher as the kiosk does, which starts one
/// when none runs: end it by the PID in its pid file.
fn stop_autospawned_speechd(runtime: &Path) {
    let pidfile = runtime.join("speech-dispatcher/pid/speech-dispatcher.pid");
    let Ok(pid) = fs::read_to_string(pidfile) else {
        return;
    };
    let pid = pid.trim();
    let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    if comm.trim() != "speech-dispatch" {
        return;
    }
    let _ = Command::new("kill").args(["-TERM", pid]).status();
    // It can hang on SIGTERM with no audio (DESIGN section 4). A zombie
    // (state Z: nobody reaps it in a container) counts as gone.
    let gone = || {
        fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| {
            s.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
    };
    for _ in 0..20 {
        if gone() {
            return;
        }
        sleep(Duration::from_millis(100));
    }
    let _ = Command::new("kill").args(["-KILL", pid]).status();
}

fn no_sound_card() -> bool {
    fs::read_to_string("/proc/asound/cards").map_or(true, |c| c.contains("no soundcards"))
}

#[test]
fn doctor_json_names_each_check_and_fails_on_the_text_console() {
    let dir = tempfile::tempdir().unwrap();
    let (out, took) = doctor(dir.path(), &["--json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(took < WITHIN, "doctor took {took:?}");
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["ok"], false);
    let checks = report["checks"].as_array().unwrap();
    let get = |name: &str| {
        checks
            .iter()
            .find(|c| c["check"] == name)
            .unwrap_or_else(|| panic!("no {name} check in {stdout}"))
    };
    for name in [
        "config",
        "flow",
        "terminal_size",
        "japanese",
        "sound",
        "speech_dispatcher",
        "clips",
        "journal",
    ] {
        let c = get(name);
        assert!(c["message"].as_str().is_some_and(|m| !m.is_empty()), "{c}");
    }
    assert_eq!(get("japanese")["ok"], false);
    assert!(get("japanese")["message"]
        .as_str()
        .unwrap()
        .contains("TERM=linux"));
    // The bundled flow and its embedded clips are always there.
    assert_eq!(get("flow")["ok"], true);
    assert_eq!(get("clips")["ok"], true, "{}", get("clips"));
    assert_eq!(get("journal")["ok"], true, "{}", get("journal"));
    if no_sound_card() {
        let sound = get("sound");
        assert_eq!(sound["ok"], false);
        let message = sound["message"].as_str().unwrap();
        assert!(message.contains("no sound output device"), "{message}");
        assert!(message.contains("default device"), "{message}");
    }
    // Either the daemon answered and each flow language is judged, or it
    // did not and that is said.
    let speechd = get("speech_dispatcher");
    if speechd["ok"] == true {
        get("voice_ja");
        get("voice_en");
    } else {
        assert!(speechd["message"]
            .as_str()
            .unwrap()
            .contains("speech-dispatcher"));
    }
    println!("doctor --json in {took:?}:\n{stdout}");
}

#[test]
fn doctor_prints_a_tick_or_cross_per_check_and_reads_a_broken_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kiosk.toml");
    fs::write(
        &config,
        "idle_timeout_s = \"soon\"\n[speech]\nenabled = false\n",
    )
    .unwrap();
    let (out, _) = doctor(dir.path(), &["--config", config.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    let (summary, checks) = lines.split_last().unwrap();
    assert!(summary.contains("checks failed"), "{stdout}");
    assert!(
        checks
            .iter()
            .all(|l| l.starts_with("✔ ") || l.starts_with("✘ ")),
        "{stdout}"
    );
    assert!(
        checks
            .iter()
            .any(|l| l.starts_with("✘ config:") && l.contains("kiosk.toml:1:")),
        "{stdout}"
    );
}

/// See issue 16: a printer line only when `[print] printer` is set; a
/// queue CUPS does not have (or a cupsd that is not there) fails it in
/// time.
#[test]
fn doctor_checks_the_configured_printer_only() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = doctor(dir.path(), &["--json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let has_printer = |r: &Value| {
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == "printer")
            .cloned()
    };
    assert_eq!(has_printer(&report), None);
    let config = dir.path().join("kiosk.toml");
    std::fs::write(&config, "[print]\nprinter = \"no-such-printer-here\"\n").unwrap();
    let (out, took) = doctor(
        dir.path(),
        &["--json", "--config", config.to_str().unwrap()],
    );
    assert!(took < WITHIN, "doctor took {took:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let printer = has_printer(&report).unwrap();
    assert_eq!(printer["ok"], false, "{printer}");
    let message = printer["message"].as_str().unwrap();
    assert!(message.contains("no-such-printer-here"), "{message}");
}
