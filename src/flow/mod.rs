//! The content model: a flow of steps (questions, notes, endings) in several
//! languages, loaded from the TOML flow file of DESIGN section 3. Loading is
//! two stages: `parse` reads the TOML tree with positions into raw records,
//! `validate` checks every rule (each kind in a `validate_*` file) and builds
//! the [`Flow`] the engine walks.

pub mod key_names;
mod lint;
mod parse;
pub mod phrases;
pub mod read_bounded;
pub mod sheet;
pub mod speech_length;
mod spoken;
mod step_words;
mod validate;
mod validate_graph;
mod validate_header;
mod validate_ids;
mod validate_lists;
mod validate_named;
mod validate_phrases;
mod validate_say;
mod validate_sheets;
mod validate_step;
mod validate_texts;

use std::path::Path;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::diag::{Collector, Diagnostic};
pub use key_names::KeyNames;
pub use lint::key_warnings;
pub use phrases::{Phrase, PhraseTable};
pub use read_bounded::ReadProblem;
pub use sheet::{Block, Sheet};
pub use spoken::{spoken_texts, SpokenText, SPOKEN_PHRASES};
pub use step_words::StepWords;

/// The bundled default flow, compiled in so `kiosk` runs with no files.
pub const BUNDLED_SOURCE: &str = include_str!("../../flows/mfa-login.toml");
/// The name the bundled flow's diagnostics use.
pub const BUNDLED_NAME: &str = "flows/mfa-login.toml";

/// Index of a step in [`Flow::steps`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StepIx(pub usize);

/// Index of a language in [`Flow::languages`] (0 is the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct LangIx(pub usize);

/// A text given for every declared language, indexed by [`LangIx`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texts(pub Vec<String>);

impl Texts {
    pub fn get(&self, lang: LangIx) -> &str {
        self.0.get(lang.0).map_or("", String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub id: String,
    pub title: Texts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub id: String,
    pub title: Texts,
}

/// What a step asks of the customer, and where each answer leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Question {
        yes: StepIx,
        no: StepIx,
    },
    Note {
        next: StepIx,
    },
    /// Offers a take-home sheet (an index into [`Flow::sheets`]): yes
    /// prints it, either answer goes on to `next`.
    Print {
        sheet: usize,
        next: StepIx,
    },
    /// Names an index into [`Flow::outcomes`].
    Ending {
        outcome: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub id: String,
    /// Index into [`Flow::stages`].
    pub stage: Option<usize>,
    pub text: Texts,
    /// Spoken instead of `text` where given, per language.
    pub say: Vec<Option<String>>,
    /// Bullet items per language (empty when the step has no list).
    pub list: Vec<Vec<String>>,
    /// Spoken instead of the list items where given, per language.
    pub say_list: Vec<Option<Vec<String>>>,
    pub kind: StepKind,
    /// `wait_s`: on this step the idle warning comes after this long instead
    /// of the kiosk's idle timeout (the customer is away doing something the
    /// step asked, such as waiting for a code on her phone).
    pub wait: Option<Duration>,
    /// The words as written, which `text`, `say` and the lists are filled
    /// from (keys named) by [`Step::name_keys`].
    pub words: StepWords,
}

impl Step {
    /// A step whose words name the default key map's keys.
    pub fn new(
        id: String,
        stage: Option<usize>,
        words: StepWords,
        kind: StepKind,
        wait: Option<Duration>,
        langs: &[String],
    ) -> Step {
        let mut step = Step {
            id,
            stage,
            text: words.text.clone(),
            say: words.say.clone(),
            list: words.list.clone(),
            say_list: words.say_list.clone(),
            kind,
            wait,
            words,
        };
        step.name_keys(langs, &KeyNames::default());
        step
    }

    /// Fills the shown and spoken words from [`Step::words`] with the keys
    /// `keys` names (`langs`: the flow's languages).
    pub fn name_keys(&mut self, langs: &[String], keys: &KeyNames) {
        let filled = self.words.fill(langs, keys);
        self.text = filled.text;
        self.say = filled.say;
        self.list = filled.list;
        self.say_list = filled.say_list;
    }

    /// What is spoken for the step's main text in `lang`.
    pub fn spoken_text(&self, lang: LangIx) -> &str {
        match self.say.get(lang.0) {
            Some(Some(say)) => say,
            _ => self.text.get(lang),
        }
    }

    pub fn list_items(&self, lang: LangIx) -> &[String] {
        self.list.get(lang.0).map_or(&[], Vec::as_slice)
    }

    /// What is spoken for the list items in `lang`.
    pub fn spoken_list(&self, lang: LangIx) -> &[String] {
        match self.say_list.get(lang.0) {
            Some(Some(items)) => items,
            _ => self.list_items(lang),
        }
    }
}

/// A validated flow: every target exists, every step is reachable and can
/// reach an ending, every language has every text and phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub id: String,
    pub start: StepIx,
    /// Language codes; the first is the default.
    pub languages: Vec<String>,
    pub title: Texts,
    /// In file order, which is the order progress counts them.
    pub stages: Vec<Stage>,
    pub outcomes: Vec<Outcome>,
    pub steps: Vec<Step>,
    /// Per language, indexed by [`LangIx`].
    pub phrases: Vec<PhraseTable>,
    /// The take-home sheets print steps name, in file order.
    pub sheets: Vec<Sheet>,
    /// First 8 hex digits of the SHA-256 of the file's bytes (journal `flow_hash`).
    pub hash: String,
}

impl Flow {
    pub fn step(&self, ix: StepIx) -> &Step {
        // Every StepIx is made by validation from this flow's own steps.
        &self.steps[ix.0]
    }

    pub fn step_ix(&self, id: &str) -> Option<StepIx> {
        self.steps.iter().position(|s| s.id == id).map(StepIx)
    }

    pub fn lang_ix(&self, code: &str) -> Option<LangIx> {
        self.languages.iter().position(|l| l == code).map(LangIx)
    }

    pub fn lang_code(&self, lang: LangIx) -> &str {
        self.languages.get(lang.0).map_or("", String::as_str)
    }

    pub fn phrase(&self, lang: LangIx, phrase: Phrase) -> &str {
        self.phrases.get(lang.0).map_or("", |t| t.get(phrase))
    }

    /// Names the keys of the key map the kiosk runs with in every phrase
    /// (they name the default map's keys until this is called).
    pub fn name_keys(&mut self, keys: &KeyNames) {
        for table in &mut self.phrases {
            table.name_keys(keys);
        }
        for step in &mut self.steps {
            step.name_keys(&self.languages, keys);
        }
    }

    /// The stage's place (1-based) and the number of stages, for progress.
    pub fn stage_progress(&self, step: StepIx) -> Option<(usize, usize)> {
        self.step(step)
            .stage
            .map(|stage| (stage + 1, self.stages.len()))
    }

    /// The flow compiled into the binary.
    pub fn bundled() -> Result<Flow, LoadError> {
        load_source(BUNDLED_NAME, BUNDLED_SOURCE).into_result()
    }
}

/// What loading a flow file gave: the flow where it is valid, and every
/// problem found (errors and warnings) in file order.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub flow: Option<Flow>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    pub fn into_result(self) -> Result<Flow, LoadError> {
        match self.flow {
            Some(flow) => Ok(flow),
            None => Err(LoadError::Invalid(
                self.diagnostics
                    .into_iter()
                    .filter(|d| d.is_error())
                    .collect(),
            )),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Not a regular file, over the size cap, unreadable or not UTF-8.
    #[error("{}", source.describe(path))]
    Read { path: String, source: ReadProblem },
    #[error("{}", render_errors(.0))]
    Invalid(Vec<Diagnostic>),
}

impl LoadError {
    /// The error as a `FILE:LINE:COL: error: …` line, like the diagnostics.
    pub fn to_diagnostic_line(&self) -> String {
        match self {
            LoadError::Read { path, source } => source.to_diagnostic_line(path),
            LoadError::Invalid(_) => self.to_string(),
        }
    }
}

fn render_errors(errors: &[Diagnostic]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Loads and checks a flow file (a regular file of at most
/// [`read_bounded::FLOW_LIMIT`], in UTF-8).
pub fn load_file(path: &Path) -> Result<Loaded, LoadError> {
    let name = path.display().to_string();
    match read_bounded::read_bytes(path, read_bounded::FLOW_LIMIT) {
        Ok(bytes) => load_bytes(&name, bytes),
        Err(source) => Err(LoadError::Read { path: name, source }),
    }
}

/// Checks a flow file's bytes as [`load_file`] read them: UTF-8 first.
pub fn load_bytes(name: &str, bytes: Vec<u8>) -> Result<Loaded, LoadError> {
    match read_bounded::decode_utf8(bytes) {
        Ok(source) => Ok(load_source(name, &source)),
        Err(source) => Err(LoadError::Read {
            path: name.to_string(),
            source,
        }),
    }
}

/// Checks flow source text; `name` is the file name used in diagnostics.
pub fn load_source(name: &str, source: &str) -> Loaded {
    let mut diag = Collector::new(name, source);
    let raw = parse::parse(source, &mut diag);
    let flow = validate::validate(raw, content_hash(source.as_bytes()), &mut diag);
    let flow = flow.filter(|_| !diag.has_errors());
    Loaded {
        flow,
        diagnostics: diag.finish(),
    }
}

/// First 8 hex digits of SHA-256: the journal's `flow_hash`.
pub fn content_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_flow_is_valid_and_has_no_warnings() {
        let loaded = load_source(BUNDLED_NAME, BUNDLED_SOURCE);
        let shown: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
        assert!(shown.is_empty(), "{}", shown.join("\n"));
        let flow = loaded.flow.unwrap();
        assert_eq!(flow.id, "mfa-login");
        assert_eq!(flow.languages, vec!["ja", "en"]);
    }

    #[test]
    fn content_hash_is_eight_hex_digits_of_sha256() {
        // SHA-256("abc") = ba7816bf…
        assert_eq!(content_hash(b"abc"), "ba7816bf");
    }
}
