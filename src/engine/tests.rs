//! The engine on a fake clock: whole sessions in microseconds, with
//! synthetic instants and no terminal or sound card.

mod back;
mod print;
mod wait_s;

use std::time::{Duration, Instant};

use super::*;
use crate::flow::{load_source, Flow};
use crate::record::{Answer, Record};

const FLOW: &str = r#"
[flow]
id = "test-flow"
start = "welcome"
languages = ["ja", "en"]
title = { ja = "テスト", en = "Test" }

[stages.check]
title = { ja = "確認", en = "Check" }

[outcomes.resolved]
title = { ja = "解決", en = "Solved" }

[outcomes.referred]
title = { ja = "窓口へ", en = "Referred" }

[steps.welcome]
stage = "check"
text = { ja = "はじめますか？", en = "Shall we start?" }
yes = "whose_phone"
no = "bye"

[steps.whose_phone]
stage = "check"
text = { ja = "ご自分の携帯ですか？", en = "Is it your own mobile?" }
say = { ja = "ごじぶんの けいたいですか？" }
yes = "done"
no = "landline_note"

[steps.landline_note]
text = { ja = "固定電話にSMSは届きません。", en = "A landline never gets SMS." }
say = { ja = "こていでんわに エスエムエスは とどきません。" }
list = { ja = ["窓口に電話します", "本人確認があります"], en = ["Call support", "They check who you are"] }
say_list = { ja = ["まどぐちに でんわします", "ほんにんかくにんが あります"] }
next = "call_support"

[steps.call_support]
text = { ja = "窓口に電話してください。", en = "Please call support." }
end = "referred"

[steps.done]
text = { ja = "よかったです。", en = "Good." }
end = "resolved"

[steps.bye]
text = { ja = "またどうぞ。", en = "Goodbye." }
end = "resolved"
"#;

fn test_flow() -> Flow {
    load_source("test.toml", FLOW).into_result().unwrap()
}

const HOUR: crate::record::LocalHour = crate::record::LocalHour {
    year: 2026,
    month: 11,
    day: 24,
    hour: 14,
};

/// A session driven on a fake clock, as the event loop would drive it.
struct Rig {
    session: Session,
    t0: Instant,
    elapsed: Duration,
}

impl Rig {
    fn new() -> Rig {
        Rig::with(EngineConfig::default())
    }

    fn with(config: EngineConfig) -> Rig {
        Rig::with_flow(test_flow(), config)
    }

    fn with_flow(flow: Flow, config: EngineConfig) -> Rig {
        let t0 = Instant::now();
        let (session, _) = Session::new(flow, config, t0);
        Rig {
            session,
            t0,
            elapsed: Duration::ZERO,
        }
    }

    fn now(&self) -> Now {
        Now {
            mono: self.t0 + self.elapsed,
            local_hour: HOUR,
        }
    }

    fn press(&mut self, input: Input) -> Vec<Effect> {
        let now = self.now();
        self.session.handle_input(input, now)
    }

    /// Waits `ms`, firing every timer that falls due on the way.
    fn wait(&mut self, ms: u64) -> Vec<Effect> {
        let target = self.elapsed + Duration::from_millis(ms);
        let mut fx = Vec::new();
        while let Some(due) = self.session.next_deadline() {
            let due = due - self.t0;
            if due > target {
                break;
            }
            self.elapsed = due;
            let now = self.now();
            fx.extend(self.session.handle_timeout(now));
        }
        self.elapsed = target;
        fx
    }

    /// Waits `ms`, then presses.
    fn press_after(&mut self, ms: u64, input: Input) -> Vec<Effect> {
        let mut fx = self.wait(ms);
        fx.extend(self.press(input));
        fx
    }

    fn step_id(&self) -> &str {
        &self.session.flow().step(self.session.view().step).id
    }
}

fn records(fx: &[Effect]) -> Vec<Record> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Journal(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn spoken(fx: &[Effect]) -> Vec<(SpeechKind, String)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Speak(u) => Some((u.kind, u.text.clone())),
            _ => None,
        })
        .collect()
}

fn tones(fx: &[Effect]) -> Vec<Tone> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Tone { tone, .. } => Some(*tone),
            _ => None,
        })
        .collect()
}

fn path(record: &Record) -> Vec<(&str, Answer, u64)> {
    record
        .steps
        .iter()
        .map(|s| (s.id.as_str(), s.answer, s.ms))
        .collect()
}

// ----- the scripted session of DESIGN section 5 -----

#[test]
fn a_scripted_session_writes_the_exact_record() {
    let mut rig = Rig::new();
    let mut fx = rig.press(Input::Louder); // first key: the session starts
    fx.extend(rig.press_after(4200, Input::Yes));
    fx.extend(rig.press_after(1000, Input::Repeat));
    fx.extend(rig.press_after(1000, Input::Repeat));
    fx.extend(rig.press_after(1000, Input::Help));
    fx.extend(rig.press_after(6100, Input::No));
    fx.extend(rig.press_after(3000, Input::Back));
    fx.extend(rig.press_after(2500, Input::No));
    fx.extend(rig.press_after(8000, Input::Continue));
    let written = records(&fx);
    assert_eq!(written.len(), 1);
    insta::assert_snapshot!(written[0]
        .to_line()
        .replace(&rig.session.flow().hash, "HASH"));
}

// ----- when a session starts and what the start screen does -----

#[test]
fn the_untouched_start_screen_runs_no_timer_and_writes_nothing() {
    let mut rig = Rig::new();
    assert_eq!(rig.session.next_deadline(), None);
    assert!(rig.wait(1_000_000).is_empty());
    let now = rig.now();
    assert!(records(&rig.session.handle_shutdown(now)).is_empty());
}

#[test]
fn the_first_key_starts_the_session_and_arms_the_idle_timer() {
    let mut rig = Rig::new();
    rig.wait(5000);
    rig.press(Input::Repeat);
    assert!(rig.session.view().in_session);
    assert_eq!(
        rig.session.next_deadline(),
        Some(rig.now().mono + Duration::from_secs(90))
    );
}

#[test]
fn a_meaningless_first_key_greets_instead_of_scolding() {
    let mut rig = Rig::new();
    let fx = rig.press(Input::Back);
    assert!(tones(&fx).is_empty());
    assert_eq!(spoken(&fx)[0], (SpeechKind::Step, "はじめますか？".into()));
    // Once the session is under way, the same key is a low tone.
    let fx = rig.press_after(1000, Input::Back);
    assert_eq!(tones(&fx), vec![Tone::Invalid]);
    assert!(spoken(&fx).is_empty());
}

#[test]
fn a_first_yes_answers_at_once_and_the_start_step_has_zero_ms() {
    let mut rig = Rig::new();
    rig.wait(60_000);
    rig.press(Input::Yes);
    let fx = rig.press_after(1000, Input::Yes);
    let r = &records(&fx)[0];
    assert_eq!(path(r)[0], ("welcome", Answer::Yes, 0));
}

// ----- speech -----

#[test]
fn a_step_speaks_its_say_then_list_items_then_the_prompt() {
    let mut rig = Rig::new();
    rig.press(Input::Yes);
    let fx = rig.press_after(1000, Input::No);
    let said = spoken(&fx);
    assert_eq!(
        said,
        vec![
            (SpeechKind::Echo, "いいえ".into()),
            (
                SpeechKind::Step,
                "こていでんわに エスエムエスは とどきません。".into()
            ),
            (SpeechKind::Step, "まどぐちに でんわします".into()),
            (SpeechKind::Step, "ほんにんかくにんが あります".into()),
            (
                SpeechKind::Prompt,
                rig.session
                    .flow()
                    .phrase(LangIx(0), crate::flow::Phrase::PromptNote)
                    .into()
            ),
        ]
    );
    assert_eq!(
        fx.first(),
        Some(&Effect::StopSpeech),
        "barge-in comes first"
    );
    assert_eq!(tones(&fx), vec![Tone::No]);
}

#[test]
fn a_question_ends_with_the_spoken_key_prompt() {
    let mut rig = Rig::new();
    let fx = rig.press(Input::Yes);
    let said = spoken(&fx);
    let prompt = rig
        .session
        .flow()
        .phrase(LangIx(0), crate::flow::Phrase::PromptQuestion);
    assert_eq!(said.last(), Some(&(SpeechKind::Prompt, prompt.to_string())));
    assert_eq!(
        said[1],
        (SpeechKind::Step, "ごじぶんの けいたいですか？".into())
    );
}

#[test]
fn echo_and_earcons_can_be_turned_off() {
    let mut rig = Rig::with(EngineConfig {
        echo: false,
        earcons: false,
        ..EngineConfig::default()
    });
    let fx = rig.press(Input::Yes);
    assert!(tones(&fx).is_empty());
    assert!(spoken(&fx).iter().all(|(k, _)| *k != SpeechKind::Echo));
    // The invalid-key tone stays: it is that key's only feedback.
    let fx = rig.press_after(1000, Input::Continue);
    assert_eq!(tones(&fx), vec![Tone::Invalid]);
}

#[test]
fn switching_language_redraws_and_respeaks_and_the_record_keeps_the_last() {
    let mut rig = Rig::new();
    rig.press(Input::Yes);
    let fx = rig.press_after(1000, Input::SwitchLanguage);
    assert_eq!(rig.session.view().lang, LangIx(1));
    assert!(fx.contains(&Effect::StopSpeech));
    assert!(fx.iter().any(|e| matches!(e, Effect::Show(_))));
    let said = spoken(&fx);
    assert_eq!(said[0], (SpeechKind::Step, "Is it your own mobile?".into()));
    let fx = rig.press_after(1000, Input::Yes);
    let r = &records(&fx)[0];
    assert_eq!(r.lang, "en");
    assert_eq!(r.outcome, "resolved");
}

#[test]
fn pause_stops_and_resume_restarts_the_utterance() {
    let mut rig = Rig::new();
    rig.press(Input::Repeat);
    let fx = rig.press_after(100, Input::Pause);
    assert!(fx.contains(&Effect::PauseSpeech));
    assert!(rig.session.view().paused);
    let fx = rig.press_after(600, Input::Pause);
    assert!(fx.contains(&Effect::ResumeSpeech));
    assert!(!rig.session.view().paused);
}

// ----- rate and volume -----

#[test]
fn volume_has_five_levels_confirmed_by_a_tone_at_the_new_level() {
    let mut rig = Rig::new();
    let fx = rig.press(Input::Louder);
    assert_eq!(
        fx.iter()
            .find(|e| matches!(e, Effect::Tone { .. }))
            .cloned(),
        Some(Effect::Tone {
            tone: Tone::Volume(Level::new(4)),
            volume: Level::new(4)
        })
    );
    assert!(
        spoken(&fx).is_empty(),
        "a level change never speaks over speech"
    );
    let fx = rig.press(Input::Louder); // not filtered by the repeat guard
    assert_eq!(tones(&fx), vec![Tone::Volume(Level::MAX)]);
    let fx = rig.press(Input::Louder);
    assert_eq!(tones(&fx), vec![Tone::Invalid], "no sixth level");
    for _ in 0..10 {
        let _ = rig.press(Input::Quieter);
    }
    assert_eq!(rig.session.settings_level().1, Level::MIN);
}

#[test]
fn rate_changes_reach_the_speech_layer() {
    let mut rig = Rig::new();
    let fx = rig.press(Input::Slower);
    let expected = SpeechSettings {
        rate: Level::new(2),
        volume: Level::MID,
    };
    assert!(fx.contains(&Effect::SpeechSettings(expected)));
    assert_eq!(tones(&fx), vec![Tone::Rate(Level::new(2))]);
}

#[test]
fn settings_return_to_the_middle_for_the_next_customer() {
    let mut rig = Rig::new();
    let _ = rig.press(Input::Louder);
    let _ = rig.press(Input::Faster);
    rig.press_after(1000, Input::No); // → bye, an ending
    let fx = rig.press_after(1000, Input::Yes); // next customer
    assert!(fx.contains(&Effect::Reset));
    assert_eq!(rig.session.settings_level(), (Level::MID, Level::MID));
    assert!(!rig.session.view().in_session);
}

#[test]
fn two_repeats_slow_the_voice_one_level_and_offer_help_aloud() {
    let mut rig = Rig::new();
    rig.press(Input::Repeat);
    let fx = rig.press_after(1000, Input::Repeat);
    assert_eq!(rig.session.settings_level().0, Level::new(2));
    assert!(rig.session.view().help_offered);
    let said = spoken(&fx);
    let offer = rig
        .session
        .flow()
        .phrase(LangIx(0), crate::flow::Phrase::HelpOfferSay);
    assert_eq!(said.last(), Some(&(SpeechKind::Prompt, offer.to_string())));
    // The slower rate is what the repeated step is spoken at.
    assert!(fx.iter().any(|e| matches!(e, Effect::Speak(u)
        if u.kind == SpeechKind::Step && u.settings.rate == Level::new(2))));
    // A third repeat does not slow down again.
    rig.press_after(1000, Input::Repeat);
    assert_eq!(rig.session.settings_level().0, Level::new(2));
}

// ----- the repeat guard -----

#[test]
fn a_double_press_within_the_guard_answers_only_once() {
    let mut rig = Rig::new();
    rig.press(Input::Yes);
    rig.press_after(300, Input::Yes);
    assert_eq!(rig.step_id(), "whose_phone");
    rig.press_after(600, Input::Yes);
    assert_eq!(rig.step_id(), "done");
}

#[test]
fn a_held_key_stays_filtered_while_it_repeats() {
    let mut rig = Rig::new();
    rig.press(Input::Yes);
    for _ in 0..20 {
        rig.press_after(100, Input::Yes);
    }
    assert_eq!(rig.step_id(), "whose_phone");
}

#[test]
fn another_key_in_between_breaks_the_repetition() {
    let mut rig = Rig::new();
    rig.press(Input::Yes);
    rig.press_after(100, Input::Louder);
    rig.press_after(100, Input::Yes);
    assert_eq!(rig.step_id(), "done");
}

#[test]
fn a_double_help_press_does_not_call_staff() {
    let mut rig = Rig::new();
    let mut fx = rig.press(Input::Help);
    fx.extend(rig.press_after(200, Input::Help));
    assert!(!fx.contains(&Effect::CallStaff));
    assert_eq!(rig.session.view().overlay, Overlay::KeyGuide);
}

#[test]
fn the_guard_is_configurable() {
    let mut rig = Rig::with(EngineConfig {
        repeat_guard: Duration::ZERO,
        ..EngineConfig::default()
    });
    rig.press(Input::Yes);
    rig.press(Input::Yes);
    assert_eq!(rig.step_id(), "done");
}

// ----- help -----

#[test]
fn help_first_shows_the_key_guide_then_a_second_press_calls_staff() {
    let mut rig = Rig::new();
    let fx = rig.press(Input::Help);
    assert_eq!(rig.session.view().overlay, Overlay::KeyGuide);
    assert_eq!(spoken(&fx)[0].0, SpeechKind::Guide);
    let fx = rig.press_after(5000, Input::Help);
    assert!(fx.contains(&Effect::CallStaff));
    assert_eq!(rig.session.view().overlay, Overlay::StaffCalled);
    assert!(tones(&fx).contains(&Tone::StaffCall));
    // Both presses count, on the step and in the session.
    rig.press_after(1000, Input::Yes);
    let fx = rig.press_after(1000, Input::Yes);
    let r = &records(&fx)[0];
    assert_eq!((r.steps[0].help, r.help), (2, 2));
}

#[test]
fn the_help_window_closes_after_thirty_seconds() {
    let mut rig = Rig::new();
    rig.press(Input::Help);
    rig.wait(30_000);
    assert_eq!(rig.session.view().overlay, Overlay::None);
    let fx = rig.press(Input::Help);
    assert!(!fx.contains(&Effect::CallStaff), "a first press again");
    assert_eq!(rig.session.view().overlay, Overlay::KeyGuide);
}

#[test]
fn another_key_takes_the_guide_down_and_does_its_job() {
    let mut rig = Rig::new();
    rig.press(Input::Help);
    rig.press_after(1000, Input::Yes);
    assert_eq!(rig.session.view().overlay, Overlay::None);
    assert_eq!(rig.step_id(), "whose_phone");
    let fx = rig.press_after(1000, Input::Help);
    assert!(!fx.contains(&Effect::CallStaff));
}

// ----- idle -----

#[test]
fn idle_warns_then_resets_and_writes_an_abandoned_record() {
    let mut rig = Rig::new();
    rig.press(Input::Yes);
    rig.press_after(2000, Input::No); // → landline_note, shown at t = 2 s
    let fx = rig.wait(90_000);
    assert!(matches!(
        rig.session.view().overlay,
        Overlay::IdleWarning { .. }
    ));
    assert_eq!(tones(&fx), vec![Tone::IdleWarning]);
    assert_eq!(spoken(&fx)[0].0, SpeechKind::Idle);
    assert!(records(&fx).is_empty());
    let fx = rig.wait(90_000);
    let written = records(&fx);
    assert_eq!(written.len(), 1);
    let r = &written[0];
    assert_eq!(r.outcome, "abandoned");
    assert_eq!(r.end, "landline_note");
    // Time stops at the warning: the idle wait is not counted.
    assert_eq!(
        path(r).last(),
        Some(&("landline_note", Answer::None, 90_000))
    );
    assert_eq!(r.duration_ms, 92_000);
    assert!(fx.contains(&Effect::Reset));
    assert_eq!(rig.step_id(), "welcome");
    assert!(!rig.session.view().in_session);
    assert_eq!(rig.session.next_deadline(), None);
}

#[test]
fn any_key_during_the_warning_only_dismisses_it() {
    let mut rig = Rig::new();
    rig.press(Input::Yes);
    rig.wait(90_000);
    let fx = rig.press_after(10_000, Input::Yes);
    assert_eq!(rig.step_id(), "whose_phone", "the yes did not answer");
    assert_eq!(rig.session.view().overlay, Overlay::None);
    assert!(records(&fx).is_empty());
    // The idle clock starts again from the dismissing key.
    assert_eq!(
        rig.session.next_deadline(),
        Some(rig.now().mono + Duration::from_secs(90))
    );
}

#[test]
fn idle_on_an_ending_resets_without_a_second_record() {
    let mut rig = Rig::new();
    rig.press(Input::No);
    let fx = rig.wait(200_000);
    assert!(records(&fx).is_empty());
    assert!(fx.contains(&Effect::Reset));
    assert!(!rig.session.view().in_session);
}

#[test]
fn the_idle_timeout_is_configurable() {
    let mut rig = Rig::with(EngineConfig {
        idle_timeout: Duration::from_secs(5),
        ..EngineConfig::default()
    });
    rig.press(Input::Repeat);
    let fx = rig.wait(10_000);
    assert_eq!(records(&fx)[0].duration_ms, 5000);
}

// ----- back, endings, start over -----

#[test]
fn back_returns_along_the_path_actually_taken() {
    let mut rig = Rig::new();
    rig.press(Input::Yes);
    rig.press_after(1000, Input::No);
    assert_eq!(rig.step_id(), "landline_note");
    rig.press_after(1000, Input::Back);
    assert_eq!(rig.step_id(), "whose_phone");
    rig.press_after(1000, Input::Back);
    assert_eq!(rig.step_id(), "welcome");
    let fx = rig.press_after(1000, Input::Back);
    assert_eq!(tones(&fx), vec![Tone::Invalid], "no back from the start");
    assert_eq!(rig.session.path_for_test().len(), 1);
    // The start step's time counts again from its being shown after back.
    let fx = rig.press_after(1500, Input::No);
    let r = &records(&fx)[0];
    assert_eq!(
        path(r),
        vec![
            ("welcome", Answer::Yes, 0),
            ("whose_phone", Answer::No, 1000),
            ("landline_note", Answer::Back, 1000),
            ("whose_phone", Answer::Back, 1000),
            ("welcome", Answer::No, 2500),
            ("bye", Answer::None, 0),
        ]
    );
    assert_eq!(r.back, 2);
}

#[test]
fn an_ending_writes_its_record_at_once_and_has_no_back() {
    let mut rig = Rig::new();
    rig.press(Input::Yes);
    let fx = rig.press_after(3000, Input::Yes);
    let r = &records(&fx)[0];
    assert_eq!(r.outcome, "resolved");
    assert_eq!(r.end, "done");
    assert_eq!(path(r).last(), Some(&("done", Answer::None, 0)));
    assert_eq!(r.duration_ms, 3000);
    for key in [Input::Back, Input::No] {
        let fx = rig.press_after(1000, key);
        assert_eq!(tones(&fx), vec![Tone::Invalid]);
        assert!(records(&fx).is_empty());
    }
    let now = rig.now();
    assert!(records(&rig.session.handle_shutdown(now)).is_empty());
}

#[test]
fn continue_shows_the_start_step_for_the_next_customer() {
    let mut rig = Rig::new();
    rig.press(Input::No);
    let fx = rig.press_after(1000, Input::Continue);
    assert!(fx.contains(&Effect::Reset));
    assert_eq!(rig.step_id(), "welcome");
    assert!(!rig.session.view().in_session);
}

// See: leaving an ending pushed its Continue earcon before the reset's
// StopSpeech, which cut it before it sounded.
#[test]
fn leaving_an_ending_sounds_its_earcon_after_the_stop_at_her_volume() {
    let mut rig = Rig::new();
    rig.press(Input::Louder);
    rig.press_after(1000, Input::No);
    let fx = rig.press_after(1000, Input::Continue);
    let stop = fx.iter().rposition(|e| *e == Effect::StopSpeech);
    let tone = fx.iter().position(|e| {
        matches!(
            e,
            Effect::Tone {
                tone: Tone::Continue,
                ..
            }
        )
    });
    assert!(stop < tone && tone.is_some(), "{fx:?}");
    let loud = SpeechSettings::default().volume.up().unwrap();
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Tone { tone: Tone::Continue, volume } if *volume == loud)),
        "{fx:?}"
    );
}

#[test]
fn enter_continues_a_note_but_never_answers_a_question() {
    let mut rig = Rig::new();
    rig.press(Input::Repeat);
    let fx = rig.press_after(1000, Input::Continue);
    assert_eq!(tones(&fx), vec![Tone::Invalid]);
    assert_eq!(rig.step_id(), "welcome");
    rig.press_after(1000, Input::Yes);
    rig.press_after(1000, Input::No);
    rig.press_after(1000, Input::Continue);
    assert_eq!(rig.step_id(), "call_support");
}

#[test]
fn start_over_asks_first_and_no_cancels() {
    let mut rig = Rig::new();
    rig.press(Input::Yes);
    let fx = rig.press_after(1000, Input::StartOver);
    assert_eq!(rig.session.view().overlay, Overlay::ConfirmStartOver);
    assert_eq!(spoken(&fx)[0].0, SpeechKind::Prompt);
    let fx = rig.press_after(1000, Input::No);
    assert_eq!(rig.session.view().overlay, Overlay::None);
    assert_eq!(rig.step_id(), "whose_phone");
    assert!(records(&fx).is_empty());
}

#[test]
fn confirmed_start_over_writes_restarted_and_greets_the_fresh_start() {
    let mut rig = Rig::new();
    rig.press(Input::Yes);
    rig.press_after(1000, Input::StartOver);
    let fx = rig.press_after(2000, Input::Yes);
    let r = &records(&fx)[0];
    assert_eq!(r.outcome, "restarted");
    assert_eq!(path(r).last(), Some(&("whose_phone", Answer::None, 3000)));
    assert_eq!(r.duration_ms, 3000);
    assert_eq!(rig.step_id(), "welcome");
    assert!(!rig.session.view().in_session);
    assert_eq!(spoken(&fx)[0], (SpeechKind::Step, "はじめますか？".into()));
}

#[test]
fn shutdown_writes_the_session_under_way_as_abandoned() {
    let mut rig = Rig::new();
    rig.press(Input::Yes);
    rig.wait(1234);
    let now = rig.now();
    let r = &records(&rig.session.handle_shutdown(now))[0];
    assert_eq!(r.outcome, "abandoned");
    assert_eq!(r.duration_ms, 1234);
}

#[test]
fn shutdown_during_the_idle_warning_stops_time_at_the_warning() {
    let mut rig = Rig::new();
    rig.press(Input::Yes);
    rig.wait(100_000);
    let now = rig.now();
    let r = &records(&rig.session.handle_shutdown(now))[0];
    assert_eq!(r.duration_ms, 90_000);
}

#[test]
fn the_record_carries_flow_kiosk_hour_and_hash() {
    let mut rig = Rig::with(EngineConfig {
        kiosk: "counter-2".into(),
        ..EngineConfig::default()
    });
    let fx = rig.press(Input::No);
    let r = &records(&fx)[0];
    assert_eq!(r.v, 1);
    assert_eq!(r.flow, "test-flow");
    assert_eq!(r.flow_hash, crate::flow::content_hash(FLOW.as_bytes()));
    assert_eq!(r.kiosk, "counter-2");
    assert_eq!(r.hour, "2026-11-24T14");
}
