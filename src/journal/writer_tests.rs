use super::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::AtomicBool;

const FAST: Duration = Duration::from_millis(20);
const PATIENCE: Duration = Duration::from_secs(5);

#[rustfmt::skip]
const NOV: LocalHour = LocalHour { year: 2026, month: 11, day: 30, hour: 23 };
#[rustfmt::skip]
const DEC: LocalHour = LocalHour { year: 2026, month: 12, day: 1, hour: 0 };

fn record(n: u64) -> Record {
    Record {
        v: 1,
        flow: "mfa-login".into(),
        flow_hash: "3f2a9c1e".into(),
        kiosk: "counter".into(),
        hour: "2026-11-30T23".into(),
        lang: "ja".into(),
        outcome: "resolved".into(),
        end: "done".into(),
        steps: Vec::new(),
        help: 0,
        back: 0,
        duration_ms: n,
    }
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn expected(range: std::ops::Range<u64>) -> Vec<String> {
    range.map(|n| record(n).to_line()).collect()
}

/// Options for tests: a fixed November clock, fast retries, a patient
/// lock wait (a loaded machine can take long over another's fsync), and no spool place beyond the journal directory and its parent
/// (never the machine's real `/var/tmp`).
fn options() -> WriterOptions {
    WriterOptions {
        clock: Box::new(|| NOV),
        retry_every: FAST,
        lock_wait: PATIENCE,
        spool_fallback: None,
    }
}

/// A writer with [`options`] whose statuses arrive on a channel.
fn writer(dir: PathBuf) -> (JournalWriter, Receiver<JournalStatus>) {
    writer_with(dir, options())
}

fn writer_with(dir: PathBuf, options: WriterOptions) -> (JournalWriter, Receiver<JournalStatus>) {
    let (tx, rx) = mpsc::channel();
    let w = JournalWriter::spawn_with(dir, options, move |s| {
        let _ = tx.send(s);
    });
    (w, rx)
}

/// Waits (boundedly) for a status matching `want`, returning all seen.
fn wait_status(
    rx: &Receiver<JournalStatus>,
    want: impl Fn(&JournalStatus) -> bool,
) -> Vec<JournalStatus> {
    let deadline = Instant::now() + PATIENCE;
    let mut seen = Vec::new();
    while let Ok(s) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let done = want(&s);
        seen.push(s);
        if done {
            return seen;
        }
    }
    panic!("status never came; saw {seen:?}");
}

fn umask() -> u32 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
    u32::from_str_radix(line["Umask:".len()..].trim(), 8).unwrap()
}

#[test]
fn file_is_named_by_month() {
    assert_eq!(file_name(&NOV), "journal-2026-11.jsonl");
    assert_eq!(file_name(&DEC), "journal-2026-12.jsonl");
}

#[test]
fn records_land_in_the_month_of_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("journal");
    let calls = AtomicUsize::new(0);
    // The first write happens in November, every later one in December.
    let clock = move || match calls.fetch_add(1, Ordering::SeqCst) {
        0 => NOV,
        _ => DEC,
    };
    let options = WriterOptions {
        clock: Box::new(clock),
        ..options()
    };
    let w = JournalWriter::spawn_with(dir.clone(), options, |_| {});
    for n in 0..3 {
        w.append(record(n));
    }
    assert_eq!(w.shutdown(PATIENCE), Ok(()));
    assert_eq!(lines(&dir.join("journal-2026-11.jsonl")), expected(0..1));
    assert_eq!(lines(&dir.join("journal-2026-12.jsonl")), expected(1..3));
    let raw = fs::read_to_string(dir.join("journal-2026-12.jsonl")).unwrap();
    assert!(raw.ends_with("}\n") && !raw.contains("\n\n"));
}

#[test]
fn modes_are_0640_and_0750() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("state/journal");
    let (w, _rx) = writer(dir.clone());
    w.append(record(1));
    assert_eq!(w.shutdown(PATIENCE), Ok(()));
    let mask = !umask();
    let file = fs::metadata(dir.join("journal-2026-11.jsonl")).unwrap();
    assert_eq!(file.permissions().mode() & 0o777, 0o640 & mask);
    let d = fs::metadata(&dir).unwrap();
    assert_eq!(d.permissions().mode() & 0o777, 0o750 & mask);
}

#[test]
fn many_appends_land_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let (w, _rx) = writer(tmp.path().to_path_buf());
    for n in 0..100 {
        w.append(record(n));
    }
    assert_eq!(w.shutdown(PATIENCE), Ok(()));
    assert_eq!(
        lines(&tmp.path().join("journal-2026-11.jsonl")),
        expected(0..100)
    );
}

#[test]
fn two_kiosks_on_one_file_never_interleave() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, _ra) = writer(tmp.path().to_path_buf());
    let (b, _rb) = writer(tmp.path().to_path_buf());
    for n in 0..50 {
        a.append(record(n));
        b.append(record(1000 + n));
    }
    assert_eq!(a.shutdown(PATIENCE), Ok(()));
    assert_eq!(b.shutdown(PATIENCE), Ok(()));
    let got = lines(&tmp.path().join("journal-2026-11.jsonl"));
    assert_eq!(got.len(), 100);
    let parsed: Vec<u64> = got
        .iter()
        .map(|l| serde_json::from_str::<Record>(l).unwrap().duration_ms)
        .collect();
    let from_a: Vec<u64> = parsed.iter().copied().filter(|&n| n < 1000).collect();
    assert_eq!(from_a, (0..50).collect::<Vec<_>>());
}

#[test]
fn a_torn_line_is_ended_before_the_next_record() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("journal-2026-11.jsonl");
    fs::write(&path, "{\"v\":1,\"fl").unwrap();
    let (w, _rx) = writer(tmp.path().to_path_buf());
    w.append(record(7));
    assert_eq!(w.shutdown(PATIENCE), Ok(()));
    let want = format!("{{\"v\":1,\"fl\n{}\n", record(7).to_line());
    assert_eq!(fs::read_to_string(&path).unwrap(), want);
}

#[test]
fn a_failing_disk_keeps_records_until_it_is_fixed() {
    let tmp = tempfile::tempdir().unwrap();
    // Tests run as root, which ignores permissions: a directory under a
    // regular file can never be created, whoever we are.
    let blocker = tmp.path().join("afile");
    fs::write(&blocker, "").unwrap();
    let dir = blocker.join("journal");
    let (w, rx) = writer(dir.clone());
    for n in 0..3 {
        w.append(record(n));
    }
    let seen = wait_status(&rx, |s| {
        matches!(s, JournalStatus::Failing { pending: 3, .. })
    });
    assert!(seen.iter().all(|s| s != &JournalStatus::Ok), "{seen:?}");
    let JournalStatus::Failing { error, .. } = seen.last().unwrap() else {
        unreachable!()
    };
    assert!(error.contains("afile/journal"), "{error}");
    // Retries keep failing without repeating the same status.
    thread::sleep(FAST * 5);
    assert!(rx.try_recv().is_err());

    w.append(record(3));
    wait_status(&rx, |s| {
        matches!(s, JournalStatus::Failing { pending: 4, .. })
    });

    // Fix the disk: the timer retry, not a new record, writes them out.
    fs::remove_file(&blocker).unwrap();
    fs::create_dir_all(&dir).unwrap();
    wait_status(&rx, |s| s == &JournalStatus::Ok);
    let file = dir.join("journal-2026-11.jsonl");
    assert_eq!(lines(&file), expected(0..4));

    w.append(record(4));
    assert_eq!(w.shutdown(PATIENCE), Ok(()));
    assert_eq!(lines(&file), expected(0..5));
}

#[test]
fn shutdown_counts_what_could_not_be_written() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("afile");
    fs::write(&blocker, "").unwrap();
    let (w, rx) = writer(blocker.join("journal"));
    w.append(record(1));
    w.append(record(2));
    let started = Instant::now();
    assert_eq!(w.shutdown(PATIENCE), Err(2));
    assert!(started.elapsed() < PATIENCE);
    assert!(rx
        .try_iter()
        .any(|s| matches!(s, JournalStatus::Failing { .. })));
}

#[test]
fn append_after_the_thread_died_does_not_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("afile");
    fs::write(&blocker, "").unwrap();
    let reported = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&reported);
    // A status callback that panics takes the journal thread down.
    let w = JournalWriter::spawn_with(blocker.join("journal"), options(), move |_| {
        flag.store(true, Ordering::SeqCst);
        panic!("status sink broke");
    });
    w.append(record(1));
    let deadline = Instant::now() + PATIENCE;
    while !w.handle.as_ref().is_some_and(|h| h.is_finished()) {
        assert!(Instant::now() < deadline, "thread never died");
        thread::sleep(Duration::from_millis(5));
    }
    assert!(reported.load(Ordering::SeqCst));
    w.append(record(2));
    w.append(record(3));
    assert_eq!(w.shutdown(PATIENCE), Err(3));
}

#[test]
fn drop_writes_the_last_record_and_does_not_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let (w, _rx) = writer(tmp.path().to_path_buf());
    w.append(record(9));
    drop(w);
    assert_eq!(
        lines(&tmp.path().join("journal-2026-11.jsonl")),
        expected(9..10)
    );

    let blocker = tmp.path().join("afile");
    fs::write(&blocker, "").unwrap();
    let (w, _rx) = writer(blocker.join("journal"));
    w.append(record(1));
    let started = Instant::now();
    drop(w);
    assert!(started.elapsed() < Duration::from_secs(1));
}

/// The spool files in `dir`.
fn spools(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("journal-spool-"))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// The records in a spool file, after its header.
fn spooled(path: &Path) -> Vec<String> {
    lines(path).into_iter().skip(1).collect()
}

/// A journal directory that cannot exist (under a regular file), and a
/// fallback spool place beside it.
struct Broken {
    tmp: tempfile::TempDir,
}

impl Broken {
    fn new() -> Broken {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("afile"), "").unwrap();
        Broken { tmp }
    }
    fn dir(&self) -> PathBuf {
        self.tmp.path().join("afile/journal")
    }
    fn fallback(&self) -> PathBuf {
        self.tmp.path().join("fallback")
    }
    fn options(&self) -> WriterOptions {
        WriterOptions {
            spool_fallback: Some(self.fallback()),
            ..options()
        }
    }
    fn fix(&self) {
        fs::remove_file(self.tmp.path().join("afile")).unwrap();
        fs::create_dir_all(self.dir()).unwrap();
    }
}

// See: with the journal unwritable, shutdown dropped the held records
// ("3 journal record(s) could not be written").
#[test]
fn records_held_at_stop_are_spooled_and_written_first_next_time() {
    let disk = Broken::new();
    let (w, _rx) = writer_with(disk.dir(), disk.options());
    for n in 0..3 {
        w.append(record(n));
    }
    assert_eq!(w.shutdown(PATIENCE), Ok(()));
    let kept = spools(&disk.fallback());
    assert_eq!(kept.len(), 1, "{kept:?}");
    let name = kept[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.ends_with(".pending"), "{name}");
    assert_eq!(spooled(&kept[0]), expected(0..3));

    disk.fix();
    let (w, _rx) = writer_with(disk.dir(), disk.options());
    w.append(record(3));
    assert_eq!(w.shutdown(PATIENCE), Ok(()));
    assert_eq!(
        lines(&disk.dir().join("journal-2026-11.jsonl")),
        expected(0..4)
    );
    assert_eq!(spools(&disk.fallback()), Vec::<PathBuf>::new());
}

#[test]
fn records_are_spooled_while_running_and_a_live_writers_spool_is_left_alone() {
    let disk = Broken::new();
    let (w, rx) = writer_with(disk.dir(), disk.options());
    w.append(record(0));
    w.append(record(1));
    // Saved after the failed attempt, before the status says so: a
    // SIGKILL from here on loses nothing.
    let seen = wait_status(&rx, |s| {
        matches!(s, JournalStatus::Failing { pending: 2, .. })
    });
    let JournalStatus::Failing { error, .. } = seen.last().unwrap() else {
        unreachable!()
    };
    assert!(
        error.contains("kept in") && error.contains("journal-spool-"),
        "{error}"
    );
    let kept = spools(&disk.fallback());
    assert_eq!(kept.len(), 1);
    assert_eq!(spooled(&kept[0]), expected(0..2));

    // A second kiosk starting on the same journal must not take them: the
    // first still owns them and will write them itself.
    let (other, _rx2) = writer_with(disk.dir(), disk.options());
    assert_eq!(other.shutdown(PATIENCE), Ok(()));
    assert_eq!(spools(&disk.fallback()), kept);
    assert_eq!(spooled(&kept[0]), expected(0..2));

    disk.fix();
    wait_status(&rx, |s| s == &JournalStatus::Ok);
    assert_eq!(spools(&disk.fallback()), Vec::<PathBuf>::new());
    assert_eq!(w.shutdown(PATIENCE), Ok(()));
    assert_eq!(
        lines(&disk.dir().join("journal-2026-11.jsonl")),
        expected(0..2)
    );
}

#[test]
fn spools_of_several_stopped_writers_go_in_oldest_first() {
    let disk = Broken::new();
    for batch in 0..3u64 {
        let (w, _rx) = writer_with(disk.dir(), disk.options());
        for n in batch * 10..batch * 10 + 3 {
            w.append(record(n));
        }
        assert_eq!(w.shutdown(PATIENCE), Ok(()));
    }
    // Each writer took over the spools before it and left them as they
    // were, adding its own.
    let kept = spools(&disk.fallback());
    assert_eq!(kept.len(), 3, "{kept:?}");
    let mut all: Vec<String> = kept.iter().flat_map(|p| spooled(p)).collect();
    all.sort();
    let want: Vec<String> = [0..3, 10..13, 20..23]
        .into_iter()
        .flat_map(expected)
        .collect();
    let mut sorted = want.clone();
    sorted.sort();
    assert_eq!(all, sorted);

    disk.fix();
    let (w, _rx) = writer_with(disk.dir(), disk.options());
    assert_eq!(w.shutdown(PATIENCE), Ok(()));
    assert_eq!(lines(&disk.dir().join("journal-2026-11.jsonl")), want);
    assert!(spools(&disk.fallback()).is_empty());
}

#[test]
fn the_spool_goes_in_the_journal_directory_when_only_the_file_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("journal");
    fs::create_dir(&dir).unwrap();
    // A directory where the month's file belongs: the file cannot be
    // opened, the directory is fine.
    let path = dir.join("journal-2026-11.jsonl");
    fs::create_dir(&path).unwrap();
    let (w, _rx) = writer(dir.clone());
    w.append(record(0));
    assert_eq!(w.shutdown(PATIENCE), Ok(()));
    let kept = spools(&dir);
    assert_eq!(kept.len(), 1);
    // `kiosk report` reads `*.jsonl` in the directory: never the spool.
    assert_ne!(kept[0].extension().unwrap(), "jsonl");

    fs::remove_dir(&path).unwrap();
    let (w, _rx) = writer(dir.clone());
    assert_eq!(w.shutdown(PATIENCE), Ok(()));
    assert_eq!(lines(&path), expected(0..1));
    assert!(spools(&dir).is_empty());
}

// See: a FIFO in place of the monthly file: fsync failed and the record
// was counted as written, so it was lost.
#[test]
fn a_fifo_journal_file_keeps_the_record_pending() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("journal-2026-11.jsonl");
    rustix::fs::mkfifoat(rustix::fs::CWD, &path, rustix::fs::Mode::from(0o600)).unwrap();
    let (w, rx) = writer(tmp.path().to_path_buf());
    w.append(record(0));
    let seen = wait_status(&rx, |s| matches!(s, JournalStatus::Failing { .. }));
    let JournalStatus::Failing { pending, error } = seen.last().unwrap() else {
        unreachable!()
    };
    assert_eq!(*pending, 1, "{error}");
    assert!(error.contains("a named pipe (FIFO)"), "{error}");

    fs::remove_file(&path).unwrap();
    wait_status(&rx, |s| s == &JournalStatus::Ok);
    assert_eq!(w.shutdown(PATIENCE), Ok(()));
    assert_eq!(lines(&path), expected(0..1));
}

/// Waits (boundedly) until `path` holds `want`.
fn wait_lines(path: &Path, want: &[String]) {
    let deadline = Instant::now() + PATIENCE;
    while lines(path) != want {
        assert!(
            Instant::now() < deadline,
            "{:?} never became {want:?}",
            lines(path)
        );
        thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn a_journal_file_rotated_or_deleted_while_running_is_created_again() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("journal-2026-11.jsonl");
    let (w, rx) = writer(tmp.path().to_path_buf());
    w.append(record(0));
    wait_lines(&path, &expected(0..1));
    let rotated = tmp.path().join("journal-2026-11.jsonl.1");
    fs::rename(&path, &rotated).unwrap();
    w.append(record(1));
    wait_lines(&path, &expected(1..2));
    fs::remove_file(&path).unwrap();
    w.append(record(2));
    assert_eq!(w.shutdown(PATIENCE), Ok(()));
    assert_eq!(lines(&rotated), expected(0..1));
    assert_eq!(lines(&path), expected(2..3));
    assert!(rx.try_iter().all(|s| s == JournalStatus::Ok));
}

#[test]
fn a_wedged_lock_is_a_failed_write_retried_later() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("journal-2026-11.jsonl");
    let wedged = fs::File::create(&path).unwrap();
    rustix::fs::flock(&wedged, rustix::fs::FlockOperation::LockExclusive).unwrap();
    let options = WriterOptions {
        lock_wait: FAST,
        ..options()
    };
    let (w, rx) = writer_with(tmp.path().to_path_buf(), options);
    w.append(record(0));
    let seen = wait_status(&rx, |s| matches!(s, JournalStatus::Failing { .. }));
    let JournalStatus::Failing { pending, error } = seen.last().unwrap() else {
        unreachable!()
    };
    assert_eq!(*pending, 1);
    assert!(error.contains("lock"), "{error}");
    assert_eq!(lines(&path), Vec::<String>::new());
    drop(wedged);
    wait_status(&rx, |s| s == &JournalStatus::Ok);
    assert_eq!(w.shutdown(PATIENCE), Ok(()));
    assert_eq!(lines(&path), expected(0..1));
}

/// Dies (panics, taking the journal thread down) right after the append's
/// fsync: a crash between the append and the spool's update.
struct DiesAfterAppend;

impl Disk for DiesAfterAppend {
    fn sync_data(&self, file: &fs::File) -> std::io::Result<()> {
        file.sync_data()?;
        panic!("power cut");
    }
}

#[test]
fn a_crash_between_append_and_spool_update_duplicates_nothing() {
    let disk = Broken::new();
    let (w, _rx) = writer_with(disk.dir(), disk.options());
    for n in 0..3 {
        w.append(record(n));
    }
    assert_eq!(w.shutdown(PATIENCE), Ok(()));
    disk.fix();

    let (tx, _rx) = mpsc::channel();
    let dying = JournalWriter::spawn_on(disk.dir(), disk.options(), DiesAfterAppend, move |s| {
        let _ = tx.send(s);
    });
    let journal = disk.dir().join("journal-2026-11.jsonl");
    wait_lines(&journal, &expected(0..3));
    let _ = dying.shutdown(PATIENCE);
    // The spool still holds them (moved to the journal directory, the
    // first place that takes it now), with the note of where they went.
    assert!(spools(&disk.fallback()).is_empty());
    let kept = spools(&disk.dir());
    assert_eq!(kept.len(), 1);
    assert!(lines(&kept[0])[0].contains(r#""writing":{"file":"journal-2026-11.jsonl""#));
    assert_eq!(spooled(&kept[0]), expected(0..3));

    let (w, _rx) = writer_with(disk.dir(), disk.options());
    w.append(record(3));
    assert_eq!(w.shutdown(PATIENCE), Ok(()));
    assert_eq!(lines(&journal), expected(0..4));
    assert!(spools(&disk.dir()).is_empty());
}
