//! The system voice as the speech thread and `doctor` hold it: a worker
//! thread of the configured layout's backend (`tts_crate` or `speechd`)
//! behind a handle that sends it commands. Its events go to the sink it was
//! given; dropping the handle asks the worker to end, which a worker stuck
//! inside a wedged daemon cannot do: the speech machine then waits for the
//! sink's word that the thread ended before it starts another.

use std::sync::mpsc::{self, Sender};
use std::thread;

use tts::UtteranceId;

use super::voice_worker::WorkerMsg;
pub use super::voice_worker::{EventSink, TtsCommand, TtsEvent};
use super::{speechd, tts_crate};
use crate::config::TtsLayout;

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

impl Drop for TtsWorker {
    fn drop(&mut self) {
        self.commands.send(WorkerMsg::Quit);
    }
}

impl TtsWorker {
    /// Starts a worker; its first event is `Ready` or `Failed`. The
    /// worker's thread owns `events` and drops it when it ends (at once if
    /// the thread cannot be started: then nothing is reported, and the
    /// caller's bound on `Ready` gives up on it).
    pub fn spawn(layout: TtsLayout, events: impl EventSink) -> TtsWorker {
        let builder = thread::Builder::new().name("tts".into());
        let commands = match layout {
            TtsLayout::Generic => {
                let (tx, rx) = mpsc::channel();
                let callbacks = tx.clone();
                let _ = builder.spawn(move || tts_crate::run(&rx, callbacks, &events));
                Commands::Tts(tx)
            }
            TtsLayout::PerLanguage => {
                let (tx, rx) = mpsc::channel();
                let callbacks = tx.clone();
                let _ = builder.spawn(move || speechd::run(&rx, callbacks, &events));
                Commands::Speechd(tx)
            }
        };
        TtsWorker { commands }
    }

    /// False when the worker is gone.
    pub fn send(&self, command: TtsCommand) -> bool {
        self.commands.send(WorkerMsg::Command(command))
    }
}
