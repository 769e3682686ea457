//! What the kiosk's five rate and volume levels mean to each backend.
//! Volume spans 18 dB in even steps (DESIGN section 7); rate is a factor on
//! the voice's normal speed, the same one `scripts/render-audio` renders at.

use crate::engine::Level;

/// Gain in dB at each volume level: 1 is 18 dB below 5.
pub fn volume_db(level: Level) -> f32 {
    -4.5 * f32::from(5 - level.get())
}

/// Linear amplitude for a volume level.
pub fn volume_gain(level: Level) -> f32 {
    10f32.powf(volume_db(level) / 20.0)
}

/// Speaking speed as a factor on the voice's normal speed.
pub fn rate_factor(level: Level) -> f32 {
    match level.get() {
        1 => 0.70,
        2 => 0.85,
        3 => 1.00,
        4 => 1.20,
        _ => 1.40,
    }
}

/// The levels clips are rendered at: the default and one slower (the
/// automatic slow-down after two repeats). Others go to the system voice.
pub const CLIP_RATES: [u8; 2] = [3, 2];

/// speech-dispatcher's rate (-100..100, 0 normal; +100 about twice as fast).
pub fn spd_rate(level: Level) -> f32 {
    ((rate_factor(level) - 1.0) * 100.0).clamp(-100.0, 100.0)
}

/// speech-dispatcher's volume (-100..100, linear): the level's amplitude
/// spread over the range, 100 at the loudest level.
pub fn spd_volume(level: Level) -> f32 {
    (volume_gain(level) * 200.0 - 100.0).clamp(-100.0, 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_spans_eighteen_db_in_even_steps() {
        let db: Vec<f32> = (1..=5).map(|l| volume_db(Level::new(l))).collect();
        assert_eq!(db, vec![-18.0, -13.5, -9.0, -4.5, 0.0]);
        assert!((volume_gain(Level::MAX) - 1.0).abs() < 1e-6);
        assert!((volume_gain(Level::MIN) - 0.125_9).abs() < 1e-3);
    }

    #[test]
    fn rate_is_normal_at_the_middle_and_ordered() {
        assert_eq!(rate_factor(Level::MID), 1.0);
        let f: Vec<f32> = (1..=5).map(|l| rate_factor(Level::new(l))).collect();
        assert!(f.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(spd_rate(Level::MID), 0.0);
        assert!(spd_volume(Level::MAX) == 100.0 && spd_volume(Level::MIN) < -70.0);
    }
}
