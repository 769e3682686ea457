//! Warnings about how a valid flow will sound and feel at the counter, not
//! about its rules: a question that reads as a menu, a step too long to
//! listen to, a stretch of notes with nothing to answer, and (for the key
//! map a config gives) a phrase that names a key that does nothing. Each is
//! given at the step or phrase it is about.

use std::time::Duration;

use super::key_names::{self, KeyNames};
use super::parse::{self, RawStep, RawUi};
use super::speech_length::estimate_secs;
use super::{Flow, LangIx, Phrase, Step, StepIx, StepKind};
use crate::diag::{Collector, Diagnostic};
use crate::msg;

/// A step whose spoken form runs longer than this at the default rate
/// keeps an older listener too long before she can press anything.
pub const SPOKEN_WARN: Duration = Duration::from_secs(20);

/// This many notes in a row, and the customer only listens.
pub const NOTE_RUN_WARN: usize = 3;

/// The flow's warnings, at the raw steps' positions (`raw` is the file's
/// steps, in the order of `flow.steps`).
pub fn warn(flow: &Flow, raw: &[RawStep], diag: &mut Collector<'_>) {
    let note_runs = note_runs(flow);
    for (i, (step, raw)) in flow.steps.iter().zip(raw).enumerate() {
        let at = raw.id.span();
        let path = format!("steps.{}", step.id);
        if matches!(step.kind, StepKind::Question { .. }) && step.list.iter().any(|l| !l.is_empty())
        {
            diag.warning(at.clone(), msg!("check.question_with_list", path = &path));
        }
        for lang in 0..flow.languages.len() {
            let lang = LangIx(lang);
            if let Some((secs, _)) = spoken_secs(flow, step, lang) {
                if secs > SPOKEN_WARN.as_secs_f64() {
                    diag.warning(
                        at.clone(),
                        msg!(
                            "check.speech_too_long",
                            path = &path,
                            lang = flow.lang_code(lang),
                            secs = format!("{secs:.1}"),
                            parts = spoken_parts(step.spoken_list(lang).len()),
                            max = SPOKEN_WARN.as_secs()
                        ),
                    );
                }
            }
        }
        if let Some(run) = note_runs.get(i).copied().flatten() {
            let ids: Vec<&str> = run_ids(flow, StepIx(i), run);
            diag.warning(
                at,
                msg!(
                    "check.notes_in_a_row",
                    path = &path,
                    run = run,
                    ids = ids.join(" → ")
                ),
            );
        }
    }
}

/// Warnings about the keys a flow file's `[ui.LANG]` overrides name, for
/// the key map `keys` the kiosk will run with (from the config's `[keys]`):
/// a `{key:…}` that names no action, and an override of a phrase that names
/// keys (the built-in one says `{key:yes}`) without that placeholder while
/// `keys` moves the action to another key, so that the kiosk would tell the
/// customer to press a key that does nothing. Each at the override's text.
pub fn key_warnings(name: &str, source: &str, keys: &KeyNames) -> Vec<Diagnostic> {
    // The file's own problems are the load's to report: only the overrides
    // and their places are wanted here.
    let raw = parse::parse(source, &mut Collector::new(name, source));
    let mut diag = Collector::new(name, source);
    for ui in &raw.ui {
        warn_override_keys(ui, keys, &mut diag);
    }
    diag.finish()
}

fn warn_override_keys(ui: &RawUi, keys: &KeyNames, diag: &mut Collector<'_>) {
    let lang = ui.lang.get_ref();
    for (name, text) in &ui.phrases {
        let Some(phrase) = Phrase::from_name(name.get_ref()) else {
            continue; // an error of the load's
        };
        let path = format!("ui.{lang}.{phrase}");
        for action in key_names::placeholders(text.get_ref()) {
            if !key_names::is_action(action) {
                diag.warning(text.span(), key_names::unknown_action(&path, action));
            }
        }
        for action in phrase.key_actions() {
            let placeholder = key_names::placeholder(action);
            if !keys.is_remapped(action) || text.get_ref().contains(&placeholder) {
                continue;
            }
            let now = match keys.key(action) {
                Some(key) => msg!("check.keys_moved", key = key, action = action),
                None => msg!("check.keys_unbound", action = action),
            };
            diag.warning(
                text.span(),
                msg!(
                    "check.override_names_moved_key",
                    path = &path,
                    placeholder = &placeholder,
                    now = now
                ),
            );
        }
    }
}

/// The estimated seconds of a step's spoken form in `lang` (its say or
/// text, its list items, then the key prompt that follows, as the engine
/// speaks them), and what was counted; `None` for a language without a
/// model.
pub fn spoken_secs(flow: &Flow, step: &Step, lang: LangIx) -> Option<(f64, String)> {
    let code = flow.lang_code(lang);
    let prompt = match step.kind {
        StepKind::Question { .. } => Phrase::PromptQuestion,
        StepKind::Note { .. } => Phrase::PromptNote,
        StepKind::Print { .. } => Phrase::PromptPrint,
        StepKind::Ending { .. } => Phrase::PromptEnding,
    };
    let items = step.spoken_list(lang);
    let mut secs = estimate_secs(code, step.spoken_text(lang))?;
    for item in items {
        secs += estimate_secs(code, item)?;
    }
    secs += estimate_secs(code, flow.phrase(lang, prompt))?;
    Some((secs, spoken_parts(items.len()).to_string()))
}

/// What a spoken form of `items` list items counts, for its warning.
fn spoken_parts(items: usize) -> crate::messages::Message {
    match items {
        0 => msg!("check.spoken_parts_text"),
        1 => msg!("check.spoken_parts_one"),
        n => msg!("check.spoken_parts_many", n = n),
    }
}

/// For each step that begins a stretch of [`NOTE_RUN_WARN`] or more notes
/// as walked from the start (a note that is the start or is entered from a
/// question, and from no note), the stretch's length.
fn note_runs(flow: &Flow) -> Vec<Option<usize>> {
    let n = flow.steps.len();
    let is_note = |i: usize| matches!(flow.steps[i].kind, StepKind::Note { .. });
    // Notes from each step onward, without recursion (a chain of 10,000
    // notes is a valid flow). Validation has ruled out a loop of notes only,
    // which could not reach an ending; `on_chain` guards against one anyway.
    let mut run = vec![0usize; n];
    let mut done = vec![false; n];
    let mut on_chain = vec![false; n];
    for first in 0..n {
        let mut chain = Vec::new();
        let mut i = first;
        while !done[i] && !on_chain[i] && is_note(i) {
            chain.push(i);
            on_chain[i] = true;
            match flow.steps[i].kind {
                StepKind::Note { next } => i = next.0,
                _ => break,
            }
        }
        let mut after = if done[i] { run[i] } else { 0 };
        for &j in chain.iter().rev() {
            after += 1;
            run[j] = after;
            done[j] = true;
            on_chain[j] = false;
        }
    }
    let mut begins = vec![false; n];
    let mut after_note = vec![false; n];
    if is_note(flow.start.0) {
        begins[flow.start.0] = true;
    }
    for step in &flow.steps {
        match step.kind {
            StepKind::Question { yes, no } => {
                for target in [yes, no] {
                    begins[target.0] |= is_note(target.0);
                }
            }
            StepKind::Note { next } => after_note[next.0] = true,
            StepKind::Print { next, .. } => begins[next.0] |= is_note(next.0),
            StepKind::Ending { .. } => {}
        }
    }
    // A note also entered from a note lies inside that note's longer
    // stretch, which is reported where it begins: once is enough.
    (0..n)
        .map(|i| (begins[i] && !after_note[i] && run[i] >= NOTE_RUN_WARN).then_some(run[i]))
        .collect()
}

/// The ids of the `len` notes from `first`, shortened to the first three
/// and the last when there are more.
fn run_ids(flow: &Flow, first: StepIx, len: usize) -> Vec<&str> {
    let mut ids = Vec::new();
    let mut at = first;
    for _ in 0..len {
        ids.push(flow.step(at).id.as_str());
        match flow.step(at).kind {
            StepKind::Note { next } => at = next,
            _ => break,
        }
    }
    if ids.len() > 4 {
        let last = ids[ids.len() - 1];
        ids.truncate(3);
        ids.push("…");
        ids.push(last);
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::load_source;

    /// A flow in English of `steps` (`id kind target…` lines: `q yes no`,
    /// `n next`, `e`), starting at the first.
    fn flow(steps: &[&str]) -> crate::flow::Loaded {
        let mut toml = format!(
            "[flow]\nid = \"t\"\nstart = \"{}\"\nlanguages = [\"en\"]\ntitle = {{ en = \"T\" }}\n\
             [outcomes.done]\ntitle = {{ en = \"Done\" }}\n",
            steps[0].split(' ').next().unwrap()
        );
        for line in steps {
            let parts: Vec<&str> = line.split(' ').collect();
            toml.push_str(&format!(
                "[steps.{}]\ntext = {{ en = \"Hi.\" }}\n",
                parts[0]
            ));
            toml.push_str(&match parts[1] {
                "q" => format!("yes = \"{}\"\nno = \"{}\"\n", parts[2], parts[3]),
                "n" => format!("next = \"{}\"\n", parts[2]),
                _ => "end = \"done\"\n".to_string(),
            });
        }
        load_source("t.toml", &toml)
    }

    fn warnings(loaded: &crate::flow::Loaded) -> Vec<String> {
        assert!(loaded.flow.is_some(), "{:?}", loaded.diagnostics);
        loaded.diagnostics.iter().map(|d| d.to_string()).collect()
    }

    /// A one-step English flow with `ui` as its `[ui.en]` table.
    fn with_ui(ui: &str) -> String {
        format!(
            "[flow]\nid = \"t\"\nstart = \"a\"\nlanguages = [\"en\"]\ntitle = {{ en = \"T\" }}\n\
             [outcomes.done]\ntitle = {{ en = \"Done\" }}\n\
             [steps.a]\ntext = {{ en = \"Done.\" }}\nend = \"done\"\n[ui.en]\n{ui}"
        )
    }

    fn keys(pairs: &[(&str, Option<&str>)]) -> KeyNames {
        KeyNames::new(
            pairs
                .iter()
                .map(|(a, k)| (a.to_string(), k.map(str::to_string))),
        )
    }

    fn key_warning_lines(source: &str, keys: &KeyNames) -> Vec<String> {
        assert!(load_source("t.toml", source).flow.is_some());
        key_warnings("t.toml", source, keys)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn an_override_that_names_a_moved_key_in_its_own_words_warns_at_its_text() {
        let source = with_ui("prompt_question = \"Press 1 for yes, or 2 for no.\"\n");
        let moved = keys(&[("yes", Some("5"))]);
        assert_eq!(
            key_warning_lines(&source, &moved),
            vec![
                "t.toml:12:19: warning: ui.en.prompt_question: lacks {key:yes}, and [keys] \
                 makes \"5\" the key for yes: the kiosk would name a key that does nothing; \
                 write {key:yes} where the key goes"
            ]
        );
        let unbound = keys(&[("no", None)]);
        let w = key_warning_lines(&source, &unbound);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("lacks {key:no}, and [keys] gives no no key"),
            "{w:?}"
        );
        // The default keys, or another action moved: nothing to say.
        assert!(key_warning_lines(&source, &KeyNames::default()).is_empty());
        assert!(key_warning_lines(&source, &keys(&[("help", Some("5"))])).is_empty());
    }

    #[test]
    fn an_override_with_the_placeholder_or_of_a_keyless_phrase_is_fine() {
        let moved = keys(&[("yes", Some("5")), ("help", Some("h"))]);
        let source = with_ui(
            "prompt_question = \"Press {key:yes} for yes, or 2 for no.\"\n\
             idle_warning = \"Still there? Press 1.\"\n",
        );
        assert!(key_warning_lines(&source, &moved).is_empty());
        let source = with_ui("help_offer = \"Press 9.\"\n");
        let w = key_warning_lines(&source, &moved);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("ui.en.help_offer: lacks {key:help}"), "{w:?}");
    }

    #[test]
    fn a_placeholder_that_names_no_action_warns_with_any_keys() {
        let source = with_ui("prompt_note = \"Press {key:jump}.\"\n");
        let w = key_warning_lines(&source, &KeyNames::default());
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with(
                "t.toml:12:15: warning: ui.en.prompt_note: {key:jump} names no action \
                 (the actions: yes, no, continue,"
            ),
            "{w:?}"
        );
    }

    #[test]
    fn two_notes_in_a_row_are_fine_and_three_warn_once_at_the_first() {
        let two = flow(&["a q b z", "b n c", "c n z", "z e"]);
        assert!(warnings(&two).is_empty(), "{:?}", warnings(&two));
        let three = flow(&["a q b z", "b n c", "c n d", "d n z", "z e"]);
        let w = warnings(&three);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("steps.b: 3 notes in a row (b → c → d)"),
            "{w:?}"
        );
    }

    #[test]
    fn a_start_note_begins_a_stretch_and_merging_stretches_warn_where_each_begins() {
        // From the start: s → m → t, then the question x; its `no` leads to
        // u → v → m → t. m is inside both stretches: no warning of its own.
        let loaded = flow(&[
            "s n m", "m n t", "t n x", "x q z u", "u n v", "v n m", "z e",
        ]);
        let w = warnings(&loaded);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].contains("steps.s: 3 notes in a row (s → m → t)"),
            "{w:?}"
        );
        assert!(
            w[1].contains("steps.u: 4 notes in a row (u → v → m → t)"),
            "{w:?}"
        );
    }

    #[test]
    fn a_long_stretch_is_named_by_its_first_notes_and_its_last() {
        let loaded = flow(&["a n b", "b n c", "c n d", "d n e", "e n f", "f n z", "z e"]);
        let w = warnings(&loaded);
        assert!(
            w[0].contains("6 notes in a row (a → b → c → … → f)"),
            "{w:?}"
        );
    }

    #[test]
    fn a_question_with_a_list_warns_and_a_note_with_one_does_not() {
        let source = |kind: &str| {
            format!(
                "[flow]\nid = \"t\"\nstart = \"a\"\nlanguages = [\"en\"]\ntitle = {{ en = \"T\" }}\n\
                 [outcomes.done]\ntitle = {{ en = \"Done\" }}\n\
                 [steps.a]\ntext = {{ en = \"Which?\" }}\nlist = {{ en = [\"One\", \"Two\"] }}\n{kind}\n\
                 [steps.z]\ntext = {{ en = \"Done.\" }}\nend = \"done\"\n"
            )
        };
        let question = load_source("t.toml", &source("yes = \"z\"\nno = \"z\""));
        let w = warnings(&question);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("t.toml:8:8: warning: steps.a: a question with a list"));
        let note = load_source("t.toml", &source("next = \"z\""));
        assert!(warnings(&note).is_empty());
    }

    #[test]
    fn the_spoken_form_counts_the_text_the_items_and_the_prompt() {
        let loaded = load_source(
            "t.toml",
            "[flow]\nid = \"t\"\nstart = \"a\"\nlanguages = [\"ja\", \"en\"]\n\
             title = { ja = \"テスト\", en = \"T\" }\n\
             [outcomes.done]\ntitle = { ja = \"完了\", en = \"Done\" }\n\
             [steps.a]\ntext = { ja = \"電話を用意します。\", en = \"Get your phone.\" }\n\
             say = { ja = \"でんわを よういします。\" }\n\
             list = { ja = [\"充電\", \"電波\"], en = [\"Charged\", \"With signal\"] }\n\
             say_list = { ja = [\"じゅうでん\", \"でんぱ\"] }\nnext = \"z\"\n\
             [steps.z]\ntext = { ja = \"完了です。\", en = \"Done.\" }\nend = \"done\"\n",
        );
        let flow = loaded.flow.unwrap();
        let step = flow.step(flow.start);
        for (code, spoken) in [
            ("ja", ["でんわを よういします。", "じゅうでん", "でんぱ"]),
            ("en", ["Get your phone.", "Charged", "With signal"]),
        ] {
            let lang = flow.lang_ix(code).unwrap();
            let (secs, parts) = spoken_secs(&flow, step, lang).unwrap();
            let prompt = flow.phrase(lang, Phrase::PromptNote);
            let sum: f64 = spoken
                .iter()
                .chain([&prompt])
                .map(|t| estimate_secs(code, t).unwrap())
                .sum();
            assert!((secs - sum).abs() < 1e-9, "{code}: {secs} {sum}");
            assert_eq!(parts, "text, 2 list items and key prompt");
        }
    }
}
