//! Reachability over the validated steps: every step reachable from the
//! start, and an ending reachable from every step (no loop with no way out).

use std::collections::VecDeque;

use super::parse::RawStep;
use super::{Step, StepIx, StepKind};
use crate::diag::Collector;
use crate::msg;

/// Every step reachable from start, and an ending reachable from every step.
pub(super) fn check_graph(
    raw: &[RawStep],
    steps: &[Step],
    start: StepIx,
    diag: &mut Collector<'_>,
) {
    let successors = |s: &Step| -> Vec<usize> {
        match s.kind {
            StepKind::Question { yes, no } => vec![yes.0, no.0],
            StepKind::Note { next } | StepKind::Print { next, .. } => vec![next.0],
            StepKind::Ending { .. } => Vec::new(),
        }
    };
    let reachable = spread(steps.len(), [start.0], |i| successors(&steps[i]));
    let mut predecessors = vec![Vec::new(); steps.len()];
    for (i, s) in steps.iter().enumerate() {
        for j in successors(s) {
            predecessors[j].push(i);
        }
    }
    let endings = steps
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s.kind, StepKind::Ending { .. }))
        .map(|(i, _)| i);
    let can_end = spread(steps.len(), endings, |i| predecessors[i].clone());
    for (i, step) in raw.iter().enumerate() {
        let path = format!("steps.{}", step.id.get_ref());
        if !reachable[i] {
            diag.error(step.id.span(), msg!("check.unreachable", path = path));
        } else if !can_end[i] {
            diag.error(step.id.span(), msg!("check.no_way_out", path = path));
        }
    }
}

/// Breadth-first marking from `seeds` along `next`.
fn spread(
    len: usize,
    seeds: impl IntoIterator<Item = usize>,
    next: impl Fn(usize) -> Vec<usize>,
) -> Vec<bool> {
    let mut seen = vec![false; len];
    let mut queue: VecDeque<usize> = seeds.into_iter().collect();
    for &s in &queue {
        seen[s] = true;
    }
    while let Some(i) = queue.pop_front() {
        for j in next(i) {
            if !seen[j] {
                seen[j] = true;
                queue.push_back(j);
            }
        }
    }
    seen
}
