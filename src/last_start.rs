//! The kiosk's last start and why (issue 17): a small state file in the
//! state directory holds the boot id of the run that wrote it and whether
//! that run left cleanly. At start the kiosk reads it (a changed boot id:
//! after a boot; the same boot and no clean exit: after a crash; the same
//! boot and a clean exit: after a service restart) and writes its own.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::staff::{StartInfo, StartReason};

/// The file's name in the state directory.
pub const FILE_NAME: &str = "last-start.json";

/// Where the kernel names this boot.
const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";

/// The file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub boot_id: String,
    /// Local start time, `YYYY-MM-DD HH:MM`.
    pub started: String,
    /// Written true on a clean exit.
    pub clean_exit: bool,
}

/// Why this start happened, from the previous run's state (pure).
pub fn reason(previous: Option<&State>, boot_id: &str) -> StartReason {
    match previous {
        None => StartReason::First,
        Some(p) if p.boot_id != boot_id => StartReason::Boot,
        Some(p) if p.clean_exit => StartReason::Restart,
        Some(_) => StartReason::Crash,
    }
}

/// The state file of one run.
#[derive(Debug, Clone)]
pub struct LastStart {
    path: PathBuf,
    state: State,
    pub info: StartInfo,
}

impl LastStart {
    /// Reads the previous run's file in `dir` and writes this run's
    /// (`clean_exit` false until [`LastStart::clean_exit`]). Problems are
    /// returned for the log; the start is then of unknown reason.
    pub fn record(dir: &Path, started: String) -> (LastStart, Option<String>) {
        let path = dir.join(FILE_NAME);
        let boot_id = fs::read_to_string(BOOT_ID)
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let mut problem = None;
        let previous = match fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<State>(&bytes) {
                Ok(state) => Some(state),
                Err(e) => {
                    problem = Some(format!("{}: {e}", path.display()));
                    None
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => {
                problem = Some(format!("{}: {e}", path.display()));
                None
            }
        };
        let mut reason = if boot_id.is_empty() || problem.is_some() {
            StartReason::Unknown
        } else {
            reason(previous.as_ref(), &boot_id)
        };
        let state = State {
            boot_id,
            started: started.clone(),
            clean_exit: false,
        };
        if let Err(e) = write(&path, &state) {
            problem = Some(format!("{}: {e}", path.display()));
            reason = StartReason::Unknown;
        }
        let info = StartInfo {
            at: started,
            reason,
        };
        (LastStart { path, state, info }, problem)
    }

    /// Marks this run as having left cleanly.
    pub fn clean_exit(mut self) -> io::Result<()> {
        self.state.clean_exit = true;
        write(&self.path, &self.state)
    }
}

/// Writes the file whole: a temporary beside it, then renamed over it.
fn write(path: &Path, state: &State) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    let bytes = serde_json::to_vec(state).map_err(io::Error::other)?;
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(boot: &str, clean: bool) -> State {
        State {
            boot_id: boot.into(),
            started: "2026-11-24 09:00".into(),
            clean_exit: clean,
        }
    }

    #[test]
    fn the_reason_follows_the_boot_id_and_the_clean_exit() {
        assert_eq!(reason(None, "b"), StartReason::First);
        assert_eq!(reason(Some(&state("a", true)), "b"), StartReason::Boot);
        assert_eq!(reason(Some(&state("a", false)), "b"), StartReason::Boot);
        assert_eq!(reason(Some(&state("b", true)), "b"), StartReason::Restart);
        assert_eq!(reason(Some(&state("b", false)), "b"), StartReason::Crash);
    }

    #[test]
    fn a_run_that_leaves_cleanly_makes_the_next_a_restart_and_one_that_does_not_a_crash() {
        if !Path::new(BOOT_ID).exists() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let (first, problem) = LastStart::record(dir.path(), "2026-11-24 09:00".into());
        assert_eq!((first.info.reason, problem), (StartReason::First, None));
        first.clean_exit().unwrap();
        let (second, _) = LastStart::record(dir.path(), "2026-11-24 09:05".into());
        assert_eq!(second.info.reason, StartReason::Restart);
        drop(second);
        let (third, _) = LastStart::record(dir.path(), "2026-11-24 09:06".into());
        assert_eq!(third.info.reason, StartReason::Crash);
        assert_eq!(third.info.at, "2026-11-24 09:06");
    }
}
