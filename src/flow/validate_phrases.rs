//! The fixed phrases (prompts, key guide, help…) for every language: the
//! built-in tables plus `[ui.LANG]` overrides, each override a known phrase
//! with the placeholders the kiosk fills in.

use super::parse::RawFlow;
use super::phrases::{Phrase, PhraseTable};
use super::validate_texts::reject_unknown_languages;
use crate::diag::Collector;
use crate::msg;

/// The fixed phrases for every language: built-ins plus `[ui.LANG]`.
pub(super) fn check_phrases(
    raw: &RawFlow,
    langs: &[String],
    diag: &mut Collector<'_>,
) -> Option<Vec<PhraseTable>> {
    reject_unknown_languages(raw.ui.iter().map(|u| &u.lang), "ui", langs, diag);
    let mut tables = Vec::with_capacity(langs.len());
    let mut ok = true;
    for (i, lang) in langs.iter().enumerate() {
        if diag.error_limit_reached() {
            return None;
        }
        let ui = raw.ui.iter().find(|u| u.lang.get_ref() == lang);
        let overrides = ui.map_or_else(Vec::new, |ui| check_overrides(ui, diag));
        match PhraseTable::resolve(lang, &overrides) {
            Ok(table) => tables.push(table),
            Err(missing) => {
                let names: Vec<&str> = missing.iter().map(|p| p.name()).collect();
                let at = ui.map(|u| u.lang.span()).or_else(|| {
                    raw.languages
                        .as_ref()
                        .and_then(|(_, l)| l.get(i))
                        .map(|l| l.span())
                });
                let path = format!("ui.{lang}");
                let message = if ui.is_some() {
                    msg!(
                        "check.phrases_missing",
                        path = path,
                        count = names.len(),
                        lang = lang,
                        names = names.join(", ")
                    )
                } else {
                    msg!(
                        "check.phrases_none_built_in",
                        path = path,
                        lang = lang,
                        names = names.join(", ")
                    )
                };
                diag.error(at.unwrap_or(0..0), message);
                ok = false;
            }
        }
    }
    ok.then_some(tables)
}

fn check_overrides(ui: &super::parse::RawUi, diag: &mut Collector<'_>) -> Vec<(Phrase, String)> {
    let lang = ui.lang.get_ref();
    ui.phrases
        .iter()
        .filter_map(|(name, text)| {
            let Some(phrase) = Phrase::from_name(name.get_ref()) else {
                diag.error(
                    name.span(),
                    msg!(
                        "check.unknown_phrase",
                        path = format!("ui.{lang}"),
                        name = name.get_ref()
                    ),
                );
                return None;
            };
            for placeholder in phrase.placeholders() {
                if !text.get_ref().contains(placeholder) {
                    diag.warning(
                        text.span(),
                        msg!(
                            "check.phrase_lacks_placeholder",
                            path = format!("ui.{lang}.{phrase}"),
                            placeholder = placeholder
                        ),
                    );
                }
            }
            Some((phrase, text.get_ref().clone()))
        })
        .collect()
}
