//! The clip player: one cpal output stream on the default device, fed by a
//! small mixer that plays an earcon first and then speech, with the volume
//! applied in the callback. Stop takes effect at the next callback period.
//! The stream lives on the speech thread; the callback never blocks (it
//! plays silence for a period rather than wait for the mixer's lock).

use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{
    BufferSize, FromSample, Sample, SampleFormat, SizedSample, StreamConfig, SupportedBufferSize,
};

/// What the callback reports back, with the moment it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayerEvent {
    /// The sound's first sample was handed to the device.
    Started(u64, Instant),
    /// The sound's last sample was handed to the device.
    Finished(u64, Instant),
    /// The stream failed (device unplugged, …): reopen it later.
    Broken,
}

/// A sound in the mixer.
struct Voice {
    id: u64,
    samples: Arc<[f32]>,
    pos: usize,
    gain: f32,
    started: bool,
}

struct Mixer {
    tone: Option<Voice>,
    speech: Option<Voice>,
    speech_gain: f32,
}

/// The period we ask for, so a stop or a new sound reaches the device
/// within one short period (the bench measured 10.7 ms periods to cost the
/// pause budget; 5 ms is 120 frames at the clips' 24 kHz).
const WANTED_PERIOD_MS: u32 = 5;

pub struct Player {
    mixer: Arc<Mutex<Mixer>>,
    events: Option<Receiver<PlayerEvent>>,
    /// Kept alive for as long as the player: dropping it stops the sound.
    _stream: cpal::Stream,
    rate: u32,
    pub device_name: String,
}

#[derive(Debug, thiserror::Error)]
#[error("audio output: {0}")]
pub struct PlayerError(pub String);

impl Player {
    /// Opens the default output device, preferring `preferred_rate` (the
    /// clips' own rate, so they need no resampling) when it can run it.
    pub fn open(preferred_rate: u32) -> Result<Player, PlayerError> {
        let err = |e: &dyn std::fmt::Display| PlayerError(e.to_string());
        let host = cpal::default_host();
        let device = host
            .default_output_device()
            .ok_or_else(|| PlayerError("no output device".into()))?;
        let default = device.default_output_config().map_err(|e| err(&e))?;
        let supported = device
            .supported_output_configs()
            .map_err(|e| err(&e))?
            .filter(|c| matches!(c.sample_format(), SampleFormat::F32 | SampleFormat::I16))
            .find(|c| (c.min_sample_rate()..=c.max_sample_rate()).contains(&preferred_rate))
            .map(|c| c.with_sample_rate(preferred_rate))
            .unwrap_or(default);
        let format = supported.sample_format();
        let wanted = supported.sample_rate() * WANTED_PERIOD_MS / 1000;
        let buffer_size = match supported.buffer_size() {
            SupportedBufferSize::Range { min, max } if (*min..=*max).contains(&wanted) => {
                BufferSize::Fixed(wanted)
            }
            _ => BufferSize::Default,
        };
        let mut config = StreamConfig {
            channels: supported.channels(),
            sample_rate: supported.sample_rate(),
            buffer_size,
        };
        let mixer = Arc::new(Mutex::new(Mixer {
            tone: None,
            speech: None,
            speech_gain: 1.0,
        }));
        // Bounded: the callback never allocates or waits on a full channel.
        let (sender, events) = mpsc::sync_channel(64);
        let open = |config: &StreamConfig| match format {
            SampleFormat::I16 => build::<i16>(&device, config, &mixer, &sender),
            _ => build::<f32>(&device, config, &mixer, &sender),
        };
        let stream = match open(&config) {
            Ok(stream) => stream,
            // A range that cpal reports is not always one the device takes:
            // ALSA's dmix on a real card (Intel HDA, scripts/vm) reported
            // one, then refused 5 ms for its fixed period of 511-513
            // frames. Its own period is then the shortest there is.
            Err(_) if config.buffer_size != BufferSize::Default => {
                config.buffer_size = BufferSize::Default;
                open(&config).map_err(|e| err(&e))?
            }
            Err(e) => return Err(err(&e)),
        };
        stream.play().map_err(|e| err(&e))?;
        let device_name = device
            .description()
            .map(|d| d.name().to_string())
            .unwrap_or_else(|_| "default".into());
        drop(sender);
        Ok(Player {
            mixer,
            events: Some(events),
            _stream: stream,
            rate: config.sample_rate,
            device_name,
        })
    }

    /// The rate sounds must be handed in at.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// Starts speech (after any earcon that is playing).
    pub fn play_speech(&self, id: u64, samples: Arc<[f32]>) {
        self.with_mixer(|m| m.speech = Some(voice(id, samples, 1.0)));
    }

    /// Starts an earcon at its own gain; speech waits for it.
    pub fn play_tone(&self, id: u64, samples: Arc<[f32]>, gain: f32) {
        self.with_mixer(|m| m.tone = Some(voice(id, samples, gain)));
    }

    /// Silences everything at the next period; returns the ids cut short.
    pub fn stop(&self) -> Vec<u64> {
        let mut cut = Vec::new();
        self.with_mixer(|m| {
            cut.extend(m.tone.take().map(|v| v.id));
            cut.extend(m.speech.take().map(|v| v.id));
        });
        cut
    }

    /// Speech volume, applied to the playing clip at once.
    pub fn set_gain(&self, gain: f32) {
        self.with_mixer(|m| m.speech_gain = gain);
    }

    pub fn is_speaking(&self) -> bool {
        let mut speaking = false;
        self.with_mixer(|m| speaking = m.speech.is_some());
        speaking
    }

    /// The callback's events (started, finished, broken); once.
    pub fn take_events(&mut self) -> Option<Receiver<PlayerEvent>> {
        self.events.take()
    }

    fn with_mixer(&self, f: impl FnOnce(&mut Mixer)) {
        // The callback holds the lock only while it fills one period.
        if let Ok(mut mixer) = self.mixer.lock() {
            f(&mut mixer);
        }
    }
}

fn voice(id: u64, samples: Arc<[f32]>, gain: f32) -> Voice {
    Voice {
        id,
        samples,
        pos: 0,
        gain,
        started: false,
    }
}

fn build<T>(
    device: &cpal::Device,
    config: &StreamConfig,
    mixer: &Arc<Mutex<Mixer>>,
    events: &SyncSender<PlayerEvent>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32>,
{
    let channels = usize::from(config.channels.max(1));
    let mixer = Arc::clone(mixer);
    let data_events = events.clone();
    let error_events = events.clone();
    let reported = std::sync::atomic::AtomicBool::new(false);
    device.build_output_stream(
        *config,
        move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
            fill(data, channels, &mixer, &data_events);
        },
        move |err: cpal::Error| {
            // cpal reports passing faults (an ALSA call failing in the first
            // milliseconds under PulseAudio) and carries on by itself; only a
            // device that is gone or a stream that is dead means reopening.
            let fatal = matches!(
                err.kind(),
                cpal::ErrorKind::DeviceNotAvailable | cpal::ErrorKind::StreamInvalidated
            );
            if fatal && !reported.swap(true, std::sync::atomic::Ordering::Relaxed) {
                let _ = error_events.try_send(PlayerEvent::Broken);
            }
        },
        None,
    )
}

/// One period: the earcon if one plays, else speech at its gain, else
/// silence; the same sample on every channel.
fn fill<T: Sample + FromSample<f32>>(
    data: &mut [T],
    channels: usize,
    mixer: &Mutex<Mixer>,
    events: &SyncSender<PlayerEvent>,
) {
    let Ok(mut m) = mixer.try_lock() else {
        data.fill(T::from_sample(0.0f32));
        return;
    };
    let now = Instant::now();
    let speech_gain = m.speech_gain;
    for frame in data.chunks_mut(channels) {
        let value = next_sample(&mut m.tone, 1.0, now, events)
            .or_else(|| next_sample(&mut m.speech, speech_gain, now, events))
            .unwrap_or(0.0);
        frame.fill(T::from_sample(value.clamp(-1.0, 1.0)));
    }
}

fn next_sample(
    slot: &mut Option<Voice>,
    gain: f32,
    now: Instant,
    events: &SyncSender<PlayerEvent>,
) -> Option<f32> {
    let voice = slot.as_mut()?;
    if !voice.started {
        voice.started = true;
        let _ = events.try_send(PlayerEvent::Started(voice.id, now));
    }
    match voice.samples.get(voice.pos) {
        Some(s) => {
            voice.pos += 1;
            Some(s * voice.gain * gain)
        }
        None => {
            let _ = events.try_send(PlayerEvent::Finished(voice.id, now));
            *slot = None;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mixer() -> (Mutex<Mixer>, SyncSender<PlayerEvent>, Receiver<PlayerEvent>) {
        let (tx, rx) = mpsc::sync_channel(16);
        let m = Mixer {
            tone: None,
            speech: None,
            speech_gain: 0.5,
        };
        (Mutex::new(m), tx, rx)
    }

    #[test]
    fn an_earcon_plays_before_speech_and_gain_applies_to_speech() {
        let (m, tx, rx) = mixer();
        if let Ok(mut g) = m.lock() {
            g.speech = Some(voice(2, Arc::from(vec![1.0f32; 3]), 1.0));
            g.tone = Some(voice(1, Arc::from(vec![0.25f32; 2]), 1.0));
        }
        let mut out = vec![0.0f32; 12];
        fill(&mut out, 2, &m, &tx);
        assert_eq!(
            out,
            vec![0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.0, 0.0]
        );
        let events: Vec<_> = rx
            .try_iter()
            .map(|e| match e {
                PlayerEvent::Started(id, _) => ('s', id),
                PlayerEvent::Finished(id, _) => ('f', id),
                PlayerEvent::Broken => ('b', 0),
            })
            .collect();
        assert_eq!(events, vec![('s', 1), ('f', 1), ('s', 2), ('f', 2)]);
    }

    #[test]
    fn a_stopped_voice_is_silent_from_the_next_period() {
        let (m, tx, _rx) = mixer();
        if let Ok(mut g) = m.lock() {
            g.speech = Some(voice(1, Arc::from(vec![1.0f32; 100]), 1.0));
        }
        let mut out = vec![0.0f32; 4];
        fill(&mut out, 1, &m, &tx);
        assert!(out.iter().all(|s| *s == 0.5));
        if let Ok(mut g) = m.lock() {
            g.speech = None;
        }
        fill(&mut out, 1, &m, &tx);
        assert!(out.iter().all(|s| *s == 0.0));
    }

    #[test]
    fn a_held_lock_gives_silence_not_a_wait() {
        let (m, tx, _rx) = mixer();
        let _held = m.lock();
        let mut out = vec![1.0f32; 8];
        fill(&mut out, 2, &m, &tx);
        assert!(out.iter().all(|s| *s == 0.0));
    }

    #[test]
    fn integer_devices_get_scaled_samples() {
        let (m, tx, _rx) = mixer();
        if let Ok(mut g) = m.lock() {
            g.speech_gain = 1.0;
            g.speech = Some(voice(1, Arc::from(vec![1.0f32, -1.0]), 1.0));
        }
        let mut out = vec![0i16; 2];
        fill(&mut out, 1, &m, &tx);
        assert_eq!(out, vec![i16::MAX, i16::MIN]);
    }
}
