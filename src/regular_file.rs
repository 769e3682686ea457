//! Opening a file the kiosk appends to (its log, the trace) without ever
//! blocking on it: a FIFO put where the log should be would hang the open
//! (and so the first frame) for ever, a device would take writes without
//! end. Such paths are refused with a plain error instead.

use std::fs::{File, FileType, OpenOptions};
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Opens (creating with `mode`) `path` for appending, refusing anything but
/// a regular file. The open itself never blocks: it is non-blocking, and a
/// regular file ignores that flag for its reads and writes.
pub fn open_append(path: &Path, mode: u32) -> io::Result<File> {
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(mode)
        .custom_flags(nonblocking_flag())
        .open(path)?;
    ensure_regular(&file)?;
    Ok(file)
}

/// An error unless `file` is a regular file.
pub fn ensure_regular(file: &File) -> io::Result<()> {
    match special_kind(&file.metadata()?.file_type()) {
        None => Ok(()),
        Some(kind) => Err(io::Error::other(format!("not a regular file but {kind}"))),
    }
}

/// What a file that is not a regular file is, in words ("a named pipe
/// (FIFO)", "a character device", …), for the messages of every reader
/// and writer that refuses one; `None` for a regular file.
pub fn special_kind(kind: &FileType) -> Option<&'static str> {
    Some(if kind.is_file() {
        return None;
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a named pipe (FIFO)"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a plain file"
    })
}

fn nonblocking_flag() -> i32 {
    // O_NONBLOCK's value as the platform defines it; a u32 that fits.
    i32::try_from(rustix::fs::OFlags::NONBLOCK.bits()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("kiosk.log");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let err = open_append(&fifo, 0o640).unwrap_err();
        // With no reader, a non-blocking open for writing fails at once
        // (ENXIO); with one it opens and the type check refuses it.
        assert!(
            err.raw_os_error() == Some(6) || err.to_string().contains("FIFO"),
            "{err}"
        );
    }

    #[test]
    fn a_device_is_refused() {
        let err = open_append(Path::new("/dev/null"), 0o640).unwrap_err();
        assert!(err.to_string().contains("a character device"), "{err}");
    }

    #[test]
    fn a_regular_file_is_created_and_appended() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("t.log");
        use std::io::Write;
        open_append(&path, 0o640).unwrap().write_all(b"a").unwrap();
        open_append(&path, 0o640).unwrap().write_all(b"b").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "ab");
    }
}
