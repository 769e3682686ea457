//! The system voice: the `tts` crate over speech-dispatcher, owned by a
//! worker thread of its own. `Tts` is an `Rc` inside and its calls were
//! seen to block for over 15 s when the daemon wedged (DESIGN section 4),
//! so nothing else ever touches it: the speech thread sends commands and
//! waits for answers with timeouts, and gives up on a worker that hangs.
//! The utterance callbacks run on libspeechd's own thread; they only send
//! a message back to the worker, never call into `Tts`.

use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::Instant;

use tts::{Backends, Tts, UtteranceId, Voice};

pub enum TtsCommand {
    Speak {
        id: u64,
        text: String,
        lang: String,
        /// speech-dispatcher's rate and volume (-100..100).
        rate: f32,
        volume: f32,
    },
    Stop {
        ack: u64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum TtsEvent {
    /// Connected; the languages it has a voice for.
    Ready {
        languages: Vec<String>,
    },
    Failed(String),
    /// An utterance could not be spoken (no voice for its language, …).
    Refused(u64, String),
    Began(u64, Instant),
    Ended(u64, Instant),
    StopAcked(u64),
}

enum WorkerMsg {
    Command(TtsCommand),
    /// The speech thread gave up on this worker: end, if not stuck.
    Quit,
    Began(UtteranceId, Instant),
    Ended(UtteranceId, Instant),
}

/// The handle the speech thread keeps: commands in, events out. Dropping
/// it asks the worker to end.
pub struct TtsWorker {
    commands: Sender<WorkerMsg>,
}

impl Drop for TtsWorker {
    fn drop(&mut self) {
        let _ = self.commands.send(WorkerMsg::Quit);
    }
}

impl TtsWorker {
    /// Starts a worker; its first event is `Ready` or `Failed`. `alive` is
    /// held by the worker's thread until it ends, so the caller can tell a
    /// worker stuck in the daemon from one that is gone.
    pub fn spawn(events: Sender<TtsEvent>, alive: std::sync::Arc<()>) -> TtsWorker {
        let (tx, rx) = mpsc::channel();
        let callbacks = tx.clone();
        let spawned = thread::Builder::new().name("tts".into()).spawn(move || {
            run(&rx, callbacks, &events);
            drop(alive);
        });
        if let Err(e) = spawned {
            // The events sender moved into the closure; report nothing more
            // here: the speech thread times out waiting for Ready.
            drop(e);
        }
        TtsWorker { commands: tx }
    }

    pub fn send(&self, command: TtsCommand) -> bool {
        self.commands.send(WorkerMsg::Command(command)).is_ok()
    }
}

fn primary(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or(tag)
        .to_ascii_lowercase()
}

fn run(rx: &Receiver<WorkerMsg>, callbacks: Sender<WorkerMsg>, events: &Sender<TtsEvent>) {
    let mut tts = match Tts::new(Backends::SpeechDispatcher) {
        Ok(tts) => tts,
        Err(e) => {
            let _ = events.send(TtsEvent::Failed(format!("speech-dispatcher: {e}")));
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
        let _ = events.send(TtsEvent::Failed(format!("utterance callbacks: {e}")));
        return;
    }
    let voices: Vec<Voice> = tts.voices().unwrap_or_default();
    let mut languages: Vec<String> = voices
        .iter()
        .map(|v| primary(v.language().as_ref()))
        .collect();
    languages.sort();
    languages.dedup();
    if events.send(TtsEvent::Ready { languages }).is_err() {
        return;
    }
    let mut ours: HashMap<UtteranceId, u64> = HashMap::new();
    let mut current_voice: Option<String> = None;
    while let Ok(msg) = rx.recv() {
        let event = match msg {
            WorkerMsg::Command(TtsCommand::Speak {
                id,
                text,
                lang,
                rate,
                volume,
            }) => {
                let voice = voices
                    .iter()
                    .find(|v| primary(v.language().as_ref()) == lang);
                let Some(voice) = voice else {
                    let _ = events.send(TtsEvent::Refused(id, format!("no voice for {lang}")));
                    continue;
                };
                if current_voice.as_deref() != Some(voice.id().as_str()) {
                    if let Err(e) = tts.set_voice(voice) {
                        let _ = events.send(TtsEvent::Refused(id, format!("set voice: {e}")));
                        continue;
                    }
                    current_voice = Some(voice.id());
                }
                let _ = tts.set_rate(rate);
                let _ = tts.set_volume(volume);
                match tts.speak(text, false) {
                    Ok(Some(u)) => {
                        ours.insert(u, id);
                        continue;
                    }
                    Ok(None) => TtsEvent::Refused(id, "no utterance id".into()),
                    Err(e) => TtsEvent::Refused(id, e.to_string()),
                }
            }
            WorkerMsg::Quit => return,
            WorkerMsg::Command(TtsCommand::Stop { ack }) => {
                let _ = tts.stop();
                TtsEvent::StopAcked(ack)
            }
            WorkerMsg::Began(u, at) => match ours.get(&u) {
                Some(id) => TtsEvent::Began(*id, at),
                None => continue,
            },
            WorkerMsg::Ended(u, at) => match ours.remove(&u) {
                Some(id) => TtsEvent::Ended(id, at),
                None => continue,
            },
        };
        if events.send(event).is_err() {
            return;
        }
    }
}
