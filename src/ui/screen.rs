//! Drawing one screen from a [`Scene`]: header with title and stage
//! progress, the step in bold high-contrast text, its bullet list, the key
//! bar, any overlay, and the staff-facing marks. Drawing only reads.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use super::theme;
use super::wrap::{display_width, truncate_to_width, wrap};
use crate::engine::{Input, Overlay, View};
use crate::flow::{Flow, LangIx, Phrase, StepKind};
use crate::input::KeyMap;

/// The smallest screen the kiosk lays out; below it, "screen too small".
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// Small staff-facing marks: something is degraded, the customer can go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mark {
    NoVoice,
    FallbackFlow,
    JournalError,
    ConfigError,
    NoLog,
}

impl Mark {
    fn phrase(self) -> Phrase {
        match self {
            Mark::NoVoice => Phrase::NoVoice,
            Mark::FallbackFlow => Phrase::MarkFallbackFlow,
            Mark::JournalError => Phrase::MarkJournal,
            Mark::ConfigError => Phrase::MarkConfig,
            Mark::NoLog => Phrase::MarkLog,
        }
    }
}

/// Everything one frame shows.
#[derive(Debug, Clone, Copy)]
pub struct Scene<'a> {
    pub flow: &'a Flow,
    pub view: View,
    pub keys: &'a KeyMap,
    pub marks: &'a [Mark],
    /// Seconds until the idle reset, while the idle warning is shown.
    pub idle_seconds_left: Option<u64>,
}

impl Scene<'_> {
    fn phrase(&self, phrase: Phrase) -> &str {
        self.flow.phrase(self.view.lang, phrase)
    }
}

/// Draws the scene over the whole of `area`.
pub fn render(scene: &Scene<'_>, area: Rect, buf: &mut Buffer) {
    buf.set_style(area, theme::base());
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        render_too_small(scene.flow, area, buf);
        return;
    }
    render_header(scene, area, buf);
    let rule = "─".repeat(usize::from(area.width));
    put(buf, area.x, area.y + 2, &rule, area.width, theme::rule());
    put(
        buf,
        area.x,
        area.bottom() - 2,
        &rule,
        area.width,
        theme::rule(),
    );
    let body = Rect {
        x: area.x + 2,
        y: area.y + 3,
        width: area.width - 4,
        height: area.height - 6,
    };
    render_body(scene, body, buf);
    render_key_bar(scene, area.x + 1, area.bottom() - 1, area.width - 2, buf);
    render_overlay(scene, area, body, buf);
}

fn put(buf: &mut Buffer, x: u16, y: u16, text: &str, width: u16, style: ratatui::style::Style) {
    buf.set_stringn(x, y, text, usize::from(width), style);
}

fn width_u16(text: &str) -> u16 {
    u16::try_from(display_width(text)).unwrap_or(u16::MAX)
}

/// Every language's "screen too small", so anyone can read why.
pub(super) fn render_too_small(flow: &Flow, area: Rect, buf: &mut Buffer) {
    let text = (0..flow.languages.len())
        .map(|i| flow.phrase(LangIx(i), Phrase::TooSmall))
        .collect::<Vec<_>>()
        .join(" / ");
    let lines = wrap(&text, usize::from(area.width));
    for (i, line) in lines.iter().take(usize::from(area.height)).enumerate() {
        let y = area.y + u16::try_from(i).unwrap_or(0);
        put(buf, area.x, y, line, area.width, theme::title());
    }
}

fn render_header(scene: &Scene<'_>, area: Rect, buf: &mut Buffer) {
    let marks: String = scene
        .marks
        .iter()
        .map(|m| format!("[{}]", scene.phrase(m.phrase())))
        .collect::<Vec<_>>()
        .join(" ");
    let marks_width = width_u16(&marks);
    if marks_width > 0 && marks_width < area.width {
        put(
            buf,
            area.right() - marks_width,
            area.y,
            &marks,
            marks_width,
            theme::mark(),
        );
    }
    let room = area.width.saturating_sub(marks_width + 2);
    let title = truncate_to_width(scene.flow.title.get(scene.view.lang), usize::from(room));
    put(buf, area.x + 1, area.y, &title, room, theme::title());

    if let Some((n, total)) = scene.flow.stage_progress(scene.view.step) {
        let stage = scene.flow.step(scene.view.step).stage;
        let name = stage
            .and_then(|s| scene.flow.stages.get(s))
            .map_or("", |s| s.title.get(scene.view.lang));
        let progress = scene
            .phrase(Phrase::StageProgress)
            .replace("{n}", &n.to_string())
            .replace("{total}", &total.to_string());
        let dots: String = (1..=total)
            .map(|i| if i <= n { '■' } else { '□' })
            .collect();
        let line = format!("{progress}  {dots}  {name}");
        let line = truncate_to_width(&line, usize::from(area.width - 2));
        put(
            buf,
            area.x + 1,
            area.y + 1,
            &line,
            area.width - 2,
            theme::progress(),
        );
    }
    if scene.view.paused {
        let paused = format!("[{}]", scene.phrase(Phrase::KeyPause));
        let w = width_u16(&paused);
        if w + 2 < area.width {
            let at = Rect::new(area.right() - w, area.y + 1, w, 1);
            // It sits over the end of a long progress line.
            split_wide_cells_left_of(at, buf);
            put(buf, at.x, at.y, &paused, w, theme::mark());
        }
    }
}

/// The step text, a blank line, the bullet list, and the help offer.
fn render_body(scene: &Scene<'_>, body: Rect, buf: &mut Buffer) {
    let width = usize::from(body.width);
    let step = scene.flow.step(scene.view.step);
    let mut lines: Vec<(String, ratatui::style::Style)> =
        wrap(step.text.get(scene.view.lang), width)
            .into_iter()
            .map(|l| (l, theme::step_text()))
            .collect();
    let items = step.list_items(scene.view.lang);
    if !items.is_empty() {
        lines.push((String::new(), theme::base()));
    }
    for item in items {
        for (i, line) in wrap(item, width.saturating_sub(2)).into_iter().enumerate() {
            let bullet = if i == 0 { "・" } else { "　" };
            lines.push((format!("{bullet}{line}"), theme::list_item()));
        }
    }
    if let StepKind::Print { .. } = step.kind {
        lines.push((String::new(), theme::base()));
        for line in wrap(scene.phrase(Phrase::PrintAsk), width) {
            lines.push((line, theme::step_text()));
        }
    }
    if scene.view.help_offered {
        lines.push((String::new(), theme::base()));
        for line in wrap(scene.phrase(Phrase::HelpOffer), width) {
            lines.push((line, theme::help_offer()));
        }
    }
    let rows = usize::from(body.height);
    let overflow = lines.len() > rows;
    for (i, (line, style)) in lines.iter().take(rows).enumerate() {
        let y = body.y + u16::try_from(i).unwrap_or(0);
        let text = if overflow && i + 1 == rows {
            truncate_to_width(&format!("{line} …"), width.saturating_sub(1)) + "…"
        } else {
            line.clone()
        };
        put(buf, body.x, y, &text, body.width, *style);
    }
}

/// What the keypad keys do now, in the current language.
fn key_bar_items(scene: &Scene<'_>) -> Vec<(Input, Phrase)> {
    let flow = scene.flow;
    let view = &scene.view;
    match view.overlay {
        Overlay::ConfirmStartOver => {
            return vec![(Input::Yes, Phrase::KeyYes), (Input::No, Phrase::KeyNo)]
        }
        Overlay::IdleWarning { .. } => return Vec::new(),
        _ => {}
    }
    let kind = flow.step(view.step).kind;
    let mut items = match kind {
        StepKind::Question { .. } | StepKind::Print { .. } => {
            vec![(Input::Yes, Phrase::KeyYes), (Input::No, Phrase::KeyNo)]
        }
        StepKind::Note { .. } | StepKind::Ending { .. } => vec![(Input::Yes, Phrase::KeyNext)],
    };
    items.push((Input::Repeat, Phrase::KeyRepeat));
    // The engine's rule, not a copy of it: a flow that loops back to its
    // start can go back from there.
    if view.can_go_back {
        items.push((Input::Back, Phrase::KeyBack));
    }
    items.push((Input::Help, Phrase::KeyHelp));
    if flow.languages.len() > 1 {
        items.push((Input::SwitchLanguage, Phrase::LanguageName));
    }
    items
}

fn render_key_bar(scene: &Scene<'_>, x: u16, y: u16, width: u16, buf: &mut Buffer) {
    let mut at = x;
    let end = x + width;
    for (action, phrase) in key_bar_items(scene) {
        let Some(key) = scene.keys.label(action) else {
            continue;
        };
        let label = if phrase == Phrase::LanguageName {
            // The language it switches to, in that language.
            let next = LangIx((scene.view.lang.0 + 1) % scene.flow.languages.len().max(1));
            scene.flow.phrase(next, Phrase::LanguageName).to_string()
        } else {
            scene.phrase(phrase).to_string()
        };
        let cap = format!(" {key} ");
        let text = format!(" {label}");
        let needed = width_u16(&cap) + width_u16(&text);
        if at + needed > end {
            break;
        }
        put(buf, at, y, &cap, width_u16(&cap), theme::key_cap());
        put(
            buf,
            at + width_u16(&cap),
            y,
            &text,
            width_u16(&text),
            theme::key_label(),
        );
        at += needed + 2;
    }
}

/// Lines of the overlay box: (text, strong?).
fn overlay_lines(scene: &Scene<'_>) -> Option<(String, Vec<(String, bool)>)> {
    let p = |phrase| scene.phrase(phrase).to_string();
    let lines = match scene.view.overlay {
        Overlay::None => return None,
        Overlay::KeyGuide => {
            let lines = p(Phrase::KeyGuide)
                .lines()
                .map(|l| (l.to_string(), false))
                .collect();
            (p(Phrase::KeyHelp), lines)
        }
        Overlay::StaffCalled => (p(Phrase::KeyHelp), vec![(p(Phrase::StaffCalled), true)]),
        Overlay::PrintFailed => (String::new(), vec![(p(Phrase::PrintFailed), true)]),
        Overlay::ConfirmStartOver => {
            let yes = scene.keys.label(Input::Yes).unwrap_or_default();
            let no = scene.keys.label(Input::No).unwrap_or_default();
            let choice = format!("{yes} {}　　{no} {}", p(Phrase::KeyYes), p(Phrase::KeyNo));
            (
                p(Phrase::KeyStartOver),
                vec![
                    (p(Phrase::ConfirmStartOver), true),
                    (String::new(), false),
                    (choice, false),
                ],
            )
        }
        Overlay::IdleWarning { .. } => {
            let mut lines = vec![(p(Phrase::IdleWarning), true)];
            if let Some(seconds) = scene.idle_seconds_left {
                lines.push((String::new(), false));
                lines.push((
                    p(Phrase::IdleCountdown).replace("{seconds}", &seconds.to_string()),
                    false,
                ));
            }
            (String::new(), lines)
        }
    };
    Some(lines)
}

/// Draws the overlay box centred on the body; a box too tall for the body
/// covers the whole screen, then loses its padding, then sets its lines in
/// two columns, so the key guide is whole even at the smallest screen.
fn render_overlay(scene: &Scene<'_>, screen: Rect, body: Rect, buf: &mut Buffer) {
    let Some((title, lines)) = overlay_lines(scene) else {
        return;
    };
    let fits =
        |region: Rect, rows: usize, pad: usize| rows + 2 + 2 * pad <= usize::from(region.height);
    let wrapped = wrap_overlay(&lines, usize::from(body.width.saturating_sub(6)));
    let (region, wrapped) = if fits(body, wrapped.len(), 1) {
        (body, wrapped)
    } else {
        let wide = wrap_overlay(&lines, usize::from(screen.width.saturating_sub(6)));
        if fits(screen, wide.len(), 0) {
            (screen, wide)
        } else {
            let half = usize::from(screen.width.saturating_sub(8)) / 2;
            (screen, two_columns(&wrap_overlay(&lines, half), half))
        }
    };
    let pad: u16 = if fits(region, wrapped.len(), 1) { 1 } else { 0 };
    let content_width = wrapped
        .iter()
        .map(|(l, _)| display_width(l))
        .chain(std::iter::once(display_width(&title) + 2))
        .max()
        .unwrap_or(0);
    let box_width = u16::try_from(content_width + 6)
        .unwrap_or(u16::MAX)
        .min(region.width);
    let box_height = u16::try_from(wrapped.len() + 2)
        .unwrap_or(u16::MAX)
        .saturating_add(2 * pad)
        .min(region.height);
    let area = Rect {
        x: region.x + (region.width - box_width) / 2,
        y: region.y + (region.height - box_height) / 2,
        width: box_width,
        height: box_height,
    };
    split_wide_cells_left_of(area, buf);
    Clear.render(area, buf);
    let mut block = Block::bordered()
        .border_type(BorderType::Double)
        .style(theme::overlay());
    if !title.is_empty() {
        block = block.title(format!(" {title} "));
    }
    let inner = block.inner(area);
    block.render(area, buf);
    for (i, (line, strong)) in wrapped
        .iter()
        .enumerate()
        .take(usize::from(inner.height.saturating_sub(2 * pad)))
    {
        let style = if *strong {
            theme::overlay_strong()
        } else {
            theme::overlay()
        };
        let y = inner.y + pad + u16::try_from(i).unwrap_or(0);
        put(
            buf,
            inner.x + 2,
            y,
            line,
            inner.width.saturating_sub(4),
            style,
        );
    }
}

/// The overlay's lines wrapped to `width`; a blank line stays one line.
fn wrap_overlay(lines: &[(String, bool)], width: usize) -> Vec<(String, bool)> {
    lines
        .iter()
        .flat_map(|(text, strong)| {
            let parts = wrap(text, width);
            let parts = if parts.is_empty() {
                vec![String::new()]
            } else {
                parts
            };
            parts.into_iter().map(move |l| (l, *strong))
        })
        .collect()
}

/// Lines set side by side: the first half on the left, `width` wide.
fn two_columns(lines: &[(String, bool)], width: usize) -> Vec<(String, bool)> {
    let rows = lines.len().div_ceil(2);
    (0..rows)
        .map(|i| {
            let (left, strong) = &lines[i];
            let right = lines.get(i + rows).map_or("", |(l, _)| l.as_str());
            let gap = width.saturating_sub(display_width(left)) + 2;
            (format!("{left}{}{right}", " ".repeat(gap)), *strong)
        })
        .collect()
}

/// A wide character just left of `area` would paint over what is drawn at
/// its left edge (an overlay's border, the paused mark's bracket): blank it
/// (its right half is inside `area` and drawn over anyway).
fn split_wide_cells_left_of(area: Rect, buf: &mut Buffer) {
    let Some(x) = area.x.checked_sub(1) else {
        return;
    };
    for y in area.top()..area.bottom() {
        if let Some(cell) = buf.cell_mut((x, y)) {
            if display_width(cell.symbol()) > 1 {
                cell.set_symbol(" ");
            }
        }
    }
}
