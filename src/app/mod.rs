//! The kiosk above the [`Session`]: which mode it is in (the customer's
//! flow today; a staff screen next), the staff-facing marks, and the staff's
//! exit sequence. Pure, in the engine's shape: [`App::handle`] takes an
//! [`Event`] and the time from the caller and returns the [`Effect`]s to
//! carry out; [`App::next_deadline`] says when to call back with
//! [`Event::Timeout`]; [`App::scene`] is what the screen draws. No IO, no
//! clock: `run` owns the threads, the terminal and the executor.

use std::time::{Duration, Instant};

use crate::engine::{self, EngineConfig, Input, Now, Overlay, Session};
use crate::flow::Flow;
use crate::input::{ExitSequence, KeyMap};
use crate::journal::JournalStatus;
use crate::speech::SpeechStatus;
use crate::ui::{Mark, Scene};

#[cfg(test)]
mod tests;

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

/// What the kiosk is doing. One mode today; a staff screen is the next, and
/// every place that depends on the mode matches on it, so adding one fails
/// to compile until each place says what it does there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A customer (or nobody yet) walks the flow.
    Customer,
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
}

impl Effect {
    /// Whether carrying this out draws a new frame.
    pub fn redraws(&self) -> bool {
        match self {
            Effect::Engine(engine::Effect::Show(_) | engine::Effect::Reset) | Effect::Redraw => {
                true
            }
            Effect::Engine(_) | Effect::Log(_) | Effect::Exit(_) => false,
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
            marks,
            exited: None,
        };
        (app, effects.into_iter().map(Effect::Engine).collect())
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
        }
    }

    /// When to send [`Event::Timeout`]: the session's next deadline, or the
    /// next second of the idle countdown on screen, whichever is first.
    pub fn next_deadline(&self, now: Instant) -> Option<Instant> {
        if self.exited.is_some() {
            return None;
        }
        let engine = self.session.next_deadline();
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
        match self.mode {
            Mode::Customer => Scene {
                flow: self.session.flow(),
                view,
                keys: &self.keys,
                marks: &self.marks,
                idle_seconds_left,
            },
        }
    }

    fn on_key(&mut self, name: &str, now: Now) -> Vec<Effect> {
        if self.exit_keys.feed(name) {
            return self.exit(Exit::Staff, now);
        }
        match self.mode {
            Mode::Customer => self.customer_key(name, now),
        }
    }

    fn customer_key(&mut self, name: &str, now: Now) -> Vec<Effect> {
        let Some(input) = self.keys.input(name) else {
            return Vec::new();
        };
        if input == Input::Other && self.exit_keys.contains(name) {
            // A staff key with no customer meaning (F12, …) must not start a
            // session that the staff exit would then write as abandoned.
            return Vec::new();
        }
        engine_effects(self.session.handle_input(input, now))
    }

    fn on_timeout(&mut self, now: Now) -> Vec<Effect> {
        let mut effects = engine_effects(self.session.handle_timeout(now));
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
