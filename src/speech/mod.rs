//! Speaking the engine's utterances (DESIGN section 4). Each utterance goes
//! to a pre-rendered clip played through cpal, else the system voice
//! (speech-dispatcher through the `tts` crate), else silence with the "no
//! voice" mark. All of it runs on the speech thread (`controller`); the UI
//! thread only sends commands and never waits.

pub mod clips;
mod controller;
pub mod decode;
pub mod earcons;
pub mod levels;
pub mod player;
mod speechd;
pub mod tts;

use std::sync::mpsc::Sender;

use crate::engine::{Level, SpeechKind, SpeechSettings, Tone, Utterance};
use crate::trace::Trace;
use clips::ClipSearch;
use controller::Command;
pub use controller::Msg;

/// The trace's name for an utterance kind (DESIGN section 9).
pub fn kind_name(kind: SpeechKind) -> &'static str {
    match kind {
        SpeechKind::Step => "step",
        SpeechKind::Prompt => "prompt",
        SpeechKind::Echo => "echo",
        SpeechKind::Idle => "idle",
        SpeechKind::Guide => "guide",
    }
}

/// What the speech thread can do now, for the staff marks and `doctor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeechStatus {
    pub audio_device: bool,
    pub system_voice: bool,
    pub clips: bool,
}

impl SpeechStatus {
    /// Whether customers hear anything at all.
    pub fn has_voice(&self) -> bool {
        (self.audio_device && self.clips) || self.system_voice
    }
}

/// The speech edge as the event loop sees it: it never blocks.
pub enum Speech {
    /// `--no-speech` or `[speech] enabled = false`: traced, never heard.
    Silent {
        trace: Trace,
        next_id: u64,
    },
    Live(Sender<Msg>),
}

impl Speech {
    pub fn silent(trace: Trace) -> Speech {
        Speech::Silent { trace, next_id: 0 }
    }

    /// Starts the speech thread. `on_status` is called from that thread
    /// whenever what can be heard changes.
    pub fn spawn(
        clips: ClipSearch,
        tts: Option<tts::TtsLayout>,
        trace: Trace,
        on_status: impl Fn(SpeechStatus) + Send + 'static,
    ) -> Speech {
        Speech::Live(controller::spawn(controller::Options {
            clips,
            tts,
            trace,
            on_status: Box::new(on_status),
        }))
    }

    /// Queues this utterance after anything already queued.
    pub fn speak(&mut self, utterance: &Utterance) {
        match self {
            Speech::Silent { trace, next_id } => {
                *next_id += 1;
                trace.speak(
                    *next_id,
                    kind_name(utterance.kind),
                    "none",
                    &utterance.lang,
                    utterance.text.chars().count(),
                );
            }
            Speech::Live(_) => self.send(Command::Speak(utterance.clone())),
        }
    }

    /// Plays one earcon after anything already queued.
    pub fn tone(&mut self, tone: Tone, volume: Level) {
        match self {
            Speech::Silent { trace, next_id } => {
                *next_id += 1;
                trace.speak(*next_id, "earcon", "none", "", 0);
            }
            Speech::Live(_) => self.send(Command::Tone(tone, volume)),
        }
    }

    /// Stops speaking now and drops the queue (barge-in, a new customer).
    pub fn stop(&mut self) {
        self.send(Command::Stop);
    }

    pub fn pause(&mut self) {
        self.send(Command::Pause);
    }

    /// The interrupted utterance starts again from its beginning.
    pub fn resume(&mut self) {
        self.send(Command::Resume);
    }

    /// The playing utterance follows the customer's new rate or volume.
    pub fn set_settings(&mut self, settings: SpeechSettings) {
        self.send(Command::Settings(settings));
    }

    fn send(&self, command: Command) {
        if let Speech::Live(tx) = self {
            let _ = tx.send(Msg::Command(command));
        }
    }

    /// Stops the speech thread (without waiting for it).
    pub fn shutdown(&self) {
        if let Speech::Live(tx) = self {
            let _ = tx.send(Msg::Command(Command::Shutdown));
        }
    }
}
