//! Printing the take-home sheet (issue 16): laying it out as PDF
//! ([`render`]) and handing it to the configured CUPS queue ([`cups`]),
//! always off the UI thread and bounded in time. `kiosk print-test` and the
//! doctor's check use the same path.

pub mod command;
pub mod cups;
pub mod render;

use std::thread;
use std::time::Duration;

use crate::flow::{LangIx, Sheet};
use crate::messages::Message;
use crate::msg;
use crate::record::PrintResult;
pub use cups::{PrintError, PRINT_DEADLINE};
pub use render::{render, RenderError, Rendered};

/// The title the job carries in the queue: nothing of the customer.
pub const JOB_TITLE: &str = "counter-kiosk sheet";

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("{}", self.message())]
    Render(#[from] RenderError),
    #[error("{}", self.message())]
    Print(#[from] PrintError),
}

impl SheetError {
    /// In no language yet (the layout's own detail stays as the library
    /// words it).
    pub fn message(&self) -> Message {
        match self {
            SheetError::Render(e) => msg!("print.layout_failed", error = e),
            SheetError::Print(e) => e.message(),
        }
    }
}

/// Lays out `sheet` in `lang` and prints it on `printer`, waiting at most
/// `deadline` for CUPS to take it; the CUPS job id.
pub fn print_sheet(
    printer: &str,
    sheet: &Sheet,
    lang: LangIx,
    code: &str,
    deadline: Duration,
) -> Result<u32, SheetError> {
    let rendered = render(sheet, lang, code)?;
    Ok(cups::print_pdf(
        printer,
        &rendered.pdf,
        JOB_TITLE,
        deadline,
    )?)
}

/// [`print_sheet`] on its own thread; `done` gets the result and what went
/// wrong (for the log), never a wait on the caller. An error when no
/// thread could be started (then `done` is never called).
pub fn spawn_print(
    printer: String,
    sheet: Sheet,
    lang: LangIx,
    code: String,
    done: impl FnOnce(PrintResult, Option<String>) + Send + 'static,
) -> std::io::Result<()> {
    thread::Builder::new()
        .name("print".into())
        .spawn(
            move || match print_sheet(&printer, &sheet, lang, &code, PRINT_DEADLINE) {
                Ok(_) => done(PrintResult::Ok, None),
                Err(e) => done(PrintResult::Failed, Some(e.to_string())),
            },
        )
        .map(|_| ())
}
