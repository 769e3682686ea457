//! Per-language texts, the rule every titled or spoken field shares: each
//! declared language given and not blank, and no language the flow does not
//! declare.

use super::parse::{RawTexts, Str};
use super::Texts;
use crate::diag::Collector;

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
                diag.error(text.span(), format!("{path}.{lang}: empty text"));
                complete = false;
            }
            Some((_, text)) => out.push(text.get_ref().clone()),
            None => {
                diag.error(
                    texts.span.clone(),
                    format!("{path}: missing the \"{lang}\" text"),
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
                format!(
                    "{path}: \"{}\" is not one of the flow's languages ({})",
                    lang.get_ref(),
                    langs.join(", ")
                ),
            );
        }
    }
}
