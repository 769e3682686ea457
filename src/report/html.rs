//! `--format html`: one self-contained page (no network: inline CSS and
//! SVG, no scripts, no fonts fetched) with five charts: outcomes, the stage
//! funnel, the top sticking steps, sessions per week stacked by outcome and
//! an hour-of-day heat strip, plus the sticking-point table, and last the
//! flow diagram with each step's counts (drawn by `crate::graph`; a line
//! in its place when Graphviz is missing). It reflows to a phone's width
//! and prints on A4. The k rule applies as in the text.

use std::io::{self, Write};

use super::privacy::{mask, percent, seconds, thousands};
use super::summary::Summary;
use super::svg::{self, escape, Bar, Week, PALETTE};
use super::text::fit;
use super::words::{k_note, too_few, words};
use crate::flow::Flow;

const STYLE: &str = "
:root { color-scheme: light; }
body { font-family: 'Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic', sans-serif; margin: 0 auto;
  max-width: 52rem; padding: 1rem; color: #111; background: #fff; line-height: 1.5; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; border-bottom: 2px solid #1b6ca8; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: 0; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
.note { color: #444; font-size: .9rem; }
svg.chart { display: block; max-width: 100%; height: auto; }
svg .lbl { font-size: 15px; } svg .num { font-size: 15px; } svg .axis { font-size: 13px; fill: #444; }
th { white-space: nowrap; text-align: left; } td.step { min-width: 10rem; }
.legend span { display: inline-block; margin-right: 1rem; font-size: .9rem; }
.legend i { display: inline-block; width: .9rem; height: .9rem; margin-right: .3rem; vertical-align: -0.1rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { padding: .25rem .4rem; border-bottom: 1px solid #ddd; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
section { break-inside: avoid; page-break-inside: avoid; }
@media (max-width: 30rem) { body { padding: .5rem; } h1 { font-size: 1.3rem; } }
@page { size: A4; margin: 15mm; }
@media print { body { max-width: none; padding: 0; } h2 { break-after: avoid; } }
";

pub fn render<W: Write>(s: &Summary, flow: Option<&Flow>, mut out: W) -> io::Result<()> {
    let w = words(s.lang);
    let k = s.k;
    let m = mask(s);
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n");
    h.push_str(&format!(
        "<html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        s.lang.code(),
        escape(w.title)
    ));
    h.push_str(&format!(
        "<h1>{}</h1>\n<dl class=\"facts\">",
        escape(w.title)
    ));
    let mut fact = |name: &str, value: &str| {
        h.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>",
            escape(name),
            escape(value)
        ));
    };
    fact(w.sessions, &m.sessions.text(s.sessions, k));
    if !m.whole {
        // Fewer than k sessions: not even when, where or which flow.
        h.push_str(&format!(
            "</dl>\n<p class=\"note\">{}</p>\n<p>{}</p>\n</body></html>\n",
            escape(&k_note(s.lang, k)),
            escape(&too_few(s.lang, k))
        ));
        return out.write_all(h.as_bytes());
    }
    if let (Some(first), Some(last)) = (&s.first_hour, &s.last_hour) {
        fact(w.period, &format!("{first} – {last}"));
    }
    if !s.flows.is_empty() {
        fact(w.flows, &s.flows.join(", "));
        fact(w.kiosks, &s.kiosks.join(", "));
    }
    if s.skipped_lines > 0 || s.unknown_version_lines > 0 {
        fact(w.skipped, &thousands(s.skipped_lines));
        fact(w.unknown, &thousands(s.unknown_version_lines));
    }
    h.push_str(&format!(
        "</dl>\n<p class=\"note\">{}</p>\n",
        escape(&k_note(s.lang, k))
    ));

    // Outcomes.
    let bars: Vec<Bar> = s
        .outcomes
        .iter()
        .zip(&m.outcomes)
        .map(|(o, c)| Bar {
            label: fit(&o.label, 30),
            value: o.count,
            shown: c.shown(),
            text: format!(
                "{} {}",
                c.text(o.count, k),
                percent(o.count, *c, s.sessions, m.sessions)
            ),
        })
        .collect();
    section(
        &mut h,
        w.outcomes,
        &svg::hbars("chart-outcomes", w.outcomes, &bars, "#1b6ca8"),
    );

    // Stage funnel.
    if !s.stages.is_empty() && m.funnel {
        let bars: Vec<Bar> = s
            .stages
            .iter()
            .zip(&m.stages)
            .enumerate()
            .map(|(i, (st, c))| Bar {
                label: fit(&format!("{} {}", i + 1, st.label), 30),
                value: st.reached,
                shown: c.shown(),
                text: format!(
                    "{} {}",
                    c.text(st.reached, k),
                    percent(st.reached, *c, s.stage_flow_sessions, m.funnel_total)
                ),
            })
            .collect();
        section(
            &mut h,
            w.funnel,
            &svg::hbars("chart-funnel", w.funnel, &bars, "#2f9e44"),
        );
    }

    // Take-home sheets (issue 16): a table of their counts.
    if !s.sheets.is_empty() {
        let mut body = format!(
            "<div class=\"scroll\"><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            escape(w.sheet),
            escape(w.offered),
            escape(w.declined),
            escape(w.printed),
            escape(w.print_failed)
        );
        for (sh, c) in s.sheets.iter().zip(&m.sheets) {
            body.push_str(&format!(
                "<tr><td class=\"step\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                escape(&sh.label),
                c.offered.text(sh.offered, k),
                c.declined.text(sh.declined, k),
                c.printed.text(sh.printed, k),
                c.failed.text(sh.failed, k),
            ));
        }
        body.push_str("</table></div>");
        section(&mut h, w.sheets, &body);
    }

    // Sticking points: chart of scores, then the table.
    let ranked = m.ranked(s, 10);
    let bars: Vec<Bar> = ranked
        .iter()
        .map(|(r, _)| {
            let score = r.score.unwrap_or(0.0);
            Bar {
                label: fit(r.name(), 30),
                // Scores are 0 to 5; bars compare them in thousandths.
                value: (score * 1000.0).round() as u64,
                shown: true,
                text: format!("{score:.2}"),
            }
        })
        .collect();
    let mut body = if bars.is_empty() {
        format!("<p>{}</p>", escape(w.none_ranked))
    } else {
        svg::hbars("chart-sticking", w.sticking, &bars, "#c92a2a")
    };
    if !ranked.is_empty() {
        body.push_str(&format!(
            "<div class=\"scroll\"><table><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            escape(w.step), escape(w.reached), escape(w.stopped), escape(w.no),
            escape(w.repeats), escape(w.help), escape(w.median), escape(w.score)
        ));
        for (r, c) in &ranked {
            body.push_str(&format!(
                "<tr><td class=\"n\">{}</td><td class=\"step\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.2}</td></tr>",
                r.rank.unwrap_or(0),
                escape(r.name()),
                c.reached.text(r.reached, k),
                c.stopped_here.text(r.stopped_here, k),
                c.no.text(r.no, k),
                c.repeats.text(r.repeats, k),
                c.help.text(r.help, k),
                r.median_ms().map(seconds).unwrap_or_default(),
                r.score.unwrap_or(0.0),
            ));
        }
        body.push_str("</table></div>");
    }
    section(&mut h, w.sticking, &body);

    // Sessions per week, stacked by outcome.
    let weeks: Vec<Week> = s
        .weeks
        .iter()
        .zip(&m.weeks)
        .map(|(wk, c)| Week {
            label: wk.monday.format("%m/%d").to_string(),
            total: wk.sessions,
            shown: c.total.shown(),
            // Stacked only when every part may be drawn to scale.
            parts: c
                .outcomes
                .iter()
                .all(|p| p.shown())
                .then(|| wk.outcomes.clone()),
            text: format!("{} {}", w.week_of, c.total.text(wk.sessions, k)),
        })
        .collect();
    let mut legend = String::from("<p class=\"legend\">");
    for (i, o) in s.outcomes.iter().enumerate() {
        legend.push_str(&format!(
            "<span><i style=\"background:{}\"></i>{}</span>",
            PALETTE[i % PALETTE.len()],
            escape(&o.label)
        ));
    }
    legend.push_str("</p>");
    section(
        &mut h,
        w.weeks,
        &format!("{}{legend}", svg::weeks("chart-weeks", w.weeks, &weeks)),
    );

    // Hour of day.
    let hours: Vec<(u64, bool, String)> = s
        .hour_of_day
        .iter()
        .zip(&m.hours)
        .map(|(n, c)| (*n, c.shown(), c.text(*n, k)))
        .collect();
    section(
        &mut h,
        w.hours,
        &svg::heat_strip("chart-hours", w.hours, &hours),
    );

    // The flow diagram with each step's counts.
    h.push_str(&super::diagram::report_section(s, flow));

    h.push_str("</body></html>\n");
    out.write_all(h.as_bytes())
}

fn section(h: &mut String, title: &str, body: &str) {
    h.push_str(&format!(
        "<section><h2>{}</h2>{body}</section>\n",
        escape(title)
    ));
}
