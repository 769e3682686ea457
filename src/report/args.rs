//! The options of `kiosk report` (DESIGN section 7), as `clap` reads them;
//! [`crate::cli`] puts them on the command line.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::filter::{parse_bound, Bound};
use crate::messages::OwnerLang;

/// Output formats of `kiosk report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ReportFormat {
    /// A terminal report within 80 columns.
    #[default]
    Text,
    /// Exact counts (DESIGN section 6), for tools.
    Json,
    /// One row per step.
    Csv,
    /// One self-contained page with charts.
    Html,
}

/// Options of `kiosk report` (DESIGN section 7).
#[derive(Debug, Clone, Default, Args)]
pub struct ReportArgs {
    /// Journal files or directories.
    #[arg(value_name = "FILE|DIR")]
    pub files: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Counts below N show as "<N" in text, CSV and HTML (default: the
    /// config's report_k, 5).
    #[arg(long, value_name = "N")]
    pub k: Option<u64>,
    /// Language of headings and step labels.
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
    /// Flow file for step labels and stages (default: the configured flow,
    /// else the bundled one).
    #[arg(long, value_name = "FILE")]
    pub flow: Option<PathBuf>,
    /// Only sessions of this flow.
    #[arg(long, value_name = "ID")]
    pub flow_id: Option<String>,
    /// Only sessions of this kiosk.
    #[arg(long, value_name = "NAME")]
    pub kiosk: Option<String>,
    /// Only sessions that ended in this language.
    #[arg(long, value_name = "LANG")]
    pub session_lang: Option<String>,
    /// First local date or hour counted (YYYY-MM-DD or YYYY-MM-DDTHH).
    #[arg(long, value_name = "DATE[THH]", value_parser = since_bound)]
    pub since: Option<String>,
    /// Last local date or hour counted, inclusive.
    #[arg(long, value_name = "DATE[THH]", value_parser = until_bound)]
    pub until: Option<String>,
}

// clap reads these before `--lang` is known: the locale's language.
fn since_bound(s: &str) -> Result<String, String> {
    parse_bound(s, Bound::Start).map_err(|m| m.render(OwnerLang::from_flag_or_env(None)))
}

fn until_bound(s: &str) -> Result<String, String> {
    parse_bound(s, Bound::End).map_err(|m| m.render(OwnerLang::from_flag_or_env(None)))
}
