//! The terminal doctor runs in: its size, and whether it can show Japanese
//! (the Linux text console cannot; kiosk.service runs the kiosk in foot
//! with a CJK font under cage, so those are checked too).

use std::path::Path;
use std::time::Duration;

use super::probe::{self, Pending};
use super::Check;
use crate::msg;
use crate::ui::{MIN_HEIGHT, MIN_WIDTH};

/// The font kiosk.service gives foot (fonts-noto-cjk).
pub const UNIT_FONT: &str = "Noto Sans Mono CJK JP";
/// fontconfig answers in milliseconds once its cache exists, but can take
/// seconds to build it on a first run.
const FONT_BOUND: Duration = Duration::from_secs(10);

pub fn size_check() -> Check {
    match crossterm::terminal::size() {
        Ok((w, h)) => size_verdict(w, h),
        Err(e) => Check::fail("terminal_size", msg!("doctor.size_unknown", error = e)),
    }
}

fn size_verdict(w: u16, h: u16) -> Check {
    if w >= MIN_WIDTH && h >= MIN_HEIGHT {
        Check::pass(
            "terminal_size",
            msg!(
                "doctor.size_ok",
                width = w,
                height = h,
                min_width = MIN_WIDTH,
                min_height = MIN_HEIGHT,
            ),
        )
    } else {
        Check::fail(
            "terminal_size",
            msg!(
                "doctor.size_small",
                width = w,
                height = h,
                min_width = MIN_WIDTH,
                min_height = MIN_HEIGHT,
            ),
        )
    }
}

/// Starts listing the Japanese fonts (fontconfig), off this thread.
pub fn start_font_probe() -> Pending<Option<String>> {
    Pending::spawn("doctor-fonts", FONT_BOUND, || {
        probe::output("fc-list", &[":lang=ja", "family"], FONT_BOUND)
    })
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
        || Path::new("/usr/bin").join(program).is_file()
}

pub fn japanese_check(fonts: Pending<Option<String>>) -> Check {
    let term = std::env::var("TERM").unwrap_or_default();
    let fonts = fonts.wait().flatten();
    let display = ["cage", "foot"].map(|p| (p, on_path(p)));
    japanese_verdict(&term, fonts.as_deref(), &display)
}

fn japanese_verdict(term: &str, fonts: Option<&str>, display: &[(&str, bool)]) -> Check {
    let id = "japanese";
    match term {
        "linux" => return Check::fail(id, msg!("doctor.japanese_console")),
        "" | "dumb" => {
            return Check::fail(id, msg!("doctor.japanese_term", term = format!("{term:?}")))
        }
        _ => {}
    }
    let missing: Vec<&str> = display
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(p, _)| *p)
        .collect();
    match missing.as_slice() {
        [] => {}
        [program] => {
            return Check::fail(id, msg!("doctor.japanese_missing_one", program = program))
        }
        _ => return Check::fail(id, msg!("doctor.japanese_missing_both")),
    }
    let Some(fonts) = fonts else {
        return Check::fail(id, msg!("doctor.japanese_no_fc_list"));
    };
    let families: Vec<&str> = fonts
        .lines()
        .flat_map(|l| l.split(','))
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect();
    if families.contains(&UNIT_FONT) {
        Check::pass(
            id,
            msg!("doctor.japanese_ok", term = term, font = UNIT_FONT),
        )
    } else if families.is_empty() {
        Check::fail(id, msg!("doctor.japanese_no_font"))
    } else {
        Check::fail(
            id,
            msg!(
                "doctor.japanese_font_missing",
                font = UNIT_FONT,
                others = families.join(", "),
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [(&str, bool); 2] = [("cage", true), ("foot", true)];

    #[test]
    fn the_text_console_cannot_show_japanese() {
        let c = japanese_verdict("linux", Some(UNIT_FONT), &ALL);
        assert!(!c.ok);
        assert!(
            c.message.to_string().contains("TERM=linux"),
            "{:?}",
            c.message
        );
    }

    #[test]
    fn the_units_font_must_be_installed() {
        assert!(
            japanese_verdict(
                "foot",
                Some("Noto Sans CJK JP,Noto Sans Mono CJK JP\n"),
                &ALL
            )
            .ok
        );
        let c = japanese_verdict("foot", Some("IPAGothic\n"), &ALL);
        assert!(
            !c.ok && c.message.to_string().contains("IPAGothic"),
            "{:?}",
            c.message
        );
        assert!(!japanese_verdict("foot", Some(""), &ALL).ok);
        assert!(!japanese_verdict("foot", None, &ALL).ok);
        let c = japanese_verdict("foot", Some(UNIT_FONT), &[("cage", false), ("foot", true)]);
        assert!(
            !c.ok && c.message.to_string().contains("cage"),
            "{:?}",
            c.message
        );
    }

    #[test]
    fn the_kiosk_needs_sixty_by_sixteen() {
        assert!(size_verdict(60, 16).ok);
        assert!(!size_verdict(59, 16).ok);
        assert!(!size_verdict(85, 15).ok);
    }
}
