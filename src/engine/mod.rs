//! The session state machine: the heart of the kiosk. Pure and
//! deterministic: [`Session::handle_input`] and [`Session::handle_timeout`]
//! take the time from the caller and return the [`Effect`]s to carry out;
//! [`Session::next_deadline`] says when to call back. No IO, no clock.

mod session;
mod settings;
mod tally;
mod timers;

use std::time::{Duration, Instant};

pub use crate::record::PrintResult;
pub use session::Session;
pub use settings::{Level, SpeechSettings};
pub use timers::Timer;

use crate::flow::{LangIx, StepIx};
use crate::record::{LocalHour, Record};

/// What the customer asked for, from the key map (never terminal types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    /// Yes on a question, continue on a note, confirm start-over.
    Yes,
    /// No on a question, cancel start-over.
    No,
    /// Continue a note (Enter): never "yes" on a question.
    Continue,
    Repeat,
    /// Pause or resume speech.
    Pause,
    Back,
    /// First press: the key guide; a second press while it shows: call staff.
    Help,
    SwitchLanguage,
    Slower,
    Faster,
    Quieter,
    Louder,
    /// Ask to start over (confirmed with yes, cancelled with no, back or again).
    StartOver,
    /// A key with no action; it still counts as someone being there.
    Other,
}

/// A print job's end, as the printing edge reports it (issue 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Printed {
    /// The job of the [`Effect::Print`] it answers.
    pub job: u64,
    pub result: crate::record::PrintResult,
}

impl Input {
    /// Rate and volume keys are pressed in runs on purpose; the repeat guard
    /// leaves them alone.
    fn is_guarded(self) -> bool {
        !matches!(
            self,
            Input::Slower | Input::Faster | Input::Quieter | Input::Louder
        )
    }
}

/// The time as the caller read it: a monotonic instant for durations and
/// timers, and the local hour for the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    pub mono: Instant,
    pub local_hour: LocalHour,
}

/// Why something is spoken (the trace's `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpeechKind {
    /// The step's text or list items.
    Step,
    /// A spoken key prompt, help offer, confirm or staff-called phrase.
    Prompt,
    /// "はい" / "いいえ" after an answer.
    Echo,
    /// The idle warning.
    Idle,
    /// The key guide.
    Guide,
}

/// One thing to say. The speech layer picks clip, system TTS or silence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utterance {
    pub text: String,
    /// Language code (`ja`, `en`, …).
    pub lang: String,
    pub kind: SpeechKind,
    pub settings: SpeechSettings,
}

/// Short non-speech sounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tone {
    Yes,
    No,
    Continue,
    /// A key with no meaning where it was pressed (low, short).
    Invalid,
    IdleWarning,
    StaffCall,
    /// Confirms a rate change, at the new level.
    Rate(Level),
    /// Confirms a volume change, played at the new volume.
    Volume(Level),
}

/// What covers the step on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    None,
    KeyGuide,
    StaffCalled,
    /// A sheet could not be printed: ask the staff for a copy.
    PrintFailed,
    ConfirmStartOver,
    IdleWarning {
        reset_at: Instant,
    },
}

/// Everything the screen shows, as data; drawing only reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    pub step: StepIx,
    pub lang: LangIx,
    pub overlay: Overlay,
    /// After two repeats of a step: "press 9 for help" is shown.
    pub help_offered: bool,
    pub paused: bool,
    pub settings: SpeechSettings,
    /// False on the untouched start screen and after an ending.
    pub in_session: bool,
    /// Whether the back key goes one step back here: the engine's rule,
    /// which the screen's key bar shows rather than keeping its own.
    pub can_go_back: bool,
}

/// What the engine asks the edges to do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Effect {
    /// Draw this view.
    Show(View),
    /// Queue this utterance after anything already queued.
    Speak(Utterance),
    /// Stop speaking now and drop the queue (barge-in).
    StopSpeech,
    PauseSpeech,
    /// Resume: the interrupted utterance starts again from its beginning.
    ResumeSpeech,
    /// The customer changed rate or volume: the playing utterance follows.
    SpeechSettings(SpeechSettings),
    Tone {
        tone: Tone,
        volume: Level,
    },
    /// Run the staff-call command.
    CallStaff,
    /// Print the take-home sheet (an index into the flow's sheets) in the
    /// language `lang`, off the UI thread; its end comes back as a
    /// [`Printed`] with the same `job`.
    Print {
        job: u64,
        sheet: usize,
        lang: LangIx,
    },
    /// A new customer: clear the screen, speech and anything of the last one.
    Reset,
    /// Append this record to the journal.
    Journal(Record),
}

/// The engine's settings (from the config file, DESIGN section 10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// The journal's `kiosk` field.
    pub kiosk: String,
    pub idle_timeout: Duration,
    pub repeat_guard: Duration,
    /// How long the key guide stays up waiting for a second help press.
    pub help_window: Duration,
    /// Speak "はい" / "いいえ" after an answer.
    pub echo: bool,
    /// Answer, idle and staff-call sounds (the invalid-key and level tones
    /// stay: they are the only feedback those keys give).
    pub earcons: bool,
    /// Each customer's starting language.
    pub language: LangIx,
    /// Each customer's starting rate and volume.
    pub speech: SpeechSettings,
    /// A printer is configured: print steps are offered (else the kiosk
    /// goes straight on to their `next`).
    pub printing: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            kiosk: "counter".to_string(),
            idle_timeout: Duration::from_secs(90),
            repeat_guard: Duration::from_millis(500),
            help_window: Duration::from_secs(30),
            echo: true,
            earcons: true,
            language: LangIx(0),
            speech: SpeechSettings::default(),
            printing: false,
        }
    }
}

#[cfg(test)]
mod tests;
