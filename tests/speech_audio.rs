//! Speech through real audio (DESIGN sections 4 and 9): the release `kiosk`
//! binary runs fullscreen in a private tmux server, as in tests/e2e_tmux.rs,
//! but speaking, inside an isolated audio world from `scripts/audio-env`
//! (no sound card needed):
//!
//! - `file` mode: ALSA's default PCM writes every stream to a WAV file in
//!   the world's `capture/` directory (unpaced: it can never time anything,
//!   and the kiosk's open stream grows its file by ~90 MB a second, so those
//!   kiosks run for as short a time as the test allows);
//! - `pulse` mode: a private PulseAudio with a null sink, in real time,
//!   recorded with `parec` for timings.
//!
//! Each test starts its world with `audio-env start` (its exports evaluated
//! by bash, the resulting environment handed to tmux and so to the kiosk) and
//! stops it when the test ends, pass or fail (`AudioWorld`'s `Drop`, after
//! the kiosk's). Every wait polls against a deadline. The tests run one at a
//! time (`serial`): this machine has two CPUs, a file-mode kiosk keeps one
//! busy, and the timing tests must not share them with it.
//!
//! A test that needs an audio tool that is not installed (speech-dispatcher,
//! PulseAudio, aplay, espeak-ng) fails and names scripts/setup, which
//! installs them all (CI runs it first). The helpers are in
//! tests/common/audio.rs; faults (a killed daemon, a device that comes
//! late) are in tests/speech_faults.rs. Run with `--nocapture` to see what
//! each test measured.

mod common;

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::audio::*;
use common::{root, tempdir, WAIT};
use counter_kiosk::engine::Level;
use counter_kiosk::speech::levels;
use serde_json::Value;

// ---------------------------------------------------------------------------
// The tests

/// (a) A step of the bundled flow is spoken from its clip: traced with
/// backend `clip` and `audio_start`, and the kiosk's ALSA stream (a WAV file)
/// holds sound, the step's own clip among it, sample for sample.
#[test]
fn a_bundled_step_plays_its_clip_into_the_capture() {
    // audio-env writes a speech-dispatcher configuration in every world.
    require_tools("clip path", &["speech-dispatcher"]);
    let _serial = serial();
    let started = Instant::now();
    let tmp = tempdir("kiosk-speech-a-");
    let world = AudioWorld::start(Mode::File, tmp.path().join("world"));
    let mut kiosk = Kiosk::start(tmp.path(), Some(&world.env), "", &[]);
    kiosk.wait_screen(&[WELCOME_JA], &[], WAIT);
    kiosk.send("1");
    // The mark goes once the speech thread reports its device (it starts
    // shown, until then).
    let (screen, _) = kiosk.wait_screen(&[NOT_ALONE_JA], &[NO_VOICE_MARK], WAIT);
    // The step's utterances, then its prompt, have played (the file plugin
    // does not pace: in milliseconds).
    let trace = kiosk.wait_trace("the prompt's audio_stop", WAIT, |t| {
        let prompt = speak_after(t, "prompt", 0)?;
        audio_event(t, "audio_stop", id_of(prompt)).map(|_| t.to_vec())
    });
    kiosk.stop();
    let ran = started.elapsed();

    let key = t_us(key_event(&trace, "1", 0).expect("key 1 traced"));
    let step = speak_after(&trace, "step", key).expect("a step utterance after the key");
    assert_eq!(step["backend"], "clip", "{step}");
    assert_eq!(step["lang"], "ja", "{step}");
    let id = id_of(step);
    let start = audio_event(&trace, "audio_start", id).expect("audio_start for the step");
    let step_speaks: Vec<&Value> = speaks(&trace)
        .filter(|e| e["kind"] == "step" && t_us(e) >= key)
        .collect();
    assert!(
        step_speaks.iter().all(|e| e["backend"] == "clip"),
        "every step utterance from a clip: {step_speaks:?}"
    );
    assert!(
        !screen.contains(NO_VOICE_MARK),
        "the no-voice mark with clips and a device:\n{screen}"
    );

    let files = world.captures();
    assert_eq!(
        files.len(),
        1,
        "only the kiosk's stream plays (no system voice): {files:?}"
    );
    let wav = read_wav(&files[0]);
    eprintln!("MEASURED (a) capture {}", wav.line());
    assert!(wav.has_sound(), "the capture is silent: {}", wav.line());

    // The step's first utterance is its text's clip, at level 3's gain:
    // find 20 ms of it, sample for sample, in what the device got.
    let clip = bundled_clip(NOT_ALONE_CLIP, "ja");
    let clip_seconds = clip.samples.len() as f64 / f64::from(clip.rate);
    assert!(
        wav.sound_seconds >= clip_seconds * 0.5,
        "{:.2} s of sound in the capture for a {clip_seconds:.2} s clip",
        wav.sound_seconds
    );
    if clip.rate == wav.rate {
        let gain = levels::volume_gain(Level::MID);
        let loud = clip
            .samples
            .iter()
            .position(|s| (s * gain).abs() > 0.1)
            .expect("a loud part in the clip");
        let len = (clip.rate / 50) as usize;
        let pattern: Vec<f32> = clip.samples[loud..(loud + len).min(clip.samples.len())]
            .iter()
            .map(|s| s * gain)
            .collect();
        let at = find_in_segments(&wav, &pattern, 3.0 / 32_768.0);
        assert!(
            at.is_some(),
            "the step's clip ({}) is not in the capture",
            NOT_ALONE_CLIP
        );
        eprintln!(
            "MEASURED (a) clip {NOT_ALONE_CLIP} ({clip_seconds:.2} s) found sample-exact \
             at frame {} of the capture",
            at.unwrap_or(0)
        );
    } else {
        eprintln!(
            "MEASURED (a) no sample-exact check: clip {} Hz, device {} Hz (resampled)",
            clip.rate, wav.rate
        );
    }
    eprintln!(
        "MEASURED (a) key→speak {:.2} ms, speak→audio_start {:.2} ms; kiosk ran {ran:.2?}",
        ms(t_us(step) - key),
        ms(t_us(start) - t_us(step))
    );
}

/// (b) Texts with no clips go to the system voice: traced with backend
/// `tts`, and speech-dispatcher's own ALSA streams land in the capture with
/// sound, for Japanese kana and for English.
#[test]
fn a_step_without_clips_is_spoken_by_the_system_voice() {
    require_tools("tts path", &["speech-dispatcher", "aplay", "espeak-ng"]);
    let _serial = serial();
    let started = Instant::now();
    let tmp = tempdir("kiosk-speech-b-");
    let world = AudioWorld::start(Mode::File, tmp.path().join("world"));
    let flow = root().join("tests/speech/flow.toml");
    let flow = flow.to_string_lossy();
    let mut kiosk = Kiosk::start(tmp.path(), Some(&world.env), "", &["--flow", &flow]);
    kiosk.wait_screen(&[ASK_JA], &[], WAIT);
    // The first utterances wait for the system voice: before it is up they
    // would be silent (backend none).
    let ready = Instant::now();
    kiosk.wait_log("system voice ready", SPEECHD_WAIT);
    let ready = ready.elapsed();

    let mut measured = Vec::new();
    for (key, lang, text) in [("1", "ja", BOIL_JA), ("/", "en", BOIL_EN)] {
        let before = world.captures();
        let sizes: Vec<(PathBuf, u64)> = before
            .iter()
            .map(|f| (f.clone(), fs::metadata(f).map(|m| m.len()).unwrap_or(0)))
            .collect();
        kiosk.send(key);
        kiosk.wait_screen(&[text], &[], WAIT);
        let (trace, step) = kiosk.wait_trace(
            &format!("the {lang} step spoken to its end"),
            SPEECHD_WAIT,
            |t| {
                let key = t_us(key_event(t, key, 0)?);
                let step = speak_after(t, "step", key)?;
                audio_event(t, "audio_stop", id_of(step))?;
                Some((t.to_vec(), step.clone()))
            },
        );
        assert_eq!(step["backend"], "tts", "{step}");
        assert_eq!(step["lang"], lang, "{step}");
        let id = id_of(&step);
        let begun = audio_event(&trace, "audio_start", id).expect("audio_start for the step");
        let key_t = t_us(key_event(&trace, key, 0).unwrap());
        // aplay (one per message) writes each into a file of its own.
        let new: Vec<PathBuf> = world
            .captures()
            .into_iter()
            .filter(|f| !before.contains(f))
            .collect();
        let wavs: Vec<WavSummary> = new.iter().map(|f| read_wav(f)).collect();
        for wav in &wavs {
            eprintln!("MEASURED (b) {lang} capture {}", wav.line());
        }
        // A speech-dispatcher module may keep one ALSA stream open for every
        // message (espeak-ng's own module does): then its file grows instead.
        let grown_with_sound = sizes.iter().any(|(f, old)| appended_has_sound(f, *old));
        assert!(
            wavs.iter().any(WavSummary::has_sound) || grown_with_sound,
            "no sound from speech-dispatcher after key {key}: {wavs:?}"
        );
        measured.push(format!(
            "{lang}: key→speak {:.1} ms, speak→audio_start {:.1} ms, {} new capture file(s)",
            ms(t_us(&step) - key_t),
            ms(t_us(begun) - t_us(&step)),
            wavs.len()
        ));
    }
    kiosk.stop();
    eprintln!(
        "MEASURED (b) system voice ready {ready:.2?} after the first screen; {}; \
         test ran {:.2?}",
        measured.join("; "),
        started.elapsed()
    );
}

/// (c) A speech-dispatcher that accepts the connection and never answers
/// blocks nothing: every key still gets its frame at once, the customer
/// walks on, and once the system voice is given up (2 s) the utterances are
/// silent (backend `none`) with the no-voice mark on screen.
#[test]
fn a_wedged_system_voice_blocks_nothing() {
    require_tools("blocking backend", &["speech-dispatcher", "pulseaudio"]);
    let _serial = serial();
    let started = Instant::now();
    let tmp = tempdir("kiosk-speech-c-");
    // Pulse mode: real time, so no unpaced stream keeps a CPU busy while
    // frames are timed.
    let world = AudioWorld::start(Mode::Pulse, tmp.path().join("world"));
    let server = SilentServer::start(tmp.path().join("wedged.sock"));
    let address = server.address();
    let env = world.env_with(&[("SPEECHD_ADDRESS", &address)]);
    let flow = root().join("tests/speech/flow.toml");
    let flow = flow.to_string_lossy();
    let mut kiosk = Kiosk::start(tmp.path(), Some(&env), "", &["--flow", &flow]);

    // Three steps while the kiosk waits for the system voice: its worker
    // has connected and hangs on the first answer.
    let mut shown = Vec::new();
    kiosk.wait_screen(&[ASK_JA], &[], WAIT);
    let connecting = Instant::now();
    while server.accepted.load(Ordering::Relaxed) == 0 {
        assert!(
            connecting.elapsed() < WAIT,
            "the kiosk never connected to the wedged socket"
        );
        sleep(Duration::from_millis(5));
    }
    for (key, text) in [("1", BOIL_JA), ("Enter", LEAVES_JA), ("y", WAITED_JA)] {
        kiosk.send(key);
        let (_, took) = kiosk.wait_screen(&[text], &[], Duration::from_millis(1000));
        shown.push(took);
    }
    let log = kiosk.wait_log("system voice down", WAIT);
    assert!(
        log.contains("no connection within 2 s"),
        "why the system voice went down:\n{log}"
    );
    // And three more after it was given up.
    // (The repeat guard is per action: "1" and "y" are both yes.)
    for (key, text) in [("4", LEAVES_JA), ("Enter", WAITED_JA), ("1", SERVED_JA)] {
        kiosk.send(key);
        let (_, took) = kiosk.wait_screen(&[text], &[], Duration::from_millis(1000));
        shown.push(took);
    }
    let (screen, _) = kiosk.wait_screen(&[SERVED_JA, NO_VOICE_MARK], &[], WAIT);
    let trace = kiosk.wait_trace("the last key's speech", WAIT, |t| {
        let last = key_event(t, "1", 1)?;
        speak_after(t, "step", t_us(last)).map(|_| t.to_vec())
    });
    kiosk.stop();

    let keys: Vec<&Value> = trace.iter().filter(|e| e["ev"] == "key").collect();
    assert_eq!(keys.len(), 6, "keys traced: {keys:?}");
    let mut latencies = Vec::new();
    for key in &keys {
        let frame = trace
            .iter()
            .filter(|e| e["ev"] == "frame" && t_us(e) >= t_us(key))
            .map(t_us)
            .min()
            .unwrap_or_else(|| panic!("no frame after {key}"));
        let latency = frame - t_us(key);
        latencies.push(latency);
        assert!(
            latency <= REACTION_BOUND_US,
            "key {key} took {:.1} ms to its frame",
            ms(latency)
        );
    }
    // The first three keys came before the 2 s give-up.
    let third = t_us(keys[2]);
    assert!(
        third < 2_000_000,
        "the walk during the wait ended at {:.0} ms",
        ms(third)
    );
    let voiced: Vec<&Value> = speaks(&trace).filter(|e| e["kind"] != "earcon").collect();
    assert!(
        voiced.len() >= 6,
        "utterances for every step and echo: {voiced:?}"
    );
    assert!(
        voiced.iter().all(|e| e["backend"] == "none"),
        "a wedged system voice leaves only silence: {voiced:?}"
    );
    let after_give_up = voiced.iter().filter(|e| t_us(e) >= t_us(keys[3])).count();
    assert!(after_give_up >= 3, "{voiced:?}");
    assert!(screen.contains(NO_VOICE_MARK));
    let lat: Vec<String> = latencies.iter().map(|l| format!("{:.1}", ms(*l))).collect();
    let shown: Vec<String> = shown
        .iter()
        .map(|d| format!("{:.0}", d.as_secs_f64() * 1000.0))
        .collect();
    eprintln!(
        "MEASURED (c) key→frame ms [{}]; screen seen after ms [{}] (capture-pane polling); \
         3 steps walked by {:.0} ms; {} connection(s) held; {} utterances, all backend none \
         ({after_give_up} after the give-up); test ran {:.2?}",
        lat.join(", "),
        shown.join(", "),
        ms(third),
        server.accepted.load(Ordering::Relaxed),
        voiced.len(),
        started.elapsed()
    );
}

/// (d) Through a real-time PulseAudio sink: repeat (`0`) and pause (`.`)
/// stop the playing clip at once, not at its end: `audio_stop` and the
/// sink's silence within `REACTION_BOUND_US` of the key (recorded with
/// parec; on a quiet machine both come within one 5 ms period, see the
/// printed figures and `scripts/bench speech`).
#[test]
fn repeat_and_pause_stop_the_clip_within_a_period() {
    require_tools(
        "stop within one period",
        &["speech-dispatcher", "pulseaudio", "parec", "pactl"],
    );
    let _serial = serial();
    let started = Instant::now();
    let tmp = tempdir("kiosk-speech-d-");
    let world = AudioWorld::start(Mode::Pulse, tmp.path().join("world"));
    let recorder = Recorder::start(&world, &tmp.path().join("parec.log"));
    // parec takes 0.2-0.5 s to start delivering.
    let wait_start = Instant::now();
    while recorder.with(Recording::frames) == 0 {
        assert!(wait_start.elapsed() < WAIT, "parec delivered nothing");
        sleep(POLL);
    }
    // The clip player must survive its start: the ALSA pulse plugin fails
    // a call with EIO in a stream's first milliseconds, which cpal reports
    // and rides out; the kiosk used to drop the stream for it.
    // See: player.rs `build`, error callback.
    let attempts = 1;
    let dir = tmp.path().join("kiosk");
    fs::create_dir_all(&dir).unwrap();
    let mut kiosk = Kiosk::start(&dir, Some(&world.env), "", &[]);
    kiosk.wait_screen(&[WELCOME_JA], &[], WAIT);
    kiosk.wait_log("audio output on", WAIT);
    kiosk.send("1");
    kiosk.wait_screen(&[NOT_ALONE_JA], &[], WAIT);

    // Waits for the step utterance after the `n`th press of `after_key` to
    // start sounding, plays `into` of it, then presses `key` while the
    // recorder hears it; returns the stopped id.
    let press_during_clip = |after_key: &str, key: &str, into: Duration| -> u64 {
        let (id, started_ns) = kiosk.wait_trace("a step clip's audio_start", WAIT, |t| {
            let after = t_us(key_event(t, after_key, 0)?);
            let step = speak_after(t, "step", after)?;
            let start = audio_event(t, "audio_start", id_of(step))?;
            assert_eq!(step["backend"], "clip", "{step}");
            Some((id_of(step), trace_zero_ns(t) + t_us(start) * 1000))
        });
        // `into` of it recorded at the sink.
        recorder.wait_until(started_ns + into.as_nanos() as i128, WAIT);
        // Press when the last 20 ms the sink played were sound.
        let loud_since = Instant::now();
        loop {
            let loud = recorder.with(|r| {
                let end = r.frames() as i128;
                r.peak(end - REC_RATE / 50, end) > 0.05
            });
            if loud {
                break;
            }
            assert!(
                loud_since.elapsed() < WAIT,
                "the sink never sounded while the clip played"
            );
            sleep(Duration::from_millis(2));
        }
        kiosk.send(key);
        id
    };

    let repeated = press_during_clip("1", "0", Duration::from_millis(500));
    // The player survived its first clip's start.
    let log = kiosk.log();
    assert!(
        !log.contains("audio output failed"),
        "the clip player broke at start:\n{log}"
    );
    let paused = press_during_clip("0", ".", Duration::from_millis(500));
    let trace = kiosk.wait_trace("audio_stop after pause", WAIT, |t| {
        audio_event(t, "audio_stop", paused).map(|_| t.to_vec())
    });
    let zero = trace_zero_ns(&trace);
    let pause_key = key_event(&trace, ".", 0).expect("key . traced");
    let pause_ns = zero + t_us(pause_key) * 1000;
    recorder.wait_until(pause_ns + 400_000_000, WAIT);
    kiosk.stop();
    let recording = recorder.finish();

    let mut report = Vec::new();
    for (key, id) in [("0", repeated), (".", paused)] {
        let key_event = key_event(&trace, key, 0).unwrap_or_else(|| panic!("key {key} traced"));
        let start = audio_event(&trace, "audio_start", id).unwrap();
        let stop = audio_event(&trace, "audio_stop", id)
            .unwrap_or_else(|| panic!("no audio_stop for {id} after key {key}"));
        assert!(t_us(start) < t_us(key_event), "{start} {key_event}");
        let latency = t_us(stop) - t_us(key_event);
        assert!(
            (0..=REACTION_BOUND_US).contains(&latency),
            "audio_stop for {id} {:.2} ms after key {key}",
            ms(latency)
        );
        report.push(format!("key {key} → audio_stop {:.2} ms", ms(latency)));
    }

    // The sink: sound just before the pause key, and the last sound soon
    // after it (times err late: see Recording::zero_ns).
    let key_frame = recording.frame_at(pause_ns);
    let before = recording.peak(key_frame - REC_RATE * 30 / 1000, key_frame);
    let window_end = key_frame + REC_RATE * 400 / 1000;
    let lo = (key_frame - REC_RATE / 10).max(0) as usize;
    let hi = window_end.min(recording.frames() as i128) as usize;
    let last_sound = (lo..hi)
        .rev()
        .find(|i| recording.sample(*i).abs() > SOUND_RMS as f32);
    let gap_ms = last_sound.map(|i| ms((recording.ns_of(i) - pause_ns) / 1000));
    // When the clip first sounded at the sink, against its audio_start.
    let first = audio_event(&trace, "audio_start", repeated).unwrap();
    let first_ns = zero + t_us(first) * 1000;
    let from = recording.frame_at(first_ns - 50_000_000).max(0) as usize;
    let onset = (from..recording.frames()).find(|i| recording.sample(*i).abs() > SOUND_RMS as f32);
    let onset_ms = onset.map(|i| ms((recording.ns_of(i) - first_ns) / 1000));
    eprintln!(
        "MEASURED (d) kiosk attempts {attempts}; {}; sink: peak {before:.3} in the 30 ms before the pause key, \
         last sound {} after it; clip audio_start → sound at the sink {}; \
         {:.1} s recorded; test ran {:.2?}",
        report.join(", "),
        gap_ms.map_or("none".into(), |g| format!("{g:.1} ms")),
        onset_ms.map_or("never".into(), |g| format!("{g:.1} ms")),
        recording.frames() as f64 / REC_RATE as f64,
        started.elapsed()
    );
    assert!(
        before > SOUND_RMS as f32,
        "the clip was not sounding when pause was pressed (peak {before})"
    );
    let gap = gap_ms.expect("sound around the pause key");
    assert!(
        gap <= REACTION_BOUND_US as f64 / 1000.0,
        "sound went on {gap:.1} ms after the pause key"
    );
}

/// (e) On this machine as it is (no sound card, no audio world), ALSA's
/// complaints go to kiosk.log and never reach the screen. The system voice
/// is off (config) so that no speech-dispatcher is started outside a world.
#[test]
fn alsa_errors_never_reach_the_screen() {
    let _serial = serial();
    let started = Instant::now();
    let tmp = tempdir("kiosk-speech-e-");
    let mut kiosk = Kiosk::start(tmp.path(), None, "[speech]\ntts = false\n", &[]);
    let deadline = Instant::now() + Duration::from_millis(1500);
    let mut captures = 0;
    let mut pressed = false;
    let mut shown_welcome = false;
    while Instant::now() < deadline {
        let screen = kiosk.screen();
        captures += 1;
        assert!(!screen.contains("ALSA"), "ALSA on screen:\n{screen}");
        if screen.contains(WELCOME_JA) && !pressed {
            shown_welcome = true;
            assert!(screen.contains(NO_VOICE_MARK), "no-voice mark:\n{screen}");
            kiosk.send("1");
            pressed = true;
        }
        sleep(POLL);
    }
    assert!(shown_welcome, "the kiosk never showed its first screen");
    let (screen, _) = kiosk.wait_screen(&[NOT_ALONE_JA, NO_VOICE_MARK], &["ALSA"], WAIT);
    let trace = kiosk.wait_trace("the step's speech", WAIT, |t| {
        speak_after(t, "step", 0).map(|_| t.to_vec())
    });
    assert!(!screen.contains("ALSA"));
    // Nothing went to the normal screen under the alternate one either
    // (before it was entered, or after it was left).
    let history = kiosk.terminate();
    assert!(
        !history.contains("ALSA"),
        "ALSA on the terminal:\n{history}"
    );
    kiosk.stop();
    let log = kiosk.log();
    let alsa: Vec<&str> = log.lines().filter(|l| l.contains("ALSA")).collect();
    assert!(
        !alsa.is_empty(),
        "no ALSA message in kiosk.log (is there a sound card now?):\n{log}"
    );
    let voiced: Vec<&Value> = speaks(&trace).collect();
    assert!(
        voiced.iter().all(|e| e["backend"] == "none"),
        "no device, no system voice: {voiced:?}"
    );
    eprintln!(
        "MEASURED (e) {captures} screens clean; kiosk.log has {} ALSA line(s), first: {}; \
         test ran {:.2?}",
        alsa.len(),
        alsa[0],
        started.elapsed()
    );
}

/// The acceptance: the bundled flow walked to an ending in tmux with
/// the ALSA capture, in Japanese and then in English, speaks every step and
/// prompt from its clip, each one started on the device.
#[test]
fn the_bundled_flow_speaks_every_step_from_clips_in_both_languages() {
    require_tools("walk with clips", &["speech-dispatcher"]);
    let _serial = serial();
    let tmp = tempdir("kiosk-speech-walk-");
    let world = AudioWorld::start(Mode::File, tmp.path().join("world"));
    // No system voice: anything without a clip would show as `none`. No
    // repeat guard: each key waits for the speech of the last instead.
    let config = "repeat_guard_ms = 0\n[speech]\ntts = false\n";
    let mut kiosk = Kiosk::start(tmp.path(), Some(&world.env), config, &[]);
    kiosk.wait_screen(&[WELCOME_JA], &[], WAIT);
    // Presses `key` and waits until what it made the kiosk say has been
    // played to its end: the first `kind` utterance after the key's `n`th
    // press, stopped on the device (the file plugin does not pace, so in
    // milliseconds). Only then comes the next key, so none cuts the last
    // one's speech short.
    let mut presses = std::collections::HashMap::<&str, usize>::new();
    let mut press = |kiosk: &Kiosk, key: &'static str, kind: &str| {
        let n = *presses.entry(key).and_modify(|n| *n += 1).or_insert(0);
        kiosk.send(key);
        kiosk.wait_trace(&format!("the {kind} after press {n} of {key}"), WAIT, |t| {
            let pressed = t_us(key_event(t, key, n)?);
            let said = speak_after(t, kind, pressed)?;
            audio_event(t, "audio_stop", id_of(said)).map(|_| ())
        });
    };
    // Yes all the way: welcome → … → call_support (12 steps, the locked-out
    // route to the helpline), then the next customer switches to English
    // and walks it again.
    for _ in 0..11 {
        press(&kiosk, "1", "prompt");
    }
    // The ending's yes: the start step for the next customer, in silence
    // but for its earcon.
    press(&kiosk, "1", "earcon");
    press(&kiosk, "/", "prompt");
    for _ in 0..11 {
        press(&kiosk, "1", "prompt");
    }
    let trace = kiosk.wait_trace("the last prompt's audio_start", WAIT, |t| {
        let last = speaks(t).filter(|e| e["kind"] == "prompt").last()?;
        audio_event(t, "audio_start", id_of(last)).map(|_| t.to_vec())
    });
    kiosk.stop();
    let spoken: Vec<&Value> = speaks(&trace)
        .filter(|e| e["kind"] == "step" || e["kind"] == "prompt")
        .collect();
    for lang in ["ja", "en"] {
        let steps = spoken
            .iter()
            .filter(|e| e["lang"] == lang && e["kind"] == "step")
            .count();
        assert!(steps >= 12, "{steps} {lang} step utterances: {spoken:?}");
    }
    for e in &spoken {
        assert_eq!(
            e["backend"], "clip",
            "every step and prompt from a clip: {e}"
        );
        assert!(
            audio_event(&trace, "audio_start", id_of(e)).is_some(),
            "no audio_start for {e}"
        );
    }
    let records = fs::read_dir(tmp.path().join("journal"))
        .unwrap()
        .flatten()
        .filter(|f| f.path().extension().is_some_and(|x| x == "jsonl"))
        .map(|f| fs::read_to_string(f.path()).unwrap())
        .collect::<String>();
    assert!(
        records.contains("\"lang\":\"ja\",\"outcome\":\"referred\""),
        "{records}"
    );
    assert!(
        records.contains("\"lang\":\"en\",\"outcome\":\"referred\""),
        "{records}"
    );
}
