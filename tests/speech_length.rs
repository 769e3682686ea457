//! The spoken-length estimate of `kiosk check` (src/flow/speech_length.rs)
//! against the real durations of the bundled clips at rate level 3: within
//! ±20 % for at least 90 % of the texts.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use counter_kiosk::flow::speech_length::{estimate, EN_WPM, UTTERANCE_S};
use counter_kiosk::speech::clips::{parse_manifest, ClipEntry};
use counter_kiosk::speech::decode;

const AUDIO_DIR: &str = "audio/mfa-login";
const TOLERANCE: f64 = 0.20;
const SHARE_WITHIN: f64 = 0.90;

/// Every level-3 clip of `lang` with its decoded length in seconds.
fn clips(lang: &str) -> Vec<(ClipEntry, f64)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(AUDIO_DIR);
    let manifest = std::fs::read_to_string(dir.join("manifest.toml")).unwrap();
    let manifest = parse_manifest(&manifest).unwrap();
    let clips: Vec<_> = manifest
        .clips
        .into_iter()
        .filter(|c| c.lang == lang && c.rate == 3)
        .map(|c| {
            let bytes = std::fs::read(dir.join(&c.file)).unwrap();
            let pcm = decode::decode(bytes).unwrap();
            let secs = pcm.samples.len() as f64 / f64::from(pcm.rate);
            (c, secs)
        })
        .collect();
    assert!(clips.len() >= 20, "only {} {lang} clips", clips.len());
    clips
}

/// The share of `(estimate, real)` pairs within the tolerance; prints the
/// misses.
fn share_within(lang: &str, pairs: &[(String, f64, f64)]) -> f64 {
    let mut within = 0;
    for (text, est, real) in pairs {
        let error = est / real - 1.0;
        if error.abs() <= TOLERANCE {
            within += 1;
        } else {
            println!(
                "{lang}: {:+.0} % ({est:.2} s for {real:.2} s): {text}",
                error * 100.0
            );
        }
    }
    let share = f64::from(within) / pairs.len() as f64;
    println!("{lang}: {within} of {} texts within ±20 %", pairs.len());
    share
}

#[test]
fn the_japanese_estimate_is_within_20_percent_of_the_clips_for_90_percent_of_texts() {
    let pairs: Vec<_> = clips("ja")
        .into_iter()
        .map(|(c, real)| {
            let est = estimate("ja", &c.text).unwrap().total_s();
            (c.text, est, real)
        })
        .collect();
    let share = share_within("ja", &pairs);
    assert!(share >= SHARE_WITHIN, "{:.0} % within", share * 100.0);
}

/// Today's English clips speak faster than 150 wpm. Each clip's speaking
/// part (its length less the model's pauses and lead-in) is slowed by the
/// clips' measured ratio to 150 wpm, as a re-render at 150 wpm would; the
/// 150-wpm estimate must then match.
#[test]
fn the_english_150_wpm_estimate_matches_the_clips_slowed_to_150_wpm() {
    let clips = clips("en");
    let parts: Vec<_> = clips
        .iter()
        .map(|(c, real)| (c, *real, estimate("en", &c.text).unwrap()))
        .collect();
    let modelled: f64 = parts.iter().map(|(_, _, e)| e.speaking_s).sum();
    let spoken: f64 = parts
        .iter()
        .map(|(_, real, e)| real - e.pauses_s - UTTERANCE_S)
        .sum();
    let ratio = modelled / spoken;
    let clips_wpm = EN_WPM * ratio;
    println!("en: the clips speak at {clips_wpm:.0} wpm (ratio {ratio:.3} to {EN_WPM})");
    assert!(
        (150.0..300.0).contains(&clips_wpm),
        "measured {clips_wpm:.0} wpm"
    );
    let pairs: Vec<_> = parts
        .iter()
        .map(|(c, real, e)| {
            let slowed = (real - e.pauses_s - UTTERANCE_S) * ratio + e.pauses_s + UTTERANCE_S;
            (c.text.clone(), e.total_s(), slowed)
        })
        .collect();
    let share = share_within("en", &pairs);
    assert!(share >= SHARE_WITHIN, "{:.0} % within", share * 100.0);
}
