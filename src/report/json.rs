//! `--format json`: the exact counts of DESIGN section 6, for the owner's
//! own tools. No k rule here. Keys are sorted, so the same journal always
//! gives the same bytes.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::summary::{StepRow, Summary};

#[derive(Serialize)]
struct Report<'a> {
    sessions: u64,
    outcomes: BTreeMap<&'a str, u64>,
    steps: Steps<'a>,
    skipped_lines: u64,
    unknown_version_lines: u64,
    /// Sessions that reached each stage of the labelling flow, in file
    /// order (beyond the contract; empty when no flow matches).
    stages: Vec<Stage<'a>>,
    /// Per take-home sheet of the labelling flow (issue 16; beyond the
    /// contract; empty when no flow matches).
    sheets: BTreeMap<&'a str, Sheet>,
    flows: &'a [String],
    kiosks: &'a [String],
    first_hour: Option<&'a str>,
    last_hour: Option<&'a str>,
}

#[derive(Serialize)]
struct Stage<'a> {
    id: &'a str,
    reached: u64,
}

#[derive(Serialize)]
struct Sheet {
    offered: u64,
    declined: u64,
    printed: u64,
    failed: u64,
}

#[derive(Serialize)]
struct Step {
    visits: u64,
    yes: u64,
    no: u64,
    next: u64,
    repeats: u64,
    help: u64,
    back: u64,
    stopped_here: u64,
    median_ms: Option<Median>,
    /// Sessions that visited the step at least once (beyond the contract).
    reached: u64,
}

/// A whole number of ms, or a half for the mean of two middle values.
#[derive(Serialize)]
#[serde(untagged)]
enum Median {
    Whole(u64),
    Half(f64),
}

/// The steps by key, each turned into its JSON shape only as it is
/// written: a report of many step ids holds no second copy of them.
struct Steps<'a>(Vec<&'a StepRow>);

impl Serialize for Steps<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut map = ser.serialize_map(Some(self.0.len()))?;
        for r in &self.0 {
            map.serialize_entry(&r.key, &step(r))?;
        }
        map.end()
    }
}

fn step(r: &StepRow) -> Step {
    let median = r.median.map(|(a, b)| {
        let sum = u128::from(a) + u128::from(b);
        match u64::try_from(sum / 2) {
            Ok(whole) if sum % 2 == 0 => Median::Whole(whole),
            _ => Median::Half(sum as f64 / 2.0),
        }
    });
    Step {
        visits: r.visits,
        yes: r.yes,
        no: r.no,
        next: r.next,
        repeats: r.repeats,
        help: r.help,
        back: r.back,
        stopped_here: r.stopped_here,
        median_ms: median,
        reached: r.reached,
    }
}

pub fn render<W: Write>(s: &Summary, mut out: W) -> io::Result<()> {
    let report = Report {
        sessions: s.sessions,
        outcomes: s
            .outcomes
            .iter()
            .map(|o| (o.id.as_str(), o.count))
            .collect(),
        steps: Steps({
            let mut rows: Vec<&StepRow> = s.steps.iter().collect();
            rows.sort_unstable_by(|a, b| a.key.cmp(&b.key));
            rows
        }),
        skipped_lines: s.skipped_lines,
        unknown_version_lines: s.unknown_version_lines,
        stages: s
            .stages
            .iter()
            .map(|st| Stage {
                id: &st.id,
                reached: st.reached,
            })
            .collect(),
        sheets: s
            .sheets
            .iter()
            .map(|sh| {
                let counts = Sheet {
                    offered: sh.offered,
                    declined: sh.declined,
                    printed: sh.printed,
                    failed: sh.failed,
                };
                (sh.id.as_str(), counts)
            })
            .collect(),
        flows: &s.flows,
        kiosks: &s.kiosks,
        first_hour: s.first_hour.as_deref(),
        last_hour: s.last_hour.as_deref(),
    };
    serde_json::to_writer_pretty(&mut out, &report)?;
    out.write_all(b"\n")
}
