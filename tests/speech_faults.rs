//! Speech faults, end to end (the "Reliability" issue): the release `kiosk`
//! fullscreen in tmux inside an audio world from `scripts/audio-env`, as in
//! tests/speech_audio.rs (helpers in tests/common/audio.rs), with the fault
//! made for real: speech-dispatcher SIGKILLed while it speaks, a daemon that
//! never answers when the kiosk is told to stop, an audio device that
//! appears after the kiosk started. Each test asserts what the kiosk does
//! about it: keys still answered at once, the voice shown as down, and the
//! voice back by itself within the speech thread's retry interval.
//!
//! Every wait polls the screen, kiosk.log, the trace or the recording
//! against a deadline. A missing audio tool fails the test and names
//! scripts/setup. Run with `--nocapture` to see what each test measured.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::sync::atomic::Ordering;
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::audio::*;
use common::{poll, process_state, root, tempdir, WAIT};
use counter_kiosk::config::TtsLayout;
use serde_json::Value;

/// The speech thread's retry interval for a downed system voice and a
/// missing audio device (speech/machine.rs `RETRY`).
const RETRY: Duration = Duration::from_secs(10);
/// What a reconnect may take on top of the retry interval: autospawning
/// speech-dispatcher (~0.4 s) and asking its modules for their languages
/// (~2 s here), on two loaded CPUs.
const RECONNECT: Duration = Duration::from_secs(8);
/// What the normal key bound is: the screen seen changed within 1 s
/// (capture-pane polling), the frame traced within `REACTION_BOUND_US` of the key.
const SCREEN_BOUND: Duration = Duration::from_millis(1000);
const FRAME_BOUND_US: i128 = REACTION_BOUND_US;

/// The bundled flow's third step (after welcome → not_alone).
const HELPER_Q_JA: &str = "ご家族や知り合いの方が、一緒に来ていますか";

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// The trace's `t_us` for a moment on `CLOCK_MONOTONIC` (ns).
fn trace_us(trace: &[Value], mono: i128) -> i128 {
    (mono - trace_zero_ns(trace)) / 1000
}

/// The time from `key` to the first frame drawn after it, in µs.
fn key_to_frame(trace: &[Value], key: &Value) -> i128 {
    trace
        .iter()
        .filter(|e| e["ev"] == "frame" && t_us(e) >= t_us(key))
        .map(t_us)
        .min()
        .unwrap_or_else(|| panic!("no frame after {key}"))
        - t_us(key)
}

/// The last `step` utterance traced between `from_us` and `to_us`.
fn last_step_between(trace: &[Value], from_us: i128, to_us: i128) -> Option<&Value> {
    speaks(trace)
        .filter(|e| e["kind"] == "step" && (from_us..to_us).contains(&t_us(e)))
        .last()
}

/// Waits until the sink played sound (a 20 ms window's peak above
/// `SOUND_RMS`) at or after monotonic time `from_ns`; returns that peak.
fn wait_sound_after(recorder: &Recorder, from_ns: i128, timeout: Duration) -> f32 {
    let start = Instant::now();
    loop {
        let peak = recorder.with(|r| {
            if r.reads.is_empty() {
                return 0.0;
            }
            let from = r.frame_at(from_ns).max(0);
            let end = r.frames() as i128;
            (from..end)
                .step_by(960)
                .map(|at| r.peak(at, at + 960))
                .fold(0.0, f32::max)
        });
        if peak > SOUND_RMS as f32 {
            return peak;
        }
        assert!(
            start.elapsed() < timeout,
            "no sound at the sink within {timeout:?} (peak {peak})"
        );
        sleep(POLL);
    }
}

/// Starts `parec` on the world's sink and waits for its first data.
fn recording(world: &AudioWorld, log: &std::path::Path) -> Recorder {
    let recorder = Recorder::start(world, log);
    let start = Instant::now();
    while recorder.with(Recording::frames) == 0 {
        assert!(start.elapsed() < WAIT, "parec delivered nothing");
        sleep(POLL);
    }
    recorder
}

/// Fault 1: speech-dispatcher SIGKILLed while it speaks a step (a flow with no
/// clips: the system voice is the only one). The next key changes the
/// screen within the normal bound; the voice is shown down (`[音声なし]`)
/// and logged (`system voice down: connection lost`) with the next
/// utterance, which goes silent (backend `none`) instead of to a dead
/// connection; after the retry interval the kiosk reconnects (its client
/// autospawns a new daemon with the world's configuration), the mark goes,
/// and a later step is spoken by the system voice again: traced `tts` with
/// `audio_start`, and sound at the sink after it.
// See: speechd.rs `refusal`, tts_crate.rs `refusal` (a killed daemon used to leave
// the voice "up", every message refused in silence, never retried).
#[test]
fn a_killed_speech_dispatcher_is_shown_down_and_taken_up_again() {
    killed_daemon(TtsLayout::PerLanguage);
}

/// The same with the generic layout (the `tts` crate over one module).
#[test]
fn a_killed_speech_dispatcher_is_shown_down_and_taken_up_again_generic() {
    killed_daemon(TtsLayout::Generic);
}

fn killed_daemon(layout: TtsLayout) {
    require_tools(
        "killed speech-dispatcher",
        &[
            "speech-dispatcher",
            "pulseaudio",
            "parec",
            "pactl",
            "espeak-ng",
        ],
    );
    let _serial = serial();
    let started = Instant::now();
    let tmp = tempdir("kiosk-fault-kill-");
    let world = AudioWorld::start_with(Mode::Pulse, tmp.path().join("world"), true);
    let name = match layout {
        TtsLayout::Generic => "generic",
        TtsLayout::PerLanguage => "per-language",
    };
    if layout == TtsLayout::Generic {
        // The world's daemon (and the one autospawned after the kill) with
        // the generic configuration.
        let status = std::process::Command::new(root().join("scripts/audio-env"))
            .arg("speechd")
            .arg(&world.dir)
            .arg(name)
            .stdin(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "audio-env speechd {name}");
    }
    let recorder = recording(&world, &tmp.path().join("parec.log"));
    let dir = tmp.path().join("kiosk");
    fs::create_dir_all(&dir).unwrap();
    let flow = root().join("tests/speech/flow.toml");
    let flow = flow.to_string_lossy();
    let config = format!("[speech]\ntts_layout = \"{name}\"\n");
    let mut kiosk = Kiosk::start(&dir, Some(&world.env), &config, &["--flow", &flow]);
    kiosk.wait_screen(&[ASK_JA], &[], WAIT);
    kiosk.wait_log("system voice ready", SPEECHD_WAIT);
    kiosk.wait_screen(&[ASK_JA], &[NO_VOICE_MARK], WAIT);

    // The step is sounding through the system voice: kill its daemon now.
    kiosk.send("1");
    kiosk.wait_screen(&[BOIL_JA], &[], WAIT);
    let step = kiosk.wait_trace("the step's audio_start", SPEECHD_WAIT, |t| {
        let key = t_us(key_event(t, "1", 0)?);
        let step = speak_after(t, "step", key)?;
        audio_event(t, "audio_start", id_of(step))?;
        Some(step.clone())
    });
    assert_eq!(step["backend"], "tts", "{step}");
    let daemon = world.speechd_pid().expect("the world's speech-dispatcher");
    let _orphans = Orphans(descendants(daemon));
    signal(daemon, "KILL");
    let killed_ns = mono_ns();
    let killed = Instant::now();
    poll(
        WAIT,
        POLL,
        || match process_state(daemon) {
            None | Some('Z') => Ok(()),
            Some(state) => Err(state),
        },
        |state| format!("speech-dispatcher {daemon} still there ({state}) after SIGKILL"),
    );

    // Keys at once, and the voice shown down.
    kiosk.send("Enter");
    let (_, next_seen) = kiosk.wait_screen(&[LEAVES_JA], &[], SCREEN_BOUND);
    kiosk.wait_screen(&[LEAVES_JA, NO_VOICE_MARK], &[], WAIT);
    let marked = killed.elapsed();
    let log = kiosk.wait_log("system voice down", WAIT);
    assert!(
        log.contains("system voice down: connection lost"),
        "why the system voice went down:\n{log}"
    );

    // Back by itself after the retry interval.
    kiosk.wait_screen(&[LEAVES_JA], &[NO_VOICE_MARK], RETRY + RECONNECT);
    let back = killed.elapsed();
    let respawned = world.speechd_pid().expect("a new speech-dispatcher");
    assert_ne!(respawned, daemon);
    kiosk.send("Enter");
    kiosk.wait_screen(&[WAITED_JA], &[], SCREEN_BOUND);
    let (trace, later) = kiosk.wait_trace("the later step's audio_start", SPEECHD_WAIT, |t| {
        let key = t_us(key_event(t, "Enter", 1)?);
        let step = speak_after(t, "step", key)?;
        audio_event(t, "audio_start", id_of(step))?;
        Some((t.to_vec(), step.clone()))
    });
    assert_eq!(
        later["backend"], "tts",
        "spoken again by the system voice: {later}"
    );
    let begun = audio_event(&trace, "audio_start", id_of(&later)).unwrap();
    let begun_ns = trace_zero_ns(&trace) + t_us(begun) * 1000;
    let peak = wait_sound_after(&recorder, begun_ns, WAIT);
    kiosk.stop();

    // The kill came while the step was sounding (not after its end).
    let killed_us = trace_us(&trace, killed_ns);
    if let Some(stop) = audio_event(&trace, "audio_stop", id_of(&step)) {
        assert!(
            t_us(stop) >= killed_us,
            "the step ended before the kill: {stop} (kill at {killed_us} µs)"
        );
    }
    let enter = key_event(&trace, "Enter", 0).expect("Enter traced");
    let frame = key_to_frame(&trace, enter);
    assert!(
        frame <= FRAME_BOUND_US,
        "Enter after the kill took {:.1} ms to its frame",
        ms(frame)
    );
    // The step after the kill ended up silent, not "spoken" to a dead
    // connection.
    let second = t_us(key_event(&trace, "Enter", 1).unwrap());
    let during = last_step_between(&trace, t_us(enter), second).expect("a step after Enter");
    assert_eq!(during["backend"], "none", "{during}");
    assert!(
        back - marked <= RETRY + RECONNECT,
        "voice back {} after the mark",
        secs(back - marked)
    );
    eprintln!(
        "MEASURED (fault 1, {name}) kill {:.0} ms into the step's sound; Enter → frame {:.1} ms, \
         screen seen after {:.0} ms; mark {} after the kill; voice back (mark gone) {} after \
         the kill, {} after the mark; later step speak → audio_start {:.1} ms, sink peak \
         {peak:.3}; test ran {}",
        ms(killed_us - t_us(audio_event(&trace, "audio_start", id_of(&step)).unwrap())),
        ms(frame),
        next_seen.as_secs_f64() * 1000.0,
        secs(marked),
        secs(back),
        secs(back - marked),
        ms(t_us(begun) - t_us(&later)),
        secs(started.elapsed())
    );
}

/// Fault 2: a speech-dispatcher that accepts the connection and never answers
/// (the worker stuck inside libspeechd for good). That it delays neither a
/// frame nor a step is speech_audio.rs `a_wedged_system_voice_blocks_nothing`;
/// here: SIGTERM still ends the kiosk promptly (exit 0, nothing waits on the
/// stuck worker), and the visit's journal record is written (abandoned).
#[test]
fn a_wedged_system_voice_does_not_hold_up_shutdown_or_the_journal() {
    require_tools(
        "wedged shutdown",
        &["speech-dispatcher", "pulseaudio", "pactl"],
    );
    let _serial = serial();
    let started = Instant::now();
    let tmp = tempdir("kiosk-fault-wedged-");
    let world = AudioWorld::start(Mode::Pulse, tmp.path().join("world"));
    let server = SilentServer::start(tmp.path().join("wedged.sock"));
    let address = server.address();
    let env = world.env_with(&[("SPEECHD_ADDRESS", &address)]);
    let dir = tmp.path().join("kiosk");
    fs::create_dir_all(&dir).unwrap();
    let flow = root().join("tests/speech/flow.toml");
    let flow = flow.to_string_lossy();
    let mut kiosk = Kiosk::start(&dir, Some(&env), "", &["--flow", &flow]);
    kiosk.wait_screen(&[ASK_JA], &[], WAIT);
    poll(
        WAIT,
        POLL,
        || {
            (server.accepted.load(Ordering::Relaxed) > 0)
                .then_some(())
                .ok_or(())
        },
        |()| "the kiosk never connected to the wedged socket".into(),
    );
    kiosk.send("1");
    kiosk.wait_screen(&[BOIL_JA], &[], SCREEN_BOUND);
    // Given up on (2 s), its worker still stuck; a step spoken since.
    kiosk.wait_log("system voice down", WAIT);
    kiosk.send("Enter");
    kiosk.wait_screen(&[LEAVES_JA, NO_VOICE_MARK], &[], SCREEN_BOUND);
    kiosk.wait_trace("the step's speech", WAIT, |t| {
        let key = t_us(key_event(t, "Enter", 0)?);
        speak_after(t, "step", key).map(|_| ())
    });

    let asked = Instant::now();
    let history = kiosk.terminate();
    let took = asked.elapsed();
    kiosk.stop();
    assert!(history.contains("EXIT=0"), "exit status:\n{history}");
    assert!(
        took <= Duration::from_secs(2),
        "SIGTERM → exit took {} with a wedged daemon",
        secs(took)
    );
    let records: Vec<Value> = fs::read_dir(dir.join("journal"))
        .unwrap()
        .flatten()
        .filter(|f| f.path().extension().is_some_and(|x| x == "jsonl"))
        .flat_map(|f| {
            let text = fs::read_to_string(f.path()).unwrap();
            text.lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(records.len(), 1, "one visit, one record: {records:?}");
    let record = &records[0];
    assert_eq!(record["outcome"], "abandoned", "{record}");
    assert_eq!(record["flow"], "speech-test", "{record}");
    let log = kiosk.log();
    assert!(log.contains("kiosk stopping: Stopped"), "{log}");
    eprintln!(
        "MEASURED (fault 2) SIGTERM → EXIT=0 seen after {:.0} ms (capture-pane polling) with \
         {} wedged connection(s) held; record {record}; test ran {}",
        took.as_secs_f64() * 1000.0,
        server.accepted.load(Ordering::Relaxed),
        secs(started.elapsed())
    );
}

/// Fault 3: no audio device at start (ALSA's default is a PulseAudio that is not
/// running), system voice off: the kiosk runs silently (backend `none`,
/// `[音声なし]`, the device's failure in kiosk.log, keys answered). Then the
/// device appears (the world's PulseAudio starts): within the player's
/// retry interval the kiosk opens it (logged, the mark goes) and the next
/// step plays from its clip: traced `clip` with `audio_start`, and sound at
/// the sink after it.
#[test]
fn an_audio_device_that_appears_later_is_taken_up() {
    require_tools(
        "late device",
        &["speech-dispatcher", "pulseaudio", "parec", "pactl"],
    );
    let _serial = serial();
    let started = Instant::now();
    let tmp = tempdir("kiosk-fault-device-");
    let mut world = AudioWorld::unstarted_pulse(tmp.path().join("world"));
    let dir = tmp.path().join("kiosk");
    fs::create_dir_all(&dir).unwrap();
    // The system voice off: the clip player is the only voice.
    let mut kiosk = Kiosk::start(&dir, Some(&world.env), "[speech]\ntts = false\n", &[]);
    kiosk.wait_screen(&[WELCOME_JA, NO_VOICE_MARK], &[], WAIT);
    let log = kiosk.wait_log("retrying every 10 s", WAIT);
    kiosk.send("1");
    kiosk.wait_screen(&[NOT_ALONE_JA, NO_VOICE_MARK], &[], SCREEN_BOUND);
    let silent = kiosk.wait_trace("the step's speech", WAIT, |t| {
        let key = t_us(key_event(t, "1", 0)?);
        speak_after(t, "step", key).cloned()
    });
    assert_eq!(silent["backend"], "none", "no device, no voice: {silent}");

    // The device appears.
    world.begin(Mode::Pulse, false);
    let appeared = Instant::now();
    let recorder = recording(&world, &tmp.path().join("parec.log"));
    kiosk.wait_screen(&[NOT_ALONE_JA], &[NO_VOICE_MARK], RETRY + WAIT);
    let opened = appeared.elapsed();
    kiosk.wait_log("audio output on", WAIT);
    kiosk.send("1");
    kiosk.wait_screen(&[HELPER_Q_JA], &[], SCREEN_BOUND);
    let (trace, step) = kiosk.wait_trace("the next step's audio_start", WAIT, |t| {
        let key = t_us(key_event(t, "1", 1)?);
        let step = speak_after(t, "step", key)?;
        audio_event(t, "audio_start", id_of(step))?;
        Some((t.to_vec(), step.clone()))
    });
    assert_eq!(step["backend"], "clip", "{step}");
    let begun = audio_event(&trace, "audio_start", id_of(&step)).unwrap();
    let begun_ns = trace_zero_ns(&trace) + t_us(begun) * 1000;
    let peak = wait_sound_after(&recorder, begun_ns, WAIT);
    kiosk.stop();

    let failure = log
        .lines()
        .find(|l| l.contains("retrying every 10 s"))
        .unwrap_or_default()
        .to_string();
    assert!(
        opened <= RETRY + Duration::from_secs(2),
        "the device was taken up {} after it appeared",
        secs(opened)
    );
    let before: Vec<&Value> = speaks(&trace)
        .filter(|e| e["kind"] != "earcon" && t_us(e) < t_us(key_event(&trace, "1", 1).unwrap()))
        .collect();
    assert!(
        before.iter().all(|e| e["backend"] == "none"),
        "silent before the device: {before:?}"
    );
    eprintln!(
        "MEASURED (fault 3) no device: {failure:?}; taken up {} after the device appeared; \
         next step speak → audio_start {:.1} ms, sink peak {peak:.3}; test ran {}",
        secs(opened),
        ms(t_us(begun) - t_us(&step)),
        secs(started.elapsed())
    );
}

/// Fault 3 with the system voice on (the default config). No device means
/// no clips, so the echo of the first key goes to the system voice, whose
/// daemon has no device either (its output is the same missing
/// PulseAudio): its end never comes, and within the utterance's allowance
/// (3 s + 0.4 s a character) the voice is marked down (logged, `[音声なし]`)
/// and what was queued goes silent (backend `none`). Until then no mark
/// shows: the kiosk cannot tell a daemon with an output of its own from
/// one without. When the device appears, the clips play as above.
#[test]
fn an_audio_device_that_appears_later_is_taken_up_with_the_system_voice_on() {
    require_tools(
        "late device, system voice on",
        &[
            "speech-dispatcher",
            "pulseaudio",
            "parec",
            "pactl",
            "espeak-ng",
        ],
    );
    let _serial = serial();
    let started = Instant::now();
    let tmp = tempdir("kiosk-fault-device-tts-");
    let mut world = AudioWorld::unstarted_pulse(tmp.path().join("world"));
    let dir = tmp.path().join("kiosk");
    fs::create_dir_all(&dir).unwrap();
    let mut kiosk = Kiosk::start(&dir, Some(&world.env), "", &[]);
    kiosk.wait_screen(&[WELCOME_JA], &[], WAIT);
    kiosk.wait_log("retrying every 10 s", WAIT);
    kiosk.wait_log("system voice ready", SPEECHD_WAIT);
    kiosk.send("1");
    kiosk.wait_screen(&[NOT_ALONE_JA], &[], SCREEN_BOUND);
    let echo = kiosk.wait_trace("the echo's speech", WAIT, |t| {
        let key = t_us(key_event(t, "1", 0)?);
        speak_after(t, "echo", key).cloned()
    });
    assert_eq!(
        echo["backend"], "tts",
        "no device: the system voice is tried: {echo}"
    );
    let chars = echo["chars"].as_u64().unwrap();
    let allowance = Duration::from_millis(3_000 + chars * 400);
    // (A cold daemon may first have missed the 2 s start bound: that is
    // logged as down too, and taken up when it answers.)
    kiosk.wait_log(
        "system voice down: no end of utterance in time",
        allowance + WAIT,
    );
    kiosk.wait_screen(&[NOT_ALONE_JA, NO_VOICE_MARK], &[], WAIT);
    let silent = kiosk.wait_trace("the step re-routed to silence", WAIT, |t| {
        let key = t_us(key_event(t, "1", 0)?);
        let last = speaks(t)
            .filter(|e| e["kind"] == "step" && t_us(e) >= key)
            .last()?;
        (last["backend"] == "none").then(|| last.clone())
    });

    world.begin(Mode::Pulse, false);
    let appeared = Instant::now();
    let recorder = recording(&world, &tmp.path().join("parec.log"));
    kiosk.wait_screen(&[NOT_ALONE_JA], &[NO_VOICE_MARK], RETRY + WAIT);
    let opened = appeared.elapsed();
    kiosk.wait_log("audio output on", WAIT);
    kiosk.send("1");
    kiosk.wait_screen(&[HELPER_Q_JA], &[], SCREEN_BOUND);
    let (trace, step) = kiosk.wait_trace("the next step's audio_start", WAIT, |t| {
        let key = t_us(key_event(t, "1", 1)?);
        let step = speak_after(t, "step", key)?;
        audio_event(t, "audio_start", id_of(step))?;
        Some((t.to_vec(), step.clone()))
    });
    assert_eq!(step["backend"], "clip", "{step}");
    let begun = audio_event(&trace, "audio_start", id_of(&step)).unwrap();
    let begun_ns = trace_zero_ns(&trace) + t_us(begun) * 1000;
    let peak = wait_sound_after(&recorder, begun_ns, WAIT);
    kiosk.stop();

    let key = t_us(key_event(&trace, "1", 0).unwrap());
    let down_us = t_us(&silent) - key;
    assert!(
        opened <= RETRY + Duration::from_secs(2),
        "the device was taken up {} after it appeared",
        secs(opened)
    );
    eprintln!(
        "MEASURED (fault 3, system voice on) echo to the system voice, given up {:.2} s after \
         the key (allowance {}); device taken up {} after it appeared; next step speak → \
         audio_start {:.1} ms, sink peak {peak:.3}; test ran {}",
        down_us as f64 / 1e6,
        secs(allowance),
        secs(opened),
        ms(t_us(begun) - t_us(&step)),
        secs(started.elapsed())
    );
}
