//! The App on a fake clock: marks, the staff exit, stops, the idle
//! countdown's tick, and what each key came to.

use std::time::{Duration, Instant};

use super::*;
use crate::engine;
use crate::record::LocalHour;
use crate::ui::Screen;

const HOUR: LocalHour = LocalHour {
    year: 2026,
    month: 11,
    day: 24,
    hour: 14,
};

/// An App on the bundled flow, driven on a fake clock.
struct Rig {
    app: App,
    t0: Instant,
    elapsed: Duration,
}

impl Rig {
    fn new(exit_keys: &[&str], marks: Vec<Mark>) -> (Rig, Vec<Effect>) {
        let t0 = Instant::now();
        let exit: Vec<String> = exit_keys.iter().map(|k| k.to_string()).collect();
        let (app, fx) = App::new(
            Flow::bundled().unwrap(),
            EngineConfig::default(),
            KeyMap::default(),
            ExitSequence::new(&exit),
            marks,
            t0,
        );
        let rig = Rig {
            app,
            t0,
            elapsed: Duration::ZERO,
        };
        (rig, fx)
    }

    fn plain() -> Rig {
        Rig::new(&["F12", "F12", "0"], Vec::new()).0
    }

    fn at(&self) -> Instant {
        self.t0 + self.elapsed
    }

    fn now(&self) -> Now {
        Now {
            mono: self.at(),
            local_hour: HOUR,
        }
    }

    fn send(&mut self, event: Event) -> Vec<Effect> {
        let now = self.now();
        self.app.handle(event, now)
    }

    /// One second later, a key.
    fn key(&mut self, name: &str) -> Vec<Effect> {
        self.elapsed += Duration::from_secs(1);
        self.send(Event::Key(name.to_string()))
    }

    /// Sleeps until the App's deadline, as `run` does, and times out.
    fn wake(&mut self) -> Vec<Effect> {
        let due = self.app.next_deadline(self.at()).unwrap();
        self.elapsed = due - self.t0;
        self.send(Event::Timeout)
    }
}

fn voice(heard: bool) -> SpeechStatus {
    SpeechStatus {
        audio_device: heard,
        system_voice: false,
        clips: heard,
    }
}

fn records(fx: &[Effect]) -> Vec<&crate::record::Record> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Engine(engine::Effect::Journal(r)) => Some(r),
            _ => None,
        })
        .collect()
}

fn has_log(fx: &[Effect], start: &str) -> bool {
    fx.iter()
        .any(|e| matches!(e, Effect::Log(line) if line.starts_with(start)))
}

#[test]
fn a_new_app_shows_the_start_with_no_voice_until_speech_says_so() {
    let (rig, fx) = Rig::new(&[], vec![Mark::ConfigError]);
    assert_eq!(rig.app.mode(), Mode::Customer);
    assert!(matches!(
        fx.as_slice(),
        [Effect::Engine(engine::Effect::Show(_))]
    ));
    assert_eq!(rig.app.marks(), [Mark::ConfigError, Mark::NoVoice]);
    assert_eq!(rig.app.next_deadline(rig.at()), None, "no timer untouched");
    assert_eq!(
        rig.app.scene(rig.at()).marks,
        [Mark::ConfigError, Mark::NoVoice]
    );
}

#[test]
fn speech_and_journal_status_raise_and_lower_their_marks() {
    let mut rig = Rig::plain();
    let fx = rig.send(Event::Speech(voice(true)));
    assert!(rig.app.marks().is_empty());
    assert!(has_log(&fx, "speech: "));
    assert!(fx.contains(&Effect::Redraw));
    let fx = rig.send(Event::Journal(JournalStatus::Failing {
        pending: 2,
        error: "disk full".into(),
    }));
    assert!(has_log(&fx, "journal: disk full (2 record(s) waiting)"));
    assert_eq!(rig.app.marks(), [Mark::JournalError]);
    rig.send(Event::Speech(voice(false)));
    assert_eq!(rig.app.marks(), [Mark::JournalError, Mark::NoVoice]);
    let fx = rig.send(Event::Journal(JournalStatus::Ok));
    assert!(has_log(&fx, "journal: writing again"));
    assert_eq!(rig.app.marks(), [Mark::NoVoice]);
    // The same status again keeps one mark.
    rig.send(Event::Speech(voice(false)));
    assert_eq!(rig.app.marks(), [Mark::NoVoice]);
}

#[test]
fn the_staff_exit_writes_the_session_under_way_then_exits() {
    let mut rig = Rig::plain();
    rig.key("1");
    assert!(rig.app.session().view().in_session);
    assert!(
        rig.key("F12").is_empty(),
        "part of the sequence does nothing"
    );
    assert!(rig.key("F12").is_empty());
    let fx = rig.key("0");
    let written = records(&fx);
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].outcome, "abandoned");
    assert_eq!(fx.last(), Some(&Effect::Exit(Exit::Staff)));
    assert_eq!(rig.app.exited(), Some(Exit::Staff));
    // Nothing more after the exit.
    assert!(rig.key("1").is_empty());
    assert!(rig.send(Event::Terminate).is_empty());
    assert_eq!(rig.app.next_deadline(rig.at()), None);
}

#[test]
fn a_staff_key_alone_starts_no_session() {
    let mut rig = Rig::plain();
    assert!(rig.key("F12").is_empty());
    assert!(!rig.app.session().view().in_session);
    // A Ctrl chord is nothing at all.
    assert!(rig.key("Ctrl-c").is_empty());
    // An exit on the untouched start writes nothing.
    rig.key("F12");
    rig.key("F12");
    let fx = rig.key("0");
    assert!(records(&fx).is_empty());
    assert_eq!(fx.last(), Some(&Effect::Exit(Exit::Staff)));
}

#[test]
fn a_digit_of_the_exit_sequence_still_answers_when_it_is_not_the_end_of_it() {
    let mut rig = Rig::plain();
    let fx = rig.key("1");
    assert!(KeyVerdict::of(&fx).acted);
    let before = rig.app.session().view().step;
    // `0` is repeat, and part of the sequence: it still repeats.
    let fx = rig.key("0");
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::Engine(engine::Effect::Speak(_)))));
    assert_eq!(rig.app.session().view().step, before);
}

#[test]
fn a_stop_signal_or_a_lost_terminal_writes_the_session_then_exits() {
    for (event, exit) in [
        (Event::Terminate, Exit::Stopped),
        (Event::InputClosed, Exit::TerminalLost),
    ] {
        let mut rig = Rig::plain();
        rig.key("1");
        let fx = rig.send(event);
        assert_eq!(records(&fx).len(), 1);
        assert_eq!(fx.last(), Some(&Effect::Exit(exit)));
    }
}

#[test]
fn the_idle_countdown_wakes_once_a_second_and_redraws() {
    let mut rig = Rig::plain();
    rig.key("1");
    let shown = rig.at();
    // The idle warning comes at the engine's deadline.
    let fx = rig.wake();
    assert_eq!(rig.at(), shown + Duration::from_secs(90));
    assert!(matches!(
        rig.app.session().view().overlay,
        Overlay::IdleWarning { .. }
    ));
    assert!(fx.contains(&Effect::Redraw));
    assert_eq!(rig.app.scene(rig.at()).idle_seconds_left, Some(90));
    // Then once a second, the number on screen one less each time.
    for left in (85..90).rev() {
        let fx = rig.wake();
        assert_eq!(fx, vec![Effect::Redraw]);
        assert_eq!(rig.app.scene(rig.at()).idle_seconds_left, Some(left));
    }
    // Woken mid-second (a key came and went), the tick keeps to the second.
    rig.elapsed += Duration::from_millis(300);
    assert_eq!(rig.app.scene(rig.at()).idle_seconds_left, Some(85));
    let due = rig.app.next_deadline(rig.at()).unwrap();
    assert_eq!(due - rig.at(), Duration::from_millis(700));
    // The reset at the end: a record, and no more ticking.
    let mut fx = Vec::new();
    while rig.app.session().view().in_session {
        fx = rig.wake();
    }
    assert_eq!(records(&fx).len(), 1);
    assert_eq!(rig.at(), shown + Duration::from_secs(180));
    assert_eq!(rig.app.next_deadline(rig.at()), None);
}

#[test]
fn a_spurious_timeout_does_nothing() {
    let mut rig = Rig::plain();
    assert!(rig.send(Event::Timeout).is_empty());
    rig.key("1");
    assert!(rig.send(Event::Timeout).is_empty());
}

#[test]
fn each_key_says_whether_it_acted_and_whether_it_draws() {
    let mut rig = Rig::plain();
    let acted = |fx: &[Effect]| KeyVerdict::of(fx);
    // The first key starts the session and draws.
    let v = acted(&rig.key("1"));
    assert!(v.acted && v.redraw, "{v:?}");
    // The same key again within the guard time: dropped.
    let fx = rig.send(Event::Key("1".into()));
    assert_eq!(
        acted(&fx),
        KeyVerdict {
            acted: false,
            redraw: false
        }
    );
    // Repeat speaks again: acted, no new frame.
    let fx = rig.key("0");
    let v = acted(&fx);
    assert!(v.acted && !v.redraw, "{v:?} {fx:?}");
    // Back to the start step draws it; back again there is refused with a
    // tone: acted, no frame.
    let v = acted(&rig.key("4"));
    assert!(v.acted && v.redraw, "{v:?}");
    let session = rig.app.session();
    assert_eq!(session.view().step, session.flow().start);
    let v = acted(&rig.key("4"));
    assert!(v.acted && !v.redraw, "{v:?}");
    // Keys the kiosk ignores entirely.
    assert!(!acted(&rig.key("Ctrl-z")).acted);
    assert!(!acted(&rig.key("F12")).acted);
    // A resize draws but is no key.
    assert_eq!(rig.send(Event::Resize), vec![Effect::Redraw]);
}

// ----- the staff screen (issue 17) -----

use crate::staff::{Notice, Probe, StaffEvent, StaffRequest, StaffSetup};

const STAFF: [&str; 3] = ["9", "9", "0"];

impl Rig {
    /// A plain rig whose staff screen opens with `keys`.
    fn staff(keys: &[&str]) -> Rig {
        let mut rig = Rig::plain();
        rig.app = rig.app.clone().with_staff(StaffSetup {
            keys: keys.iter().map(|k| k.to_string()).collect(),
            probes: vec![Probe::Sound, Probe::Journal],
            can_reload: true,
            staff_exit: true,
            ..StaffSetup::default()
        });
        rig
    }

    fn keys(&mut self, keys: &[&str]) -> Vec<Effect> {
        keys.iter().flat_map(|k| self.key(k)).collect()
    }
}

fn journal_writes(fx: &[Effect]) -> usize {
    records(fx).len()
}

#[test]
fn the_staff_sequence_during_a_session_writes_it_as_abandoned_and_opens_the_view() {
    let mut rig = Rig::staff(&STAFF);
    rig.key("1");
    assert!(rig.app.session().view().in_session);
    assert!(rig.key("9").is_empty(), "the start of the sequence is held");
    assert!(rig.key("9").is_empty());
    let fx = rig.key("0");
    assert_eq!(rig.app.mode(), Mode::Staff);
    let written = records(&fx);
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].outcome, "abandoned");
    assert!(fx.contains(&Effect::Staff(StaffRequest::Probe(vec![
        Probe::Sound,
        Probe::Journal
    ]))));
    assert!(fx.contains(&Effect::Staff(StaffRequest::Counts)));
    assert!(fx.contains(&Effect::Engine(engine::Effect::StopSpeech)));
    assert!(matches!(rig.app.screen(rig.at()), Screen::Staff(_)));
    // Probes answer; the view keeps them, and writes nothing.
    let fx = rig.send(Event::Staff(StaffEvent::Health {
        probe: Probe::Journal,
        lines: Vec::new(),
    }));
    assert_eq!(fx, vec![Effect::Redraw]);
    assert_eq!(rig.app.staff_view().health[1].1, Some(Vec::new()));
    assert_eq!(rig.app.staff_view().health[0].1, None);
}

#[test]
fn the_staff_view_writes_nothing_and_its_speech_test_speaks_each_language() {
    let mut rig = Rig::staff(&STAFF);
    rig.keys(&STAFF);
    let fx = rig.keys(&["1", "0", "2", "5", "x", "Enter", "3"]);
    assert_eq!(journal_writes(&fx), 0);
    let spoken: Vec<&str> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Engine(engine::Effect::Speak(u)) => Some(u.lang.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(spoken, ["ja", "en"]);
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::Engine(engine::Effect::Tone { .. }))));
    assert!(fx.contains(&Effect::Staff(StaffRequest::ReloadFlow)));
    // No printer configured: its key does nothing.
    assert!(!fx.contains(&Effect::Staff(StaffRequest::PrintTest)));
    assert_eq!(rig.app.staff_view().page, 1);
    assert_eq!(rig.app.mode(), Mode::Staff);
}

/// See issue 16: with a printer, key 3 asks for the test page and the
/// screen says it is on its way, then what CUPS answered.
#[test]
fn the_print_test_key_asks_for_a_page_and_shows_its_answer() {
    let mut rig = Rig::plain();
    rig.app = rig.app.clone().with_staff(StaffSetup {
        keys: STAFF.iter().map(|k| k.to_string()).collect(),
        probes: vec![Probe::Printer],
        printer: true,
        ..StaffSetup::default()
    });
    rig.keys(&STAFF);
    let fx = rig.key("3");
    assert!(
        fx.contains(&Effect::Staff(StaffRequest::PrintTest)),
        "{fx:?}"
    );
    assert_eq!(rig.app.staff_view().notice, Some(Notice::PrintTest));
    let fx = rig.send(Event::Staff(StaffEvent::PrintTested(Err(
        "printer \"p\" is stopped".into(),
    ))));
    assert!(fx.contains(&Effect::Redraw));
    assert_eq!(
        rig.app.staff_view().notice,
        Some(Notice::PrintTested(Err("printer \"p\" is stopped".into())))
    );
    rig.send(Event::Staff(StaffEvent::PrintTested(Ok(()))));
    assert_eq!(
        rig.app.staff_view().notice,
        Some(Notice::PrintTested(Ok(())))
    );
}

#[test]
fn sixty_seconds_without_a_key_go_back_to_the_start_screen() {
    let mut rig = Rig::staff(&STAFF);
    rig.key("1");
    rig.keys(&STAFF);
    let opened = rig.at();
    assert_eq!(
        rig.app.next_deadline(rig.at()),
        Some(opened + STAFF_TIMEOUT)
    );
    // A key keeps it open another 60 s.
    rig.elapsed += Duration::from_secs(29);
    rig.key("0");
    let last = rig.at();
    assert_eq!(rig.app.next_deadline(rig.at()), Some(last + STAFF_TIMEOUT));
    // A spurious wake before then changes nothing.
    assert!(rig.send(Event::Timeout).is_empty());
    let fx = rig.wake();
    assert_eq!(rig.at(), last + STAFF_TIMEOUT);
    assert_eq!(rig.app.mode(), Mode::Customer);
    assert!(fx.contains(&Effect::Engine(engine::Effect::Reset)));
    assert_eq!(journal_writes(&fx), 0);
    let view = rig.app.session().view();
    assert!(!view.in_session);
    assert_eq!(view.step, rig.app.session().flow().start);
    assert!(matches!(rig.app.screen(rig.at()), Screen::Customer(_)));
    // The customer's kiosk again: no deadline until a key.
    assert_eq!(rig.app.next_deadline(rig.at()), None);
}

#[test]
fn esc_or_the_sequence_again_close_the_view_and_the_staff_exit_is_a_key() {
    let mut rig = Rig::staff(&STAFF);
    rig.keys(&STAFF);
    rig.key("Esc");
    assert_eq!(rig.app.mode(), Mode::Customer);
    rig.keys(&STAFF);
    assert_eq!(rig.app.mode(), Mode::Staff);
    rig.keys(&STAFF);
    assert_eq!(rig.app.mode(), Mode::Customer);
    rig.keys(&STAFF);
    // "9" starts the sequence too: held until its wait runs out.
    assert!(rig.key("9").is_empty());
    let fx = rig.wake();
    assert_eq!(fx.last(), Some(&Effect::Exit(Exit::Staff)));
}

#[test]
fn each_proper_prefix_then_another_key_acts_as_those_keys_do_for_the_customer() {
    let staff = ["9", "9", "1", "0"];
    for len in 1..staff.len() {
        for other in ["1", "2", "Enter", "Esc", "x", "F12"] {
            if other == staff[len] {
                continue;
            }
            let typed: Vec<&str> = staff[..len].iter().copied().chain([other]).collect();
            let mut with = Rig::staff(&staff);
            let mut without = Rig::staff(&[]);
            let a = with.keys(&typed);
            let b = without.keys(&typed);
            assert_eq!(a, b, "{typed:?}");
            assert_eq!(with.app.mode(), Mode::Customer, "{typed:?}");
            assert_eq!(
                with.app.session().view(),
                without.app.session().view(),
                "{typed:?}"
            );
        }
    }
}

#[test]
fn a_held_prefix_acts_for_the_customer_once_its_wait_runs_out() {
    let mut with = Rig::staff(&STAFF);
    let mut without = Rig::staff(&[]);
    assert!(with.key("9").is_empty());
    assert_eq!(with.app.next_deadline(with.at()), Some(with.at() + HOLD));
    let late = with.wake();
    let now = without.key("9");
    assert_eq!(late, now);
    assert_eq!(with.app.session().view(), without.app.session().view());
}

#[test]
fn a_good_reload_runs_from_the_next_session_and_a_broken_one_is_refused() {
    let mut rig = Rig::staff(&STAFF);
    rig.keys(&STAFF);
    rig.key("2");
    assert_eq!(rig.app.staff_view().notice, Some(Notice::Reloading));
    let error = "flow.toml:3:5: error: unknown field".to_string();
    rig.send(Event::Staff(StaffEvent::FlowLoaded(Err(error.clone()))));
    assert_eq!(rig.app.staff_view().notice, Some(Notice::Refused(error)));
    let mut other = Flow::bundled().unwrap();
    other.id = "edited".into();
    rig.send(Event::Staff(StaffEvent::FlowLoaded(Ok(Box::new(other)))));
    assert!(matches!(
        &rig.app.staff_view().notice,
        Some(Notice::Reloaded { id, .. }) if id == "edited"
    ));
    assert_ne!(rig.app.session().flow().id, "edited");
    rig.key("Esc");
    assert_eq!(rig.app.session().flow().id, "edited");
}
