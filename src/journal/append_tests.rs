//! The append step against real files, with disks that fill up, refuse to
//! undo, or have their file rotated under them, on cue.

use super::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

const PATIENCE: Duration = Duration::from_secs(5);

fn line(n: usize) -> String {
    format!("{{\"v\":1,\"n\":{n},\"pad\":\"{}\"}}", "x".repeat(40))
}

fn lines(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(line).collect()
}

/// A file opened on its own open file description, holding the lock as
/// another kiosk would.
fn hold_lock(path: &Path) -> File {
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    assert!(try_lock_exclusive(&file).unwrap());
    file
}

/// Tells the test each time the writer finds the lock taken.
struct Contended(Mutex<mpsc::Sender<()>>);

use std::sync::Mutex;

impl Disk for Contended {
    fn try_lock(&self, file: &File) -> io::Result<bool> {
        let got = try_lock_exclusive(file)?;
        if !got {
            // The test may have stopped listening.
            let _ = self.0.lock().unwrap().send(());
        }
        Ok(got)
    }
}

/// A disk with room for `room` more bytes, whose truncation can be made to
/// fail.
struct Full {
    room: Arc<AtomicUsize>,
    truncate_fails: bool,
}

impl Disk for Full {
    fn write(&self, file: &File, buf: &[u8]) -> io::Result<usize> {
        let room = self.room.load(Ordering::SeqCst);
        if room == 0 {
            return Err(io::Error::from_raw_os_error(28)); // ENOSPC
        }
        let n = RealDisk.write(file, &buf[..buf.len().min(room)])?;
        self.room.fetch_sub(n, Ordering::SeqCst);
        Ok(n)
    }
    fn set_len(&self, file: &File, len: u64) -> io::Result<()> {
        if self.truncate_fails {
            return Err(io::Error::from_raw_os_error(5)); // EIO
        }
        file.set_len(len)
    }
}

// See: two kiosks on one journal once wrote a blank line (101 lines for
// 100): the "ends in a newline" check and the append were two steps.
#[test]
fn a_writer_waits_for_another_kiosks_line_to_be_finished() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("journal-2026-11.jsonl");
    // Another kiosk holds the lock and is half way through its line.
    let mut other = hold_lock(&path);
    other.write_all(&line(0).as_bytes()[..10]).unwrap();

    let (tx, contended) = mpsc::channel();
    let disk = Contended(Mutex::new(tx));
    let writer_path = path.clone();
    let writer =
        thread::spawn(move || append_lines(&disk, &writer_path, &lines(1..2), PATIENCE, |_| {}));
    // The writer has found the lock taken, and then again: it is waiting,
    // it has not gone ahead to look at the fragment...
    contended.recv_timeout(PATIENCE).unwrap();
    contended.recv_timeout(PATIENCE).unwrap();
    // ...so the other kiosk finishes its line and lets go.
    other.write_all(&line(0).as_bytes()[10..]).unwrap();
    other.write_all(b"\n").unwrap();
    drop(other);

    let appended = writer.join().unwrap();
    assert_eq!(appended.in_file, 1);
    assert!(appended.error.is_none(), "{:?}", appended.error);
    let want = format!("{}\n{}\n", line(0), line(1));
    assert_eq!(fs::read_to_string(&path).unwrap(), want);
}

#[test]
fn a_lock_held_forever_fails_the_append_within_the_bound() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("journal-2026-11.jsonl");
    let wedged = hold_lock(&path);
    let started = Instant::now();
    let appended = append_lines(
        &RealDisk,
        &path,
        &lines(0..1),
        Duration::from_millis(50),
        |_| {},
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(appended.in_file, 0);
    let error = appended.error.unwrap();
    assert_eq!(error.action, "lock");
    assert_eq!(error.source.kind(), io::ErrorKind::TimedOut);
    assert_eq!(fs::read_to_string(&path).unwrap(), "");
    drop(wedged);
    let appended = append_lines(&RealDisk, &path, &lines(0..1), PATIENCE, |_| {});
    assert_eq!(appended.in_file, 1);
}

// See: a disk that filled up mid-write left a torn line.
#[test]
fn a_write_that_fails_half_way_is_truncated_back() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("journal-2026-11.jsonl");
    let before = format!("{}\n", line(0));
    fs::write(&path, &before).unwrap();
    // Room for the first line and part of the second.
    let room = Arc::new(AtomicUsize::new(line(1).len() + 1 + 7));
    let disk = Full {
        room: Arc::clone(&room),
        truncate_fails: false,
    };
    let appended = append_lines(&disk, &path, &lines(1..4), PATIENCE, |_| {});
    assert_eq!(appended.in_file, 0);
    let error = appended.error.unwrap();
    assert_eq!(error.action, "write");
    assert_eq!(error.source.raw_os_error(), Some(28));
    assert_eq!(fs::read_to_string(&path).unwrap(), before);

    room.store(usize::MAX, Ordering::SeqCst);
    let appended = append_lines(&disk, &path, &lines(1..4), PATIENCE, |_| {});
    assert_eq!(appended.in_file, 3);
    assert!(appended.error.is_none());
    let want: String = lines(0..4).iter().map(|l| format!("{l}\n")).collect();
    assert_eq!(fs::read_to_string(&path).unwrap(), want);
}

#[test]
fn when_the_undo_fails_whole_lines_count_and_the_fragment_is_ended() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("journal-2026-11.jsonl");
    let room = Arc::new(AtomicUsize::new(line(0).len() + 1 + 7));
    let disk = Full {
        room: Arc::clone(&room),
        truncate_fails: true,
    };
    let appended = append_lines(&disk, &path, &lines(0..3), PATIENCE, |_| {});
    // Line 0 is whole: it must not be written again.
    assert_eq!(appended.in_file, 1);
    let error = appended.error.unwrap().to_string();
    assert!(error.contains("undoing it failed"), "{error}");

    room.store(usize::MAX, Ordering::SeqCst);
    let appended = append_lines(&disk, &path, &lines(1..3), PATIENCE, |_| {});
    assert_eq!(appended.in_file, 2);
    let text = fs::read_to_string(&path).unwrap();
    let got: Vec<&str> = text.lines().collect();
    let (l0, l1, l2) = (line(0), line(1), line(2));
    assert_eq!(got, [l0.as_str(), &l1[..7], &l1, &l2]);
}

// See: a FIFO as the journal file took the line, failed fsync, and the
// record was counted as written.
#[test]
fn a_fifo_or_device_is_refused_without_blocking() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("journal-2026-11.jsonl");
    rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::from(0o600)).unwrap();
    let appended = append_lines(&RealDisk, &fifo, &lines(0..1), PATIENCE, |_| {});
    assert_eq!(appended.in_file, 0);
    let error = appended.error.unwrap().to_string();
    assert!(
        error.contains("not a regular file but a named pipe (FIFO)"),
        "{error}"
    );

    let device = tmp.path().join("journal-2026-12.jsonl");
    std::os::unix::fs::symlink("/dev/null", &device).unwrap();
    let appended = append_lines(&RealDisk, &device, &lines(0..1), PATIENCE, |_| {});
    assert_eq!(appended.in_file, 0);
    let error = appended.error.unwrap().to_string();
    assert!(error.contains("a character device"), "{error}");
}

/// Rotates the journal (renames it away) the first time the lock is tried,
/// as logrotate could between the writer's open and its lock.
struct Rotates {
    path: PathBuf,
    done: AtomicBool,
}

impl Disk for Rotates {
    fn try_lock(&self, file: &File) -> io::Result<bool> {
        if !self.done.swap(true, Ordering::SeqCst) {
            fs::rename(&self.path, self.path.with_extension("jsonl.1")).unwrap();
        }
        try_lock_exclusive(file)
    }
}

#[test]
fn a_file_rotated_before_the_lock_is_opened_again() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("journal-2026-11.jsonl");
    fs::write(&path, format!("{}\n", line(0))).unwrap();
    let disk = Rotates {
        path: path.clone(),
        done: AtomicBool::new(false),
    };
    let appended = append_lines(&disk, &path, &lines(1..2), PATIENCE, |_| {});
    assert_eq!(appended.in_file, 1);
    assert!(appended.error.is_none(), "{:?}", appended.error);
    let rotated = fs::read_to_string(path.with_extension("jsonl.1")).unwrap();
    assert_eq!(rotated, format!("{}\n", line(0)));
    assert_eq!(fs::read_to_string(&path).unwrap(), format!("{}\n", line(1)));
}

/// A filesystem that does not do `flock`.
struct NoLocks;

impl Disk for NoLocks {
    fn try_lock(&self, _file: &File) -> io::Result<bool> {
        Err(io::Error::from_raw_os_error(95)) // EOPNOTSUPP
    }
}

#[test]
fn a_filesystem_without_locks_still_gets_its_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("journal-2026-11.jsonl");
    let appended = append_lines(&NoLocks, &path, &lines(0..2), PATIENCE, |_| {});
    assert_eq!(appended.in_file, 2);
    assert!(appended.error.is_none(), "{:?}", appended.error);
    let want: String = lines(0..2).iter().map(|l| format!("{l}\n")).collect();
    assert_eq!(fs::read_to_string(&path).unwrap(), want);
}
