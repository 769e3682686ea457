//! `kiosk check`: validates flow files (and a config file) and prints every
//! problem as `FILE:LINE:COL: error|warning: …` (on stderr, as compilers do)
//! with a one-line verdict per file on stdout. With a config, each flow is
//! also checked against the config's key map: a phrase the flow overrides
//! must not name a key the config has moved.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::config;
use crate::flow::read_bounded::{self, FLOW_LIMIT};
use crate::flow::{self, KeyNames, Loaded};
use crate::input::KeyMap;
use crate::messages::OwnerLang;
use crate::msg;
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
    lang: OwnerLang,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Verdict> {
    let mut total = Verdict::default();
    let mut config_flow = None;
    let mut keys = KeyNames::default();
    if let Some(path) = config_file {
        let name = path.display().to_string();
        match config::load_file(path) {
            Ok(loaded) => {
                for d in &loaded.diagnostics {
                    writeln!(err, "{}", d.render(lang))?;
                }
                let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
                let warnings = loaded.diagnostics.len() - errors;
                total.errors += errors;
                total.warnings += warnings;
                let verdict = if errors == 0 { "ok" } else { "invalid" };
                let counts = msg!("check.config_counts", errors = errors, warnings = warnings);
                writeln!(out, "{name}: {verdict}: {}", counts.render(lang))?;
                keys = KeyMap::with_overrides(&loaded.config.keys).key_names();
                config_flow = loaded.config.flow;
            }
            Err(e) => {
                writeln!(err, "{}", e.source.diagnostic_line(&e.path, lang))?;
                writeln!(out, "{name}: invalid: {}", e.source.verdict().render(lang))?;
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
    let more = check_files(files, &keys, lang, out, err)?;
    total.errors += more.errors;
    total.warnings += more.warnings;
    Ok(total)
}

/// Checks each flow file (the bundled flow when `files` is empty), the
/// keys its phrases name against `keys`, the key map the kiosk runs with.
pub fn check_files(
    files: &[PathBuf],
    keys: &KeyNames,
    lang: OwnerLang,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Verdict> {
    let mut total = Verdict::default();
    if files.is_empty() {
        let name = msg!("check.bundled_name", name = flow::BUNDLED_NAME).render(lang);
        let file = Source {
            name: flow::BUNDLED_NAME,
            text: flow::BUNDLED_SOURCE,
            path: None,
        };
        report(&name, &file, keys, lang, out, err, &mut total)?;
    }
    for path in files {
        let name = path.display().to_string();
        match read_bounded::read_text(path, FLOW_LIMIT) {
            Ok(text) => {
                let file = Source {
                    name: &name,
                    text: &text,
                    path: Some(path),
                };
                report(&name, &file, keys, lang, out, err, &mut total)?
            }
            Err(problem) => {
                writeln!(err, "{}", problem.diagnostic_line(&name, lang))?;
                writeln!(out, "{name}: invalid: {}", problem.verdict().render(lang))?;
                total.errors += 1;
            }
        }
    }
    Ok(total)
}

/// A flow file's text, with the name its diagnostics use.
struct Source<'a> {
    name: &'a str,
    text: &'a str,
    path: Option<&'a Path>,
}

/// A sheet that does not fit on its one A4 page, in some language: laid
/// out as it would be printed.
fn sheet_errors(flow: &flow::Flow, source: &Source<'_>) -> Vec<crate::diag::Diagnostic> {
    let mut diag = crate::diag::Collector::new(source.name, source.text);
    for sheet in &flow.sheets {
        for (i, code) in flow.languages.iter().enumerate() {
            let lang = flow::LangIx(i);
            match crate::print::render(sheet, lang, code) {
                Ok(r) if r.fits => {}
                Ok(r) => diag.error(
                    sheet.at.clone(),
                    msg!(
                        "check.sheet_too_long",
                        path = format!("sheets.{}", sheet.id),
                        lang = code,
                        needed = format!("{:.0}", r.needed_pt),
                        page = format!(
                            "{:.0}",
                            crate::print::render::PAGE_H - 2.0 * crate::print::render::MARGIN
                        )
                    ),
                ),
                // The layout's own words (cairo's).
                Err(e) => diag.error(
                    sheet.at.clone(),
                    msg!(
                        "check.sheet_unrendered",
                        path = format!("sheets.{}", sheet.id),
                        lang = code,
                        error = e
                    ),
                ),
            }
        }
    }
    diag.finish()
}

fn report(
    name: &str,
    source: &Source<'_>,
    keys: &KeyNames,
    lang: OwnerLang,
    out: &mut dyn Write,
    err: &mut dyn Write,
    total: &mut Verdict,
) -> io::Result<()> {
    let loaded: Loaded = flow::load_source(source.name, source.text);
    for d in &loaded.diagnostics {
        writeln!(err, "{}", d.render(lang))?;
    }
    let mut errors = loaded.errors().count();
    let mut warnings = loaded.diagnostics.len() - errors;
    if let Some(flow) = &loaded.flow {
        for d in sheet_errors(flow, source) {
            writeln!(err, "{}", d.render(lang))?;
            errors += 1;
        }
        for d in flow::key_warnings(source.name, source.text, keys) {
            writeln!(err, "{}", d.render(lang))?;
            warnings += 1;
        }
        let search = ClipSearch {
            flow_id: flow.id.clone(),
            flow_file: source.path.map(Path::to_path_buf),
            dirs: Vec::new(),
        };
        // Clips are checked once they exist: no manifest, no warnings.
        if let Some(manifest) = clips::manifest_for(&search) {
            for warning in clips::clip_problems(flow, &manifest) {
                let warning = warning.render(lang);
                writeln!(err, "{}:1:1: warning: {warning}", source.name)?;
                warnings += 1;
            }
        }
    }
    total.errors += errors;
    total.warnings += warnings;
    let verdict = match loaded.flow.as_ref().filter(|_| errors == 0) {
        Some(flow) => msg!(
            "check.flow_ok",
            id = &flow.id,
            steps = flow.steps.len(),
            languages = flow.languages.join(", "),
            warnings = warnings
        ),
        None => msg!("check.flow_invalid", errors = errors, warnings = warnings),
    };
    let word = if errors == 0 { "ok" } else { "invalid" };
    writeln!(out, "{name}: {word}: {}", verdict.render(lang))
}
