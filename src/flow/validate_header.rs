//! The `[flow]` table: its presence, the flow's id, its languages (each a
//! language code, none twice, at most `MAX_LANGUAGES`) and its title.

use std::collections::HashSet;

use super::parse::{RawFlow, Str};
use super::validate_ids::{is_id, is_language_code};
use super::validate_texts::check_texts;
use super::Texts;
use crate::diag::Collector;
use crate::msg;

/// More languages than a customer would cycle through with one key; the
/// cap also keeps checking bounded, as every text is checked for each.
const MAX_LANGUAGES: usize = 32;

pub(super) struct Header {
    pub(super) id: Option<String>,
    pub(super) start: Option<Str>,
    pub(super) languages: Vec<String>,
    pub(super) title: Option<Texts>,
}

impl Header {
    pub(super) fn check(raw: &RawFlow, diag: &mut Collector<'_>) -> Header {
        if !raw.has_flow_table {
            diag.error(0..0, msg!("check.flow_table_missing"));
        }
        let id = raw.id.as_ref().and_then(|id| {
            if is_id(id.get_ref(), |c| c == '-') {
                Some(id.get_ref().clone())
            } else {
                diag.error(id.span(), msg!("check.flow_id_bad", id = id.get_ref()));
                None
            }
        });
        let languages = check_languages(raw, diag);
        let title = raw
            .title
            .as_ref()
            .and_then(|t| check_texts(t, "flow.title", &languages, diag));
        Header {
            id,
            start: raw.start.clone(),
            languages,
            title,
        }
    }
}

fn check_languages(raw: &RawFlow, diag: &mut Collector<'_>) -> Vec<String> {
    // A missing or mistyped `languages` was reported by `parse`.
    let Some((span, langs)) = &raw.languages else {
        return Vec::new();
    };
    if langs.is_empty() {
        diag.error(span.clone(), msg!("check.languages_empty"));
    }
    if langs.len() > MAX_LANGUAGES {
        diag.error(
            span.clone(),
            msg!(
                "check.languages_too_many",
                count = langs.len(),
                max = MAX_LANGUAGES
            ),
        );
        // As with none declared: the one error says it all.
        return Vec::new();
    }
    let mut seen = HashSet::new();
    for lang in langs {
        if !is_language_code(lang.get_ref()) {
            diag.error(
                lang.span(),
                msg!("check.language_code_bad", code = lang.get_ref()),
            );
        }
        if !seen.insert(lang.get_ref().as_str()) {
            diag.error(
                lang.span(),
                msg!("check.language_twice", code = lang.get_ref()),
            );
        }
    }
    langs.iter().map(|l| l.get_ref().clone()).collect()
}
