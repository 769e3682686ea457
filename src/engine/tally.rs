//! Counting one session for its journal record (DESIGN section 5): the path
//! of visits with their answers, dwell times and key counts.

use std::time::Instant;

use crate::flow::{Flow, LangIx, StepIx};
use crate::record::{Answer, LocalHour, PrintResult, Record, StepRecord, SCHEMA_VERSION};

/// The step on screen now and what happened on it so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visit {
    pub step: StepIx,
    pub shown_at: Instant,
    pub repeats: u32,
    pub help: u32,
    /// When the latest idle warning came: an abandoned visit's time stops there.
    pub warned_at: Option<Instant>,
}

impl Visit {
    pub fn new(step: StepIx, shown_at: Instant) -> Visit {
        Visit {
            step,
            shown_at,
            repeats: 0,
            help: 0,
            warned_at: None,
        }
    }
}

/// A session under way: started at the customer's first key.
#[derive(Debug, Clone)]
pub struct Tally {
    started: Instant,
    hour: LocalHour,
    steps: Vec<StepRecord>,
    help: u32,
    back: u32,
    /// A print job asked for on this session and not yet answered, with
    /// the index of its step in `steps`.
    pending_print: Option<(u64, usize)>,
}

impl Tally {
    pub fn start(at: Instant, hour: LocalHour) -> Tally {
        Tally {
            started: at,
            hour,
            steps: Vec::new(),
            help: 0,
            back: 0,
            pending_print: None,
        }
    }

    pub fn count_help(&mut self) {
        self.help += 1;
    }

    pub fn count_back(&mut self) {
        self.back += 1;
    }

    /// The customer left `visit` with `answer` at `at`.
    pub fn leave(&mut self, flow: &Flow, visit: &Visit, answer: Answer, at: Instant) {
        self.steps.push(StepRecord {
            id: flow.step(visit.step).id.clone(),
            answer,
            ms: millis(visit.shown_at, at),
            repeats: visit.repeats,
            help: visit.help,
            print: None,
        });
    }

    /// The visit just left asked for print job `job`.
    pub fn await_print(&mut self, job: u64) {
        if let Some(last) = self.steps.len().checked_sub(1) {
            self.pending_print = Some((job, last));
        }
    }

    /// The print job of this session not answered yet, with the index of
    /// its step in the record's `steps`.
    pub fn awaits_print(&self) -> Option<(u64, usize)> {
        self.pending_print
    }

    /// Print job `job` came back with `result`; false when it is not this
    /// session's pending job.
    pub fn print_done(&mut self, job: u64, result: PrintResult) -> bool {
        match self.pending_print {
            Some((pending, at)) if pending == job => {
                if let Some(step) = self.steps.get_mut(at) {
                    step.print = Some(result);
                }
                self.pending_print = None;
                true
            }
            _ => false,
        }
    }

    /// The record, once the last visit has been left with `Answer::None`;
    /// `ended_at` is when the session's time stopped.
    pub fn finish(
        self,
        flow: &Flow,
        kiosk: &str,
        lang: LangIx,
        outcome: &str,
        ended_at: Instant,
    ) -> Record {
        Record {
            v: SCHEMA_VERSION,
            flow: flow.id.clone(),
            flow_hash: flow.hash.clone(),
            kiosk: kiosk.to_string(),
            hour: self.hour.to_string(),
            lang: flow.lang_code(lang).to_string(),
            outcome: outcome.to_string(),
            end: self.steps.last().map(|s| s.id.clone()).unwrap_or_default(),
            steps: self.steps,
            help: self.help,
            back: self.back,
            duration_ms: millis(self.started, ended_at),
        }
    }
}

fn millis(from: Instant, to: Instant) -> u64 {
    u64::try_from(to.saturating_duration_since(from).as_millis()).unwrap_or(u64::MAX)
}
