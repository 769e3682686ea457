//! `kiosk report` through the real binary: the exact JSON of DESIGN
//! section 6 on a hand-written journal (back, abandoned, restarted, a
//! blank line, an unknown version, corrupt lines and a torn last line), the
//! filters of section 7, directories, several flows, and clear errors.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const JOURNAL: &str = "tests/report/journal.jsonl";

fn kiosk_report(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .arg("report")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("XDG_STATE_HOME", "/nonexistent-state")
        .output()
        .expect("run the kiosk binary")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = kiosk_report(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("report JSON")
}

#[test]
fn hand_written_journal_gives_the_exact_json() {
    // Worked by hand from the fixture: welcome is visited 5 times (ms 4000,
    // 4200, 2500, 3000, 5000: median 4000), answered no once by the session
    // restarted on it; about_mfa 4 times (6000, 3000, 8001, 9000: median
    // (6000 + 8001) / 2 = 7000.5), with one back, 4 repeats, 3 help, and the
    // abandoned session stops there. Three lines are torn or corrupt (the
    // last one has no newline), one is schema v2, the blank line is nothing.
    let got = json(&[JOURNAL, "--format", "json"]);
    let want: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/report/journal.expected.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(got, want);
    assert_eq!(got["sessions"], 4);
    assert_eq!(got["skipped_lines"], 3);
    assert_eq!(got["unknown_version_lines"], 1);
    assert_eq!(got["steps"]["about_mfa"]["median_ms"], 7000.5);
    assert_eq!(got["steps"]["welcome"]["median_ms"], 4000);
    assert_eq!(got["steps"]["welcome"]["stopped_here"], 1);
    assert_eq!(got["steps"]["about_mfa"]["back"], 1);
    assert_eq!(got["steps"]["about_mfa"]["help"], 3);
    assert_eq!(got["outcomes"]["abandoned"], 1);
    assert_eq!(got["outcomes"]["restarted"], 1);
}

#[test]
fn filters_choose_the_records() {
    let by_kiosk = json(&[JOURNAL, "--format", "json", "--kiosk", "counter-2"]);
    assert_eq!(by_kiosk["sessions"], 2);
    let by_lang = json(&[JOURNAL, "--format", "json", "--session-lang", "en"]);
    assert_eq!(by_lang["sessions"], 1);
    assert_eq!(by_lang["outcomes"]["abandoned"], 1);
    // Dates are whole local days, hours are inclusive.
    let day = json(&[
        JOURNAL,
        "--format",
        "json",
        "--since",
        "2026-11-24",
        "--until",
        "2026-11-24",
    ]);
    assert_eq!(day["sessions"], 2);
    let hour = json(&[JOURNAL, "--format", "json", "--since", "2026-11-24T15"]);
    assert_eq!(hour["sessions"], 2);
    let until = json(&[JOURNAL, "--format", "json", "--until", "2026-11-24T14"]);
    assert_eq!(until["sessions"], 2);
    let none = json(&[JOURNAL, "--format", "json", "--flow-id", "other"]);
    assert_eq!(none["sessions"], 0);
    assert_eq!(none["steps"], serde_json::json!({}));
    // Bad lines are counted whatever the filter.
    assert_eq!(none["skipped_lines"], 3);
    let bad = kiosk_report(&[JOURNAL, "--since", "24/11/2026"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("YYYY-MM-DD"));
}

#[test]
fn several_flows_key_steps_by_flow_and_flow_id_picks_one() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(JOURNAL)).unwrap();
    fs::write(dir.path().join("a.jsonl"), &text).unwrap();
    fs::write(
        dir.path().join("b.jsonl"),
        text.replace("\"flow\":\"mfa-login\"", "\"flow\":\"other\""),
    )
    .unwrap();
    fs::write(dir.path().join("notes.txt"), "not a journal\n").unwrap();
    let d = dir.path().to_str().unwrap();
    let both = json(&[d, "--format", "json"]);
    assert_eq!(both["sessions"], 8);
    assert_eq!(both["steps"]["mfa-login/welcome"]["visits"], 5);
    assert_eq!(both["steps"]["other/welcome"]["visits"], 5);
    assert_eq!(both["skipped_lines"], 6);
    let one = json(&[d, "--format", "json", "--flow-id", "other"]);
    assert_eq!(one["sessions"], 4);
    assert_eq!(one["steps"]["welcome"]["visits"], 5);
}

#[test]
fn a_missing_file_is_a_clear_error_naming_it() {
    let out = kiosk_report(&[JOURNAL, "tests/report/missing.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tests/report/missing.jsonl"), "{err}");
    assert!(out.stdout.is_empty());
    // No FILE: the configured journal directory, here missing too.
    let out = kiosk_report(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent-state/counter-kiosk"));
}

#[test]
fn out_writes_the_file_and_formats_differ() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    let run = kiosk_report(&[JOURNAL, "--format", "html", "--out", out.to_str().unwrap()]);
    assert!(run.status.success());
    assert!(run.stdout.is_empty());
    let html = fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    let csv = kiosk_report(&[JOURNAL, "--format", "csv"]);
    assert!(String::from_utf8_lossy(&csv.stdout).starts_with("step,label,stage,reached"));
}
