//! First stage of loading: the TOML tree, with positions, into raw records.
//! This stage checks shapes only (tables, strings, arrays, unknown and
//! missing fields); every rule between fields is `validate`'s. A field of the
//! wrong type is reported once, as such, and then left out, so it is not
//! also reported as missing.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diag::Collector;
use crate::toml_tree::{self as tree, join_path, Controls};

pub type Str = Spanned<String>;

/// A per-language text: `{ ja = "…", en = "…" }`.
#[derive(Debug, Default)]
pub struct RawTexts {
    /// The whole inline table, for "missing language" messages.
    pub span: Range<usize>,
    pub entries: Vec<(Str, Str)>,
}

/// A per-language list: `{ ja = ["…"], en = ["…"] }`.
#[derive(Debug, Default)]
pub struct RawLists {
    pub span: Range<usize>,
    /// Language, the span of its array, and the items.
    pub entries: Vec<(Str, Range<usize>, Vec<Str>)>,
}

#[derive(Debug)]
pub struct RawNamed {
    pub id: Str,
    pub title: Option<RawTexts>,
}

#[derive(Debug)]
pub struct RawStep {
    pub id: Str,
    pub stage: Option<Str>,
    pub text: Option<RawTexts>,
    pub say: Option<RawTexts>,
    pub list: Option<RawLists>,
    pub say_list: Option<RawLists>,
    pub yes: Option<Str>,
    pub no: Option<Str>,
    pub next: Option<Str>,
    pub end: Option<Str>,
    /// `wait_s = N`: the idle warning comes after N seconds on this step.
    pub wait_s: Option<Spanned<i64>>,
    /// Which of yes, no, next, end the table has, in that order, whatever
    /// their values: a mistyped `next` still makes the step a note.
    pub kind_keys: Vec<&'static str>,
}

#[derive(Debug)]
pub struct RawUi {
    pub lang: Str,
    pub phrases: Vec<(Str, Str)>,
}

#[derive(Debug, Default)]
pub struct RawFlow {
    /// The TOML itself is broken: only the syntax error is worth showing,
    /// since whatever the parser recovered would give misleading errors.
    pub syntax_broken: bool,
    /// Where `[flow]` is (or the file start when it is missing).
    pub flow_span: Range<usize>,
    pub has_flow_table: bool,
    pub id: Option<Str>,
    pub start: Option<Str>,
    pub languages: Option<(Range<usize>, Vec<Str>)>,
    pub title: Option<RawTexts>,
    pub stages: Vec<RawNamed>,
    pub outcomes: Vec<RawNamed>,
    pub steps: Vec<RawStep>,
    pub ui: Vec<RawUi>,
}

const ROOT_KEYS: &[&str] = &["flow", "stages", "outcomes", "steps", "ui"];
const FLOW_KEYS: &[&str] = &["id", "start", "languages", "title"];
const NAMED_KEYS: &[&str] = &["title"];
const STEP_KEYS: &[&str] = &[
    "stage", "text", "say", "list", "say_list", "yes", "no", "next", "end", "wait_s",
];
const KIND_KEYS: [&str; 4] = ["yes", "no", "next", "end"];

pub fn parse(source: &str, diag: &mut Collector<'_>) -> RawFlow {
    let root = tree::parse(source, diag);
    let mut raw = RawFlow::default();
    if diag.has_errors() {
        raw.syntax_broken = true;
        return raw;
    }
    let root = root.get_ref();
    tree::reject_unknown_keys(root, ROOT_KEYS, "", diag);
    if let Some((key, value)) = tree::get(root, "flow") {
        raw.flow_span = key.span();
        raw.has_flow_table = true;
        if let Some(table) = tree::expect_table(value, "flow", diag) {
            read_flow_table(table, &mut raw, diag);
        }
    }
    raw.stages = read_named_tables(root, "stages", diag);
    raw.outcomes = read_named_tables(root, "outcomes", diag);
    raw.steps = for_each_subtable(root, "steps", diag, |id, table, diag| {
        read_step(id, table, diag)
    });
    raw.ui = for_each_subtable(root, "ui", diag, |lang, table, diag| {
        read_ui(lang, table, diag)
    });
    raw
}

fn read_flow_table(table: &DeTable<'_>, raw: &mut RawFlow, diag: &mut Collector<'_>) {
    tree::reject_unknown_keys(table, FLOW_KEYS, "flow", diag);
    require(table, FLOW_KEYS, "flow", &raw.flow_span, diag);
    raw.id = string_field(table, "id", "flow", diag);
    raw.start = string_field(table, "start", "flow", diag);
    if let Some((_, value)) = tree::get(table, "languages") {
        if let Some(array) = tree::expect_array(value, "flow.languages", diag) {
            let langs = array
                .iter()
                .filter_map(|item| spanned_str(item, "flow.languages", diag))
                .collect();
            raw.languages = Some((value.span(), langs));
        }
    }
    raw.title = texts_field(table, "title", "flow", diag);
}

fn read_named_tables(root: &DeTable<'_>, key: &str, diag: &mut Collector<'_>) -> Vec<RawNamed> {
    for_each_subtable(root, key, diag, |id, table, diag| {
        let path = join_path(key, id.get_ref());
        tree::reject_unknown_keys(table, NAMED_KEYS, &path, diag);
        require(table, NAMED_KEYS, &path, &id.span(), diag);
        RawNamed {
            title: texts_field(table, "title", &path, diag),
            id,
        }
    })
}

fn read_step(id: Str, table: &DeTable<'_>, diag: &mut Collector<'_>) -> RawStep {
    let path = join_path("steps", id.get_ref());
    tree::reject_unknown_keys(table, STEP_KEYS, &path, diag);
    require(table, &["text"], &path, &id.span(), diag);
    RawStep {
        stage: string_field(table, "stage", &path, diag),
        text: texts_field(table, "text", &path, diag),
        say: texts_field(table, "say", &path, diag),
        list: lists_field(table, "list", &path, diag),
        say_list: lists_field(table, "say_list", &path, diag),
        yes: string_field(table, "yes", &path, diag),
        no: string_field(table, "no", &path, diag),
        next: string_field(table, "next", &path, diag),
        end: string_field(table, "end", &path, diag),
        wait_s: tree::get(table, "wait_s").and_then(|(_, value)| {
            let n = tree::expect_integer(value, &join_path(&path, "wait_s"), diag)?;
            Some(Spanned::new(value.span(), n))
        }),
        kind_keys: KIND_KEYS
            .into_iter()
            .filter(|key| tree::get(table, key).is_some())
            .collect(),
        id,
    }
}

fn read_ui(lang: Str, table: &DeTable<'_>, diag: &mut Collector<'_>) -> RawUi {
    let path = join_path("ui", lang.get_ref());
    let phrases = table
        .iter()
        .filter(|(key, _)| !tree::is_note_key(key.get_ref()))
        .filter_map(|(key, value)| {
            let text = spanned_str(value, &join_path(&path, key.get_ref()), diag)?;
            Some((Spanned::new(key.span(), key.get_ref().to_string()), text))
        })
        .collect();
    RawUi { lang, phrases }
}

/// Reports each of `keys` that `table` lacks, at `at` (the table's name).
fn require(
    table: &DeTable<'_>,
    keys: &[&str],
    path: &str,
    at: &Range<usize>,
    diag: &mut Collector<'_>,
) {
    for key in keys {
        if tree::get(table, key).is_none() {
            diag.error(at.clone(), format!("{path}: missing field \"{key}\""));
        }
    }
}

/// Calls `read` for every table under `root.key` (`[steps.welcome]` …), in
/// file order, with the sub-table's name.
fn for_each_subtable<T>(
    root: &DeTable<'_>,
    key: &str,
    diag: &mut Collector<'_>,
    mut read: impl FnMut(Str, &DeTable<'_>, &mut Collector<'_>) -> T,
) -> Vec<T> {
    let Some((_, value)) = tree::get(root, key) else {
        return Vec::new();
    };
    let Some(table) = tree::expect_table(value, key, diag) else {
        return Vec::new();
    };
    table
        .iter()
        .filter(|(name, _)| !tree::is_note_key(name.get_ref()))
        .filter_map(|(name, value)| {
            let path = join_path(key, name.get_ref());
            let sub = tree::expect_table(value, &path, diag)?;
            // Stage and outcome names have no other rule on their letters.
            tree::check_controls_in_name(name.get_ref(), name.span(), &path, diag);
            let id = Spanned::new(name.span(), name.get_ref().to_string());
            Some(read(id, sub, diag))
        })
        .collect()
}

/// Every string value of a flow comes through here, so none can carry a
/// control character (other than a line break) to the screen or the voice.
fn spanned_str(value: &Spanned<DeValue<'_>>, path: &str, diag: &mut Collector<'_>) -> Option<Str> {
    let text = tree::expect_str(value, path, diag)?.to_string();
    tree::check_controls(&text, value.span(), Controls::LineBreaksOnly, path, diag);
    Some(Spanned::new(value.span(), text))
}

fn string_field(
    table: &DeTable<'_>,
    key: &str,
    path: &str,
    diag: &mut Collector<'_>,
) -> Option<Str> {
    let (_, value) = tree::get(table, key)?;
    spanned_str(value, &join_path(path, key), diag)
}

fn texts_field(
    table: &DeTable<'_>,
    key: &str,
    path: &str,
    diag: &mut Collector<'_>,
) -> Option<RawTexts> {
    let (_, value) = tree::get(table, key)?;
    let path = join_path(path, key);
    let inner = tree::expect_table(value, &path, diag)?;
    let entries = inner
        .iter()
        .filter(|(lang, _)| !tree::is_note_key(lang.get_ref()))
        .filter_map(|(lang, text)| {
            let text = spanned_str(text, &join_path(&path, lang.get_ref()), diag)?;
            Some((Spanned::new(lang.span(), lang.get_ref().to_string()), text))
        })
        .collect();
    Some(RawTexts {
        span: value.span(),
        entries,
    })
}

fn lists_field(
    table: &DeTable<'_>,
    key: &str,
    path: &str,
    diag: &mut Collector<'_>,
) -> Option<RawLists> {
    let (_, value) = tree::get(table, key)?;
    let path = join_path(path, key);
    let inner = tree::expect_table(value, &path, diag)?;
    let entries = inner
        .iter()
        .filter(|(lang, _)| !tree::is_note_key(lang.get_ref()))
        .filter_map(|(lang, items)| {
            let item_path = join_path(&path, lang.get_ref());
            let array = tree::expect_array(items, &item_path, diag)?;
            let texts = array
                .iter()
                .filter_map(|item| spanned_str(item, &item_path, diag))
                .collect();
            let lang = Spanned::new(lang.span(), lang.get_ref().to_string());
            Some((lang, items.span(), texts))
        })
        .collect();
    Some(RawLists {
        span: value.span(),
        entries,
    })
}
