//! The trace's `key` events through the real binary (DESIGN section 9 and
//! the README's addition): each says whether the kiosk acted on the key
//! and whether a frame follows, as the App decided, so the benchmark can
//! read it instead of a copy of the engine's key rules.

mod common;

use std::time::Duration;

use common::kiosk::*;
use common::{poll, WAIT};
use serde_json::Value;

const ASK: &str = "お茶を飲みますか？";
const HOW_TO: &str = "お茶の入れ方です。";

/// Waits until the trace holds `count` key events; returns them.
fn keys_traced(k: &Kiosk, count: usize) -> Vec<Value> {
    poll(
        WAIT,
        POLL,
        || {
            let keys: Vec<Value> = k
                .trace_now()
                .into_iter()
                .filter(|e| e["ev"] == "key")
                .collect();
            if keys.len() >= count {
                Ok(keys)
            } else {
                Err(keys)
            }
        },
        |keys| format!("{} of {count} key events traced: {keys:?}", keys.len()),
    )
}

#[test]
fn every_key_event_says_whether_it_acted_and_whether_it_drew() {
    let flow = fixture("flow.toml");
    let mut k = Kiosk::start(&["--flow", &flow], "");
    k.settled(&[ASK]);
    // Ctrl-C: nothing at all.
    k.press("C-c");
    keys_traced(&k, 1);
    // Yes twice at once: the second is within the repeat guard.
    k.send(&["1", "1"]);
    k.last_key = Some(std::time::Instant::now());
    k.wait_screen(&[HOW_TO], &[ASK]);
    keys_traced(&k, 3);
    // Repeat on the note: speech again, no new frame.
    k.press("0");
    keys_traced(&k, 4);
    // No on a note: the low tone, no new frame.
    k.press("2");
    keys_traced(&k, 5);
    // Back: a new frame.
    k.press("4");
    k.wait_screen(&[ASK], &[HOW_TO]);
    k.signal("TERM");
    let (code, screen) = k.wait_exit();
    assert_eq!(code, 0, "{screen}");

    let trace = k.trace();
    let keys: Vec<&Value> = trace.iter().filter(|e| e["ev"] == "key").collect();
    let got: Vec<(&str, bool, bool)> = keys
        .iter()
        .map(|e| {
            (
                e["key"].as_str().unwrap(),
                e["acted"].as_bool().expect("acted on every key event"),
                e["redraw"].as_bool().expect("redraw on every key event"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Ctrl-c", false, false),
            ("1", true, true),
            ("1", false, false),
            ("0", true, false),
            ("2", true, false),
            ("4", true, true),
        ],
        "{keys:?}"
    );
    // A key that redraws is followed by a frame.
    for key in keys.iter().filter(|e| e["redraw"] == true) {
        let t = key["t_us"].as_u64().unwrap();
        assert!(
            trace
                .iter()
                .any(|e| e["ev"] == "frame" && e["t_us"].as_u64().unwrap() >= t),
            "no frame after {key}"
        );
    }
    // The read time stays the key's time: before the frame it brought.
    let back = keys[5]["t_us"].as_u64().unwrap();
    let first_frame_after = trace
        .iter()
        .filter(|e| e["ev"] == "frame")
        .map(|e| e["t_us"].as_u64().unwrap())
        .find(|t| *t >= back);
    assert!(first_frame_after.is_some_and(|f| f - back < Duration::from_secs(5).as_micros() as u64));
}
