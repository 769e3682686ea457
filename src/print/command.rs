//! `kiosk print-test`: a sample take-home sheet from the flow (the
//! configured one, else the bundled), laid out and either written as PDF
//! (`--pdf FILE`, no printer needed) or printed on the configured queue,
//! saying how long the layout took and what CUPS answered, in the owner's
//! language: `--lang` (which is also the sheet's), else the locale.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use crate::config::{self, Config};
use crate::diag::Diagnostic;
use crate::flow::{self, Flow, LangIx};
use crate::messages::{Message, OwnerLang};
use crate::msg;

/// Options of `kiosk print-test`.
#[derive(Debug, Clone, Default, Args)]
pub struct PrintTestArgs {
    /// Config file (default: /etc/counter-kiosk/kiosk.toml when it exists):
    /// its `[print] printer` and its flow.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Flow file whose sheets to use (default: the config's, else the
    /// bundled flow).
    #[arg(long, value_name = "FILE")]
    pub flow: Option<PathBuf>,
    /// The sheet (default: the flow's first).
    #[arg(long, value_name = "ID")]
    pub sheet: Option<String>,
    /// The language of the sheet and of the messages (default: the flow's
    /// first for the sheet, the locale for the messages).
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
    /// Write the PDF to FILE instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub pdf: Option<PathBuf>,
}

/// Why no sheet was printed or written. Its words are in the message
/// tables (`[print]`): [`PrintTestError::message`], English by `Display`.
#[derive(Debug, thiserror::Error)]
pub enum PrintTestError {
    /// The config could not be read.
    #[error("{}", self.message())]
    Config(config::ReadError),
    #[error("{}", self.message())]
    ConfigInvalid(Vec<Diagnostic>),
    #[error("{}", self.message())]
    Flow(flow::LoadError),
    /// `--sheet` names none of the flow's sheets, or it has none.
    #[error("{}", self.message())]
    NoSuchSheet { flow: String },
    #[error("{}", self.message())]
    UnknownLang { code: String },
    #[error("{}", self.message())]
    NoPrinter,
    #[error("{}", self.message())]
    Sheet(#[from] super::SheetError),
    #[error("{}", self.message())]
    Io(#[from] std::io::Error),
}

impl PrintTestError {
    /// What `kiosk print-test` says, in no language yet.
    pub fn message(&self) -> Message {
        match self {
            PrintTestError::Config(e) => msg!("print.config_unreadable", error = e),
            PrintTestError::ConfigInvalid(errors) => {
                msg!("print.config_invalid", errors = errors.clone())
            }
            PrintTestError::Flow(flow::LoadError::Invalid(errors)) => {
                msg!("print.flow_invalid", errors = errors.clone())
            }
            PrintTestError::Flow(e) => {
                msg!("print.flow_unreadable", error = e.to_diagnostic_line())
            }
            PrintTestError::NoSuchSheet { flow } => msg!("print.no_such_sheet", id = flow),
            PrintTestError::UnknownLang { code } => msg!("print.unknown_lang", code = code),
            PrintTestError::NoPrinter => msg!("print.no_printer_configured"),
            PrintTestError::Sheet(e) => e.message(),
            PrintTestError::Io(e) => msg!("print.io", error = e),
        }
    }
}

/// What `run` says goes to `out` as a courtesy: once the reader has gone
/// (`kiosk print-test | head -1`), the rest is dropped and the work goes on,
/// so the exit status is still the print's. Other write errors stay errors.
struct Report<'a> {
    out: &'a mut dyn Write,
    gone: bool,
}

impl Report<'_> {
    fn swallow(&mut self, result: std::io::Result<usize>, len: usize) -> std::io::Result<usize> {
        match result {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.gone = true;
                Ok(len)
            }
            other => other,
        }
    }
}

impl Write for Report<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.gone {
            return Ok(buf.len());
        }
        let result = self.out.write(buf);
        self.swallow(result, buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.gone {
            return Ok(());
        }
        let result = self.out.flush().map(|()| 0);
        self.swallow(result, 0).map(|_| ())
    }
}

/// The language print-test speaks: `--lang`, else the locale.
pub fn owner_lang(args: &PrintTestArgs) -> OwnerLang {
    OwnerLang::from_flag_or_env(args.lang.as_deref())
}

pub fn run(args: &PrintTestArgs, out: &mut dyn Write) -> Result<(), PrintTestError> {
    let mut out = Report { out, gone: false };
    let out = &mut out;
    let said = owner_lang(args);
    let config = load_config(args)?;
    let flow = load_flow(args.flow.as_ref().or(config.flow.as_ref()))?;
    let sheet = match &args.sheet {
        Some(id) => flow.sheets.iter().find(|s| &s.id == id),
        None => flow.sheets.first(),
    }
    .ok_or_else(|| PrintTestError::NoSuchSheet {
        flow: flow.id.clone(),
    })?;
    let lang = match &args.lang {
        Some(code) => flow
            .lang_ix(code)
            .ok_or_else(|| PrintTestError::UnknownLang { code: code.clone() })?,
        None => LangIx(0),
    };
    let code = flow.lang_code(lang);
    let started = Instant::now();
    let rendered = super::render(sheet, lang, code).map_err(super::SheetError::from)?;
    let ms = format!("{:.0}", started.elapsed().as_secs_f64() * 1000.0);
    let bytes = rendered.pdf.len();
    let laid_out = if rendered.fits {
        msg!(
            "print.laid_out_fits",
            id = sheet.id,
            code = code,
            bytes = bytes,
            ms = ms
        )
    } else {
        msg!(
            "print.laid_out_too_long",
            id = sheet.id,
            code = code,
            bytes = bytes,
            ms = ms
        )
    };
    writeln!(out, "{}", laid_out.render(said))?;
    if let Some(path) = &args.pdf {
        std::fs::write(path, &rendered.pdf)?;
        let written = msg!("print.written", path = path.display());
        writeln!(out, "{}", written.render(said))?;
        out.flush()?;
        return Ok(());
    }
    let printer = config.print.printer.ok_or(PrintTestError::NoPrinter)?;
    let job = super::cups::print_pdf(
        &printer,
        &rendered.pdf,
        super::JOB_TITLE,
        super::PRINT_DEADLINE,
    )
    .map_err(super::SheetError::from)?;
    let printed = msg!("print.printed", printer = printer, job = job);
    writeln!(out, "{}", printed.render(said))?;
    out.flush()?;
    Ok(())
}

fn load_config(args: &PrintTestArgs) -> Result<Config, PrintTestError> {
    let path = args.config.clone().or_else(|| {
        let default = PathBuf::from(config::DEFAULT_PATH);
        default.exists().then_some(default)
    });
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let loaded = config::load_file(&path).map_err(PrintTestError::Config)?;
    if loaded.has_errors() {
        return Err(PrintTestError::ConfigInvalid(loaded.diagnostics));
    }
    Ok(loaded.config)
}

fn load_flow(path: Option<&PathBuf>) -> Result<Flow, PrintTestError> {
    match path {
        Some(path) => flow::load_file(path)
            .and_then(flow::Loaded::into_result)
            .map_err(PrintTestError::Flow),
        None => Flow::bundled().map_err(PrintTestError::Flow),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that has gone: every write is a broken pipe.
    struct Gone(usize);

    impl Write for Gone {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            self.0 += 1;
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_broken_pipe_silences_the_report_and_other_errors_stay() {
        let mut gone = Gone(0);
        let mut report = Report {
            out: &mut gone,
            gone: false,
        };
        assert!(writeln!(report, "first").is_ok());
        assert!(writeln!(report, "second").is_ok());
        assert!(report.flush().is_ok());
        // Tried once, then never again.
        assert_eq!(gone.0, 1);
        let mut full = Full;
        let mut report = Report {
            out: &mut full,
            gone: false,
        };
        assert!(writeln!(report, "first").is_err());
    }
}
