//! Reading a content file the shop edits (a flow or the config) safely: the
//! one function every content reader goes through. A path can name anything,
//! and a plain `fs::read` of `/dev/zero` grows without end while a FIFO
//! blocks the kiosk before its first frame, so this refuses anything but a
//! regular file without blocking, reads at most a size cap, and requires
//! UTF-8, naming the first bad byte's `LINE:COL` (a Shift_JIS save must not
//! turn into U+FFFD in every journal line).

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use rustix::fs::OFlags;

use crate::messages::{Message, OwnerLang};
use crate::msg;

/// How large a content file may be, and what to call it in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub bytes: u64,
    pub what: &'static str,
}

/// A 10,000-step flow is about 2 MiB; four times that is still no flow a
/// shop writes by hand, and is read and checked in well under a second.
pub const FLOW_LIMIT: Limit = Limit {
    bytes: 8 * 1024 * 1024,
    what: "flow file",
};

/// The example config with every key given is about 4 KiB.
pub const CONFIG_LIMIT: Limit = Limit {
    bytes: 1024 * 1024,
    what: "config file",
};

/// Why a content file could not be read as text. `Display` is the
/// English of [`ReadProblem::message`].
#[derive(Debug)]
pub enum ReadProblem {
    Io(io::Error),
    NotRegular {
        kind: &'static str,
        what: &'static str,
    },
    TooLarge {
        limit: Limit,
    },
    NotUtf8 {
        line: usize,
        col: usize,
        byte: u8,
    },
}

impl From<io::Error> for ReadProblem {
    fn from(e: io::Error) -> ReadProblem {
        ReadProblem::Io(e)
    }
}

impl std::error::Error for ReadProblem {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadProblem::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message().render(OwnerLang::En))
    }
}

impl ReadProblem {
    /// `LINE:COL` of the problem: the first bad byte, or the file's start.
    pub fn position(&self) -> (usize, usize) {
        match self {
            ReadProblem::NotUtf8 { line, col, .. } => (*line, *col),
            _ => (1, 1),
        }
    }

    /// What is wrong, in no language yet.
    pub fn message(&self) -> Message {
        match self {
            // The system's own words.
            ReadProblem::Io(e) => msg!("check.read_os_error", error = e),
            ReadProblem::NotRegular { kind, what } => msg!(
                "check.not_regular",
                kind = kind_message(kind),
                what = what_message(what)
            ),
            ReadProblem::TooLarge { limit } => msg!(
                "check.too_large",
                size = human(limit.bytes),
                what = what_message(limit.what)
            ),
            ReadProblem::NotUtf8 { byte, .. } => {
                msg!("check.not_utf8", byte = format!("{byte:02x}"))
            }
        }
    }

    /// The problem as a `FILE:LINE:COL: error: …` line, like the diagnostics.
    pub fn to_diagnostic_line(&self, path: &str) -> String {
        self.diagnostic_line(path, OwnerLang::En)
    }

    /// [`ReadProblem::to_diagnostic_line`] with its message in `lang`; the
    /// prefix stays as it is for tools.
    pub fn diagnostic_line(&self, path: &str, lang: OwnerLang) -> String {
        let (line, col) = self.position();
        let message = match self {
            ReadProblem::NotUtf8 { .. } => self.message(),
            _ => msg!("check.cannot_read", problem = self.message()),
        };
        let message = message.render(lang);
        format!("{path}:{line}:{col}: error: {message}")
    }

    /// The reason `check` gives in its verdict line.
    pub fn verdict(&self) -> Message {
        match self {
            ReadProblem::NotUtf8 { .. } => msg!("check.verdict_not_utf8"),
            _ => msg!("check.verdict_unreadable"),
        }
    }

    /// For `Display` of the errors that wrap this: `cannot read FILE: …`,
    /// or `FILE:LINE:COL: …` for text that is not UTF-8.
    pub fn describe(&self, path: &str) -> String {
        match self {
            ReadProblem::NotUtf8 { line, col, .. } => format!("{path}:{line}:{col}: {self}"),
            _ => msg!(
                "check.cannot_read_file",
                path = path,
                problem = self.message()
            )
            .to_string(),
        }
    }
}

/// A [`crate::regular_file::special_kind`] in words of either language.
fn kind_message(kind: &str) -> Message {
    match kind {
        "a directory" => msg!("check.kind_directory"),
        "a named pipe (FIFO)" => msg!("check.kind_fifo"),
        "a character device" => msg!("check.kind_char_device"),
        "a block device" => msg!("check.kind_block_device"),
        "a socket" => msg!("check.kind_socket"),
        _ => msg!("check.kind_other"),
    }
}

/// A [`Limit::what`] in words of either language.
fn what_message(what: &str) -> Message {
    if what == FLOW_LIMIT.what {
        msg!("check.what_flow_file")
    } else if what == CONFIG_LIMIT.what {
        msg!("check.what_config_file")
    } else {
        // Only a test's own limit: its name as written.
        msg!("check.what_named", what = what)
    }
}

fn human(bytes: u64) -> Message {
    const MIB: u64 = 1024 * 1024;
    if bytes.is_multiple_of(MIB) {
        msg!("check.size_mib", n = bytes / MIB)
    } else {
        msg!("check.size_bytes", n = bytes)
    }
}

/// The file's text: a regular file of at most `limit.bytes`, in UTF-8.
pub fn read_text(path: &Path, limit: Limit) -> Result<String, ReadProblem> {
    decode_utf8(read_bytes(path, limit)?)
}

/// The bytes as text, or where the first byte that is not UTF-8 is.
pub fn decode_utf8(bytes: Vec<u8>) -> Result<String, ReadProblem> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        not_utf8(e.as_bytes(), valid)
    })
}

/// The file's bytes: a regular file of at most `limit.bytes`. Never blocks
/// on a FIFO and never reads more than `limit.bytes + 1` bytes.
pub fn read_bytes(path: &Path, limit: Limit) -> Result<Vec<u8>, ReadProblem> {
    // Checked before opening too, so a device is never opened at all
    // (opening a serial line or a tape has effects of its own).
    refuse_special(&fs::metadata(path)?, limit)?;
    let file = open_regular(path, limit)?;
    let len = file.metadata()?.len();
    if len > limit.bytes {
        return Err(ReadProblem::TooLarge { limit });
    }
    read_at_most(file, limit, len)
}

/// Opens `path` for reading without ever blocking, and only if what was
/// opened is a regular file.
fn open_regular(path: &Path, limit: Limit) -> Result<File, ReadProblem> {
    // O_NONBLOCK: should the path have become a FIFO since it was looked at,
    // opening it returns at once instead of waiting for a writer; it changes
    // nothing for reading a regular file. O_NOCTTY: a terminal is never
    // made the kiosk's controlling terminal.
    let flags = (OFlags::NONBLOCK | OFlags::NOCTTY).bits();
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(i32::try_from(flags).unwrap_or(0))
        .open(path)?;
    refuse_special(&file.metadata()?, limit)?;
    Ok(file)
}

fn read_at_most(file: File, limit: Limit, expected: u64) -> Result<Vec<u8>, ReadProblem> {
    let mut bytes = Vec::with_capacity(usize::try_from(expected.min(limit.bytes)).unwrap_or(0));
    // One byte more than the cap tells a file that grew past it from one
    // that is exactly the cap.
    file.take(limit.bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit.bytes {
        return Err(ReadProblem::TooLarge { limit });
    }
    Ok(bytes)
}

fn refuse_special(meta: &fs::Metadata, limit: Limit) -> Result<(), ReadProblem> {
    match crate::regular_file::special_kind(&meta.file_type()) {
        None => Ok(()),
        Some(kind) => Err(ReadProblem::NotRegular {
            kind,
            what: limit.what,
        }),
    }
}

/// Where the first invalid byte is: 1-based line, and column in characters
/// as the diagnostics count them (everything before it is valid UTF-8).
fn not_utf8(bytes: &[u8], valid: usize) -> ReadProblem {
    let before = bytes.get(..valid).unwrap_or(bytes);
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = std::str::from_utf8(before.get(line_start..).unwrap_or(&[]))
        .map_or(valid - line_start, |s| s.chars().count())
        + 1;
    ReadProblem::NotUtf8 {
        line,
        col,
        byte: bytes.get(valid).copied().unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limit = Limit {
        bytes: 8,
        what: "test file",
    };

    #[test]
    fn a_file_at_the_cap_reads_and_one_byte_more_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, b"12345678").unwrap();
        assert_eq!(read_bytes(&path, SMALL).unwrap(), b"12345678");
        fs::write(&path, b"123456789").unwrap();
        let err = read_bytes(&path, SMALL).unwrap_err();
        assert_eq!(
            err.to_diagnostic_line("f"),
            "f:1:1: error: cannot read: larger than 8 bytes, the limit for a test file; \
             is this the right file?"
        );
    }

    #[test]
    fn the_caps_read_in_mib() {
        let err = ReadProblem::TooLarge { limit: FLOW_LIMIT };
        assert!(err
            .to_string()
            .starts_with("larger than 8 MiB, the limit for a flow file"));
    }

    #[test]
    fn a_directory_and_a_device_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_bytes(dir.path(), SMALL).unwrap_err();
        assert_eq!(
            err.to_string(),
            "it is a directory, not a regular file; give the path of a test file"
        );
        let err = read_bytes(Path::new("/dev/zero"), SMALL).unwrap_err();
        assert!(
            err.to_string().starts_with("it is a character device"),
            "{err}"
        );
    }

    #[test]
    fn opening_a_fifo_returns_at_once_and_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Past the first look, as if the path became a FIFO in between: a
        // blocking open would wait here for a writer that never comes.
        let (tx, rx) = std::sync::mpsc::channel();
        let path = fifo.clone();
        std::thread::spawn(move || {
            let _ = tx.send(open_regular(&path, SMALL).map(|_| ()));
        });
        let result = rx
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("opening a FIFO blocked");
        let err = result.unwrap_err();
        assert!(
            err.to_string().starts_with("it is a named pipe (FIFO)"),
            "{err}"
        );
        let err = read_text(&fifo, SMALL).unwrap_err();
        assert!(
            err.to_string().starts_with("it is a named pipe (FIFO)"),
            "{err}"
        );
    }

    #[test]
    fn the_first_bad_byte_is_named_by_line_and_character_column() {
        let mut bytes = "a = 1\nタイトル = \"".as_bytes().to_vec();
        bytes.extend_from_slice(&[0x82, 0xcd, b'"']);
        let valid = bytes.len() - 3;
        let err = not_utf8(&bytes, valid);
        assert_eq!(err.position(), (2, 9));
        assert_eq!(
            err.to_diagnostic_line("k.toml"),
            "k.toml:2:9: error: not UTF-8 text (byte 0x82); save the file as UTF-8 \
             (an editor saving it as Shift_JIS is the likely cause)"
        );
    }
}
