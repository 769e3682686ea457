//! The speech machine on a fake clock: every path of DESIGN section 4 in
//! microseconds, with synthetic `Instant`s and the backends' answers fed in
//! by hand. After every input the machine's deadline must lie ahead of the
//! clock (checked by `Rig::input`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::clip_cache::ClipKey;
use super::clips::{clip_hash, ClipEntry, ClipLibrary, Manifest};
use super::levels::{spd_volume, volume_gain};
use super::machine::{
    Command, Input, Op, SpeechMachine, TraceOp, WorkerId, CACHE_CLIPS, CLIP_RATE, QUEUE_LIMIT,
    RETRY,
};
use super::player::PlayerEvent;
use super::status::SpeechStatus;
use super::voice_worker::{TtsCommand, TtsEvent};
use crate::engine::{Level, SpeechKind, SpeechSettings, Tone, Utterance};

const W1: WorkerId = WorkerId(1);
const W2: WorkerId = WorkerId(2);
const DEVICE_RATE: u32 = 48_000;

fn file(lang: &str, rate: u8, text: &str) -> String {
    format!("{lang}/r{rate}/{text}.ogg")
}

fn library(clips: &[(&str, u8, &str)]) -> ClipLibrary {
    let voice = "test-voice";
    let clips = clips
        .iter()
        .map(|(lang, rate, text)| ClipEntry {
            id: format!("steps.{text}"),
            lang: lang.to_string(),
            rate: *rate,
            voice: voice.into(),
            text: text.to_string(),
            hash: clip_hash(lang, voice, *rate, text),
            file: file(lang, *rate, text),
        })
        .collect();
    ClipLibrary::index_only(Manifest {
        format: 1,
        flow: "test".into(),
        clips,
    })
}

fn key(lang: &str, rate: u8, text: &str) -> ClipKey {
    ClipKey {
        file: file(lang, rate, text),
        rate: DEVICE_RATE,
    }
}

fn samples() -> Arc<[f32]> {
    Arc::from(vec![0.25f32; 4])
}

fn utt(text: &str, lang: &str) -> Utterance {
    Utterance {
        text: text.into(),
        lang: lang.into(),
        kind: SpeechKind::Step,
        settings: SpeechSettings::default(),
    }
}

fn speak(text: &str, lang: &str) -> Input {
    Input::Command(Command::Speak(utt(text, lang)))
}

fn cmd(command: Command) -> Input {
    Input::Command(command)
}

/// The `speak` trace lines: (id, backend).
fn speaks(ops: &[Op]) -> Vec<(u64, &'static str)> {
    ops.iter()
        .filter_map(|op| match op {
            Op::Trace(TraceOp::Speak { id, backend, .. }) => Some((*id, *backend)),
            _ => None,
        })
        .collect()
}

/// The ids traced `audio_stop`.
fn stops(ops: &[Op]) -> Vec<u64> {
    ops.iter()
        .filter_map(|op| match op {
            Op::Trace(TraceOp::AudioStop { id, .. }) => Some(*id),
            _ => None,
        })
        .collect()
}

fn logs(ops: &[Op]) -> Vec<&str> {
    ops.iter()
        .filter_map(|op| match op {
            Op::Log(line) => Some(line.as_str()),
            _ => None,
        })
        .collect()
}

fn logged(ops: &[Op], needle: &str) -> bool {
    logs(ops).iter().any(|l| l.contains(needle))
}

fn statuses(ops: &[Op]) -> Vec<SpeechStatus> {
    ops.iter()
        .filter_map(|op| match op {
            Op::Status(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

fn voice_commands(ops: &[Op]) -> Vec<(WorkerId, TtsCommand)> {
    ops.iter()
        .filter_map(|op| match op {
            Op::ToVoice(w, c) => Some((*w, c.clone())),
            _ => None,
        })
        .collect()
}

fn played(ops: &[Op]) -> Vec<u64> {
    ops.iter()
        .filter_map(|op| match op {
            Op::PlaySpeech { id, .. } => Some(*id),
            _ => None,
        })
        .collect()
}

fn decodes(ops: &[Op]) -> Vec<ClipKey> {
    ops.iter()
        .filter_map(|op| match op {
            Op::Decode(key) => Some(key.clone()),
            _ => None,
        })
        .collect()
}

fn started_workers(ops: &[Op]) -> Vec<WorkerId> {
    ops.iter()
        .filter_map(|op| match op {
            Op::StartVoice(w) => Some(*w),
            _ => None,
        })
        .collect()
}

/// A machine on a fake clock.
struct Rig {
    machine: SpeechMachine,
    t0: Instant,
    now: Instant,
}

impl Rig {
    fn new(voice: bool, clips: &[(&str, u8, &str)]) -> (Rig, Vec<Op>) {
        let t0 = Instant::now();
        let (machine, ops) = SpeechMachine::new(library(clips), voice, t0);
        (
            Rig {
                machine,
                t0,
                now: t0,
            },
            ops,
        )
    }

    /// The device open at 48 kHz and, with the voice on, worker 1 up for
    /// ja and en.
    fn ready(voice: bool, clips: &[(&str, u8, &str)]) -> Rig {
        let (mut rig, _) = Rig::new(voice, clips);
        rig.open_device();
        if voice {
            rig.input(Input::Voice(
                W1,
                TtsEvent::Ready {
                    languages: vec!["en".into(), "ja".into()],
                },
            ));
        }
        rig
    }

    fn open_device(&mut self) -> Vec<Op> {
        self.input(Input::DeviceOpened {
            rate: DEVICE_RATE,
            name: "test".into(),
        })
    }

    fn at_ms(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }

    /// Moves the clock to `ms` after the start (never back).
    fn set_ms(&mut self, ms: u64) -> &mut Rig {
        let at = self.at_ms(ms);
        assert!(at >= self.now, "the fake clock only goes forward");
        self.now = at;
        self
    }

    fn input(&mut self, input: Input) -> Vec<Op> {
        let ops = self.machine.handle(input, self.now);
        if let Some(deadline) = self.machine.next_deadline() {
            assert!(deadline > self.now, "a deadline at or before now: {ops:?}");
        }
        assert!(self.machine.footprint().live_workers <= 1);
        ops
    }

    fn tick_ms(&mut self, ms: u64) -> Vec<Op> {
        self.set_ms(ms);
        self.input(Input::Tick)
    }

    /// Plays `text` (which has a clip) to its start: decoded, handed to
    /// the player; returns its id.
    fn play(&mut self, text: &str, lang: &str) -> u64 {
        let mut ops = self.input(speak(text, lang));
        if let Some(k) = decodes(&ops).first() {
            ops = self.input(Input::Decoded(k.clone(), Ok(samples())));
        }
        let ids = played(&ops);
        assert_eq!(ids.len(), 1, "one clip played: {ops:?}");
        ids[0]
    }
}

// ----- choosing a backend -----

#[test]
fn a_clip_plays_once_decoded_and_ends_when_the_player_says() {
    let (mut rig, first) = Rig::new(false, &[("en", 3, "hello")]);
    assert_eq!(first, vec![Op::OpenDevice { rate: CLIP_RATE }]);
    // No status while the device's open is out; its answer reports.
    let ops = rig.open_device();
    assert_eq!(
        statuses(&ops),
        vec![SpeechStatus {
            audio_device: true,
            system_voice: false,
            clips: true
        }]
    );
    assert!(logged(&ops, "audio output on test at 48000 Hz"), "{ops:?}");
    let ops = rig.input(speak("hello", "en"));
    assert_eq!(ops, vec![Op::Decode(key("en", 3, "hello"))]);
    assert!(speaks(&ops).is_empty(), "traced only when handed over");
    let ops = rig.input(Input::Decoded(key("en", 3, "hello"), Ok(samples())));
    assert_eq!(
        ops[0],
        Op::PlaySpeech {
            id: 1,
            samples: samples(),
            gain: volume_gain(Level::MID)
        }
    );
    assert_eq!(speaks(&ops), vec![(1, "clip")]);
    let end = rig.at_ms(900);
    let ops = rig.input(Input::Player(PlayerEvent::Finished(1, end)));
    assert_eq!(ops, vec![Op::Trace(TraceOp::AudioStop { id: 1, at: end })]);
    assert!(rig.machine.is_idle());
    // Decoded once: the same text again plays at once.
    let ops = rig.input(speak("hello", "en"));
    assert_eq!(played(&ops), vec![2]);
}

#[test]
fn without_a_clip_the_system_voice_speaks_and_without_a_voice_silence() {
    let mut rig = Rig::ready(true, &[]);
    rig.input(Input::Voice(
        W1,
        TtsEvent::Ready {
            languages: vec!["en".into()],
        },
    ));
    let ops = rig.input(speak("bye", "en"));
    assert_eq!(speaks(&ops), vec![(1, "tts")]);
    assert!(matches!(
        &voice_commands(&ops)[..],
        [(W1, TtsCommand::Speak { id: 1, .. })]
    ));
    // Queued behind it, in a language the voice lacks.
    assert!(rig.input(speak("さよなら", "ja")).is_empty());
    let end = rig.at_ms(500);
    rig.set_ms(500);
    let ops = rig.input(Input::Voice(W1, TtsEvent::Ended(1, end)));
    assert_eq!(stops(&ops), vec![1]);
    assert_eq!(speaks(&ops), vec![(2, "none")]);
    assert!(rig.machine.is_idle());
}

#[test]
fn clips_are_used_only_at_the_rates_they_are_rendered_at() {
    let mut rig = Rig::ready(true, &[("en", 3, "hi"), ("en", 5, "hi")]);
    rig.input(cmd(Command::Settings(SpeechSettings {
        rate: Level::new(5),
        volume: Level::MID,
    })));
    let mut fast = utt("hi", "en");
    fast.settings.rate = Level::new(5);
    let ops = rig.input(Input::Command(Command::Speak(fast)));
    assert_eq!(
        speaks(&ops),
        vec![(1, "tts")],
        "rate 5 has no clips: {ops:?}"
    );
}

#[test]
fn a_clip_that_does_not_decode_goes_to_the_voice_and_is_not_asked_for_again() {
    let mut rig = Rig::ready(true, &[("en", 3, "hi")]);
    rig.input(speak("hi", "en"));
    let ops = rig.input(Input::Decoded(key("en", 3, "hi"), Err("bad ogg".into())));
    assert!(logged(&ops, "clip en/r3/hi.ogg: bad ogg"), "{ops:?}");
    assert_eq!(speaks(&ops), vec![(1, "tts")]);
    rig.input(Input::Voice(W1, TtsEvent::Ended(1, rig.now)));
    let ops = rig.input(speak("hi", "en"));
    assert!(decodes(&ops).is_empty(), "{ops:?}");
    assert_eq!(speaks(&ops), vec![(2, "tts")]);
}

#[test]
fn queued_clips_are_decoded_ahead_one_at_a_time() {
    let mut rig = Rig::ready(false, &[("en", 3, "a"), ("en", 3, "b"), ("en", 3, "c")]);
    rig.play("a", "en");
    assert_eq!(
        decodes(&rig.input(speak("b", "en"))),
        vec![key("en", 3, "b")]
    );
    assert!(decodes(&rig.input(speak("c", "en"))).is_empty());
    let ops = rig.input(Input::Decoded(key("en", 3, "b"), Ok(samples())));
    assert_eq!(decodes(&ops), vec![key("en", 3, "c")]);
    assert!(played(&ops).is_empty(), "a still plays");
    rig.input(Input::Decoded(key("en", 3, "c"), Ok(samples())));
    let ops = rig.input(Input::Player(PlayerEvent::Finished(1, rig.now)));
    assert_eq!(played(&ops), vec![2], "b starts without a gap");
}

// ----- the system voice's bounds -----

#[test]
fn a_voice_that_does_not_connect_in_2_s_is_down_and_taken_up_when_it_does() {
    let (mut rig, first) = Rig::new(true, &[]);
    assert_eq!(started_workers(&first), vec![W1]);
    rig.open_device();
    assert_eq!(rig.machine.next_deadline(), Some(rig.at_ms(2_000)));
    assert!(rig.tick_ms(1_999).is_empty());
    let ops = rig.tick_ms(2_000);
    assert!(logged(
        &ops,
        "no connection within 2 s; still waiting for it"
    ));
    // The late worker still runs: no retry, no second worker, no deadline.
    assert_eq!(rig.machine.next_deadline(), None);
    let ops = rig.tick_ms(60_000);
    assert!(started_workers(&ops).is_empty());
    // Meanwhile, utterances go silent.
    assert_eq!(speaks(&rig.input(speak("x", "en"))), vec![(1, "none")]);
    let ops = rig.input(Input::Voice(
        W1,
        TtsEvent::Ready {
            languages: vec!["en".into()],
        },
    ));
    assert!(logged(&ops, "system voice ready for en"));
    assert!(statuses(&ops)[0].system_voice);
    assert_eq!(speaks(&rig.input(speak("y", "en"))), vec![(2, "tts")]);
}

#[test]
fn a_stop_not_acknowledged_in_200_ms_takes_the_voice_down() {
    let mut rig = Rig::ready(true, &[]);
    rig.input(speak("one", "en"));
    rig.set_ms(100);
    let ops = rig.input(cmd(Command::Stop));
    assert_eq!(
        voice_commands(&ops),
        vec![(W1, TtsCommand::Stop { ack: 1 })]
    );
    assert_eq!(stops(&ops), vec![1]);
    assert_eq!(rig.machine.next_deadline(), Some(rig.at_ms(300)));
    let ops = rig.tick_ms(300);
    assert!(
        logged(&ops, "system voice down: stop took over 200 ms"),
        "{ops:?}"
    );
    assert!(ops.contains(&Op::DropVoice(W1)));
    assert!(!statuses(&ops)[0].system_voice);
}

#[test]
fn a_stop_acknowledged_in_time_keeps_the_voice() {
    let mut rig = Rig::ready(true, &[]);
    rig.input(speak("one", "en"));
    rig.input(cmd(Command::Stop));
    rig.set_ms(150);
    rig.input(Input::Voice(W1, TtsEvent::StopAcked(1)));
    assert_eq!(rig.machine.next_deadline(), None);
    assert!(rig.tick_ms(400).is_empty());
    assert!(rig.machine.status().system_voice);
}

#[test]
fn a_missed_end_of_utterance_takes_the_voice_down_and_the_utterance_goes_on() {
    let mut rig = Rig::ready(true, &[]);
    let ops = rig.input(speak("abc", "en"));
    assert_eq!(speaks(&ops), vec![(1, "tts")]);
    // 3 s and 0.4 s a character.
    assert_eq!(rig.machine.next_deadline(), Some(rig.at_ms(4_200)));
    rig.input(speak("def", "en"));
    let ops = rig.tick_ms(4_200);
    assert!(logged(
        &ops,
        "system voice down: no end of utterance in time"
    ));
    assert!(ops.contains(&Op::DropVoice(W1)));
    assert_eq!(stops(&ops), vec![1]);
    // What it was saying, and what was queued, go silent.
    assert_eq!(speaks(&ops), vec![(2, "none"), (3, "none")]);
    // An end that comes after all is from a worker given up on.
    assert!(rig
        .input(Input::Voice(W1, TtsEvent::Ended(1, rig.now)))
        .is_empty());
}

#[test]
fn a_failed_voice_is_retried_in_the_background_once_its_worker_ended() {
    let mut rig = Rig::ready(true, &[]);
    rig.set_ms(1_000);
    let ops = rig.input(Input::Voice(W1, TtsEvent::Failed("connection lost".into())));
    assert!(logged(
        &ops,
        "system voice down: connection lost; retrying in 10 s"
    ));
    assert!(ops.contains(&Op::DropVoice(W1)));
    // The worker has not ended yet: nothing to wait for.
    assert_eq!(rig.machine.next_deadline(), None);
    rig.set_ms(1_500);
    assert!(rig.input(Input::VoiceExited(W1)).is_empty());
    assert_eq!(rig.machine.next_deadline(), Some(rig.at_ms(11_000)));
    let ops = rig.tick_ms(11_000);
    assert_eq!(started_workers(&ops), vec![W2]);
    let ops = rig.input(Input::Voice(
        W2,
        TtsEvent::Ready {
            languages: vec!["ja".into()],
        },
    ));
    assert!(statuses(&ops)[0].system_voice);
}

#[test]
fn never_two_workers_while_one_is_stuck() {
    let mut rig = Rig::ready(true, &[]);
    rig.input(speak("abc", "en"));
    rig.tick_ms(4_200); // no end: down, worker 1 asked to end, and stuck
    for minutes in 1..=60 {
        let ops = rig.tick_ms(4_200 + minutes * 60_000);
        assert!(started_workers(&ops).is_empty(), "{ops:?}");
    }
    assert_eq!(rig.machine.footprint().live_workers, 1);
    // Its Ready, should it come unstuck, counts for nothing.
    let ops = rig.input(Input::Voice(
        W1,
        TtsEvent::Ready {
            languages: vec!["en".into()],
        },
    ));
    assert!(ops.is_empty(), "{ops:?}");
    // Its thread ends at last: the overdue retry starts at once.
    let ops = rig.input(Input::VoiceExited(W1));
    assert_eq!(started_workers(&ops), vec![W2]);
}

#[test]
fn a_worker_that_ends_without_a_word_takes_the_voice_down() {
    let mut rig = Rig::ready(true, &[]);
    rig.input(speak("abc", "en"));
    let ops = rig.input(Input::VoiceExited(W1));
    assert!(logged(&ops, "system voice down: its worker ended"));
    assert!(!statuses(&ops)[0].system_voice);
    assert_eq!(speaks(&ops), vec![(2, "none")]);
    assert_eq!(
        rig.machine.next_deadline(),
        Some(rig.at_ms(RETRY.as_millis() as u64))
    );
}

#[test]
fn a_refused_utterance_gives_way_to_the_next() {
    let mut rig = Rig::ready(true, &[]);
    rig.input(speak("one", "en"));
    rig.input(speak("two", "en"));
    let ops = rig.input(Input::Voice(W1, TtsEvent::Refused(1, "no voice".into())));
    assert!(logged(&ops, "refused an utterance: no voice"));
    assert_eq!(speaks(&ops), vec![(2, "tts")]);
    assert!(rig.machine.status().system_voice, "one refusal is not down");
}

// ----- stop, pause, settings -----

#[test]
fn barge_in_with_work_queued_stops_at_once_and_drops_the_queue() {
    let clips = [
        ("en", 3, "a"),
        ("en", 3, "b"),
        ("en", 3, "c"),
        ("en", 3, "d"),
    ];
    let mut rig = Rig::ready(false, &clips);
    let a = rig.play("a", "en");
    rig.input(speak("b", "en")); // b's decode is out
    rig.input(speak("c", "en"));
    rig.input(cmd(Command::Tone(Tone::Yes, Level::MID)));
    let ops = rig.input(cmd(Command::Stop));
    assert_eq!(
        ops,
        vec![
            Op::StopPlayer,
            // The earcon (b and c were never handed over: no ids).
            Op::Trace(TraceOp::AudioStop { id: 2, at: rig.now }),
            Op::Trace(TraceOp::AudioStop { id: a, at: rig.now }),
        ],
        "the player silenced and nothing else: no decode, no play"
    );
    assert!(rig.machine.is_idle());
    // b's decode comes back: kept, not played.
    let ops = rig.input(Input::Decoded(key("en", 3, "b"), Ok(samples())));
    assert!(ops.is_empty(), "{ops:?}");
    // The player's own end of a, late, is not a second stop.
    assert!(rig
        .input(Input::Player(PlayerEvent::Finished(a, rig.now)))
        .is_empty());
    // The next step speaks at once; b is warm.
    assert_eq!(played(&rig.input(speak("b", "en"))), vec![3]);
}

#[test]
fn a_stop_while_the_head_waits_for_its_clip_drops_it() {
    let mut rig = Rig::ready(false, &[("en", 3, "a")]);
    rig.input(speak("a", "en"));
    rig.input(cmd(Command::Stop));
    let ops = rig.input(Input::Decoded(key("en", 3, "a"), Ok(samples())));
    assert!(ops.is_empty(), "{ops:?}");
}

#[test]
fn volume_follows_a_playing_clip_at_once_and_a_new_rate_restarts_it() {
    let mut rig = Rig::ready(true, &[("en", 3, "a"), ("en", 2, "a")]);
    let first = rig.play("a", "en");
    let louder = SpeechSettings {
        rate: Level::MID,
        volume: Level::MAX,
    };
    let ops = rig.input(cmd(Command::Settings(louder)));
    assert_eq!(ops, vec![Op::SetGain(volume_gain(Level::MAX))]);
    let slower = SpeechSettings {
        rate: Level::new(2),
        volume: Level::MAX,
    };
    let ops = rig.input(cmd(Command::Settings(slower)));
    assert_eq!(ops[0], Op::StopPlayer);
    assert_eq!(stops(&ops), vec![first]);
    assert_eq!(decodes(&ops), vec![key("en", 2, "a")]);
    let ops = rig.input(Input::Decoded(key("en", 2, "a"), Ok(samples())));
    assert_eq!(
        ops[0],
        Op::PlaySpeech {
            id: first + 1,
            samples: samples(),
            gain: volume_gain(Level::MAX)
        }
    );
}

#[test]
fn a_new_volume_restarts_the_system_voice_at_it() {
    let mut rig = Rig::ready(true, &[]);
    rig.input(speak("one", "en"));
    let quiet = SpeechSettings {
        rate: Level::MID,
        volume: Level::MIN,
    };
    let ops = rig.input(cmd(Command::Settings(quiet)));
    let commands = voice_commands(&ops);
    assert_eq!(commands[0], (W1, TtsCommand::Stop { ack: 1 }));
    match &commands[1] {
        (W1, TtsCommand::Speak { id: 2, volume, .. }) => {
            assert_eq!(*volume, spd_volume(Level::MIN));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(stops(&ops), vec![1]);
    assert_eq!(speaks(&ops), vec![(2, "tts")]);
}

#[test]
fn pause_silences_and_resume_speaks_the_utterance_again_from_its_start() {
    let mut rig = Rig::ready(false, &[("en", 3, "a"), ("en", 3, "b")]);
    let a = rig.play("a", "en");
    let ops = rig.input(cmd(Command::Pause));
    assert_eq!(
        ops,
        vec![
            Op::StopPlayer,
            Op::Trace(TraceOp::AudioStop { id: a, at: rig.now })
        ]
    );
    // The player's end, raced with the pause, changes nothing.
    assert!(rig
        .input(Input::Player(PlayerEvent::Finished(a, rig.now)))
        .is_empty());
    // Queued while paused, decoded ahead, not played.
    let ops = rig.input(speak("b", "en"));
    assert_eq!(decodes(&ops), vec![key("en", 3, "b")]);
    assert!(rig
        .input(Input::Decoded(key("en", 3, "b"), Ok(samples())))
        .is_empty());
    let ops = rig.input(cmd(Command::Resume));
    assert_eq!(played(&ops), vec![a + 1], "a again, under a new id");
    let ops = rig.input(Input::Player(PlayerEvent::Finished(a + 1, rig.now)));
    assert_eq!(played(&ops), vec![a + 2], "then b");
}

#[test]
fn a_paused_system_voice_utterance_waits_for_resume() {
    let mut rig = Rig::ready(true, &[]);
    rig.input(speak("one", "en"));
    let ops = rig.input(cmd(Command::Pause));
    assert_eq!(
        voice_commands(&ops),
        vec![(W1, TtsCommand::Stop { ack: 1 })]
    );
    rig.input(Input::Voice(W1, TtsEvent::StopAcked(1)));
    // The cancel's end event is not the utterance's end.
    assert!(rig
        .input(Input::Voice(W1, TtsEvent::Ended(1, rig.now)))
        .is_empty());
    // Paused for a long time: no end-of-utterance bound runs meanwhile.
    assert_eq!(rig.machine.next_deadline(), None);
    rig.set_ms(60_000);
    let ops = rig.input(cmd(Command::Resume));
    assert_eq!(speaks(&ops), vec![(2, "tts")]);
}

// ----- the device and earcons -----

#[test]
fn a_missing_device_is_retried_every_10_s_and_said_once() {
    let (mut rig, _) = Rig::new(false, &[("en", 3, "a")]);
    let ops = rig.input(Input::DeviceFailed("audio output: no device".into()));
    assert!(logged(&ops, "audio output: no device; retrying every 10 s"));
    assert!(!statuses(&ops)[0].audio_device);
    assert_eq!(rig.machine.next_deadline(), Some(rig.at_ms(10_000)));
    // Without a device, clips and earcons are silent.
    assert_eq!(speaks(&rig.input(speak("a", "en"))), vec![(1, "none")]);
    let ops = rig.input(cmd(Command::Tone(Tone::Yes, Level::MID)));
    assert_eq!(speaks(&ops), vec![(2, "none")]);
    assert_eq!(
        rig.tick_ms(10_000),
        vec![Op::OpenDevice { rate: CLIP_RATE }]
    );
    let ops = rig.input(Input::DeviceFailed("audio output: no device".into()));
    assert!(logs(&ops).is_empty(), "said once: {ops:?}");
    rig.tick_ms(20_000);
    let ops = rig.open_device();
    assert!(statuses(&ops)[0].audio_device);
    assert_eq!(rig.machine.next_deadline(), None);
}

#[test]
fn a_broken_device_hands_the_clip_on_and_is_opened_again() {
    let mut rig = Rig::ready(true, &[("en", 3, "a")]);
    let a = rig.play("a", "en");
    rig.set_ms(30_000);
    let ops = rig.input(Input::Player(PlayerEvent::Broken));
    assert!(logged(&ops, "audio output failed; reopening later"));
    assert!(ops.contains(&Op::CloseDevice));
    assert_eq!(stops(&ops), vec![a]);
    // The last open was long ago: open again at once; meanwhile the
    // system voice says it.
    assert!(ops.contains(&Op::OpenDevice { rate: CLIP_RATE }));
    assert_eq!(speaks(&ops), vec![(a + 1, "tts")]);
}

#[test]
fn earcons_take_each_others_place_and_stop_with_everything() {
    let mut rig = Rig::ready(false, &[]);
    let ops = rig.input(cmd(Command::Tone(Tone::Yes, Level::MAX)));
    assert!(matches!(
        ops[0],
        Op::PlayTone { id: 1, gain, .. } if gain == volume_gain(Level::MAX)
    ));
    assert_eq!(speaks(&ops), vec![(1, "clip")]);
    let ops = rig.input(cmd(Command::Tone(Tone::No, Level::MAX)));
    assert_eq!(stops(&ops), vec![1]);
    let ops = rig.input(Input::Player(PlayerEvent::Finished(2, rig.now)));
    assert_eq!(stops(&ops), vec![2]);
    rig.input(cmd(Command::Tone(Tone::Continue, Level::MAX)));
    let ops = rig.input(cmd(Command::Stop));
    assert_eq!(ops[0], Op::StopPlayer);
    assert_eq!(stops(&ops), vec![3]);
    // Synthesized once per tone and rate.
    rig.input(cmd(Command::Tone(Tone::Yes, Level::MIN)));
    assert_eq!(rig.machine.footprint().cached_tones, 3);
}

// ----- bounds and shutdown -----

#[test]
fn the_queue_and_the_cache_stay_bounded() {
    let texts: Vec<String> = (0..100).map(|n| format!("t{n}")).collect();
    let clips: Vec<(&str, u8, &str)> = texts.iter().map(|t| ("en", 3, t.as_str())).collect();
    let mut rig = Rig::ready(false, &clips);
    rig.input(cmd(Command::Pause));
    let mut dropped = 0;
    for text in &texts {
        let ops = rig.input(speak(text, "en"));
        dropped += logs(&ops).len();
        for k in decodes(&ops) {
            rig.input(Input::Decoded(k, Ok(samples())));
        }
    }
    assert_eq!(rig.machine.footprint().queued, QUEUE_LIMIT);
    assert_eq!(dropped, 100 - QUEUE_LIMIT);
    // Play them all through: each clip decoded when asked, each ended by
    // the player.
    let mut ops = rig.input(cmd(Command::Resume));
    let mut ended = 0;
    while !rig.machine.is_idle() {
        assert!(ended <= QUEUE_LIMIT, "no end to the queue");
        let mut next = Vec::new();
        for k in decodes(&ops) {
            next.extend(rig.input(Input::Decoded(k, Ok(samples()))));
        }
        for id in played(&ops) {
            next.extend(rig.input(Input::Player(PlayerEvent::Finished(id, rig.now))));
            ended += 1;
        }
        ops = next;
    }
    assert_eq!(ended, QUEUE_LIMIT);
    assert!(rig.machine.footprint().cached_clips <= CACHE_CLIPS);
}

#[test]
fn shutdown_silences_everything_and_ends_the_voice() {
    let mut rig = Rig::ready(true, &[("en", 3, "a")]);
    let a = rig.play("a", "en");
    let ops = rig.input(cmd(Command::Shutdown));
    assert_eq!(
        ops,
        vec![
            Op::StopPlayer,
            Op::Trace(TraceOp::AudioStop { id: a, at: rig.now }),
            Op::DropVoice(W1),
        ]
    );
    assert!(rig.machine.is_shut_down());
    assert_eq!(rig.machine.next_deadline(), None);
    assert!(rig.input(speak("a", "en")).is_empty());
}
