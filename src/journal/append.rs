//! One append to a monthly journal file, made one step across processes:
//! under an exclusive `flock` on the file, the writer checks how the file
//! ends, appends a batch of lines, and fsyncs, so two kiosks sharing a
//! journal can never both decide to end the same torn fragment (a blank
//! line) or read a length in the middle of each other's write. A write that
//! fails half way is undone by truncating back to the length seen under the
//! lock. A lock another process holds longer than a bound fails the append
//! (it is retried later); a filesystem that has no `flock` at all gets
//! unlocked appends, as before. The bytes go out through a [`Disk`], so
//! tests can make a disk that fills up after N bytes or is slow to give up
//! its lock.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use rustix::fs::FlockOperation;

pub(crate) const FILE_MODE: u32 = 0o640;

/// How many times a journal file replaced between open and lock (rotated,
/// deleted) is opened again before the append counts as failed.
const REOPENS: usize = 3;
/// The longest pause between two tries of a contended lock.
const LOCK_POLL_MAX: Duration = Duration::from_millis(20);

/// The few file operations of an append that can fail in ways a test wants
/// to force. The defaults are the real calls.
pub(crate) trait Disk: Send + 'static {
    /// One `write(2)`: may write less than `buf`.
    fn write(&self, file: &File, buf: &[u8]) -> io::Result<usize> {
        let mut file = file;
        file.write(buf)
    }
    fn set_len(&self, file: &File, len: u64) -> io::Result<()> {
        file.set_len(len)
    }
    fn sync_data(&self, file: &File) -> io::Result<()> {
        file.sync_data()
    }
    /// Tries once to take the exclusive lock; `Ok(false)` if another open
    /// file description holds it.
    fn try_lock(&self, file: &File) -> io::Result<bool> {
        try_lock_exclusive(file)
    }
}

/// The real disk.
pub(crate) struct RealDisk;

impl Disk for RealDisk {}

/// `flock(LOCK_EX | LOCK_NB)`; `Ok(false)` when it is held elsewhere.
pub(crate) fn try_lock_exclusive(file: &File) -> io::Result<bool> {
    match rustix::fs::flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::WOULDBLOCK) | Err(rustix::io::Errno::INTR) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// `O_NONBLOCK`, so that opening a FIFO (or a device) put where a journal
/// file belongs never waits for a reader.
pub(crate) fn nonblocking() -> i32 {
    // The flag is a small positive constant.
    rustix::fs::OFlags::NONBLOCK.bits() as i32
}

/// One failed step of an append, with the path it was about.
#[derive(Debug, thiserror::Error)]
#[error("{}: {action}: {source}", path.display())]
pub(crate) struct IoFailure {
    pub action: &'static str,
    pub path: PathBuf,
    pub source: io::Error,
}

pub(crate) fn fail(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> IoFailure {
    let path = path.to_path_buf();
    move |source| IoFailure {
        action,
        path,
        source,
    }
}

/// What became of a batch of lines.
#[derive(Debug)]
pub(crate) struct Appended {
    /// How many lines, from the first, are whole in the file: these count
    /// as written and must not be written again.
    pub in_file: usize,
    /// The first thing that went wrong. With `in_file` equal to the batch,
    /// the lines are in the file but may not survive a power cut.
    pub error: Option<IoFailure>,
}

impl Appended {
    fn not_written(error: IoFailure) -> Appended {
        Appended {
            in_file: 0,
            error: Some(error),
        }
    }
}

/// Where, under the lock, a batch's first line is about to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position {
    pub dev: u64,
    pub ino: u64,
    /// The byte offset of the first line.
    pub offset: u64,
}

/// Appends `lines` (each without its newline) to `path` in one step under
/// the file's lock, waiting at most `lock_wait` for another kiosk's lock.
/// `before_write` runs under the lock just before the bytes go out (the
/// spool notes there where its records are going). The caller has made
/// sure the directory exists.
pub(crate) fn append_lines<D: Disk>(
    disk: &D,
    path: &Path,
    lines: &[String],
    lock_wait: Duration,
    before_write: impl FnOnce(Position),
) -> Appended {
    let (file, created) = match open_locked(disk, path, lock_wait) {
        Ok(opened) => opened,
        Err(e) => return Appended::not_written(e),
    };
    // The length and the last byte are read under the lock: no other
    // kiosk is half way through a line now.
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => return Appended::not_written(fail("stat", path)(e)),
    };
    let before = meta.len();
    let torn = match ends_torn(&file, before) {
        Ok(torn) => torn,
        Err(e) => return Appended::not_written(fail("read", path)(e)),
    };

    let mut buf = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum::<usize>() + 1);
    if torn {
        // End a torn fragment (a crash, a failed undo) so it stays its own
        // skipped line instead of corrupting the first one here.
        buf.push(b'\n');
    }
    // Where each line's newline ends, to tell which lines a short write
    // left whole.
    let mut ends = Vec::with_capacity(lines.len());
    for line in lines {
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
        ends.push(buf.len());
    }

    before_write(Position {
        dev: meta.dev(),
        ino: meta.ino(),
        offset: before + u64::from(torn),
    });
    let mut done = 0;
    while done < buf.len() {
        match disk.write(&file, &buf[done..]) {
            Ok(0) => {
                let e = io::Error::new(io::ErrorKind::WriteZero, "the disk took no bytes");
                return undo(disk, &file, path, before, done, &ends, e);
            }
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return undo(disk, &file, path, before, done, &ends, e),
        }
    }

    let mut error = disk.sync_data(&file).err().map(fail("fsync", path));
    // A new directory entry is durable only once its directory is synced.
    if created && error.is_none() {
        if let Some(dir) = path.parent() {
            error = sync_dir(dir).err();
        }
    }
    Appended {
        in_file: lines.len(),
        error,
    }
    // Closing the file releases the lock.
}

/// After a failed write of `done` bytes: truncate back to `before` so no
/// torn line is left. If that fails too, the lines already whole count as
/// written and the fragment after them is ended at the next append.
fn undo<D: Disk>(
    disk: &D,
    file: &File,
    path: &Path,
    before: u64,
    done: usize,
    ends: &[usize],
    error: io::Error,
) -> Appended {
    match disk.set_len(file, before) {
        Ok(()) => Appended::not_written(fail("write", path)(error)),
        Err(truncate) => Appended {
            // A line missing only its newline counts too: the next append
            // ends the fragment, which makes it a whole line.
            in_file: ends.iter().take_while(|&&end| end - 1 <= done).count(),
            error: Some(fail("write", path)(io::Error::new(
                error.kind(),
                format!("{error}, and undoing it failed: {truncate}"),
            ))),
        },
    }
}

/// Opens (or creates, mode 0640) the journal file and takes its lock,
/// making sure the locked file is still the one at `path` (not rotated or
/// deleted in between) and a regular file (a FIFO would swallow lines and
/// fail fsync). The flag says whether this call created the file.
fn open_locked<D: Disk>(
    disk: &D,
    path: &Path,
    lock_wait: Duration,
) -> Result<(File, bool), IoFailure> {
    let deadline = Instant::now() + lock_wait;
    let mut created_any = false;
    for _ in 0..REOPENS {
        let (file, created) = open_append(path)?;
        created_any |= created;
        let meta = file.metadata().map_err(fail("stat", path))?;
        if !meta.file_type().is_file() {
            return Err(fail("open", path)(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("not a regular file but {}", kind_of(&meta)),
            )));
        }
        lock_until(disk, &file, path, lock_wait, deadline)?;
        // Rotated or deleted while we waited: the line belongs in the file
        // now at `path`, so open that one.
        match fs::metadata(path) {
            Ok(now) if now.dev() == meta.dev() && now.ino() == meta.ino() => {
                return Ok((file, created_any));
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(fail("stat", path)(e)),
        }
    }
    Err(fail("open", path)(io::Error::other(
        "the file keeps being replaced while it is opened",
    )))
}

/// Takes the lock, polling until `deadline`: a kiosk wedged while holding
/// it must not stall this one forever. Polling rather than a blocking
/// `flock` in a helper thread, which could not be called off.
fn lock_until<D: Disk>(
    disk: &D,
    file: &File,
    path: &Path,
    lock_wait: Duration,
    deadline: Instant,
) -> Result<(), IoFailure> {
    let mut pause = Duration::from_millis(1);
    loop {
        match disk.try_lock(file) {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            // A filesystem without flock (some network and FUSE ones):
            // append as before, one O_APPEND write, rather than never.
            Err(e) if no_locks_here(&e) => return Ok(()),
            Err(e) => return Err(fail("lock", path)(e)),
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(fail("lock", path)(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "another process has held the lock for over {} ms",
                    lock_wait.as_millis()
                ),
            )));
        }
        thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(LOCK_POLL_MAX);
    }
}

/// The errors of a filesystem that does not do `flock` at all.
fn no_locks_here(e: &io::Error) -> bool {
    use rustix::io::Errno;
    let errno = Errno::from_io_error(e);
    [Errno::NOLCK, Errno::OPNOTSUPP, Errno::NOSYS, Errno::INVAL]
        .iter()
        .any(|no| errno == Some(*no))
}

fn kind_of(meta: &fs::Metadata) -> &'static str {
    crate::regular_file::special_kind(&meta.file_type()).unwrap_or("a regular file")
}

/// Opens `path` for appending, creating it (mode 0640) if missing; the flag
/// says whether this call created it.
fn open_append(path: &Path) -> Result<(File, bool), IoFailure> {
    let existing = || {
        OpenOptions::new()
            .read(true)
            .append(true)
            .custom_flags(nonblocking())
            .open(path)
    };
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
        .custom_flags(nonblocking())
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

/// True if the file of length `len` ends in a fragment without a newline.
fn ends_torn(file: &File, len: u64) -> io::Result<bool> {
    if len == 0 {
        return Ok(false);
    }
    let mut last = [0u8; 1];
    file.read_exact_at(&mut last, len - 1)?;
    Ok(last[0] != b'\n')
}

pub(crate) fn sync_dir(dir: &Path) -> Result<(), IoFailure> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(fail("fsync directory", dir))
}

#[cfg(test)]
#[path = "append_tests.rs"]
mod tests;
