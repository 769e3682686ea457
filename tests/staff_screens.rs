//! The staff screen (issue 17) through ratatui's `TestBackend`, kept as
//! insta snapshots in ja and en at 60x16, 80x24 and 120x40, its pages at
//! the smallest size, and a sweep of sizes that must never panic.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use counter_kiosk::flow::Flow;
use counter_kiosk::messages::Message;
use counter_kiosk::msg;
use counter_kiosk::staff::{
    Counts, HealthLine, Notice, PeriodCounts, Probe, StaffSetup, StaffView, StartInfo, StartReason,
};
use counter_kiosk::ui::{render_staff, StaffScene};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use unicode_width::UnicodeWidthStr;

/// The bundled flow with a fixed hash, so an edit of it moves no snapshot.
fn flow() -> Flow {
    let mut flow = Flow::bundled().unwrap();
    flow.hash = "0123abcd".into();
    flow
}

/// A doctor line as the probes make it: rendered in the kiosk's language
/// on the screen.
fn line(check: &str, ok: bool, message: Message) -> HealthLine {
    HealthLine {
        check: check.into(),
        ok,
        message,
    }
}

fn setup() -> StaffSetup {
    StaffSetup {
        keys: vec!["F11".into(), "5".into(), "5".into()],
        probes: vec![Probe::Sound, Probe::Voice, Probe::Clips, Probe::Journal],
        start: StartInfo {
            at: "2026-11-24 08:58".into(),
            reason: StartReason::Boot,
        },
        version: "0.1.0".into(),
        can_reload: true,
        printer: false,
        staff_exit: true,
    }
}

/// A view with every kind of line: answers good and bad, one probe still
/// running, counts with a "<k" and a period too small to break down, and
/// a refused reload.
fn view(page: usize) -> StaffView {
    view_in("ja", page)
}

fn view_in(lang: &str, page: usize) -> StaffView {
    let words: [&str; 6] = if lang == "ja" {
        [
            "解決",
            "係員へ",
            "中断",
            "認証アプリ",
            "本人確認",
            "電話番号",
        ]
    } else {
        [
            "solved",
            "to staff",
            "abandoned",
            "Authenticator app",
            "Identity",
            "Phone number",
        ]
    };
    StaffView {
        page,
        health: vec![
            (
                Probe::Sound,
                Some(vec![line(
                    "sound",
                    true,
                    msg!("doctor.sound_ok", device = "default"),
                )]),
            ),
            (
                Probe::Voice,
                Some(vec![
                    line(
                        "speech_dispatcher",
                        true,
                        msg!("doctor.voice_ok", count = 2),
                    ),
                    line("voice_ja", true, msg!("doctor.voice_lang_ok", lang = "ja")),
                    line(
                        "voice_en",
                        false,
                        msg!("doctor.voice_lang_missing", lang = "en"),
                    ),
                ]),
            ),
            (Probe::Clips, None),
            (
                Probe::Journal,
                Some(vec![line(
                    "journal",
                    true,
                    msg!(
                        "doctor.journal_ok",
                        dir = "/var/lib/counter-kiosk",
                        free = "12.3 GiB",
                    ),
                )]),
            ),
        ],
        counts: Some(Ok(Counts {
            today: PeriodCounts {
                sessions: "<5".into(),
                broken_down: false,
                outcomes: Vec::new(),
                sticking: Vec::new(),
            },
            week: PeriodCounts {
                sessions: "23".into(),
                broken_down: true,
                outcomes: vec![
                    (words[0].into(), "17".into()),
                    (words[1].into(), "<5".into()),
                    (words[2].into(), "*".into()),
                ],
                sticking: words[3..].iter().map(|w| w.to_string()).collect(),
            },
            k: 5,
        })),
        notice: Some(Notice::Refused(
            "/etc/counter-kiosk/flow.toml:12:9: error: step \"x\": unknown field \"nxt\"".into(),
        )),
    }
}

fn draw(flow: &Flow, lang: &str, view: &StaffView, w: u16, h: u16) -> Terminal<TestBackend> {
    let setup = setup();
    let scene = StaffScene {
        flow,
        lang: flow.lang_ix(lang).unwrap(),
        setup: &setup,
        view,
        journal_error: None,
    };
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|frame| {
            let area = frame.area();
            render_staff(&scene, area, frame.buffer_mut());
        })
        .unwrap();
    terminal
}

/// The screen as a terminal shows it: a wide glyph covers the cell after it.
fn text(buf: &Buffer) -> String {
    let mut rows = Vec::new();
    for y in 0..buf.area.height {
        let mut row = String::new();
        let mut x = 0;
        while x < buf.area.width {
            let symbol = buf[(x, y)].symbol();
            row.push_str(symbol);
            x += u16::try_from(symbol.width().max(1)).unwrap();
        }
        rows.push(row);
    }
    rows.join("\n")
}

#[test]
fn the_staff_screen_in_both_languages_and_three_sizes() {
    let flow = flow();
    for lang in ["ja", "en"] {
        for (w, h) in [(60, 16), (80, 24), (120, 40)] {
            let terminal = draw(&flow, lang, &view_in(lang, 0), w, h);
            insta::assert_snapshot!(format!("staff_{lang}_{w}x{h}"), terminal.backend());
        }
    }
}

#[test]
fn the_pages_at_the_smallest_size_show_every_line_and_turn_round() {
    let flow = flow();
    for lang in ["ja", "en"] {
        let first = text(
            draw(&flow, lang, &view_in(lang, 0), 60, 16)
                .backend()
                .buffer(),
        );
        let indicator = if lang == "ja" {
            "ページ 1/"
        } else {
            "page 1/"
        };
        assert!(first.contains(indicator), "{first}");
        let mut all = String::new();
        let mut page = 0;
        loop {
            let shown = text(
                draw(&flow, lang, &view_in(lang, page), 60, 16)
                    .backend()
                    .buffer(),
            );
            if page > 0 && shown == first {
                break;
            }
            all.push_str(&shown);
            page += 1;
            assert!(page < 10, "the pages never turn round");
        }
        assert!(page >= 2, "60x16 needs more than one page");
        for want in ["23", "<5", "0.1.0", "2026-11-24 08:58", "12:9"] {
            assert!(all.contains(want), "{want} on no page");
        }
        let second = draw(&flow, lang, &view_in(lang, 1), 60, 16);
        insta::assert_snapshot!(format!("staff_{lang}_60x16_page2"), second.backend());
    }
}

#[test]
fn no_size_panics() {
    let flow = flow();
    let empty = StaffView::default();
    for w in [0, 1, 10, 59, 60, 61, 100, 300] {
        for h in [0, 1, 5, 15, 16, 17, 50] {
            for v in [&view(3), &empty] {
                let _ = draw(&flow, "ja", v, w, h);
            }
        }
    }
}
