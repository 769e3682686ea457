//! `kiosk report` (DESIGN sections 6 and 7): reads journals streaming
//! ([`read`]), parses each line ([`parse`]), filters ([`filter`]), counts in
//! one pass ([`aggregate`]), puts the counts in order ([`summary`]) and
//! renders them as JSON, text, CSV or HTML, each a
//! `render<W: Write>(&Summary, W)`. The k rule of the human formats is in
//! [`privacy`].

pub mod aggregate;
mod args;
mod csv;
mod diagram;
pub mod filter;
mod fx;
mod html;
mod json;
pub mod limits;
pub mod ms;
pub mod parse;
pub mod privacy;
pub mod read;
pub mod staff;
pub mod summary;
mod svg;
mod text;
mod words;

use std::io::{self, Write};
use std::path::PathBuf;

use crate::config::{self, Config};
use crate::diag::Diagnostic;
use crate::flow::{self, Flow};
use crate::messages::Message;
use crate::msg;
pub use aggregate::{Aggregate, StageMap};
pub use args::{ReportArgs, ReportFormat};
pub use filter::{Bound, Filter};
pub use summary::{Lang, Summary};

/// Why there is no report. Its words are in the message tables
/// (`[report]`): [`ReportError::message`], English by `Display`.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{}", self.message())]
    Read { path: PathBuf, source: io::Error },
    #[error("{}", self.message())]
    Create { path: PathBuf, source: io::Error },
    #[error("{}", self.message())]
    Config(#[from] config::ReadError),
    /// The installed config's errors.
    #[error("{}", self.message())]
    ConfigInvalid(Vec<Diagnostic>),
    #[error("{}", self.message())]
    Flow(#[from] flow::LoadError),
    #[error("{}", self.message())]
    Worker,
    #[error("{}", self.message())]
    Overflow(&'static str),
    #[error("{}", self.message())]
    TooManySteps,
    #[error("{}", self.message())]
    Write(#[from] io::Error),
}

impl ReportError {
    /// What `kiosk report` says, in no language yet.
    pub fn message(&self) -> Message {
        match self {
            ReportError::Read { path, source } => {
                msg!("report.cannot_read", path = path.display(), error = source)
            }
            ReportError::Create { path, source } => {
                msg!("report.cannot_write", path = path.display(), error = source)
            }
            ReportError::Config(e) => msg!("report.config_unreadable", error = e),
            ReportError::ConfigInvalid(errors) => {
                msg!("report.config_invalid", errors = errors.clone())
            }
            ReportError::Flow(flow::LoadError::Invalid(errors)) => {
                msg!("report.flow_invalid", errors = errors.clone())
            }
            ReportError::Flow(e) => msg!("report.flow_unreadable", error = e),
            ReportError::Worker => msg!("report.worker"),
            ReportError::Overflow(what) => {
                msg!("report.overflow", max = u64::MAX, what = what)
            }
            ReportError::TooManySteps => {
                msg!("report.too_many_steps", max = aggregate::MAX_STEP_IDS)
            }
            ReportError::Write(e) => msg!("report.write", error = e),
        }
    }

    /// Output cut short by its reader (`kiosk report | head`): not an error
    /// worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, ReportError::Write(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Everything a report needs, resolved from the command line and config.
#[derive(Debug, Clone)]
pub struct Options {
    pub files: Vec<PathBuf>,
    pub filter: Filter,
    pub format: ReportFormat,
    pub k: u64,
    /// Headings language code (and step labels, where the flow has it).
    pub lang: String,
    /// The flow that labels steps and stages, when its id matches.
    pub flow: Option<Flow>,
    pub threads: usize,
}

/// Stage of each step of `flow`, for the funnel.
pub fn stage_map(flow: &Flow) -> StageMap {
    StageMap {
        flow_id: flow.id.clone(),
        stage_of: flow
            .steps
            .iter()
            .filter_map(|s| s.stage.map(|st| (s.id.clone(), st)))
            .collect(),
        stages: flow.stages.len(),
    }
}

/// Reads and counts the files of `opts`, and orders the counts.
pub fn summarize(opts: &Options) -> Result<Summary, ReportError> {
    summarize_chunked(opts, read::CHUNK)
}

/// As [`summarize`], reading `chunk` bytes at a time.
pub fn summarize_chunked(opts: &Options, chunk: usize) -> Result<Summary, ReportError> {
    let files = read::journal_files(&opts.files)?;
    let stages = opts.flow.as_ref().map(stage_map);
    let agg = read::aggregate_files_chunked(&files, opts.threads, chunk, || {
        Aggregate::new(opts.filter.clone(), stages.clone())
    })?;
    match agg.failed {
        Some(aggregate::Failure::Overflow(what)) => return Err(ReportError::Overflow(what)),
        Some(aggregate::Failure::TooManySteps) => return Err(ReportError::TooManySteps),
        None => {}
    }
    Ok(summary::summarize(
        agg,
        opts.flow.as_ref(),
        &opts.lang,
        Lang::from_code(&opts.lang),
        opts.k,
    ))
}

/// Writes `s` in `format`.
pub fn render<W: Write>(s: &Summary, format: ReportFormat, out: W) -> io::Result<()> {
    render_with_flow(s, format, None, out)
}

/// As [`render`]; the HTML page draws `flow` with each step's counts.
pub fn render_with_flow<W: Write>(
    s: &Summary,
    format: ReportFormat,
    flow: Option<&Flow>,
    out: W,
) -> io::Result<()> {
    match format {
        ReportFormat::Json => json::render(s, out),
        ReportFormat::Text => text::render(s, out),
        ReportFormat::Csv => csv::render(s, out),
        ReportFormat::Html => html::render(s, flow, out),
    }
}

/// Resolves the options of `kiosk report` (config at its default path,
/// flow, language, journal directory).
pub fn options(args: &ReportArgs) -> Result<Options, ReportError> {
    let default = PathBuf::from(config::DEFAULT_PATH);
    let config = if default.exists() {
        let loaded = config::load_file(&default)?;
        if loaded.has_errors() {
            return Err(ReportError::ConfigInvalid(loaded.diagnostics));
        }
        loaded.config
    } else {
        Config::default()
    };
    options_with(args, &config)
}

/// As [`options`], with the config given.
pub fn options_with(args: &ReportArgs, config: &Config) -> Result<Options, ReportError> {
    let flow = match (&args.flow, &config.flow) {
        (Some(path), _) => flow::load_file(path)?.into_result()?,
        // A broken configured flow only loses the labels.
        (None, Some(path)) => match flow::load_file(path).map(flow::Loaded::into_result) {
            Ok(Ok(f)) => f,
            _ => Flow::bundled()?,
        },
        (None, None) => Flow::bundled()?,
    };
    let lang = args
        .lang
        .clone()
        .or_else(|| config.language.clone())
        .unwrap_or_else(|| flow.lang_code(flow::LangIx(0)).to_string());
    let files = if args.files.is_empty() {
        vec![config
            .journal_dir
            .clone()
            .unwrap_or_else(config::default_journal_dir)]
    } else {
        args.files.clone()
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    Ok(Options {
        files,
        filter: Filter {
            flow_id: args.flow_id.clone(),
            kiosk: args.kiosk.clone(),
            session_lang: args.session_lang.clone(),
            since: args.since.clone(),
            until: args.until.clone(),
        },
        format: args.format,
        k: args.k.unwrap_or(config.report_k).max(1),
        lang,
        flow: Some(flow),
        threads,
    })
}

/// `kiosk report`: writes to `--out FILE`, else to `stdout`.
pub fn run<W: Write>(args: &ReportArgs, stdout: W) -> Result<(), ReportError> {
    let opts = options(args)?;
    let summary = summarize(&opts)?;
    match &args.out {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|source| ReportError::Create {
                path: path.clone(),
                source,
            })?;
            let mut w = io::BufWriter::new(file);
            render_with_flow(&summary, opts.format, opts.flow.as_ref(), &mut w)
                .and_then(|()| w.flush())
                .map_err(|source| ReportError::Create {
                    path: path.clone(),
                    source,
                })
        }
        None => {
            let mut w = io::BufWriter::new(stdout);
            render_with_flow(&summary, opts.format, opts.flow.as_ref(), &mut w)?;
            w.flush()?;
            Ok(())
        }
    }
}
