//! `kiosk graph`: the flow drawn as a diagram for the shop owner; the HTML
//! report draws the same diagram with each step's visits and stops
//! (`report::diagram`). [`dot`] writes the flow as Graphviz DOT (pure,
//! unit-tested); [`layout`] runs Graphviz `dot` for the SVG. This module
//! knows nothing of the report: the report comes to it.
//!
//! Why Graphviz `dot` and not a Rust layout crate: the maintained
//! pure-Rust option, `layout-rs` 0.1.3, was run on the bundled flow. It
//! does not parse HTML-like labels (so no step id, text and counts lines
//! in one node), draws no clusters (the stages vanish), measures Japanese
//! as half its width (the text runs out of its boxes), ignores the font and
//! the note shape, and left half the page empty. Graphviz lays the same DOT
//! out with the stages boxed in file order, few crossings and edge labels
//! clear of the nodes, and is a Debian package kept for decades
//! (`graphviz`, installed by scripts/setup). `--format dot` needs no
//! Graphviz at all, and the report renders without it.

pub mod dot;
pub mod layout;

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::config::{self, Config};
use crate::flow::{self, Flow, LangIx};

/// Output formats of `kiosk graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum GraphFormat {
    /// A picture, laid out by Graphviz `dot`.
    #[default]
    Svg,
    /// Graphviz source, for other tools (needs no Graphviz).
    Dot,
}

/// Options of `kiosk graph`.
#[derive(Debug, Clone, Default, Args)]
pub struct GraphArgs {
    /// Flow file (default: the configured flow, else the bundled one).
    #[arg(value_name = "FLOW")]
    pub flow: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = GraphFormat::Svg)]
    pub format: GraphFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Language of the texts (default: the config's, else the flow's first).
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error("{0}")]
    Flow(#[from] flow::LoadError),
    #[error("{0}")]
    Config(#[from] config::ReadError),
    #[error("the config file has errors:\n{0}")]
    ConfigInvalid(String),
    #[error("the flow has no language {lang:?} (it has {})", .have.join(", "))]
    Lang { lang: String, have: Vec<String> },
    #[error("{0}")]
    Layout(#[from] layout::LayoutError),
    #[error("cannot write {}: {source}", path.display())]
    Create { path: PathBuf, source: io::Error },
    #[error("{0}")]
    Write(#[from] io::Error),
}

impl GraphError {
    /// Output cut short by its reader: not worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, GraphError::Write(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// The flow `kiosk graph` draws, as `report` picks it: FLOW, else the
/// configured flow, else the bundled one. A broken configured flow is an
/// error here (the owner asked to see it), unlike in `report`.
fn pick_flow(args: &GraphArgs, config: &Config) -> Result<Flow, GraphError> {
    match (&args.flow, &config.flow) {
        (Some(path), _) | (None, Some(path)) => Ok(flow::load_file(path)?.into_result()?),
        (None, None) => Ok(Flow::bundled()?),
    }
}

fn default_config() -> Result<Config, GraphError> {
    let default = PathBuf::from(config::DEFAULT_PATH);
    if !default.exists() {
        return Ok(Config::default());
    }
    let loaded = config::load_file(&default)?;
    if loaded.has_errors() {
        let lines: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
        return Err(GraphError::ConfigInvalid(lines.join("\n")));
    }
    Ok(loaded.config)
}

/// `kiosk graph`: the flow as SVG (or DOT) to `--out FILE`, else `stdout`.
/// Nothing is written when the layout fails.
pub fn run<W: Write>(args: &GraphArgs, stdout: W) -> Result<(), GraphError> {
    let config = default_config()?;
    let flow = pick_flow(args, &config)?;
    let code = args.lang.clone().or(config.language);
    let lang = match code {
        Some(code) => flow.lang_ix(&code).ok_or_else(|| GraphError::Lang {
            lang: code,
            have: flow.languages.clone(),
        })?,
        None => LangIx(0),
    };
    let source = dot::to_dot(&flow, lang, &[]);
    let text = match args.format {
        GraphFormat::Dot => source,
        GraphFormat::Svg => layout::svg(&source, layout::TIME_LIMIT)?,
    };
    match &args.out {
        Some(path) => std::fs::write(path, text).map_err(|source| GraphError::Create {
            path: path.clone(),
            source,
        }),
        None => {
            let mut w = io::BufWriter::new(stdout);
            w.write_all(text.as_bytes())?;
            w.flush()?;
            Ok(())
        }
    }
}
