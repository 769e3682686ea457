//! The journal appender: one background thread that owns the journal files,
//! so that a slow or failing disk never stalls the UI thread and no record is
//! lost while the disk is away. The UI only sends records; the thread writes
//! each as one line of `<dir>/journal-YYYY-MM.jsonl` (the local month at the
//! time of writing), fsyncs it, keeps whatever it could not write in order,
//! retries, and reports its state through a callback.
//!
//! Durability and concurrency: each append takes an `flock` on the file and
//! checks, writes and fsyncs under it (see `append`), so kiosks sharing a
//! journal never interleave or leave a blank line; a write that fails half
//! way is truncated back. A record counts as written once its bytes are in
//! the file: if only the fsync fails, writing the line again could duplicate
//! it, so the error is reported and the record is not retried.
//!
//! Records that wait are also kept in a spool file (see `spool`), rewritten
//! after every attempt that changed them, so a stop or a crash while the
//! journal fails loses nothing: the next writer on the same journal writes
//! them first, oldest first.

use std::collections::VecDeque;
use std::fs::DirBuilder;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::append::{append_lines, fail, sync_dir, Disk, IoFailure, RealDisk};
use super::spool::{self, default_spool_fallback, Intent, Places, Spool};
use super::{LocalHour, Record};

/// How often a failing journal is retried when no new record arrives.
const DEFAULT_RETRY: Duration = Duration::from_secs(5);
/// How long an append waits for another kiosk's lock on the file.
const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(2);
/// How long `Drop` waits for the last write; `shutdown` is the patient path.
const DROP_GRACE: Duration = Duration::from_millis(200);
const DIR_MODE: u32 = 0o750;
/// A burst of records goes out in one write, up to these bounds.
const BATCH_LINES: usize = 256;
const BATCH_BYTES: usize = 1 << 20;

/// What the staff-facing mark shows about the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalStatus {
    Ok,
    /// `pending` records wait for the disk to come back (in memory and, as
    /// `error` says, in a spool file if one could be written); 0 means
    /// lines were written but the disk did not confirm them (fsync failed),
    /// or a spool could not be updated.
    Failing {
        pending: usize,
        error: String,
    },
}

/// The monthly journal file's name: `journal-2026-11.jsonl`.
pub fn file_name(month: &LocalHour) -> String {
    format!("journal-{}.jsonl", month.month_stamp())
}

/// How a writer runs beyond its directory; `Default` is what
/// [`JournalWriter::spawn`] uses.
pub struct WriterOptions {
    /// The clock that names the monthly file.
    pub clock: Box<dyn Fn() -> LocalHour + Send>,
    /// How often a failing journal is retried when no record arrives.
    pub retry_every: Duration,
    /// How long an append waits for a lock another process holds on the
    /// journal file before it counts as failed (and is retried later).
    pub lock_wait: Duration,
    /// The last place for the spool, after the journal directory and its
    /// parent; `None`: none.
    pub spool_fallback: Option<PathBuf>,
}

impl Default for WriterOptions {
    fn default() -> WriterOptions {
        WriterOptions {
            clock: Box::new(LocalHour::now),
            retry_every: DEFAULT_RETRY,
            lock_wait: DEFAULT_LOCK_WAIT,
            spool_fallback: default_spool_fallback(),
        }
    }
}

/// Handle to the journal thread. Dropping it stops the thread after a short
/// grace; call [`JournalWriter::shutdown`] to wait for the last write.
pub struct JournalWriter {
    /// Dropping the sender is the thread's stop signal.
    tx: Option<Sender<Record>>,
    /// Receives one `()` when the thread has made its last attempt.
    done: Receiver<()>,
    /// Records handed to `append` that are neither in a journal file nor
    /// in a spool file, including those still in the channel; what
    /// `shutdown` reports as lost.
    unsafe_count: Arc<AtomicUsize>,
    handle: Option<JoinHandle<()>>,
}

impl JournalWriter {
    /// Starts the journal thread writing into `dir` by the local clock,
    /// retrying a failing disk every 5 s. Records a previous writer left in
    /// a spool are written first. `on_status` runs on the journal thread,
    /// only when the status changes; it must not block or panic.
    pub fn spawn(
        dir: PathBuf,
        on_status: impl Fn(JournalStatus) + Send + 'static,
    ) -> JournalWriter {
        Self::spawn_with(dir, WriterOptions::default(), on_status)
    }

    /// As [`JournalWriter::spawn`], with the clock that names the monthly
    /// file and the retry interval given (for tests).
    pub fn spawn_with_clock(
        dir: PathBuf,
        clock: impl Fn() -> LocalHour + Send + 'static,
        retry_every: Duration,
        on_status: impl Fn(JournalStatus) + Send + 'static,
    ) -> JournalWriter {
        let options = WriterOptions {
            clock: Box::new(clock),
            retry_every,
            ..WriterOptions::default()
        };
        Self::spawn_with(dir, options, on_status)
    }

    /// As [`JournalWriter::spawn`], with every option given.
    pub fn spawn_with(
        dir: PathBuf,
        options: WriterOptions,
        on_status: impl Fn(JournalStatus) + Send + 'static,
    ) -> JournalWriter {
        Self::spawn_on(dir, options, RealDisk, on_status)
    }

    /// As [`JournalWriter::spawn_with`], writing through `disk`.
    pub(crate) fn spawn_on<D: Disk>(
        dir: PathBuf,
        options: WriterOptions,
        disk: D,
        on_status: impl Fn(JournalStatus) + Send + 'static,
    ) -> JournalWriter {
        let (tx, rx) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let unsafe_count = Arc::new(AtomicUsize::new(0));
        let worker = Worker {
            places: Places::new(&dir, options.spool_fallback),
            dir,
            disk,
            clock: options.clock,
            on_status: Box::new(on_status),
            retry_every: options.retry_every.max(Duration::from_millis(1)),
            lock_wait: options.lock_wait,
            pending: VecDeque::new(),
            spools: vec![Slot::new(Spool::new_own())],
            unsafe_count: Arc::clone(&unsafe_count),
            spool_error: None,
            last_status: JournalStatus::Ok,
        };
        // The worker travels by channel rather than inside the closure so
        // that, if the thread cannot be started, it is still here to report.
        let (worker_tx, worker_rx) = mpsc::channel::<Worker<D>>();
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
                // Records sent from now on stay counted in `unsafe_count`.
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
            unsafe_count,
            handle,
        }
    }

    /// Hands a record to the journal thread and returns at once. If the
    /// thread is gone the record is counted as lost in `shutdown`'s result.
    pub fn append(&self, record: Record) {
        // Counted before sending, so the thread never decrements below zero.
        self.unsafe_count.fetch_add(1, Ordering::SeqCst);
        if let Some(tx) = &self.tx {
            let _ = tx.send(record);
        }
    }

    /// Stops the thread after one last attempt to write what is pending,
    /// waiting at most `within`. What still cannot be written is left in a
    /// spool for the next writer. `Err(n)`: `n` records are neither written
    /// nor spooled, and are lost.
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
        match self.unsafe_count.load(Ordering::SeqCst) {
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

/// A record waiting to be written.
struct Entry {
    record: Record,
    /// Index of the spool (in `Worker::spools`) that keeps it.
    spool: usize,
    /// Whether that spool's file on disk holds it.
    saved: bool,
}

struct Slot {
    spool: Spool,
    /// The file on disk no longer matches the records waiting for it.
    dirty: bool,
}

impl Slot {
    fn new(spool: Spool) -> Slot {
        Slot {
            spool,
            dirty: false,
        }
    }
}

/// The journal thread's state.
struct Worker<D> {
    dir: PathBuf,
    places: Places,
    disk: D,
    clock: Box<dyn Fn() -> LocalHour + Send>,
    on_status: Box<dyn Fn(JournalStatus) + Send>,
    retry_every: Duration,
    lock_wait: Duration,
    /// Records not yet written, oldest first: taken-over spools' first.
    pending: VecDeque<Entry>,
    /// This writer's own spool first, then those taken over.
    spools: Vec<Slot>,
    unsafe_count: Arc<AtomicUsize>,
    /// Why a spool could not be saved in this round, if one could not.
    spool_error: Option<String>,
    last_status: JournalStatus,
}

const OWN: usize = 0;

impl<D: Disk> Worker<D> {
    /// Takes over spools left by writers that are gone, then runs until
    /// the sender is dropped (records sent before that still arrive first),
    /// then returns after one last attempt and spool save.
    fn run(mut self, rx: Receiver<Record>) {
        for adopted in spool::adopt(&self.places) {
            let ix = self.spools.len();
            self.spools.push(Slot {
                spool: adopted.spool,
                dirty: adopted.stale,
            });
            self.pending
                .extend(adopted.records.into_iter().map(|record| Entry {
                    record,
                    spool: ix,
                    saved: true,
                }));
        }
        let mut next_retry = Instant::now();
        loop {
            // Sleep until a record comes, or, with work left, until the
            // next retry.
            let received = if self.idle() {
                rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
            } else {
                rx.recv_timeout(next_retry.saturating_duration_since(Instant::now()))
            };
            let mut stop = false;
            match received {
                Ok(record) => self.push(record),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => stop = true,
            }
            // A burst of records makes one attempt, not one per record.
            loop {
                match rx.try_recv() {
                    Ok(record) => self.push(record),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        stop = true;
                        break;
                    }
                }
            }
            self.spool_error = None;
            let error = self.flush();
            self.save_spools();
            let spool_error = self.spool_error.take();
            self.report(error, spool_error);
            if stop {
                return;
            }
            next_retry = Instant::now() + self.retry_every;
        }
    }

    fn idle(&self) -> bool {
        self.pending.is_empty() && self.spools.iter().all(|s| !s.dirty)
    }

    fn push(&mut self, record: Record) {
        self.pending.push_back(Entry {
            record,
            spool: OWN,
            saved: false,
        });
        self.spools[OWN].dirty = true;
    }

    /// Writes the pending records in order, in batches, up to the first
    /// batch that is not written, bringing the spools in line after each;
    /// returns the last error.
    fn flush(&mut self) -> Option<IoFailure> {
        let mut error = None;
        while let Some(first) = self.pending.front() {
            match ensure_dir(&self.dir) {
                Ok(not_durable) => error = error.or(not_durable),
                Err(e) => return Some(e),
            }
            // A batch is one month's, and either records no spool holds
            // or records of one spool, so that one note in that spool says
            // where they are going.
            let kind = (first.spool, first.saved);
            let month = (self.clock)();
            let mut lines = Vec::new();
            let mut bytes = 0;
            for entry in &self.pending {
                if lines.len() == BATCH_LINES
                    || bytes >= BATCH_BYTES
                    || (!lines.is_empty()
                        && ((entry.spool, entry.saved) != kind || (self.clock)() != month))
                {
                    break;
                }
                let line = entry.record.to_line();
                bytes += line.len() + 1;
                lines.push(line);
            }
            let name = file_name(&month);
            let path = self.dir.join(&name);
            let count = lines.len();
            let (spools, pending, places, unsafe_count) = (
                &mut self.spools,
                &mut self.pending,
                &self.places,
                &self.unsafe_count,
            );
            let mut noted = None;
            let appended = append_lines(&self.disk, &path, &lines, self.lock_wait, |at| {
                let (ix, true) = kind else {
                    return;
                };
                let intent = Intent {
                    file: name,
                    dev: at.dev,
                    ino: at.ino,
                    offset: at.offset,
                    count,
                };
                noted = save_slot(spools, ix, pending, places, unsafe_count, Some(&intent)).err();
            });
            for _ in 0..appended.in_file {
                self.written_front();
            }
            if let Some(e) = noted {
                // The records went in all the same: a spool that cannot be
                // saved must not keep the journal from working.
                self.spool_error = Some(e);
            }
            if let (ix, true) = kind {
                // At once, to keep the window for a crash small: without
                // the note, and without what is in the journal now. The
                // records of a batch no spool holds are left for the end
                // of the round, so a healthy disk never writes a spool.
                self.spools[ix].dirty = true;
                self.save_spool(ix);
            }
            if appended.error.is_some() {
                error = appended.error;
            }
            if appended.in_file < count {
                break;
            }
        }
        error
    }

    /// The oldest pending record is in the journal now.
    fn written_front(&mut self) {
        let Some(entry) = self.pending.pop_front() else {
            return;
        };
        if entry.saved {
            // Its spool still holds it: rewrite that spool without it.
            if let Some(slot) = self.spools.get_mut(entry.spool) {
                slot.dirty = true;
            }
        } else {
            self.unsafe_count.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Brings every spool file in line with the records waiting for it,
    /// noting in `spool_error` why one could not be.
    fn save_spools(&mut self) {
        for ix in 0..self.spools.len() {
            if self.spools[ix].dirty {
                self.save_spool(ix);
            }
        }
    }

    fn save_spool(&mut self, ix: usize) {
        let saved = save_slot(
            &mut self.spools,
            ix,
            &mut self.pending,
            &self.places,
            &self.unsafe_count,
            None,
        );
        if let Err(e) = saved {
            self.spool_error = Some(e);
        }
    }

    /// Reports the resulting status if it changed.
    fn report(&mut self, error: Option<IoFailure>, spool_error: Option<String>) {
        let status = match (error, spool_error) {
            (None, None) if self.pending.is_empty() => JournalStatus::Ok,
            (error, spool_error) => {
                let mut text = error.map_or_else(String::new, |e| e.to_string());
                if text.is_empty() && !self.pending.is_empty() {
                    text = "records wait to be written".into();
                }
                let kept: Vec<String> = self
                    .spools
                    .iter()
                    .filter_map(|s| s.spool.path())
                    .map(|p| p.display().to_string())
                    .collect();
                if let Some(e) = spool_error {
                    if !text.is_empty() {
                        text.push_str("; ");
                    }
                    text.push_str(&format!("spool: {e}"));
                } else if !kept.is_empty() && !self.pending.is_empty() {
                    text.push_str(&format!("; kept in {}", kept.join(", ")));
                }
                JournalStatus::Failing {
                    pending: self.pending.len(),
                    error: text,
                }
            }
        };
        if status != self.last_status {
            self.last_status = status.clone();
            (self.on_status)(status);
        }
    }
}

/// Saves spool `ix` with exactly the pending records it keeps, and marks
/// them saved (no longer at risk).
fn save_slot(
    spools: &mut [Slot],
    ix: usize,
    pending: &mut VecDeque<Entry>,
    places: &Places,
    unsafe_count: &AtomicUsize,
    writing: Option<&Intent>,
) -> Result<(), String> {
    let Some(slot) = spools.get_mut(ix) else {
        return Ok(());
    };
    let records = pending.iter().filter(|e| e.spool == ix).map(|e| &e.record);
    slot.spool.save(places, records, writing)?;
    slot.dirty = false;
    for entry in pending.iter_mut().filter(|e| e.spool == ix) {
        if !entry.saved {
            entry.saved = true;
            unsafe_count.fetch_sub(1, Ordering::SeqCst);
        }
    }
    Ok(())
}

/// Creates `dir` (mode 0750) if missing and syncs its parent then; a
/// failed sync is only reported (`Ok(Some)`): the records can still go in.
fn ensure_dir(dir: &Path) -> Result<Option<IoFailure>, IoFailure> {
    if std::fs::metadata(dir).is_ok_and(|m| m.is_dir()) {
        return Ok(None);
    }
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(fail("create directory", dir))?;
    // A new directory entry is durable only once its directory is synced.
    Ok(dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .and_then(|parent| sync_dir(parent).err()))
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
