//! The system voice: the `tts` crate over speech-dispatcher, owned by a
//! worker thread of its own. `Tts` is an `Rc` inside and its calls were
//! seen to block for over 15 s when the daemon wedged (DESIGN section 4),
//! so nothing else ever touches it: the speech thread sends commands and
//! waits for answers with timeouts, and gives up on a worker that hangs.
//! The utterance callbacks run on libspeechd's own thread; they only send
//! a message back to the worker, never call into `Tts`.

use std::collections::HashMap;
use std::hash::Hash;
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

/// What a worker thread receives; `U` is its backend's utterance id.
pub(super) enum WorkerMsg<U> {
    Command(TtsCommand),
    /// The speech thread gave up on this worker: end, if not stuck.
    Quit,
    Began(U, Instant),
    Ended(U, Instant),
}

/// How the system voice picks a language (DESIGN section 4), matching
/// `scripts/speechd-config --layout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TtsLayout {
    /// One module holds every language: the `tts` crate's `set_voice()`.
    Generic,
    /// A module per language (`LanguageDefaultModule`): the language is set
    /// through the `speech-dispatcher` crate.
    #[default]
    PerLanguage,
}

impl TtsLayout {
    pub const NAMES: [&'static str; 2] = ["generic", "per-language"];

    pub fn from_name(name: &str) -> Option<TtsLayout> {
        match name {
            "generic" => Some(TtsLayout::Generic),
            "per-language" => Some(TtsLayout::PerLanguage),
            _ => None,
        }
    }
}

/// The handle the speech thread keeps: commands in, events out. Dropping
/// it asks the worker to end.
pub struct TtsWorker {
    commands: Commands,
}

/// The worker's inbox, typed by its backend.
enum Commands {
    Tts(Sender<WorkerMsg<UtteranceId>>),
    Speechd(Sender<WorkerMsg<u64>>),
}

impl Commands {
    fn send(&self, msg: WorkerMsg<()>) -> bool {
        match self {
            Commands::Tts(tx) => tx.send(msg.retype()).is_ok(),
            Commands::Speechd(tx) => tx.send(msg.retype()).is_ok(),
        }
    }
}

impl WorkerMsg<()> {
    /// A message from the speech thread (never an utterance event) for a
    /// worker of any backend.
    fn retype<U>(self) -> WorkerMsg<U> {
        match self {
            WorkerMsg::Command(c) => WorkerMsg::Command(c),
            WorkerMsg::Quit | WorkerMsg::Began(..) | WorkerMsg::Ended(..) => WorkerMsg::Quit,
        }
    }
}

impl Drop for TtsWorker {
    fn drop(&mut self) {
        self.commands.send(WorkerMsg::Quit);
    }
}

impl TtsWorker {
    /// Starts a worker; its first event is `Ready` or `Failed`. `alive` is
    /// held by the worker's thread until it ends, so the caller can tell a
    /// worker stuck in the daemon from one that is gone.
    pub fn spawn(
        layout: TtsLayout,
        events: Sender<TtsEvent>,
        alive: std::sync::Arc<()>,
    ) -> TtsWorker {
        let builder = thread::Builder::new().name("tts".into());
        // A failed spawn reports nothing: the events sender went with the
        // closure, and the speech thread times out waiting for Ready.
        let commands = match layout {
            TtsLayout::Generic => {
                let (tx, rx) = mpsc::channel();
                let callbacks = tx.clone();
                let _ = builder.spawn(move || {
                    run(&rx, callbacks, &events);
                    drop(alive);
                });
                Commands::Tts(tx)
            }
            TtsLayout::PerLanguage => {
                let (tx, rx) = mpsc::channel();
                let callbacks = tx.clone();
                let _ = builder.spawn(move || {
                    super::speechd::run(&rx, callbacks, &events);
                    drop(alive);
                });
                Commands::Speechd(tx)
            }
        };
        TtsWorker { commands }
    }

    pub fn send(&self, command: TtsCommand) -> bool {
        self.commands.send(WorkerMsg::Command(command))
    }
}

pub(super) fn primary(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or(tag)
        .to_ascii_lowercase()
}

fn run(
    rx: &Receiver<WorkerMsg<UtteranceId>>,
    callbacks: Sender<WorkerMsg<UtteranceId>>,
    events: &Sender<TtsEvent>,
) {
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

/// A worker's loop, the same for every backend: `carry_out` does one
/// command and gives back the utterance it started (its backend id and
/// ours), or else the event to report at once (a refusal, a stop's ack, a
/// failure, after which the worker ends); begin and end callbacks of our
/// utterances become events with our ids.
pub(super) fn serve<U: Hash + Eq>(
    rx: &Receiver<WorkerMsg<U>>,
    events: &Sender<TtsEvent>,
    mut carry_out: impl FnMut(TtsCommand) -> Result<(U, u64), TtsEvent>,
) {
    let mut ours: HashMap<U, u64> = HashMap::new();
    while let Ok(msg) = rx.recv() {
        let event = match msg {
            WorkerMsg::Command(command) => match carry_out(command) {
                Ok((u, id)) => {
                    ours.insert(u, id);
                    continue;
                }
                Err(event) => event,
            },
            WorkerMsg::Quit => return,
            WorkerMsg::Began(u, at) => match ours.get(&u) {
                Some(id) => TtsEvent::Began(*id, at),
                None => continue,
            },
            WorkerMsg::Ended(u, at) => match ours.remove(&u) {
                Some(id) => TtsEvent::Ended(id, at),
                None => continue,
            },
        };
        // A failed worker is done: it ends (closing its connection) and
        // the speech thread starts another later.
        let failed = matches!(event, TtsEvent::Failed(_));
        if events.send(event).is_err() || failed {
            return;
        }
    }
}
