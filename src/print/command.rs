//! `kiosk print-test`: a sample take-home sheet from the flow (the
//! configured one, else the bundled), laid out and either written as PDF
//! (`--pdf FILE`, no printer needed) or printed on the configured queue,
//! saying how long the layout took and what CUPS answered.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use crate::config::{self, Config};
use crate::flow::{self, Flow, LangIx};

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
    /// The language (default: the flow's first).
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
    /// Write the PDF to FILE instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub pdf: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum PrintTestError {
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Sheet(#[from] super::SheetError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
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

pub fn run(args: &PrintTestArgs, out: &mut dyn Write) -> Result<(), PrintTestError> {
    let mut out = Report { out, gone: false };
    let out = &mut out;
    let config = load_config(args)?;
    let flow = load_flow(args.flow.as_ref().or(config.flow.as_ref()))?;
    let sheet = match &args.sheet {
        Some(id) => flow.sheets.iter().find(|s| &s.id == id),
        None => flow.sheets.first(),
    }
    .ok_or_else(|| PrintTestError::Setup(format!("flow \"{}\" has no such sheet", flow.id)))?;
    let lang = match &args.lang {
        Some(code) => flow.lang_ix(code).ok_or_else(|| {
            PrintTestError::Setup(format!("language \"{code}\" is not in the flow"))
        })?,
        None => LangIx(0),
    };
    let code = flow.lang_code(lang);
    let started = Instant::now();
    let rendered = super::render(sheet, lang, code).map_err(super::SheetError::from)?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    writeln!(
        out,
        "sheet \"{}\" ({code}): {} bytes of PDF, laid out in {ms:.0} ms, {}",
        sheet.id,
        rendered.pdf.len(),
        if rendered.fits {
            "fits on one A4 page"
        } else {
            "does NOT fit on one A4 page"
        }
    )?;
    if let Some(path) = &args.pdf {
        std::fs::write(path, &rendered.pdf)?;
        writeln!(out, "written to {}", path.display())?;
        out.flush()?;
        return Ok(());
    }
    let printer = config.print.printer.ok_or_else(|| {
        PrintTestError::Setup("no printer configured: set [print] printer in the config".into())
    })?;
    let job = super::cups::print_pdf(
        &printer,
        &rendered.pdf,
        super::JOB_TITLE,
        super::PRINT_DEADLINE,
    )
    .map_err(super::SheetError::from)?;
    writeln!(out, "printed on \"{printer}\": CUPS job {job} accepted")?;
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
    let loaded = config::load_file(&path).map_err(|e| PrintTestError::Setup(e.to_string()))?;
    if loaded.has_errors() {
        let lines: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
        return Err(PrintTestError::Setup(lines.join("\n")));
    }
    Ok(loaded.config)
}

fn load_flow(path: Option<&PathBuf>) -> Result<Flow, PrintTestError> {
    let setup = |e: flow::LoadError| PrintTestError::Setup(e.to_diagnostic_line());
    match path {
        Some(path) => flow::load_file(path)
            .and_then(flow::Loaded::into_result)
            .map_err(setup),
        None => Flow::bundled().map_err(setup),
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
