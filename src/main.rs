//! The `kiosk` binary: parses the command line and hands each mode to the
//! library. Exit codes are decided here and only here.

use std::process::ExitCode;

use clap::Parser;
use counter_kiosk::check;
use counter_kiosk::cli::{Cli, Mode};

fn main() -> anyhow::Result<ExitCode> {
    match Cli::parse().mode {
        Mode::Check { config, files } => {
            let verdict = check::check(
                config.as_deref(),
                &files,
                &mut std::io::stdout(),
                &mut std::io::stderr(),
            )?;
            Ok(if verdict.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
