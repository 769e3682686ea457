//! The App's staff mode (issue 17): opened by the `staff_keys` sequence
//! (held back from the customer until it is whole or broken), closed by
//! Esc, the sequence again, or [`STAFF_TIMEOUT`] without a key, always to
//! the customer's start screen. It writes nothing to the journal: the
//! session under way is written as abandoned on the way in, and a new one
//! starts on the way out (on the reloaded flow, when one was accepted).

use std::time::{Duration, Instant};

use super::{engine_effects, App, Effect, Exit, Mode};
use crate::engine::{self, Input, Now, Session, SpeechKind, Tone, Utterance};
use crate::input::{normalize, StaffFed};
use crate::staff::keys::{
    LEAVE as KEY_LEAVE, PAGE as KEY_PAGE, PRINT_TEST as KEY_PRINT_TEST, RECHECK as KEY_RECHECK,
    RELOAD as KEY_RELOAD, SPEECH_TEST as KEY_SPEECH_TEST, STAFF_EXIT as KEY_STAFF_EXIT,
};
use crate::staff::{Notice, StaffEvent, StaffRequest, StaffView};

/// Without a key for this long, the staff screen closes.
pub const STAFF_TIMEOUT: Duration = Duration::from_secs(60);

/// How long the start of the staff sequence is held back waiting for its
/// next key before it acts as the customer's keys.
pub const HOLD: Duration = Duration::from_secs(2);

/// The test sentence of a language; English for one without its own.
pub fn test_sentence(lang: &str) -> &'static str {
    match lang {
        "ja" => "音声のテストです。この声が聞こえれば、日本語の案内は使えます。",
        _ => "This is a sound test. If you can hear this voice, the English guidance works.",
    }
}

impl App {
    /// A key while a customer (or nobody) is at the kiosk: through the
    /// staff sequence first, which may hold it back.
    pub(super) fn customer_or_staff_key(&mut self, name: &str, now: Now) -> Vec<Effect> {
        match self.staff_keys.feed(name, now) {
            StaffFed::Held => Vec::new(),
            StaffFed::Matched => self.enter_staff(now),
            StaffFed::Release(keys) => {
                let mut effects = Vec::new();
                for (key, at) in keys {
                    effects.extend(self.customer_key(&key, at));
                }
                effects
            }
        }
    }

    /// Held keys whose wait ran out act as they would have, at their
    /// times: the customer's, or the staff screen's.
    pub(super) fn release_held(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        for (key, at) in self.staff_keys.release_all() {
            effects.extend(match self.mode {
                Mode::Customer => self.customer_key(&key, at),
                Mode::Staff => self.staff_action(&key, at),
            });
        }
        effects
    }

    /// When held keys stop waiting.
    pub(super) fn hold_deadline(&self) -> Option<Instant> {
        self.staff_keys.holding().map(|at| at.mono + HOLD)
    }

    fn enter_staff(&mut self, now: Now) -> Vec<Effect> {
        let mut effects = engine_effects(self.session.handle_shutdown(now));
        effects.push(Effect::Engine(engine::Effect::StopSpeech));
        self.mode = Mode::Staff;
        self.staff_since = now.mono;
        self.staff_view = StaffView::default();
        effects.extend(self.recheck());
        effects.push(Effect::Log("staff screen opened".into()));
        effects.push(Effect::Redraw);
        effects
    }

    /// Back to the customer's start screen, on a new session.
    pub(super) fn leave_staff(&mut self, now: Now) -> Vec<Effect> {
        self.staff_keys.clear();
        self.mode = Mode::Customer;
        self.staff_view = StaffView::default();
        let flow = match self.next_flow.take() {
            Some(flow) => *flow,
            None => self.session.flow().clone(),
        };
        let (session, effects) = Session::new(flow, self.session.config().clone(), now.mono);
        self.session = session;
        let mut out = vec![
            Effect::Engine(engine::Effect::Reset),
            Effect::Log("staff screen closed".into()),
        ];
        out.extend(engine_effects(effects));
        out
    }

    /// Starts every probe and the counts again.
    fn recheck(&mut self) -> Vec<Effect> {
        self.staff_view.health = self.staff_setup.probes.iter().map(|p| (*p, None)).collect();
        self.staff_view.counts = None;
        vec![
            Effect::Staff(StaffRequest::Probe(self.staff_setup.probes.clone())),
            Effect::Staff(StaffRequest::Counts),
        ]
    }

    /// A key on the staff screen: the sequence again closes it, and its
    /// start is held back here too (its keys may be the screen's).
    pub(super) fn staff_key(&mut self, name: &str, now: Now) -> Vec<Effect> {
        self.staff_since = now.mono;
        match self.staff_keys.feed(name, now) {
            StaffFed::Held => Vec::new(),
            StaffFed::Matched => self.leave_staff(now),
            StaffFed::Release(keys) => {
                let mut effects = Vec::new();
                for (key, at) in keys {
                    if self.mode != Mode::Staff || self.exited.is_some() {
                        break;
                    }
                    effects.extend(self.staff_action(&key, at));
                }
                effects
            }
        }
    }

    /// What one key does on the staff screen.
    fn staff_action(&mut self, name: &str, now: Now) -> Vec<Effect> {
        let key = normalize(name);
        let mut effects = match key.as_str() {
            KEY_LEAVE => return self.leave_staff(now),
            KEY_PAGE => {
                self.staff_view.page = self.staff_view.page.wrapping_add(1);
                Vec::new()
            }
            KEY_SPEECH_TEST => self.speech_test(),
            KEY_RELOAD if self.staff_setup.can_reload => {
                self.staff_view.notice = Some(Notice::Reloading);
                vec![Effect::Staff(StaffRequest::ReloadFlow)]
            }
            KEY_RELOAD => {
                self.staff_view.notice = Some(Notice::NoFlowFile);
                Vec::new()
            }
            KEY_PRINT_TEST if self.staff_setup.printer => {
                self.staff_view.notice = Some(Notice::PrintTest);
                vec![Effect::Staff(StaffRequest::PrintTest)]
            }
            KEY_RECHECK => self.recheck(),
            KEY_STAFF_EXIT if self.staff_setup.staff_exit => {
                return self.exit(Exit::Staff, now);
            }
            _ => return Vec::new(),
        };
        effects.push(Effect::Redraw);
        effects
    }

    /// A test sentence in each of the flow's languages, then each earcon.
    fn speech_test(&mut self) -> Vec<Effect> {
        let settings = self.session.config().speech;
        let mut effects = vec![Effect::Engine(engine::Effect::StopSpeech)];
        for lang in &self.session.flow().languages {
            effects.push(Effect::Engine(engine::Effect::Speak(Utterance {
                text: test_sentence(lang).to_string(),
                lang: lang.clone(),
                kind: SpeechKind::Step,
                settings,
            })));
        }
        for tone in [
            Tone::Yes,
            Tone::No,
            Tone::Continue,
            Tone::Invalid,
            Tone::IdleWarning,
            Tone::StaffCall,
        ] {
            effects.push(Effect::Engine(engine::Effect::Tone {
                tone,
                volume: settings.volume,
            }));
        }
        self.staff_view.notice = Some(Notice::SpeechTest);
        effects
    }

    /// What the edges found for the staff screen; taken in any mode (a
    /// probe may answer after the screen closed: then it is dropped).
    pub(super) fn on_staff_event(&mut self, event: StaffEvent) -> Vec<Effect> {
        if let StaffEvent::FlowLoaded(result) = event {
            return self.on_flow_loaded(result);
        }
        if self.mode != Mode::Staff {
            return Vec::new();
        }
        match event {
            StaffEvent::Health { probe, lines } => {
                if let Some(slot) = self.staff_view.health.iter_mut().find(|(p, _)| *p == probe) {
                    slot.1 = Some(lines);
                }
            }
            StaffEvent::Counts(counts) => self.staff_view.counts = Some(counts),
            StaffEvent::PrintTested(result) => {
                self.staff_view.notice = Some(Notice::PrintTested(result));
            }
            StaffEvent::FlowLoaded(_) => {}
        }
        vec![Effect::Redraw]
    }

    fn on_flow_loaded(&mut self, result: Result<Box<crate::flow::Flow>, String>) -> Vec<Effect> {
        let (notice, log) = match result {
            Ok(mut flow) => {
                flow.name_keys(&self.keys.key_names());
                let notice = Notice::Reloaded {
                    id: flow.id.clone(),
                    hash: flow.hash.clone(),
                };
                let log = format!(
                    "flow reloaded: \"{}\" ({}), from the next customer on",
                    flow.id, flow.hash
                );
                self.next_flow = Some(flow);
                (notice, log)
            }
            Err(error) => {
                let log = format!("flow reload refused: {error}; the running flow stays");
                (Notice::Refused(error), log)
            }
        };
        let mut effects = vec![Effect::Log(log)];
        if self.mode == Mode::Staff {
            self.staff_view.notice = Some(notice);
            effects.push(Effect::Redraw);
        }
        effects
    }

    /// When the staff screen closes by itself.
    pub(super) fn staff_deadline(&self) -> Instant {
        self.staff_since + STAFF_TIMEOUT
    }

    /// Whether a customer key means something for the customer at all
    /// (`Input::Other` keys of the staff sequences do not).
    pub(super) fn is_staff_only(&self, name: &str, input: Input) -> bool {
        input == Input::Other && (self.exit_keys.contains(name) || self.staff_keys.contains(name))
    }
}
