//! The system voice's worker contract, shared by both backends
//! (`tts_crate` over the `tts` crate, `speechd` over the `speech-dispatcher`
//! crate): the commands a worker takes, the events it gives back, and the
//! loop that serves them. A backend only opens its connection and says how
//! to carry out one command; this loop does the rest the same way for both.
//! It depends on neither backend, so neither depends on the other.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::mpsc::{Receiver, Sender};
use std::time::Instant;

/// What the speech thread asks of a worker.
#[derive(Debug, Clone, PartialEq)]
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

/// What a worker reports back.
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

/// Where a worker's events go. The worker's thread owns its sink and drops
/// it when it ends, so a sink can tell the speech thread that the worker is
/// gone (see `controller`): no shared counter is needed for that.
pub trait EventSink: Send + 'static {
    /// Hands the event on; false when no one listens any more.
    fn send(&self, event: TtsEvent) -> bool;
}

impl EventSink for Sender<TtsEvent> {
    fn send(&self, event: TtsEvent) -> bool {
        Sender::send(self, event).is_ok()
    }
}

/// What a worker thread receives; `U` is its backend's utterance id.
pub enum WorkerMsg<U> {
    Command(TtsCommand),
    /// The speech thread gave up on this worker: end, if not stuck.
    Quit,
    Began(U, Instant),
    Ended(U, Instant),
}

impl WorkerMsg<()> {
    /// A message from the speech thread (never an utterance event) for a
    /// worker of any backend.
    pub fn retype<U>(self) -> WorkerMsg<U> {
        match self {
            WorkerMsg::Command(c) => WorkerMsg::Command(c),
            WorkerMsg::Quit | WorkerMsg::Began(..) | WorkerMsg::Ended(..) => WorkerMsg::Quit,
        }
    }
}

/// A language tag's primary subtag, lower case: `ja-JP` → `ja`.
pub fn primary(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or(tag)
        .to_ascii_lowercase()
}

/// A worker's loop, the same for every backend: `carry_out` does one
/// command and gives back the utterance it started (its backend id and
/// ours), or else the event to report at once (a refusal, a stop's ack, a
/// failure, after which the worker ends); begin and end callbacks of our
/// utterances become events with our ids.
pub fn serve<U: Hash + Eq>(
    rx: &Receiver<WorkerMsg<U>>,
    events: &impl EventSink,
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
        if !events.send(event) || failed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn primary_subtags_are_lower_case() {
        assert_eq!(primary("ja-JP"), "ja");
        assert_eq!(primary("EN_us"), "en");
        assert_eq!(primary("en"), "en");
    }

    #[test]
    fn the_loop_reports_our_ids_and_ends_after_a_failure() {
        let (tx, rx) = mpsc::channel();
        let (events_tx, events) = mpsc::channel();
        let t = Instant::now();
        let speak = |id: u64| TtsCommand::Speak {
            id,
            text: "x".into(),
            lang: "en".into(),
            rate: 0.0,
            volume: 0.0,
        };
        tx.send(WorkerMsg::Command(speak(7))).unwrap();
        tx.send(WorkerMsg::Began(70, t)).unwrap();
        // Someone else's utterance: not ours, not reported.
        tx.send(WorkerMsg::Ended(99, t)).unwrap();
        tx.send(WorkerMsg::Ended(70, t)).unwrap();
        tx.send(WorkerMsg::Command(TtsCommand::Stop { ack: 8 }))
            .unwrap();
        tx.send(WorkerMsg::Command(speak(9))).unwrap();
        tx.send(WorkerMsg::Command(speak(10))).unwrap();
        serve(&rx, &events_tx, |command| match command {
            TtsCommand::Speak { id: 9, .. } => Err(TtsEvent::Failed("gone".into())),
            TtsCommand::Speak { id, .. } => Ok((id * 10, id)),
            TtsCommand::Stop { ack } => Err(TtsEvent::StopAcked(ack)),
        });
        let got: Vec<TtsEvent> = events.try_iter().collect();
        assert_eq!(
            got,
            vec![
                TtsEvent::Began(7, t),
                TtsEvent::Ended(7, t),
                TtsEvent::StopAcked(8),
                TtsEvent::Failed("gone".into()),
            ]
        );
    }
}
