//! Fuzzing and soaking the speech machine (`speech::machine`, DESIGN section
//! 4) on a fake clock, through its public API. A fake world stands in for
//! the shell and its backends: it carries out the machine's operations the
//! way the speech thread would (the device's open answered at once, decodes,
//! worker threads, utterances and stops answered later, some never), and
//! checks each operation against what it knows:
//!
//! 1. nothing panics;
//! 2. never two system-voice workers: a worker is started only when every
//!    earlier one's thread has ended;
//! 3. one clip decode out at a time; the player and the voice are only
//!    used while open or up;
//! 4. the trace: `speak` ids strictly increase, `audio_start` and
//!    `audio_stop` only for ids spoken, at most one `audio_stop` each;
//! 5. after every input the next deadline lies ahead of the clock;
//! 6. the queue, the caches and the workers stay within their bounds;
//! 7. every utterance ends or is dropped: after any stream, with the
//!    backends answering, the machine comes to rest with nothing queued and
//!    nothing playing.
//!
//! `arbitrary_streams_keep_every_property` feeds arbitrary commands, clock
//! moves, backend events in any order and stale or stray events; the soak
//! runs 90 days of customers at the counter with faults (devices pulled
//! out, daemons that crash, hang on a stop or start late) in seconds.
//! `PROPTEST_CASES` sets the case count for a long run (`scripts/fuzz`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use counter_kiosk::engine::{Level, SpeechKind, SpeechSettings, Tone, Utterance};
use counter_kiosk::speech::clip_cache::ClipKey;
use counter_kiosk::speech::clips::{clip_hash, ClipEntry, ClipLibrary, Manifest};
use counter_kiosk::speech::machine::{
    Command, Input, Op, SpeechMachine, TraceOp, WorkerId, CACHE_CLIPS, QUEUE_LIMIT,
};
use counter_kiosk::speech::player::PlayerEvent;
use counter_kiosk::speech::voice_worker::{TtsCommand, TtsEvent};
use proptest::prelude::*;

/// Texts with clips at rates 3 and 2, and texts with none.
const CLIPPED: [(&str, &str); 4] = [
    ("ja", "はい"),
    ("ja", "つぎへ すすみます"),
    ("en", "Yes"),
    ("en", "Next step"),
];
const UNCLIPPED: [(&str, &str); 3] = [("ja", "クリップなし"), ("en", "No clip"), ("fr", "Oui")];
const DEVICE_RATES: [u32; 3] = [24_000, 44_100, 48_000];
/// Earcons: every tone at every level is 6 + 5 + 5.
const TONE_KINDS: usize = 16;

fn library() -> ClipLibrary {
    let voice = "fuzz";
    let mut clips = Vec::new();
    for (lang, text) in CLIPPED {
        for rate in [3u8, 2] {
            let hash = clip_hash(lang, voice, rate, text);
            clips.push(ClipEntry {
                id: format!("steps.{hash}"),
                lang: lang.into(),
                rate,
                voice: voice.into(),
                text: text.into(),
                file: format!("{lang}/r{rate}/{hash}.ogg"),
                hash,
            });
        }
    }
    ClipLibrary::index_only(Manifest {
        format: 1,
        flow: "fuzz".into(),
        clips,
    })
}

/// A small deterministic generator (xorshift64*), for the world's choices.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// 0..n
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True one time in `n`.
    fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
    fn ms(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.below(hi - lo + 1))
    }
}

// ----- the fake world -----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WorkerState {
    Starting,
    Up,
    /// Asked to end (its handle dropped).
    Dropped,
}

/// Something a backend will report.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
    ClipStarted(u64),
    ClipFinished(u64),
    ToneFinished(u64),
    Decoded(ClipKey, bool),
    /// A starting worker connects (or fails to).
    Answer(WorkerId, bool),
    Began(WorkerId, u64),
    Ended(WorkerId, u64),
    Refused(WorkerId, u64),
    Acked(WorkerId, u64),
    /// The daemon dies under a worker that is up.
    Crash(WorkerId),
    /// The worker's thread ends.
    Exit(WorkerId),
}

impl Pending {
    fn worker(&self) -> Option<WorkerId> {
        match self {
            Pending::Answer(w, _)
            | Pending::Began(w, _)
            | Pending::Ended(w, _)
            | Pending::Refused(w, _)
            | Pending::Acked(w, _)
            | Pending::Crash(w)
            | Pending::Exit(w) => Some(*w),
            Pending::ClipStarted(_)
            | Pending::ClipFinished(_)
            | Pending::ToneFinished(_)
            | Pending::Decoded(..) => None,
        }
    }
}

/// How unreliable the world's backends are, one chance in `n` each.
struct Faults {
    decode_fails: u64,
    start_fails: u64,
    start_late: u64,
    start_hangs: u64,
    no_end: u64,
    refused: u64,
    stop_hangs: u64,
    exit_hangs: u64,
}

const FUZZ_FAULTS: Faults = Faults {
    decode_fails: 8,
    start_fails: 6,
    start_late: 4,
    start_hangs: 10,
    no_end: 10,
    refused: 12,
    stop_hangs: 8,
    exit_hangs: 6,
};

/// The counter's machine: faults now and then, not all the time.
const SOAK_FAULTS: Faults = Faults {
    decode_fails: 5_000,
    start_fails: 50,
    start_late: 20,
    start_hangs: 200,
    no_end: 2_000,
    refused: 5_000,
    stop_hangs: 3_000,
    exit_hangs: 10,
};

struct World {
    machine: SpeechMachine,
    t0: Instant,
    now: Instant,
    rng: Rng,
    faults: Faults,
    device_present: bool,
    device_open: bool,
    clip: Option<u64>,
    tone: Option<u64>,
    decoding: Option<ClipKey>,
    /// Worker threads that have not ended.
    workers: BTreeMap<WorkerId, WorkerState>,
    /// Every worker ever started.
    started: BTreeSet<WorkerId>,
    pending: Vec<(Instant, Pending)>,
    last_speak: u64,
    /// Ids traced `audio_stop` (recent ones; older ids are never reused).
    stopped: BTreeSet<u64>,
    samples: Arc<[f32]>,
    inputs: u64,
    logs: u64,
    /// `speak` lines by backend.
    backends: BTreeMap<&'static str, u64>,
}

impl World {
    fn new(seed: u64, faults: Faults, voice: bool) -> World {
        let t0 = Instant::now();
        let (machine, ops) = SpeechMachine::new(library(), voice, t0);
        let mut world = World {
            machine,
            t0,
            now: t0,
            rng: Rng::new(seed),
            faults,
            device_present: true,
            device_open: false,
            clip: None,
            tone: None,
            decoding: None,
            workers: BTreeMap::new(),
            started: BTreeSet::new(),
            pending: Vec::new(),
            last_speak: 0,
            stopped: BTreeSet::new(),
            samples: Arc::from(vec![0.1f32; 8]),
            inputs: 0,
            logs: 0,
            backends: BTreeMap::new(),
        };
        for answer in world.perform(ops) {
            world.feed(answer);
        }
        world
    }

    /// Hands the input to the machine at the world's clock, checks the
    /// machine after it and carries out its operations.
    fn feed(&mut self, input: Input) {
        let mut inputs = vec![input];
        while let Some(input) = inputs.pop() {
            self.inputs += 1;
            let ops = self.machine.handle(input, self.now);
            self.check_machine();
            inputs.extend(self.perform(ops));
        }
    }

    fn check_machine(&self) {
        if let Some(deadline) = self.machine.next_deadline() {
            assert!(deadline > self.now, "a deadline at or before the clock");
        }
        let f = self.machine.footprint();
        assert!(f.queued <= QUEUE_LIMIT, "{f:?}");
        assert!(f.cached_clips <= CACHE_CLIPS, "{f:?}");
        assert!(f.cached_tones <= TONE_KINDS, "{f:?}");
        assert!(f.live_workers <= 1, "{f:?}");
    }

    fn after(&mut self, lo: u64, hi: u64) -> Instant {
        self.now + self.rng.ms(lo, hi)
    }

    fn schedule(&mut self, at: Instant, what: Pending) {
        self.pending.push((at, what));
    }

    fn unschedule(&mut self, keep: impl Fn(&Pending) -> bool) {
        self.pending.retain(|(_, p)| keep(p));
    }

    /// Carries out the machine's operations, checking each; returns the
    /// answers due at once.
    fn perform(&mut self, ops: Vec<Op>) -> Vec<Input> {
        let mut answers = Vec::new();
        for op in ops {
            match op {
                Op::OpenDevice { .. } => {
                    assert!(!self.device_open, "opened twice");
                    answers.push(if self.device_present {
                        self.device_open = true;
                        let rate = DEVICE_RATES[self.rng.below(3) as usize];
                        Input::DeviceOpened {
                            rate,
                            name: "fake".into(),
                        }
                    } else {
                        Input::DeviceFailed("audio output: no device".into())
                    });
                }
                Op::CloseDevice => {
                    self.device_open = false;
                    self.silence_player(false);
                }
                Op::PlaySpeech { id, .. } => {
                    assert!(self.device_open, "a clip played with no device");
                    if let Some(old) = self.clip.replace(id) {
                        self.unschedule(|p| !matches!(p, Pending::ClipFinished(i) | Pending::ClipStarted(i) if *i == old));
                    }
                    let start = self.after(1, 10);
                    let end = self.after(300, 4_000);
                    self.schedule(start, Pending::ClipStarted(id));
                    self.schedule(end, Pending::ClipFinished(id));
                }
                Op::PlayTone { id, .. } => {
                    assert!(self.device_open, "an earcon played with no device");
                    if let Some(old) = self.tone.replace(id) {
                        self.unschedule(|p| *p != Pending::ToneFinished(old));
                    }
                    let end = self.after(60, 400);
                    self.schedule(end, Pending::ToneFinished(id));
                }
                Op::SetGain(_) => assert!(self.device_open, "gain with no device"),
                Op::StopPlayer => {
                    assert!(self.device_open, "stopped with no device");
                    // An end may already be on its way (raced with the stop).
                    let raced = self.rng.one_in(8);
                    self.silence_player(raced);
                }
                Op::Decode(key) => {
                    assert!(self.decoding.is_none(), "two decodes out at once");
                    self.decoding = Some(key.clone());
                    let ok = !self.rng.one_in(self.faults.decode_fails);
                    let at = self.after(2, 40);
                    self.schedule(at, Pending::Decoded(key, ok));
                }
                Op::StartVoice(worker) => {
                    assert!(
                        self.workers.is_empty(),
                        "{worker:?} started beside {:?}",
                        self.workers
                    );
                    assert!(self.started.insert(worker), "{worker:?} started twice");
                    self.workers.insert(worker, WorkerState::Starting);
                    self.schedule_start(worker);
                }
                Op::DropVoice(worker) => {
                    if let Some(state) = self.workers.get_mut(&worker) {
                        *state = WorkerState::Dropped;
                        let hangs = self.rng.one_in(self.faults.exit_hangs);
                        let at = if hangs {
                            self.after(60_000, 3_600_000)
                        } else {
                            self.after(1, 20)
                        };
                        self.schedule_exit(worker, at);
                    }
                }
                Op::ToVoice(worker, command) => {
                    assert_eq!(
                        self.workers.get(&worker),
                        Some(&WorkerState::Up),
                        "{command:?} to a worker not up"
                    );
                    self.voice_command(worker, command);
                }
                Op::Trace(op) => self.check_trace(op),
                Op::Log(_) => self.logs += 1,
                Op::Status(_) => {}
            }
        }
        answers
    }

    fn silence_player(&mut self, raced: bool) {
        let (clip, tone) = (self.clip.take(), self.tone.take());
        if !raced {
            self.unschedule(|p| match p {
                Pending::ClipStarted(i) | Pending::ClipFinished(i) => Some(*i) != clip,
                Pending::ToneFinished(i) => Some(*i) != tone,
                _ => true,
            });
        }
    }

    fn schedule_start(&mut self, worker: WorkerId) {
        if self.rng.one_in(self.faults.start_hangs) {
            // Stuck in the daemon for an hour, then answers.
            let at = self.after(600_000, 3_600_000);
            self.schedule(at, Pending::Answer(worker, true));
            return;
        }
        let ok = !self.rng.one_in(self.faults.start_fails);
        let at = if self.rng.one_in(self.faults.start_late) {
            self.after(2_000, 6_000)
        } else {
            self.after(100, 1_900)
        };
        self.schedule(at, Pending::Answer(worker, ok));
    }

    fn schedule_exit(&mut self, worker: WorkerId, at: Instant) {
        if !self
            .pending
            .iter()
            .any(|(_, p)| *p == Pending::Exit(worker))
        {
            self.schedule(at, Pending::Exit(worker));
        }
    }

    fn voice_command(&mut self, worker: WorkerId, command: TtsCommand) {
        match command {
            TtsCommand::Speak { id, text, .. } => {
                if self.rng.one_in(self.faults.refused) {
                    let at = self.after(1, 10);
                    self.schedule(at, Pending::Refused(worker, id));
                    return;
                }
                let began = self.after(10, 400);
                self.schedule(began, Pending::Began(worker, id));
                if !self.rng.one_in(self.faults.no_end) {
                    let chars = text.chars().count() as u64;
                    let end = self.after(200 + chars * 50, 400 + chars * 120);
                    self.schedule(end, Pending::Ended(worker, id));
                }
            }
            TtsCommand::Stop { ack } => {
                if self.rng.one_in(self.faults.stop_hangs) {
                    return;
                }
                // The cancel ends what it was saying, then the ack.
                let cancelled = self.after(5, 60);
                for (at, p) in &mut self.pending {
                    if matches!(p, Pending::Ended(w, _) if *w == worker) {
                        *at = (*at).min(cancelled);
                    }
                }
                let at = self.after(10, 80);
                self.schedule(at, Pending::Acked(worker, ack));
            }
        }
    }

    fn check_trace(&mut self, op: TraceOp) {
        match op {
            TraceOp::Speak { id, backend, .. } => {
                *self.backends.entry(backend).or_insert(0) += 1;
                assert!(id > self.last_speak, "speak {id} after {}", self.last_speak);
                self.last_speak = id;
            }
            TraceOp::AudioStart { id, .. } => {
                assert!(id <= self.last_speak, "audio_start of {id}, never spoken");
            }
            TraceOp::AudioStop { id, .. } => {
                assert!(id <= self.last_speak, "audio_stop of {id}, never spoken");
                assert!(self.stopped.insert(id), "two audio_stops for {id}");
                // Ids only grow: old ones need no remembering.
                while self.stopped.len() > 4_096 {
                    self.stopped.pop_first();
                }
            }
        }
    }

    /// Delivers the `index`th pending event (whatever its time).
    fn deliver(&mut self, index: usize) {
        let (_, what) = self.pending.remove(index);
        if let Some(input) = self.input_for(what) {
            self.feed(input);
        }
    }

    fn input_for(&mut self, what: Pending) -> Option<Input> {
        let now = self.now;
        let input = match what {
            Pending::ClipStarted(id) => Input::Player(PlayerEvent::Started(id, now)),
            Pending::ClipFinished(id) => {
                if self.clip == Some(id) {
                    self.clip = None;
                }
                Input::Player(PlayerEvent::Finished(id, now))
            }
            Pending::ToneFinished(id) => {
                if self.tone == Some(id) {
                    self.tone = None;
                }
                Input::Player(PlayerEvent::Finished(id, now))
            }
            Pending::Decoded(key, ok) => {
                if self.decoding.as_ref() == Some(&key) {
                    self.decoding = None;
                }
                let result = if ok {
                    Ok(Arc::clone(&self.samples))
                } else {
                    Err("bad ogg".into())
                };
                Input::Decoded(key, result)
            }
            Pending::Answer(worker, ok) => {
                let state = self.workers.get_mut(&worker)?;
                if ok {
                    if *state == WorkerState::Starting {
                        *state = WorkerState::Up;
                    }
                    Input::Voice(
                        worker,
                        TtsEvent::Ready {
                            languages: vec!["en".into(), "ja".into()],
                        },
                    )
                } else {
                    let at = self.after(1, 5);
                    self.schedule_exit(worker, at);
                    Input::Voice(worker, TtsEvent::Failed("speech-dispatcher: no".into()))
                }
            }
            Pending::Began(w, id) => Input::Voice(w, TtsEvent::Began(id, now)),
            Pending::Ended(w, id) => Input::Voice(w, TtsEvent::Ended(id, now)),
            Pending::Refused(w, id) => Input::Voice(w, TtsEvent::Refused(id, "no".into())),
            Pending::Acked(w, id) => Input::Voice(w, TtsEvent::StopAcked(id)),
            Pending::Crash(worker) => {
                if self.workers.get(&worker) != Some(&WorkerState::Up) {
                    return None;
                }
                let at = self.after(1, 5);
                self.schedule_exit(worker, at);
                Input::Voice(worker, TtsEvent::Failed("connection lost".into()))
            }
            Pending::Exit(worker) => {
                self.workers.remove(&worker);
                // Nothing comes from a thread that has ended.
                self.unschedule(|p| p.worker() != Some(worker));
                Input::VoiceExited(worker)
            }
        };
        Some(input)
    }

    /// Moves the clock to `at` and wakes the machine.
    fn tick_at(&mut self, at: Instant) {
        if at > self.now {
            self.now = at;
        }
        self.feed(Input::Tick);
    }

    /// Runs the world in time order until `until`: each backend event at
    /// its time, the machine woken at its deadlines.
    fn run_until(&mut self, until: Instant) {
        loop {
            let event = self
                .pending
                .iter()
                .enumerate()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(i, (at, _))| (i, *at));
            let deadline = self.machine.next_deadline();
            let next = [event.map(|(_, at)| at), deadline]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(at) if at <= until => {
                    self.now = self.now.max(at);
                    match event {
                        Some((i, e_at)) if e_at <= deadline.unwrap_or(e_at) => self.deliver(i),
                        _ => self.tick_at(at),
                    }
                }
                _ => break,
            }
        }
        self.now = self.now.max(until);
    }

    /// Every utterance ends or is dropped: with pauses lifted and the
    /// device there, the world answers everything in time order; the
    /// machine must come to rest within a day of the clock.
    fn drain(&mut self) {
        self.device_present = true;
        if self.machine.is_paused() {
            self.feed(Input::Command(Command::Resume));
        }
        let limit = self.now + Duration::from_secs(86_400);
        while !self.machine.is_idle() {
            assert!(
                self.now < limit,
                "the machine never came to rest; pending {:?}",
                self.pending
            );
            self.run_until(self.now + Duration::from_secs(600));
        }
    }
}

fn utterance(text_ix: usize, kind_ix: usize, settings: SpeechSettings) -> Utterance {
    let all: Vec<(&str, &str)> = CLIPPED.iter().chain(UNCLIPPED.iter()).copied().collect();
    let (lang, text) = all[text_ix % all.len()];
    let kinds = [
        SpeechKind::Step,
        SpeechKind::Prompt,
        SpeechKind::Echo,
        SpeechKind::Idle,
        SpeechKind::Guide,
    ];
    Utterance {
        text: text.into(),
        lang: lang.into(),
        kind: kinds[kind_ix % kinds.len()],
        settings,
    }
}

fn tone(ix: u8) -> Tone {
    let level = Level::new(ix % 5 + 1);
    match ix % 8 {
        0 => Tone::Yes,
        1 => Tone::No,
        2 => Tone::Continue,
        3 => Tone::Invalid,
        4 => Tone::IdleWarning,
        5 => Tone::StaffCall,
        6 => Tone::Rate(level),
        _ => Tone::Volume(level),
    }
}

// ----- arbitrary streams -----

#[derive(Debug, Clone)]
enum Action {
    Speak {
        text: usize,
        kind: usize,
        rate: u8,
    },
    Tone(u8, u8),
    Stop,
    Pause,
    Resume,
    Settings(u8, u8),
    /// Moves the clock on (ms) and wakes the machine.
    Advance(u16),
    /// Moves the clock to the machine's deadline.
    ToDeadline,
    /// One of the backends' pending events, in any order.
    Backend(usize),
    /// The device goes away (a stream failure) or comes back.
    DeviceGone,
    DeviceBack,
    /// A worker that is up loses its daemon.
    Crash,
    /// Stale or stray events: for workers that ended or were given up on,
    /// for ids not playing, for clips not asked for.
    StrayVoice(u8, u8, u8),
    StrayPlayer(u8, bool),
    StrayDecoded(u8, bool),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        6 => (0..7usize, 0..5usize, 1..=5u8)
            .prop_map(|(text, kind, rate)| Action::Speak { text, kind, rate }),
        2 => (any::<u8>(), 1..=5u8).prop_map(|(t, v)| Action::Tone(t, v)),
        2 => Just(Action::Stop),
        1 => Just(Action::Pause),
        1 => Just(Action::Resume),
        1 => (1..=5u8, 1..=5u8).prop_map(|(r, v)| Action::Settings(r, v)),
        3 => (0..6_000u16).prop_map(Action::Advance),
        2 => Just(Action::ToDeadline),
        8 => any::<usize>().prop_map(Action::Backend),
        1 => Just(Action::DeviceGone),
        1 => Just(Action::DeviceBack),
        1 => Just(Action::Crash),
        1 => (any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(w, e, id)| Action::StrayVoice(w, e, id)),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(id, f)| Action::StrayPlayer(id, f)),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(k, ok)| Action::StrayDecoded(k, ok)),
    ]
}

impl World {
    fn act(&mut self, action: Action) {
        let settings = |rate: u8, volume: u8| SpeechSettings {
            rate: Level::new(rate),
            volume: Level::new(volume),
        };
        let command = |c| Input::Command(c);
        match action {
            Action::Speak { text, kind, rate } => {
                let u = utterance(text, kind, settings(rate, 3));
                self.feed(command(Command::Speak(u)));
            }
            Action::Tone(t, v) => self.feed(command(Command::Tone(tone(t), Level::new(v)))),
            Action::Stop => self.feed(command(Command::Stop)),
            Action::Pause => self.feed(command(Command::Pause)),
            Action::Resume => self.feed(command(Command::Resume)),
            Action::Settings(r, v) => self.feed(command(Command::Settings(settings(r, v)))),
            Action::Advance(ms) => {
                let at = self.now + Duration::from_millis(u64::from(ms));
                self.tick_at(at);
            }
            Action::ToDeadline => {
                if let Some(at) = self.machine.next_deadline() {
                    self.tick_at(at);
                }
            }
            Action::Backend(i) => {
                if !self.pending.is_empty() {
                    let index = i % self.pending.len();
                    self.deliver(index);
                }
            }
            Action::DeviceGone => {
                self.device_present = false;
                if self.device_open {
                    self.feed(Input::Player(PlayerEvent::Broken));
                }
            }
            Action::DeviceBack => self.device_present = true,
            Action::Crash => {
                let up = self
                    .workers
                    .iter()
                    .find(|(_, s)| **s == WorkerState::Up)
                    .map(|(w, _)| *w);
                if let Some(worker) = up {
                    let at = self.now;
                    self.schedule(at, Pending::Crash(worker));
                }
            }
            Action::StrayVoice(w, e, id) => {
                // Only a worker the machine has no business with: ended,
                // given up on, or never started.
                let worker = WorkerId(u64::from(w % 8));
                let stale = match self.workers.get(&worker) {
                    Some(state) => *state == WorkerState::Dropped,
                    None => true,
                };
                if !stale {
                    return;
                }
                let id = u64::from(id);
                let now = self.now;
                let event = match e % 6 {
                    0 => TtsEvent::Ready {
                        languages: vec!["en".into()],
                    },
                    1 => TtsEvent::Failed("stray".into()),
                    2 => TtsEvent::Refused(id, "stray".into()),
                    3 => TtsEvent::Began(id, now),
                    4 => TtsEvent::Ended(id, now),
                    _ => TtsEvent::StopAcked(id),
                };
                if e % 7 == 6 && !self.workers.contains_key(&worker) {
                    self.feed(Input::VoiceExited(worker));
                } else {
                    self.feed(Input::Voice(worker, event));
                }
            }
            Action::StrayPlayer(id, finished) => {
                let id = u64::from(id);
                if self.clip == Some(id) || self.tone == Some(id) {
                    return;
                }
                let now = self.now;
                self.feed(Input::Player(if finished {
                    PlayerEvent::Finished(id, now)
                } else {
                    PlayerEvent::Started(id, now)
                }));
            }
            Action::StrayDecoded(k, ok) => {
                let key = ClipKey {
                    file: format!("stray/{k}.ogg"),
                    rate: DEVICE_RATES[usize::from(k) % 3],
                };
                let result = if ok {
                    Ok(Arc::clone(&self.samples))
                } else {
                    Err("stray".into())
                };
                self.feed(Input::Decoded(key, result));
            }
        }
    }
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(256),
        failure_persistence: None,
        max_shrink_iters: 4_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_streams_keep_every_property(
        seed in any::<u64>(),
        voice in any::<bool>(),
        actions in proptest::collection::vec(action(), 0..300),
    ) {
        let mut world = World::new(seed, FUZZ_FAULTS, voice);
        for action in actions {
            world.act(action);
        }
        world.drain();
        // And a shutdown ends everything.
        world.feed(Input::Command(Command::Shutdown));
        prop_assert!(world.machine.is_shut_down());
        prop_assert_eq!(world.machine.next_deadline(), None);
        let ops = world.machine.handle(Input::Tick, world.now);
        prop_assert!(ops.is_empty());
    }
}

// ----- the soak -----

/// A key at the counter, as the engine turns it into speech.
fn press(world: &mut World, rng: &mut Rng, rate: &mut u8, paused: &mut bool) {
    let feed = |world: &mut World, c: Command| world.feed(Input::Command(c));
    let settings = |rate: u8| SpeechSettings {
        rate: Level::new(rate),
        volume: Level::MID,
    };
    let speak_step = |world: &mut World, rng: &mut Rng, rate: u8| {
        for _ in 0..=rng.below(3) {
            let u = utterance(rng.below(7) as usize, 0, settings(rate));
            world.feed(Input::Command(Command::Speak(u)));
        }
        let prompt = utterance(rng.below(7) as usize, 1, settings(rate));
        world.feed(Input::Command(Command::Speak(prompt)));
    };
    match rng.below(100) {
        0..=69 => {
            feed(world, Command::Stop);
            feed(world, Command::Tone(tone(rng.below(2) as u8), Level::MID));
            let echo = utterance(rng.below(4) as usize, 2, settings(*rate));
            feed(world, Command::Speak(echo));
            speak_step(world, rng, *rate);
            *paused = false;
        }
        70..=77 => {
            feed(world, Command::Stop);
            speak_step(world, rng, *rate);
            *paused = false;
        }
        78..=82 => {
            feed(
                world,
                if *paused {
                    Command::Resume
                } else {
                    Command::Pause
                },
            );
            *paused = !*paused;
        }
        83..=87 => {
            *rate = if *rate == 3 {
                2
            } else {
                3 + rng.below(3) as u8
            };
            feed(world, Command::Settings(settings(*rate)));
            feed(
                world,
                Command::Tone(Tone::Rate(Level::new(*rate)), Level::MID),
            );
        }
        _ => {
            feed(world, Command::Stop);
            let guide = utterance(rng.below(7) as usize, 4, settings(*rate));
            feed(world, Command::Speak(guide));
            *paused = false;
        }
    }
}

/// 90 days at the counter on a fake clock: customers from 9 to 19 every
/// few minutes, each pressing keys seconds apart; now and then the device
/// is pulled out for minutes and the daemon under the voice dies. Memory
/// and queues stay flat; the machine is at rest at every closing time.
#[test]
fn ninety_days_at_the_counter_stay_bounded() {
    const DAY: Duration = Duration::from_secs(86_400);
    let mut world = World::new(0x5eed_cafe, SOAK_FAULTS, true);
    let mut rng = Rng::new(0xc0ffee);
    let mut visits = 0u64;
    let mut workers_started = 0;
    for day in 0..90u32 {
        let morning = world.t0 + DAY * day + Duration::from_secs(9 * 3_600);
        let closing = morning + Duration::from_secs(10 * 3_600);
        world.run_until(morning);
        let mut at = morning;
        while at < closing {
            at += rng.ms(60_000, 40 * 60_000);
            world.run_until(at);
            // A fault now and then, between customers.
            if rng.one_in(40) {
                world.device_present = false;
                if world.device_open {
                    world.feed(Input::Player(PlayerEvent::Broken));
                }
            } else if !world.device_present && rng.one_in(3) {
                world.device_present = true;
            }
            if rng.one_in(30) {
                world.act(Action::Crash);
            }
            let (mut rate, mut paused) = (3u8, false);
            for _ in 0..4 + rng.below(11) {
                press(&mut world, &mut rng, &mut rate, &mut paused);
                at += rng.ms(1_500, 25_000);
                world.run_until(at);
            }
            // The next customer starts afresh.
            world.feed(Input::Command(Command::Stop));
            world.feed(Input::Command(Command::Settings(SpeechSettings::default())));
            visits += 1;
        }
        world.device_present = true;
        world.run_until(closing + Duration::from_secs(3_600));
        assert!(
            world.machine.is_idle(),
            "day {day}: still speaking an hour after closing"
        );
        assert!(world.pending.len() < 64, "day {day}: {:?}", world.pending);
        workers_started = world.started.len();
    }
    world.drain();
    let f = world.machine.footprint();
    eprintln!(
        "MEASURED soak: 90 days, {visits} visits, {} inputs, speak lines by backend {:?}, {} \
         log lines, {workers_started} workers started, footprint at the end {f:?}",
        world.inputs, world.backends, world.logs
    );
    assert!(
        world.backends.get("clip").copied().unwrap_or(0) > world.backends.values().sum::<u64>() / 2,
        "most utterances from clips: {:?}",
        world.backends
    );
    assert!(visits > 90 * 10, "{visits} visits");
    // Logs: the faults' few lines, not a line per utterance.
    assert!(world.logs < 90 * 200, "{} log lines", world.logs);
    assert!(f.queued == 0 && f.live_workers <= 1);
}
