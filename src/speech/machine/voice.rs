//! The speech machine's side of the system voice: starting a worker and
//! the bound on its start, taking up one that connects late, marking the
//! voice down (a failure, a stop or an end of utterance overdue) and
//! retrying in the background, never with a second worker beside one
//! still running.

use std::time::Instant;

use super::{Backend, Op, SpeechMachine, TraceOp, Voice, WorkerId, RETRY, TTS_INIT, TTS_STOP};
use crate::engine::Utterance;
use crate::speech::levels::{spd_rate, spd_volume};
use crate::speech::voice_worker::{TtsCommand, TtsEvent};

impl SpeechMachine {
    /// Starts a worker, unless one still runs (a worker stuck in a wedged
    /// daemon would only be joined by the next one).
    pub(super) fn start_voice(&mut self, now: Instant) {
        if !self.live_workers.is_empty() {
            return;
        }
        self.last_worker += 1;
        let worker = WorkerId(self.last_worker);
        self.live_workers.insert(worker);
        self.ops.push(Op::StartVoice(worker));
        self.voice = Voice::Starting { worker, since: now };
    }

    /// The worker whose events count: the one starting, up, or late.
    pub(super) fn voice_worker(&self) -> Option<WorkerId> {
        match &self.voice {
            Voice::Starting { worker, .. } | Voice::Up { worker, .. } => Some(*worker),
            Voice::Down { late, .. } => *late,
            Voice::Off => None,
        }
    }

    /// The start bound, or the retry when no worker runs.
    pub(super) fn voice_deadline(&self) -> Option<Instant> {
        match &self.voice {
            Voice::Starting { since, .. } => Some(*since + TTS_INIT),
            Voice::Down { since, .. } if self.live_workers.is_empty() => Some(*since + RETRY),
            Voice::Down { .. } | Voice::Up { .. } | Voice::Off => None,
        }
    }

    pub(super) fn check_voice_deadlines(&mut self, now: Instant) {
        if let Voice::Starting { worker, since } = self.voice {
            if now >= since + TTS_INIT {
                // Speak without the system voice for now, but keep the
                // worker: a cold daemon may still answer.
                self.log(
                    "speech: system voice down: no connection within 2 s; still waiting for it"
                        .into(),
                );
                self.voice = Voice::Down {
                    since: now,
                    late: Some(worker),
                };
            }
        }
        if self.stop_deadline.is_some_and(|(_, at)| now >= at) {
            self.voice_down("stop took over 200 ms", now);
        }
        if self
            .current
            .as_ref()
            .and_then(|c| c.deadline)
            .is_some_and(|at| now >= at)
        {
            self.voice_down("no end of utterance in time", now);
        }
        if self.voice_deadline().is_some_and(|at| now >= at) {
            if let Voice::Down { .. } = self.voice {
                self.start_voice(now);
            }
        }
    }

    pub(super) fn on_voice(&mut self, worker: WorkerId, event: TtsEvent, now: Instant) {
        if self.voice_worker() != Some(worker) {
            return; // a worker given up on
        }
        match event {
            TtsEvent::Ready { languages } => {
                self.log(format!(
                    "speech: system voice ready for {}",
                    languages.join(", ")
                ));
                self.voice = Voice::Up { worker, languages };
            }
            TtsEvent::Failed(reason) => self.voice_down(&reason, now),
            TtsEvent::Refused(id, reason) => {
                self.log(format!(
                    "speech: system voice refused an utterance: {reason}"
                ));
                if self.is_current_tts(id) {
                    self.current = None;
                }
            }
            TtsEvent::Began(id, at) => self.trace_start(id, at),
            TtsEvent::Ended(id, at) => {
                if self.is_current_tts(id) && self.current.as_ref().is_some_and(|c| c.sounding) {
                    self.trace(TraceOp::AudioStop { id, at });
                    self.current = None;
                }
            }
            TtsEvent::StopAcked(id) => {
                if self.stop_deadline.is_some_and(|(ack, _)| ack == id) {
                    self.stop_deadline = None;
                }
            }
        }
    }

    /// A worker's thread ended; if it was the one in use, without saying
    /// why (it failed to start, or died), the voice is down.
    pub(super) fn voice_exited(&mut self, worker: WorkerId, now: Instant) {
        self.live_workers.remove(&worker);
        if self.voice_worker() == Some(worker) {
            self.voice_down("its worker ended", now);
        }
    }

    fn is_current_tts(&self, id: u64) -> bool {
        self.current
            .as_ref()
            .is_some_and(|c| c.id == id && c.backend == Backend::Tts)
    }

    /// The voice is given up on until the retry; what it was saying goes to
    /// the next backend in line.
    pub(super) fn voice_down(&mut self, reason: &str, now: Instant) {
        self.log(format!(
            "speech: system voice down: {reason}; retrying in {} s",
            RETRY.as_secs()
        ));
        if let Some(worker) = self.voice_worker() {
            // Asked to end; a hung one is left to itself, its events
            // ignored, and no other is started until its thread ends.
            self.ops.push(Op::DropVoice(worker));
        }
        self.voice = Voice::Down {
            since: now,
            late: None,
        };
        self.stop_deadline = None;
        if self
            .current
            .as_ref()
            .is_some_and(|c| c.backend == Backend::Tts)
        {
            self.requeue_current(now);
        }
    }

    /// Hands the utterance to the system voice, if it is up and has a voice
    /// for its language.
    pub(super) fn speak_voice(&mut self, id: u64, utterance: &Utterance) -> bool {
        let Voice::Up { worker, languages } = &self.voice else {
            return false;
        };
        if !languages.contains(&utterance.lang) {
            return false;
        }
        let op = Op::ToVoice(
            *worker,
            TtsCommand::Speak {
                id,
                text: utterance.text.clone(),
                lang: utterance.lang.clone(),
                rate: spd_rate(utterance.settings.rate),
                volume: spd_volume(utterance.settings.volume),
            },
        );
        self.ops.push(op);
        true
    }

    pub(super) fn stop_voice(&mut self, id: u64, now: Instant) {
        if let Voice::Up { worker, .. } = self.voice {
            self.ops
                .push(Op::ToVoice(worker, TtsCommand::Stop { ack: id }));
            self.stop_deadline = Some((id, now + TTS_STOP));
        }
    }
}
