//! Reading journals: the files and directories named (a directory stands
//! for its `*.jsonl` files), read in fixed 8 MB chunks cut at the last
//! newline, and handed to worker threads that each fill their own
//! [`Aggregate`]. Chunks are read with `read`, never mapped, so peak memory
//! is the few chunk buffers in flight plus the aggregates, whatever the size
//! of the journal. A file's last line is its own, even without a newline: a
//! torn tail is one corrupt line, never glued to the next file's first.
//!
//! A line longer than [`MAX_LINE`] (a real record is a few KB) is a bad
//! line: the reader stops keeping it once it passes the cap and drops what
//! follows up to the next newline, so an endless line (`/dev/zero`, a
//! corrupt file) costs a chunk of memory, not all of it. Pipes and
//! character devices are read like files, to their end.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Mutex;

use super::aggregate::Aggregate;
use super::ReportError;

/// Size of each read.
pub const CHUNK: usize = 8 << 20;

pub use super::limits::MAX_LINE;

/// The journal files `paths` name, in order: a file as given, a directory as
/// its `*.jsonl` files sorted by name.
pub fn journal_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ReportError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| ReportError::Read {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|source| ReportError::Read {
                path: path.clone(),
                source,
            })?;
            let mut found = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|source| ReportError::Read {
                    path: path.clone(),
                    source,
                })?;
                let p = entry.path();
                if p.extension().is_some_and(|e| e == "jsonl") && p.is_file() {
                    found.push(p);
                }
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// Reads every file with `threads` workers, each starting from `make()`,
/// and merges their counts.
pub fn aggregate_files(
    files: &[PathBuf],
    threads: usize,
    make: impl Fn() -> Aggregate + Sync,
) -> Result<Aggregate, ReportError> {
    aggregate_files_chunked(files, threads, CHUNK, make)
}

/// As [`aggregate_files`] with reads of `chunk` bytes (tests use tiny ones
/// so that lines straddle chunks).
pub fn aggregate_files_chunked(
    files: &[PathBuf],
    threads: usize,
    chunk: usize,
    make: impl Fn() -> Aggregate + Sync,
) -> Result<Aggregate, ReportError> {
    let chunk = chunk.max(1);
    let threads = threads.max(1);
    // Buffers in flight: one being filled, one queued, one per worker.
    let pool = threads + 2;
    let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(1);
    let (free_tx, free_rx) = mpsc::sync_channel::<Vec<u8>>(pool);
    let full_rx = Mutex::new(full_rx);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let full_rx = &full_rx;
                let free_tx = free_tx.clone();
                let make = &make;
                scope.spawn(move || work(full_rx, &free_tx, make()))
            })
            .collect();
        drop(free_tx);
        let read = read_all(files, chunk, &full_tx, &free_rx, pool);
        // Closing the queue lets the workers finish.
        drop(full_tx);
        // The first worker's counts take the others in, so that at most
        // two aggregates are alive at once.
        let mut total: Option<Aggregate> = None;
        for worker in workers {
            match (worker.join(), &mut total) {
                (Ok(agg), Some(total)) => total.merge(agg),
                (Ok(agg), None) => total = Some(agg),
                (Err(_), _) => return Err(ReportError::Worker),
            }
        }
        let mut total = total.unwrap_or_else(&make);
        total.skip_lines(read?);
        Ok(total)
    })
}

fn work(
    full: &Mutex<Receiver<Vec<u8>>>,
    free: &SyncSender<Vec<u8>>,
    mut agg: Aggregate,
) -> Aggregate {
    loop {
        let next = match full.lock() {
            Ok(rx) => rx.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(chunk) = next else { return agg };
        agg.add_chunk(&chunk);
        // The reader may be gone (an error); then the buffer is just freed.
        let _ = free.try_send(chunk);
    }
}

/// Sends the files' bytes as chunks cut after a newline, and returns the
/// number of lines skipped for passing [`MAX_LINE`] on the way.
fn read_all(
    files: &[PathBuf],
    chunk: usize,
    full: &SyncSender<Vec<u8>>,
    free: &Receiver<Vec<u8>>,
    pool: usize,
) -> Result<u64, ReportError> {
    let mut made = 0;
    let mut buffer = || -> Vec<u8> {
        if let Ok(b) = free.try_recv() {
            return b;
        }
        if made < pool {
            made += 1;
            return Vec::with_capacity(chunk + 64 * 1024);
        }
        free.recv().unwrap_or_default()
    };
    let mut long_lines: u64 = 0;
    // A buffer that was not sent (its line goes on) is reused at once, so
    // the pool never loses one.
    let mut spare: Option<Vec<u8>> = None;
    for path in files {
        let mut file = File::open(path).map_err(|source| read_error(path, source))?;
        let mut carry: Vec<u8> = Vec::new();
        // Inside a line past the cap: drop bytes up to its newline.
        let mut dropping = false;
        loop {
            let mut buf = match spare.take() {
                Some(b) => b,
                None => buffer(),
            };
            buf.clear();
            buf.extend_from_slice(&carry);
            carry.clear();
            let got = (&mut file)
                .take(chunk as u64)
                .read_to_end(&mut buf)
                .map_err(|source| read_error(path, source))?;
            if dropping {
                match memchr::memchr(b'\n', &buf) {
                    Some(nl) => {
                        buf.drain(..=nl);
                        dropping = false;
                    }
                    None => buf.clear(),
                }
            }
            if got == 0 {
                // End of file: the rest is the last line, torn or not.
                if buf.is_empty() {
                    spare = Some(buf);
                } else if full.send(buf).is_err() {
                    return Err(ReportError::Worker);
                }
                break;
            }
            match memchr::memrchr(b'\n', &buf) {
                Some(nl) => {
                    carry.extend_from_slice(&buf[nl + 1..]);
                    buf.truncate(nl + 1);
                    if full.send(buf).is_err() {
                        return Err(ReportError::Worker);
                    }
                }
                // A line longer than the cap: counted once, then dropped.
                None if buf.len() > MAX_LINE => {
                    long_lines = long_lines.saturating_add(1);
                    dropping = true;
                    buf.clear();
                    spare = Some(buf);
                }
                // A line longer than a chunk: keep reading onto it.
                None => {
                    if !dropping {
                        carry.extend_from_slice(&buf);
                    }
                    spare = Some(buf);
                }
            }
        }
    }
    Ok(long_lines)
}

fn read_error(path: &Path, source: std::io::Error) -> ReportError {
    ReportError::Read {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::filter::Filter;

    #[test]
    fn a_directory_stands_for_its_jsonl_files_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.jsonl", "a.jsonl", "notes.txt"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub.jsonl")).unwrap();
        let files = journal_files(&[dir.path().to_path_buf()]).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.jsonl", "b.jsonl"]);
        let missing = dir.path().join("gone.jsonl");
        let err = journal_files(std::slice::from_ref(&missing)).unwrap_err();
        assert!(err.to_string().contains(&missing.display().to_string()));
    }

    #[test]
    fn a_line_longer_than_a_chunk_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let long = format!("{{\"v\":2,\"pad\":\"{}\"}}", "x".repeat(5000));
        std::fs::write(&path, format!("{long}\n{long}\ntorn")).unwrap();
        let agg =
            aggregate_files_chunked(&[path], 2, 64, || Aggregate::new(Filter::default(), None))
                .unwrap();
        assert_eq!(agg.unknown_version_lines, 2);
        assert_eq!(agg.skipped_lines, 1);
    }
}
