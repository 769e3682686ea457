//! A step's bullet `list` and its spoken `say_list`: every language given,
//! the same number of items in each, and a `say_list` only beside a list of
//! as many items.

use super::parse::{RawLists, RawStep};
use super::validate_texts::reject_unknown_languages;
use crate::diag::Collector;
use crate::msg;

pub(super) type CheckedLists = (Option<Vec<Vec<String>>>, Option<Vec<Option<Vec<String>>>>);

pub(super) fn check_lists(
    step: &RawStep,
    path: &str,
    langs: &[String],
    diag: &mut Collector<'_>,
) -> CheckedLists {
    let list_path = format!("{path}.list");
    let say_path = format!("{path}.say_list");
    let list = match &step.list {
        None => Some(vec![Vec::new(); langs.len()]),
        Some(list) => check_list_languages(list, &list_path, langs, diag),
    };
    let Some(say_list) = &step.say_list else {
        return (list, Some(vec![None; langs.len()]));
    };
    reject_unknown_languages(
        say_list.entries.iter().map(|(l, _, _)| l),
        &say_path,
        langs,
        diag,
    );
    let mut ok = true;
    for (lang, span, items) in &say_list.entries {
        let list_items = step.list.as_ref().and_then(|l| {
            l.entries
                .iter()
                .find(|(l, _, _)| l.get_ref() == lang.get_ref())
        });
        match list_items {
            None => {
                diag.error(
                    span.clone(),
                    msg!(
                        "check.say_list_without_list",
                        path = format!("{say_path}.{}", lang.get_ref())
                    ),
                );
                ok = false;
            }
            Some((_, _, list_items)) if list_items.len() != items.len() => {
                diag.error(
                    span.clone(),
                    msg!(
                        "check.list_count_mismatch",
                        path = format!("{say_path}.{}", lang.get_ref()),
                        items = count_items(items.len()),
                        other = format!("{list_path}.{}", lang.get_ref()),
                        n = list_items.len()
                    ),
                );
                ok = false;
            }
            Some(_) => {}
        }
    }
    let say_list = langs
        .iter()
        .map(|lang| {
            say_list
                .entries
                .iter()
                .find(|(l, _, _)| l.get_ref() == lang)
                .map(|(_, _, items)| items.iter().map(|i| i.get_ref().clone()).collect())
        })
        .collect();
    (list, ok.then_some(say_list))
}

fn check_list_languages(
    list: &RawLists,
    path: &str,
    langs: &[String],
    diag: &mut Collector<'_>,
) -> Option<Vec<Vec<String>>> {
    reject_unknown_languages(list.entries.iter().map(|(l, _, _)| l), path, langs, diag);
    let mut out = Vec::with_capacity(langs.len());
    let mut expected: Option<(&str, usize)> = None;
    let mut ok = true;
    for lang in langs {
        let Some((_, span, items)) = list.entries.iter().find(|(l, _, _)| l.get_ref() == lang)
        else {
            diag.error(
                list.span.clone(),
                msg!("check.list_missing_language", path = path, lang = lang),
            );
            ok = false;
            continue;
        };
        match expected {
            None => expected = Some((lang, items.len())),
            Some((first, count)) if count != items.len() => {
                diag.error(
                    span.clone(),
                    msg!(
                        "check.list_count_mismatch",
                        path = format!("{path}.{lang}"),
                        items = count_items(items.len()),
                        other = format!("{path}.{first}"),
                        n = count
                    ),
                );
                ok = false;
            }
            Some(_) => {}
        }
        out.push(items.iter().map(|i| i.get_ref().clone()).collect());
    }
    ok.then_some(out)
}

fn count_items(n: usize) -> crate::messages::Message {
    if n == 1 {
        msg!("check.items_one")
    } else {
        msg!("check.items_many", n = n)
    }
}
