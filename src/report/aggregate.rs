//! One pass over the records: per-step counters with a count of each
//! distinct `ms` (the exact median needs no list of visits), outcomes,
//! stages reached, sessions per week and per hour of day. Memory grows with
//! the number of distinct steps, `ms` values and weeks, never with sessions.
//! Each reader thread fills its own [`Aggregate`]; [`Aggregate::merge`]
//! adds them up, and the order of records never changes the result.
//!
//! Two limits keep a hostile or broken journal from taking the machine: a
//! report holds at most [`MAX_STEP_IDS`] distinct step ids (a record with a
//! step id that is not `[a-z0-9_]+` is a bad line), and every counter add
//! is checked, so a count that would pass `u64::MAX` stops the report with
//! a [`Failure`] instead of wrapping to a small, wrong number.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::filter::Filter;
pub use super::fx::{Fx, FxMap};
use super::limits::bump;
pub use super::limits::{valid_step_id, Failure, MAX_LINE, MAX_STEP_IDS};
use super::ms::MsCounts;
use super::parse::{Line, Rec};
use crate::journal::Answer;
use crate::record::PrintResult;

/// Which stage each step of one flow belongs to, for the stage funnel.
#[derive(Debug, Clone, Default)]
pub struct StageMap {
    pub flow_id: String,
    pub stage_of: HashMap<String, usize>,
    pub stages: usize,
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
    /// Visits of a print step whose yes printed (`"print": "ok"`) and
    /// whose yes failed (`"print": "failed"`), issue 16.
    pub printed: u64,
    pub print_failed: u64,
    /// Sessions that visited the step at least once.
    pub reached: u64,
    /// Visits per distinct `ms`.
    pub ms: MsCounts,
    last_session: u64,
}

impl StepAgg {
    fn merge(&mut self, o: &StepAgg, failed: &mut Option<Failure>) {
        bump(&mut self.visits, o.visits, "visits of a step", failed);
        bump(&mut self.yes, o.yes, "yes answers of a step", failed);
        bump(&mut self.no, o.no, "no answers of a step", failed);
        bump(&mut self.next, o.next, "next answers of a step", failed);
        bump(&mut self.back, o.back, "backs of a step", failed);
        bump(&mut self.repeats, o.repeats, "repeats of a step", failed);
        bump(&mut self.help, o.help, "help presses of a step", failed);
        bump(
            &mut self.stopped_here,
            o.stopped_here,
            "sessions stopped at a step",
            failed,
        );
        bump(
            &mut self.reached,
            o.reached,
            "sessions reaching a step",
            failed,
        );
        bump(&mut self.printed, o.printed, "sheets printed", failed);
        bump(
            &mut self.print_failed,
            o.print_failed,
            "sheets failed",
            failed,
        );
        if !self.ms.merge(&o.ms) {
            failed.get_or_insert(Failure::Overflow("visits of one ms value"));
        }
    }
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

impl FlowAgg {
    /// The flow's id and its steps, the index freed.
    pub fn into_steps(self) -> (String, Vec<(String, StepAgg)>) {
        (self.id, self.steps)
    }

    /// The index of step `id`, added when new; None past the cap of
    /// distinct ids (`count` is the report's running total).
    #[inline]
    fn step(
        &mut self,
        id: &str,
        stage: impl FnOnce() -> Option<usize>,
        count: &mut usize,
    ) -> Option<usize> {
        if let Some(i) = self.index.get(id) {
            return Some(*i);
        }
        if *count >= MAX_STEP_IDS {
            return None;
        }
        *count += 1;
        self.steps.push((id.to_string(), StepAgg::default()));
        self.stage_of.push(stage());
        let i = self.steps.len() - 1;
        self.index.insert(id.to_string(), i);
        Some(i)
    }
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
    /// Set once the counts cannot be reported; nothing more is counted.
    pub failed: Option<Failure>,
    /// Distinct step ids over all flows.
    step_ids: usize,
    filter: Filter,
    stages: Option<StageMap>,
    last_flow: usize,
    hour_cache: Option<(String, u8, NaiveDate)>,
    /// Per visit of the record being counted, its step's index when the
    /// step is known (reused, so no allocation per record).
    slots: Vec<Option<usize>>,
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

    /// Counts one line (without its `\n`). A line longer than
    /// [`MAX_LINE`] is a bad line, unread.
    pub fn add_line(&mut self, line: &[u8]) {
        if line.len() > MAX_LINE {
            self.skip_lines(1);
            return;
        }
        match super::parse::parse_line(line) {
            Line::Blank => {}
            Line::Record(rec) => self.add(&rec),
            Line::UnknownVersion => bump(
                &mut self.unknown_version_lines,
                1,
                "lines of an unknown version",
                &mut self.failed,
            ),
            Line::Corrupt => self.skip_lines(1),
        }
    }

    /// Counts `n` bad lines.
    pub fn skip_lines(&mut self, n: u64) {
        bump(
            &mut self.skipped_lines,
            n,
            "skipped lines",
            &mut self.failed,
        );
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

    /// Distinct step ids held (over all flows).
    pub fn step_ids(&self) -> usize {
        self.step_ids
    }

    /// Heap bytes held by the per-step tables (ids, counters, ms counts),
    /// an estimate for the memory bound's tests.
    pub fn step_heap_bytes(&self) -> usize {
        let entry = std::mem::size_of::<(String, StepAgg)>()
            + std::mem::size_of::<Option<usize>>()
            // The index: key, value and a control byte, at its capacity.
            + std::mem::size_of::<(String, usize)>()
            + 1;
        self.flows
            .iter()
            .map(|f| {
                f.steps.capacity().max(f.index.capacity()) * entry
                    + f.steps
                        .iter()
                        .map(|(id, s)| 2 * id.capacity() + s.ms.heap_bytes())
                        .sum::<usize>()
            })
            .sum()
    }

    /// Counts one schema-1 record, if the filter lets it through. A record
    /// whose `hour` is not a local hour, or with a step id that is not
    /// `[a-z0-9_]+`, counts as a bad line.
    pub fn add(&mut self, rec: &Rec<'_>) {
        if self.failed.is_some() {
            return;
        }
        let Some((hod, monday)) = self.hour(&rec.hour) else {
            self.skip_lines(1);
            return;
        };
        // Each visit's step is looked up once; only an id not seen before
        // needs its characters checked.
        let mut slots = std::mem::take(&mut self.slots);
        slots.clear();
        let known = self.find_flow(&rec.flow).map(|fi| &self.flows[fi]);
        for v in &rec.steps {
            let hit = known.and_then(|f| f.index.get(&*v.id).copied());
            if hit.is_none() && !valid_step_id(&v.id) {
                self.slots = slots;
                self.skip_lines(1);
                return;
            }
            slots.push(hit);
        }
        if !self.filter.accepts(rec) {
            self.slots = slots;
            return;
        }
        let failed = &mut self.failed;
        bump(&mut self.sessions, 1, "sessions", failed);
        let serial = self.sessions;
        let outcome = match self.outcomes.iter().position(|(o, _)| *o == *rec.outcome) {
            Some(i) => i,
            None => {
                self.outcomes.push((rec.outcome.to_string(), 0));
                self.outcomes.len() - 1
            }
        };
        bump(
            &mut self.outcomes[outcome].1,
            1,
            "sessions of an outcome",
            failed,
        );
        bump(
            &mut self.hour_of_day[usize::from(hod)],
            1,
            "sessions of an hour",
            failed,
        );
        let week = self.weeks.entry(monday).or_default();
        bump(&mut week.sessions, 1, "sessions of a week", failed);
        if week.outcomes.len() <= outcome {
            week.outcomes.resize(outcome + 1, 0);
        }
        bump(&mut week.outcomes[outcome], 1, "sessions of a week", failed);
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
        let failed = &mut self.failed;
        let stage_map = self
            .stages
            .as_ref()
            .filter(|s| s.flow_id == self.flows[fi].id);
        let mut reached_stages: u64 = 0;
        let stopped = matches!(&*rec.outcome, "abandoned" | "restarted");
        let flow = &mut self.flows[fi];
        let last = rec.steps.len().wrapping_sub(1);
        for (n, (visit, hit)) in rec.steps.iter().zip(&slots).enumerate() {
            let si = match hit {
                Some(si) => *si,
                None => {
                    let stage = || stage_map.and_then(|m| m.stage_of.get(&*visit.id).copied());
                    let Some(si) = flow.step(&visit.id, stage, &mut self.step_ids) else {
                        failed.get_or_insert(Failure::TooManySteps);
                        return;
                    };
                    si
                }
            };
            if let Some(stage) = flow.stage_of[si].filter(|s| *s < 64) {
                reached_stages |= 1 << stage;
            }
            let step = &mut flow.steps[si].1;
            bump(&mut step.visits, 1, "visits of a step", failed);
            match visit.answer {
                Answer::Yes => bump(&mut step.yes, 1, "yes answers of a step", failed),
                Answer::No => bump(&mut step.no, 1, "no answers of a step", failed),
                Answer::Next => bump(&mut step.next, 1, "next answers of a step", failed),
                Answer::Back => bump(&mut step.back, 1, "backs of a step", failed),
                Answer::None => {}
            }
            match visit.print {
                Some(PrintResult::Ok) => bump(&mut step.printed, 1, "sheets printed", failed),
                Some(PrintResult::Failed) => {
                    bump(&mut step.print_failed, 1, "sheets failed", failed);
                }
                None => {}
            }
            bump(
                &mut step.repeats,
                visit.repeats,
                "repeats of a step",
                failed,
            );
            bump(&mut step.help, visit.help, "help presses of a step", failed);
            if !step.ms.add(visit.ms, 1) {
                failed.get_or_insert(Failure::Overflow("visits of one ms value"));
            }
            if step.last_session != serial {
                step.last_session = serial;
                bump(&mut step.reached, 1, "sessions reaching a step", failed);
            }
            if n == last && stopped {
                bump(
                    &mut step.stopped_here,
                    1,
                    "sessions stopped at a step",
                    failed,
                );
            }
        }
        if stage_map.is_some() {
            bump(
                &mut self.stage_flow_sessions,
                1,
                "sessions of the flow",
                failed,
            );
            for (i, reached) in self.stage_reached.iter_mut().enumerate().take(64) {
                if reached_stages & (1 << i) != 0 {
                    bump(reached, 1, "sessions reaching a stage", failed);
                }
            }
        }
        self.slots = slots;
    }

    /// The index of flow `id`, if it has been seen.
    fn find_flow(&self, id: &str) -> Option<usize> {
        if self.flows.get(self.last_flow).is_some_and(|f| f.id == id) {
            return Some(self.last_flow);
        }
        self.flows.iter().position(|f| f.id == id)
    }

    fn flow_index(&mut self, id: &str) -> usize {
        let i = match self.find_flow(id) {
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
        if let Some(f) = other.failed {
            self.failed.get_or_insert(f);
        }
        let failed = &mut self.failed;
        bump(&mut self.sessions, other.sessions, "sessions", failed);
        bump(
            &mut self.skipped_lines,
            other.skipped_lines,
            "skipped lines",
            failed,
        );
        bump(
            &mut self.unknown_version_lines,
            other.unknown_version_lines,
            "lines of an unknown version",
            failed,
        );
        let mut outcome_map = Vec::with_capacity(other.outcomes.len());
        for (name, n) in other.outcomes {
            let i = match self.outcomes.iter().position(|(o, _)| *o == name) {
                Some(i) => i,
                None => {
                    self.outcomes.push((name, 0));
                    self.outcomes.len() - 1
                }
            };
            bump(&mut self.outcomes[i].1, n, "sessions of an outcome", failed);
            outcome_map.push(i);
        }
        for (monday, week) in other.weeks {
            let mine = self.weeks.entry(monday).or_default();
            bump(
                &mut mine.sessions,
                week.sessions,
                "sessions of a week",
                failed,
            );
            for (o, n) in week.outcomes.into_iter().enumerate() {
                let i = outcome_map.get(o).copied().unwrap_or(o);
                if mine.outcomes.len() <= i {
                    mine.outcomes.resize(i + 1, 0);
                }
                bump(&mut mine.outcomes[i], n, "sessions of a week", failed);
            }
        }
        for (mine, theirs) in self.hour_of_day.iter_mut().zip(other.hour_of_day) {
            bump(mine, theirs, "sessions of an hour", failed);
        }
        for (mine, theirs) in self.stage_reached.iter_mut().zip(other.stage_reached) {
            bump(mine, theirs, "sessions reaching a stage", failed);
        }
        bump(
            &mut self.stage_flow_sessions,
            other.stage_flow_sessions,
            "sessions of the flow",
            failed,
        );
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
                let Some(si) = mine.step(&id, || stage, &mut self.step_ids) else {
                    self.failed.get_or_insert(Failure::TooManySteps);
                    return;
                };
                mine.steps[si].1.merge(&step, &mut self.failed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(ids: &[String], ms: u64, repeats: u64) -> String {
        let steps: Vec<String> = ids
            .iter()
            .map(|id| {
                format!(r#"{{"id":"{id}","answer":"yes","ms":{ms},"repeats":{repeats},"help":0}}"#)
            })
            .collect();
        format!(
            r#"{{"v":1,"flow":"f","flow_hash":"00000000","kiosk":"k","hour":"2026-11-24T10","lang":"en","outcome":"done","end":"x","steps":[{}],"help":0,"back":0,"duration_ms":{ms}}}"#,
            steps.join(",")
        )
    }

    #[test]
    fn step_ids_outside_the_flow_alphabet_are_bad_lines() {
        let mut agg = Aggregate::new(Filter::default(), None);
        for id in ["Welcome", "a-b", "x\u{1b}[2J", "", "ok_1"] {
            agg.add_line(line(&[id.to_string()], 1, 0).as_bytes());
        }
        assert_eq!(agg.skipped_lines, 4);
        assert_eq!(agg.sessions, 1);
        assert_eq!(agg.flows[0].steps[0].0, "ok_1");
    }

    #[test]
    fn counters_near_u64_max_fail_instead_of_wrapping() {
        // See: repeats near 2^64 wrapped to a small sum.
        let mut agg = Aggregate::new(Filter::default(), None);
        let ids = ["a".to_string()];
        agg.add_line(line(&ids, u64::MAX, u64::MAX - 1).as_bytes());
        assert_eq!(agg.failed, None);
        agg.add_line(line(&ids, u64::MAX, 2).as_bytes());
        assert_eq!(agg.failed, Some(Failure::Overflow("repeats of a step")));
        // Merging two passes checks too.
        let mut a = Aggregate::new(Filter::default(), None);
        a.add_line(line(&ids, 1, u64::MAX).as_bytes());
        let mut b = Aggregate::new(Filter::default(), None);
        b.add_line(line(&ids, 1, 1).as_bytes());
        a.merge(b);
        assert_eq!(a.failed, Some(Failure::Overflow("repeats of a step")));
    }

    #[test]
    fn many_rare_step_ids_cost_little_memory() {
        // See: 20,000 distinct ids took 3.0 GB (a 256 KB table each).
        let mut agg = Aggregate::new(Filter::default(), None);
        for i in 0..2_000 {
            let ids: Vec<String> = (0..10).map(|j| format!("s{i}_{j}")).collect();
            agg.add_line(line(&ids, 1000 + i, 0).as_bytes());
        }
        assert_eq!(agg.step_ids(), 20_000);
        let per_id = agg.step_heap_bytes() / 20_000;
        assert!(per_id < 512, "{per_id} bytes per step id");
    }

    #[test]
    fn past_the_cap_on_step_ids_the_report_fails() {
        let mut agg = Aggregate::new(Filter::default(), None);
        let per_line = 5_000;
        for i in 0..=(MAX_STEP_IDS / per_line) {
            let ids: Vec<String> = (0..per_line).map(|j| format!("s{i}_{j}")).collect();
            agg.add_line(line(&ids, 1, 0).as_bytes());
        }
        assert_eq!(agg.step_ids(), MAX_STEP_IDS);
        assert_eq!(agg.failed, Some(Failure::TooManySteps));
    }
}
