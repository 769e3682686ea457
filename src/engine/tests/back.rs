//! Whether back is allowed, asked of the engine by the key and by the
//! screen alike (`View::can_go_back`): on a flow that loops back to its
//! start, the start step reached again can go back along the path walked.

use super::*;

/// The test flow with the landline note leading back to the start (and
/// "no" at the start calling support, so that every step stays reachable).
fn looping_flow() -> Flow {
    let source = FLOW
        .replace("next = \"call_support\"", "next = \"welcome\"")
        .replace("no = \"bye\"", "no = \"call_support\"")
        .replace("yes = \"done\"", "yes = \"bye\"")
        .replace("[steps.done]\ntext = { ja = \"よかったです。\", en = \"Good.\" }\nend = \"resolved\"\n", "");
    load_source("loop.toml", &source).into_result().unwrap()
}

#[test]
fn the_start_step_reached_again_can_go_back_and_the_view_says_so() {
    let mut rig = Rig::with_flow(looping_flow(), EngineConfig::default());
    assert!(!rig.session.view().can_go_back, "untouched start");
    rig.press(Input::Yes);
    assert_eq!(rig.step_id(), "whose_phone");
    assert!(rig.session.view().can_go_back);
    rig.press_after(1000, Input::No);
    rig.press_after(1000, Input::Yes);
    assert_eq!(rig.step_id(), "welcome");
    assert!(rig.session.view().can_go_back, "the start, reached again");
    let fx = rig.press_after(1000, Input::Back);
    assert_eq!(rig.step_id(), "landline_note");
    assert!(tones(&fx).is_empty(), "back went back: no refusal tone");
    let shown: Vec<bool> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Show(v) => Some(v.can_go_back),
            _ => None,
        })
        .collect();
    assert_eq!(shown.last(), Some(&true));
}

#[test]
fn back_is_refused_where_the_view_says_it_is_not_allowed() {
    let mut rig = Rig::new();
    // Forward one step and back to the start: no further back from there.
    rig.press(Input::Yes);
    rig.press_after(1000, Input::Back);
    assert_eq!(rig.step_id(), "welcome");
    assert!(!rig.session.view().can_go_back);
    let fx = rig.press_after(1000, Input::Back);
    assert_eq!(tones(&fx), vec![Tone::Invalid]);
    // An ending: no back.
    rig.press_after(1000, Input::No);
    assert_eq!(rig.step_id(), "bye");
    assert!(!rig.session.view().can_go_back);
    let fx = rig.press_after(1000, Input::Back);
    assert_eq!(tones(&fx), vec![Tone::Invalid]);
    assert_eq!(rig.step_id(), "bye");
}
