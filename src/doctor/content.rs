//! The files the kiosk runs on: its config, its flow, and the flow's voice
//! clips. Each is checked the way `kiosk check` and `kiosk run` read it.

use std::path::{Path, PathBuf};

use super::Check;
use crate::config::{self, default_journal_dir, Config};
use crate::flow::{self, Flow};
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

fn first_error(diagnostics: &[crate::diag::Diagnostic]) -> String {
    diagnostics
        .iter()
        .find(|d| d.is_error())
        .map_or_else(String::new, |d| format!(" (first: {d})"))
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
                format!("config: no {} (the defaults apply)", config::DEFAULT_PATH),
            ));
            Config::default()
        }
        Some(path) => match config::load_file(path) {
            Err(e) => {
                checks.push(Check::fail(
                    "config",
                    format!("config: {e}; the kiosk would run on the defaults"),
                ));
                Config::default()
            }
            Ok(loaded) if loaded.has_errors() => {
                let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
                checks.push(Check::fail(
                    "config",
                    format!(
                        "config: {} has {errors} error(s){}; the kiosk would run on the defaults \
                         and show [設定エラー] (see: kiosk check --config {})",
                        path.display(),
                        first_error(&loaded.diagnostics),
                        path.display()
                    ),
                ));
                Config::default()
            }
            Ok(loaded) => {
                checks.push(Check::pass(
                    "config",
                    format!("config: {} is valid", path.display()),
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
                        format!(
                            "flow: {} has {} error(s){}; the kiosk would run the bundled flow \
                             and show [予備の案内] (see: kiosk check {})",
                            path.display(),
                            errors.len().max(1),
                            first_error(&errors),
                            path.display()
                        ),
                    )),
                }
            }
            Err(e) => checks.push(Check::fail(
                "flow",
                format!(
                    "flow: {}; the kiosk would run the bundled flow",
                    e.to_diagnostic_line()
                ),
            )),
        }
        if flow.is_none() {
            flow_file = None;
        }
    }
    if flow.is_none() {
        match Flow::bundled() {
            Ok(f) => flow = Some(f),
            Err(e) => checks.push(Check::fail("flow", format!("flow: the bundled flow: {e}"))),
        }
    }
    if let Some(f) = &flow {
        if !checks.iter().any(|c| c.check == "flow") {
            let which = flow_file.as_ref().map_or_else(
                || "the bundled flow".to_string(),
                |p| p.display().to_string(),
            );
            checks.push(Check::pass(
                "flow",
                format!(
                    "flow: {which} (\"{}\") is valid: {} steps, languages {}",
                    f.id,
                    f.steps.len(),
                    f.languages.join(", ")
                ),
            ));
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
        return Check::fail("clips", "clips: no flow to check them against");
    };
    let search = ClipSearch {
        flow_id: flow.id.clone(),
        flow_file: content.flow_file.clone(),
        dirs: content.config.audio_dir.iter().cloned().collect(),
    };
    let (library, problem) = clips::locate(&search);
    if let Some(problem) = problem {
        return Check::fail(
            "clips",
            format!("clips: {problem}; the system voice would speak every text"),
        );
    }
    let Some(manifest) = clips::manifest_for(&search) else {
        return Check::fail(
            "clips",
            format!(
                "clips: none for flow \"{}\": the system voice would speak every text \
                 (render them with scripts/render-audio)",
                flow.id
            ),
        );
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
            format!(
                "clips: {} clip file(s) for flow \"{}\" cannot be read (first: {file})",
                unreadable.len(),
                flow.id
            ),
        );
    }
    match warnings.first() {
        None => Check::pass(
            "clips",
            format!(
                "clips: every one of the {texts} texts of flow \"{}\" has a fresh clip ({} files)",
                flow.id,
                manifest.clips.len()
            ),
        ),
        Some(first) => Check::fail(
            "clips",
            format!(
                "clips: {} of {texts} texts of flow \"{}\" have no fresh clip (first: {first})",
                warnings.len(),
                flow.id
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
        assert!(config.message.contains("defaults"), "{}", config.message);

        let path = write(dir.path(), "kiosk2.toml", "flow = \"missing.toml\"\n");
        let content = settle(Some(&path));
        let flow = content.checks.iter().find(|c| c.check == "flow").unwrap();
        assert!(!flow.ok);
        assert!(flow.message.contains("bundled flow"), "{}", flow.message);
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
        assert!(clips.message.contains("render"), "{}", clips.message);
    }
}
