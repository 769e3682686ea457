//! The `kiosk` binary: parses the command line and hands each mode to the
//! library. Exit codes are decided here and only here.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use counter_kiosk::app::{Exit, STAFF_EXIT_STATUS};
use counter_kiosk::cli::{Cli, Mode};
use counter_kiosk::doctor;
use counter_kiosk::flow::{self, Flow};
use counter_kiosk::messages::OwnerLang;
use counter_kiosk::{check, graph, report};
use counter_kiosk::{print, run};

fn main() -> anyhow::Result<ExitCode> {
    counter_kiosk::trace::mark_process_start();
    match Cli::parse().into_mode() {
        Mode::Run(args) => Ok(match run::run(&args)? {
            Exit::Stopped => ExitCode::SUCCESS,
            Exit::Staff => ExitCode::from(STAFF_EXIT_STATUS),
            Exit::TerminalLost => ExitCode::from(1),
        }),
        Mode::Report(args) => match report::run(&args, std::io::stdout().lock()) {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(e) if e.is_broken_pipe() => Ok(ExitCode::SUCCESS),
            Err(e) => {
                // The report's own --lang, else the locale.
                let lang = args
                    .lang
                    .as_deref()
                    .map_or_else(|| OwnerLang::from_flag_or_env(None), OwnerLang::from_code);
                // Not eprintln!: it panics when stderr is closed or full.
                let said = e.message().render(lang);
                let _ = writeln!(std::io::stderr(), "kiosk report: {said}");
                Ok(ExitCode::from(2))
            }
        },
        Mode::Graph(args) => match graph::run(&args, std::io::stdout().lock()) {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(e) if e.is_broken_pipe() => Ok(ExitCode::SUCCESS),
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "kiosk graph: {e}");
                Ok(ExitCode::from(2))
            }
        },
        Mode::PrintTest(args) => match print::command::run(&args, &mut std::io::stdout()) {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(e) => {
                let said = e.message().render(print::command::owner_lang(&args));
                let _ = writeln!(std::io::stderr(), "kiosk print-test: {said}");
                Ok(ExitCode::from(2))
            }
        },
        Mode::Utterances { file } => {
            let flow = match file {
                Some(path) => flow::load_file(&path)?.into_result()?,
                None => Flow::bundled()?,
            };
            for text in flow::spoken_texts(&flow) {
                println!("{}", serde_json::to_string(&text)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Mode::Doctor { json, config, lang } => {
            let lang = OwnerLang::from_flag_or_env(lang.as_deref());
            let report = doctor::doctor(&doctor::Options { config });
            let mut out = std::io::stdout();
            if json {
                report.render_json(&mut out, lang)?;
            } else {
                report.render_text(&mut out, lang)?;
            }
            Ok(ExitCode::from(report.exit_code()))
        }
        Mode::Check {
            config,
            files,
            lang,
        } => {
            let verdict = check::check(
                config.as_deref(),
                &files,
                OwnerLang::from_flag_or_env(lang.as_deref()),
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
