//! The speech machine's side of the clip player: opening the device and
//! trying again while there is none, the player's events, and earcons.

use std::sync::Arc;
use std::time::Instant;

use super::{Backend, Device, Op, SpeechMachine, TraceOp, CLIP_RATE, RETRY};
use crate::engine::{Level, Tone};
use crate::speech::earcons::synthesize;
use crate::speech::levels::volume_gain;
use crate::speech::player::PlayerEvent;

impl SpeechMachine {
    pub(super) fn open_device(&mut self, now: Instant) {
        self.device = Device::Opening;
        self.device_retry_at = now + RETRY;
        self.ops.push(Op::OpenDevice { rate: CLIP_RATE });
    }

    /// The open's answer; one that was not asked for is ignored.
    pub(super) fn device_opened(&mut self, rate: u32, name: &str) {
        if self.device != Device::Opening {
            return;
        }
        self.device = Device::Open { rate };
        // Earcons at another rate are of no more use.
        self.tones.retain(|(_, at), _| *at == rate);
        self.log(format!("speech: audio output on {name} at {rate} Hz"));
    }

    pub(super) fn device_failed(&mut self, reason: &str) {
        if self.device != Device::Opening {
            return;
        }
        // Said once, not at every retry.
        if self.status.as_ref().is_none_or(|s| s.audio_device) {
            self.log(format!(
                "speech: {reason}; retrying every {} s",
                RETRY.as_secs()
            ));
        }
        self.device = Device::Closed;
    }

    pub(super) fn on_player(&mut self, event: PlayerEvent, now: Instant) {
        match event {
            PlayerEvent::Started(id, at) => self.trace_start(id, at),
            PlayerEvent::Finished(id, at) => {
                let ours = self
                    .current
                    .as_ref()
                    .is_some_and(|c| c.id == id && c.backend == Backend::Clip && c.sounding);
                if ours {
                    self.trace(TraceOp::AudioStop { id, at });
                    self.current = None;
                } else if self.tone == Some(id) {
                    // An earcon played to its end.
                    self.tone = None;
                    self.trace(TraceOp::AudioStop { id, at });
                }
                // Else it was stopped (and traced so) before its end came.
            }
            PlayerEvent::Broken => self.device_broken(now),
        }
    }

    /// The stream failed (device unplugged, …): what a clip was saying goes
    /// to the next backend in line, and the device is opened again (at once
    /// if the last try is over `RETRY` ago).
    fn device_broken(&mut self, now: Instant) {
        if !matches!(self.device, Device::Open { .. }) {
            return;
        }
        self.log("speech: audio output failed; reopening later".into());
        self.ops.push(Op::CloseDevice);
        self.device = Device::Closed;
        if let Some(id) = self.tone.take() {
            self.trace(TraceOp::AudioStop { id, at: now });
        }
        if self
            .current
            .as_ref()
            .is_some_and(|c| c.backend == Backend::Clip)
        {
            self.requeue_current(now);
        }
    }

    /// Silences the player; an earcon cut short is traced as stopped (the
    /// current speech is traced by the caller).
    pub(super) fn stop_player(&mut self, now: Instant) {
        if !matches!(self.device, Device::Open { .. }) {
            return;
        }
        self.ops.push(Op::StopPlayer);
        if let Some(id) = self.tone.take() {
            self.trace(TraceOp::AudioStop { id, at: now });
        }
    }

    pub(super) fn play_tone(&mut self, tone: Tone, volume: Level, now: Instant) {
        self.next_id += 1;
        let id = self.next_id;
        let Device::Open { rate } = self.device else {
            self.trace(TraceOp::Speak {
                id,
                kind: "earcon",
                backend: "none",
                lang: String::new(),
                chars: 0,
            });
            return;
        };
        let samples = Arc::clone(
            self.tones
                .entry((tone, rate))
                .or_insert_with(|| Arc::from(synthesize(tone, rate))),
        );
        // The player holds one earcon: a new one takes the old one's place.
        if let Some(old) = self.tone.replace(id) {
            self.trace(TraceOp::AudioStop { id: old, at: now });
        }
        self.ops.push(Op::PlayTone {
            id,
            samples,
            gain: volume_gain(volume),
        });
        self.trace(TraceOp::Speak {
            id,
            kind: "earcon",
            backend: "clip",
            lang: String::new(),
            chars: 0,
        });
    }
}
