//! The `[sheets.ID]` tables (issue 16): an id of the step-id form, a title
//! in every language, a body size within [`SIZE_RANGE`], and blocks for
//! every declared language (and no other), none of them blank. Whether a
//! sheet fits on one page is `kiosk check`'s, which lays it out.

use std::collections::HashMap;

use super::parse::{RawBlock, RawSheet, Str};
use super::sheet::{Block, Sheet, DEFAULT_SIZE_PT, SIZE_RANGE};
use super::validate_ids::is_id;
use super::validate_texts::{check_texts, reject_unknown_languages};
use crate::diag::Collector;
use crate::msg;

/// Each sheet checked, in file order (`None` where one has errors).
pub(super) fn check_sheets(
    raw: &[RawSheet],
    langs: &[String],
    diag: &mut Collector<'_>,
) -> Vec<Option<Sheet>> {
    raw.iter().map(|s| check_sheet(s, langs, diag)).collect()
}

/// Sheet id → its index in the file.
pub(super) fn sheet_index(raw: &[RawSheet]) -> HashMap<&str, usize> {
    raw.iter()
        .enumerate()
        .map(|(i, s)| (s.id.get_ref().as_str(), i))
        .collect()
}

fn check_sheet(raw: &RawSheet, langs: &[String], diag: &mut Collector<'_>) -> Option<Sheet> {
    let id = raw.id.get_ref();
    let path = format!("sheets.{id}");
    let id_ok = is_id(id, |c| c == '_');
    if !id_ok {
        diag.error(raw.id.span(), msg!("check.sheet_id_bad", path = &path));
    }
    let title = raw
        .title
        .as_ref()
        .and_then(|t| check_texts(t, &format!("{path}.title"), langs, diag));
    let size_pt = match &raw.size {
        None => Some(DEFAULT_SIZE_PT),
        Some(size) => {
            let n = *size.get_ref();
            let ok = SIZE_RANGE
                .contains(&n)
                .then(|| u32::try_from(n).ok())
                .flatten();
            if ok.is_none() {
                diag.error(
                    size.span(),
                    msg!(
                        "check.sheet_size_out_of_range",
                        path = format!("{path}.size"),
                        n = n,
                        min = SIZE_RANGE.start(),
                        max = SIZE_RANGE.end()
                    ),
                );
            }
            ok
        }
    };
    let blocks = raw.blocks.as_ref().and_then(|(span, per_lang)| {
        let blocks_path = format!("{path}.blocks");
        reject_unknown_languages(
            per_lang.iter().map(|(l, _, _)| l),
            &blocks_path,
            langs,
            diag,
        );
        let mut out = Vec::with_capacity(langs.len());
        let mut complete = true;
        for lang in langs {
            match per_lang.iter().find(|(l, _, _)| l.get_ref() == lang) {
                Some((_, at, blocks)) if blocks.is_empty() => {
                    diag.error(
                        at.clone(),
                        msg!("check.no_blocks", path = format!("{blocks_path}.{lang}")),
                    );
                    complete = false;
                }
                Some((_, _, blocks)) => {
                    let lang_path = format!("{blocks_path}.{lang}");
                    match check_blocks(blocks, &lang_path, diag) {
                        Some(blocks) => out.push(blocks),
                        None => complete = false,
                    }
                }
                None => {
                    diag.error(
                        span.clone(),
                        msg!(
                            "check.blocks_missing_language",
                            path = &blocks_path,
                            lang = lang
                        ),
                    );
                    complete = false;
                }
            }
        }
        complete.then_some(out)
    });
    let sheet = Sheet {
        id: id.clone(),
        title: title?,
        size_pt: size_pt?,
        blocks: blocks?,
        at: raw.id.span(),
    };
    id_ok.then_some(sheet)
}

fn check_blocks(raw: &[RawBlock], path: &str, diag: &mut Collector<'_>) -> Option<Vec<Block>> {
    let mut ok = true;
    let mut text = |s: &Str, diag: &mut Collector<'_>| {
        if s.get_ref().trim().is_empty() {
            diag.error(s.span(), msg!("check.empty_text", path = path));
            ok = false;
        }
        s.get_ref().clone()
    };
    let mut items = |span: &std::ops::Range<usize>, list: &[Str], diag: &mut Collector<'_>| {
        if list.is_empty() {
            diag.error(span.clone(), msg!("check.empty_list", path = path));
        }
        list.iter().map(|s| text(s, diag)).collect::<Vec<_>>()
    };
    let blocks: Vec<Block> = raw
        .iter()
        .map(|block| match block {
            RawBlock::Heading(s) => {
                Block::Heading(items(&s.span(), std::slice::from_ref(s), diag).concat())
            }
            RawBlock::Paragraph(s) => {
                Block::Paragraph(items(&s.span(), std::slice::from_ref(s), diag).concat())
            }
            RawBlock::Bullets(span, list) => Block::Bullets(items(span, list, diag)),
            RawBlock::Lines(span, list) => Block::Lines(items(span, list, diag)),
        })
        .collect();
    let empty_list = raw.iter().any(|b| match b {
        RawBlock::Bullets(_, l) | RawBlock::Lines(_, l) => l.is_empty(),
        RawBlock::Heading(_) | RawBlock::Paragraph(_) => false,
    });
    (ok && !empty_list).then_some(blocks)
}
