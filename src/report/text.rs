//! `--format text` (the default): the report for a terminal, within 80
//! columns: sessions, outcomes with bars, the stage funnel, the ranked
//! sticking points and an hour-of-day strip. Widths are display columns, so
//! Japanese labels line up; long labels are shortened with "…".

use std::io::{self, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::privacy::{breaks_down, count, percent, seconds, shown, thousands};
use super::summary::Summary;
use super::words::{k_note, too_few, words};

const LABEL: usize = 28;
const BAR: usize = 28;
/// How many sticking points the table lists.
const TOP: usize = 10;

pub fn render<W: Write>(s: &Summary, mut out: W) -> io::Result<()> {
    let w = words(s.lang);
    let k = s.k;
    writeln!(out, "{}", w.title)?;
    writeln!(out, "{}", "=".repeat(width(w.title).min(78)))?;
    writeln!(out, "{}{}", cell(w.sessions, 12), count(s.sessions, k))?;
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
    if !breaks_down(s.sessions, k) {
        writeln!(out)?;
        writeln!(out, "{}", too_few(s.lang, k))?;
        return Ok(());
    }

    writeln!(out)?;
    writeln!(out, "{}", w.outcomes)?;
    let max = s.outcomes.iter().map(|o| o.count).max().unwrap_or(0);
    for o in &s.outcomes {
        bar_row(&mut out, &o.label, o.count, max, s.sessions, k)?;
    }

    if !s.stages.is_empty() && s.stage_flow_sessions > 0 {
        writeln!(out)?;
        writeln!(out, "{}", w.funnel)?;
        for (i, st) in s.stages.iter().enumerate() {
            let label = format!("{} {}", i + 1, st.label);
            bar_row(
                &mut out,
                &label,
                st.reached,
                s.stage_flow_sessions,
                s.stage_flow_sessions,
                k,
            )?;
        }
    }

    writeln!(out)?;
    writeln!(out, "{}", w.sticking)?;
    let mut ranked: Vec<_> = s.steps.iter().filter(|r| r.rank.is_some()).collect();
    ranked.sort_by_key(|r| r.rank);
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
        for r in ranked.into_iter().take(TOP) {
            writeln!(
                out,
                " {:>2}  {}{}{}{}{}{}{}",
                r.rank.unwrap_or(0),
                cell(&fit(r.name(), 25), 26),
                right(&count(r.reached, k), 8),
                right(&count(r.stopped_here, k), 8),
                right(&count(r.no, k), 7),
                right(&count(r.repeats, k), 9),
                right(&count(r.help, k), 7),
                right(&r.median_ms().map(seconds).unwrap_or_default(), 9),
            )?;
        }
    }

    writeln!(out)?;
    writeln!(out, "{}", w.hours)?;
    let max = s.hour_of_day.iter().copied().max().unwrap_or(0);
    let strip: String = s
        .hour_of_day
        .iter()
        .map(|n| {
            if *n == 0 || !shown(*n, k) || max == 0 {
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

/// `  label…   ████▌   1,234  49.6%`
fn bar_row<W: Write>(
    out: &mut W,
    label: &str,
    n: u64,
    max: u64,
    total: u64,
    k: u64,
) -> io::Result<()> {
    let bar = if shown(n, k) {
        bar(n, max, BAR)
    } else {
        String::new()
    };
    writeln!(
        out,
        "  {}{}{}{}",
        cell(&fit(label, LABEL - 1), LABEL),
        cell(&bar, BAR),
        right(&count(n, k), 9),
        right(&percent(n, total, k), 8),
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

/// `s` shortened to `max` columns with "…".
pub fn fit(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
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
    }
}
