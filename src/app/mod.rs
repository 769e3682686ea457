//! The kiosk above the [`Session`]: which mode it is in (the customer's
//! flow today; a staff screen next), the staff-facing marks, and the staff's
//! exit sequence. Pure, in the engine's shape: [`App::handle`] takes an
//! [`Event`] and the time from the caller and returns the [`Effect`]s to
//! carry out; [`App::next_deadline`] says when to call back with
//! [`Event::Timeout`]; [`App::scene`] is what the screen draws. No IO, no
//! clock: `run` owns the threads, the terminal and the executor.

use std::time::{Duration, Instant};

use crate::engine::{self, EngineConfig, Now, Overlay, Session};
use crate::flow;
use crate::flow::Flow;
use crate::input::{ExitSequence, KeyMap, StaffKeys};
use crate::journal::JournalStatus;
use crate::speech::SpeechStatus;
use crate::staff::{StaffEvent, StaffRequest, StaffSetup, StaffView};
use crate::ui::{Mark, Scene, Screen, StaffScene};

mod staff;
#[cfg(test)]
mod tests;

pub use staff::{test_sentence, HOLD, STAFF_TIMEOUT};

/// The exit status that keeps the service stopped for maintenance
/// (`RestartPreventExitStatus=64`, DESIGN section 7).
pub const STAFF_EXIT_STATUS: u8 = 64;

/// How the kiosk left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Stopped by a signal (SIGTERM, SIGHUP, SIGINT, …).
    Stopped,
    /// The staff typed the exit sequence.
    Staff,
    /// The terminal went away.
    TerminalLost,
}

/// What the kiosk is doing. Every place that depends on the mode matches
/// on it, so adding one fails to compile until each place says what it
/// does there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A customer (or nobody yet) walks the flow.
    Customer,
    /// The staff screen (issue 17), over the kiosk.
    Staff,
}

/// Everything the App is told, from any edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A key read from the terminal, by name (`1`, `Enter`, `F12`, …).
    Key(String),
    /// The terminal changed size.
    Resize,
    /// The journal's state changed (failing, or writing again).
    Journal(JournalStatus),
    /// What the speech layer can make heard changed.
    Speech(SpeechStatus),
    /// [`App::next_deadline`] has come (early or spurious calls are fine).
    Timeout,
    /// A print job ended; `error` says why it failed, for the log.
    Printed {
        printed: engine::Printed,
        error: Option<String>,
    },
    /// A stop signal.
    Terminate,
    /// Standard input ended: the terminal is gone.
    InputClosed,
    /// What a probe, the counts or a flow reload found (the staff screen).
    Staff(StaffEvent),
}

/// What the App asks the edges to do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Effect {
    /// The engine's effect, as the session returned it.
    Engine(engine::Effect),
    /// Draw the screen again (a mark changed, a resize, the countdown).
    Redraw,
    /// Write this line to the kiosk's log.
    Log(String),
    /// Leave the event loop; the session's own effects come before it.
    Exit(Exit),
    /// Work for the staff screen, off the UI thread.
    Staff(StaffRequest),
}

impl Effect {
    /// Whether carrying this out draws a new frame.
    pub fn redraws(&self) -> bool {
        match self {
            Effect::Engine(engine::Effect::Show(_) | engine::Effect::Reset) | Effect::Redraw => {
                true
            }
            Effect::Engine(_) | Effect::Log(_) | Effect::Exit(_) | Effect::Staff(_) => false,
        }
    }
}

/// What one key came to, for the trace's `key` event (DESIGN section 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyVerdict {
    /// The kiosk acted on the key: it produced at least one effect (a
    /// frame, speech, a tone, a record, the staff exit…). Keys it drops
    /// act on nothing: one the key map ignores (Ctrl and Alt chords), a
    /// repeat within the guard time, a staff-exit key that is not yet the
    /// whole sequence and means nothing to the customer. The engine changes
    /// no state without an effect but the guard's memory of the last press
    /// (tests/fuzz_app.rs holds that).
    pub acted: bool,
    /// Carrying the key's effects out draws a new frame.
    pub redraw: bool,
}

impl KeyVerdict {
    pub fn of(effects: &[Effect]) -> KeyVerdict {
        KeyVerdict {
            acted: !effects.is_empty(),
            redraw: effects.iter().any(Effect::redraws),
        }
    }
}

/// The kiosk's state above the session.
#[derive(Debug, Clone)]
pub struct App {
    mode: Mode,
    session: Session,
    keys: KeyMap,
    exit_keys: ExitSequence,
    /// The staff screen's sequence; each held key keeps its time.
    staff_keys: StaffKeys<Now>,
    staff_setup: StaffSetup,
    staff_view: StaffView,
    /// The staff screen's last key (or its opening).
    staff_since: Instant,
    /// A reloaded flow, for the next session.
    next_flow: Option<Box<flow::Flow>>,
    /// The journal's last error, for the staff screen.
    journal_error: Option<String>,
    marks: Vec<Mark>,
    /// Set once the App has asked to exit; it then takes nothing more.
    exited: Option<Exit>,
}

impl App {
    /// A kiosk on the flow's start step, waiting for a customer, showing
    /// `marks` (what start-up found degraded) and "no voice" until the
    /// speech layer says it can be heard.
    pub fn new(
        flow: Flow,
        engine: EngineConfig,
        keys: KeyMap,
        exit_keys: ExitSequence,
        mut marks: Vec<Mark>,
        now: Instant,
    ) -> (App, Vec<Effect>) {
        let (session, effects) = Session::new(flow, engine, now);
        if !marks.contains(&Mark::NoVoice) {
            marks.push(Mark::NoVoice);
        }
        let app = App {
            mode: Mode::Customer,
            session,
            keys,
            exit_keys,
            staff_keys: StaffKeys::new(&[]),
            staff_setup: StaffSetup::default(),
            staff_view: StaffView::default(),
            staff_since: now,
            next_flow: None,
            journal_error: None,
            marks,
            exited: None,
        };
        (app, effects.into_iter().map(Effect::Engine).collect())
    }

    /// The staff screen, opened by `setup.keys` (none: no staff screen).
    pub fn with_staff(mut self, setup: StaffSetup) -> App {
        self.staff_keys = StaffKeys::new(&setup.keys);
        self.staff_setup = setup;
        self
    }

    /// The staff screen's state (meaningful in [`Mode::Staff`]).
    pub fn staff_view(&self) -> &StaffView {
        &self.staff_view
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn marks(&self) -> &[Mark] {
        &self.marks
    }

    /// How the App asked to leave, once it has.
    pub fn exited(&self) -> Option<Exit> {
        self.exited
    }

    pub fn handle(&mut self, event: Event, now: Now) -> Vec<Effect> {
        if self.exited.is_some() {
            return Vec::new();
        }
        match event {
            Event::Key(name) => self.on_key(&name, now),
            Event::Resize => vec![Effect::Redraw],
            Event::Journal(status) => self.on_journal(status),
            Event::Speech(status) => self.on_speech(status),
            Event::Timeout => self.on_timeout(now),
            Event::Printed { printed, error } => {
                let mut effects: Vec<Effect> = error
                    .map(|e| Effect::Log(format!("print: {e}")))
                    .into_iter()
                    .collect();
                effects.extend(engine_effects(self.session.handle_printed(printed, now)));
                effects
            }
            Event::Terminate => self.exit(Exit::Stopped, now),
            Event::InputClosed => self.exit(Exit::TerminalLost, now),
            Event::Staff(event) => self.on_staff_event(event),
        }
    }

    /// When to send [`Event::Timeout`]: the session's next deadline, or the
    /// next second of the idle countdown on screen, whichever is first.
    pub fn next_deadline(&self, now: Instant) -> Option<Instant> {
        if self.exited.is_some() {
            return None;
        }
        let engine = match self.mode {
            Mode::Customer => self.session.next_deadline(),
            Mode::Staff => {
                let close = self.staff_deadline();
                return Some(self.hold_deadline().map_or(close, |hold| hold.min(close)));
            }
        };
        let engine = match (engine, self.hold_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let tick = match self.session.view().overlay {
            Overlay::IdleWarning { reset_at } => Some(now + to_next_second(reset_at, now)),
            _ => None,
        };
        match (engine, tick) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// What the screen shows at `now`.
    pub fn scene(&self, now: Instant) -> Scene<'_> {
        let view = self.session.view();
        let idle_seconds_left = match view.overlay {
            Overlay::IdleWarning { reset_at } => {
                let left = reset_at.saturating_duration_since(now);
                Some(left.as_secs() + u64::from(left.subsec_nanos() > 0))
            }
            _ => None,
        };
        Scene {
            flow: self.session.flow(),
            view,
            keys: &self.keys,
            marks: &self.marks,
            idle_seconds_left,
        }
    }

    /// What the screen shows at `now`, in either mode.
    pub fn screen(&self, now: Instant) -> Screen<'_> {
        match self.mode {
            Mode::Customer => Screen::Customer(self.scene(now)),
            Mode::Staff => Screen::Staff(StaffScene {
                flow: self.session.flow(),
                lang: self.session.config().language,
                setup: &self.staff_setup,
                view: &self.staff_view,
                journal_error: self.journal_error.as_deref(),
            }),
        }
    }

    fn on_key(&mut self, name: &str, now: Now) -> Vec<Effect> {
        if self.exit_keys.feed(name) {
            return self.exit(Exit::Staff, now);
        }
        match self.mode {
            Mode::Customer => self.customer_or_staff_key(name, now),
            Mode::Staff => self.staff_key(name, now),
        }
    }

    fn customer_key(&mut self, name: &str, now: Now) -> Vec<Effect> {
        let Some(input) = self.keys.input(name) else {
            return Vec::new();
        };
        if self.is_staff_only(name, input) {
            // A staff key with no customer meaning (F12, …) must not start a
            // session that the staff exit would then write as abandoned.
            return Vec::new();
        }
        engine_effects(self.session.handle_input(input, now))
    }

    fn on_timeout(&mut self, now: Now) -> Vec<Effect> {
        let due = |at: Option<Instant>| at.is_some_and(|at| at <= now.mono);
        match self.mode {
            Mode::Staff if now.mono >= self.staff_deadline() => return self.leave_staff(now),
            Mode::Staff if due(self.hold_deadline()) => return self.release_held(),
            Mode::Staff => return Vec::new(),
            Mode::Customer => {}
        }
        // Held keys act before anything later happens to the session.
        let mut effects = Vec::new();
        if due(self.hold_deadline()) || due(self.session.next_deadline()) {
            effects = self.release_held();
        }
        effects.extend(engine_effects(self.session.handle_timeout(now)));
        // The idle countdown ticks once a second.
        if matches!(self.session.view().overlay, Overlay::IdleWarning { .. }) {
            effects.push(Effect::Redraw);
        }
        effects
    }

    fn on_journal(&mut self, status: JournalStatus) -> Vec<Effect> {
        let line = match &status {
            JournalStatus::Failing { pending, error } => {
                format!("journal: {error} ({pending} record(s) waiting)")
            }
            JournalStatus::Ok => "journal: writing again".to_string(),
        };
        let failing = matches!(status, JournalStatus::Failing { .. });
        if let JournalStatus::Failing { error, .. } = &status {
            self.journal_error = Some(error.to_string());
        }
        self.set_mark(Mark::JournalError, failing);
        vec![Effect::Log(line), Effect::Redraw]
    }

    fn on_speech(&mut self, status: SpeechStatus) -> Vec<Effect> {
        self.set_mark(Mark::NoVoice, !status.has_voice());
        vec![Effect::Log(format!("speech: {status:?}")), Effect::Redraw]
    }

    /// Shows `mark` (last, so the newest trouble reads last) or takes it down.
    fn set_mark(&mut self, mark: Mark, shown: bool) {
        self.marks.retain(|m| *m != mark);
        if shown {
            self.marks.push(mark);
        }
    }

    /// Leaves: the session under way is written as abandoned first.
    fn exit(&mut self, exit: Exit, now: Now) -> Vec<Effect> {
        let mut effects = engine_effects(self.session.handle_shutdown(now));
        effects.push(Effect::Exit(exit));
        self.exited = Some(exit);
        effects
    }
}

fn engine_effects(effects: Vec<engine::Effect>) -> Vec<Effect> {
    effects.into_iter().map(Effect::Engine).collect()
}

/// From `now` to the countdown's next whole second before `reset_at` (a
/// full second when it stands on one), so the number on screen changes on
/// time and the loop wakes once a second, not more.
fn to_next_second(reset_at: Instant, now: Instant) -> Duration {
    let left = reset_at.saturating_duration_since(now);
    let into_second = Duration::from_nanos(u64::from(left.subsec_nanos()));
    if into_second.is_zero() {
        Duration::from_secs(1)
    } else {
        into_second
    }
}
