//! Drawing the staff screen (issue 17) from a [`StaffScene`]: a title with
//! the page, the device's health, today's and this week's counts, the last
//! start, the last action's result and the keys, in the kiosk's language
//! (Japanese, else English). What does not fit the screen goes on further
//! pages, turned with a key. Drawing only reads.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::screen::render_too_small;
use super::theme;
use super::wrap::{display_width, truncate_to_width, wrap};
use super::{MIN_HEIGHT, MIN_WIDTH};
use crate::flow::{Flow, LangIx};
use crate::messages::OwnerLang;
use crate::staff::{
    keys, HealthLine, Notice, PeriodCounts, Probe, StaffSetup, StaffView, StartReason,
};

/// Everything the staff screen shows.
#[derive(Debug, Clone, Copy)]
pub struct StaffScene<'a> {
    /// The running flow.
    pub flow: &'a Flow,
    /// The kiosk's language (each customer's starting one).
    pub lang: LangIx,
    pub setup: &'a StaffSetup,
    pub view: &'a StaffView,
    /// The journal's last error since the kiosk started.
    pub journal_error: Option<&'a str>,
}

/// The staff screen's words in one language.
struct Words {
    title: &'static str,
    page: &'static str,
    health: &'static str,
    checking: &'static str,
    journal_error: &'static str,
    none: &'static str,
    today: &'static str,
    week: &'static str,
    sessions: &'static str,
    counting: &'static str,
    too_few: &'static str,
    sticking: &'static str,
    k_note: &'static str,
    start: &'static str,
    version: &'static str,
    flow: &'static str,
    first: &'static str,
    boot: &'static str,
    crash: &'static str,
    restart: &'static str,
    unknown: &'static str,
    speech_test: &'static str,
    reloading: &'static str,
    reloaded: &'static str,
    refused: &'static str,
    no_file: &'static str,
    print_test: &'static str,
    print_tested: &'static str,
    print_failed: &'static str,
    key_page: &'static str,
    key_speech: &'static str,
    key_reload: &'static str,
    key_print: &'static str,
    key_recheck: &'static str,
    key_exit: &'static str,
    key_leave: &'static str,
    probes: [(Probe, &'static str); 5],
}

const JA: Words = Words {
    title: "係員画面",
    page: "ページ",
    health: "■ 機器の状態",
    checking: "確認中…",
    journal_error: "記録の最後のエラー",
    none: "なし",
    today: "■ 今日",
    week: "■ 今週(月曜から)",
    sessions: "利用",
    counting: "集計中…",
    too_few: "件数が少ないため内訳は出しません",
    sticking: "止まりやすい手順",
    k_note: "k未満の件数は「<k」と表示",
    start: "■ 起動",
    version: "ソフトの版",
    flow: "案内ファイル",
    first: "初めての起動",
    boot: "PCの起動の後",
    crash: "異常終了の後",
    restart: "サービス再起動の後",
    unknown: "理由は不明",
    speech_test: "音声テストを流しています(各言語と効果音)",
    reloading: "案内ファイルを確認中…",
    reloaded: "新しい案内を受け付けました。次のお客様から使われます",
    refused: "読み込み拒否(今の案内のまま)",
    no_file: "同梱の案内で動いているため、読み直すファイルがありません",
    print_test: "テスト印刷を送っています…",
    print_tested: "テスト印刷をプリンターが受け付けました",
    print_failed: "テスト印刷ができませんでした",
    key_page: "次のページ",
    key_speech: "音声テスト",
    key_reload: "案内を読み直す",
    key_print: "テスト印刷",
    key_recheck: "再確認",
    key_exit: "キオスク終了",
    key_leave: "戻る",
    probes: [
        (Probe::Sound, "音声出力"),
        (Probe::Voice, "合成音声"),
        (Probe::Clips, "録音音声"),
        (Probe::Journal, "記録"),
        (Probe::Printer, "プリンター"),
    ],
};

const EN: Words = Words {
    title: "Staff screen",
    page: "page",
    health: "■ Device health",
    checking: "checking…",
    journal_error: "Last journal error",
    none: "none",
    today: "■ Today",
    week: "■ This week (from Monday)",
    sessions: "sessions",
    counting: "counting…",
    too_few: "too few to break down",
    sticking: "Sticking steps",
    k_note: "counts under k show as \"<k\"",
    start: "■ Start",
    version: "Version",
    flow: "Flow",
    first: "first start",
    boot: "after a boot",
    crash: "after a crash",
    restart: "after a service restart",
    unknown: "reason unknown",
    speech_test: "Playing the sound test (each language, then the earcons)",
    reloading: "Checking the flow file…",
    reloaded: "New flow accepted: it runs from the next customer on",
    refused: "Refused (the running flow stays)",
    no_file: "Running the bundled flow: there is no file to read again",
    print_test: "Sending the test page…",
    print_tested: "The printer took the test page",
    print_failed: "The test page could not be printed",
    key_page: "next page",
    key_speech: "sound test",
    key_reload: "reload flow",
    key_print: "test print",
    key_recheck: "check again",
    key_exit: "stop kiosk",
    key_leave: "back",
    probes: [
        (Probe::Sound, "Sound"),
        (Probe::Voice, "System voice"),
        (Probe::Clips, "Clips"),
        (Probe::Journal, "Journal"),
        (Probe::Printer, "Printer"),
    ],
};

/// One line of the body: its text and style.
type Line = (String, Style);

/// Draws the staff screen over the whole of `area`.
pub fn render_staff(scene: &StaffScene<'_>, area: Rect, buf: &mut Buffer) {
    buf.set_style(area, theme::base());
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        render_too_small(scene.flow, area, buf);
        return;
    }
    let w = words(scene);
    let width = usize::from(area.width);
    let inner = width.saturating_sub(2);
    let footer = footer_lines(scene, w, inner);
    // Title, rule, body, rule, footer.
    let body_height = usize::from(area.height)
        .saturating_sub(3 + footer.len())
        .max(1);
    let body = body_lines(scene, w, inner);
    let pages: Vec<&[Line]> = body.chunks(body_height).collect();
    let page_count = pages.len().max(1);
    let page = scene.view.page % page_count;

    let indicator = format!("{} {}/{}", w.page, page + 1, page_count);
    let title = truncate_to_width(
        &format!("{} — {}", w.title, scene.flow.id),
        width.saturating_sub(display_width(&indicator) + 3),
    );
    put(buf, area.x + 1, area.y, &title, area.width, theme::title());
    let at = area
        .right()
        .saturating_sub(to_u16(display_width(&indicator)) + 1);
    put(buf, at, area.y, &indicator, area.width, theme::progress());
    let rule = "─".repeat(width);
    put(buf, area.x, area.y + 1, &rule, area.width, theme::rule());
    if let Some(lines) = pages.get(page) {
        for (i, (text, style)) in lines.iter().enumerate() {
            put(
                buf,
                area.x + 1,
                area.y + 2 + to_u16(i),
                text,
                area.width - 1,
                *style,
            );
        }
    }
    let footer_top = area.bottom() - to_u16(footer.len());
    put(
        buf,
        area.x,
        footer_top - 1,
        &rule,
        area.width,
        theme::rule(),
    );
    for (i, (text, style)) in footer.iter().enumerate() {
        put(
            buf,
            area.x + 1,
            footer_top + to_u16(i),
            text,
            area.width - 1,
            *style,
        );
    }
}

fn words(scene: &StaffScene<'_>) -> &'static Words {
    if scene.flow.lang_code(scene.lang) == "ja" {
        &JA
    } else {
        &EN
    }
}

/// The notice (at most two lines) and the key bar (as many as it needs).
fn footer_lines(scene: &StaffScene<'_>, w: &Words, width: usize) -> Vec<Line> {
    let mut lines = Vec::new();
    if let Some(notice) = &scene.view.notice {
        let text = match notice {
            Notice::SpeechTest => w.speech_test.to_string(),
            Notice::Reloading => w.reloading.to_string(),
            Notice::Reloaded { id, hash } => format!("{}: {id} ({hash})", w.reloaded),
            Notice::Refused(error) => format!("{}: {error}", w.refused),
            Notice::NoFlowFile => w.no_file.to_string(),
            Notice::PrintTest => w.print_test.to_string(),
            Notice::PrintTested(Ok(())) => w.print_tested.to_string(),
            Notice::PrintTested(Err(error)) => format!("{}: {error}", w.print_failed),
        };
        let mut wrapped = wrap(&text, width);
        if wrapped.len() > 2 {
            let rest = wrapped[1..].join(" ");
            wrapped.truncate(1);
            wrapped.push(truncate_to_width(&rest, width));
        }
        lines.extend(wrapped.into_iter().map(|l| (l, theme::help_offer())));
    }
    let mut items: Vec<(&str, &str)> = vec![
        (keys::PAGE, w.key_page),
        (keys::SPEECH_TEST, w.key_speech),
        (keys::RELOAD, w.key_reload),
    ];
    if scene.setup.printer {
        items.push((keys::PRINT_TEST, w.key_print));
    }
    items.push((keys::RECHECK, w.key_recheck));
    if scene.setup.staff_exit {
        items.push((keys::STAFF_EXIT, w.key_exit));
    }
    items.push((keys::LEAVE, w.key_leave));
    let mut line = String::new();
    for (key, label) in items {
        let item = format!("[{key}] {label}");
        if !line.is_empty() && display_width(&line) + 2 + display_width(&item) > width {
            lines.push((std::mem::take(&mut line), theme::key_label()));
        }
        if !line.is_empty() {
            line.push_str("  ");
        }
        line.push_str(&item);
    }
    lines.push((line, theme::key_label()));
    lines
}

fn body_lines(scene: &StaffScene<'_>, w: &Words, width: usize) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    let push = |text: String, style: Style, out: &mut Vec<Line>| {
        for line in wrap(&text, width) {
            out.push((line, style));
        }
    };
    push(w.health.to_string(), theme::title(), &mut out);
    for (probe, answer) in &scene.view.health {
        let label = w
            .probes
            .iter()
            .find(|(p, _)| p == probe)
            .map_or("?", |(_, l)| *l);
        match answer {
            None => push(
                format!("[..] {label}: {}", w.checking),
                theme::base(),
                &mut out,
            ),
            Some(lines) => {
                let lang = OwnerLang::from_code(scene.flow.lang_code(scene.lang));
                for HealthLine { ok, message, .. } in lines {
                    let message = message.render(lang);
                    let (mark, style) = if *ok {
                        ("[OK]", theme::base())
                    } else {
                        ("[NG]", theme::help_offer())
                    };
                    push(format!("{mark} {label}: {message}"), style, &mut out);
                }
            }
        }
    }
    match scene.journal_error {
        None => push(
            format!("{}: {}", w.journal_error, w.none),
            theme::base(),
            &mut out,
        ),
        Some(e) => push(
            format!("[NG] {}: {e}", w.journal_error),
            theme::help_offer(),
            &mut out,
        ),
    }
    match &scene.view.counts {
        None => {
            push(w.today.to_string(), theme::title(), &mut out);
            push(w.counting.to_string(), theme::base(), &mut out);
        }
        Some(Err(e)) => {
            push(w.today.to_string(), theme::title(), &mut out);
            push(format!("[NG] {e}"), theme::help_offer(), &mut out);
        }
        Some(Ok(counts)) => {
            for (heading, period) in [(w.today, &counts.today), (w.week, &counts.week)] {
                push(heading.to_string(), theme::title(), &mut out);
                for line in period_lines(w, period) {
                    push(line, theme::base(), &mut out);
                }
            }
            push(
                w.k_note.replace('k', &counts.k.to_string()),
                theme::progress(),
                &mut out,
            );
        }
    }
    push(w.start.to_string(), theme::title(), &mut out);
    let reason = match scene.setup.start.reason {
        StartReason::First => w.first,
        StartReason::Boot => w.boot,
        StartReason::Crash => w.crash,
        StartReason::Restart => w.restart,
        StartReason::Unknown => w.unknown,
    };
    push(
        format!("{} ({reason})", scene.setup.start.at),
        theme::base(),
        &mut out,
    );
    push(
        format!("{}: {}", w.version, scene.setup.version),
        theme::base(),
        &mut out,
    );
    push(
        format!("{}: {} ({})", w.flow, scene.flow.id, scene.flow.hash),
        theme::base(),
        &mut out,
    );
    out
}

fn period_lines(w: &Words, p: &PeriodCounts) -> Vec<String> {
    let mut lines = vec![format!("{}: {}", w.sessions, p.sessions)];
    if !p.broken_down {
        if p.sessions != "0" {
            lines.push(format!("  ({})", w.too_few));
        }
        return lines;
    }
    let outcomes: Vec<String> = p
        .outcomes
        .iter()
        .map(|(label, cell)| format!("{label} {cell}"))
        .collect();
    if !outcomes.is_empty() {
        lines.push(format!("  {}", outcomes.join(" / ")));
    }
    if !p.sticking.is_empty() {
        let ranked: Vec<String> = p
            .sticking
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{}. {s}", i + 1))
            .collect();
        lines.push(format!("  {}: {}", w.sticking, ranked.join("  ")));
    }
    lines
}

fn put(buf: &mut Buffer, x: u16, y: u16, text: &str, width: u16, style: Style) {
    buf.set_stringn(x, y, text, usize::from(width), style);
}

fn to_u16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}
