//! Earcons: short tones synthesized in code. Every fundamental is at or
//! below 2,500 Hz (JIS S 0014 guidance for older listeners), each answer has
//! its own shape (yes rises, no falls), and a 5 ms fade at both ends keeps
//! them free of clicks.

use crate::engine::Tone;

/// The highest fundamental any earcon uses.
pub const MAX_FUNDAMENTAL_HZ: f32 = 2_500.0;

/// (frequency Hz, duration ms) notes, played in order.
pub fn notes(tone: Tone) -> Vec<(f32, u32)> {
    match tone {
        Tone::Yes => vec![(660.0, 70), (880.0, 90)],
        Tone::No => vec![(660.0, 70), (440.0, 90)],
        Tone::Continue => vec![(784.0, 60)],
        Tone::Invalid => vec![(196.0, 120)],
        Tone::IdleWarning => vec![(880.0, 80), (0.0, 60), (880.0, 80), (0.0, 60), (880.0, 80)],
        Tone::StaffCall => vec![(523.0, 90), (659.0, 90), (784.0, 140)],
        // The pitch tells the new speed: higher for faster.
        Tone::Rate(level) => vec![(330.0 * 1.25f32.powi(i32::from(level.get())), 80)],
        // Played at the new volume, which is the point.
        Tone::Volume(_) => vec![(600.0, 90)],
    }
}

/// The tone as mono samples at `rate` Hz, peak amplitude 0.5.
pub fn synthesize(tone: Tone, rate: u32) -> Vec<f32> {
    let rate_f = rate as f32;
    let fade = (rate_f * 0.005) as usize;
    let mut out = Vec::new();
    for (freq, ms) in notes(tone) {
        let len = (rate_f * ms as f32 / 1000.0) as usize;
        for i in 0..len {
            let envelope = if i < fade {
                i as f32 / fade as f32
            } else if i + fade > len {
                (len - i) as f32 / fade as f32
            } else {
                1.0
            };
            let phase = std::f32::consts::TAU * freq * i as f32 / rate_f;
            out.push(0.5 * envelope * phase.sin());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Level;

    fn all_tones() -> Vec<Tone> {
        let mut tones = vec![
            Tone::Yes,
            Tone::No,
            Tone::Continue,
            Tone::Invalid,
            Tone::IdleWarning,
            Tone::StaffCall,
        ];
        for l in 1..=5 {
            tones.push(Tone::Rate(Level::new(l)));
            tones.push(Tone::Volume(Level::new(l)));
        }
        tones
    }

    #[test]
    fn every_fundamental_is_at_most_2500_hz() {
        for tone in all_tones() {
            for (freq, _) in notes(tone) {
                assert!(freq <= MAX_FUNDAMENTAL_HZ, "{tone:?}: {freq}");
            }
        }
    }

    #[test]
    fn yes_rises_and_no_falls() {
        let yes = notes(Tone::Yes);
        let no = notes(Tone::No);
        assert!(yes[1].0 > yes[0].0);
        assert!(no[1].0 < no[0].0);
    }

    #[test]
    fn tones_are_short_bounded_and_start_and_end_quietly() {
        for tone in all_tones() {
            let samples = synthesize(tone, 48_000);
            assert!(!samples.is_empty());
            assert!(samples.len() <= 48_000 / 2, "{tone:?} is over 0.5 s");
            assert!(samples.iter().all(|s| s.abs() <= 0.5));
            assert!(samples[0].abs() < 0.01 && samples[samples.len() - 1].abs() < 0.05);
        }
    }
}
