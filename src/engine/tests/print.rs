//! Print steps on a fake clock (issue 16): yes asks for the sheet and goes
//! on at once, no goes on; the result joins the record, which waits for it
//! when the ending comes first; a failure is apologised for; with no
//! printer the step is never shown.

use super::*;
use crate::record::PrintResult;

/// The test flow with a print step between `landline_note` and
/// `call_support`.
fn print_flow() -> Flow {
    let source = FLOW.replace(
        "next = \"call_support\"",
        "next = \"offer_sheet\"\n\n[steps.offer_sheet]\nprint = \"call\"\nnext = \"call_support\"",
    ) + r#"
[sheets.call]
title = { ja = "電話のメモ", en = "Call note" }
[[sheets.call.blocks.ja]]
heading = "言うこと"
[[sheets.call.blocks.en]]
heading = "What to say"
"#;
    load_source("print.toml", &source).into_result().unwrap()
}

fn printing() -> EngineConfig {
    EngineConfig {
        printing: true,
        ..EngineConfig::default()
    }
}

/// A rig on the print step.
fn on_the_print_step(config: EngineConfig) -> Rig {
    let mut rig = Rig::with_flow(print_flow(), config);
    rig.press(Input::Yes);
    rig.press_after(1000, Input::No);
    rig.press_after(1000, Input::Yes);
    rig
}

fn print_jobs(fx: &[Effect]) -> Vec<u64> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Print { job, .. } => Some(*job),
            _ => None,
        })
        .collect()
}

#[test]
fn yes_prints_and_goes_on_at_once_and_the_record_waits_for_the_result() {
    let mut rig = on_the_print_step(printing());
    assert_eq!(rig.step_id(), "offer_sheet");
    let fx = rig.press_after(1000, Input::Yes);
    let jobs = print_jobs(&fx);
    assert_eq!(jobs.len(), 1);
    // The next step (an ending) is on screen in the same effects.
    assert_eq!(rig.step_id(), "call_support");
    assert!(fx.iter().any(|e| matches!(e, Effect::Show(_))));
    // The ending came before the printer: no record yet.
    assert!(records(&fx).is_empty());
    let now = rig.now();
    let fx = rig.session.handle_printed(
        Printed {
            job: jobs[0],
            result: PrintResult::Ok,
        },
        now,
    );
    let recs = records(&fx);
    assert_eq!(recs.len(), 1);
    let step = recs[0]
        .steps
        .iter()
        .find(|s| s.id == "offer_sheet")
        .unwrap();
    assert_eq!(step.answer, Answer::Yes);
    assert_eq!(step.print, Some(PrintResult::Ok));
    assert!(recs[0]
        .to_line()
        .contains(r#""answer":"yes","ms":1000,"repeats":0,"help":0,"print":"ok""#));
}

#[test]
fn a_failure_is_recorded_shown_and_spoken() {
    let mut rig = on_the_print_step(printing());
    let fx = rig.press_after(1000, Input::Yes);
    let job = print_jobs(&fx)[0];
    let now = rig.now();
    let fx = rig.session.handle_printed(
        Printed {
            job,
            result: PrintResult::Failed,
        },
        now,
    );
    assert_eq!(records(&fx)[0].steps[3].print, Some(PrintResult::Failed));
    assert_eq!(rig.session.view().overlay, Overlay::PrintFailed);
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::Speak(u) if u.text.contains("いんさつ"))));
}

#[test]
fn no_goes_on_without_printing_and_the_record_is_written_at_the_ending() {
    let mut rig = on_the_print_step(printing());
    let fx = rig.press_after(1000, Input::No);
    assert!(print_jobs(&fx).is_empty());
    let recs = records(&fx);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].steps[3].answer, Answer::No);
    assert_eq!(recs[0].steps[3].print, None);
    assert!(!recs[0].to_line().contains("print"));
}

#[test]
fn a_result_after_the_next_customer_came_is_ignored_and_the_record_kept() {
    let mut rig = on_the_print_step(printing());
    let fx = rig.press_after(1000, Input::Yes);
    let job = print_jobs(&fx)[0];
    // The next customer starts before CUPS answered: the record is written
    // then, without a print result.
    let fx = rig.press_after(1000, Input::Yes);
    let recs = records(&fx);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].steps[3].print, None);
    let now = rig.now();
    let fx = rig.session.handle_printed(
        Printed {
            job,
            result: PrintResult::Failed,
        },
        now,
    );
    assert!(fx.is_empty(), "{fx:?}");
}

#[test]
fn with_no_printer_the_print_step_is_passed_over() {
    let rig = on_the_print_step(EngineConfig::default());
    assert_eq!(rig.step_id(), "call_support");
}
