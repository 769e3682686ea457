//! The command line of DESIGN section 7, parsed with `clap`. Each mode's
//! options live with the mode that owns them (`run`, `report`, `graph`);
//! this module only puts them together, so no mode imports it.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use crate::graph::{GraphArgs, GraphFormat};
pub use crate::print::command::PrintTestArgs;
pub use crate::report::{ReportArgs, ReportFormat};
pub use crate::run::RunArgs;

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
        /// The language of the messages: ja or en (default: the locale,
        /// LC_ALL, LC_MESSAGES or LANG; Japanese when it is ja_*).
        #[arg(long, value_name = "LANG")]
        lang: Option<String>,
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
        /// The language of the messages: ja or en (default: the locale,
        /// LC_ALL, LC_MESSAGES or LANG; Japanese when it is ja_*).
        #[arg(long, value_name = "LANG")]
        lang: Option<String>,
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
    /// Lay out a take-home sheet and print it on the configured CUPS queue
    /// (`[print] printer`), or write it as PDF with --pdf.
    #[command(
        after_help = "Exit status: 0 when the sheet was printed (CUPS reported the job processing or completed on an enabled queue within 20 s) or written, 2 when not."
    )]
    PrintTest(PrintTestArgs),
    /// List every text the flow speaks, as JSON lines {id, lang, text}:
    /// what scripts/render-audio renders into clips.
    #[command(hide = true)]
    Utterances {
        /// Flow file (default: the bundled flow).
        file: Option<PathBuf>,
    },
}
