//! The system voice through the `speech-dispatcher` crate (the one `tts`
//! is built on), for the per-language layout: the language is set on the
//! connection and speech-dispatcher picks the module from its
//! `LanguageDefaultModule` lines (espeak-ng for en, Open JTalk for ja).
//! The `tts` crate cannot set a language, only a voice of the current
//! module (DESIGN section 4). The worker contract and its loop are
//! `voice_worker`'s, as for `tts_crate`: commands in, events out, the
//! callbacks only send messages back to the worker.

use std::sync::mpsc::{Receiver, Sender};
use std::time::Instant;

use speech_dispatcher::{Connection, Mode, Notification, Priority};

use super::voice_worker::{self, primary, EventSink, TtsCommand, TtsEvent, WorkerMsg};

/// Opens a connection named for the kiosk with the notifications the
/// worker waits on.
fn open(name: &str) -> Result<Connection, String> {
    let connection = Connection::open("counter-kiosk", name, "kiosk", Mode::Threaded)
        .map_err(|e| format!("speech-dispatcher: {e:?}"))?;
    for n in [Notification::Begin, Notification::End, Notification::Cancel] {
        connection
            .set_notification_on(n)
            .map_err(|e| format!("speech-dispatcher notifications: {e:?}"))?;
    }
    Ok(connection)
}

/// The languages some module has a voice for. Listing a module's voices
/// means choosing it, which would pin the speaking connection to it, so a
/// connection of its own does the asking.
fn languages() -> Result<Vec<String>, String> {
    // Threaded as well: the crate turns notifications on for every
    // connection, which libspeechd refuses in single mode.
    let probe = Connection::open("counter-kiosk", "probe", "kiosk", Mode::Threaded)
        .map_err(|e| format!("speech-dispatcher: {e:?}"))?;
    let mut languages = Vec::new();
    for module in probe.list_output_modules().unwrap_or_default() {
        if probe.set_output_module(module).is_err() {
            continue;
        }
        for voice in probe.list_synthesis_voices().unwrap_or_default() {
            languages.push(primary(&voice.language));
        }
    }
    // Dropping a connection closes it (calling close() as well frees twice).
    drop(probe);
    languages.sort();
    languages.dedup();
    Ok(languages)
}

/// libspeechd refuses text with a NUL in it (the crate would panic).
fn speakable(text: &str) -> String {
    text.replace('\0', " ")
}

pub(super) fn run(
    rx: &Receiver<WorkerMsg<u64>>,
    callbacks: Sender<WorkerMsg<u64>>,
    events: &impl EventSink,
) {
    let connection = match open("speech") {
        Ok(c) => c,
        Err(e) => {
            events.send(TtsEvent::Failed(e));
            return;
        }
    };
    let began = callbacks.clone();
    let ended = callbacks.clone();
    let cancelled = callbacks;
    connection.on_begin(Some(Box::new(move |msg, _client| {
        let _ = began.send(WorkerMsg::Began(msg as u64, Instant::now()));
    })));
    connection.on_end(Some(Box::new(move |msg, _client| {
        let _ = ended.send(WorkerMsg::Ended(msg as u64, Instant::now()));
    })));
    connection.on_cancel(Some(Box::new(move |msg, _client| {
        let _ = cancelled.send(WorkerMsg::Ended(msg as u64, Instant::now()));
    })));
    let languages = match languages() {
        Ok(l) => l,
        Err(e) => {
            events.send(TtsEvent::Failed(e));
            return;
        }
    };
    if events.send(TtsEvent::Ready { languages }) {
        serve(&connection, rx, events);
    }
}

fn serve(connection: &Connection, rx: &Receiver<WorkerMsg<u64>>, events: &impl EventSink) {
    let mut current_lang: Option<String> = None;
    voice_worker::serve(rx, events, |command| match command {
        TtsCommand::Speak {
            id,
            text,
            lang,
            rate,
            volume,
        } => {
            if current_lang.as_deref() != Some(lang.as_str()) {
                if let Err(e) = connection.set_language(lang.as_str()) {
                    return Err(refusal(connection, id, format!("set language: {e:?}")));
                }
                current_lang = Some(lang);
            }
            // Rounded, as the tts crate does; SSIP takes integers.
            let _ = connection.set_voice_rate(rate.round() as i32);
            let _ = connection.set_volume(volume.round() as i32);
            match connection.say(Priority::Important, speakable(&text)) {
                Some(u) => Ok((u, id)),
                None => Err(refusal(
                    connection,
                    id,
                    "speech-dispatcher refused the message".into(),
                )),
            }
        }
        TtsCommand::Stop { ack } => {
            let _ = connection.cancel();
            Err(TtsEvent::StopAcked(ack))
        }
    });
}

/// A refused command, or a connection that is gone: a daemon killed (or
/// crashed) under the kiosk refuses every message at once, and the voice
/// must then go down and be retried, not stay "up" in silence. A cheap
/// query tells the two apart.
fn refusal(connection: &Connection, id: u64, reason: String) -> TtsEvent {
    match connection.list_output_modules() {
        Ok(_) => TtsEvent::Refused(id, reason),
        Err(e) => TtsEvent::Failed(format!("connection lost ({reason}; then {e:?})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_bytes_never_reach_libspeechd() {
        assert_eq!(speakable("a\0b"), "a b");
        assert_eq!(speakable("はい"), "はい");
    }
}
