//! First stage of loading: the TOML tree, with positions, into raw records.
//! This stage checks shapes only (tables, strings, arrays, unknown and
//! missing fields); every rule between fields is `validate`'s. A field of the
//! wrong type is reported once, as such, and then left out, so it is not
//! also reported as missing.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diag::Collector;
use crate::msg;
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
    /// `print = "SHEET"`: a print step (with `next`).
    pub print: Option<Str>,
    /// `wait_s = N`: the idle warning comes after N seconds on this step.
    pub wait_s: Option<Spanned<i64>>,
    /// Which of yes, no, next, end, print the table has, in that order, whatever
    /// their values: a mistyped `next` still makes the step a note.
    pub kind_keys: Vec<&'static str>,
}

/// One block of a sheet: a table with exactly one of its four keys.
#[derive(Debug)]
pub enum RawBlock {
    Heading(Str),
    Paragraph(Str),
    Bullets(Range<usize>, Vec<Str>),
    Lines(Range<usize>, Vec<Str>),
}

/// A language, its array's span, and its blocks.
pub type RawLangBlocks = (Str, Range<usize>, Vec<RawBlock>);

#[derive(Debug)]
pub struct RawSheet {
    pub id: Str,
    pub title: Option<RawTexts>,
    pub size: Option<Spanned<i64>>,
    /// The `blocks` table's span, and per language its span and blocks.
    pub blocks: Option<(Range<usize>, Vec<RawLangBlocks>)>,
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
    pub sheets: Vec<RawSheet>,
}

const ROOT_KEYS: &[&str] = &["flow", "stages", "outcomes", "steps", "ui", "sheets"];
const FLOW_KEYS: &[&str] = &["id", "start", "languages", "title"];
const NAMED_KEYS: &[&str] = &["title"];
const STEP_KEYS: &[&str] = &[
    "stage", "text", "say", "list", "say_list", "yes", "no", "next", "end", "print", "wait_s",
];
const KIND_KEYS: [&str; 5] = ["yes", "no", "next", "end", "print"];
const SHEET_KEYS: &[&str] = &["title", "size", "blocks"];
const BLOCK_KEYS: &[&str] = &["heading", "paragraph", "bullets", "lines"];

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
    raw.sheets = for_each_subtable(root, "sheets", diag, |id, table, diag| {
        read_sheet(id, table, diag)
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
    // A print step shows its sheet's title when it has no text of its own.
    if tree::get(table, "print").is_none() {
        require(table, &["text"], &path, &id.span(), diag);
    }
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
        print: string_field(table, "print", &path, diag),
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

fn read_sheet(id: Str, table: &DeTable<'_>, diag: &mut Collector<'_>) -> RawSheet {
    let path = join_path("sheets", id.get_ref());
    tree::reject_unknown_keys(table, SHEET_KEYS, &path, diag);
    require(table, &["title", "blocks"], &path, &id.span(), diag);
    let size = tree::get(table, "size").and_then(|(_, value)| {
        let n = tree::expect_integer(value, &join_path(&path, "size"), diag)?;
        Some(Spanned::new(value.span(), n))
    });
    let blocks = tree::get(table, "blocks").and_then(|(_, value)| {
        let blocks_path = join_path(&path, "blocks");
        let inner = tree::expect_table(value, &blocks_path, diag)?;
        let per_lang = inner
            .iter()
            .filter(|(lang, _)| !tree::is_note_key(lang.get_ref()))
            .filter_map(|(lang, items)| {
                let lang_path = join_path(&blocks_path, lang.get_ref());
                let array = tree::expect_array(items, &lang_path, diag)?;
                let blocks = array
                    .iter()
                    .filter_map(|item| read_block(item, &lang_path, diag))
                    .collect();
                let lang = Spanned::new(lang.span(), lang.get_ref().to_string());
                Some((lang, items.span(), blocks))
            })
            .collect();
        Some((value.span(), per_lang))
    });
    RawSheet {
        title: texts_field(table, "title", &path, diag),
        size,
        blocks,
        id,
    }
}

/// `{ heading = "…" }`, `{ paragraph = "…" }`, `{ bullets = […] }` or
/// `{ lines = […] }`: exactly one key.
fn read_block(
    value: &Spanned<DeValue<'_>>,
    path: &str,
    diag: &mut Collector<'_>,
) -> Option<RawBlock> {
    let table = tree::expect_table(value, path, diag)?;
    tree::reject_unknown_keys(table, BLOCK_KEYS, path, diag);
    let given: Vec<&str> = BLOCK_KEYS
        .iter()
        .copied()
        .filter(|key| tree::get(table, key).is_some())
        .collect();
    let [key] = given.as_slice() else {
        diag.error(
            value.span(),
            msg!(
                "check.block_kind",
                path = path,
                found = if given.is_empty() {
                    msg!("check.block_kind_none")
                } else {
                    msg!("check.keys_given", keys = given.join(" + "))
                }
            ),
        );
        return None;
    };
    let items = |diag: &mut Collector<'_>| {
        let (_, v) = tree::get(table, key)?;
        let item_path = join_path(path, key);
        let array = tree::expect_array(v, &item_path, diag)?;
        let texts: Vec<Str> = array
            .iter()
            .filter_map(|item| spanned_str(item, &item_path, diag))
            .collect();
        Some((v.span(), texts))
    };
    match *key {
        "heading" => string_field(table, "heading", path, diag).map(RawBlock::Heading),
        "paragraph" => string_field(table, "paragraph", path, diag).map(RawBlock::Paragraph),
        "bullets" => items(diag).map(|(span, t)| RawBlock::Bullets(span, t)),
        _ => items(diag).map(|(span, t)| RawBlock::Lines(span, t)),
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
            diag.error(
                at.clone(),
                msg!("check.missing_field", path = path, key = key),
            );
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
