//! Handing a PDF to a CUPS queue and finding out what became of it, through
//! CUPS's own commands (`lp` to submit, `ipptool` to ask the queue's and
//! the job's state), each run without a shell and killed at the deadline.
//! `lp` alone succeeds on a stopped queue, so the queue is asked first and
//! the job is watched until CUPS reports it processing or completed.

use std::fmt;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::messages::Message;
use crate::msg;

/// How long a print may take to be accepted (issue 16): past it, "failed".
pub const PRINT_DEADLINE: Duration = Duration::from_secs(20);
/// Between two looks at a job's state, in the printing thread.
const POLL: Duration = Duration::from_millis(100);

/// What went wrong on the way to the printer; its words are in the
/// message tables (`[print]`), English by `Display` (the log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintError {
    NoPrinter(String),
    Stopped(String),
    NotAccepting(String),
    /// A CUPS command that ran past the deadline.
    Timeout(&'static str),
    /// A CUPS command that failed, with what it said.
    Command(&'static str, String),
    JobFailed(u32, String),
    Late(u64),
}

impl PrintError {
    pub fn message(&self) -> Message {
        match self {
            PrintError::NoPrinter(printer) => msg!("print.no_printer", printer = printer),
            PrintError::Stopped(printer) => msg!("print.stopped", printer = printer),
            PrintError::NotAccepting(printer) => msg!("print.not_accepting", printer = printer),
            PrintError::Timeout(program) => msg!("print.timeout", program = program),
            PrintError::Command(program, said) => {
                msg!("print.command_failed", program = program, said = said)
            }
            PrintError::JobFailed(job, state) => {
                msg!("print.job_failed", job = job, state = state)
            }
            PrintError::Late(seconds) => msg!("print.late", seconds = seconds),
        }
    }
}

impl fmt::Display for PrintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for PrintError {}

/// A queue's state as CUPS tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueState {
    /// `idle`, `processing` or `stopped`.
    pub state: String,
    pub accepting: bool,
}

/// Prints `pdf` on `printer`: Ok once CUPS reports the job processing or
/// completed on an enabled queue, within `deadline`.
pub fn print_pdf(
    printer: &str,
    pdf: &[u8],
    title: &str,
    deadline: Duration,
) -> Result<u32, PrintError> {
    let until = Instant::now() + deadline;
    let queue = queue_state(printer, until)?;
    check_queue(printer, &queue)?;
    let job = submit(printer, pdf, title, until)?;
    loop {
        let state = job_state(job, until)?;
        match state.as_str() {
            "processing" | "completed" => return Ok(job),
            "canceled" | "aborted" | "processing-stopped" => {
                return Err(PrintError::JobFailed(job, state))
            }
            _ => {}
        }
        // A queue stopped under the job (CUPS stops it when the device
        // fails) will not print it.
        check_queue(printer, &queue_state(printer, until)?)?;
        if Instant::now() + POLL >= until {
            return Err(PrintError::Late(deadline.as_secs()));
        }
        thread::sleep(POLL);
    }
}

fn check_queue(printer: &str, queue: &QueueState) -> Result<(), PrintError> {
    if queue.state == "stopped" {
        return Err(PrintError::Stopped(printer.to_string()));
    }
    if !queue.accepting {
        return Err(PrintError::NotAccepting(printer.to_string()));
    }
    Ok(())
}

/// The queue's `printer-state` and `printer-is-accepting-jobs`.
pub fn queue_state(printer: &str, until: Instant) -> Result<QueueState, PrintError> {
    let uri = format!("ipp://localhost/printers/{printer}");
    let (ok, out) = run(
        "ipptool",
        &["-tv", &uri, "get-printer-attributes.test"],
        None,
        until,
    )?;
    let state = attribute(&out, "printer-state");
    match (ok, state) {
        (true, Some(state)) => Ok(QueueState {
            state,
            accepting: attribute(&out, "printer-is-accepting-jobs").as_deref() == Some("true"),
        }),
        _ => Err(PrintError::NoPrinter(printer.to_string())),
    }
}

fn job_state(job: u32, until: Instant) -> Result<String, PrintError> {
    let uri = format!("ipp://localhost/jobs/{job}");
    let (_, out) = run(
        "ipptool",
        &["-tv", &uri, "get-job-attributes.test"],
        None,
        until,
    )?;
    attribute(&out, "job-state")
        .ok_or_else(|| PrintError::Command("ipptool", format!("no state for job {job}")))
}

/// `lp -d PRINTER -t TITLE` with the PDF on standard input; the job id.
fn submit(printer: &str, pdf: &[u8], title: &str, until: Instant) -> Result<u32, PrintError> {
    let (ok, out) = run(
        "lp",
        &["-d", printer, "-t", title, "--", "-"],
        Some(pdf),
        until,
    )?;
    // "request id is kiosk-12 (1 file(s))"
    let job = out
        .split_whitespace()
        .find_map(|word| word.strip_prefix(&format!("{printer}-")))
        .and_then(|n| n.parse().ok());
    match (ok, job) {
        (true, Some(job)) => Ok(job),
        _ => Err(PrintError::Command("lp", out.trim().to_string())),
    }
}

/// `name (type) = value` in ipptool's verbose output.
fn attribute(out: &str, name: &str) -> Option<String> {
    out.lines().find_map(|line| {
        let rest = line.trim_start().strip_prefix(name)?.strip_prefix(" (")?;
        let (_, value) = rest.split_once(") = ")?;
        Some(value.trim().to_string())
    })
}

/// Runs `program` without a shell, `input` on its standard input, killed
/// at `until`; whether it succeeded, and its standard output and error.
fn run(
    program: &'static str,
    args: &[&str],
    input: Option<&[u8]>,
    until: Instant,
) -> Result<(bool, String), PrintError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| PrintError::Command(program, e.to_string()))?;
    if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
        let bytes = bytes.to_vec();
        // Written from its own thread, so a child that stops reading
        // cannot hold the deadline up.
        thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        });
    }
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|o| Box::new(o) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|e| Box::new(e) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|mut stream| {
        thread::spawn(move || {
            let mut text = String::new();
            let _ = stream.read_to_string(&mut text);
            text
        })
    })
    .collect();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < until => thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(PrintError::Timeout(program));
            }
            Err(e) => return Err(PrintError::Command(program, e.to_string())),
        }
    };
    let out: String = readers
        .into_iter()
        .map(|r| r.join().unwrap_or_default())
        .collect();
    Ok((status.success(), out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_read_from_ipptool_output() {
        let out = "        printer-is-accepting-jobs (boolean) = true\n        printer-state (enum) = idle\n        printer-state-reasons (keyword) = none\n";
        assert_eq!(attribute(out, "printer-state").as_deref(), Some("idle"));
        assert_eq!(
            attribute(out, "printer-is-accepting-jobs").as_deref(),
            Some("true")
        );
        assert_eq!(attribute(out, "job-state"), None);
    }

    #[test]
    fn a_stopped_or_refusing_queue_is_an_error() {
        let stopped = QueueState {
            state: "stopped".into(),
            accepting: true,
        };
        assert!(matches!(
            check_queue("p", &stopped),
            Err(PrintError::Stopped(_))
        ));
        let refusing = QueueState {
            state: "idle".into(),
            accepting: false,
        };
        assert!(matches!(
            check_queue("p", &refusing),
            Err(PrintError::NotAccepting(_))
        ));
    }
}
