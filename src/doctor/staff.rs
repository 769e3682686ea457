//! The doctor's checks for the staff screen of a running kiosk (issue 17):
//! one [`Probe`] at a time, with the doctor's own time bounds, meant to run
//! on a thread of its own (`run` spawns it; the UI thread never waits).

use std::path::PathBuf;

use super::content::{self, Content};
use super::{journal, sound, voice, Check};
use crate::config::Config;
use crate::flow::Flow;
use crate::msg;
use crate::staff::{HealthLine, Probe};

/// What the running kiosk runs with.
#[derive(Debug, Clone)]
pub struct Running {
    pub config: Config,
    pub flow: Flow,
    pub flow_file: Option<PathBuf>,
    pub journal_dir: PathBuf,
}

/// Runs one probe to its answer or its bound.
pub fn run_probe(probe: Probe, running: &Running) -> Vec<HealthLine> {
    let checks = match probe {
        Probe::Sound => vec![sound::start_with(false).finish()],
        Probe::Voice => {
            voice::start(running.config.speech.tts_layout).finish(&running.flow.languages)
        }
        Probe::Clips => {
            let content = Content {
                config: running.config.clone(),
                flow: Some(running.flow.clone()),
                flow_file: running.flow_file.clone(),
                journal_dir: running.journal_dir.clone(),
                checks: Vec::new(),
            };
            vec![content::clips_check(&content)]
        }
        Probe::Journal => vec![journal::check(&running.journal_dir)],
        Probe::Printer => vec![match running.config.print.printer.as_deref() {
            Some(printer) => super::printer::start(printer).finish(),
            None => Check::fail("printer", msg!("doctor.printer_none")),
        }],
    };
    checks.into_iter().map(line).collect()
}

fn line(check: Check) -> HealthLine {
    HealthLine {
        check: check.check,
        ok: check.ok,
        message: check.message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_probe_answers_with_the_doctors_line() {
        let dir = tempfile::tempdir().unwrap();
        let running = Running {
            config: Config::default(),
            flow: Flow::bundled().unwrap(),
            flow_file: None,
            journal_dir: dir.path().to_path_buf(),
        };
        let lines = run_probe(Probe::Journal, &running);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].check, "journal");
        assert!(
            lines[0].message.to_string().contains("writable"),
            "{:?}",
            lines[0]
        );
    }
}
