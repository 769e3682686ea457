//! One step: its id, its kind (question, note or ending) with targets that
//! exist, its stage, its text and `wait_s`; its `say` and its lists are
//! checked by `validate_say` and `validate_lists`.

use std::collections::HashMap;

use super::key_names;
use super::parse::{RawStep, Str};
use super::validate_ids::is_id;
use super::validate_lists::check_lists;
use super::validate_say::{check_say, warn_latin_without_kana};
use super::validate_texts::check_texts;
use super::{Step, StepIx, StepKind, StepWords};
use crate::diag::Collector;
use crate::msg;

/// The range of a step's `wait_s`: at least the usual idle time's order
/// (a minute), at most an hour (longer and the kiosk would sit on a
/// forgotten session).
pub const WAIT_S_RANGE: std::ops::RangeInclusive<i64> = 60..=3600;

/// Where each id of the file sits, and the declared languages: what a
/// step's references are checked against.
pub(super) struct Lookups<'a> {
    pub(super) steps: &'a HashMap<&'a str, usize>,
    pub(super) stages: &'a HashMap<&'a str, usize>,
    pub(super) outcomes: &'a HashMap<&'a str, usize>,
    pub(super) sheets: &'a HashMap<&'a str, usize>,
    /// Each sheet's title where it is valid: a print step's text by default.
    pub(super) sheet_titles: &'a [Option<super::Texts>],
    pub(super) langs: &'a [String],
}

pub(super) fn check_step(
    step: &RawStep,
    at: &Lookups<'_>,
    diag: &mut Collector<'_>,
) -> Option<Step> {
    // The flow is invalid already; the rest would only be counted.
    if diag.error_limit_reached() {
        return None;
    }
    let id = step.id.get_ref();
    let path = format!("steps.{id}");
    let id_ok = is_id(id, |c| c == '_');
    if !id_ok {
        diag.error(step.id.span(), msg!("check.step_id_bad", path = &path));
    }
    let kind = check_kind(step, &path, at, diag);
    let stage = match &step.stage {
        Some(stage) => match at.stages.get(stage.get_ref().as_str()) {
            Some(ix) => Some(Some(*ix)),
            None => {
                diag.error(
                    stage.span(),
                    msg!(
                        "check.no_stage",
                        path = format!("{path}.stage"),
                        name = stage.get_ref()
                    ),
                );
                None
            }
        },
        None => Some(None),
    };
    let text = match (&step.text, kind) {
        (Some(t), _) => check_texts(t, &format!("{path}.text"), at.langs, diag),
        (None, Some(StepKind::Print { sheet, .. })) => {
            at.sheet_titles.get(sheet).cloned().flatten()
        }
        (None, _) => None,
    };
    let say = check_say(step, &path, at.langs, diag);
    let (list, say_list) = check_lists(step, &path, at.langs, diag);
    let wait = check_wait(step, &path, diag);
    if let Some(text) = &text {
        warn_latin_without_kana(step, &path, text, at.langs, diag);
    }
    let words = StepWords {
        text: text?,
        say,
        list: list?,
        say_list: say_list?,
    };
    check_placeholders(step, &path, diag);
    Some(Step::new(id.clone(), stage?, words, kind?, wait?, at.langs)).filter(|_| id_ok)
}

/// `wait_s`, where given, within [`WAIT_S_RANGE`]. `Some(None)`: not given.
fn check_wait(
    step: &RawStep,
    path: &str,
    diag: &mut Collector<'_>,
) -> Option<Option<std::time::Duration>> {
    let Some(wait) = &step.wait_s else {
        return Some(None);
    };
    let n = *wait.get_ref();
    match u64::try_from(n) {
        Ok(secs) if WAIT_S_RANGE.contains(&n) => Some(Some(std::time::Duration::from_secs(secs))),
        _ => {
            diag.error(
                wait.span(),
                msg!(
                    "check.wait_s_out_of_range",
                    path = format!("{path}.wait_s"),
                    n = n,
                    min = WAIT_S_RANGE.start(),
                    max = WAIT_S_RANGE.end()
                ),
            );
            None
        }
    }
}

fn check_kind(
    step: &RawStep,
    path: &str,
    at: &Lookups<'_>,
    diag: &mut Collector<'_>,
) -> Option<StepKind> {
    let given = &step.kind_keys;
    let target = |field: &Option<Str>, name: &str, diag: &mut Collector<'_>| {
        let value = field.as_ref()?;
        let found = at.steps.get(value.get_ref().as_str()).copied().map(StepIx);
        if found.is_none() {
            diag.error(
                value.span(),
                msg!(
                    "check.no_step",
                    path = format!("{path}.{name}"),
                    name = value.get_ref()
                ),
            );
        }
        found
    };
    match given.as_slice() {
        ["yes", "no"] => {
            let yes = target(&step.yes, "yes", diag);
            let no = target(&step.no, "no", diag);
            Some(StepKind::Question { yes: yes?, no: no? })
        }
        ["next"] => Some(StepKind::Note {
            next: target(&step.next, "next", diag)?,
        }),
        ["next", "print"] => {
            let next = target(&step.next, "next", diag);
            let sheet = step.print.as_ref().and_then(|name| {
                let found = at.sheets.get(name.get_ref().as_str()).copied();
                if found.is_none() {
                    diag.error(
                        name.span(),
                        msg!(
                            "check.no_sheet",
                            path = format!("{path}.print"),
                            name = name.get_ref()
                        ),
                    );
                }
                found
            });
            Some(StepKind::Print {
                sheet: sheet?,
                next: next?,
            })
        }
        ["end"] => {
            let end = step.end.as_ref()?;
            match at.outcomes.get(end.get_ref().as_str()) {
                Some(ix) => Some(StepKind::Ending { outcome: *ix }),
                None => {
                    diag.error(
                        end.span(),
                        msg!(
                            "check.no_outcome",
                            path = format!("{path}.end"),
                            name = end.get_ref()
                        ),
                    );
                    None
                }
            }
        }
        _ => {
            let found = if given.is_empty() {
                msg!("check.step_kind_none")
            } else {
                msg!("check.keys_given", keys = given.join(" + "))
            };
            diag.error(
                step.id.span(),
                msg!("check.step_kind", path = path, found = found),
            );
            None
        }
    }
}

/// A `{key:…}` placeholder in a step's words that names no action would be
/// shown to the customer as written.
fn check_placeholders(step: &RawStep, path: &str, diag: &mut Collector<'_>) {
    let mut strings: Vec<(&str, &Str, &Str)> = Vec::new();
    for (field, texts) in [("text", &step.text), ("say", &step.say)] {
        for (lang, s) in texts.iter().flat_map(|t| &t.entries) {
            strings.push((field, lang, s));
        }
    }
    for (field, lists) in [("list", &step.list), ("say_list", &step.say_list)] {
        for (lang, _, items) in lists.iter().flat_map(|l| &l.entries) {
            strings.extend(items.iter().map(|s| (field, lang, s)));
        }
    }
    for (field, lang, s) in strings {
        for action in key_names::placeholders(s.get_ref()) {
            if !key_names::is_action(action) {
                diag.error(
                    s.span(),
                    key_names::unknown_action(
                        &format!("{path}.{field}.{}", lang.get_ref()),
                        action,
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::flow::load_source;

    #[test]
    fn a_placeholder_in_a_step_that_names_no_action_is_an_error_at_its_text() {
        let source =
            crate::flow::BUNDLED_SOURCE.replacen("{key:yes} when done", "{key:yse} when done", 1);
        let loaded = load_source("f.toml", &source);
        let errors: Vec<String> = loaded.errors().map(|d| d.to_string()).collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains("{key:yse} names no action (the actions: yes, no,"),
            "{errors:?}"
        );
        let line = source[..source.find("{key:yse}").unwrap()].lines().count();
        assert!(
            errors[0].starts_with(&format!("f.toml:{line}:")),
            "{errors:?}"
        );
    }
}
