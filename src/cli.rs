//! The command line of DESIGN section 7, parsed with `clap`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "kiosk",
    version,
    about = "Voice-guided counter kiosk for MFA login recovery",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub mode: Option<Mode>,
    /// With no subcommand, `kiosk` runs the kiosk.
    #[command(flatten)]
    pub run: RunArgs,
}

impl Cli {
    /// The mode asked for; `run` when none was named.
    pub fn into_mode(self) -> Mode {
        self.mode.unwrap_or(Mode::Run(self.run))
    }
}

/// Options of `kiosk run` (DESIGN section 7).
#[derive(Debug, Clone, Default, Args)]
pub struct RunArgs {
    /// Flow file (default: the config's, else the bundled flow).
    #[arg(long, value_name = "FILE")]
    pub flow: Option<PathBuf>,
    /// Config file (default: /etc/counter-kiosk/kiosk.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where journal files go.
    #[arg(long, value_name = "DIR")]
    pub journal_dir: Option<PathBuf>,
    /// Where the flow's pre-rendered clips are.
    #[arg(long, value_name = "DIR")]
    pub audio_dir: Option<PathBuf>,
    /// Each customer's starting language (a code the flow declares).
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
    /// Seconds without a key before "are you still there?".
    #[arg(long, value_name = "SECS")]
    pub idle_timeout: Option<u64>,
    /// Run silent (for tests).
    #[arg(long)]
    pub no_speech: bool,
    /// Append the timing trace (DESIGN section 9) to FILE.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Mode {
    /// Run the kiosk fullscreen (the default).
    Run(RunArgs),
    /// Check flow files; prints FILE:LINE:COL: error|warning: … for each
    /// problem and exits 0 when valid, 1 when not. With no FILE, checks the
    /// bundled flow.
    Check {
        /// A kiosk config file to check too (its flow is checked when no
        /// FILE is given).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Flow files to check.
        files: Vec<PathBuf>,
    },
    /// Check that this PC can run the kiosk fully: terminal size and
    /// Japanese, sound device, speech-dispatcher and a voice per language,
    /// voice clips, journal directory, config and flow. Prints one ✔/✘
    /// line each (or JSON with --json).
    #[command(
        after_help = "Exit status: 0 when every check passed (the kiosk would work \
fully), 1 when any failed (it would still run, but not fully: silent, without the journal, \
on the bundled flow, ...), 2 on a bad command line.\n\n--json prints \
{\"ok\": bool, \"checks\": [{\"check\": NAME, \"ok\": bool, \"message\": TEXT}]}.\n\n\
Run it as the kiosk's user with its environment, e.g.\n  sudo -u kiosk \
XDG_CONFIG_HOME=/etc/counter-kiosk STATE_DIRECTORY=/var/lib/counter-kiosk kiosk doctor"
    )]
    Doctor {
        /// Print the checks as one JSON object.
        #[arg(long)]
        json: bool,
        /// The config file to check (default: /etc/counter-kiosk/kiosk.toml
        /// when it exists).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Where customers get stuck: reads journal files (a directory stands
    /// for its *.jsonl files; default: the configured journal directory).
    Report(ReportArgs),
    /// Draw the flow as a diagram (SVG through Graphviz, or DOT): each step
    /// with its short text, yes/no/next arrows, stages boxed, endings by
    /// outcome, the start marked.
    #[command(
        after_help = "Exit status: 0 when the diagram was written, 2 when not (a flow that fails `kiosk check`, an unknown --lang, or --format svg without Graphviz: the Debian package `graphviz`, installed by scripts/setup)."
    )]
    Graph(GraphArgs),
    /// List every text the flow speaks, as JSON lines {id, lang, text}:
    /// what scripts/render-audio renders into clips.
    #[command(hide = true)]
    Utterances {
        /// Flow file (default: the bundled flow).
        file: Option<PathBuf>,
    },
}

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

fn since_bound(s: &str) -> Result<String, String> {
    crate::report::filter::parse_bound(s, crate::report::filter::Bound::Start)
}

fn until_bound(s: &str) -> Result<String, String> {
    crate::report::filter::parse_bound(s, crate::report::filter::Bound::End)
}
