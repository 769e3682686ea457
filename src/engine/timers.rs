//! The engine's timers as data: each armed timer is a deadline, and the
//! event loop sleeps until the earliest one (no busy tick).

use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timer {
    /// No key for the idle timeout: ask "are you still there?".
    IdleWarn,
    /// No key for as long again after the warning: reset for the next customer.
    IdleReset,
    /// The key guide is taken down; a later help press is a first press again.
    HelpWindow,
}

impl Timer {
    const ALL: [Timer; 3] = [Timer::IdleWarn, Timer::IdleReset, Timer::HelpWindow];

    fn slot(self) -> usize {
        match self {
            Timer::IdleWarn => 0,
            Timer::IdleReset => 1,
            Timer::HelpWindow => 2,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Timers {
    deadlines: [Option<Instant>; 3],
}

impl Timers {
    pub fn set(&mut self, timer: Timer, at: Instant) {
        self.deadlines[timer.slot()] = Some(at);
    }

    pub fn stop(&mut self, timer: Timer) {
        self.deadlines[timer.slot()] = None;
    }

    pub fn stop_all(&mut self) {
        self.deadlines = [None; 3];
    }

    pub fn get(&self, timer: Timer) -> Option<Instant> {
        self.deadlines[timer.slot()]
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }

    /// The earliest timer due at `now` with its deadline, disarmed.
    pub fn pop_expired(&mut self, now: Instant) -> Option<(Timer, Instant)> {
        let due = Timer::ALL
            .iter()
            .copied()
            .filter_map(|t| self.get(t).filter(|at| *at <= now).map(|at| (at, t)))
            .min_by_key(|(at, _)| *at)
            .map(|(at, t)| (t, at))?;
        self.stop(due.0);
        Some(due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn expired_timers_come_out_earliest_first_and_once() {
        let t0 = Instant::now();
        let mut timers = Timers::default();
        timers.set(Timer::IdleWarn, t0 + Duration::from_secs(2));
        timers.set(Timer::HelpWindow, t0 + Duration::from_secs(1));
        assert_eq!(timers.next_deadline(), Some(t0 + Duration::from_secs(1)));
        assert_eq!(timers.pop_expired(t0), None);
        let later = t0 + Duration::from_secs(3);
        let first = t0 + Duration::from_secs(1);
        let second = t0 + Duration::from_secs(2);
        assert_eq!(timers.pop_expired(later), Some((Timer::HelpWindow, first)));
        assert_eq!(timers.pop_expired(later), Some((Timer::IdleWarn, second)));
        assert_eq!(timers.pop_expired(later), None);
        assert_eq!(timers.next_deadline(), None);
    }
}
