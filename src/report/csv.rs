//! `--format csv`: one row per step, in the flow's order, with the k rule:
//! a step reached by fewer than k sessions shows only that, and any other
//! count below k is "<k". Column names are English whatever `--lang` says,
//! so spreadsheets and scripts can rely on them; labels follow `--lang`.

use std::io::{self, Write};

use super::privacy::{breaks_down, count};
use super::summary::Summary;

const HEADER: &str = "step,label,stage,reached,visits,yes,no,next,back,repeats,help,stopped_here,median_ms,sticking_rank";

pub fn render<W: Write>(s: &Summary, mut out: W) -> io::Result<()> {
    writeln!(out, "{HEADER}")?;
    let k = s.k;
    let whole = breaks_down(s.sessions, k);
    for r in &s.steps {
        let mut row = vec![
            field(&r.key),
            field(r.label.as_deref().unwrap_or("")),
            field(r.stage.as_deref().unwrap_or("")),
            count(r.reached, k),
        ];
        if whole && breaks_down(r.reached, k) {
            for n in [
                r.visits,
                r.yes,
                r.no,
                r.next,
                r.back,
                r.repeats,
                r.help,
                r.stopped_here,
            ] {
                row.push(count(n, k));
            }
            row.push(r.median_ms().map_or(String::new(), |m| m.to_string()));
            row.push(r.rank.map_or(String::new(), |n| n.to_string()));
        } else {
            row.extend(std::iter::repeat_n(String::new(), 10));
        }
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}

/// RFC 4180 quoting, where a field needs it.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
