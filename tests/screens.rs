//! Every kind of screen, drawn through ratatui's `TestBackend` and kept as
//! insta snapshots: ja and en, at 80x24, 120x40 and the 60x16 minimum, plus
//! "too small" and a sweep of sizes that must never panic.

use std::time::{Duration, Instant};

use counter_kiosk::engine::{EngineConfig, Input, Now, Session};
use counter_kiosk::flow::Flow;
use counter_kiosk::input::KeyMap;
use counter_kiosk::journal::LocalHour;
use counter_kiosk::ui::{self, Mark, Scene};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const HOUR: LocalHour = LocalHour {
    year: 2026,
    month: 11,
    day: 24,
    hour: 14,
};

/// The bundled flow driven by `keys`, one second apart.
fn session_after(lang: &str, keys: &[Input]) -> (Session, Instant) {
    let flow = Flow::bundled().unwrap();
    let lang = flow.lang_ix(lang).unwrap();
    let config = EngineConfig {
        language: lang,
        ..EngineConfig::default()
    };
    let t0 = Instant::now();
    let (mut session, _) = Session::new(flow, config, t0);
    let mut at = t0;
    for key in keys {
        at += Duration::from_secs(1);
        let _ = session.handle_input(
            *key,
            Now {
                mono: at,
                local_hour: HOUR,
            },
        );
    }
    (session, at)
}

fn draw(
    session: &Session,
    width: u16,
    height: u16,
    marks: &[Mark],
    idle: Option<u64>,
) -> Terminal<TestBackend> {
    let keys = KeyMap::default();
    let scene = Scene {
        flow: session.flow(),
        view: session.view(),
        keys: &keys,
        marks,
        idle_seconds_left: idle,
    };
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| {
            let area = frame.area();
            ui::render(&scene, area, frame.buffer_mut());
        })
        .unwrap();
    terminal
}

/// One screen kind: the keys that lead to it.
fn kinds() -> Vec<(&'static str, Vec<Input>)> {
    use Input::*;
    vec![
        ("question", vec![]),
        ("note_with_list", vec![Yes]),
        ("ending", vec![No]),
        ("confirm_start_over", vec![Yes, StartOver]),
        ("key_guide", vec![Yes, Help]),
        ("staff_called", vec![Yes, Help, Help]),
        ("help_offered", vec![Yes, Repeat, Repeat]),
        ("paused", vec![Yes, Pause]),
    ]
}

#[test]
fn every_screen_kind_in_both_languages_and_three_sizes() {
    for (name, keys) in kinds() {
        for lang in ["ja", "en"] {
            for (w, h) in [(80, 24), (120, 40), (60, 16)] {
                let (session, _) = session_after(lang, &keys);
                let terminal = draw(&session, w, h, &[], None);
                insta::assert_snapshot!(format!("{name}_{lang}_{w}x{h}"), terminal.backend());
            }
        }
    }
}

#[test]
fn the_idle_warning_counts_down() {
    for lang in ["ja", "en"] {
        for (w, h) in [(80, 24), (120, 40)] {
            let (mut session, at) = session_after(lang, &[Input::Yes]);
            let warned = at + Duration::from_secs(90);
            let _ = session.handle_timeout(Now {
                mono: warned,
                local_hour: HOUR,
            });
            let terminal = draw(&session, w, h, &[], Some(90));
            insta::assert_snapshot!(format!("idle_warning_{lang}_{w}x{h}"), terminal.backend());
        }
    }
}

#[test]
fn staff_marks_show_in_brackets() {
    let (session, _) = session_after("ja", &[]);
    let marks = [Mark::NoVoice, Mark::JournalError, Mark::FallbackFlow];
    let terminal = draw(&session, 80, 24, &marks, None);
    insta::assert_snapshot!("marks_ja_80x24", terminal.backend());
}

#[test]
fn too_small_says_so_in_every_language() {
    let (session, _) = session_after("ja", &[]);
    for (w, h) in [(59, 24), (80, 15), (40, 10)] {
        let terminal = draw(&session, w, h, &[], None);
        insta::assert_snapshot!(format!("too_small_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn no_size_from_1x1_to_300x80_panics() {
    let sessions: Vec<Session> = kinds()
        .iter()
        .map(|(_, keys)| session_after("ja", keys).0)
        .collect();
    let marks = [Mark::NoVoice, Mark::JournalError];
    for w in (1..=300).step_by(23).chain([2, 59, 60, 61, 300]) {
        for h in (1..=80).step_by(9).chain([2, 15, 16, 17, 80]) {
            for session in &sessions {
                let _ = draw(session, w, h, &marks, Some(5));
            }
        }
    }
}
