//! `kiosk check`: validates flow files (and a config file) and prints every
//! problem as `FILE:LINE:COL: error|warning: …` (on stderr, as compilers do)
//! with a one-line verdict per file on stdout.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::config;
use crate::flow::{self, Loaded};
use crate::speech::clips::{self, ClipSearch};

/// What a check of several files found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub errors: usize,
    pub warnings: usize,
}

impl Verdict {
    pub fn ok(self) -> bool {
        self.errors == 0
    }
}

/// Checks the config file, if given, then each flow file. With no flow
/// files: the config's flow, or else the bundled flow.
pub fn check(
    config_file: Option<&Path>,
    files: &[PathBuf],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Verdict> {
    let mut total = Verdict::default();
    let mut config_flow = None;
    if let Some(path) = config_file {
        let name = path.display().to_string();
        match config::load_file(path) {
            Ok(loaded) => {
                for d in &loaded.diagnostics {
                    writeln!(err, "{d}")?;
                }
                let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
                let warnings = loaded.diagnostics.len() - errors;
                total.errors += errors;
                total.warnings += warnings;
                let verdict = if errors == 0 { "ok" } else { "invalid" };
                writeln!(
                    out,
                    "{name}: {verdict}: config, {errors} error(s), {warnings} warning(s)"
                )?;
                config_flow = loaded.config.flow;
            }
            Err(e) => {
                writeln!(err, "{}", e.to_diagnostic_line())?;
                writeln!(out, "{name}: invalid: {}", e.source.verdict())?;
                total.errors += 1;
            }
        }
    }
    let from_config: Vec<PathBuf> = config_flow.into_iter().collect();
    let files = if files.is_empty() {
        &from_config
    } else {
        files
    };
    let more = check_files(files, out, err)?;
    total.errors += more.errors;
    total.warnings += more.warnings;
    Ok(total)
}

/// Checks each flow file (the bundled flow when `files` is empty).
pub fn check_files(
    files: &[PathBuf],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Verdict> {
    let mut total = Verdict::default();
    if files.is_empty() {
        let loaded = flow::load_source(flow::BUNDLED_NAME, flow::BUNDLED_SOURCE);
        let name = format!("{} (bundled)", flow::BUNDLED_NAME);
        report(&name, &loaded, None, out, err, &mut total)?;
    }
    for path in files {
        match flow::load_file(path) {
            Ok(loaded) => {
                let name = path.display().to_string();
                report(&name, &loaded, Some(path), out, err, &mut total)?
            }
            Err(e) => {
                writeln!(err, "{}", e.to_diagnostic_line())?;
                let why = match &e {
                    flow::LoadError::Read { source, .. } => source.verdict(),
                    flow::LoadError::Invalid(_) => "cannot be read",
                };
                writeln!(out, "{}: invalid: {why}", path.display())?;
                total.errors += 1;
            }
        }
    }
    Ok(total)
}

fn report(
    name: &str,
    loaded: &Loaded,
    flow_file: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    total: &mut Verdict,
) -> io::Result<()> {
    for d in &loaded.diagnostics {
        writeln!(err, "{d}")?;
    }
    let errors = loaded.errors().count();
    let mut warnings = loaded.diagnostics.len() - errors;
    if let Some(flow) = &loaded.flow {
        let file = flow_file.map_or(flow::BUNDLED_NAME.to_string(), |p| p.display().to_string());
        let search = ClipSearch {
            flow_id: flow.id.clone(),
            flow_file: flow_file.map(Path::to_path_buf),
            dirs: Vec::new(),
        };
        // Clips are checked once they exist: no manifest, no warnings.
        if let Some(manifest) = clips::manifest_for(&search) {
            for warning in clips::clip_warnings(flow, &manifest) {
                writeln!(err, "{file}:1:1: warning: {warning}")?;
                warnings += 1;
            }
        }
    }
    total.errors += errors;
    total.warnings += warnings;
    match &loaded.flow {
        Some(flow) => writeln!(
            out,
            "{name}: ok: flow \"{}\", {} steps, languages {}, {warnings} warning(s)",
            flow.id,
            flow.steps.len(),
            flow.languages.join(", ")
        ),
        None => writeln!(
            out,
            "{name}: invalid: {errors} error(s), {warnings} warning(s)"
        ),
    }
}
