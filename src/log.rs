//! The kiosk's own log, `kiosk.log`: what went wrong, for the staff.
//!
//! While the kiosk runs, standard error is a pipe read by a log thread, so
//! nothing (ALSA's messages, a child's, a stray print) ever writes over the
//! fullscreen screen or waits on the disk. [`log`] never blocks and never
//! panics (`eprintln!` panics when the disk is full): lines go through a
//! bounded queue and are dropped, and counted, when it is full. The file is
//! bounded too: a line repeated within [`REPEAT_WINDOW`] is counted instead
//! of written (a missing sound card is retried every 10 s for months), and
//! at [`MAX_BYTES`] the file moves to `kiosk.log.1`, replacing the one
//! before. A deleted or moved `kiosk.log` is created again at the next line;
//! a FIFO or device in its place is refused.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use crate::regular_file;

/// The log file's name, in the journal directory (or its parent).
pub const FILE_NAME: &str = "kiosk.log";
/// A log grows to this size, then starts again (the old one kept as `.1`).
pub const MAX_BYTES: u64 = 1024 * 1024;
/// The same line again within this is counted, not written.
pub const REPEAT_WINDOW: Duration = Duration::from_secs(600);
/// Lines waiting for the disk; beyond this they are dropped.
const QUEUE: usize = 1024;
/// A line from standard error longer than this is cut.
const MAX_LINE: usize = 2000;
/// How often a log that could not be opened is tried again.
const REOPEN_EVERY: Duration = Duration::from_secs(10);
/// How many distinct recent lines the repeat filter remembers.
const REMEMBERED: usize = 256;
const FILE_MODE: u32 = 0o640;

enum Msg {
    Line(String),
    Flush(mpsc::Sender<()>),
}

struct Logger {
    tx: SyncSender<Msg>,
    /// Standard error as the kiosk found it, put back by [`stop`].
    original_stderr: Mutex<Option<OwnedFd>>,
}

static LOGGER: OnceLock<Logger> = OnceLock::new();
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// Whether `start` found a place for the log file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Started {
    Writing,
    /// No candidate was writable; lines are dropped until one is (tried
    /// again every 10 s).
    NoFile,
}

/// Starts the log thread writing `kiosk.log` in the first of `dirs` that
/// takes it, and points standard error at it. Call once; later calls only
/// report.
pub fn start(dirs: Vec<PathBuf>) -> Started {
    let mut file = LogFile::new(dirs, MAX_BYTES, REPEAT_WINDOW);
    let started = if file.ensure_open(Instant::now()) {
        Started::Writing
    } else {
        Started::NoFile
    };
    if LOGGER.get().is_some() {
        return started;
    }
    let (tx, rx) = mpsc::sync_channel(QUEUE);
    let original_stderr = redirect_stderr(tx.clone());
    let logger = Logger {
        tx,
        original_stderr: Mutex::new(original_stderr),
    };
    if LOGGER.set(logger).is_ok() {
        let _ = thread::Builder::new()
            .name("log".into())
            .spawn(move || write_loop(file, rx));
    }
    started
}

/// Logs one line with the local time. Never blocks, never panics; before
/// `start` (or with no room in the queue) the line is dropped.
pub fn log(message: &str) {
    let stamp = chrono::Local::now().format("%Y-%m-%d %H:%M:%S");
    send(format!("{stamp} {message}"));
}

fn send(line: String) {
    let Some(logger) = LOGGER.get() else {
        return;
    };
    match logger.tx.try_send(Msg::Line(line)) {
        Ok(()) => {}
        Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
            DROPPED.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Writes what is queued (waiting at most `within`) and gives standard
/// error back to whoever started the kiosk, so a last error reaches them.
pub fn stop(within: Duration) {
    let Some(logger) = LOGGER.get() else {
        return;
    };
    let (done_tx, done_rx) = mpsc::channel();
    if logger.tx.try_send(Msg::Flush(done_tx)).is_ok() {
        let _ = done_rx.recv_timeout(within);
    }
    if let Ok(mut original) = logger.original_stderr.lock() {
        if let Some(fd) = original.take() {
            let _ = rustix::stdio::dup2_stderr(&fd);
        }
    }
}

/// Points standard error at a pipe whose lines become log lines; returns
/// the original standard error. Without a pipe, at /dev/null: never the
/// screen.
fn redirect_stderr(tx: SyncSender<Msg>) -> Option<OwnedFd> {
    let original = rustix::io::dup(io::stderr().as_fd()).ok();
    if let Ok((reader, writer)) = rustix::pipe::pipe() {
        if rustix::stdio::dup2_stderr(&writer).is_ok() {
            drop(writer);
            let _ = thread::Builder::new()
                .name("log-stderr".into())
                .spawn(move || read_stderr(File::from(reader), tx));
            return original;
        }
    }
    if let Ok(null) = File::options().write(true).open("/dev/null") {
        let _ = rustix::stdio::dup2_stderr(&null);
    }
    original
}

/// Turns what others write to standard error into log lines.
fn read_stderr(mut pipe: File, tx: SyncSender<Msg>) {
    let stamp = || chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
    let mut buf = [0u8; 4096];
    let mut partial: Vec<u8> = Vec::new();
    loop {
        let n = match pipe.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        for &b in &buf[..n] {
            if b == b'\n' {
                let text = String::from_utf8_lossy(&partial).into_owned();
                partial.clear();
                let line = format!("{} {}", stamp(), text.trim_end());
                if tx.try_send(Msg::Line(line)).is_err() {
                    DROPPED.fetch_add(1, Ordering::Relaxed);
                }
            } else if partial.len() < MAX_LINE {
                partial.push(b);
            }
        }
    }
}

fn write_loop(mut file: LogFile, rx: Receiver<Msg>) {
    while let Ok(msg) = rx.recv() {
        let now = Instant::now();
        let dropped = DROPPED.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            file.write_line(
                now,
                &format!("({dropped} log line(s) dropped: the log was busy)"),
            );
        }
        match msg {
            Msg::Line(line) => file.write_line(now, &line),
            Msg::Flush(done) => {
                file.flush_repeats();
                let _ = done.send(());
            }
        }
    }
}

/// The log file itself: rotation, reopening, the repeat filter. Lines come
/// in with their time stamp already at the front (`YYYY-MM-DD HH:MM:SS `);
/// the repeat filter compares what follows it.
pub struct LogFile {
    candidates: Vec<PathBuf>,
    open: Option<OpenLog>,
    max_bytes: u64,
    repeat_window: Duration,
    last_open_attempt: Option<Instant>,
    /// Recent lines (without stamp): when last written, repeats since.
    recent: HashMap<String, (Instant, u64)>,
    /// Lines that could not be written since the last one that could.
    lost: u64,
}

struct OpenLog {
    path: PathBuf,
    file: File,
    inode: (u64, u64),
    size: u64,
}

impl LogFile {
    pub fn new(dirs: Vec<PathBuf>, max_bytes: u64, repeat_window: Duration) -> LogFile {
        LogFile {
            candidates: dirs.into_iter().map(|d| d.join(FILE_NAME)).collect(),
            open: None,
            max_bytes,
            repeat_window,
            last_open_attempt: None,
            recent: HashMap::new(),
            lost: 0,
        }
    }

    /// The file being written, if any.
    pub fn path(&self) -> Option<&Path> {
        self.open.as_ref().map(|o| o.path.as_path())
    }

    /// Writes one stamped line, unless it repeats a recent one.
    pub fn write_line(&mut self, now: Instant, line: &str) {
        let body = strip_stamp(line);
        if let Some((written, repeats)) = self.recent.get_mut(body) {
            if now.saturating_duration_since(*written) < self.repeat_window {
                *repeats = repeats.saturating_add(1);
                return;
            }
        }
        let repeats = self.recent.remove(body).map_or(0, |(_, n)| n);
        if self.recent.len() >= REMEMBERED {
            self.forget_oldest();
        }
        self.recent.insert(body.to_string(), (now, 0));
        let text = if repeats > 0 {
            format!("{line} (and {repeats} more time(s) before this)")
        } else {
            line.to_string()
        };
        self.append(now, &text);
    }

    /// Writes the counts of lines held back by the repeat filter.
    pub fn flush_repeats(&mut self) {
        let held: Vec<(String, u64)> = self
            .recent
            .iter_mut()
            .filter(|(_, (_, n))| *n > 0)
            .map(|(body, (_, n))| (body.clone(), std::mem::take(n)))
            .collect();
        let now = Instant::now();
        for (body, n) in held {
            self.append(now, &format!("(repeated {n} more time(s): {body})"));
        }
    }

    fn forget_oldest(&mut self) {
        let oldest = self
            .recent
            .iter()
            .min_by_key(|(_, (at, _))| *at)
            .map(|(k, _)| k.clone());
        if let Some(key) = oldest {
            self.recent.remove(&key);
        }
    }

    fn append(&mut self, now: Instant, text: &str) {
        let bytes = format!("{text}\n");
        if !self.ensure_open(now) {
            self.lost = self.lost.saturating_add(1);
            return;
        }
        self.rotate_if_full(bytes.len() as u64);
        let lost = std::mem::take(&mut self.lost);
        let mut out = String::new();
        if lost > 0 {
            out.push_str(&format!(
                "({lost} log line(s) lost: the log could not be written)\n"
            ));
        }
        out.push_str(&bytes);
        let Some(open) = self.open.as_mut() else {
            self.lost = lost.saturating_add(1);
            return;
        };
        match open.file.write_all(out.as_bytes()) {
            Ok(()) => open.size = open.size.saturating_add(out.len() as u64),
            Err(_) => {
                // A full disk: count it, try the file again later.
                self.lost = lost.saturating_add(1);
                self.open = None;
            }
        }
    }

    /// Opens the log if it is not open, or reopens it if it was deleted or
    /// moved away. `false` when no candidate can be written.
    pub fn ensure_open(&mut self, now: Instant) -> bool {
        if let Some(open) = &self.open {
            let same = std::fs::metadata(&open.path)
                .map(|m| (m.dev(), m.ino()) == open.inode)
                .unwrap_or(false);
            if same {
                return true;
            }
            self.open = None;
        } else if let Some(at) = self.last_open_attempt {
            if now.saturating_duration_since(at) < REOPEN_EVERY {
                return false;
            }
        }
        self.last_open_attempt = Some(now);
        for path in &self.candidates {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let Ok(file) = regular_file::open_append(path, FILE_MODE) else {
                continue;
            };
            let Ok(meta) = file.metadata() else {
                continue;
            };
            self.open = Some(OpenLog {
                path: path.clone(),
                file,
                inode: (meta.dev(), meta.ino()),
                size: meta.len(),
            });
            return true;
        }
        false
    }

    fn rotate_if_full(&mut self, adding: u64) {
        let Some(open) = &self.open else {
            return;
        };
        if open.size.saturating_add(adding) <= self.max_bytes || open.size == 0 {
            return;
        }
        let path = open.path.clone();
        let mut old = path.clone().into_os_string();
        old.push(".1");
        if std::fs::rename(&path, PathBuf::from(old)).is_err() {
            // Cannot move it aside: start it again rather than grow it.
            let _ = open.file.set_len(0);
        }
        self.open = None;
        self.last_open_attempt = None;
        let _ = self.ensure_open(Instant::now());
    }
}

/// The line without its leading `YYYY-MM-DD HH:MM:SS ` stamp.
fn strip_stamp(line: &str) -> &str {
    let bytes = line.as_bytes();
    let stamped = bytes.len() > 20
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b' '
        && bytes[13] == b':'
        && bytes[19] == b' ';
    if stamped {
        line.get(20..).unwrap_or(line)
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamped(n: u64, text: &str) -> String {
        format!("2026-12-02 10:{:02}:{:02} {text}", (n / 60) % 60, n % 60)
    }

    fn log_in(dir: &Path) -> LogFile {
        LogFile::new(vec![dir.to_path_buf()], MAX_BYTES, REPEAT_WINDOW)
    }

    #[test]
    fn lines_are_written_and_repeats_counted() {
        let tmp = tempfile::tempdir().unwrap();
        let mut log = log_in(tmp.path());
        let t = Instant::now();
        log.write_line(t, &stamped(0, "sound: no device"));
        log.write_line(
            t + Duration::from_secs(10),
            &stamped(10, "sound: no device"),
        );
        log.write_line(t + Duration::from_secs(20), &stamped(20, "other"));
        log.write_line(
            t + Duration::from_secs(700),
            &stamped(700, "sound: no device"),
        );
        let text = std::fs::read_to_string(tmp.path().join(FILE_NAME)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[2].ends_with("sound: no device (and 1 more time(s) before this)"));
    }

    // See: issue 11, defect 10 (a deleted kiosk.log was never reopened).
    #[test]
    fn a_deleted_log_is_created_again() {
        let tmp = tempfile::tempdir().unwrap();
        let mut log = log_in(tmp.path());
        let t = Instant::now();
        log.write_line(t, &stamped(0, "one"));
        std::fs::remove_file(tmp.path().join(FILE_NAME)).unwrap();
        log.write_line(t, &stamped(1, "two"));
        let text = std::fs::read_to_string(tmp.path().join(FILE_NAME)).unwrap();
        assert!(text.contains("two"), "{text}");
    }

    #[test]
    fn a_log_in_an_unwritable_place_loses_lines_but_never_fails() {
        let tmp = tempfile::tempdir().unwrap();
        // A directory under a regular file can never exist, even for root.
        let blocker = tmp.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        let mut log = log_in(&blocker.join("sub"));
        let t = Instant::now();
        log.write_line(t, &stamped(0, "lost"));
        assert_eq!(log.path(), None);
        assert_eq!(log.lost, 1);
    }

    #[test]
    fn the_next_candidate_takes_the_log() {
        let tmp = tempfile::tempdir().unwrap();
        let blocker = tmp.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        let mut log = LogFile::new(
            vec![blocker.join("sub"), tmp.path().to_path_buf()],
            MAX_BYTES,
            REPEAT_WINDOW,
        );
        log.write_line(Instant::now(), &stamped(0, "here"));
        assert_eq!(log.path(), Some(tmp.path().join(FILE_NAME).as_path()));
    }

    // See: issue 11, defect 2 (kiosk.log grew without bound).
    #[test]
    fn a_month_of_a_missing_sound_card_keeps_the_log_small() {
        let tmp = tempfile::tempdir().unwrap();
        let mut log = log_in(tmp.path());
        let t = Instant::now();
        // ALSA's few lines, every 10 s for 30 days, and a kiosk note now
        // and then with a number that changes.
        let alsa = [
            "ALSA lib confmisc.c:855:(parse_card) cannot find card '0'",
            "ALSA lib conf.c:5205:(_snd_config_evaluate) function snd_func_card_inum returned error: No such file or directory",
            "ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM default",
            "speech: clip player: no sound output device",
        ];
        let retries = 30 * 24 * 360u64;
        for i in 0..retries {
            let at = t + Duration::from_secs(i * 10);
            for line in alsa {
                log.write_line(at, &stamped(i, line));
            }
            if i % 8640 == 0 {
                log.write_line(at, &stamped(i, &format!("session {i} written")));
            }
        }
        let size = std::fs::metadata(tmp.path().join(FILE_NAME)).unwrap().len();
        let old = std::fs::metadata(tmp.path().join("kiosk.log.1")).map_or(0, |m| m.len());
        assert!(size + old <= 2 * MAX_BYTES, "{size} + {old}");
        let text = std::fs::read_to_string(tmp.path().join(FILE_NAME)).unwrap();
        assert!(text.contains("Unknown PCM default"));
    }

    #[test]
    fn a_full_log_moves_aside_and_starts_again() {
        let tmp = tempfile::tempdir().unwrap();
        let mut log = LogFile::new(vec![tmp.path().to_path_buf()], 1000, REPEAT_WINDOW);
        let t = Instant::now();
        for i in 0..100 {
            log.write_line(t, &stamped(i, &format!("line {i} with some words in it")));
        }
        let size = std::fs::metadata(tmp.path().join(FILE_NAME)).unwrap().len();
        let old = std::fs::metadata(tmp.path().join("kiosk.log.1"))
            .unwrap()
            .len();
        assert!(size <= 1000 && old <= 1000, "{size} {old}");
        let text = std::fs::read_to_string(tmp.path().join(FILE_NAME)).unwrap();
        assert!(text.contains("line 99"));
    }

    #[test]
    fn stamps_are_stripped_for_the_repeat_filter() {
        assert_eq!(strip_stamp("2026-12-02 10:00:00 hello"), "hello");
        assert_eq!(strip_stamp("no stamp"), "no stamp");
    }
}
