//! `wait_s` on a step, on a fake clock: the idle warning after the step's
//! own wait, the reset the usual idle time after it, and the usual idle time
//! again once the customer leaves the step.

use super::*;

const WAIT_MS: u64 = 300_000;
const IDLE_MS: u64 = 90_000;

/// The test flow with `wait_s = 300` on `landline_note` (and, with
/// `on_start`, on the start step too).
fn waiting_flow(on_start: bool) -> Flow {
    let mut source = FLOW.replace(
        "next = \"call_support\"",
        "next = \"call_support\"\nwait_s = 300",
    );
    if on_start {
        source = source.replace(
            "yes = \"whose_phone\"",
            "yes = \"whose_phone\"\nwait_s = 300",
        );
    }
    load_source("wait.toml", &source).into_result().unwrap()
}

/// A rig on `landline_note` (shown at t = 2 s), the default 90 s idle time.
fn on_the_waiting_step() -> Rig {
    let mut rig = Rig::with_flow(waiting_flow(false), EngineConfig::default());
    rig.press(Input::Yes);
    rig.press_after(2000, Input::No);
    assert_eq!(rig.step_id(), "landline_note");
    rig
}

fn warned(rig: &Rig) -> bool {
    matches!(rig.session.view().overlay, Overlay::IdleWarning { .. })
}

#[test]
fn the_warning_comes_after_the_steps_wait_and_the_reset_the_idle_time_after_it() {
    let mut rig = on_the_waiting_step();
    let shown = rig.now().mono;
    assert_eq!(
        rig.session.next_deadline(),
        Some(shown + Duration::from_millis(WAIT_MS))
    );
    // Past the global idle time: nothing yet.
    let fx = rig.wait(WAIT_MS - 1);
    assert!(!warned(&rig));
    assert!(tones(&fx).is_empty());
    let fx = rig.wait(1);
    assert!(warned(&rig));
    assert_eq!(tones(&fx), vec![Tone::IdleWarning]);
    let reset_at = shown + Duration::from_millis(WAIT_MS + IDLE_MS);
    assert_eq!(
        rig.session.view().overlay,
        Overlay::IdleWarning { reset_at }
    );
    let fx = rig.wait(IDLE_MS - 1);
    assert!(records(&fx).is_empty());
    let fx = rig.wait(1);
    let written = records(&fx);
    assert_eq!(written.len(), 1);
    // The journal as always: time stops at the warning.
    assert_eq!(written[0].outcome, "abandoned");
    assert_eq!(
        path(&written[0]).last(),
        Some(&("landline_note", Answer::None, WAIT_MS))
    );
    assert_eq!(written[0].duration_ms, 2000 + WAIT_MS);
    assert!(fx.contains(&Effect::Reset));
}

#[test]
fn a_key_during_the_warning_only_dismisses_it_and_the_step_waits_again() {
    let mut rig = on_the_waiting_step();
    rig.wait(WAIT_MS);
    assert!(warned(&rig));
    let fx = rig.press_after(10_000, Input::Yes);
    assert_eq!(rig.step_id(), "landline_note", "the yes did not continue");
    assert_eq!(rig.session.view().overlay, Overlay::None);
    assert!(records(&fx).is_empty());
    assert_eq!(
        rig.session.next_deadline(),
        Some(rig.now().mono + Duration::from_millis(WAIT_MS))
    );
}

#[test]
fn a_key_on_the_waiting_step_starts_its_wait_again() {
    let mut rig = on_the_waiting_step();
    rig.press_after(200_000, Input::Repeat);
    assert_eq!(
        rig.session.next_deadline(),
        Some(rig.now().mono + Duration::from_millis(WAIT_MS))
    );
}

#[test]
fn leaving_the_step_forward_or_back_restores_the_idle_time() {
    let mut rig = on_the_waiting_step();
    rig.press_after(100_000, Input::Back);
    assert_eq!(rig.step_id(), "whose_phone");
    assert_eq!(
        rig.session.next_deadline(),
        Some(rig.now().mono + Duration::from_millis(IDLE_MS))
    );
    let fx = rig.wait(IDLE_MS);
    assert!(warned(&rig), "the usual idle time on the step before");
    assert_eq!(tones(&fx), vec![Tone::IdleWarning]);

    let mut rig = on_the_waiting_step();
    rig.press_after(100_000, Input::Continue);
    assert_eq!(rig.step_id(), "call_support");
    assert_eq!(
        rig.session.next_deadline(),
        Some(rig.now().mono + Duration::from_millis(IDLE_MS))
    );
}

#[test]
fn a_waiting_start_step_waits_from_the_first_key() {
    let mut rig = Rig::with_flow(waiting_flow(true), EngineConfig::default());
    assert_eq!(rig.session.next_deadline(), None, "no timer before a key");
    rig.press(Input::Repeat);
    assert_eq!(
        rig.session.next_deadline(),
        Some(rig.now().mono + Duration::from_millis(WAIT_MS))
    );
}

#[test]
fn the_wait_does_not_follow_the_idle_timeout_setting() {
    // A shop's shorter idle time shortens the reset, not the step's wait.
    let config = EngineConfig {
        idle_timeout: Duration::from_secs(30),
        ..EngineConfig::default()
    };
    let mut rig = Rig::with_flow(waiting_flow(false), config);
    rig.press(Input::Yes);
    rig.press(Input::No);
    let fx = rig.wait(WAIT_MS + 30_000);
    assert_eq!(records(&fx)[0].duration_ms, WAIT_MS);
}
