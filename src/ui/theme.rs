//! Colours and styles. Every pair of text and background here has a
//! contrast ratio of at least 7:1 (WCAG AAA), checked by a test; meaning is
//! never carried by colour alone (keys are labelled, marks are bracketed).

use ratatui::style::{Color, Modifier, Style};

pub const BACKGROUND: Color = Color::Rgb(0, 0, 0);
pub const TEXT: Color = Color::Rgb(255, 255, 255);
pub const ACCENT: Color = Color::Rgb(255, 255, 0);
pub const PROGRESS: Color = Color::Rgb(0, 255, 255);
/// Overlays sit on navy so they stand apart from the step behind them.
pub const OVERLAY: Color = Color::Rgb(0, 0, 95);

pub fn base() -> Style {
    Style::new().fg(TEXT).bg(BACKGROUND)
}

pub fn title() -> Style {
    base().add_modifier(Modifier::BOLD)
}

pub fn progress() -> Style {
    Style::new().fg(PROGRESS).bg(BACKGROUND)
}

pub fn step_text() -> Style {
    base().add_modifier(Modifier::BOLD)
}

pub fn list_item() -> Style {
    Style::new().fg(ACCENT).bg(BACKGROUND)
}

pub fn help_offer() -> Style {
    Style::new()
        .fg(ACCENT)
        .bg(BACKGROUND)
        .add_modifier(Modifier::BOLD)
}

/// The key itself in the key bar: a dark key cap on yellow.
pub fn key_cap() -> Style {
    Style::new()
        .fg(BACKGROUND)
        .bg(ACCENT)
        .add_modifier(Modifier::BOLD)
}

pub fn key_label() -> Style {
    base().add_modifier(Modifier::BOLD)
}

/// Small staff-facing marks: inverted, and always in brackets.
pub fn mark() -> Style {
    Style::new().fg(BACKGROUND).bg(TEXT)
}

pub fn rule() -> Style {
    base()
}

pub fn overlay() -> Style {
    Style::new().fg(TEXT).bg(OVERLAY)
}

pub fn overlay_strong() -> Style {
    Style::new()
        .fg(ACCENT)
        .bg(OVERLAY)
        .add_modifier(Modifier::BOLD)
}

/// WCAG contrast ratio of two sRGB colours.
pub fn contrast(a: Color, b: Color) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

fn luminance(color: Color) -> f64 {
    let Color::Rgb(r, g, b) = color else {
        return 0.0;
    };
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_style_meets_aaa_contrast() {
        let styles = [
            base(),
            title(),
            progress(),
            step_text(),
            list_item(),
            help_offer(),
            key_cap(),
            key_label(),
            mark(),
            rule(),
            overlay(),
            overlay_strong(),
        ];
        for style in styles {
            let (fg, bg) = (style.fg.unwrap(), style.bg.unwrap());
            let ratio = contrast(fg, bg);
            assert!(ratio >= 7.0, "{fg:?} on {bg:?}: {ratio:.2}");
        }
    }

    #[test]
    fn contrast_matches_known_values() {
        assert!((contrast(TEXT, BACKGROUND) - 21.0).abs() < 0.01);
        assert!((contrast(ACCENT, BACKGROUND) - 19.56).abs() < 0.01);
    }
}
