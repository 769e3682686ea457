//! What a step's voice says: its `say` per language (not blank, a warning
//! when very long), and a warning where Japanese shown text or list items
//! have Latin letters with no kana reading for the voice.

use super::parse::{RawStep, RawTexts};
use super::validate_texts::reject_unknown_languages;
use super::Texts;
use crate::diag::Collector;
use crate::msg;

/// A `say` longer than this is probably a paste error; it is only a warning.
const SAY_WARN_CHARS: usize = 400;

pub(super) fn check_say(
    step: &RawStep,
    path: &str,
    langs: &[String],
    diag: &mut Collector<'_>,
) -> Vec<Option<String>> {
    let Some(say) = &step.say else {
        return vec![None; langs.len()];
    };
    let say_path = format!("{path}.say");
    reject_unknown_languages(say.entries.iter().map(|(l, _)| l), &say_path, langs, diag);
    for (lang, text) in &say.entries {
        let chars = text.get_ref().chars().count();
        if text.get_ref().trim().is_empty() {
            diag.error(
                text.span(),
                msg!(
                    "check.say_empty",
                    path = format!("{say_path}.{}", lang.get_ref())
                ),
            );
        } else if chars > SAY_WARN_CHARS {
            diag.warning(
                text.span(),
                msg!(
                    "check.say_long",
                    path = format!("{say_path}.{}", lang.get_ref()),
                    chars = chars,
                    max = SAY_WARN_CHARS
                ),
            );
        }
    }
    langs
        .iter()
        .map(|lang| {
            say.entries
                .iter()
                .find(|(l, _)| l.get_ref() == lang)
                .map(|(_, t)| t.get_ref().clone())
        })
        .collect()
}

/// A kana-only voice spells Latin letters out oddly ("SMS", "URL"), so a
/// Japanese text with them should come with a kana reading.
pub(super) fn warn_latin_without_kana(
    step: &RawStep,
    path: &str,
    text: &Texts,
    langs: &[String],
    diag: &mut Collector<'_>,
) {
    let Some(ja) = langs.iter().position(|l| l == "ja") else {
        return;
    };
    let has_say = |texts: &Option<RawTexts>| {
        texts
            .as_ref()
            .is_some_and(|t| t.entries.iter().any(|(l, _)| l.get_ref() == "ja"))
    };
    if has_latin(text.get(super::LangIx(ja))) && !has_say(&step.say) {
        let at = step
            .text
            .as_ref()
            .and_then(|t| t.entries.iter().find(|(l, _)| l.get_ref() == "ja"))
            .map_or(step.id.span(), |(_, t)| t.span());
        diag.warning(
            at,
            msg!("check.latin_without_say", path = format!("{path}.text.ja")),
        );
    }
    let has_say_list = step
        .say_list
        .as_ref()
        .is_some_and(|t| t.entries.iter().any(|(l, _, _)| l.get_ref() == "ja"));
    let latin_item = step.list.as_ref().and_then(|l| {
        l.entries
            .iter()
            .filter(|(l, _, _)| l.get_ref() == "ja")
            .flat_map(|(_, _, items)| items)
            .find(|i| has_latin(i.get_ref()))
    });
    if let (Some(item), false) = (latin_item, has_say_list) {
        diag.warning(
            item.span(),
            msg!(
                "check.latin_without_say_list",
                path = format!("{path}.list.ja")
            ),
        );
    }
}

fn has_latin(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_ascii_alphabetic() || ('Ａ'..='ｚ').contains(&c))
}
