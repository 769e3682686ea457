//! `kiosk report` on journals built to hurt it, through the real binary: a
//! 50 MB line, an endless one (`/dev/zero`), a FIFO, many distinct step ids,
//! more than the cap of step ids, and counters near `u64::MAX`. Memory is
//! read from `/usr/bin/time` (peak RSS of the child; scripts/setup installs
//! it, and in CI its absence fails the test), or from `/proc/PID/status`
//! while an endless read runs.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::require;

const GOOD: &str = r#"{"v":1,"flow":"mfa-login","flow_hash":"3f2a9c1e","kiosk":"counter-1","hour":"2026-11-24T14","lang":"ja","outcome":"resolved","end":"done_resolved","steps":[{"id":"welcome","answer":"yes","ms":4200,"repeats":0,"help":0},{"id":"done_resolved","answer":"none","ms":0,"repeats":0,"help":0}],"help":0,"back":0,"duration_ms":4200}"#;

fn kiosk() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kiosk"));
    c.arg("report")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("XDG_STATE_HOME", "/nonexistent-state");
    c
}

/// Runs `kiosk report ARGS`, with its peak RSS in KB from `/usr/bin/time`
/// (`None` only outside CI, when it is not installed).
fn report_measured(args: &[&str]) -> (Output, Option<u64>) {
    let time = Path::new("/usr/bin/time");
    if !require(
        time.exists(),
        "/usr/bin/time (Debian package `time`), to measure peak RSS",
    ) {
        let out = kiosk().args(args).output().unwrap();
        return (out, None);
    }
    let dir = tempfile::tempdir().unwrap();
    let rss = dir.path().join("rss");
    let out = Command::new(time)
        .args(["-f", "%M", "-o"])
        .arg(&rss)
        .arg(env!("CARGO_BIN_EXE_kiosk"))
        .arg("report")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("XDG_STATE_HOME", "/nonexistent-state")
        .output()
        .unwrap();
    let written = fs::read_to_string(&rss).unwrap_or_default();
    let kb = written.lines().last().and_then(|l| l.trim().parse().ok());
    // /usr/bin/time ran: a peak it did not write is a failure, not a skip.
    assert!(kb.is_some(), "no peak RSS from /usr/bin/time: {written:?}");
    (out, kb)
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn visit(id: &str, ms: u64, repeats: u64) -> String {
    format!(r#"{{"id":"{id}","answer":"yes","ms":{ms},"repeats":{repeats},"help":0}}"#)
}

fn record(steps: &[String], duration_ms: u64) -> String {
    format!(
        r#"{{"v":1,"flow":"f","flow_hash":"00000000","kiosk":"k","hour":"2026-11-24T10","lang":"en","outcome":"done","end":"x","steps":[{}],"help":0,"back":0,"duration_ms":{duration_ms}}}"#,
        steps.join(",")
    )
}

#[test]
fn a_50_mb_line_is_one_skipped_line_read_in_bounded_memory() {
    // See: the reader kept the whole line (and copies of it) in memory.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.jsonl");
    let mut f = fs::File::create(&path).unwrap();
    writeln!(f, "{GOOD}").unwrap();
    let block = vec![b'x'; 1 << 20];
    for _ in 0..50 {
        f.write_all(&block).unwrap();
    }
    writeln!(f).unwrap();
    writeln!(f, "{GOOD}").unwrap();
    // A line just past the cap inside one chunk is skipped too.
    f.write_all(&vec![b' '; (1 << 20) + 1]).unwrap();
    writeln!(f).unwrap();
    writeln!(f, "{GOOD}").unwrap();
    drop(f);
    let (out, kb) = report_measured(&[path.to_str().unwrap(), "--format", "json"]);
    let got = json(&out);
    assert_eq!(got["sessions"], 3);
    assert_eq!(got["skipped_lines"], 2);
    if let Some(kb) = kb {
        // Chunk buffers and the binary; the old reader peaked at 107 MB.
        assert!(kb < 80_000, "peak RSS {kb} KB");
    }
}

/// Bytes a running process has read so far, from /proc.
fn bytes_read(pid: u32) -> Option<u64> {
    let io = fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    let line = io.lines().find(|l| l.starts_with("rchar:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Peak resident memory of a running process, from /proc.
fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn an_endless_line_reads_in_bounded_memory() {
    // See: `kiosk report /dev/zero` grew without bound.
    let have_proc = ["/dev/zero", "/proc/self/status", "/proc/self/io"]
        .iter()
        .all(|p| Path::new(p).exists());
    if !require(have_proc, "/dev/zero and /proc (status, io)") {
        return;
    }
    let mut child = kiosk()
        .args(["/dev/zero", "--format", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Until it has read three times the bound, however fast this machine
    // is: memory that grew with the line would be past the bound by then.
    const READ: u64 = 240 << 20;
    let start = Instant::now();
    let mut read = 0;
    while read < READ && start.elapsed() < Duration::from_secs(60) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        read = bytes_read(child.id()).unwrap_or(0);
    }
    let hwm = vm_hwm_kb(child.id());
    let still_running = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(still_running, "it ended on an endless file");
    assert!(read >= READ, "only {read} bytes of /dev/zero read in 60 s");
    let hwm = hwm.unwrap();
    assert!(
        hwm < 80_000,
        "peak RSS {hwm} KB after {read} bytes of /dev/zero"
    );
}

#[test]
fn a_fifo_is_read_to_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("journal.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !require(made.is_ok_and(|s| s.success()), "mkfifo (coreutils)") {
        return;
    }
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut f = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            for _ in 0..3 {
                writeln!(f, "{GOOD}").unwrap();
                f.flush().unwrap();
                std::thread::sleep(Duration::from_millis(50));
            }
            // No newline on the last, torn line; then the writer closes.
            write!(f, "{{\"v\":1").unwrap();
        })
    };
    let mut child = kiosk()
        .arg(&fifo)
        .args(["--format", "json"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("kiosk report did not end after its FIFO did");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    writer.join().unwrap();
    let out = child.wait_with_output().unwrap();
    let got = json(&out);
    assert_eq!(got["sessions"], 3);
    assert_eq!(got["skipped_lines"], 1);
}

#[test]
fn many_distinct_step_ids_stay_within_a_memory_bound() {
    // See: 256 KB per distinct step id (20,000 ids took 3.0 GB).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ids.jsonl");
    let mut text = String::new();
    for i in 0..2_000 {
        let steps: Vec<String> = (0..10)
            .map(|j| visit(&format!("step_{i}_{j}"), 1000 + i * 7 + j, 0))
            .collect();
        text.push_str(&record(&steps, 1));
        text.push('\n');
    }
    fs::write(&path, text).unwrap();
    let (out, kb) = report_measured(&[path.to_str().unwrap(), "--format", "json"]);
    let got = json(&out);
    assert_eq!(got["steps"].as_object().unwrap().len(), 20_000);
    assert_eq!(got["steps"]["step_3_4"]["median_ms"], 1025);
    if let Some(kb) = kb {
        assert!(kb < 100_000, "peak RSS {kb} KB for 20,000 step ids");
    }
}

#[test]
fn past_the_cap_on_step_ids_the_report_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ids.jsonl");
    let mut text = String::new();
    // 200,001 ids, 10,000 to a line (each line well under the line cap).
    for i in 0..=20 {
        let n = if i == 20 { 1 } else { 10_000 };
        let steps: Vec<String> = (0..n).map(|j| visit(&format!("s{i}_{j}"), 1, 0)).collect();
        text.push_str(&record(&steps, 1));
        text.push('\n');
    }
    fs::write(&path, text).unwrap();
    let out = kiosk().arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("200000 distinct step ids"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn counters_near_u64_max_exit_2_instead_of_wrapping() {
    // See: sums of repeats near 2^64 wrapped silently.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    let max = u64::MAX;
    let lines = [
        record(&[visit("a", max, max - 1)], max),
        record(&[visit("a", max, 1)], max),
    ];
    fs::write(&path, lines.join("\n")).unwrap();
    // Up to u64::MAX exactly, the counts and the median are exact.
    let ok = json(
        &kiosk()
            .arg(&path)
            .args(["--format", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(ok["steps"]["a"]["repeats"], max);
    assert_eq!(ok["steps"]["a"]["median_ms"], max);
    let lines = [
        lines[0].clone(),
        lines[1].clone(),
        record(&[visit("a", 0, 1)], 0),
    ];
    fs::write(&path, lines.join("\n")).unwrap();
    for format in ["json", "text"] {
        let out = kiosk()
            .arg(&path)
            .args(["--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("18446744073709551615") && err.contains("repeats of a step"),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_missing_tool_skips_a_test_outside_ci() {
    assert!(!common::require_when(false, false, "a tool no machine has"));
    assert!(common::require_when(true, true, "a tool that is there"));
}

#[test]
#[should_panic(expected = "is missing, and CI=true")]
fn a_missing_tool_fails_a_test_in_ci() {
    let _ = common::require_when(true, false, "a tool no machine has");
}
