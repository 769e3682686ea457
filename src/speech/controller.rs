//! The speech thread: the shell around the speech machine (`machine`). It
//! owns what does IO (the clip player, the clip decoder's thread, the
//! system-voice workers), turns what they report into the machine's inputs,
//! and carries out the operations the machine returns. It decides nothing:
//! what to play, when to give up on a backend and when to retry are all
//! the machine's. The UI thread only sends commands and never waits.

use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use super::clip_cache::ClipKey;
use super::clips::{self, ClipLibrary, ClipSearch};
use super::decode::{decode, resample};
use super::machine::{Command, Input, Op, SpeechMachine, TraceOp, WorkerId};
use super::player::{Player, PlayerEvent};
use super::status::SpeechStatus;
use super::system_voice::{EventSink, TtsEvent, TtsWorker};
use crate::config::TtsLayout;
use crate::trace::Trace;

/// What reaches the speech thread: the UI thread's commands and the
/// backends' events.
pub enum Msg {
    Command(Command),
    Player(PlayerEvent),
    Voice(WorkerId, TtsEvent),
    VoiceExited(WorkerId),
    Decoded(ClipKey, Result<Arc<[f32]>, String>),
}

impl Msg {
    fn into_input(self) -> Input {
        match self {
            Msg::Command(command) => Input::Command(command),
            Msg::Player(event) => Input::Player(event),
            Msg::Voice(worker, event) => Input::Voice(worker, event),
            Msg::VoiceExited(worker) => Input::VoiceExited(worker),
            Msg::Decoded(key, result) => Input::Decoded(key, result),
        }
    }
}

pub struct Options {
    pub clips: ClipSearch,
    /// The system voice's layout; `None` when it is turned off.
    pub tts: Option<TtsLayout>,
    pub trace: Trace,
    pub on_status: Box<dyn Fn(SpeechStatus) + Send>,
}

/// Starts the speech thread; returns the sender for its commands.
pub fn spawn(options: Options) -> Sender<Msg> {
    let (tx, rx) = mpsc::channel();
    let thread_tx = tx.clone();
    let spawned = thread::Builder::new()
        .name("speech".into())
        .spawn(move || Shell::start(rx, thread_tx, options).run());
    if spawned.is_err() {
        // No thread: commands go nowhere; the UI shows no voice as the
        // status never turns on.
    }
    tx
}

struct Shell {
    rx: Receiver<Msg>,
    tx: Sender<Msg>,
    machine: SpeechMachine,
    library: ClipLibrary,
    layout: Option<TtsLayout>,
    trace: Trace,
    on_status: Box<dyn Fn(SpeechStatus) + Send>,
    player: Option<Player>,
    decoder: Option<Sender<ClipKey>>,
    workers: HashMap<WorkerId, TtsWorker>,
}

impl Shell {
    /// Finds the clips (off the UI thread: reading a manifest takes a
    /// while) and carries out the machine's first operations.
    fn start(rx: Receiver<Msg>, tx: Sender<Msg>, options: Options) -> Shell {
        let (library, problem) = clips::locate(&options.clips);
        if let Some(problem) = problem {
            crate::log::log(&format!(
                "speech: clips: {problem}; the system voice speaks instead"
            ));
        }
        crate::log::log(&format!(
            "speech: {} clips for flow {}",
            library.len(),
            options.clips.flow_id
        ));
        let (machine, ops) =
            SpeechMachine::new(library.clone(), options.tts.is_some(), Instant::now());
        let mut shell = Shell {
            rx,
            tx,
            machine,
            library,
            layout: options.tts,
            trace: options.trace,
            on_status: options.on_status,
            player: None,
            decoder: None,
            workers: HashMap::new(),
        };
        shell.perform_all(ops);
        shell
    }

    fn run(mut self) {
        while !self.machine.is_shut_down() {
            let msg = match self.machine.next_deadline() {
                Some(at) => self
                    .rx
                    .recv_timeout(at.saturating_duration_since(Instant::now())),
                None => self.rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            let input = match msg {
                Ok(msg) => msg.into_input(),
                Err(RecvTimeoutError::Timeout) => Input::Tick,
                Err(RecvTimeoutError::Disconnected) => Input::Command(Command::Shutdown),
            };
            self.feed(input);
        }
    }

    /// Hands the input to the machine and carries out what it returns,
    /// with the answers of synchronous operations fed back in turn.
    fn feed(&mut self, input: Input) {
        let mut inputs = VecDeque::from([input]);
        while let Some(input) = inputs.pop_front() {
            let ops = self.machine.handle(input, Instant::now());
            inputs.extend(ops.into_iter().filter_map(|op| self.perform(op)));
        }
    }

    fn perform_all(&mut self, ops: Vec<Op>) {
        let answers: Vec<Input> = ops.into_iter().filter_map(|op| self.perform(op)).collect();
        for answer in answers {
            self.feed(answer);
        }
    }

    /// Carries out one operation; returns its answer when it has one at once.
    fn perform(&mut self, op: Op) -> Option<Input> {
        match op {
            Op::OpenDevice { rate } => return Some(self.open_device(rate)),
            Op::CloseDevice => self.player = None,
            Op::PlaySpeech { id, samples, gain } => {
                if let Some(player) = &self.player {
                    player.set_gain(gain);
                    player.play_speech(id, samples);
                }
            }
            Op::PlayTone { id, samples, gain } => {
                if let Some(player) = &self.player {
                    player.play_tone(id, samples, gain);
                }
            }
            Op::SetGain(gain) => {
                if let Some(player) = &self.player {
                    player.set_gain(gain);
                }
            }
            Op::StopPlayer => {
                if let Some(player) = &self.player {
                    player.stop();
                }
            }
            Op::Decode(key) => return self.decode(key),
            Op::StartVoice(worker) => return self.start_voice(worker),
            Op::DropVoice(worker) => drop(self.workers.remove(&worker)),
            Op::ToVoice(worker, command) => {
                // A worker that is gone reports its end (`WorkerEvents`).
                if let Some(handle) = self.workers.get(&worker) {
                    handle.send(command);
                }
            }
            Op::Trace(op) => self.write_trace(op),
            Op::Log(line) => crate::log::log(&line),
            Op::Status(status) => (self.on_status)(status),
        }
        None
    }

    fn write_trace(&self, op: TraceOp) {
        match op {
            TraceOp::Speak {
                id,
                kind,
                backend,
                lang,
                chars,
            } => self.trace.speak(id, kind, backend, &lang, chars),
            TraceOp::AudioStart { id, at } => self.trace.audio_start_at(id, at),
            TraceOp::AudioStop { id, at } => self.trace.audio_stop_at(id, at),
        }
    }

    fn open_device(&mut self, rate: u32) -> Input {
        let mut player = match Player::open(rate) {
            Ok(player) => player,
            Err(e) => return Input::DeviceFailed(e.to_string()),
        };
        let forward = self.tx.clone();
        // The callback's events come through a bounded channel; a small
        // thread hands them on so this one can block on one channel for
        // everything.
        let Some(events) = player.take_events() else {
            return Input::DeviceFailed("audio output: its events were taken".into());
        };
        let spawned = thread::Builder::new()
            .name("speech-player".into())
            .spawn(move || {
                while let Ok(event) = events.recv() {
                    if forward.send(Msg::Player(event)).is_err() {
                        return;
                    }
                }
            });
        if spawned.is_err() {
            // Without its events a clip would never be known to end.
            return Input::DeviceFailed("audio output: no thread for its events".into());
        }
        let opened = Input::DeviceOpened {
            rate: player.rate(),
            name: player.device_name.clone(),
        };
        self.player = Some(player);
        opened
    }

    fn start_voice(&mut self, worker: WorkerId) -> Option<Input> {
        let Some(layout) = self.layout else {
            return Some(Input::VoiceExited(worker));
        };
        let events = WorkerEvents {
            tx: self.tx.clone(),
            worker,
        };
        self.workers
            .insert(worker, TtsWorker::spawn(layout, events));
        None
    }

    /// Hands the clip to the decoder thread (a new one if the last is
    /// gone); answers at once only when there is none to be had.
    fn decode(&mut self, key: ClipKey) -> Option<Input> {
        for _ in 0..2 {
            let decoder = match self.decoder.take() {
                Some(decoder) => decoder,
                None => match spawn_decoder(self.library.clone(), self.tx.clone()) {
                    Some(decoder) => decoder,
                    None => break,
                },
            };
            if decoder.send(key.clone()).is_ok() {
                self.decoder = Some(decoder);
                return None;
            }
        }
        Some(Input::Decoded(
            key,
            Err("the clip decoder is not running".into()),
        ))
    }
}

/// A worker's events, tagged with its id, into the speech thread's channel.
/// The worker's thread owns it; its drop when that thread ends is the
/// machine's word that the worker is gone (`Input::VoiceExited`).
struct WorkerEvents {
    tx: Sender<Msg>,
    worker: WorkerId,
}

impl EventSink for WorkerEvents {
    fn send(&self, event: TtsEvent) -> bool {
        self.tx.send(Msg::Voice(self.worker, event)).is_ok()
    }
}

impl Drop for WorkerEvents {
    fn drop(&mut self) {
        let _ = self.tx.send(Msg::VoiceExited(self.worker));
    }
}

/// The decoder thread: reads, decodes and resamples one clip at a time,
/// off the speech thread, so that nothing waits on it.
fn spawn_decoder(library: ClipLibrary, tx: Sender<Msg>) -> Option<Sender<ClipKey>> {
    let (keys_tx, keys) = mpsc::channel::<ClipKey>();
    thread::Builder::new()
        .name("speech-decode".into())
        .spawn(move || {
            while let Ok(key) = keys.recv() {
                let reply = DecodeReply {
                    tx: tx.clone(),
                    key: Some(key.clone()),
                };
                reply.send(decode_clip(&library, &key));
            }
        })
        .ok()?;
    Some(keys_tx)
}

/// The answer to one decode; sent even if decoding panics (on drop), so the
/// machine never waits for a clip that will not come.
struct DecodeReply {
    tx: Sender<Msg>,
    key: Option<ClipKey>,
}

impl DecodeReply {
    fn send(mut self, result: Result<Arc<[f32]>, String>) {
        if let Some(key) = self.key.take() {
            let _ = self.tx.send(Msg::Decoded(key, result));
        }
    }
}

impl Drop for DecodeReply {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let _ = self
                .tx
                .send(Msg::Decoded(key, Err("the clip decoder stopped".into())));
        }
    }
}

/// The clip's samples at the device's rate.
fn decode_clip(library: &ClipLibrary, key: &ClipKey) -> Result<Arc<[f32]>, String> {
    let bytes = library
        .read(&key.file)
        .map_err(|e| e.to_string())?
        .into_owned();
    let pcm = decode(bytes)
        .and_then(|pcm| resample(pcm, key.rate))
        .map_err(|e| e.to_string())?;
    Ok(Arc::from(pcm.samples))
}
