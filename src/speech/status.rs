//! What the speech layer tells the rest of the kiosk, with no dependency of
//! its own: whether customers can hear anything (for the staff marks and
//! `doctor`), and the trace's names for utterance kinds.

use crate::engine::SpeechKind;

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
