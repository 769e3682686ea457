//! The spool: records the journal could not take yet, kept on disk so that
//! a stop, a SIGKILL or a power cut while the journal is failing loses
//! none. A spool is one file, `journal-spool-<writer>.pending`, holding a
//! header line and the waiting records in order; its name does not end in
//! `.jsonl`, so `kiosk report` never reads it as a journal. It is replaced
//! whole (temp file, fsync, rename, fsync of the directory), never torn.
//!
//! Places, first that works: the journal directory, its parent, then a
//! fallback (`/var/tmp/counter-kiosk-<uid>`, mode 0700, by default). The
//! writer that made a spool holds an `flock` on it while it runs, so a
//! kiosk starting on the same journal takes over only the spools of
//! writers that are gone. Each save bumps a sequence number in the header:
//! when a spool moved between places and the old copy could not be removed,
//! the newest copy wins and the others are deleted.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::append::{nonblocking, sync_dir, try_lock_exclusive, FILE_MODE};
use super::Record;

const PREFIX: &str = "journal-spool-";
const SUFFIX: &str = ".pending";
const TEMP_SUFFIX: &str = ".tmp";
const DIR_MODE: u32 = 0o750;
const FALLBACK_MODE: u32 = 0o700;

/// The spool's first line.
#[derive(Serialize, Deserialize)]
struct Header {
    /// Spool format version.
    counter_kiosk_spool: u32,
    /// The journal directory the records belong to, as the writer was
    /// given it (made absolute).
    journal: String,
    seq: u64,
    /// When the writer that made the spool started (ns since the epoch):
    /// spools taken over go in in this order.
    born: u128,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    writing: Option<Intent>,
}

/// Saved under the journal's lock just before an append: the first
/// `count` records of the spool are going into `file` (in the journal
/// directory, this inode) at `offset`. If the writer dies before it can
/// remove them from the spool, the next one finds them there and does not
/// write them twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Intent {
    pub file: String,
    pub dev: u64,
    pub ino: u64,
    pub offset: u64,
    pub count: usize,
}

/// The default last place for spools: `/var/tmp/counter-kiosk-<uid>`
/// (`/var/tmp` survives a reboot, unlike `/tmp`), or `None` if the
/// effective uid cannot be read.
pub fn default_spool_fallback() -> Option<PathBuf> {
    Some(PathBuf::from(format!(
        "/var/tmp/counter-kiosk-{}",
        effective_uid()?
    )))
}

/// The effective uid, from `/proc` (the crate's rustix has no `process`).
fn effective_uid() -> Option<u32> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let uids = status.lines().find_map(|l| l.strip_prefix("Uid:"))?;
    uids.split_whitespace().nth(1)?.parse().ok()
}

/// Where one journal's spools may live, in order of preference.
pub(crate) struct Places {
    journal_dir: PathBuf,
    parent: Option<PathBuf>,
    fallback: Option<PathBuf>,
    /// The journal directory as written in headers.
    key: String,
}

impl Places {
    pub fn new(journal_dir: &Path, fallback: Option<PathBuf>) -> Places {
        let absolute = std::path::absolute(journal_dir).unwrap_or_else(|_| journal_dir.into());
        let parent = absolute
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf);
        Places {
            journal_dir: journal_dir.to_path_buf(),
            parent,
            fallback: fallback.filter(|f| f.as_path() != journal_dir),
            key: absolute.to_string_lossy().into_owned(),
        }
    }

    /// The places in order, each once: a fallback that is the journal's
    /// parent (or the same directory by another path) is not scanned
    /// twice, which would make a spool look like its own stale copy.
    fn dirs(&self) -> Vec<&Path> {
        let mut seen = Vec::new();
        let mut dirs = Vec::new();
        for dir in [
            Some(self.journal_dir.as_path()),
            self.parent.as_deref(),
            self.fallback.as_deref(),
        ]
        .into_iter()
        .flatten()
        {
            let id = fs::metadata(dir).ok().map(|m| (m.dev(), m.ino()));
            let same_path = dirs
                .iter()
                .any(|d: &&Path| std::path::absolute(d).ok() == std::path::absolute(dir).ok());
            if same_path || id.is_some_and(|id| seen.contains(&id)) {
                continue;
            }
            seen.extend(id);
            dirs.push(dir);
        }
        dirs
    }

    /// Makes `dir` ready to hold a spool: the journal directory is created
    /// as the journal would be; the parent must exist; the fallback, in a
    /// shared place like `/var/tmp`, is created 0700 and used only if it is
    /// a real directory of ours that nobody else can enter.
    fn prepare(&self, dir: &Path) -> io::Result<()> {
        if dir == self.journal_dir {
            return DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir);
        }
        if Some(dir) != self.fallback.as_deref() {
            return Ok(());
        }
        match DirBuilder::new().mode(FALLBACK_MODE).create(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let meta = fs::symlink_metadata(dir)?;
        let ours = effective_uid() == Some(meta.uid());
        if meta.file_type().is_dir() && ours && meta.permissions().mode() & 0o077 == 0 {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "not a private directory of this user",
            ))
        }
    }
}

/// One spool file: this writer's own, or one taken over from a writer that
/// is gone. Only its owner (the holder of its lock) changes or removes it.
pub(crate) struct Spool {
    token: String,
    seq: u64,
    born: u128,
    /// The newest copy and the open file that holds its lock.
    current: Option<(PathBuf, File)>,
}

impl Spool {
    /// A spool for a new writer, named uniquely (pid, time, counter).
    pub fn new_own() -> Spool {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        Spool {
            token: format!("{}-{nanos:x}-{n}", std::process::id()),
            seq: 0,
            born: nanos,
            current: None,
        }
    }

    /// Where the newest copy is, if there is one.
    pub fn path(&self) -> Option<&Path> {
        self.current.as_ref().map(|(p, _)| p.as_path())
    }

    /// Makes the spool hold exactly `records`, atomically, in the first
    /// place that takes it; with no records, removes it. The error lists
    /// why each place refused.
    pub fn save<'r>(
        &mut self,
        places: &Places,
        records: impl Iterator<Item = &'r Record>,
        writing: Option<&Intent>,
    ) -> Result<(), String> {
        let lines: Vec<String> = records.map(Record::to_line).collect();
        if lines.is_empty() {
            return self.remove();
        }
        let mut body = Vec::new();
        for line in &lines {
            body.extend_from_slice(line.as_bytes());
            body.push(b'\n');
        }
        let mut refused = Vec::new();
        for dir in places.dirs() {
            // A new seq for every try, so that a copy a failed try could
            // not remove still loses to the one that succeeds.
            self.seq += 1;
            let header = Header {
                counter_kiosk_spool: 1,
                journal: places.key.clone(),
                seq: self.seq,
                born: self.born,
                writing: writing.cloned(),
            };
            let mut bytes = serde_json::to_vec(&header).map_err(|e| e.to_string())?;
            bytes.push(b'\n');
            bytes.extend_from_slice(&body);
            match self.save_in(places, dir, &bytes) {
                Ok((path, file)) => {
                    if let Some((old, _)) = self.current.take() {
                        if old != path {
                            // A copy left behind has a lower seq and loses.
                            let _ = remove_durably(&old);
                        }
                    }
                    self.current = Some((path, file));
                    return Ok(());
                }
                Err(e) => refused.push(format!("{}: {e}", dir.display())),
            }
        }
        Err(format!(
            "cannot keep them on disk either ({})",
            refused.join("; ")
        ))
    }

    fn save_in(&self, places: &Places, dir: &Path, bytes: &[u8]) -> io::Result<(PathBuf, File)> {
        places.prepare(dir)?;
        let temp = dir.join(format!("{PREFIX}{}{TEMP_SUFFIX}", self.token));
        let path = dir.join(format!("{PREFIX}{}{SUFFIX}", self.token));
        let written = (|| {
            let mut file = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(FILE_MODE)
                .custom_flags(nonblocking())
                .open(&temp)?;
            // Locked before it gets its real name, so the spool at `path`
            // is never without its owner's lock.
            if !try_lock_exclusive(&file)? {
                return Err(io::Error::other("the temporary file is locked"));
            }
            file.write_all(bytes)?;
            file.sync_all()?;
            fs::rename(&temp, &path)?;
            Ok(file)
        })();
        match written {
            Ok(file) => match sync_dir(dir) {
                Ok(()) => Ok((path, file)),
                Err(e) => {
                    let _ = fs::remove_file(&path);
                    Err(e.source)
                }
            },
            Err(e) => {
                let _ = fs::remove_file(&temp);
                Err(e)
            }
        }
    }

    fn remove(&mut self) -> Result<(), String> {
        let Some((path, _)) = &self.current else {
            return Ok(());
        };
        remove_durably(path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        self.current = None;
        Ok(())
    }
}

fn remove_durably(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    match path.parent() {
        Some(dir) => sync_dir(dir).map_err(|e| e.source),
        None => Ok(()),
    }
}

/// A spool found on disk.
struct Found {
    token: String,
    seq: u64,
    born: u128,
    path: PathBuf,
    /// The open file, if we got its lock (its writer is gone).
    locked: Option<File>,
    writing: Option<Intent>,
    records: Vec<Record>,
}

/// A spool taken over from a writer that is gone.
pub(crate) struct Adopted {
    pub spool: Spool,
    /// Its records still to be written, oldest first.
    pub records: Vec<Record>,
    /// The file holds more than `records` (some were found in the journal
    /// already) or an outdated note: it must be rewritten.
    pub stale: bool,
}

/// Takes over every spool of this journal whose writer is gone, oldest
/// writer first, with its records in order. Stale copies (a lower seq than
/// another copy of the same spool) and temporary files of dead writers
/// are deleted.
pub(crate) fn adopt(places: &Places) -> Vec<Adopted> {
    let mut found: Vec<Found> = Vec::new();
    for dir in places.dirs() {
        let Ok(entries) = fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(rest) = name.strip_prefix(PREFIX) else {
                continue;
            };
            let path = entry.path();
            if rest.ends_with(TEMP_SUFFIX) {
                remove_dead_temp(&path);
            } else if let Some(token) = rest.strip_suffix(SUFFIX) {
                if let Some(f) = read_spool(places, token, path) {
                    found.push(f);
                }
            }
        }
    }
    // The newest copy of each spool wins; the others are stale.
    found.sort_by(|a, b| {
        a.token
            .cmp(&b.token)
            .then(b.seq.cmp(&a.seq))
            .then(b.locked.is_some().cmp(&a.locked.is_some()))
    });
    let mut adopted: Vec<Found> = Vec::new();
    let mut last_token: Option<String> = None;
    for f in found {
        if last_token.as_deref() == Some(f.token.as_str()) {
            if f.locked.is_some() {
                let _ = remove_durably(&f.path);
            }
            continue;
        }
        last_token = Some(f.token.clone());
        if f.locked.is_some() {
            adopted.push(f);
        }
    }
    adopted.sort_by(|a, b| a.born.cmp(&b.born).then(a.token.cmp(&b.token)));
    adopted
        .into_iter()
        .filter_map(|f| {
            let file = f.locked?;
            let mut records = f.records;
            let stale = match &f.writing {
                Some(intent) => {
                    let done = already_written(places, intent, &records);
                    records.drain(..done);
                    true
                }
                None => records.is_empty(),
            };
            Some(Adopted {
                spool: Spool {
                    token: f.token,
                    seq: f.seq,
                    born: f.born,
                    current: Some((f.path, file)),
                },
                records,
                stale,
            })
        })
        .collect()
}

/// How many of the first `intent.count` records are already in the
/// journal where the intent says they were going: a writer died between
/// its append and the spool's update. A line missing only its newline
/// counts (the next append ends it). Another kiosk's line could sit there
/// only if this append never happened, and then only an identical record
/// would match.
fn already_written(places: &Places, intent: &Intent, records: &[Record]) -> usize {
    let Some(path) = Path::new(&intent.file)
        .file_name()
        .map(|name| places.journal_dir.join(name))
    else {
        return 0;
    };
    let Ok(file) = OpenOptions::new()
        .read(true)
        .custom_flags(nonblocking())
        .open(path)
    else {
        return 0;
    };
    let Ok(meta) = file.metadata() else {
        return 0;
    };
    if !meta.file_type().is_file() || meta.dev() != intent.dev || meta.ino() != intent.ino {
        return 0;
    }
    let lines: Vec<String> = records
        .iter()
        .take(intent.count)
        .map(Record::to_line)
        .collect();
    let want: u64 = lines.iter().map(|l| l.len() as u64 + 1).sum();
    let have = meta.len().saturating_sub(intent.offset).min(want);
    let mut bytes = vec![0u8; usize::try_from(have).unwrap_or(0)];
    if std::os::unix::fs::FileExt::read_exact_at(&file, &mut bytes, intent.offset).is_err() {
        return 0;
    }
    let mut rest = bytes.as_slice();
    let mut done = 0;
    for line in &lines {
        let line = line.as_bytes();
        if rest.len() > line.len() && rest.starts_with(line) && rest[line.len()] == b'\n' {
            rest = &rest[line.len() + 1..];
            done += 1;
        } else {
            if rest == line {
                done += 1;
            }
            break;
        }
    }
    done
}

/// Reads a spool of this journal; its lock is taken if free.
fn read_spool(places: &Places, token: &str, path: PathBuf) -> Option<Found> {
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(nonblocking())
        .open(&path)
        .ok()?;
    let meta = file.metadata().ok()?;
    if !meta.file_type().is_file() {
        return None;
    }
    let locked = try_lock_exclusive(&file).ok()?;
    if locked {
        // Replaced by its live owner between open and lock: that one is
        // locked, so nothing here is ours to take.
        let now = fs::metadata(&path).ok()?;
        if now.ino() != meta.ino() || now.dev() != meta.dev() {
            return None;
        }
    }
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    let mut lines = text.lines();
    let header: Header = serde_json::from_str(lines.next()?).ok()?;
    if header.counter_kiosk_spool != 1 || header.journal != places.key {
        return None;
    }
    // Written whole by rename, so every line parses; a line that does not
    // is skipped rather than block the rest.
    let records = lines
        .filter_map(|l| serde_json::from_str::<Record>(l).ok())
        .collect();
    Some(Found {
        token: token.to_owned(),
        seq: header.seq,
        born: header.born,
        path,
        locked: locked.then_some(file),
        writing: header.writing,
        records,
    })
}

/// A temporary file left by a writer that died mid-save.
fn remove_dead_temp(path: &Path) {
    let Ok(file) = OpenOptions::new()
        .read(true)
        .custom_flags(nonblocking())
        .open(path)
    else {
        return;
    };
    if matches!(try_lock_exclusive(&file), Ok(true)) {
        let _ = fs::remove_file(path);
    }
}

#[cfg(test)]
#[path = "spool_tests.rs"]
mod tests;
