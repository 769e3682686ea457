//! Second stage of loading: every rule of DESIGN section 3 over the raw
//! records, reporting all problems at their positions, then building the
//! validated [`Flow`] when there are no errors. This file runs the checks in
//! file order and assembles the flow; the rules themselves live by concern in
//! the `validate_*` files beside it: the `[flow]` table (`validate_header`),
//! the forms of ids and language codes (`validate_ids`), per-language texts
//! (`validate_texts`), stages and outcomes (`validate_named`), each step
//! (`validate_step`, with its `say` in `validate_say` and its lists in
//! `validate_lists`), reachability (`validate_graph`) and the fixed phrases
//! (`validate_phrases`).

use std::collections::{HashMap, HashSet};

use super::parse::{RawFlow, RawStep, Str};
use super::validate_graph::check_graph;
use super::validate_header::Header;
use super::validate_named::{check_named, check_reserved_outcomes, index_of, warn_unused};
use super::validate_phrases::check_phrases;
use super::validate_sheets::{check_sheets, sheet_index};
use super::validate_step::{check_step, Lookups};
use super::{Flow, Outcome, Stage, Step, StepIx};
use crate::diag::Collector;
use crate::msg;

pub fn validate(raw: RawFlow, hash: String, diag: &mut Collector<'_>) -> Option<Flow> {
    if raw.syntax_broken {
        return None;
    }
    let header = Header::check(&raw, diag);
    let langs: Vec<String> = header.languages.clone();
    let stages = check_named(&raw.stages, "stages", &langs, diag);
    let outcomes = check_named(&raw.outcomes, "outcomes", &langs, diag);
    check_reserved_outcomes(&raw.outcomes, diag);
    let phrases = check_phrases(&raw, &langs, diag);
    let sheets = check_sheets(&raw.sheets, &langs, diag);
    let sheet_titles: Vec<Option<super::Texts>> = sheets
        .iter()
        .map(|s| s.as_ref().map(|s| s.title.clone()))
        .collect();

    let step_index: HashMap<&str, usize> = raw
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.get_ref().as_str(), i))
        .collect();
    let stage_index = index_of(&raw.stages);
    let outcome_index = index_of(&raw.outcomes);
    let sheets_by_id = sheet_index(&raw.sheets);
    let lookups = Lookups {
        steps: &step_index,
        stages: &stage_index,
        outcomes: &outcome_index,
        sheets: &sheets_by_id,
        sheet_titles: &sheet_titles,
        langs: &langs,
    };

    let steps: Vec<Option<Step>> = raw
        .steps
        .iter()
        .map(|step| check_step(step, &lookups, diag))
        .collect();
    let start = header.start.as_ref().and_then(|start| {
        let found = step_index.get(start.get_ref().as_str()).copied();
        if found.is_none() {
            diag.error(
                start.span(),
                msg!("check.no_step", path = "flow.start", name = start.get_ref()),
            );
        }
        found
    });

    let steps: Option<Vec<Step>> = steps.into_iter().collect();
    if let (Some(steps), Some(start)) = (&steps, start) {
        check_graph(&raw.steps, steps, StepIx(start), diag);
    }
    // From the raw steps, so these warnings come with the file's other
    // problems rather than only once the steps are all valid.
    // Sets, not a scan of the steps per name: 60,000 stages by 60,000 steps
    // took minutes.
    let used = |field: fn(&RawStep) -> &Option<Str>| -> HashSet<&str> {
        raw.steps
            .iter()
            .filter_map(|s| field(s).as_ref().map(|v| v.get_ref().as_str()))
            .collect()
    };
    let used_stages = used(|s| &s.stage);
    let used_outcomes = used(|s| &s.end);
    warn_unused(
        &raw.stages,
        |id| msg!("check.stage_unused", id = id),
        |id| used_stages.contains(id),
        diag,
    );
    warn_unused(
        &raw.outcomes,
        |id| msg!("check.outcome_unused", id = id),
        |id| used_outcomes.contains(id),
        diag,
    );

    if diag.has_errors() {
        return None;
    }
    let flow = Flow {
        id: header.id?,
        start: StepIx(start?),
        languages: langs,
        title: header.title?,
        stages: stages?
            .into_iter()
            .zip(&raw.stages)
            .map(|(title, s)| Stage {
                id: s.id.get_ref().clone(),
                title,
            })
            .collect(),
        outcomes: outcomes?
            .into_iter()
            .zip(&raw.outcomes)
            .map(|(title, o)| Outcome {
                id: o.id.get_ref().clone(),
                title,
            })
            .collect(),
        steps: steps?,
        phrases: phrases?,
        sheets: sheets.into_iter().collect::<Option<Vec<_>>>()?,
        hash,
    };
    super::lint::warn(&flow, &raw.steps, diag);
    Some(flow)
}
