//! Per-language texts, the rule every titled or spoken field shares: each
//! declared language given and not blank, and no language the flow does not
//! declare.

use super::parse::{RawTexts, Str};
use super::Texts;
use crate::diag::Collector;
use crate::msg;

/// A per-language text: every declared language given, no other language.
pub(super) fn check_texts(
    texts: &RawTexts,
    path: &str,
    langs: &[String],
    diag: &mut Collector<'_>,
) -> Option<Texts> {
    reject_unknown_languages(texts.entries.iter().map(|(l, _)| l), path, langs, diag);
    let mut out = Vec::with_capacity(langs.len());
    let mut complete = true;
    for lang in langs {
        match texts.entries.iter().find(|(l, _)| l.get_ref() == lang) {
            Some((_, text)) if text.get_ref().trim().is_empty() => {
                diag.error(
                    text.span(),
                    msg!("check.empty_text", path = format!("{path}.{lang}")),
                );
                complete = false;
            }
            Some((_, text)) => out.push(text.get_ref().clone()),
            None => {
                diag.error(
                    texts.span.clone(),
                    msg!("check.text_missing_language", path = path, lang = lang),
                );
                complete = false;
            }
        }
    }
    complete.then_some(Texts(out))
}

pub(super) fn reject_unknown_languages<'a>(
    given: impl Iterator<Item = &'a Str>,
    path: &str,
    langs: &[String],
    diag: &mut Collector<'_>,
) {
    // With no languages declared, that one error says it all.
    if langs.is_empty() {
        return;
    }
    for lang in given {
        if !langs.contains(lang.get_ref()) {
            diag.error(
                lang.span(),
                msg!(
                    "check.language_undeclared",
                    path = path,
                    lang = lang.get_ref(),
                    langs = langs.join(", ")
                ),
            );
        }
    }
}
