//! The App's screens as the kiosk draws them (`App::scene` through
//! ratatui's `TestBackend`, insta snapshots), on a fake clock: the staff
//! marks raised by journal and speech status, the idle countdown as the
//! seconds pass, and the back key on a flow that loops to its start.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use counter_kiosk::app::{App, Event};
use counter_kiosk::engine::{EngineConfig, Now};
use counter_kiosk::flow::{self, Flow};
use counter_kiosk::input::{ExitSequence, KeyMap};
use counter_kiosk::journal::{JournalStatus, LocalHour};
use counter_kiosk::speech::SpeechStatus;
use counter_kiosk::ui;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const HOUR: LocalHour = LocalHour {
    year: 2026,
    month: 11,
    day: 24,
    hour: 14,
};

/// A small flow whose note asks to go round again, back to its start.
const LOOPING: &str = r#"
[flow]
id = "loop-tea"
start = "ask"
languages = ["en", "ja"]
title = { en = "Tea guide (loop)", ja = "お茶の案内（ループ）" }

[outcomes.served]
title = { en = "Tea served", ja = "お茶をどうぞ" }

[outcomes.declined]
title = { en = "Declined", ja = "おことわり" }

[steps.ask]
text = { en = "Would you like some tea?", ja = "お茶を飲みますか？" }
yes = "again"
no = "goodbye"

[steps.again]
text = { en = "Shall I ask you again?", ja = "もう一度聞きましょうか？" }
yes = "ask"
no = "served"

[steps.served]
text = { en = "Your tea is ready.", ja = "お茶ができました。" }
end = "served"

[steps.goodbye]
text = { en = "See you another time.", ja = "またどうぞ。" }
end = "declined"
"#;

struct Rig {
    app: App,
    at: Instant,
}

impl Rig {
    fn new(flow: Flow, lang: &str) -> Rig {
        let language = flow.lang_ix(lang).unwrap();
        let engine = EngineConfig {
            language,
            ..EngineConfig::default()
        };
        let at = Instant::now();
        let (app, _) = App::new(
            flow,
            engine,
            KeyMap::default(),
            ExitSequence::default(),
            Vec::new(),
            at,
        );
        Rig { app, at }
    }

    fn send(&mut self, event: Event) {
        let now = Now {
            mono: self.at,
            local_hour: HOUR,
        };
        let _ = self.app.handle(event, now);
    }

    fn key(&mut self, name: &str) {
        self.at += Duration::from_secs(1);
        self.send(Event::Key(name.to_string()));
    }

    /// Wakes at each of the App's deadlines up to `until`, as `run` does.
    fn wait_until(&mut self, until: Instant) {
        while let Some(due) = self.app.next_deadline(self.at) {
            if due > until {
                break;
            }
            self.at = due;
            self.send(Event::Timeout);
        }
        self.at = until;
    }

    fn draw(&self, width: u16, height: u16) -> Terminal<TestBackend> {
        let scene = self.app.scene(self.at);
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|frame| {
                let area = frame.area();
                ui::render(&scene, area, frame.buffer_mut());
            })
            .unwrap();
        terminal
    }
}

fn speech(heard: bool) -> Event {
    Event::Speech(SpeechStatus {
        audio_device: heard,
        system_voice: false,
        clips: heard,
    })
}

#[test]
fn the_marks_follow_journal_and_speech_status() {
    let mut rig = Rig::new(Flow::bundled().unwrap(), "ja");
    rig.send(speech(true));
    rig.send(Event::Journal(JournalStatus::Failing {
        pending: 1,
        error: "disk full".into(),
    }));
    insta::assert_snapshot!("journal_failing_ja_80x24", rig.draw(80, 24).backend());
    rig.send(speech(false));
    rig.send(Event::Journal(JournalStatus::Ok));
    insta::assert_snapshot!("journal_back_no_voice_ja_80x24", rig.draw(80, 24).backend());
}

#[test]
fn the_idle_countdown_counts_the_seconds_on_a_fake_clock() {
    let mut rig = Rig::new(Flow::bundled().unwrap(), "en");
    rig.key("1");
    let warned = rig.at + Duration::from_secs(90);
    // Into the warning by 32.5 s, then 33.5 s: 58, then 57 s left (rounded up).
    rig.wait_until(warned + Duration::from_millis(32_500));
    assert_eq!(rig.app.scene(rig.at).idle_seconds_left, Some(58));
    rig.wait_until(warned + Duration::from_millis(33_500));
    assert_eq!(rig.app.scene(rig.at).idle_seconds_left, Some(57));
    insta::assert_snapshot!("idle_countdown_57_en_80x24", rig.draw(80, 24).backend());
}

#[test]
fn a_flow_that_loops_to_its_start_shows_the_back_key_there() {
    let flow = flow::load_source("loop.toml", LOOPING)
        .into_result()
        .unwrap();
    let mut rig = Rig::new(flow, "en");
    insta::assert_snapshot!("loop_start_untouched_en_80x24", rig.draw(80, 24).backend());
    rig.key("1");
    rig.key("1");
    assert_eq!(
        rig.app.session().view().step,
        rig.app.session().flow().start
    );
    assert!(rig.app.session().view().can_go_back);
    insta::assert_snapshot!("loop_start_again_en_80x24", rig.draw(80, 24).backend());
}
