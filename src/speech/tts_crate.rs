//! The system voice through the `tts` crate over speech-dispatcher, for the
//! generic layout (one module holds every language, `set_voice()` switches
//! between them). `Tts` is an `Rc` inside and its calls were seen to block
//! for over 15 s when the daemon wedged (DESIGN section 4), so it lives on
//! its worker's thread alone and nothing else touches it. The utterance
//! callbacks run on libspeechd's own thread; they only send a message back
//! to the worker, never call into `Tts`. The worker contract and its loop
//! are `voice_worker`'s.

use std::sync::mpsc::{Receiver, Sender};
use std::time::Instant;

use tts::{Backends, Tts, UtteranceId, Voice};

use super::voice_worker::{primary, serve, EventSink, TtsCommand, TtsEvent, WorkerMsg};

pub(super) fn run(
    rx: &Receiver<WorkerMsg<UtteranceId>>,
    callbacks: Sender<WorkerMsg<UtteranceId>>,
    events: &impl EventSink,
) {
    let mut tts = match Tts::new(Backends::SpeechDispatcher) {
        Ok(tts) => tts,
        Err(e) => {
            events.send(TtsEvent::Failed(format!("speech-dispatcher: {e}")));
            return;
        }
    };
    let began = callbacks.clone();
    let ended = callbacks.clone();
    let stopped = callbacks;
    let hooked = tts
        .on_utterance_begin(Some(Box::new(move |u| {
            let _ = began.send(WorkerMsg::Began(u, Instant::now()));
        })))
        .and_then(|()| {
            tts.on_utterance_end(Some(Box::new(move |u| {
                let _ = ended.send(WorkerMsg::Ended(u, Instant::now()));
            })))
        })
        .and_then(|()| {
            tts.on_utterance_stop(Some(Box::new(move |u| {
                let _ = stopped.send(WorkerMsg::Ended(u, Instant::now()));
            })))
        });
    if let Err(e) = hooked {
        events.send(TtsEvent::Failed(format!("utterance callbacks: {e}")));
        return;
    }
    let voices: Vec<Voice> = tts.voices().unwrap_or_default();
    let mut languages: Vec<String> = voices
        .iter()
        .map(|v| primary(v.language().as_ref()))
        .collect();
    languages.sort();
    languages.dedup();
    if !events.send(TtsEvent::Ready { languages }) {
        return;
    }
    let mut current_voice: Option<String> = None;
    serve(rx, events, |command| match command {
        TtsCommand::Speak {
            id,
            text,
            lang,
            rate,
            volume,
        } => {
            let Some(voice) = voices
                .iter()
                .find(|v| primary(v.language().as_ref()) == lang)
            else {
                return Err(TtsEvent::Refused(id, format!("no voice for {lang}")));
            };
            // A daemon that is gone refuses everything: then the voice is
            // down, not this utterance alone (as in speechd.rs `refusal`).
            let refusal = |tts: &Tts, reason: String| match tts.voices() {
                Ok(_) => TtsEvent::Refused(id, reason),
                Err(e) => TtsEvent::Failed(format!("connection lost ({reason}; then {e})")),
            };
            if current_voice.as_deref() != Some(voice.id().as_str()) {
                if let Err(e) = tts.set_voice(voice) {
                    return Err(refusal(&tts, format!("set voice: {e}")));
                }
                current_voice = Some(voice.id());
            }
            let _ = tts.set_rate(rate);
            let _ = tts.set_volume(volume);
            match tts.speak(text, false) {
                Ok(Some(u)) => Ok((u, id)),
                Ok(None) => Err(TtsEvent::Refused(id, "no utterance id".into())),
                Err(e) => Err(refusal(&tts, e.to_string())),
            }
        }
        TtsCommand::Stop { ack } => {
            let _ = tts.stop();
            Err(TtsEvent::StopAcked(ack))
        }
    });
}
