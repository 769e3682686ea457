//! Every kind of screen, drawn through ratatui's `TestBackend` and kept as
//! insta snapshots: ja and en, at 80x24, 120x40 and the 60x16 minimum, plus
//! "too small", the key guide under a remapped key map, and a sweep of
//! sizes that must never panic. Every overlay's border is whole as a
//! terminal shows it (a wide glyph left of a box must not eat its edge).
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use counter_kiosk::engine::{EngineConfig, Input, Now, Session};
use counter_kiosk::flow::Flow;
use counter_kiosk::input::KeyMap;
use counter_kiosk::journal::LocalHour;
use counter_kiosk::ui::{self, Mark, Scene, MIN_HEIGHT, MIN_WIDTH};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, BorderType, Widget};
use ratatui::Terminal;
use unicode_width::UnicodeWidthStr;

const HOUR: LocalHour = LocalHour {
    year: 2026,
    month: 11,
    day: 24,
    hour: 14,
};

/// The bundled flow driven by `keys`, one second apart.
fn session_after(lang: &str, keys: &[Input]) -> (Session, Instant) {
    session_with_keys(lang, keys, &KeyMap::default())
}

/// As [`session_after`], with the flow's phrases naming `map`'s keys (as
/// `kiosk run` names the config's).
fn session_with_keys(lang: &str, keys: &[Input], map: &KeyMap) -> (Session, Instant) {
    let mut flow = Flow::bundled().unwrap();
    flow.name_keys(&map.key_names());
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
    draw_with_keys(session, &KeyMap::default(), width, height, marks, idle)
}

fn draw_with_keys(
    session: &Session,
    keys: &KeyMap,
    width: u16,
    height: u16,
    marks: &[Mark],
    idle: Option<u64>,
) -> Terminal<TestBackend> {
    let scene = Scene {
        flow: session.flow(),
        view: session.view(),
        keys,
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

/// The sizes every screen kind is drawn at.
const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (60, 16)];

#[test]
fn every_screen_kind_in_both_languages_and_three_sizes() {
    for (name, keys) in kinds() {
        for lang in ["ja", "en"] {
            for (w, h) in SIZES {
                let (session, _) = session_after(lang, &keys);
                let terminal = draw(&session, w, h, &[], None);
                insta::assert_snapshot!(format!("{name}_{lang}_{w}x{h}"), terminal.backend());
            }
        }
    }
}

/// The session in `lang` at the idle warning (on the second step).
fn idle_warned(lang: &str) -> Session {
    let (mut session, at) = session_after(lang, &[Input::Yes]);
    let warned = at + Duration::from_secs(90);
    let _ = session.handle_timeout(Now {
        mono: warned,
        local_hour: HOUR,
    });
    session
}

#[test]
fn the_idle_warning_counts_down() {
    for lang in ["ja", "en"] {
        for (w, h) in [(80, 24), (120, 40)] {
            let terminal = draw(&idle_warned(lang), w, h, &[], Some(90));
            insta::assert_snapshot!(format!("idle_warning_{lang}_{w}x{h}"), terminal.backend());
        }
    }
}

#[test]
fn the_idle_warning_at_the_smallest_screen() {
    for lang in ["ja", "en"] {
        let terminal = draw(&idle_warned(lang), 60, 16, &[], Some(90));
        insta::assert_snapshot!(format!("idle_warning_{lang}_60x16"), terminal.backend());
    }
}

/// A shop's keypad with other stickers: yes, no, repeat, help and the
/// language moved; F1 and Tab are wider labels than a digit.
fn remapped_keys() -> KeyMap {
    KeyMap::with_overrides(&[
        (Input::Yes, vec!["3".into()]),
        (Input::No, vec!["6".into()]),
        (Input::Repeat, vec!["*".into()]),
        (Input::Help, vec!["F1".into()]),
        (Input::SwitchLanguage, vec!["Tab".into()]),
    ])
}

// See: after a [keys] remap the key guide named keys that did nothing.
#[test]
fn the_key_guide_names_the_remapped_keys() {
    let keys = remapped_keys();
    for lang in ["ja", "en"] {
        let (session, _) = session_with_keys(lang, &[Input::Yes, Input::Help], &keys);
        let terminal = draw_with_keys(&session, &keys, 80, 24, &[], None);
        let screen = screen_text(terminal.backend().buffer());
        let (yes, help) = if lang == "ja" {
            ("3 はい・次へ", "F1 もう一度押すと係の者を呼びます")
        } else {
            ("3 yes / next", "F1 again to call staff")
        };
        assert!(screen.contains(yes) && screen.contains(help), "{screen}");
        insta::assert_snapshot!(
            format!("key_guide_remapped_{lang}_80x24"),
            terminal.backend()
        );
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
                let terminal = draw(session, w, h, &marks, Some(5));
                if w >= MIN_WIDTH && h >= MIN_HEIGHT {
                    assert_whole_border(&format!("{w}x{h}"), &terminal);
                }
            }
        }
    }
}

/// The cells of row `y` that a terminal shows, each with its column: a wide
/// glyph covers the cell after it, whatever the buffer holds there.
fn visible_row(buf: &Buffer, y: u16) -> Vec<(u16, String)> {
    let mut cells = Vec::new();
    let mut x = 0;
    while x < buf.area.width {
        let symbol = buf[(x, y)].symbol().to_string();
        let width = u16::try_from(symbol.width().max(1)).unwrap_or(1);
        cells.push((x, symbol));
        x += width;
    }
    cells
}

/// The screen as a terminal shows it, a line a row.
fn screen_text(buf: &Buffer) -> String {
    (0..buf.area.height)
        .map(|y| {
            visible_row(buf, y)
                .into_iter()
                .map(|(_, s)| s)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What shows at column `x` of row `y`, if a cell starts there (none when
/// a wide glyph from the left covers it).
fn shown_at(buf: &Buffer, x: u16, y: u16) -> Option<String> {
    visible_row(buf, y)
        .into_iter()
        .find(|(cx, _)| *cx == x)
        .map(|(_, s)| s)
}

/// What is broken in the overlay box's double border as a terminal shows
/// it: its corners, both sides on every row, its bottom edge. A screen
/// without a box has nothing broken.
fn border_problems(buf: &Buffer) -> Vec<String> {
    let Some((left, top)) = (0..buf.area.height).find_map(|y| {
        visible_row(buf, y)
            .into_iter()
            .find(|(_, s)| s == "╔")
            .map(|(x, _)| (x, y))
    }) else {
        return Vec::new();
    };
    let Some(right) = visible_row(buf, top)
        .into_iter()
        .find(|(x, s)| *x > left && s == "╗")
        .map(|(x, _)| x)
    else {
        return vec![format!("row {top}: no top-right corner")];
    };
    let Some(bottom) =
        (top + 1..buf.area.height).find(|y| shown_at(buf, left, *y).as_deref() == Some("╚"))
    else {
        return vec![format!("column {left}: no bottom-left corner")];
    };
    let mut problems = Vec::new();
    for y in top + 1..bottom {
        for (x, edge) in [(left, "left"), (right, "right")] {
            let shown = shown_at(buf, x, y);
            if shown.as_deref() != Some("║") {
                problems.push(format!(
                    "row {y}: {edge} border at column {x} shows {shown:?}"
                ));
            }
        }
    }
    if shown_at(buf, right, bottom).as_deref() != Some("╝") {
        problems.push(format!("row {bottom}: no bottom-right corner"));
    }
    for x in left + 1..right {
        if shown_at(buf, x, bottom).as_deref() != Some("═") {
            problems.push(format!("row {bottom}: bottom edge broken at column {x}"));
        }
    }
    problems
}

fn has_box(buf: &Buffer) -> bool {
    (0..buf.area.height).any(|y| visible_row(buf, y).iter().any(|(_, s)| s == "╔"))
}

fn assert_whole_border(name: &str, terminal: &Terminal<TestBackend>) {
    let buf = terminal.backend().buffer();
    let problems = border_problems(buf);
    assert!(
        problems.is_empty(),
        "{name}: the overlay's border is broken:\n{}\n{}",
        problems.join("\n"),
        screen_text(buf)
    );
}

/// Every screen with an overlay box that the snapshots keep, by name.
fn overlay_screens() -> Vec<(String, Terminal<TestBackend>)> {
    let overlays = ["confirm_start_over", "key_guide", "staff_called"];
    let mut screens = Vec::new();
    for (name, keys) in kinds().into_iter().filter(|(n, _)| overlays.contains(n)) {
        for lang in ["ja", "en"] {
            for (w, h) in SIZES {
                let (session, _) = session_after(lang, &keys);
                let terminal = draw(&session, w, h, &[], None);
                screens.push((format!("{name}_{lang}_{w}x{h}"), terminal));
            }
        }
    }
    let keys = remapped_keys();
    for lang in ["ja", "en"] {
        for (w, h) in SIZES {
            let terminal = draw(&idle_warned(lang), w, h, &[], Some(90));
            screens.push((format!("idle_warning_{lang}_{w}x{h}"), terminal));
        }
        let (session, _) = session_with_keys(lang, &[Input::Yes, Input::Help], &keys);
        let terminal = draw_with_keys(&session, &keys, 80, 24, &[], None);
        screens.push((format!("key_guide_remapped_{lang}_80x24"), terminal));
    }
    screens
}

// See: the key guide's left border was hidden by the step's wide glyphs
// ("・携帯電話に届くSMS╔ ヘルプ ═══").
#[test]
fn every_overlay_snapshot_has_an_unbroken_border() {
    let screens = overlay_screens();
    assert_eq!(screens.len(), 3 * 2 * 3 + 2 * (3 + 1));
    for (name, terminal) in &screens {
        assert!(has_box(terminal.backend().buffer()), "{name}: no overlay");
        assert_whole_border(name, terminal);
    }
}

#[test]
fn the_border_check_sees_a_wide_glyph_over_the_left_edge() {
    // The key guide as it once was: a wide glyph in the column left of the
    // box, its second half where the box's left border is.
    let mut buf = Buffer::empty(Rect::new(0, 0, 20, 6));
    buf.set_string(0, 2, "携帯電話", ratatui::style::Style::new());
    Block::bordered()
        .border_type(BorderType::Double)
        .render(Rect::new(5, 1, 10, 4), &mut buf);
    let problems = border_problems(&buf);
    assert_eq!(
        problems,
        vec!["row 2: left border at column 5 shows None".to_string()]
    );
}

/// A flow whose stage title is long and wide, so the progress line runs
/// under the paused mark at the right of the header.
const LONG_STAGE: &str = r#"
[flow]
id = "long-stage"
start = "a"
languages = ["ja", "en"]
title = { ja = "テスト", en = "Test" }
[stages.s]
title = { ja = "とても長い段階の名前がここに続いていて画面の右端まで届きそうです", en = "A stage with a very long name that runs on to the right edge" }
[outcomes.done]
title = { ja = "完了", en = "Done" }
[steps.a]
stage = "s"
text = { ja = "はじめます。", en = "Here we go." }
next = "z"
[steps.z]
text = { ja = "おわりです。", en = "Done." }
end = "done"
"#;

#[test]
fn the_paused_mark_is_whole_at_every_width() {
    let flow = counter_kiosk::flow::load_source("long-stage.toml", LONG_STAGE)
        .into_result()
        .unwrap();
    for lang in ["ja", "en"] {
        let config = EngineConfig {
            language: flow.lang_ix(lang).unwrap(),
            ..EngineConfig::default()
        };
        let t0 = Instant::now();
        let (mut session, _) = Session::new(flow.clone(), config, t0);
        let now = Now {
            mono: t0 + Duration::from_secs(1),
            local_hour: HOUR,
        };
        let _ = session.handle_input(Input::Pause, now);
        assert!(session.view().paused);
        let mark = if lang == "ja" {
            "[一時停止]"
        } else {
            "[Pause]"
        };
        for w in MIN_WIDTH..=120 {
            let terminal = draw(&session, w, MIN_HEIGHT, &[], None);
            let screen = screen_text(terminal.backend().buffer());
            let header = screen.lines().nth(1).unwrap_or_default();
            assert!(header.ends_with(mark), "{lang} {w}: {header:?}");
        }
    }
}
