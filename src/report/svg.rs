//! Inline SVG charts for the HTML page: horizontal bars, weekly columns
//! stacked by outcome, and a 24-cell hour-of-day heat strip. Each chart is
//! one `<svg>` with a `viewBox` and `width="100%"`, so it scales to a phone
//! and to A4; hidden (k rule) counts draw no bar, only "<k".

use std::fmt::Write;

/// One bar: its label, its count, and the text shown beside it.
pub struct Bar {
    pub label: String,
    pub value: u64,
    pub shown: bool,
    pub text: String,
}

/// Outcome colours, in order; wide apart and readable in greyscale print.
pub const PALETTE: [&str; 8] = [
    "#1b6ca8", "#e08a00", "#2f9e44", "#c92a2a", "#7048e8", "#0b7285", "#868e96", "#a61e4d",
];

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in HTML text: written out.
            c if super::text::unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            _ => out.push(c),
        }
    }
    out
}

/// Horizontal bars, one row each, labels on the left.
pub fn hbars(id: &str, title: &str, bars: &[Bar], color: &str) -> String {
    let row = 30;
    let (w, label_w, text_w) = (640, 250, 90);
    let h = row * bars.len().max(1) + 8;
    let max = bars
        .iter()
        .filter(|b| b.shown)
        .map(|b| b.value)
        .max()
        .unwrap_or(0);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg id="{id}" class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = i * row + 4;
        let bar_w = if b.shown && max > 0 {
            (b.value as f64 / max as f64) * f64::from(w - label_w - text_w)
        } else {
            0.0
        };
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end" class="lbl">{}</text><rect x="{label_w}" y="{}" width="{bar_w:.1}" height="{}" fill="{color}"><title>{}: {}</title></rect><text x="{}" y="{}" class="num">{}</text>"#,
            label_w - 8,
            y + 20,
            escape(&b.label),
            y + 4,
            row - 8,
            escape(&b.label),
            escape(&b.text),
            label_w as f64 + bar_w + 6.0,
            y + 20,
            escape(&b.text),
        );
    }
    s.push_str("</svg>");
    s
}

/// One week's column: its label and per-outcome counts (None: hidden).
pub struct Week {
    pub label: String,
    pub total: u64,
    pub shown: bool,
    pub parts: Option<Vec<u64>>,
    pub text: String,
}

/// Columns per week, stacked by outcome where the week may be broken down.
pub fn weeks(id: &str, title: &str, weeks: &[Week]) -> String {
    let (w, h, top, bottom) = (640.0, 220.0, 16.0, 40.0);
    let n = weeks.len().max(1) as f64;
    let slot = (w - 20.0) / n;
    let col = (slot * 0.7).max(1.0);
    let max = weeks
        .iter()
        .filter(|wk| wk.shown)
        .map(|wk| wk.total)
        .max()
        .unwrap_or(0);
    let plot = h - top - bottom;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg id="{id}" class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    let _ = write!(
        s,
        r##"<line x1="10" y1="{0}" x2="{1}" y2="{0}" stroke="#999"/>"##,
        h - bottom,
        w - 10.0
    );
    let every = (weeks.len() / 8).max(1);
    for (i, wk) in weeks.iter().enumerate() {
        let x = 10.0 + slot * i as f64 + (slot - col) / 2.0;
        if wk.shown && max > 0 {
            let mut y = h - bottom;
            match &wk.parts {
                Some(parts) => {
                    for (o, v) in parts.iter().enumerate() {
                        let ph = *v as f64 / max as f64 * plot;
                        y -= ph;
                        let _ = write!(
                            s,
                            r#"<rect x="{x:.1}" y="{y:.1}" width="{col:.1}" height="{ph:.1}" fill="{}"><title>{}: {}</title></rect>"#,
                            PALETTE[o % PALETTE.len()],
                            escape(&wk.label),
                            escape(&wk.text)
                        );
                    }
                }
                None => {
                    let ph = wk.total as f64 / max as f64 * plot;
                    let _ = write!(
                        s,
                        r##"<rect x="{x:.1}" y="{:.1}" width="{col:.1}" height="{ph:.1}" fill="#868e96"><title>{}: {}</title></rect>"##,
                        y - ph,
                        escape(&wk.label),
                        escape(&wk.text)
                    );
                }
            }
        }
        if i % every == 0 {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{}" text-anchor="middle" class="axis">{}</text>"#,
                x + col / 2.0,
                h - bottom + 16.0,
                escape(&wk.label)
            );
        }
    }
    let _ = write!(
        s,
        r#"<text x="12" y="12" class="axis">max {}</text></svg>"#,
        max
    );
    s
}

/// 24 cells, darker for more sessions; hidden counts are left blank.
pub fn heat_strip(id: &str, title: &str, hours: &[(u64, bool, String)]) -> String {
    let (w, cell, h) = (640.0, 640.0 / 24.0, 64.0);
    let max = hours.iter().filter(|c| c.1).map(|c| c.0).max().unwrap_or(0);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg id="{id}" class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    for (i, (n, shown, text)) in hours.iter().enumerate() {
        let x = i as f64 * cell;
        let opacity = if *shown && max > 0 {
            0.08 + 0.92 * (*n as f64 / max as f64)
        } else {
            0.0
        };
        let _ = write!(
            s,
            r##"<rect x="{x:.1}" y="4" width="{:.1}" height="36" fill="#1b6ca8" fill-opacity="{opacity:.2}" stroke="#ccc"><title>{i:02}:00 {}</title></rect>"##,
            cell - 1.0,
            escape(text)
        );
        if i % 3 == 0 {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="56" text-anchor="middle" class="axis">{i}</text>"#,
                x + cell / 2.0
            );
        }
    }
    s.push_str("</svg>");
    s
}
