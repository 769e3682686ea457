//! Today's and this week's counts for the staff screen (issue 17): the
//! report's own reading, counting and k rule over the journal directory,
//! turned into the cells the report's text would print. Run off the UI
//! thread (it reads the whole week's journal).

use std::path::Path;

use chrono::{Datelike, NaiveDate};

use super::privacy::mask;
use super::{summarize, Filter, Options, ReportError, ReportFormat, Summary};
use crate::flow::Flow;
use crate::staff::{Counts, PeriodCounts};

/// The sticking steps the staff screen lists.
const TOP: usize = 3;

/// Counts the sessions of `today` and of its week (from Monday) in
/// `journal_dir`, labelled by `flow` in `lang`, under the k rule `k`.
pub fn counts(
    journal_dir: &Path,
    flow: &Flow,
    lang: &str,
    k: u64,
    today: NaiveDate,
) -> Result<Counts, ReportError> {
    let monday = today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let k = k.max(1);
    Ok(Counts {
        today: period(journal_dir, flow, lang, k, today)?,
        week: period(journal_dir, flow, lang, k, monday)?,
        k,
    })
}

/// The sessions from hour 00 of `since` on.
fn period(
    journal_dir: &Path,
    flow: &Flow,
    lang: &str,
    k: u64,
    since: NaiveDate,
) -> Result<PeriodCounts, ReportError> {
    let opts = Options {
        files: vec![journal_dir.to_path_buf()],
        filter: Filter {
            since: Some(format!("{}T00", since.format("%Y-%m-%d"))),
            ..Filter::default()
        },
        format: ReportFormat::Text,
        k,
        lang: lang.to_string(),
        flow: Some(flow.clone()),
        threads: 1,
    };
    let summary = if journal_dir.exists() {
        summarize(&opts)?
    } else {
        // No journal yet: no sessions, not an error.
        return Ok(PeriodCounts {
            sessions: "0".into(),
            broken_down: false,
            outcomes: Vec::new(),
            sticking: Vec::new(),
        });
    };
    Ok(cells(&summary))
}

/// The cells of `s` as the report's text shows them.
pub fn cells(s: &Summary) -> PeriodCounts {
    let m = mask(s);
    let sessions = m.sessions.text(s.sessions, s.k);
    if !m.whole {
        return PeriodCounts {
            sessions,
            broken_down: false,
            outcomes: Vec::new(),
            sticking: Vec::new(),
        };
    }
    PeriodCounts {
        sessions,
        broken_down: true,
        outcomes: s
            .outcomes
            .iter()
            .zip(&m.outcomes)
            .map(|(o, c)| (o.label.clone(), c.text(o.count, s.k)))
            .collect(),
        sticking: m
            .ranked(s, TOP)
            .into_iter()
            .map(|(r, _)| r.name().to_string())
            .collect(),
    }
}
