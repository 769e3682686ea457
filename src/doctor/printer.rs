//! The configured printer (issue 16): asks CUPS whether the `[print]
//! printer` queue exists, is enabled and accepts jobs. Only checked when a
//! printer is configured; bounded in time like the other probes (a cupsd
//! that does not answer is a failed line, not a hung doctor).

use std::time::{Duration, Instant};

use super::probe::Pending;
use super::Check;
use crate::msg;
use crate::print::cups::{self, QueueState};
use crate::print::PrintError;

/// How long CUPS may take to describe the queue.
pub const BOUND: Duration = Duration::from_secs(5);

/// A printer check under way.
pub struct PrinterProbe {
    printer: String,
    pending: Pending<Result<QueueState, PrintError>>,
}

/// Starts asking CUPS about `printer` on a thread of its own.
pub fn start(printer: &str) -> PrinterProbe {
    let name = printer.to_string();
    PrinterProbe {
        printer: printer.to_string(),
        pending: Pending::spawn("doctor-printer", BOUND, move || {
            cups::queue_state(&name, Instant::now() + BOUND)
        }),
    }
}

impl PrinterProbe {
    pub fn finish(self) -> Check {
        verdict(&self.printer, self.pending.wait())
    }
}

/// The line for what CUPS said (`None`: no answer within the bound).
pub fn verdict(printer: &str, answer: Option<Result<QueueState, PrintError>>) -> Check {
    match answer {
        Some(Ok(q)) if q.state == "stopped" => {
            Check::fail("printer", msg!("doctor.printer_stopped", printer = printer))
        }
        Some(Ok(q)) if !q.accepting => Check::fail(
            "printer",
            msg!("doctor.printer_refusing", printer = printer),
        ),
        Some(Ok(q)) => Check::pass(
            "printer",
            msg!("doctor.printer_ready", printer = printer, state = q.state),
        ),
        Some(Err(PrintError::NoPrinter(_))) => {
            Check::fail("printer", msg!("doctor.printer_missing", printer = printer))
        }
        Some(Err(e)) => Check::fail(
            "printer",
            msg!(
                "doctor.printer_error",
                printer = printer,
                error = e.message()
            ),
        ),
        None => Check::fail(
            "printer",
            msg!(
                "doctor.printer_late",
                printer = printer,
                seconds = BOUND.as_secs(),
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(state: &str, accepting: bool) -> Option<Result<QueueState, PrintError>> {
        Some(Ok(QueueState {
            state: state.into(),
            accepting,
        }))
    }

    #[test]
    fn each_answer_of_cups_is_a_plain_line() {
        let said = |c: &Check| c.message.to_string();
        let ok = verdict("p", queue("idle", true));
        assert!(ok.ok, "{ok:?}");
        assert!(said(&ok).contains("ready"));
        let stopped = verdict("p", queue("stopped", true));
        assert!(!stopped.ok && said(&stopped).contains("stopped"));
        let refusing = verdict("p", queue("idle", false));
        assert!(!refusing.ok && said(&refusing).contains("does not accept"));
        let missing = verdict("p", Some(Err(PrintError::NoPrinter("p".into()))));
        assert!(!missing.ok && said(&missing).contains("no such CUPS queue"));
        let late = verdict("p", None);
        assert!(!late.ok && said(&late).contains("did not answer"));
        let failed = verdict("p", Some(Err(PrintError::Late(20))));
        assert_eq!(
            said(&failed),
            "printer \"p\": no answer from CUPS within 20 s"
        );
        assert!(late.check == "printer");
    }
}
