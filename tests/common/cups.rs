//! A CUPS PDF queue for the printing tests (issue 16): the running cupsd,
//! else one started here in the foreground (no systemd in the test
//! machine) and stopped again by its own PID when the test ends; a
//! cups-pdf queue writing into the test's directory, deleted with its
//! `/etc/cups/cups-pdf-NAME.conf` at the end. Nothing is left behind.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const TOOLS: &[&str] = &["cupsd", "lpadmin", "lp", "lpstat", "ipptool", "cupsdisable"];

pub fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn cupsd_answers() -> bool {
    Command::new("lpstat").arg("-r").output().is_ok_and(|o| {
        o.status.success() && String::from_utf8_lossy(&o.stdout).contains("is running")
    })
}

pub struct Cups {
    pub queue: String,
    pub out: PathBuf,
    /// The cupsd this test started, if none was running.
    daemon: Option<Child>,
}

impl Cups {
    /// A cups-pdf queue `name` writing into `out`; None (skipped) when the
    /// tools are missing outside CI.
    pub fn start(name: &str, out: &Path) -> Option<Cups> {
        if !super::require(
            TOOLS.iter().all(|t| have(t)),
            "cups, cups-ipp-utils, printer-driver-cups-pdf",
        ) {
            return None;
        }
        let daemon = if cupsd_answers() {
            None
        } else {
            let child = Command::new("cupsd")
                .arg("-f")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start cupsd");
            Some(child)
        };
        let cups = Cups {
            queue: name.to_string(),
            out: out.to_path_buf(),
            daemon,
        };
        super::poll(
            Duration::from_secs(10),
            Duration::from_millis(50),
            || {
                if cupsd_answers() {
                    Ok(())
                } else {
                    Err("cupsd not answering")
                }
            },
            |e: &str| e.to_string(),
        );
        std::fs::create_dir_all(out).unwrap();
        // cups-pdf reads cups-pdf-NAME.conf for the URI cups-pdf:/NAME.
        std::fs::write(
            cups.conf(),
            format!("Out {0}\nAnonDirName {0}\nLabel 0\n", out.display()),
        )
        .unwrap();
        let o = Command::new("lpadmin")
            .args([
                "-p",
                name,
                "-E",
                "-v",
                &format!("cups-pdf:/{name}"),
                "-m",
                "lsb/usr/cups-pdf/CUPS-PDF_noopt.ppd",
            ])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "lpadmin: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        Some(cups)
    }

    fn conf(&self) -> String {
        format!("/etc/cups/cups-pdf-{}.conf", self.queue)
    }

    /// The PDF cups-pdf wrote, once it is whole (its %%EOF written).
    pub fn wait_pdf(&self) -> PathBuf {
        super::poll(
            Duration::from_secs(30),
            Duration::from_millis(50),
            || {
                let found = std::fs::read_dir(&self.out)
                    .unwrap()
                    .flatten()
                    .map(|e| e.path())
                    .find(|p| {
                        p.extension().is_some_and(|e| e == "pdf")
                            && std::fs::read(p).is_ok_and(|b| b.windows(5).any(|w| w == b"%%EOF"))
                            && Command::new("pdfinfo")
                                .arg(p)
                                .output()
                                .is_ok_and(|o| o.status.success())
                    });
                found.ok_or("no PDF from cups-pdf yet")
            },
            |e: &str| e.to_string(),
        )
    }
}

impl Drop for Cups {
    fn drop(&mut self) {
        let _ = Command::new("lpadmin").args(["-x", &self.queue]).status();
        let _ = std::fs::remove_file(self.conf());
        if let Some(mut daemon) = self.daemon.take() {
            // Ours alone, by its PID.
            let _ = daemon.kill();
            let _ = daemon.wait();
        }
    }
}
