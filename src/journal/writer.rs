//! The journal appender: one background thread that owns the journal files,
//! so that a slow or failing disk never stalls the UI thread and no record is
//! lost while the disk is away. The UI only sends records; the thread writes
//! each as one line of `<dir>/journal-YYYY-MM.jsonl` (the local month at the
//! time of writing), fsyncs it, keeps whatever it could not write in an
//! in-memory queue in order, retries, and reports its state through a
//! callback.
//!
//! Durability and concurrency: every line goes out in one `write` on a file
//! opened with `O_APPEND`, so kiosks sharing a journal directory never
//! interleave inside a line. A write that fails half way (disk full) can leave
//! a torn fragment; the reader skips torn lines, and before the next append
//! the writer ends such a fragment with a newline so it cannot swallow the
//! good line that follows. A record counts as written once its bytes are in
//! the file: if only the fsync fails, writing the line again could duplicate
//! it, so the error is reported and the record is not retried.

use std::collections::VecDeque;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use chrono::{Datelike, Timelike};

use super::{LocalHour, Record};

/// How often a failing journal is retried when no new record arrives.
const DEFAULT_RETRY: Duration = Duration::from_secs(5);
/// How long `Drop` waits for the last write; `shutdown` is the patient path.
const DROP_GRACE: Duration = Duration::from_millis(200);
const FILE_MODE: u32 = 0o640;
const DIR_MODE: u32 = 0o750;

/// What the staff-facing mark shows about the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalStatus {
    Ok,
    /// `pending` records wait in memory for the disk to come back; 0 means
    /// lines were written but the disk did not confirm them (fsync failed).
    Failing {
        pending: usize,
        error: String,
    },
}

/// The monthly journal file's name: `journal-2026-11.jsonl`.
pub fn file_name(month: &LocalHour) -> String {
    format!("journal-{}.jsonl", month.month_stamp())
}

/// Handle to the journal thread. Dropping it stops the thread after a short
/// grace; call [`JournalWriter::shutdown`] to wait for the last write.
pub struct JournalWriter {
    /// Dropping the sender is the thread's stop signal.
    tx: Option<Sender<Record>>,
    /// Receives one `()` when the thread has made its last attempt.
    done: Receiver<()>,
    /// Records handed to `append` and not yet in a file, including those
    /// still in the channel; what `shutdown` reports as lost.
    unwritten: Arc<AtomicUsize>,
    handle: Option<JoinHandle<()>>,
}

impl JournalWriter {
    /// Starts the journal thread writing into `dir` by the local clock,
    /// retrying a failing disk every 5 s. `on_status` runs on the journal
    /// thread, only when the status changes; it must not block or panic.
    pub fn spawn(
        dir: PathBuf,
        on_status: impl Fn(JournalStatus) + Send + 'static,
    ) -> JournalWriter {
        Self::spawn_with_clock(dir, local_hour_now, DEFAULT_RETRY, on_status)
    }

    /// As [`JournalWriter::spawn`], with the clock that names the monthly
    /// file and the retry interval given (for tests).
    pub fn spawn_with_clock(
        dir: PathBuf,
        clock: impl Fn() -> LocalHour + Send + 'static,
        retry_every: Duration,
        on_status: impl Fn(JournalStatus) + Send + 'static,
    ) -> JournalWriter {
        let (tx, rx) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let unwritten = Arc::new(AtomicUsize::new(0));
        let worker = Worker {
            dir,
            clock: Box::new(clock),
            on_status: Box::new(on_status),
            retry_every: retry_every.max(Duration::from_millis(1)),
            pending: VecDeque::new(),
            unwritten: Arc::clone(&unwritten),
            last_status: JournalStatus::Ok,
        };
        // The worker travels by channel rather than inside the closure so
        // that, if the thread cannot be started, it is still here to report.
        let (worker_tx, worker_rx) = mpsc::channel::<Worker>();
        let spawned = thread::Builder::new()
            .name("journal".into())
            .spawn(move || {
                if let Ok(worker) = worker_rx.recv() {
                    worker.run(rx);
                }
                let _ = done_tx.send(());
            });
        let handle = match spawned {
            Ok(handle) => {
                let _ = worker_tx.send(worker);
                Some(handle)
            }
            Err(e) => {
                // Records sent from now on stay counted in `unwritten`.
                (worker.on_status)(JournalStatus::Failing {
                    pending: 0,
                    error: format!("cannot start the journal thread: {e}"),
                });
                None
            }
        };
        JournalWriter {
            tx: Some(tx),
            done,
            unwritten,
            handle,
        }
    }

    /// Hands a record to the journal thread and returns at once. If the
    /// thread is gone the record is counted as lost in `shutdown`'s result.
    pub fn append(&self, record: Record) {
        // Counted before sending, so the thread never decrements below zero.
        self.unwritten.fetch_add(1, Ordering::SeqCst);
        if let Some(tx) = &self.tx {
            let _ = tx.send(record);
        }
    }

    /// Stops the thread after one last attempt to write what is pending,
    /// waiting at most `within`. `Err(n)`: `n` records were not written.
    pub fn shutdown(mut self, within: Duration) -> Result<(), usize> {
        drop(self.tx.take());
        match self.done.recv_timeout(within) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                if let Some(handle) = self.handle.take() {
                    let _ = handle.join();
                }
            }
            // Stuck in a write: leave the thread detached, count what is left.
            Err(RecvTimeoutError::Timeout) => {}
        }
        match self.unwritten.load(Ordering::SeqCst) {
            0 => Ok(()),
            n => Err(n),
        }
    }
}

impl Drop for JournalWriter {
    fn drop(&mut self) {
        // `shutdown` already took the sender; otherwise stop the thread and
        // give a healthy disk a moment for the last line, never longer.
        if let Some(tx) = self.tx.take() {
            drop(tx);
            let _ = self.done.recv_timeout(DROP_GRACE);
        }
    }
}

/// The local wall-clock hour, the default clock.
fn local_hour_now() -> LocalHour {
    let now = chrono::Local::now();
    // Month, day and hour always fit a u8.
    LocalHour {
        year: now.year(),
        month: now.month() as u8,
        day: now.day() as u8,
        hour: now.hour() as u8,
    }
}

/// The journal thread's state.
struct Worker {
    dir: PathBuf,
    clock: Box<dyn Fn() -> LocalHour + Send>,
    on_status: Box<dyn Fn(JournalStatus) + Send>,
    retry_every: Duration,
    /// Records not yet written, oldest first.
    pending: VecDeque<Record>,
    unwritten: Arc<AtomicUsize>,
    last_status: JournalStatus,
}

impl Worker {
    /// Runs until the sender is dropped (records sent before that still
    /// arrive first), then returns after one last attempt.
    fn run(mut self, rx: Receiver<Record>) {
        let mut next_retry = Instant::now();
        loop {
            // Sleep until a record comes, or, with records waiting, until
            // the next retry.
            let received = if self.pending.is_empty() {
                rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
            } else {
                rx.recv_timeout(next_retry.saturating_duration_since(Instant::now()))
            };
            let mut stop = false;
            match received {
                Ok(record) => self.pending.push_back(record),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => stop = true,
            }
            // A burst of records makes one attempt, not one per record.
            loop {
                match rx.try_recv() {
                    Ok(record) => self.pending.push_back(record),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        stop = true;
                        break;
                    }
                }
            }
            self.flush();
            if stop {
                return;
            }
            next_retry = Instant::now() + self.retry_every;
        }
    }

    /// Writes the pending records in order, up to the first that fails, and
    /// reports the resulting status if it changed.
    fn flush(&mut self) {
        let mut error = None;
        while let Some(record) = self.pending.front() {
            let month = (self.clock)();
            match write_line(&self.dir, &month, &record.to_line()) {
                Ok(()) => {}
                Err(WriteError::NotDurable(e)) => error = Some(e.to_string()),
                Err(WriteError::NotWritten(e)) => {
                    error = Some(e.to_string());
                    break;
                }
            }
            self.pending.pop_front();
            self.unwritten.fetch_sub(1, Ordering::SeqCst);
        }
        let status = match error {
            None => JournalStatus::Ok,
            Some(error) => JournalStatus::Failing {
                pending: self.pending.len(),
                error,
            },
        };
        if status != self.last_status {
            self.last_status = status.clone();
            (self.on_status)(status);
        }
    }
}

/// One failed step of an append, with the path it was about.
#[derive(Debug, thiserror::Error)]
#[error("{}: {action}: {source}", path.display())]
struct IoFailure {
    action: &'static str,
    path: PathBuf,
    source: io::Error,
}

fn fail(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> IoFailure {
    let path = path.to_path_buf();
    move |source| IoFailure {
        action,
        path,
        source,
    }
}

enum WriteError {
    /// The line is not in the file (at most a torn fragment is): retry it.
    NotWritten(IoFailure),
    /// The line is in the file but may not survive power loss: do not write
    /// it again, only report.
    NotDurable(IoFailure),
}

/// Appends `line` and a newline to the month's file in `dir`, durably.
fn write_line(dir: &Path, month: &LocalHour, line: &str) -> Result<(), WriteError> {
    let created_dir = ensure_dir(dir).map_err(WriteError::NotWritten)?;
    let path = dir.join(file_name(month));
    let (file, created_file) = open_append(&path).map_err(WriteError::NotWritten)?;

    let mut buf = Vec::with_capacity(line.len() + 2);
    if !ends_with_newline(&file)
        .map_err(fail("read", &path))
        .map_err(WriteError::NotWritten)?
    {
        // End a torn fragment (a failed write, a crash) so it stays its own
        // skipped line instead of corrupting this one.
        buf.push(b'\n');
    }
    buf.extend_from_slice(line.as_bytes());
    buf.push(b'\n');
    // One write call for a buffer this small; with O_APPEND the kernel
    // places it whole at the end, after any other kiosk's line.
    (&file)
        .write_all(&buf)
        .map_err(fail("write", &path))
        .map_err(WriteError::NotWritten)?;

    file.sync_data()
        .map_err(fail("fsync", &path))
        .map_err(WriteError::NotDurable)?;
    // A new directory entry is durable only once its directory is synced.
    if created_file {
        sync_dir(dir).map_err(WriteError::NotDurable)?;
    }
    if created_dir {
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent).map_err(WriteError::NotDurable)?;
        }
    }
    Ok(())
}

/// Creates `dir` (mode 0750) if missing; true if it did.
fn ensure_dir(dir: &Path) -> Result<bool, IoFailure> {
    if fs::metadata(dir).is_ok_and(|m| m.is_dir()) {
        return Ok(false);
    }
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(fail("create directory", dir))?;
    Ok(true)
}

/// Opens `path` for appending, creating it (mode 0640) if missing; the flag
/// says whether this call created it.
fn open_append(path: &Path) -> Result<(File, bool), IoFailure> {
    let existing = || OpenOptions::new().read(true).append(true).open(path);
    match existing() {
        Ok(file) => return Ok((file, false)),
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(fail("open", path)(e)),
        Err(_) => {}
    }
    match OpenOptions::new()
        .read(true)
        .append(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)
    {
        Ok(file) => Ok((file, true)),
        // Another kiosk created it between the two calls.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => existing()
            .map(|file| (file, false))
            .map_err(fail("open", path)),
        Err(e) => Err(fail("create", path)(e)),
    }
}

/// True if the file is empty or its last byte is a newline.
fn ends_with_newline(file: &File) -> io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    let mut last = [0u8; 1];
    file.read_exact_at(&mut last, len - 1)?;
    Ok(last[0] == b'\n')
}

fn sync_dir(dir: &Path) -> Result<(), IoFailure> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(fail("fsync directory", dir))
}

#[cfg(test)]
mod tests {
    use super::*;
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

    /// A writer on a fixed November clock whose statuses arrive on a channel.
    fn writer(dir: PathBuf) -> (JournalWriter, Receiver<JournalStatus>) {
        let (tx, rx) = mpsc::channel();
        let w = JournalWriter::spawn_with_clock(
            dir,
            || NOV,
            FAST,
            move |s| {
                let _ = tx.send(s);
            },
        );
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
        let w = JournalWriter::spawn_with_clock(dir.clone(), clock, FAST, |_| {});
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
        let w = JournalWriter::spawn_with_clock(
            blocker.join("journal"),
            || NOV,
            FAST,
            move |_| {
                flag.store(true, Ordering::SeqCst);
                panic!("status sink broke");
            },
        );
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
}
