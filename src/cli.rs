//! The command line of DESIGN section 7, parsed with `clap`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "kiosk",
    version,
    about = "Voice-guided counter kiosk for MFA login recovery"
)]
pub struct Cli {
    #[command(subcommand)]
    pub mode: Mode,
}

#[derive(Debug, Subcommand)]
pub enum Mode {
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
}
