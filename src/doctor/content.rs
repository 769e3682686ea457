//! The files the kiosk runs on: its config, its flow, and the flow's voice
//! clips. Each is checked the way `kiosk check` and `kiosk run` read it.

use std::path::{Path, PathBuf};

use super::{nothing, Check};
use crate::config::{self, default_journal_dir, Config};
use crate::diag::Diagnostic;
use crate::flow::{self, Flow};
use crate::messages::Message;
use crate::msg;
use crate::speech::clips::{self, ClipSearch};

/// What the kiosk would run with, and the checks of it.
pub struct Content {
    pub config: Config,
    /// `None` only if even the bundled flow failed to load.
    pub flow: Option<Flow>,
    pub flow_file: Option<PathBuf>,
    pub journal_dir: PathBuf,
    pub checks: Vec<Check>,
}

impl Content {
    pub fn languages(&self) -> Vec<String> {
        self.flow
            .as_ref()
            .map(|f| f.languages.clone())
            .unwrap_or_default()
    }
}

/// ` (first: FILE:LINE:COL: error: …)`, the message in the line's
/// language; nothing when there is no error.
fn first_error(diagnostics: &[Diagnostic]) -> Message {
    diagnostics
        .iter()
        .find(|d| d.is_error())
        .map_or_else(nothing, |d| {
            msg!("doctor.first_error", diagnostic = d.clone())
        })
}

/// Reads the config (`--config`, else the installed one if any) and the
/// flow it names (else the bundled one).
pub fn settle(config_path: Option<&Path>) -> Content {
    let mut checks = Vec::new();
    let default = Path::new(config::DEFAULT_PATH);
    let path = config_path.or_else(|| default.exists().then_some(default));
    let config = match path {
        None => {
            checks.push(Check::pass(
                "config",
                msg!("doctor.config_none", path = config::DEFAULT_PATH),
            ));
            Config::default()
        }
        Some(path) => match config::load_file(path) {
            Err(e) => {
                checks.push(Check::fail(
                    "config",
                    msg!("doctor.config_unreadable", error = e),
                ));
                Config::default()
            }
            Ok(loaded) if loaded.has_errors() => {
                let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
                checks.push(Check::fail(
                    "config",
                    msg!(
                        "doctor.config_invalid",
                        path = path.display(),
                        errors = errors,
                        first = first_error(&loaded.diagnostics),
                    ),
                ));
                Config::default()
            }
            Ok(loaded) => {
                checks.push(Check::pass(
                    "config",
                    msg!("doctor.config_valid", path = path.display()),
                ));
                loaded.config
            }
        },
    };

    let mut flow_file = config.flow.clone();
    let mut flow = None;
    if let Some(path) = &config.flow {
        match flow::load_file(path) {
            Ok(loaded) => {
                let errors: Vec<_> = loaded.errors().cloned().collect();
                match loaded.flow {
                    Some(f) if errors.is_empty() => flow = Some(f),
                    _ => checks.push(Check::fail(
                        "flow",
                        msg!(
                            "doctor.flow_invalid",
                            path = path.display(),
                            errors = errors.len().max(1),
                            first = first_error(&errors),
                        ),
                    )),
                }
            }
            Err(e) => checks.push(Check::fail(
                "flow",
                msg!("doctor.flow_unreadable", error = e.to_diagnostic_line()),
            )),
        }
        if flow.is_none() {
            flow_file = None;
        }
    }
    if flow.is_none() {
        match Flow::bundled() {
            Ok(f) => flow = Some(f),
            Err(e) => checks.push(Check::fail(
                "flow",
                msg!("doctor.flow_bundled_broken", error = e),
            )),
        }
    }
    if let Some(f) = &flow {
        if !checks.iter().any(|c| c.check == "flow") {
            let (id, steps, languages) = (&f.id, f.steps.len(), f.languages.join(", "));
            let message = match &flow_file {
                Some(path) => msg!(
                    "doctor.flow_valid",
                    path = path.display(),
                    id = id,
                    steps = steps,
                    languages = languages,
                ),
                None => msg!(
                    "doctor.flow_bundled_valid",
                    id = id,
                    steps = steps,
                    languages = languages,
                ),
            };
            checks.push(Check::pass("flow", message));
        }
    }
    let journal_dir = config
        .journal_dir
        .clone()
        .unwrap_or_else(default_journal_dir);
    Content {
        config,
        flow,
        flow_file,
        journal_dir,
        checks,
    }
}

/// Every spoken text of the flow has a fresh pre-rendered clip whose file
/// can be read.
pub fn clips_check(content: &Content) -> Check {
    let Some(flow) = &content.flow else {
        return Check::fail("clips", msg!("doctor.clips_no_flow"));
    };
    let search = ClipSearch {
        flow_id: flow.id.clone(),
        flow_file: content.flow_file.clone(),
        dirs: content.config.audio_dir.iter().cloned().collect(),
    };
    let (library, problem) = clips::locate(&search);
    if let Some(problem) = problem {
        return Check::fail("clips", msg!("doctor.clips_problem", problem = problem));
    }
    let Some(manifest) = clips::manifest_for(&search) else {
        return Check::fail("clips", msg!("doctor.clips_none", id = flow.id));
    };
    let texts = flow::spoken_texts(flow).len();
    let warnings = clips::clip_warnings(flow, &manifest);
    let unreadable: Vec<&str> = manifest
        .clips
        .iter()
        .filter_map(|c| library.find(&c.lang, c.rate, &c.text))
        .filter(|file| library.read(file).is_err())
        .collect();
    if let Some(file) = unreadable.first() {
        return Check::fail(
            "clips",
            msg!(
                "doctor.clips_unreadable",
                count = unreadable.len(),
                id = flow.id,
                file = file,
            ),
        );
    }
    match warnings.first() {
        None => Check::pass(
            "clips",
            msg!(
                "doctor.clips_ok",
                texts = texts,
                id = flow.id,
                files = manifest.clips.len(),
            ),
        ),
        Some(first) => Check::fail(
            "clips",
            msg!(
                "doctor.clips_stale",
                count = warnings.len(),
                texts = texts,
                id = flow.id,
                first = first,
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_valid_config_and_the_bundled_flow_with_its_embedded_clips_pass() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "kiosk.toml", "kiosk = \"c1\"\n");
        let content = settle(Some(&path));
        assert!(content.checks.iter().all(|c| c.ok), "{:?}", content.checks);
        assert_eq!(content.config.kiosk, "c1");
        assert_eq!(content.languages(), ["ja", "en"]);
        let clips = clips_check(&content);
        assert!(clips.ok, "{clips:?}");
    }

    #[test]
    fn a_broken_config_and_flow_fail_and_name_the_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "kiosk.toml",
            "kiosk = 3\nflow = \"flow.toml\"\n",
        );
        let content = settle(Some(&path));
        let config = &content.checks[0];
        assert!(!config.ok);
        let said = config.message.to_string();
        assert!(said.contains("defaults"), "{said}");

        let path = write(dir.path(), "kiosk2.toml", "flow = \"missing.toml\"\n");
        let content = settle(Some(&path));
        let flow = content.checks.iter().find(|c| c.check == "flow").unwrap();
        assert!(!flow.ok);
        let said = flow.message.to_string();
        assert!(said.contains("bundled flow"), "{said}");
        // The bundled flow stands in, so its languages are checked.
        assert_eq!(content.languages(), ["ja", "en"]);
    }

    #[test]
    fn a_flow_without_clips_fails_the_clip_check() {
        let dir = tempfile::tempdir().unwrap();
        let flow = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/flow.toml"),
        )
        .unwrap();
        write(dir.path(), "flow.toml", &flow);
        let path = write(dir.path(), "kiosk.toml", "flow = \"flow.toml\"\n");
        let content = settle(Some(&path));
        assert!(content.checks.iter().all(|c| c.ok), "{:?}", content.checks);
        let clips = clips_check(&content);
        assert!(!clips.ok);
        let said = clips.message.to_string();
        assert!(said.contains("render"), "{said}");
    }
}
