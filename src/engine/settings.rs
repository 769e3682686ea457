//! Speech rate and volume as five levels each (DESIGN section 7). Levels are
//! what the customer chose; the speech layer maps them to its backends.

/// A level from 1 (slowest / quietest) to 5; 3 is the middle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Level(u8);

impl Level {
    pub const MIN: Level = Level(1);
    pub const MID: Level = Level(3);
    pub const MAX: Level = Level(5);

    /// A level, clamped into 1..=5.
    pub fn new(n: u8) -> Level {
        Level(n.clamp(Self::MIN.0, Self::MAX.0))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// One level up, or `None` at the top.
    pub fn up(self) -> Option<Level> {
        (self < Self::MAX).then(|| Level(self.0 + 1))
    }

    /// One level down, or `None` at the bottom.
    pub fn down(self) -> Option<Level> {
        (self > Self::MIN).then(|| Level(self.0 - 1))
    }
}

impl Default for Level {
    fn default() -> Level {
        Level::MID
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SpeechSettings {
    pub rate: Level,
    pub volume: Level,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_stop_at_both_ends() {
        assert_eq!(Level::new(0), Level::MIN);
        assert_eq!(Level::new(9), Level::MAX);
        assert_eq!(Level::MAX.up(), None);
        assert_eq!(Level::MIN.down(), None);
        assert_eq!(Level::MID.up(), Some(Level::new(4)));
        assert_eq!(Level::MID.down(), Some(Level::new(2)));
    }
}
