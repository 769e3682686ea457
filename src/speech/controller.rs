//! The speech thread: owns the clip player and the system voice, keeps the
//! queue of utterances, and picks for each one a clip, the system voice or
//! silence (DESIGN section 4). A backend that fails or hangs is marked down
//! and retried later in the background; the UI thread never waits.

use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::clips::{self, ClipLibrary, ClipSearch};
use super::decode::{decode, resample};
use super::earcons::synthesize;
use super::levels::{spd_rate, spd_volume, volume_gain, CLIP_RATES};
use super::player::{Player, PlayerEvent};
use super::tts::{TtsCommand, TtsEvent, TtsLayout, TtsWorker};
use super::{kind_name, SpeechStatus};
use crate::engine::{Level, SpeechSettings, Tone, Utterance};
use crate::trace::Trace;

/// What the UI thread asks of the speech thread.
pub enum Command {
    Speak(Utterance),
    Tone(Tone, Level),
    Stop,
    Pause,
    Resume,
    Settings(SpeechSettings),
    Shutdown,
}

pub enum Msg {
    Command(Command),
    Player(PlayerEvent),
    Tts(u64, TtsEvent),
}

/// How long the system voice may take for each step of its work before it
/// is marked down (the bounds).
const TTS_INIT: Duration = Duration::from_secs(2);
const TTS_STOP: Duration = Duration::from_millis(200);
/// Retry a missing device or a downed system voice this often.
const RETRY: Duration = Duration::from_secs(10);
/// Decoded clips kept in memory (a step's worth and then some).
const CACHE_CLIPS: usize = 48;
/// The clips' own sample rate: the device is opened at it when it can be.
const CLIP_RATE: u32 = 24_000;

pub struct Options {
    pub clips: ClipSearch,
    /// The system voice's layout; `None` when it is turned off.
    pub tts: Option<TtsLayout>,
    pub trace: Trace,
    pub on_status: Box<dyn Fn(SpeechStatus) + Send>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Clip,
    Tts,
}

struct Current {
    id: u64,
    utterance: Utterance,
    backend: Backend,
    /// When the system voice must have finished by, or it is marked down.
    deadline: Option<Instant>,
}

enum TtsState {
    Starting {
        worker: TtsWorker,
        since: Instant,
    },
    Up {
        worker: TtsWorker,
        languages: Vec<String>,
    },
    /// `late`: a worker that missed the start bound; if it connects after
    /// all (a cold daemon on a loaded machine), it is taken up then.
    Down {
        since: Instant,
        late: Option<TtsWorker>,
    },
}

struct Controller {
    rx: Receiver<Msg>,
    tx: Sender<Msg>,
    clips: ClipLibrary,
    tts_layout: Option<TtsLayout>,
    trace: Trace,
    on_status: Box<dyn Fn(SpeechStatus) + Send>,
    player: Option<Player>,
    player_retry: Instant,
    tts: TtsState,
    tts_generation: u64,
    /// Held by every system-voice worker thread still running: one stuck in
    /// a wedged daemon keeps it, and no second worker is started beside it.
    tts_alive: Arc<()>,
    stop_deadline: Option<(u64, Instant)>,
    queue: VecDeque<Utterance>,
    current: Option<Current>,
    paused: bool,
    settings: SpeechSettings,
    next_id: u64,
    cache: HashMap<(String, u32), Arc<[f32]>>,
    cache_order: VecDeque<(String, u32)>,
    tones: HashMap<(Tone, u32), Arc<[f32]>>,
    status: Option<SpeechStatus>,
}

/// Starts the speech thread; returns the sender for its commands.
pub fn spawn(options: Options) -> Sender<Msg> {
    let (tx, rx) = mpsc::channel();
    let thread_tx = tx.clone();
    let spawned = thread::Builder::new().name("speech".into()).spawn(move || {
        let mut controller = Controller::new(rx, thread_tx, options);
        controller.run();
    });
    if spawned.is_err() {
        // No thread: commands go nowhere; the UI shows no voice as the
        // status never turns on.
    }
    tx
}

impl Controller {
    fn new(rx: Receiver<Msg>, tx: Sender<Msg>, options: Options) -> Controller {
        // Found here, off the UI thread: reading a manifest takes a while.
        let (clips, problem) = clips::locate(&options.clips);
        if let Some(problem) = problem {
            crate::log::log(&format!(
                "speech: clips: {problem}; the system voice speaks instead"
            ));
        }
        crate::log::log(&format!(
            "speech: {} clips for flow {}",
            clips.len(),
            options.clips.flow_id
        ));
        let mut controller = Controller {
            rx,
            tx,
            clips,
            tts_layout: options.tts,
            trace: options.trace,
            on_status: options.on_status,
            player: None,
            player_retry: Instant::now(),
            tts: TtsState::Down {
                since: Instant::now() - RETRY,
                late: None,
            },
            tts_generation: 0,
            tts_alive: Arc::new(()),
            stop_deadline: None,
            queue: VecDeque::new(),
            current: None,
            paused: false,
            settings: SpeechSettings::default(),
            next_id: 0,
            cache: HashMap::new(),
            cache_order: VecDeque::new(),
            tones: HashMap::new(),
            status: None,
        };
        controller.open_player();
        if controller.tts_layout.is_some() {
            controller.start_tts();
        }
        controller.report_status();
        controller
    }

    fn run(&mut self) {
        loop {
            let wait = self.next_wake().saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(wait) {
                Ok(Msg::Command(Command::Shutdown)) | Err(RecvTimeoutError::Disconnected) => {
                    self.stop_all();
                    return;
                }
                Ok(Msg::Command(command)) => self.on_command(command),
                Ok(Msg::Player(event)) => self.on_player(event),
                Ok(Msg::Tts(generation, event)) => self.on_tts(generation, event),
                Err(RecvTimeoutError::Timeout) => {}
            }
            self.check_deadlines();
        }
    }

    fn next_wake(&self) -> Instant {
        let mut wake = Instant::now() + RETRY;
        if let Some(deadline) = self.current.as_ref().and_then(|c| c.deadline) {
            wake = wake.min(deadline);
        }
        if let Some((_, deadline)) = self.stop_deadline {
            wake = wake.min(deadline);
        }
        if let TtsState::Starting { since, .. } = &self.tts {
            wake = wake.min(*since + TTS_INIT);
        }
        wake
    }

    // ----- commands -----

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Speak(utterance) => {
                let idle = self.current.is_none() && !self.paused;
                if !idle {
                    // Decode it now, while something else plays, so it
                    // starts without a gap when its turn comes.
                    let _ = self.clip_for(&utterance);
                }
                self.queue.push_back(utterance);
                if idle {
                    self.start_next();
                }
            }
            Command::Tone(tone, volume) => self.play_tone(tone, volume),
            Command::Stop => {
                self.stop_all();
                self.paused = false;
            }
            Command::Pause => {
                self.paused = true;
                self.silence_current();
            }
            Command::Resume => {
                self.paused = false;
                self.restart_current();
            }
            Command::Settings(settings) => self.change_settings(settings),
            Command::Shutdown => {}
        }
    }

    fn change_settings(&mut self, settings: SpeechSettings) {
        let rate_changed = settings.rate != self.settings.rate;
        self.settings = settings;
        for queued in &mut self.queue {
            queued.settings = settings;
        }
        let Some(current) = &mut self.current else {
            return;
        };
        current.utterance.settings = settings;
        let on_clip = current.backend == Backend::Clip;
        if on_clip && !rate_changed {
            // Volume follows at once on a playing clip.
            if let Some(player) = &self.player {
                player.set_gain(volume_gain(settings.volume));
            }
        } else if !self.paused {
            // The system voice takes settings per message; a new rate needs
            // another clip: the utterance starts again from its beginning.
            self.restart_current();
        }
    }

    fn stop_all(&mut self) {
        self.queue.clear();
        self.silence_current();
        self.current = None;
        self.stop_player();
    }

    /// Silences what plays now, keeping it as the current utterance.
    fn silence_current(&mut self) {
        let Some((id, backend)) = self.current.as_ref().map(|c| (c.id, c.backend)) else {
            return;
        };
        match backend {
            Backend::Clip => self.stop_player(),
            Backend::Tts => self.stop_tts(id),
        }
        self.trace.audio_stop(id);
        if let Some(current) = &mut self.current {
            current.deadline = None;
        }
    }

    fn restart_current(&mut self) {
        if let Some(current) = self.current.take() {
            // Stopped now, spoken again from its beginning below.
            match current.backend {
                Backend::Clip => self.stop_player(),
                Backend::Tts => {
                    self.stop_tts(current.id);
                    self.trace.audio_stop(current.id);
                }
            }
            self.queue.push_front(current.utterance);
        }
        if !self.paused {
            self.start_next();
        }
    }

    /// Silences the player; earcons cut short are traced as stopped (the
    /// current speech is traced by its caller).
    fn stop_player(&mut self) {
        let Some(player) = &self.player else {
            return;
        };
        let current = self.current.as_ref().map(|c| c.id);
        for id in player.stop() {
            if Some(id) != current {
                self.trace.audio_stop(id);
            }
        }
    }

    // ----- choosing a backend -----

    fn start_next(&mut self) {
        while let Some(utterance) = self.queue.pop_front() {
            self.next_id += 1;
            let id = self.next_id;
            if let Some(samples) = self.clip_for(&utterance) {
                if let Some(player) = &self.player {
                    player.set_gain(volume_gain(utterance.settings.volume));
                    player.play_speech(id, samples);
                    self.trace_speak(id, &utterance, "clip");
                    self.current = Some(Current {
                        id,
                        utterance,
                        backend: Backend::Clip,
                        deadline: None,
                    });
                    return;
                }
            }
            if self.speak_tts(id, &utterance) {
                let chars = utterance.text.chars().count() as u64;
                // Generous: a slow voice reads ~4 characters a second.
                let allowance = Duration::from_millis(3_000 + chars * 400);
                self.trace_speak(id, &utterance, "tts");
                self.current = Some(Current {
                    id,
                    utterance,
                    backend: Backend::Tts,
                    deadline: Some(Instant::now() + allowance),
                });
                return;
            }
            // Nothing can speak it: silence, and the mark says so.
            self.trace_speak(id, &utterance, "none");
        }
    }

    fn trace_speak(&self, id: u64, utterance: &Utterance, backend: &str) {
        self.trace.speak(
            id,
            kind_name(utterance.kind),
            backend,
            &utterance.lang,
            utterance.text.chars().count(),
        );
    }

    /// The decoded clip for the utterance, at the device's rate.
    fn clip_for(&mut self, utterance: &Utterance) -> Option<Arc<[f32]>> {
        let rate = utterance.settings.rate.get();
        if !CLIP_RATES.contains(&rate) {
            return None;
        }
        let device_rate = self.player.as_ref()?.rate();
        let file = self
            .clips
            .find(&utterance.lang, rate, &utterance.text)?
            .to_string();
        let key = (file.clone(), device_rate);
        if let Some(samples) = self.cache.get(&key) {
            // Least recently used goes first: a step revisited stays warm.
            self.cache_order.retain(|k| *k != key);
            self.cache_order.push_back(key);
            return Some(Arc::clone(samples));
        }
        let bytes = self.clips.read(&file).ok()?.into_owned();
        let pcm = decode(bytes)
            .and_then(|pcm| resample(pcm, device_rate))
            .ok()?;
        let samples: Arc<[f32]> = Arc::from(pcm.samples);
        self.cache.insert(key.clone(), Arc::clone(&samples));
        self.cache_order.push_back(key);
        while self.cache_order.len() > CACHE_CLIPS {
            if let Some(old) = self.cache_order.pop_front() {
                self.cache.remove(&old);
            }
        }
        Some(samples)
    }

    fn play_tone(&mut self, tone: Tone, volume: Level) {
        self.next_id += 1;
        let id = self.next_id;
        let Some(rate) = self.player.as_ref().map(Player::rate) else {
            self.trace.speak(id, "earcon", "none", "", 0);
            return;
        };
        let samples = Arc::clone(
            self.tones
                .entry((tone, rate))
                .or_insert_with(|| Arc::from(synthesize(tone, rate))),
        );
        if let Some(player) = &self.player {
            player.play_tone(id, samples, volume_gain(volume));
            self.trace.speak(id, "earcon", "clip", "", 0);
        }
    }

    // ----- the clip player -----

    fn open_player(&mut self) {
        self.player_retry = Instant::now() + RETRY;
        match Player::open(CLIP_RATE) {
            Ok(mut player) => {
                let forward = self.tx.clone();
                // The callback's events come through a bounded channel; a
                // small thread hands them on so this one can block on one
                // channel for everything.
                let Some(events) = player.take_events() else {
                    return;
                };
                thread::spawn(move || {
                    while let Ok(event) = events.recv() {
                        if forward.send(Msg::Player(event)).is_err() {
                            return;
                        }
                    }
                });
                crate::log::log(&format!(
                    "speech: audio output on {} at {} Hz",
                    player.device_name,
                    player.rate()
                ));
                self.player = Some(player);
            }
            Err(e) => {
                if self.status.as_ref().is_none_or(|s| s.audio_device) {
                    crate::log::log(&format!(
                        "speech: {e}; retrying every {} s",
                        RETRY.as_secs()
                    ));
                }
                self.player = None;
            }
        }
    }

    fn on_player(&mut self, event: PlayerEvent) {
        match event {
            PlayerEvent::Started(id, at) => self.trace.audio_start_at(id, at),
            PlayerEvent::Finished(id, at) => {
                let ours = self.current.as_ref().is_some_and(|c| c.id == id);
                if !ours {
                    // An earcon played to its end.
                    self.trace.audio_stop_at(id, at);
                }
                if ours {
                    self.trace.audio_stop_at(id, at);
                    self.current = None;
                    if !self.paused {
                        self.start_next();
                    }
                }
            }
            PlayerEvent::Broken => {
                crate::log::log("speech: audio output failed; reopening later");
                self.player = None;
                if self
                    .current
                    .as_ref()
                    .is_some_and(|c| c.backend == Backend::Clip)
                {
                    self.restart_current();
                }
                self.report_status();
            }
        }
    }

    // ----- the system voice -----

    fn start_tts(&mut self) {
        let Some(layout) = self.tts_layout else {
            return;
        };
        self.tts_generation += 1;
        let generation = self.tts_generation;
        let (events_tx, events_rx) = mpsc::channel();
        let forward = self.tx.clone();
        thread::spawn(move || {
            while let Ok(event) = events_rx.recv() {
                if forward.send(Msg::Tts(generation, event)).is_err() {
                    return;
                }
            }
        });
        self.tts = TtsState::Starting {
            worker: TtsWorker::spawn(layout, events_tx, Arc::clone(&self.tts_alive)),
            since: Instant::now(),
        };
    }

    fn speak_tts(&mut self, id: u64, utterance: &Utterance) -> bool {
        let TtsState::Up {
            worker, languages, ..
        } = &self.tts
        else {
            return false;
        };
        if !languages.contains(&utterance.lang) {
            return false;
        }
        worker.send(TtsCommand::Speak {
            id,
            text: utterance.text.clone(),
            lang: utterance.lang.clone(),
            rate: spd_rate(utterance.settings.rate),
            volume: spd_volume(utterance.settings.volume),
        })
    }

    fn stop_tts(&mut self, id: u64) {
        if let TtsState::Up { worker, .. } = &self.tts {
            if worker.send(TtsCommand::Stop { ack: id }) {
                self.stop_deadline = Some((id, Instant::now() + TTS_STOP));
            }
        }
    }

    fn on_tts(&mut self, generation: u64, event: TtsEvent) {
        if generation != self.tts_generation {
            return; // a worker given up on
        }
        match event {
            TtsEvent::Ready { languages } => {
                let placeholder = TtsState::Down {
                    since: Instant::now(),
                    late: None,
                };
                match std::mem::replace(&mut self.tts, placeholder) {
                    TtsState::Starting { worker, .. }
                    | TtsState::Down {
                        late: Some(worker), ..
                    } => {
                        crate::log::log(&format!(
                            "speech: system voice ready for {}",
                            languages.join(", ")
                        ));
                        self.tts = TtsState::Up { worker, languages };
                        self.report_status();
                    }
                    other => self.tts = other,
                }
            }
            TtsEvent::Failed(reason) => self.tts_down(&reason),
            TtsEvent::Refused(id, reason) => {
                crate::log::log(&format!(
                    "speech: system voice refused an utterance: {reason}"
                ));
                if self.current.as_ref().is_some_and(|c| c.id == id) {
                    self.current = None;
                    if !self.paused {
                        self.start_next();
                    }
                }
            }
            TtsEvent::Began(id, at) => self.trace.audio_start_at(id, at),
            TtsEvent::Ended(id, at) => {
                if self
                    .current
                    .as_ref()
                    .is_some_and(|c| c.id == id && c.deadline.is_some())
                {
                    self.trace.audio_stop_at(id, at);
                    self.current = None;
                    if !self.paused {
                        self.start_next();
                    }
                }
            }
            TtsEvent::StopAcked(id) => {
                if self.stop_deadline.is_some_and(|(ack, _)| ack == id) {
                    self.stop_deadline = None;
                }
            }
        }
    }

    /// No connection within 2 s: speak without the system voice for now,
    /// but keep the worker: a cold daemon may still answer.
    fn tts_slow_start(&mut self) {
        crate::log::log(
            "speech: system voice down: no connection within 2 s; still waiting for it",
        );
        let placeholder = TtsState::Down {
            since: Instant::now(),
            late: None,
        };
        if let TtsState::Starting { worker, .. } = std::mem::replace(&mut self.tts, placeholder) {
            self.tts = TtsState::Down {
                since: Instant::now(),
                late: Some(worker),
            };
        }
        self.report_status();
    }

    fn tts_down(&mut self, reason: &str) {
        crate::log::log(&format!(
            "speech: system voice down: {reason}; retrying in {} s",
            RETRY.as_secs()
        ));
        // A hung worker is left to itself: its events are ignored by generation.
        self.tts_generation += 1;
        self.tts = TtsState::Down {
            since: Instant::now(),
            late: None,
        };
        self.stop_deadline = None;
        if self
            .current
            .as_ref()
            .is_some_and(|c| c.backend == Backend::Tts)
        {
            // What it was saying goes to the next backend in line.
            self.restart_current();
        }
        self.report_status();
    }

    fn check_deadlines(&mut self) {
        let now = Instant::now();
        if let TtsState::Starting { since, .. } = &self.tts {
            if now >= *since + TTS_INIT {
                self.tts_slow_start();
            }
        }
        if let Some((_, deadline)) = self.stop_deadline {
            if now >= deadline {
                self.tts_down("stop took over 200 ms");
            }
        }
        if let Some(deadline) = self.current.as_ref().and_then(|c| c.deadline) {
            if now >= deadline {
                self.tts_down("no end of utterance in time");
            }
        }
        if let TtsState::Down { since, .. } = &self.tts {
            // A worker still stuck in the daemon would only be joined by the
            // next one: wait for it to come back or end instead.
            let none_running = Arc::strong_count(&self.tts_alive) == 1;
            if self.tts_layout.is_some() && now >= *since + RETRY && none_running {
                self.start_tts();
            }
        }
        if self.player.is_none() && now >= self.player_retry {
            self.open_player();
            self.report_status();
        }
    }

    fn report_status(&mut self) {
        let status = SpeechStatus {
            audio_device: self.player.is_some(),
            system_voice: matches!(self.tts, TtsState::Up { .. }),
            clips: !self.clips.is_empty(),
        };
        if self.status.as_ref() != Some(&status) {
            (self.on_status)(status.clone());
            self.status = Some(status);
        }
    }
}
