//! The system voice: speech-dispatcher reached through the kiosk's own
//! worker (`speech::system_voice`), which starts the daemon when none runs,
//! as the kiosk would, and a voice for each of the flow's languages.

use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use super::Check;
use crate::config::TtsLayout;
use crate::msg;
use crate::speech::system_voice::{TtsEvent, TtsWorker};

/// A cold daemon starts in ~0.4 s here; a loaded machine takes longer. The
/// kiosk itself waits 2 s before it counts the voice as down, and takes it
/// up when it answers later.
const BOUND: Duration = Duration::from_secs(8);

pub struct VoiceProbe {
    /// Dropped after the answer: asks the worker to end.
    _worker: TtsWorker,
    events: Receiver<TtsEvent>,
}

/// Starts the worker the kiosk would, for the config's layout.
pub fn start(layout: TtsLayout) -> VoiceProbe {
    let (tx, events) = mpsc::channel();
    let worker = TtsWorker::spawn(layout, tx);
    VoiceProbe {
        _worker: worker,
        events,
    }
}

impl VoiceProbe {
    /// One line for the daemon and one per flow language.
    pub fn finish(self, flow_languages: &[String]) -> Vec<Check> {
        let answer = self.events.recv_timeout(BOUND);
        let languages = match answer {
            Ok(TtsEvent::Ready { languages }) => languages,
            Ok(TtsEvent::Failed(e)) => {
                return vec![Check::fail(
                    "speech_dispatcher",
                    msg!("doctor.voice_unreachable", error = e),
                )]
            }
            Ok(other) => {
                return vec![Check::fail(
                    "speech_dispatcher",
                    msg!("doctor.voice_unexpected", answer = format!("{other:?}")),
                )]
            }
            Err(_) => {
                return vec![Check::fail(
                    "speech_dispatcher",
                    msg!("doctor.voice_hung", seconds = BOUND.as_secs()),
                )]
            }
        };
        let mut checks = vec![Check::pass(
            "speech_dispatcher",
            msg!("doctor.voice_ok", count = languages.len()),
        )];
        checks.extend(language_checks(flow_languages, &languages));
        checks
    }
}

fn language_checks(flow_languages: &[String], voices: &[String]) -> Vec<Check> {
    flow_languages
        .iter()
        .map(|lang| {
            let id = format!("voice_{lang}");
            if voices.iter().any(|v| v == lang) {
                Check::pass(&id, msg!("doctor.voice_lang_ok", lang = lang))
            } else {
                Check::fail(&id, msg!("doctor.voice_lang_missing", lang = lang))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_flow_language_needs_a_voice() {
        let flow = ["ja".to_string(), "en".to_string()];
        let checks = language_checks(&flow, &["en".to_string()]);
        assert_eq!(checks.len(), 2);
        assert!(!checks[0].ok && checks[0].check == "voice_ja");
        assert!(checks[1].ok && checks[1].check == "voice_en");
    }
}
