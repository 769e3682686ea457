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

use crate::engine::{Effect, SpeechKind};
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

    /// Carries out the speech part of an engine effect; others are ignored.
    pub fn apply(&mut self, effect: &Effect) {
        match self {
            Speech::Silent { trace, next_id } => match effect {
                Effect::Speak(u) => {
                    *next_id += 1;
                    trace.speak(
                        *next_id,
                        kind_name(u.kind),
                        "none",
                        &u.lang,
                        u.text.chars().count(),
                    );
                }
                Effect::Tone { .. } => {
                    *next_id += 1;
                    trace.speak(*next_id, "earcon", "none", "", 0);
                }
                _ => {}
            },
            Speech::Live(tx) => {
                let command = match effect {
                    Effect::Speak(u) => Command::Speak(u.clone()),
                    Effect::Tone { tone, volume } => Command::Tone(*tone, *volume),
                    Effect::StopSpeech | Effect::Reset => Command::Stop,
                    Effect::PauseSpeech => Command::Pause,
                    Effect::ResumeSpeech => Command::Resume,
                    Effect::SpeechSettings(s) => Command::Settings(*s),
                    _ => return,
                };
                let _ = tx.send(Msg::Command(command));
            }
        }
    }

    /// Stops the speech thread (without waiting for it).
    pub fn shutdown(&self) {
        if let Speech::Live(tx) = self {
            let _ = tx.send(Msg::Command(Command::Shutdown));
        }
    }
}
