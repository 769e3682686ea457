//! One pass over the records: per-step counters with a count of each
//! distinct `ms` (the exact median needs no list of visits), outcomes,
//! stages reached, sessions per week and per hour of day. Memory grows with
//! the number of distinct steps, `ms` values and weeks, never with sessions.
//! Each reader thread fills its own [`Aggregate`]; [`Aggregate::merge`]
//! adds them up, and the order of records never changes the result.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::NaiveDate;

use super::filter::Filter;
use super::parse::{Line, Rec};
use crate::journal::Answer;

/// FxHash (as in rustc): the keys are short step ids and `ms` values from
/// the owner's own files, so a fast non-DoS-resistant hash is the right one.
#[derive(Default, Clone, Copy)]
pub struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for b in chunks.remainder() {
            self.add(u64::from(*b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl Fx {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// Which stage each step of one flow belongs to, for the stage funnel.
#[derive(Debug, Clone, Default)]
pub struct StageMap {
    pub flow_id: String,
    pub stage_of: HashMap<String, usize>,
    pub stages: usize,
}

/// Visits per distinct `ms`: a dense table of counts below 65.536 s (where
/// nearly every visit falls: one array access per visit, no hashing, no
/// probing) and a map for longer times and for a count that would overflow.
#[derive(Debug, Clone, Default)]
pub struct MsCounts {
    dense: Vec<u32>,
    sparse: FxMap<u64, u64>,
}

const DENSE: usize = 1 << 16;

impl MsCounts {
    pub fn add(&mut self, ms: u64, n: u64) {
        if let Ok(i) = usize::try_from(ms) {
            if i < DENSE {
                if self.dense.is_empty() {
                    self.dense = vec![0; DENSE];
                }
                if let Some(c) = self.dense.get_mut(i) {
                    if let Some(sum) = u32::try_from(n).ok().and_then(|n| c.checked_add(n)) {
                        *c = sum;
                        return;
                    }
                }
            }
        }
        *self.sparse.entry(ms).or_insert(0) += n;
    }

    pub fn merge(&mut self, other: &MsCounts) {
        if !other.dense.is_empty() {
            if self.dense.is_empty() {
                self.dense = vec![0; DENSE];
            }
            for (ms, (mine, theirs)) in self.dense.iter_mut().zip(&other.dense).enumerate() {
                if *theirs > 0 {
                    match mine.checked_add(*theirs) {
                        Some(sum) => *mine = sum,
                        None => *self.sparse.entry(ms as u64).or_insert(0) += u64::from(*theirs),
                    }
                }
            }
        }
        for (ms, n) in &other.sparse {
            *self.sparse.entry(*ms).or_insert(0) += n;
        }
    }

    /// (ms, visits) pairs, sorted by ms (a value may appear twice).
    pub fn pairs(&self) -> Vec<(u64, u64)> {
        let mut out: Vec<(u64, u64)> = self
            .dense
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(ms, n)| (ms as u64, u64::from(*n)))
            .collect();
        out.extend(self.sparse.iter().map(|(ms, n)| (*ms, *n)));
        out.sort_unstable();
        out
    }
}

/// Counters of one step (of one flow).
#[derive(Debug, Clone, Default)]
pub struct StepAgg {
    pub visits: u64,
    pub yes: u64,
    pub no: u64,
    pub next: u64,
    pub back: u64,
    pub repeats: u64,
    pub help: u64,
    pub stopped_here: u64,
    /// Sessions that visited the step at least once.
    pub reached: u64,
    /// Visits per distinct `ms`.
    pub ms: MsCounts,
    last_session: u64,
}

#[derive(Debug, Clone, Default)]
pub struct FlowAgg {
    pub id: String,
    /// Step ids in the order first seen; `index` points into `steps`.
    pub steps: Vec<(String, StepAgg)>,
    index: FxMap<String, usize>,
    /// Stage of each entry of `steps` when this is the stage map's flow.
    stage_of: Vec<Option<usize>>,
}

/// Sessions of one week (starting Monday).
#[derive(Debug, Clone, Default)]
pub struct WeekAgg {
    pub sessions: u64,
    /// Indexed like [`Aggregate::outcomes`].
    pub outcomes: Vec<u64>,
}

#[derive(Debug, Clone, Default)]
pub struct Aggregate {
    pub sessions: u64,
    pub skipped_lines: u64,
    pub unknown_version_lines: u64,
    /// Outcome name and count, in order first seen.
    pub outcomes: Vec<(String, u64)>,
    pub flows: Vec<FlowAgg>,
    /// Sessions of the stage map's flow that reached each stage.
    pub stage_reached: Vec<u64>,
    /// Sessions of the stage map's flow.
    pub stage_flow_sessions: u64,
    /// Sessions per local hour of day.
    pub hour_of_day: [u64; 24],
    /// Monday of the week → sessions.
    pub weeks: FxMap<NaiveDate, WeekAgg>,
    pub kiosks: Vec<String>,
    pub first_hour: Option<String>,
    pub last_hour: Option<String>,
    filter: Filter,
    stages: Option<StageMap>,
    last_flow: usize,
    hour_cache: Option<(String, u8, NaiveDate)>,
}

impl Aggregate {
    pub fn new(filter: Filter, stages: Option<StageMap>) -> Self {
        let stage_reached = vec![0; stages.as_ref().map_or(0, |s| s.stages)];
        Aggregate {
            filter,
            stages,
            stage_reached,
            ..Aggregate::default()
        }
    }

    /// Counts one line (without its `\n`).
    pub fn add_line(&mut self, line: &[u8]) {
        match super::parse::parse_line(line) {
            Line::Blank => {}
            Line::Record(rec) => self.add(&rec),
            Line::UnknownVersion => self.unknown_version_lines += 1,
            Line::Corrupt => self.skipped_lines += 1,
        }
    }

    /// Counts every line of a chunk that ends at a line boundary (or at the
    /// end of a file).
    pub fn add_chunk(&mut self, chunk: &[u8]) {
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', chunk) {
            self.add_line(&chunk[start..nl]);
            start = nl + 1;
        }
        self.add_line(&chunk[start..]);
    }

    /// Counts one schema-1 record, if the filter lets it through. A record
    /// whose `hour` is not a local hour counts as corrupt.
    pub fn add(&mut self, rec: &Rec<'_>) {
        let Some((hod, monday)) = self.hour(&rec.hour) else {
            self.skipped_lines += 1;
            return;
        };
        if !self.filter.accepts(rec) {
            return;
        }
        self.sessions += 1;
        let serial = self.sessions;
        let outcome = match self.outcomes.iter().position(|(o, _)| *o == *rec.outcome) {
            Some(i) => i,
            None => {
                self.outcomes.push((rec.outcome.to_string(), 0));
                self.outcomes.len() - 1
            }
        };
        self.outcomes[outcome].1 += 1;
        self.hour_of_day[usize::from(hod)] += 1;
        let week = self.weeks.entry(monday).or_default();
        week.sessions += 1;
        if week.outcomes.len() <= outcome {
            week.outcomes.resize(outcome + 1, 0);
        }
        week.outcomes[outcome] += 1;
        if !self.kiosks.iter().any(|k| *k == *rec.kiosk) {
            self.kiosks.push(rec.kiosk.to_string());
        }
        if self.first_hour.as_deref().is_none_or(|f| *rec.hour < *f) {
            self.first_hour = Some(rec.hour.to_string());
        }
        if self.last_hour.as_deref().is_none_or(|l| *rec.hour > *l) {
            self.last_hour = Some(rec.hour.to_string());
        }

        let fi = self.flow_index(&rec.flow);
        let stage_map = self
            .stages
            .as_ref()
            .filter(|s| s.flow_id == self.flows[fi].id);
        let mut reached_stages: u64 = 0;
        let stopped = matches!(&*rec.outcome, "abandoned" | "restarted");
        let flow = &mut self.flows[fi];
        let last = rec.steps.len().wrapping_sub(1);
        for (n, visit) in rec.steps.iter().enumerate() {
            let si = match flow.index.get(&*visit.id) {
                Some(i) => *i,
                None => {
                    flow.steps.push((visit.id.to_string(), StepAgg::default()));
                    flow.stage_of
                        .push(stage_map.and_then(|m| m.stage_of.get(&*visit.id).copied()));
                    let i = flow.steps.len() - 1;
                    flow.index.insert(visit.id.to_string(), i);
                    i
                }
            };
            if let Some(stage) = flow.stage_of[si].filter(|s| *s < 64) {
                reached_stages |= 1 << stage;
            }
            let step = &mut flow.steps[si].1;
            step.visits += 1;
            match visit.answer {
                Answer::Yes => step.yes += 1,
                Answer::No => step.no += 1,
                Answer::Next => step.next += 1,
                Answer::Back => step.back += 1,
                Answer::None => {}
            }
            step.repeats += visit.repeats;
            step.help += visit.help;
            step.ms.add(visit.ms, 1);
            if step.last_session != serial {
                step.last_session = serial;
                step.reached += 1;
            }
            if n == last && stopped {
                step.stopped_here += 1;
            }
        }
        if stage_map.is_some() {
            self.stage_flow_sessions += 1;
            for (i, reached) in self.stage_reached.iter_mut().enumerate().take(64) {
                if reached_stages & (1 << i) != 0 {
                    *reached += 1;
                }
            }
        }
    }

    fn flow_index(&mut self, id: &str) -> usize {
        if self.flows.get(self.last_flow).is_some_and(|f| f.id == id) {
            return self.last_flow;
        }
        let i = match self.flows.iter().position(|f| f.id == id) {
            Some(i) => i,
            None => {
                self.flows.push(FlowAgg {
                    id: id.to_string(),
                    ..FlowAgg::default()
                });
                self.flows.len() - 1
            }
        };
        self.last_flow = i;
        i
    }

    /// Hour of day and the week's Monday of a `YYYY-MM-DDTHH` hour. Records
    /// come in time order, so the last answer is kept.
    fn hour(&mut self, hour: &str) -> Option<(u8, NaiveDate)> {
        if let Some((h, hod, monday)) = &self.hour_cache {
            if h == hour {
                return Some((*hod, *monday));
            }
        }
        let (date, hod) = hour.split_once('T')?;
        let hod: u8 = hod.parse().ok().filter(|h| *h < 24)?;
        if date.len() != 10 || hour.len() != 13 || !hour.is_ascii() {
            return None;
        }
        let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
        let monday = day.week(chrono::Weekday::Mon).first_day();
        self.hour_cache = Some((hour.to_string(), hod, monday));
        Some((hod, monday))
    }

    /// Adds another pass's counts (same filter and stage map).
    pub fn merge(&mut self, other: Aggregate) {
        self.sessions += other.sessions;
        self.skipped_lines += other.skipped_lines;
        self.unknown_version_lines += other.unknown_version_lines;
        let mut outcome_map = Vec::with_capacity(other.outcomes.len());
        for (name, n) in other.outcomes {
            let i = match self.outcomes.iter().position(|(o, _)| *o == name) {
                Some(i) => i,
                None => {
                    self.outcomes.push((name, 0));
                    self.outcomes.len() - 1
                }
            };
            self.outcomes[i].1 += n;
            outcome_map.push(i);
        }
        for (monday, week) in other.weeks {
            let mine = self.weeks.entry(monday).or_default();
            mine.sessions += week.sessions;
            for (o, n) in week.outcomes.into_iter().enumerate() {
                let i = outcome_map.get(o).copied().unwrap_or(o);
                if mine.outcomes.len() <= i {
                    mine.outcomes.resize(i + 1, 0);
                }
                mine.outcomes[i] += n;
            }
        }
        for (mine, theirs) in self.hour_of_day.iter_mut().zip(other.hour_of_day) {
            *mine += theirs;
        }
        for (mine, theirs) in self.stage_reached.iter_mut().zip(other.stage_reached) {
            *mine += theirs;
        }
        self.stage_flow_sessions += other.stage_flow_sessions;
        for k in other.kiosks {
            if !self.kiosks.contains(&k) {
                self.kiosks.push(k);
            }
        }
        if let Some(f) = other.first_hour {
            if self.first_hour.as_ref().is_none_or(|mine| f < *mine) {
                self.first_hour = Some(f);
            }
        }
        if let Some(l) = other.last_hour {
            if self.last_hour.as_ref().is_none_or(|mine| l > *mine) {
                self.last_hour = Some(l);
            }
        }
        for flow in other.flows {
            let fi = self.flow_index(&flow.id);
            let mine = &mut self.flows[fi];
            for ((id, step), stage) in flow.steps.into_iter().zip(flow.stage_of) {
                let si = match mine.index.get(&id) {
                    Some(i) => *i,
                    None => {
                        mine.steps.push((id.clone(), StepAgg::default()));
                        mine.stage_of.push(stage);
                        let i = mine.steps.len() - 1;
                        mine.index.insert(id, i);
                        i
                    }
                };
                let s = &mut mine.steps[si].1;
                s.visits += step.visits;
                s.yes += step.yes;
                s.no += step.no;
                s.next += step.next;
                s.back += step.back;
                s.repeats += step.repeats;
                s.help += step.help;
                s.stopped_here += step.stopped_here;
                s.reached += step.reached;
                s.ms.merge(&step.ms);
            }
        }
    }
}

/// The exact median of a count-per-value table: the middle value, or the
/// two middle values (whose mean is the median) for an even total.
pub fn median(counts: &MsCounts) -> Option<(u64, u64)> {
    let values = counts.pairs();
    let total: u64 = values.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    // 1-based ranks of the two middle visits (equal for an odd total).
    let lo_rank = total.div_ceil(2);
    let hi_rank = total / 2 + 1;
    let mut seen = 0;
    let mut lo = None;
    for (v, n) in values {
        seen += n;
        if lo.is_none() && seen >= lo_rank {
            lo = Some(v);
        }
        if seen >= hi_rank {
            return lo.map(|lo| (lo, v));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn table(values: &[u64]) -> MsCounts {
        let mut m = MsCounts::default();
        for v in values {
            m.add(*v, 1);
        }
        m
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&table(&[])), None);
        assert_eq!(median(&table(&[7])), Some((7, 7)));
        assert_eq!(median(&table(&[1, 9, 3])), Some((3, 3)));
        assert_eq!(median(&table(&[1, 9, 3, 4])), Some((3, 4)));
        assert_eq!(median(&table(&[5, 5, 5, 8])), Some((5, 5)));
        assert_eq!(
            median(&table(&[70_000, 1, 90_000, 65_535])),
            Some((65_535, 70_000))
        );
        // A count past u32 spills into the map and still counts.
        let mut m = table(&[3]);
        m.add(3, u64::from(u32::MAX));
        m.add(100_000, 1);
        assert_eq!(median(&m), Some((3, 3)));
    }

    proptest! {
        #[test]
        fn median_from_counts_matches_the_sorted_list(mut v in proptest::collection::vec(prop_oneof![0u64..50, 65_530u64..65_540], 1..60)) {
            let got = median(&table(&v)).unwrap();
            v.sort_unstable();
            let n = v.len();
            prop_assert_eq!(got, (v[(n - 1) / 2], v[n / 2]));
        }
    }
}
