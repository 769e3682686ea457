//! `--format csv`: one row per step, in the flow's order, with the k rule
//! of [`super::privacy`]: a step reached by fewer than k sessions shows only
//! that, a count below k is "<k", a count hidden so that none of those can
//! be worked out is "*", and a report of fewer than k sessions is the
//! header alone. Column names are English whatever `--lang` says, so
//! spreadsheets and scripts can rely on them; labels follow `--lang`.
//!
//! A print step's row (issue 16) names its sheet in `sheet`, and the row
//! of the sheet's first print step carries the sheet's counts (over all of
//! its print steps) in the four `sheet_` columns; other rows leave them
//! empty.
//!
//! A journal is not trusted text: a cell that a spreadsheet would take as a
//! formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return)
//! gets a leading `'` and is quoted, and other control characters are
//! written as `\u{..}`.

use std::io::{self, Write};

use super::privacy::mask;
use super::summary::Summary;
use super::text::escape_except;

const HEADER: &str = "step,label,stage,reached,visits,yes,no,next,back,repeats,help,stopped_here,median_ms,sticking_rank,sheet,sheet_offered,sheet_declined,sheet_printed,sheet_failed";

pub fn render<W: Write>(s: &Summary, mut out: W) -> io::Result<()> {
    writeln!(out, "{HEADER}")?;
    let k = s.k;
    let m = mask(s);
    if !m.whole {
        return Ok(());
    }
    for (i, (r, c)) in s.steps.iter().zip(&m.steps).enumerate() {
        let mut row = vec![
            field(&r.key),
            field(r.label.as_deref().unwrap_or("")),
            field(r.stage.as_deref().unwrap_or("")),
            c.reached.text(r.reached, k),
        ];
        if c.broken_down {
            for (n, cell) in [
                (r.visits, c.visits),
                (r.yes, c.yes),
                (r.no, c.no),
                (r.next, c.next),
                (r.back, c.back),
                (r.repeats, c.repeats),
                (r.help, c.help),
                (r.stopped_here, c.stopped_here),
            ] {
                row.push(cell.text(n, k));
            }
            row.push(r.median_ms().map_or(String::new(), |m| m.to_string()));
            row.push(r.rank.map_or(String::new(), |n| n.to_string()));
        } else {
            row.extend(std::iter::repeat_n(String::new(), 10));
        }
        let sheet = s
            .sheets
            .iter()
            .zip(&m.sheets)
            .find(|(sh, _)| sh.steps.contains(&i));
        match sheet {
            Some((sh, sc)) => {
                row.push(field(&sh.id));
                if sh.steps.first() == Some(&i) {
                    for (n, cell) in [
                        (sh.offered, sc.offered),
                        (sh.declined, sc.declined),
                        (sh.printed, sc.printed),
                        (sh.failed, sc.failed),
                    ] {
                        row.push(cell.text(n, k));
                    }
                } else {
                    row.extend(std::iter::repeat_n(String::new(), 4));
                }
            }
            None => row.extend(std::iter::repeat_n(String::new(), 5)),
        }
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}

/// One text cell: control characters escaped (tab, CR and LF kept, and
/// quoted), a formula start neutralised, then RFC 4180 quoting where the
/// field needs it. Counts never come here (a `<5` or `*` is no formula).
pub fn field(s: &str) -> String {
    let clean = escape_except(s, &['\t', '\r', '\n']);
    if clean.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        return format!("\"'{}\"", clean.replace('"', "\"\""));
    }
    if clean.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", clean.replace('"', "\"\""))
    } else {
        clean.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn formulas_are_neutralised_and_quoted() {
        // See: a flow id "=HYPERLINK(...)" became a live link in a sheet.
        assert_eq!(
            field("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        for start in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            let f = field(start);
            assert!(f.starts_with("\"'"), "{f}");
        }
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("x\u{1b}[31m"), "x\\u{1b}[31m");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }
}
