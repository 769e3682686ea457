//! The journal directory: the kiosk must be able to append there, with room
//! to spare. The check writes and removes a small file, as the kiosk's
//! first record would (and creates the directory, as the kiosk does).

use std::fs;
use std::path::Path;

use super::Check;
use crate::msg;

/// A record is about half a kilobyte: 50 MiB is years of sessions, and
/// leaves the system room to breathe on a full disk.
const MIN_FREE: u64 = 50 * 1024 * 1024;

pub fn check(dir: &Path) -> Check {
    let shown = dir.display();
    if let Err(e) = fs::create_dir_all(dir) {
        return Check::fail(
            "journal",
            msg!("doctor.journal_uncreatable", dir = shown, error = e),
        );
    }
    let probe = dir.join(format!(".kiosk-doctor-{}", std::process::id()));
    let written = fs::write(&probe, b"{}\n");
    let _ = fs::remove_file(&probe);
    if let Err(e) = written {
        return Check::fail(
            "journal",
            msg!("doctor.journal_unwritable", dir = shown, error = e),
        );
    }
    match rustix::fs::statvfs(dir) {
        Ok(s) => {
            let free = s.f_bavail.saturating_mul(s.f_frsize);
            let shown_free = human(free);
            if free < MIN_FREE {
                Check::fail(
                    "journal",
                    msg!(
                        "doctor.journal_low",
                        dir = shown,
                        free = shown_free,
                        want = human(MIN_FREE),
                    ),
                )
            } else {
                Check::pass(
                    "journal",
                    msg!("doctor.journal_ok", dir = shown, free = shown_free),
                )
            }
        }
        Err(e) => Check::fail(
            "journal",
            msg!("doctor.journal_unknown", dir = shown, error = e),
        ),
    }
}

fn human(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= 1024 * MIB {
        format!("{:.1} GiB", bytes as f64 / (1024 * MIB) as f64)
    } else {
        format!("{} MiB", bytes / MIB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writable_directory_passes_and_is_left_clean() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("journal");
        let c = check(&journal);
        assert!(c.ok || c.message.to_string().contains("free"), "{c:?}");
        assert_eq!(fs::read_dir(&journal).unwrap().count(), 0);
    }

    #[test]
    fn a_path_under_a_file_fails() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        fs::write(&file, "x").unwrap();
        let c = check(&file.join("journal"));
        assert!(!c.ok);
        let said = c.message.to_string();
        assert!(said.contains("cannot be created"), "{said}");
    }

    #[test]
    fn sizes_read_plainly() {
        assert_eq!(human(3 * 1024 * 1024), "3 MiB");
        assert_eq!(human(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }
}
