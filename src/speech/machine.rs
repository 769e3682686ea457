//! The speech machine: every decision of the speech layer (DESIGN section 4)
//! in the engine's shape. `handle(input, now)` takes a command from the UI
//! thread or an event from a backend (the clip player, the clip decoder, a
//! system-voice worker) and returns the operations the shell
//! (`controller`) must carry out; `next_deadline()` says when it must be
//! woken with `Input::Tick`. It does no IO, starts no thread and never reads
//! the clock, so every path runs in tests on a fake clock.
//!
//! What it keeps: the queue of utterances and the one playing; for each
//! utterance the choice of a clip, the system voice or silence; the health
//! of the audio device, the system voice and the clips, as data; the bounds
//! on the system voice (start, stop, end of utterance) and the background
//! retries; which system-voice worker threads still run, so that a second
//! one is never started beside one stuck in a wedged daemon.
//!
//! Nothing it asks of the shell blocks the speech thread for long: decoding
//! a clip is done by a thread of its own, one clip at a time, and its result
//! comes back as an input. A stop or a pause is therefore taken as soon as
//! it arrives, never behind the decoding of utterances queued before it.

mod device;
mod voice;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::clip_cache::{Cached, ClipCache, ClipKey};
use super::clips::ClipLibrary;
use super::levels::{volume_gain, CLIP_RATES};
use super::player::PlayerEvent;
use super::status::{kind_name, SpeechStatus};
use super::voice_worker::{TtsCommand, TtsEvent};
use crate::engine::{Level, SpeechSettings, Tone, Utterance};

/// How long the system voice may take for each step of its work before it
/// is marked down.
pub const TTS_INIT: Duration = Duration::from_secs(2);
pub const TTS_STOP: Duration = Duration::from_millis(200);
/// Retry a missing device or a downed system voice this often.
pub const RETRY: Duration = Duration::from_secs(10);
/// Decoded clips kept in memory (a step's worth and then some).
pub const CACHE_CLIPS: usize = 48;
/// Queued utterances decoded ahead, while another plays: a step's worth,
/// well under `CACHE_CLIPS`, so decoding ahead never evicts what it is for.
pub const DECODE_AHEAD: usize = 8;
/// Queued utterances at most; the oldest goes when more come. A step
/// queues a handful; only something gone wrong queues more.
pub const QUEUE_LIMIT: usize = 64;
/// The clips' own sample rate: the device is opened at it when it can be.
pub const CLIP_RATE: u32 = 24_000;

/// What the UI thread asks of the speech thread.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Speak(Utterance),
    Tone(Tone, Level),
    Stop,
    Pause,
    Resume,
    Settings(SpeechSettings),
    Shutdown,
}

/// A system-voice worker thread, numbered in the order they are started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkerId(pub u64);

/// Everything the machine hears about.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Command(Command),
    Player(PlayerEvent),
    /// The answer to `Op::OpenDevice`.
    DeviceOpened {
        rate: u32,
        name: String,
    },
    DeviceFailed(String),
    /// The answer to `Op::Decode`.
    Decoded(ClipKey, Result<Arc<[f32]>, String>),
    Voice(WorkerId, TtsEvent),
    /// The worker's thread has ended (it is no longer stuck anywhere).
    VoiceExited(WorkerId),
    /// The clock passed `next_deadline()`, or the shell woke for nothing.
    Tick,
}

/// A trace line the machine wants written (DESIGN section 9).
#[derive(Debug, Clone, PartialEq)]
pub enum TraceOp {
    Speak {
        id: u64,
        kind: &'static str,
        backend: &'static str,
        lang: String,
        chars: usize,
    },
    AudioStart {
        id: u64,
        at: Instant,
    },
    AudioStop {
        id: u64,
        at: Instant,
    },
}

/// What the shell must do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Open the default output device, at `rate` if it can; answer with
    /// `DeviceOpened` or `DeviceFailed`.
    OpenDevice {
        rate: u32,
    },
    /// Drop the player (its stream failed).
    CloseDevice,
    /// Play speech at this gain (after any earcon that is playing).
    PlaySpeech {
        id: u64,
        samples: Arc<[f32]>,
        gain: f32,
    },
    PlayTone {
        id: u64,
        samples: Arc<[f32]>,
        gain: f32,
    },
    /// The speech volume, on the playing clip at once.
    SetGain(f32),
    /// Silence the player, earcon and speech.
    StopPlayer,
    /// Read and decode this clip; answer with `Decoded`.
    Decode(ClipKey),
    /// Start a system-voice worker; its events come as `Voice` inputs and
    /// its end as `VoiceExited`.
    StartVoice(WorkerId),
    /// Drop the worker's handle (asks it to end).
    DropVoice(WorkerId),
    ToVoice(WorkerId, TtsCommand),
    Trace(TraceOp),
    Log(String),
    /// What can be heard changed.
    Status(SpeechStatus),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Clip,
    Tts,
}

/// The utterance handed to a backend.
#[derive(Debug)]
struct Current {
    id: u64,
    utterance: Utterance,
    backend: Backend,
    /// Handed to its backend and not silenced since (a paused utterance
    /// stays current, silent, until it is spoken again).
    sounding: bool,
    /// When the system voice must have finished by, or it is marked down.
    deadline: Option<Instant>,
}

/// The audio device's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Device {
    /// `Op::OpenDevice` is out; its answer comes next.
    Opening,
    Open {
        rate: u32,
    },
    Closed,
}

/// The system voice's health.
#[derive(Debug, Clone, PartialEq)]
enum Voice {
    /// Turned off in the config.
    Off,
    Starting {
        worker: WorkerId,
        since: Instant,
    },
    Up {
        worker: WorkerId,
        languages: Vec<String>,
    },
    /// `late`: a worker that missed the start bound; if it connects after
    /// all (a cold daemon on a loaded machine), it is taken up then.
    Down {
        since: Instant,
        late: Option<WorkerId>,
    },
}

/// How much the machine holds, for the soak's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    pub queued: usize,
    pub cached_clips: usize,
    pub cached_tones: usize,
    /// Worker threads started and not yet known to have ended.
    pub live_workers: usize,
}

/// A clip for an utterance, as far as the machine can tell now.
enum ClipChoice {
    Ready(Arc<[f32]>),
    /// There is one; it must be decoded first.
    Undecoded(ClipKey),
    /// None, or none that plays: the next backend in line speaks.
    None,
}

pub struct SpeechMachine {
    clips: ClipLibrary,
    device: Device,
    /// When a closed device is tried again.
    device_retry_at: Instant,
    voice: Voice,
    /// Worker threads started and not yet ended (at most one).
    live_workers: BTreeSet<WorkerId>,
    last_worker: u64,
    queue: VecDeque<Utterance>,
    current: Option<Current>,
    paused: bool,
    settings: SpeechSettings,
    next_id: u64,
    /// A stop sent to the system voice: its ack, and when it is overdue.
    stop_deadline: Option<(u64, Instant)>,
    /// The earcon in the player.
    tone: Option<u64>,
    /// The clip being decoded (one at a time).
    decoding: Option<ClipKey>,
    cache: ClipCache,
    tones: HashMap<(Tone, u32), Arc<[f32]>>,
    status: Option<SpeechStatus>,
    shut_down: bool,
    ops: Vec<Op>,
}

impl SpeechMachine {
    /// A machine that opens the device and, when `voice_enabled`, starts
    /// the system voice: those are the returned operations.
    pub fn new(clips: ClipLibrary, voice_enabled: bool, now: Instant) -> (SpeechMachine, Vec<Op>) {
        let mut machine = SpeechMachine {
            clips,
            device: Device::Closed,
            device_retry_at: now,
            voice: Voice::Off,
            live_workers: BTreeSet::new(),
            last_worker: 0,
            queue: VecDeque::new(),
            current: None,
            paused: false,
            settings: SpeechSettings::default(),
            next_id: 0,
            stop_deadline: None,
            tone: None,
            decoding: None,
            cache: ClipCache::new(CACHE_CLIPS),
            tones: HashMap::new(),
            status: None,
            shut_down: false,
            ops: Vec::new(),
        };
        machine.open_device(now);
        if voice_enabled {
            machine.start_voice(now);
        }
        let ops = std::mem::take(&mut machine.ops);
        (machine, ops)
    }

    /// Takes one input at `now` and returns what to do about it.
    #[must_use]
    pub fn handle(&mut self, input: Input, now: Instant) -> Vec<Op> {
        if self.shut_down {
            return Vec::new();
        }
        match input {
            Input::Command(command) => self.on_command(command, now),
            Input::Player(event) => self.on_player(event, now),
            Input::DeviceOpened { rate, name } => self.device_opened(rate, &name),
            Input::DeviceFailed(reason) => self.device_failed(&reason),
            Input::Decoded(key, result) => self.decoded(key, result),
            Input::Voice(worker, event) => self.on_voice(worker, event, now),
            Input::VoiceExited(worker) => self.voice_exited(worker, now),
            Input::Tick => {}
        }
        if !self.shut_down {
            self.check_deadlines(now);
            self.pump(now);
            self.report_status();
        }
        std::mem::take(&mut self.ops)
    }

    /// When the machine must next be woken (with `Input::Tick`); `None`
    /// when only an input can change anything.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.shut_down {
            return None;
        }
        [
            self.voice_deadline(),
            self.stop_deadline.map(|(_, at)| at),
            self.current.as_ref().and_then(|c| c.deadline),
            (self.device == Device::Closed).then_some(self.device_retry_at),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// What can be heard now (as last reported).
    pub fn status(&self) -> SpeechStatus {
        SpeechStatus {
            audio_device: matches!(self.device, Device::Open { .. }),
            system_voice: matches!(self.voice, Voice::Up { .. }),
            clips: !self.clips.is_empty(),
        }
    }

    /// Nothing playing and nothing queued.
    pub fn is_idle(&self) -> bool {
        self.current.is_none() && self.queue.is_empty()
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// After `Command::Shutdown`: the shell ends the thread.
    pub fn is_shut_down(&self) -> bool {
        self.shut_down
    }

    pub fn footprint(&self) -> Footprint {
        Footprint {
            queued: self.queue.len(),
            cached_clips: self.cache.len(),
            cached_tones: self.tones.len(),
            live_workers: self.live_workers.len(),
        }
    }

    // ----- commands -----

    fn on_command(&mut self, command: Command, now: Instant) {
        match command {
            Command::Speak(utterance) => self.enqueue(utterance),
            Command::Tone(tone, volume) => self.play_tone(tone, volume, now),
            Command::Stop => {
                self.stop_all(now);
                self.paused = false;
            }
            Command::Pause => {
                self.paused = true;
                self.silence_current(now);
            }
            Command::Resume => {
                self.paused = false;
                self.requeue_current(now);
            }
            Command::Settings(settings) => self.change_settings(settings, now),
            Command::Shutdown => {
                self.stop_all(now);
                if let Some(worker) = self.voice_worker() {
                    self.ops.push(Op::DropVoice(worker));
                }
                self.shut_down = true;
            }
        }
    }

    fn enqueue(&mut self, utterance: Utterance) {
        self.queue.push_back(utterance);
        if self.queue.len() > QUEUE_LIMIT {
            self.queue.pop_front();
            self.log("speech: over 64 utterances queued; the oldest is dropped".into());
        }
    }

    fn change_settings(&mut self, settings: SpeechSettings, now: Instant) {
        let rate_changed = settings.rate != self.settings.rate;
        self.settings = settings;
        for queued in &mut self.queue {
            queued.settings = settings;
        }
        let Some(current) = &mut self.current else {
            return;
        };
        current.utterance.settings = settings;
        if current.backend == Backend::Clip && !rate_changed {
            // Volume follows at once on a playing clip.
            self.ops.push(Op::SetGain(volume_gain(settings.volume)));
        } else if !self.paused {
            // The system voice takes settings per message; a new rate needs
            // another clip: the utterance starts again from its beginning.
            self.requeue_current(now);
        }
    }

    fn stop_all(&mut self, now: Instant) {
        self.queue.clear();
        let clip_sounding = self
            .current
            .as_ref()
            .is_some_and(|c| c.sounding && c.backend == Backend::Clip);
        self.silence_current(now);
        self.current = None;
        if !clip_sounding {
            // (Silencing a clip stopped the player already.)
            self.stop_player(now);
        }
    }

    /// Silences what plays now, keeping it as the current utterance.
    fn silence_current(&mut self, now: Instant) {
        let Some(current) = self.current.as_mut().filter(|c| c.sounding) else {
            return;
        };
        current.sounding = false;
        current.deadline = None;
        let (id, backend) = (current.id, current.backend);
        match backend {
            Backend::Clip => self.stop_player(now),
            Backend::Tts => self.stop_voice(id, now),
        }
        self.trace(TraceOp::AudioStop { id, at: now });
    }

    /// The current utterance goes back to the head of the queue, to be
    /// spoken again from its beginning.
    fn requeue_current(&mut self, now: Instant) {
        self.silence_current(now);
        if let Some(current) = self.current.take() {
            self.queue.push_front(current.utterance);
        }
    }

    // ----- choosing a backend -----

    /// Starts the next utterance when nothing plays, and decodes ahead.
    fn pump(&mut self, now: Instant) {
        if self.current.is_none() && !self.paused {
            self.start_next(now);
        }
        self.decode_ahead();
    }

    fn start_next(&mut self, now: Instant) {
        while let Some(head) = self.queue.front() {
            let (lang, rate, text) = (head.lang.clone(), head.settings.rate, head.text.clone());
            let clip = self.clip_for(&lang, rate, &text);
            let Some(utterance) = (match clip {
                // It starts when its clip is decoded (`decode_ahead` asks).
                ClipChoice::Undecoded(_) => return,
                ClipChoice::Ready(samples) => {
                    if let Some(utterance) = self.queue.pop_front() {
                        self.play_clip(utterance, samples);
                    }
                    return;
                }
                ClipChoice::None => self.queue.pop_front(),
            }) else {
                return;
            };
            self.next_id += 1;
            let id = self.next_id;
            if self.speak_voice(id, &utterance) {
                let chars = utterance.text.chars().count() as u64;
                // Generous: a slow voice reads ~4 characters a second.
                let allowance = Duration::from_millis(3_000 + chars * 400);
                self.trace_speak(id, &utterance, "tts");
                self.current = Some(Current {
                    id,
                    utterance,
                    backend: Backend::Tts,
                    sounding: true,
                    deadline: Some(now + allowance),
                });
                return;
            }
            // Nothing can speak it: silence, and the mark says so.
            self.trace_speak(id, &utterance, "none");
        }
    }

    fn play_clip(&mut self, utterance: Utterance, samples: Arc<[f32]>) {
        self.next_id += 1;
        let id = self.next_id;
        self.ops.push(Op::PlaySpeech {
            id,
            samples,
            gain: volume_gain(utterance.settings.volume),
        });
        self.trace_speak(id, &utterance, "clip");
        self.current = Some(Current {
            id,
            utterance,
            backend: Backend::Clip,
            sounding: true,
            deadline: None,
        });
    }

    /// The clip that speaks this text, if the device is open, the rate one
    /// clips are rendered at, and the flow has one for it.
    fn clip_for(&mut self, lang: &str, rate: Level, text: &str) -> ClipChoice {
        let Device::Open { rate: device_rate } = self.device else {
            return ClipChoice::None;
        };
        if !CLIP_RATES.contains(&rate.get()) {
            return ClipChoice::None;
        }
        let Some(file) = self.clips.find(lang, rate.get(), text) else {
            return ClipChoice::None;
        };
        let key = ClipKey {
            file: file.to_string(),
            rate: device_rate,
        };
        match self.cache.get(&key) {
            Some(Cached::Ready(samples)) => ClipChoice::Ready(samples),
            Some(Cached::Unplayable) => ClipChoice::None,
            None => ClipChoice::Undecoded(key),
        }
    }

    /// Asks for the first clip the queue's head (or the few after it) will
    /// need and the cache lacks, unless a decode is out already.
    fn decode_ahead(&mut self) {
        if self.decoding.is_some() {
            return;
        }
        let wanted: Vec<(String, Level, String)> = self
            .queue
            .iter()
            .take(DECODE_AHEAD)
            .map(|u| (u.lang.clone(), u.settings.rate, u.text.clone()))
            .collect();
        for (lang, rate, text) in wanted {
            if let ClipChoice::Undecoded(key) = self.clip_for(&lang, rate, &text) {
                self.decoding = Some(key.clone());
                self.ops.push(Op::Decode(key));
                return;
            }
        }
    }

    fn decoded(&mut self, key: ClipKey, result: Result<Arc<[f32]>, String>) {
        if self.decoding.as_ref() == Some(&key) {
            self.decoding = None;
        }
        let clip = match result {
            Ok(samples) => Cached::Ready(samples),
            Err(problem) => {
                self.log(format!(
                    "speech: clip {}: {problem}; the system voice speaks it instead",
                    key.file
                ));
                Cached::Unplayable
            }
        };
        self.cache.insert(key, clip);
    }

    // ----- trace, log, status -----

    fn trace(&mut self, op: TraceOp) {
        self.ops.push(Op::Trace(op));
    }

    /// `audio_start` for a sound the machine handed out (a backend's word
    /// about any other id is not the trace's to repeat).
    fn trace_start(&mut self, id: u64, at: Instant) {
        if (1..=self.next_id).contains(&id) {
            self.trace(TraceOp::AudioStart { id, at });
        }
    }

    fn trace_speak(&mut self, id: u64, utterance: &Utterance, backend: &'static str) {
        self.trace(TraceOp::Speak {
            id,
            kind: kind_name(utterance.kind),
            backend,
            lang: utterance.lang.clone(),
            chars: utterance.text.chars().count(),
        });
    }

    fn log(&mut self, line: String) {
        self.ops.push(Op::Log(line));
    }

    /// Reports what can be heard when it changed; not while the device's
    /// open is out (its answer comes next, and says more).
    fn report_status(&mut self) {
        if self.device == Device::Opening {
            return;
        }
        let status = self.status();
        if self.status.as_ref() != Some(&status) {
            self.ops.push(Op::Status(status.clone()));
            self.status = Some(status);
        }
    }

    fn check_deadlines(&mut self, now: Instant) {
        self.check_voice_deadlines(now);
        if self.device == Device::Closed && now >= self.device_retry_at {
            self.open_device(now);
        }
    }
}
