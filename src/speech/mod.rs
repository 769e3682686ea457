//! Speaking the engine's utterances (DESIGN section 4). Each utterance goes
//! to a pre-rendered clip played through cpal, else the system voice
//! (speech-dispatcher through the `tts` crate), else silence with the "no
//! voice" mark. Every decision is the pure speech machine's (`machine`);
//! the speech thread (`controller`) around it does the IO. The UI thread
//! only sends commands and never waits.

pub mod clip_cache;
pub mod clips;
mod controller;
pub mod decode;
pub mod earcons;
pub mod levels;
pub mod machine;
pub mod player;
mod speechd;
mod status;
pub mod system_voice;
mod tts_crate;
pub mod voice_worker;

#[cfg(test)]
mod machine_tests;

use std::sync::mpsc::Sender;

use crate::config::TtsLayout;
use crate::engine::{Level, SpeechSettings, Tone, Utterance};
use crate::trace::Trace;
use clips::ClipSearch;
pub use controller::Msg;
use machine::Command;
pub use status::{kind_name, SpeechStatus};

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
        tts: Option<TtsLayout>,
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
