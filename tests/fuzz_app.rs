//! Fuzzing and a long soak of the App above the session (issue 15, Build
//! 10), on a fake clock: arbitrary streams of keys (mapped, unmapped,
//! chords, the staff exit's), resizes, journal and speech status, wakes at
//! and around the App's deadlines, spurious wakes and stops. Properties,
//! after every event:
//! 1. nothing panics;
//! 2. an effect-less key changed nothing the screen or the timers show
//!    (the trace's `"acted": false` is honest), and a key that changed the
//!    view draws (`"redraw": true`);
//! 3. the marks are each shown at most once and follow the last status of
//!    the journal and the speech layer;
//! 4. right after a wake the next deadline is in the future, and during
//!    the idle warning it is at most a second away (the countdown ticks);
//!    on the untouched start screen there is none (no busy tick);
//! 5. at most one record per event, and an exit is the last effect of its
//!    event, after which the App takes nothing and asks for no wake.
//!
//! The soak runs 90 days of customers on the bundled flow in a few seconds:
//! every started session is written exactly once, the marks stay bounded,
//! and the kiosk still greets a customer at the end.
//!
//! Case counts: `PROPTEST_CASES` replaces the default (`scripts/fuzz` runs
//! this with many more cases in a release build).
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use counter_kiosk::app::{self, App, Event, Exit, KeyVerdict};
use counter_kiosk::engine::{self, EngineConfig, Now, Overlay};
use counter_kiosk::flow::{self, Flow};
use counter_kiosk::input::{ExitSequence, KeyMap};
use counter_kiosk::journal::{JournalStatus, LocalHour, Record};
use counter_kiosk::speech::SpeechStatus;
use counter_kiosk::ui::Mark;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const E2E_FLOW: &str = include_str!("e2e/flow.toml");

/// Key names: the default map's, NumLock-off navigation keys, keys with no
/// meaning, chords the kiosk ignores, and the staff exit's.
const KEYS: &[&str] = &[
    "1",
    "2",
    "y",
    "n",
    "Enter",
    "0",
    "r",
    "*",
    "Space",
    "p",
    ".",
    "b",
    "Backspace",
    "4",
    "9",
    "h",
    "?",
    "l",
    "/",
    "[",
    "]",
    "7",
    "8",
    "-",
    "+",
    "Esc",
    "End",
    "Down",
    "PageUp",
    "x",
    "F1",
    "F12",
    "Ctrl-c",
    "Ctrl-z",
    "Alt-x",
    "Tab",
];

/// The staff exit sequence configured in half the cases.
const EXIT_KEYS: [&str; 3] = ["F12", "F12", "0"];

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A local hour that moves with the fake clock (crossing midnights).
fn hour_at(elapsed: Duration) -> LocalHour {
    let hours = elapsed.as_secs() / 3600 + 22;
    let days = hours / 24;
    LocalHour {
        year: 2026,
        month: u8::try_from(1 + days / 28 % 12).unwrap_or(1),
        day: u8::try_from(1 + days % 28).unwrap_or(1),
        hour: u8::try_from(hours % 24).unwrap_or(0),
    }
}

#[derive(Debug, Clone)]
enum Op {
    Key(usize),
    /// Two keys at once (a double press, the guard's case).
    Double(usize),
    Resize,
    Journal(bool),
    Speech(bool),
    /// Time passes without a wake (a busy machine delivers late).
    Wait(u32),
    /// A wake at the App's deadline plus this many ms.
    ToDeadline(u16),
    /// A wake with nothing due.
    Spurious,
    Terminate,
    InputClosed,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        40 => (0..KEYS.len()).prop_map(Op::Key),
        4 => (0..KEYS.len()).prop_map(Op::Double),
        3 => Just(Op::Resize),
        3 => any::<bool>().prop_map(Op::Journal),
        3 => any::<bool>().prop_map(Op::Speech),
        10 => (0u32..200_000).prop_map(Op::Wait),
        14 => (0u16..1_500).prop_map(Op::ToDeadline),
        3 => Just(Op::Spurious),
        1 => Just(Op::Terminate),
        1 => Just(Op::InputClosed),
    ]
}

/// The App and what the outside has told it, on a fake clock.
struct Sim {
    app: App,
    t0: Instant,
    elapsed: Duration,
    idle: Duration,
    journal_failing: bool,
    voice: bool,
    exited: Option<Exit>,
    records: Vec<Record>,
    sessions_started: usize,
}

impl Sim {
    fn new(flow: Flow, engine: EngineConfig, exit_keys: bool) -> Sim {
        let t0 = Instant::now();
        let exit: Vec<String> = if exit_keys {
            EXIT_KEYS.iter().map(|k| k.to_string()).collect()
        } else {
            Vec::new()
        };
        let idle = engine.idle_timeout;
        let (app, _) = App::new(
            flow,
            engine,
            KeyMap::default(),
            ExitSequence::new(&exit),
            Vec::new(),
            t0,
        );
        Sim {
            app,
            t0,
            elapsed: Duration::ZERO,
            idle,
            journal_failing: false,
            voice: false,
            exited: None,
            records: Vec::new(),
            sessions_started: 0,
        }
    }

    fn at(&self) -> Instant {
        self.t0 + self.elapsed
    }

    fn now(&self) -> Now {
        Now {
            mono: self.at(),
            local_hour: hour_at(self.elapsed),
        }
    }

    fn run(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match *op {
            Op::Key(i) => self.key(KEYS[i]),
            Op::Double(i) => {
                self.key(KEYS[i])?;
                self.key(KEYS[i])
            }
            Op::Resize => {
                let fx = self.send(Event::Resize)?;
                if self.exited.is_none() {
                    prop_assert_eq!(fx, vec![app::Effect::Redraw]);
                }
                Ok(())
            }
            Op::Journal(failing) => {
                let status = if failing {
                    JournalStatus::Failing {
                        pending: 1,
                        error: "disk full".into(),
                    }
                } else {
                    JournalStatus::Ok
                };
                if self.exited.is_none() {
                    self.journal_failing = failing;
                }
                self.send(Event::Journal(status)).map(drop)
            }
            Op::Speech(heard) => {
                if self.exited.is_none() {
                    self.voice = heard;
                }
                let status = SpeechStatus {
                    audio_device: heard,
                    system_voice: false,
                    clips: heard,
                };
                self.send(Event::Speech(status)).map(drop)
            }
            Op::Wait(ms) => {
                self.elapsed += Duration::from_millis(u64::from(ms));
                Ok(())
            }
            Op::ToDeadline(late) => match self.app.next_deadline(self.at()) {
                Some(due) => {
                    // Past already (time went by unwoken): `run` wakes at once.
                    let due = due.max(self.at());
                    self.elapsed = due - self.t0 + Duration::from_millis(u64::from(late));
                    self.wake()
                }
                None => Ok(()),
            },
            Op::Spurious => self.wake(),
            Op::Terminate => self.send(Event::Terminate).map(drop),
            Op::InputClosed => self.send(Event::InputClosed).map(drop),
        }
    }

    fn wake(&mut self) -> Result<(), TestCaseError> {
        self.send(Event::Timeout)?;
        let at = self.at();
        if let Some(due) = self.app.next_deadline(at) {
            prop_assert!(due > at, "due at once after a wake");
        }
        Ok(())
    }

    fn key(&mut self, name: &str) -> Result<(), TestCaseError> {
        // A key a few ms after the last event, as a hand types.
        self.elapsed += Duration::from_millis(3);
        let view = self.app.session().view();
        let deadline = self.app.session().next_deadline();
        let fx = self.send(Event::Key(name.to_string()))?;
        let verdict = KeyVerdict::of(&fx);
        if !verdict.acted {
            prop_assert_eq!(
                self.app.session().view(),
                view,
                "{} changed the view unseen",
                name
            );
            prop_assert_eq!(
                self.app.session().next_deadline(),
                deadline,
                "{} moved a timer unseen",
                name
            );
        }
        if self.app.session().view() != view {
            prop_assert!(
                verdict.redraw,
                "{} changed the view with no frame: {:?}",
                name,
                fx
            );
        }
        Ok(())
    }

    /// One event, and what must hold after it.
    fn send(&mut self, event: Event) -> Result<Vec<app::Effect>, TestCaseError> {
        let was_in_session = self.app.session().view().in_session;
        let now = self.now();
        let fx = self.app.handle(event, now);
        if self.exited.is_some() {
            prop_assert!(fx.is_empty(), "effects after the exit: {:?}", fx);
            prop_assert_eq!(self.app.next_deadline(self.at()), None);
            return Ok(fx);
        }
        let records: Vec<&Record> = fx
            .iter()
            .filter_map(|e| match e {
                app::Effect::Engine(engine::Effect::Journal(r)) => Some(r),
                _ => None,
            })
            .collect();
        prop_assert!(records.len() <= 1, "two records from one event");
        let wrote = !records.is_empty();
        for record in &records {
            let last = record.steps.last().map(|s| s.id.as_str()).unwrap_or("");
            prop_assert_eq!(record.end.as_str(), last);
        }
        self.records.extend(records.into_iter().cloned());
        if let Some(i) = fx.iter().position(|e| matches!(e, app::Effect::Exit(_))) {
            prop_assert_eq!(i, fx.len() - 1, "the exit is not last: {:?}", fx);
            if let app::Effect::Exit(how) = fx[i] {
                self.exited = Some(how);
                prop_assert_eq!(self.app.exited(), Some(how));
            }
        }
        // A session starts at its first key; one may end at once (a first
        // answer that reaches an ending).
        if !was_in_session && (self.app.session().view().in_session || wrote) {
            self.sessions_started += 1;
        }
        self.check_state()?;
        Ok(fx)
    }

    fn check_state(&self) -> Result<(), TestCaseError> {
        let marks = self.app.marks();
        for mark in marks {
            prop_assert_eq!(
                marks.iter().filter(|m| *m == mark).count(),
                1,
                "{:?}",
                marks
            );
        }
        prop_assert_eq!(marks.contains(&Mark::JournalError), self.journal_failing);
        prop_assert_eq!(marks.contains(&Mark::NoVoice), !self.voice);
        let at = self.at();
        let view = self.app.session().view();
        let scene = self.app.scene(at);
        match view.overlay {
            Overlay::IdleWarning { .. } => {
                let left = scene.idle_seconds_left;
                prop_assert!(
                    left.is_some_and(|s| s <= self.idle.as_secs() + 1),
                    "{:?}",
                    left
                );
                if self.exited.is_none() {
                    let due = self.app.next_deadline(at);
                    prop_assert!(
                        due.is_some_and(|d| d <= at + Duration::from_secs(1)),
                        "the countdown must tick: {:?}",
                        due.map(|d| d - at)
                    );
                }
            }
            _ => prop_assert_eq!(scene.idle_seconds_left, None),
        }
        if !view.in_session && view.step == self.app.session().flow().start {
            // Untouched start: no timer (after an ending there is one).
            if self.app.session().next_deadline().is_none() {
                prop_assert_eq!(self.app.next_deadline(at), None);
            }
        }
        Ok(())
    }
}

fn engine_config(idle_s: u64, guard_ms: u64) -> EngineConfig {
    EngineConfig {
        idle_timeout: Duration::from_secs(idle_s),
        repeat_guard: Duration::from_millis(guard_ms),
        ..EngineConfig::default()
    }
}

fn flows() -> [Flow; 2] {
    [
        Flow::bundled().unwrap(),
        flow::load_source("e2e.toml", E2E_FLOW)
            .into_result()
            .unwrap(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(256),
        max_shrink_iters: 10_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_event_streams_keep_the_apps_promises(
        which in 0usize..2,
        idle_s in 1u64..120,
        guard_ms in prop_oneof![Just(0u64), Just(500), 1u64..2_000],
        exit_keys in any::<bool>(),
        ops in proptest::collection::vec(op(), 0..300),
    ) {
        let flow = flows()[which].clone();
        let mut sim = Sim::new(flow, engine_config(idle_s, guard_ms), exit_keys);
        sim.check_state()?;
        for op in &ops {
            sim.run(op)?;
        }
        // Every session that started is written once it is stopped.
        if sim.exited.is_none() {
            sim.send(Event::Terminate)?;
        }
        prop_assert_eq!(sim.records.len(), sim.sessions_started);
    }
}

// ----- the soak -----

/// xorshift64: a fixed, dependency-free stream of choices.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

const NINETY_DAYS: Duration = Duration::from_secs(90 * 24 * 3600);

/// Sleeps as `run` does: wakes at every deadline up to `until`.
fn sleep_until(sim: &mut Sim, until: Duration, wakes: &mut u64) -> Result<(), TestCaseError> {
    while let Some(due) = sim.app.next_deadline(sim.at()) {
        if due - sim.t0 > until {
            break;
        }
        sim.elapsed = due - sim.t0;
        sim.wake()?;
        *wakes += 1;
    }
    sim.elapsed = sim.elapsed.max(until);
    Ok(())
}

#[test]
fn ninety_days_at_the_counter_on_a_fake_clock() -> Result<(), TestCaseError> {
    let started = Instant::now();
    let mut sim = Sim::new(Flow::bundled().unwrap(), engine_config(90, 500), true);
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let mut wakes = 0u64;
    let mut idle_warnings = 0u64;
    while sim.elapsed < NINETY_DAYS {
        // The next customer comes within the next two hours.
        let arrives = sim.elapsed + Duration::from_secs(60 + dice.below(7_200));
        sleep_until(&mut sim, arrives, &mut wakes)?;
        // Now and then the disk fills or the voice goes, and comes back.
        match dice.below(40) {
            0 => sim.run(&Op::Journal(true))?,
            1 => sim.run(&Op::Journal(false))?,
            2 => sim.run(&Op::Speech(false))?,
            3 => sim.run(&Op::Speech(true))?,
            4 => sim.run(&Op::Resize)?,
            _ => {}
        }
        // A customer: up to 40 keys, a few seconds apart; some walk away.
        let presses = 1 + dice.below(40);
        for _ in 0..presses {
            let pause = Duration::from_millis(300 + dice.below(8_000));
            let until = sim.elapsed + pause;
            sleep_until(&mut sim, until, &mut wakes)?;
            // Mostly yes / no / continue, the rest anything but the exit.
            let key = match dice.below(10) {
                0..=3 => "1",
                4..=5 => "2",
                6 => "Enter",
                _ => KEYS[usize::try_from(dice.below(30)).unwrap_or(0)],
            };
            sim.key(key)?;
            if matches!(
                sim.app.session().view().overlay,
                Overlay::IdleWarning { .. }
            ) {
                idle_warnings += 1;
            }
        }
        if dice.below(5) == 0 {
            // Walked away: the idle warning, its countdown, the reset.
            let until = sim.elapsed + Duration::from_secs(200);
            sleep_until(&mut sim, until, &mut wakes)?;
            idle_warnings += 1;
        }
        prop_assert!(sim.exited.is_none(), "a customer left the kiosk");
        prop_assert!(sim.app.marks().len() <= 5);
    }
    // After 90 days: the kiosk still greets the next customer at once.
    let until = sim.elapsed + Duration::from_secs(400);
    sleep_until(&mut sim, until, &mut wakes)?;
    prop_assert!(!sim.app.session().view().in_session);
    prop_assert_eq!(
        sim.app.next_deadline(sim.at()),
        None,
        "a timer on the idle start"
    );
    sim.key("1")?;
    prop_assert!(sim.app.session().view().in_session);
    // The staff exit writes the last session and leaves.
    for key in EXIT_KEYS {
        sim.elapsed += Duration::from_secs(1);
        sim.key(key)?;
    }
    prop_assert_eq!(sim.exited, Some(Exit::Staff));
    prop_assert_eq!(sim.records.len(), sim.sessions_started);
    prop_assert!(
        sim.sessions_started > 1_000,
        "{} sessions",
        sim.sessions_started
    );
    // Wakes stay with what is due: engine deadlines and one a second
    // through each idle countdown, never a busy tick.
    let bound = (sim.records.len() as u64 + idle_warnings) * (sim.idle.as_secs() + 3) * 2;
    prop_assert!(
        wakes <= bound,
        "{wakes} wakes for {} records",
        sim.records.len()
    );
    eprintln!(
        "soak: 90 days, {} sessions, {wakes} wakes, in {:?}",
        sim.sessions_started,
        started.elapsed()
    );
    Ok(())
}
