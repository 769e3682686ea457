//! Second stage of loading: every rule of DESIGN section 3 over the raw
//! records, reporting all problems at their positions, then building the
//! validated [`Flow`] when there are no errors.

use std::collections::{HashMap, HashSet, VecDeque};

use super::parse::{RawFlow, RawLists, RawNamed, RawStep, RawTexts, Str};
use super::phrases::{Phrase, PhraseTable};
use super::{Flow, Outcome, Stage, Step, StepIx, StepKind, Texts};
use crate::diag::Collector;

/// A `say` longer than this is probably a paste error; it is only a warning.
const SAY_WARN_CHARS: usize = 400;

/// The range of a step's `wait_s`: at least the usual idle time's order
/// (a minute), at most an hour (longer and the kiosk would sit on a
/// forgotten session).
pub const WAIT_S_RANGE: std::ops::RangeInclusive<i64> = 60..=3600;

/// More languages than a customer would cycle through with one key; the
/// cap also keeps checking bounded, as every text is checked for each.
const MAX_LANGUAGES: usize = 32;

/// Outcomes the kiosk writes itself; a flow may not reuse them.
const RESERVED_OUTCOMES: &[&str] = &["abandoned", "restarted"];

pub fn validate(raw: RawFlow, hash: String, diag: &mut Collector<'_>) -> Option<Flow> {
    if raw.syntax_broken {
        return None;
    }
    let header = Header::check(&raw, diag);
    let langs: Vec<String> = header.languages.clone();
    let stages = check_named(&raw.stages, "stages", &langs, diag);
    let outcomes = check_named(&raw.outcomes, "outcomes", &langs, diag);
    check_reserved_outcomes(&raw.outcomes, diag);
    let phrases = check_phrases(&raw, &langs, diag);

    let step_index: HashMap<&str, usize> = raw
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.get_ref().as_str(), i))
        .collect();
    let stage_index = index_of(&raw.stages);
    let outcome_index = index_of(&raw.outcomes);
    let lookups = Lookups {
        steps: &step_index,
        stages: &stage_index,
        outcomes: &outcome_index,
        langs: &langs,
    };

    let steps: Vec<Option<Step>> = raw
        .steps
        .iter()
        .map(|step| check_step(step, &lookups, diag))
        .collect();
    let start = header.start.as_ref().and_then(|start| {
        let found = step_index.get(start.get_ref().as_str()).copied();
        if found.is_none() {
            diag.error(
                start.span(),
                format!("flow.start: no step named \"{}\"", start.get_ref()),
            );
        }
        found
    });

    let steps: Option<Vec<Step>> = steps.into_iter().collect();
    if let (Some(steps), Some(start)) = (&steps, start) {
        check_graph(&raw.steps, steps, StepIx(start), diag);
    }
    // From the raw steps, so these warnings come with the file's other
    // problems rather than only once the steps are all valid.
    // Sets, not a scan of the steps per name: 60,000 stages by 60,000 steps
    // took minutes.
    let used = |field: fn(&RawStep) -> &Option<Str>| -> HashSet<&str> {
        raw.steps
            .iter()
            .filter_map(|s| field(s).as_ref().map(|v| v.get_ref().as_str()))
            .collect()
    };
    let used_stages = used(|s| &s.stage);
    let used_outcomes = used(|s| &s.end);
    warn_unused(&raw.stages, "stage", |id| used_stages.contains(id), diag);
    warn_unused(
        &raw.outcomes,
        "outcome",
        |id| used_outcomes.contains(id),
        diag,
    );

    if diag.has_errors() {
        return None;
    }
    let flow = Flow {
        id: header.id?,
        start: StepIx(start?),
        languages: langs,
        title: header.title?,
        stages: stages?
            .into_iter()
            .zip(&raw.stages)
            .map(|(title, s)| Stage {
                id: s.id.get_ref().clone(),
                title,
            })
            .collect(),
        outcomes: outcomes?
            .into_iter()
            .zip(&raw.outcomes)
            .map(|(title, o)| Outcome {
                id: o.id.get_ref().clone(),
                title,
            })
            .collect(),
        steps: steps?,
        phrases: phrases?,
        hash,
    };
    super::lint::warn(&flow, &raw.steps, diag);
    Some(flow)
}

struct Header {
    id: Option<String>,
    start: Option<Str>,
    languages: Vec<String>,
    title: Option<Texts>,
}

impl Header {
    fn check(raw: &RawFlow, diag: &mut Collector<'_>) -> Header {
        if !raw.has_flow_table {
            diag.error(
                0..0,
                "missing the [flow] table (id, start, languages, title)",
            );
        }
        let id = raw.id.as_ref().and_then(|id| {
            if is_id(id.get_ref(), |c| c == '-') {
                Some(id.get_ref().clone())
            } else {
                diag.error(
                    id.span(),
                    format!(
                        "flow.id: \"{}\" must be lowercase letters, digits and - only",
                        id.get_ref()
                    ),
                );
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
        diag.error(span.clone(), "flow.languages: give at least one language");
    }
    if langs.len() > MAX_LANGUAGES {
        diag.error(
            span.clone(),
            format!(
                "flow.languages: {} languages is more than the {MAX_LANGUAGES} a kiosk offers",
                langs.len()
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
                format!(
                    "flow.languages: \"{}\" is not a language code such as \"ja\" or \"en\"",
                    lang.get_ref()
                ),
            );
        }
        if !seen.insert(lang.get_ref().as_str()) {
            diag.error(
                lang.span(),
                format!("flow.languages: \"{}\" is listed twice", lang.get_ref()),
            );
        }
    }
    langs.iter().map(|l| l.get_ref().clone()).collect()
}

fn is_language_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn is_id(id: &str, extra: impl Fn(char) -> bool) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || extra(c))
}

/// A per-language text: every declared language given, no other language.
fn check_texts(
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

fn reject_unknown_languages<'a>(
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

fn check_named(
    named: &[RawNamed],
    kind: &str,
    langs: &[String],
    diag: &mut Collector<'_>,
) -> Option<Vec<Texts>> {
    named
        .iter()
        .map(|n| {
            if diag.error_limit_reached() {
                return None;
            }
            // A missing title was reported by `parse`.
            let path = format!("{kind}.{}.title", n.id.get_ref());
            n.title
                .as_ref()
                .and_then(|t| check_texts(t, &path, langs, diag))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

fn check_reserved_outcomes(outcomes: &[RawNamed], diag: &mut Collector<'_>) {
    for o in outcomes {
        if RESERVED_OUTCOMES.contains(&o.id.get_ref().as_str()) {
            diag.error(
                o.id.span(),
                format!(
                    "outcomes.{0}: \"{0}\" is written by the kiosk itself; choose another name",
                    o.id.get_ref()
                ),
            );
        }
    }
}

fn index_of(named: &[RawNamed]) -> HashMap<&str, usize> {
    named
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.get_ref().as_str(), i))
        .collect()
}

struct Lookups<'a> {
    steps: &'a HashMap<&'a str, usize>,
    stages: &'a HashMap<&'a str, usize>,
    outcomes: &'a HashMap<&'a str, usize>,
    langs: &'a [String],
}

fn check_step(step: &RawStep, at: &Lookups<'_>, diag: &mut Collector<'_>) -> Option<Step> {
    // The flow is invalid already; the rest would only be counted.
    if diag.error_limit_reached() {
        return None;
    }
    let id = step.id.get_ref();
    let path = format!("steps.{id}");
    let id_ok = is_id(id, |c| c == '_');
    if !id_ok {
        diag.error(
            step.id.span(),
            format!("{path}: step ids must be lowercase letters, digits and _ only"),
        );
    }
    let kind = check_kind(step, &path, at, diag);
    let stage = match &step.stage {
        Some(stage) => match at.stages.get(stage.get_ref().as_str()) {
            Some(ix) => Some(Some(*ix)),
            None => {
                diag.error(
                    stage.span(),
                    format!("{path}.stage: no stage named \"{}\"", stage.get_ref()),
                );
                None
            }
        },
        None => Some(None),
    };
    let text = step
        .text
        .as_ref()
        .and_then(|t| check_texts(t, &format!("{path}.text"), at.langs, diag));
    let say = check_say(step, &path, at.langs, diag);
    let (list, say_list) = check_lists(step, &path, at.langs, diag);
    let wait = check_wait(step, &path, diag);
    if let Some(text) = &text {
        warn_latin_without_kana(step, &path, text, at.langs, diag);
    }
    Some(Step {
        id: id.clone(),
        stage: stage?,
        text: text?,
        say,
        list: list?,
        say_list: say_list?,
        kind: kind?,
        wait: wait?,
    })
    .filter(|_| id_ok)
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
                format!(
                    "{path}.wait_s: {n} is out of range ({} to {} seconds)",
                    WAIT_S_RANGE.start(),
                    WAIT_S_RANGE.end()
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
                format!("{path}.{name}: no step named \"{}\"", value.get_ref()),
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
        ["end"] => {
            let end = step.end.as_ref()?;
            match at.outcomes.get(end.get_ref().as_str()) {
                Some(ix) => Some(StepKind::Ending { outcome: *ix }),
                None => {
                    diag.error(
                        end.span(),
                        format!("{path}.end: no outcome named \"{}\"", end.get_ref()),
                    );
                    None
                }
            }
        }
        _ => {
            let found = if given.is_empty() {
                "none of yes, no, next, end".to_string()
            } else {
                given.join(" + ")
            };
            diag.error(
                step.id.span(),
                format!(
                    "{path}: a step must be exactly one of question (yes + no), note (next) \
                     or ending (end); found {found}"
                ),
            );
            None
        }
    }
}

fn check_say(
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
                format!(
                    "{say_path}.{}: empty say (the voice would say nothing)",
                    lang.get_ref()
                ),
            );
        } else if chars > SAY_WARN_CHARS {
            diag.warning(
                text.span(),
                format!(
                    "{say_path}.{}: {chars} characters is long to listen to (over {SAY_WARN_CHARS})",
                    lang.get_ref()
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

type CheckedLists = (Option<Vec<Vec<String>>>, Option<Vec<Option<Vec<String>>>>);

fn check_lists(
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
                    format!(
                        "{say_path}.{}: there is no list for this language",
                        lang.get_ref()
                    ),
                );
                ok = false;
            }
            Some((_, _, list_items)) if list_items.len() != items.len() => {
                diag.error(
                    span.clone(),
                    format!(
                        "{say_path}.{lang}: {}, but {list_path}.{lang} has {}",
                        count_items(items.len()),
                        list_items.len(),
                        lang = lang.get_ref(),
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
                format!("{path}: missing the \"{lang}\" items"),
            );
            ok = false;
            continue;
        };
        match expected {
            None => expected = Some((lang, items.len())),
            Some((first, count)) if count != items.len() => {
                diag.error(
                    span.clone(),
                    format!(
                        "{path}.{lang}: {}, but {path}.{first} has {count}",
                        count_items(items.len())
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

fn count_items(n: usize) -> String {
    if n == 1 {
        "1 item".to_string()
    } else {
        format!("{n} items")
    }
}

/// A kana-only voice spells Latin letters out oddly ("SMS", "URL"), so a
/// Japanese text with them should come with a kana reading.
fn warn_latin_without_kana(
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
            format!("{path}.text.ja: has Latin letters but no kana say.ja for the voice"),
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
            format!("{path}.list.ja: has Latin letters but no kana say_list.ja for the voice"),
        );
    }
}

fn has_latin(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_ascii_alphabetic() || ('Ａ'..='ｚ').contains(&c))
}

/// Every step reachable from start, and an ending reachable from every step.
fn check_graph(raw: &[RawStep], steps: &[Step], start: StepIx, diag: &mut Collector<'_>) {
    let successors = |s: &Step| -> Vec<usize> {
        match s.kind {
            StepKind::Question { yes, no } => vec![yes.0, no.0],
            StepKind::Note { next } => vec![next.0],
            StepKind::Ending { .. } => Vec::new(),
        }
    };
    let reachable = spread(steps.len(), [start.0], |i| successors(&steps[i]));
    let mut predecessors = vec![Vec::new(); steps.len()];
    for (i, s) in steps.iter().enumerate() {
        for j in successors(s) {
            predecessors[j].push(i);
        }
    }
    let endings = steps
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s.kind, StepKind::Ending { .. }))
        .map(|(i, _)| i);
    let can_end = spread(steps.len(), endings, |i| predecessors[i].clone());
    for (i, step) in raw.iter().enumerate() {
        let id = step.id.get_ref();
        if !reachable[i] {
            diag.error(
                step.id.span(),
                format!("steps.{id}: cannot be reached from the start step"),
            );
        } else if !can_end[i] {
            diag.error(
                step.id.span(),
                format!(
                    "steps.{id}: no ending can be reached from this step (a loop with no way out)"
                ),
            );
        }
    }
}

/// Breadth-first marking from `seeds` along `next`.
fn spread(
    len: usize,
    seeds: impl IntoIterator<Item = usize>,
    next: impl Fn(usize) -> Vec<usize>,
) -> Vec<bool> {
    let mut seen = vec![false; len];
    let mut queue: VecDeque<usize> = seeds.into_iter().collect();
    for &s in &queue {
        seen[s] = true;
    }
    while let Some(i) = queue.pop_front() {
        for j in next(i) {
            if !seen[j] {
                seen[j] = true;
                queue.push_back(j);
            }
        }
    }
    seen
}

fn warn_unused(
    named: &[RawNamed],
    kind: &str,
    used: impl Fn(&str) -> bool,
    diag: &mut Collector<'_>,
) {
    for n in named {
        if !used(n.id.get_ref()) {
            diag.warning(
                n.id.span(),
                format!(
                    "{kind} \"{}\" is declared but no step uses it",
                    n.id.get_ref()
                ),
            );
        }
    }
}

/// The fixed phrases for every language: built-ins plus `[ui.LANG]`.
fn check_phrases(
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
                let message = if ui.is_some() {
                    format!(
                        "ui.{lang}: missing {} of the fixed phrases (none are built in for \
                         \"{lang}\"): {}",
                        names.len(),
                        names.join(", ")
                    )
                } else {
                    format!(
                        "ui.{lang}: the kiosk has no built-in phrases for \"{lang}\"; \
                         give them in [ui.{lang}]: {}",
                        names.join(", ")
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
                    format!(
                        "ui.{lang}: unknown phrase \"{}\" (README lists the names)",
                        name.get_ref()
                    ),
                );
                return None;
            };
            for placeholder in phrase.placeholders() {
                if !text.get_ref().contains(placeholder) {
                    diag.warning(
                        text.span(),
                        format!(
                            "ui.{lang}.{phrase}: lacks {placeholder}, which the kiosk fills in"
                        ),
                    );
                }
            }
            Some((phrase, text.get_ref().clone()))
        })
        .collect()
}
