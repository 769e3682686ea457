//! A season at the counter in seconds: sessions of the bundled flow run on
//! a fake clock, their records go through the journal thread onto a disk
//! that fills up now and then (sometimes unable even to undo the torn
//! write), and the kiosk is restarted while the journal fails. Every record
//! must end up in the journal exactly once, in order, with open files and
//! memory flat.

use std::fs;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::append::{Disk, RealDisk};
use super::{JournalStatus, JournalWriter, LocalHour, Record, WriterOptions};
use crate::engine::{Effect, EngineConfig, Input, Now, Session};
use crate::flow::Flow;

const PATIENCE: Duration = Duration::from_secs(10);
#[rustfmt::skip]
const NOV: LocalHour = LocalHour { year: 2026, month: 11, day: 30, hour: 14 };

/// A disk with `room` bytes left; full when it reaches 0.
#[derive(Clone)]
struct Flaky {
    room: Arc<AtomicUsize>,
    truncate_fails: Arc<AtomicBool>,
}

impl Disk for Flaky {
    fn write(&self, file: &fs::File, buf: &[u8]) -> io::Result<usize> {
        let room = self.room.load(Ordering::SeqCst);
        if room == 0 {
            return Err(io::Error::from_raw_os_error(28)); // ENOSPC
        }
        let n = RealDisk.write(file, &buf[..buf.len().min(room)])?;
        let _ = self
            .room
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |r| {
                Some(r.saturating_sub(n))
            });
        Ok(n)
    }
    fn set_len(&self, file: &fs::File, len: u64) -> io::Result<()> {
        if self.truncate_fails.load(Ordering::SeqCst) {
            return Err(io::Error::from_raw_os_error(5)); // EIO
        }
        file.set_len(len)
    }
}

/// Customers at the kiosk: one engine session, driven by a fixed
/// pseudo-random sequence of keys and pauses on a fake clock.
struct Counter {
    session: Session,
    t0: Instant,
    elapsed: Duration,
    seed: u64,
}

impl Counter {
    fn new() -> Counter {
        let t0 = Instant::now();
        let (session, _) = Session::new(Flow::bundled().unwrap(), EngineConfig::default(), t0);
        Counter {
            session,
            t0,
            elapsed: Duration::ZERO,
            seed: 0x2545_f491_4f6c_dd1d,
        }
    }

    fn random(&mut self, below: u64) -> u64 {
        // xorshift64: deterministic, no dependency.
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        self.seed % below
    }

    fn now(&self) -> Now {
        Now {
            mono: self.t0 + self.elapsed,
            local_hour: NOV,
        }
    }

    /// Lets `ms` pass, firing the timers that fall due.
    fn wait(&mut self, ms: u64, out: &mut Vec<Record>) {
        let target = self.elapsed + Duration::from_millis(ms);
        while let Some(due) = self.session.next_deadline() {
            let due = due - self.t0;
            if due > target {
                break;
            }
            self.elapsed = due;
            let now = self.now();
            collect(self.session.handle_timeout(now), out);
        }
        self.elapsed = target;
    }

    /// The next customer, from first key to the record.
    fn customer(&mut self) -> Record {
        const KEYS: [Input; 7] = [
            Input::Yes,
            Input::No,
            Input::Continue,
            Input::Yes,
            Input::Back,
            Input::Repeat,
            Input::Help,
        ];
        let mut out = Vec::new();
        for _ in 0..40 {
            let pause = 300 + self.random(6000);
            self.wait(pause, &mut out);
            let key = KEYS[self.random(KEYS.len() as u64) as usize];
            let now = self.now();
            collect(self.session.handle_input(key, now), &mut out);
            if !out.is_empty() {
                break;
            }
        }
        // Some walk away: the idle reset writes them as abandoned.
        while out.is_empty() {
            self.wait(60_000, &mut out);
        }
        assert_eq!(out.len(), 1, "one record per customer");
        // Whatever the ending screen does before the next customer.
        let mut after = Vec::new();
        self.wait(10_000, &mut after);
        assert!(after.is_empty());
        out.remove(0)
    }
}

fn collect(effects: Vec<Effect>, out: &mut Vec<Record>) {
    for effect in effects {
        if let Effect::Journal(record) = effect {
            out.push(record);
        }
    }
}

fn open_fds() -> usize {
    fs::read_dir("/proc/self/fd").unwrap().count()
}

fn rss_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line["VmRSS:".len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap()
}

fn spawn(
    dir: &Path,
    fallback: &Path,
    disk: &Flaky,
) -> (JournalWriter, mpsc::Receiver<JournalStatus>) {
    let (tx, rx) = mpsc::channel();
    let options = WriterOptions {
        clock: Box::new(|| NOV),
        retry_every: Duration::from_millis(5),
        lock_wait: PATIENCE,
        spool_fallback: Some(fallback.to_path_buf()),
    };
    let w = JournalWriter::spawn_on(dir.to_path_buf(), options, disk.clone(), move |s| {
        let _ = tx.send(s);
    });
    (w, rx)
}

fn wait_for(rx: &mpsc::Receiver<JournalStatus>, want: impl Fn(&JournalStatus) -> bool) {
    let deadline = Instant::now() + PATIENCE;
    let mut seen = Vec::new();
    while let Ok(s) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if want(&s) {
            return;
        }
        seen.push(s);
    }
    panic!("status never came; saw {seen:?}");
}

fn soak(days: usize, per_day: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("journal");
    let fallback = tmp.path().join("fallback");
    let disk = Flaky {
        room: Arc::new(AtomicUsize::new(usize::MAX)),
        truncate_fails: Arc::new(AtomicBool::new(false)),
    };
    let mut counter = Counter::new();
    // The records sent, as a digest and a count: keeping them all would
    // grow memory by design.
    let mut sent = Sha256::new();
    let mut sent_count = 0usize;
    let (mut writer, mut rx) = spawn(&dir, &fallback, &disk);
    let mut warm = None;
    let mut restarts = 0;

    for day in 0..days {
        let failing = day % 9 == 4;
        if failing {
            // Room for a line or two, then full.
            disk.room.store(200 + day * 37 % 700, Ordering::SeqCst);
            disk.truncate_fails.store(day % 18 == 4, Ordering::SeqCst);
        }
        let records: Vec<Record> = (0..per_day).map(|_| counter.customer()).collect();
        for record in records {
            sent.update(record.to_line().as_bytes());
            sent.update(b"\n");
            sent_count += 1;
            writer.append(record);
        }
        if failing {
            wait_for(&rx, |s| matches!(s, JournalStatus::Failing { .. }));
            if day % 27 == 4 {
                // Restarted while the journal fails: all kept in the spool.
                assert_eq!(writer.shutdown(PATIENCE), Ok(()));
                (writer, rx) = spawn(&dir, &fallback, &disk);
                restarts += 1;
                // It takes the spool over and fails on it too.
                wait_for(&rx, |s| matches!(s, JournalStatus::Failing { .. }));
            }
            disk.room.store(usize::MAX, Ordering::SeqCst);
            disk.truncate_fails.store(false, Ordering::SeqCst);
            wait_for(&rx, |s| s == &JournalStatus::Ok);
        }
        if day == 10 {
            warm = Some((open_fds(), rss_kib()));
        }
    }
    assert_eq!(writer.shutdown(PATIENCE), Ok(()));
    assert!(restarts > 0);
    // Measured before the journal is read back into memory below.
    let (fds_now, rss_now) = (open_fds(), rss_kib());

    let text = fs::read_to_string(dir.join("journal-2026-11.jsonl")).unwrap();
    let mut got = Sha256::new();
    let mut got_count = 0usize;
    let mut torn = 0;
    for line in text.lines() {
        match serde_json::from_str::<Record>(line) {
            Ok(record) => {
                got.update(record.to_line().as_bytes());
                got.update(b"\n");
                got_count += 1;
            }
            Err(_) => torn += 1,
        }
    }
    assert_eq!(got_count, sent_count);
    assert!(
        got.finalize() == sent.finalize(),
        "same records, same order"
    );
    assert!(
        torn > 0,
        "the undo failed at least once and left a fragment"
    );
    for place in [&dir, &fallback, &tmp.path().to_path_buf()] {
        let left: Vec<_> = fs::read_dir(place)
            .map(|e| {
                e.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with("journal-spool"))
                    .collect()
            })
            .unwrap_or_default();
        assert!(left.is_empty(), "{left:?}");
    }

    // Alone in its process (see `in_own_process`): a little slack for the
    // allocator, none for a handle or a record kept per session.
    let (fds, rss) = warm.unwrap();
    println!("open files {fds} -> {fds_now}, VmRSS {rss} kB -> {rss_now} kB");
    assert!(fds_now <= fds, "open files {fds} -> {fds_now}");
    assert!(rss_now <= rss + 4 * 1024, "VmRSS {rss} kB -> {rss_now} kB");
}

/// Set in the child process, where the soak itself runs.
const CHILD: &str = "COUNTER_KIOSK_SOAK_CHILD";

/// The soak proper, only in the child: run among other tests (`--ignored`)
/// its measurements would be theirs too.
fn soak_in_child(days: usize, per_day: usize) {
    if std::env::var_os(CHILD).is_none() {
        println!("skipped: runs in a child process of its parent test");
        return;
    }
    soak(days, per_day);
}

/// Runs the ignored test `name` alone in a new process of this test
/// binary, so that open files and memory are this soak's only.
fn in_own_process(name: &str) {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            name,
            "--exact",
            "--ignored",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{stdout}\n{stderr}"
    );
    println!("{stdout}");
}

#[test]
fn ninety_days_of_sessions_on_a_flaky_disk_lose_and_repeat_nothing() {
    in_own_process("journal::soak_tests::ninety_days_in_this_process");
}

#[test]
#[ignore = "run alone in a child process by ninety_days_of_sessions_on_a_flaky_disk_lose_and_repeat_nothing"]
fn ninety_days_in_this_process() {
    soak_in_child(90, 200);
}

/// Two years at a busy counter (minutes): run with
/// `cargo test --lib two_busy_years -- --ignored`.
#[test]
#[ignore = "minutes long"]
fn two_busy_years_on_a_flaky_disk() {
    in_own_process("journal::soak_tests::two_busy_years_in_this_process");
}

#[test]
#[ignore = "run alone in a child process by two_busy_years_on_a_flaky_disk"]
fn two_busy_years_in_this_process() {
    soak_in_child(730, 400);
}
