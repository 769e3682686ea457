//! What the engine says when the config's `[keys]` moves the keys: every
//! spoken prompt, the spoken key guide and the help offer name the keys the
//! key map binds (in the customer's language), and with the default map
//! they say what they always said. Engine level, on a fake clock: the
//! flow's phrases are named from a key map as `kiosk run` names them.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use counter_kiosk::engine::{Effect, EngineConfig, Input, Now, Session, SpeechKind};
use counter_kiosk::flow::Flow;
use counter_kiosk::input::KeyMap;
use counter_kiosk::journal::LocalHour;

const HOUR: LocalHour = LocalHour {
    year: 2026,
    month: 11,
    day: 24,
    hour: 14,
};

/// Every utterance of a session of the bundled flow in `lang`, named from
/// `keys`, driven by `inputs` one second apart (the first one starts the
/// session and so reads the start step).
fn spoken(lang: &str, keys: &KeyMap, inputs: &[Input]) -> Vec<(SpeechKind, String)> {
    let mut flow = Flow::bundled().unwrap();
    flow.name_keys(&keys.key_names());
    let config = EngineConfig {
        language: flow.lang_ix(lang).unwrap(),
        ..EngineConfig::default()
    };
    let t0 = Instant::now();
    let (mut session, mut effects) = Session::new(flow, config, t0);
    let mut at = t0;
    for input in inputs {
        at += Duration::from_secs(1);
        let now = Now {
            mono: at,
            local_hour: HOUR,
        };
        effects.extend(session.handle_input(*input, now));
    }
    effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Speak(u) => Some((u.kind, u.text)),
            _ => None,
        })
        .collect()
}

fn said(utterances: &[(SpeechKind, String)], kind: SpeechKind) -> Vec<&str> {
    utterances
        .iter()
        .filter(|(k, _)| *k == kind)
        .map(|(_, t)| t.as_str())
        .collect()
}

/// The keys of a shop whose stickers differ: yes on 5, no on 6, help on F1.
fn moved() -> KeyMap {
    KeyMap::with_overrides(&[
        (Input::Yes, vec!["5".into()]),
        (Input::No, vec!["6".into()]),
        (Input::Help, vec!["F1".into()]),
    ])
}

/// A question, then the key guide; then three repeats of the same step,
/// for the help offer.
const QUESTION_THEN_GUIDE: [Input; 2] = [Input::Repeat, Input::Help];
const REPEATS: [Input; 3] = [Input::Repeat, Input::Repeat, Input::Repeat];

// See: after a [keys] remap the voice told a blind customer to press keys
// that did nothing.
#[test]
fn the_spoken_prompt_and_guide_name_the_remapped_keys_in_japanese() {
    let u = spoken("ja", &moved(), &QUESTION_THEN_GUIDE);
    assert!(
        said(&u, SpeechKind::Prompt)
            .contains(&"はいなら、ごを。いいえなら、ろくを おしてください。"),
        "{u:?}"
    );
    let guide = said(&u, SpeechKind::Guide);
    assert_eq!(guide.len(), 1, "{u:?}");
    assert!(
        guide[0].starts_with("ごーは、はい。ろくは、いいえ。ぜろで、"),
        "{guide:?}"
    );
    assert!(
        guide[0].contains("エフいちを もういちど おすと、かかりのものを よびます。"),
        "{guide:?}"
    );
    let u = spoken("ja", &moved(), &REPEATS);
    assert!(
        said(&u, SpeechKind::Prompt).contains(&"わからないときは、エフいちを おしてください。"),
        "{u:?}"
    );
}

#[test]
fn the_spoken_prompt_and_guide_name_the_remapped_keys_in_english() {
    let u = spoken("en", &moved(), &QUESTION_THEN_GUIDE);
    assert!(
        said(&u, SpeechKind::Prompt).contains(&"Press 5 for yes, or 6 for no."),
        "{u:?}"
    );
    let guide = said(&u, SpeechKind::Guide);
    assert!(
        guide[0].starts_with("5 is yes. 6 is no. 0 hears it again.")
            && guide[0].contains("Press F1 once more to call staff."),
        "{guide:?}"
    );
    let u = spoken("en", &moved(), &REPEATS);
    assert!(
        said(&u, SpeechKind::Prompt).contains(&"Not sure? Press F1 for help."),
        "{u:?}"
    );
}

#[test]
fn with_the_default_keys_the_prompts_are_as_they_always_were() {
    let keys = KeyMap::default();
    let u = spoken("ja", &keys, &QUESTION_THEN_GUIDE);
    assert!(said(&u, SpeechKind::Prompt)
        .contains(&"はいなら、いちを。いいえなら、にを おしてください。"));
    assert!(said(&u, SpeechKind::Guide)[0].starts_with("いちは、はい。にーは、いいえ。"));
    let u = spoken("en", &keys, &REPEATS);
    assert!(said(&u, SpeechKind::Prompt).contains(&"Not sure? Press 9 for help."));
}

#[test]
fn the_start_over_question_names_the_remapped_answers() {
    let u = spoken("en", &moved(), &[Input::Repeat, Input::StartOver]);
    assert!(
        said(&u, SpeechKind::Prompt)
            .contains(&"Start again from the beginning? Press 5 for yes, or 6 for no."),
        "{u:?}"
    );
}

// See: after a remap the bundled flow's own steps still said "1 を押して
// ください" on screen and aloud.
#[test]
fn the_bundled_steps_name_the_remapped_keys_shown_and_spoken() {
    let mut flow = Flow::bundled().unwrap();
    flow.name_keys(&moved().key_names());
    let ja = flow.lang_ix("ja").unwrap();
    let en = flow.lang_ix("en").unwrap();
    let wait = flow.step(flow.step_ix("app_login").unwrap());
    assert!(wait
        .list_items(ja)
        .contains(&"10分待ちます。終わったら 5 を押してください".to_string()));
    assert!(wait
        .spoken_list(ja)
        .contains(&"じっぷんまちます。おわったら、ごをおしてください".to_string()));
    assert!(wait
        .list_items(en)
        .contains(&"This screen waits 10 minutes. Press 5 when done".to_string()));
    for step in &flow.steps {
        for lang in [ja, en] {
            let words: Vec<&str> = std::iter::once(step.text.get(lang))
                .chain(std::iter::once(step.spoken_text(lang)))
                .chain(step.list_items(lang).iter().map(String::as_str))
                .chain(step.spoken_list(lang).iter().map(String::as_str))
                .collect();
            for w in words {
                assert!(!w.contains("{key:"), "{}: {w}", step.id);
                for stale in ["1 を押", "いちをおし", "Press 1"] {
                    assert!(!w.contains(stale), "{}: {w}", step.id);
                }
            }
        }
    }
}
