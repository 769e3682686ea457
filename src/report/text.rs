//! `--format text` (the default): the report for a terminal, within 80
//! columns: sessions, outcomes with bars, the stage funnel, the take-home sheets, the ranked
//! sticking points and an hour-of-day strip. Widths are display columns, so
//! Japanese labels line up; long labels are shortened with "…". Every
//! text from a journal or flow goes through [`fit`], which writes control
//! characters (ESC, BEL, …) and bidirectional overrides as `\u{1b}`.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::privacy::{mask, percent, seconds, thousands, Cell};
use super::summary::Summary;
use super::words::{k_note, too_few, words};

const LABEL: usize = 28;
const BAR: usize = 28;
/// How many sticking points the table lists.
const TOP: usize = 10;

pub fn render<W: Write>(s: &Summary, mut out: W) -> io::Result<()> {
    let w = words(s.lang);
    let k = s.k;
    let m = mask(s);
    writeln!(out, "{}", w.title)?;
    writeln!(out, "{}", "=".repeat(width(w.title).min(78)))?;
    writeln!(
        out,
        "{}{}",
        cell(w.sessions, 12),
        m.sessions.text(s.sessions, k)
    )?;
    if !m.whole {
        // Fewer than k sessions: not even when, where or which flow.
        writeln!(out, "{}", k_note(s.lang, k))?;
        writeln!(out)?;
        writeln!(out, "{}", too_few(s.lang, k))?;
        return Ok(());
    }
    if let (Some(first), Some(last)) = (&s.first_hour, &s.last_hour) {
        writeln!(out, "{}{first} – {last}", cell(w.period, 12))?;
    }
    if !s.flows.is_empty() {
        writeln!(out, "{}{}", cell(w.flows, 12), fit(&s.flows.join(", "), 66))?;
        writeln!(
            out,
            "{}{}",
            cell(w.kiosks, 12),
            fit(&s.kiosks.join(", "), 66)
        )?;
    }
    if s.skipped_lines > 0 || s.unknown_version_lines > 0 {
        writeln!(
            out,
            "{} {}   {} {}",
            w.skipped,
            thousands(s.skipped_lines),
            w.unknown,
            thousands(s.unknown_version_lines)
        )?;
    }
    writeln!(out, "{}", k_note(s.lang, k))?;

    writeln!(out)?;
    writeln!(out, "{}", w.outcomes)?;
    let max = s
        .outcomes
        .iter()
        .zip(&m.outcomes)
        .filter(|(_, c)| c.shown())
        .map(|(o, _)| o.count)
        .max()
        .unwrap_or(0);
    for (o, c) in s.outcomes.iter().zip(&m.outcomes) {
        let n = (o.count, *c);
        bar_row(&mut out, &o.label, n, max, (s.sessions, m.sessions), k)?;
    }

    if !s.stages.is_empty() && m.funnel {
        writeln!(out)?;
        writeln!(out, "{}", w.funnel)?;
        let total = (s.stage_flow_sessions, m.funnel_total);
        for (i, (st, c)) in s.stages.iter().zip(&m.stages).enumerate() {
            let label = format!("{} {}", i + 1, st.label);
            bar_row(&mut out, &label, (st.reached, *c), total.0, total, k)?;
        }
    }

    if !s.sheets.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", w.sheets)?;
        writeln!(
            out,
            "     {}{}{}{}{}",
            cell(w.sheet, 34),
            right(w.offered, 10),
            right(w.declined, 10),
            right(w.printed, 10),
            right(w.print_failed, 10),
        )?;
        for (sh, c) in s.sheets.iter().zip(&m.sheets) {
            writeln!(
                out,
                "     {}{}{}{}{}",
                cell(&fit(&sh.label, 33), 34),
                right(&c.offered.text(sh.offered, k), 10),
                right(&c.declined.text(sh.declined, k), 10),
                right(&c.printed.text(sh.printed, k), 10),
                right(&c.failed.text(sh.failed, k), 10),
            )?;
        }
    }

    writeln!(out)?;
    writeln!(out, "{}", w.sticking)?;
    let ranked = m.ranked(s, TOP);
    if ranked.is_empty() {
        writeln!(out, "  {}", w.none_ranked)?;
    } else {
        writeln!(
            out,
            " {:>2}  {}{}{}{}{}{}{}",
            "#",
            cell(w.step, 26),
            right(w.reached, 8),
            right(w.stopped, 8),
            right(w.no, 7),
            right(w.repeats, 9),
            right(w.help, 7),
            right(w.median, 9),
        )?;
        for (r, c) in ranked {
            writeln!(
                out,
                " {:>2}  {}{}{}{}{}{}{}",
                r.rank.unwrap_or(0),
                cell(&fit(r.name(), 25), 26),
                right(&c.reached.text(r.reached, k), 8),
                right(&c.stopped_here.text(r.stopped_here, k), 8),
                right(&c.no.text(r.no, k), 7),
                right(&c.repeats.text(r.repeats, k), 9),
                right(&c.help.text(r.help, k), 7),
                right(&r.median_ms().map(seconds).unwrap_or_default(), 9),
            )?;
        }
    }

    writeln!(out)?;
    writeln!(out, "{}", w.hours)?;
    let max = s
        .hour_of_day
        .iter()
        .zip(&m.hours)
        .filter(|(_, c)| c.shown())
        .map(|(n, _)| *n)
        .max()
        .unwrap_or(0);
    let strip: String = s
        .hour_of_day
        .iter()
        .zip(&m.hours)
        .map(|(n, c)| {
            if *n == 0 || !c.shown() || max == 0 {
                '·'
            } else {
                let levels = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
                let i = ((*n as f64 / max as f64) * 7.0).round() as usize;
                levels[i.min(7)]
            }
        })
        .flat_map(|c| [c, ' '])
        .collect();
    writeln!(out, "  {}", strip.trim_end())?;
    writeln!(out, "  0           6           12          18        23")?;
    Ok(())
}

/// `  label…   ████▌   1,234  49.6%`: a count and its total, each with
/// how it is shown.
fn bar_row<W: Write>(
    out: &mut W,
    label: &str,
    (n, c): (u64, Cell),
    max: u64,
    (total, total_cell): (u64, Cell),
    k: u64,
) -> io::Result<()> {
    let bar = if c.shown() {
        bar(n, max, BAR)
    } else {
        String::new()
    };
    writeln!(
        out,
        "  {}{}{}{}",
        cell(&fit(label, LABEL - 1), LABEL),
        cell(&bar, BAR),
        right(&c.text(n, k), 9),
        right(&percent(n, c, total, total_cell), 8),
    )
    .map(|()| ())
}

/// A bar of eighth blocks, `width` cells at `max`.
pub fn bar(n: u64, max: u64, width: usize) -> String {
    if max == 0 {
        return String::new();
    }
    let eighths = ((n as f64 / max as f64) * (width * 8) as f64).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    let part = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8];
    s.push_str(part);
    s
}

fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` with its control characters escaped (journal text is not trusted:
/// an ESC would reach the terminal), shortened to `max` columns with "…".
pub fn fit(s: &str, max: usize) -> String {
    let s = escape_controls(s);
    if width(&s) <= max {
        return s.into_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw + 1 > max {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push('…');
    out
}

/// Whether `c` must not reach a terminal as it is: C0 and C1 controls
/// (ESC starts a terminal command, BEL rings), DEL, and the bidirectional
/// marks, overrides and isolates that reorder the text after them.
pub fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every [`unsafe_char`] written as `\u{1b}`.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    escape_except(s, &[])
}

/// As [`escape_controls`], keeping the characters of `keep`.
pub fn escape_except<'a>(s: &'a str, keep: &[char]) -> Cow<'a, str> {
    let bad = |c: char| unsafe_char(c) && !keep.contains(&c);
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` padded on the right to `cols` columns.
fn cell(s: &str, cols: usize) -> String {
    format!("{s}{}", " ".repeat(cols.saturating_sub(width(s))))
}

/// `s` padded on the left to `cols` columns.
fn right(s: &str, cols: usize) -> String {
    format!("{}{s}", " ".repeat(cols.saturating_sub(width(s))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_fitting() {
        assert_eq!(bar(1, 2, 4), "██");
        assert_eq!(bar(1, 16, 2), "▏");
        assert_eq!(bar(0, 0, 4), "");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("二段階認証", 6), "二段…");
        assert_eq!(fit("ab", 4), "ab");
        // See: an ESC in a kiosk name reached the terminal.
        assert_eq!(fit("a\u{1b}[2J\u{7}", 20), "a\\u{1b}[2J\\u{7}");
        assert_eq!(fit("\u{202e}x\u{9b}", 20), "\\u{202e}x\\u{9b}");
    }
}
