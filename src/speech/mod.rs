//! Speaking the engine's utterances. Each utterance is handed to a backend
//! (a pre-rendered clip, the system TTS, or none) and traced. This build has
//! only the silent backend: every utterance is traced as `backend: none`
//! and the screen shows the "no voice" mark; the clip and TTS backends and
//! their speech thread come with the speech issue.

pub mod clips;
pub mod decode;
pub mod earcons;
pub mod levels;

use crate::engine::{Effect, SpeechKind, Utterance};
use crate::trace::Trace;

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

/// The speech edge as the event loop sees it: it never blocks.
pub struct Speech {
    trace: Trace,
    next_id: u64,
}

impl Speech {
    /// No voice: for `--no-speech`, and until a backend is available.
    pub fn silent(trace: Trace) -> Speech {
        Speech { trace, next_id: 0 }
    }

    /// Whether customers hear anything (the "no voice" mark when not).
    pub fn has_voice(&self) -> bool {
        false
    }

    /// Carries out the speech part of an engine effect; others are ignored.
    pub fn apply(&mut self, effect: &Effect) {
        match effect {
            Effect::Speak(utterance) => self.speak(utterance),
            Effect::Tone { .. } => {
                self.next_id += 1;
                self.trace.speak(self.next_id, "earcon", "none", "", 0);
            }
            _ => {}
        }
    }

    fn speak(&mut self, utterance: &Utterance) {
        self.next_id += 1;
        self.trace.speak(
            self.next_id,
            kind_name(utterance.kind),
            "none",
            &utterance.lang,
            utterance.text.chars().count(),
        );
    }
}
