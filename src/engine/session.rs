//! [`Session`]: one kiosk's state between customers and during a session.
//! Every key and timer goes through here and comes out as effects.

use std::time::Instant;

use super::tally::{Tally, Visit};
use super::timers::{Timer, Timers};
use super::{
    Effect, EngineConfig, Input, Now, Overlay, SpeechKind, SpeechSettings, Tone, Utterance, View,
};
use crate::flow::{Flow, LangIx, Phrase, StepIx, StepKind};
use crate::record::{Answer, PrintResult, Record};

/// Where the kiosk is between and within customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The start step, untouched: no session, no idle timer.
    Waiting,
    /// A customer is walking the flow.
    Active,
    /// An ending is shown; its record is written.
    Ended,
}

/// The kiosk's session state machine over one flow.
#[derive(Debug, Clone)]
pub struct Session {
    flow: Flow,
    config: EngineConfig,
    phase: Phase,
    lang: LangIx,
    settings: SpeechSettings,
    overlay: Overlay,
    help_offered: bool,
    paused: bool,
    /// The steps walked forward; back pops it. The last is on screen.
    path: Vec<StepIx>,
    visit: Visit,
    tally: Option<Tally>,
    timers: Timers,
    last_press: Option<(Input, Instant)>,
    /// The last print job's number (each [`Effect::Print`] takes the next).
    print_jobs: u64,
    /// The ended session's record, held until its print job answers (the
    /// ending came before the printer did): written then, or at the next
    /// reset or shutdown without the print result.
    held: Option<Held>,
}

#[derive(Debug, Clone)]
struct Held {
    job: u64,
    /// Index of the print step in the record's steps.
    at: usize,
    record: Record,
}

impl Session {
    /// A kiosk showing the flow's start step, waiting for a customer. The
    /// start screen stays quiet until someone presses a key.
    pub fn new(flow: Flow, config: EngineConfig, now: Instant) -> (Session, Vec<Effect>) {
        let lang = if config.language.0 < flow.languages.len() {
            config.language
        } else {
            LangIx(0)
        };
        let start = flow.start;
        let session = Session {
            lang,
            settings: config.speech,
            phase: Phase::Waiting,
            overlay: Overlay::None,
            help_offered: false,
            paused: false,
            path: vec![start],
            visit: Visit::new(start, now),
            tally: None,
            timers: Timers::default(),
            last_press: None,
            print_jobs: 0,
            held: None,
            flow,
            config,
        };
        let effects = vec![Effect::Show(session.view())];
        (session, effects)
    }

    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    pub fn view(&self) -> View {
        View {
            step: self.visit.step,
            lang: self.lang,
            overlay: self.overlay,
            help_offered: self.help_offered,
            paused: self.paused,
            settings: self.settings,
            in_session: self.phase == Phase::Active,
            can_go_back: self.can_go_back(),
        }
    }

    /// Back goes one step back: in a session, from any step but the first
    /// of the path walked (a flow that loops to its start step can go back
    /// from there too). The one rule: the key and the screen both ask it.
    fn can_go_back(&self) -> bool {
        self.phase == Phase::Active && self.path.len() > 1
    }

    /// When [`Session::handle_timeout`] is next due, if ever.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.timers.next_deadline()
    }

    pub fn handle_input(&mut self, input: Input, now: Now) -> Vec<Effect> {
        let mut fx = Vec::new();
        if self.repeat_guard_blocks(input, now.mono) {
            return fx;
        }
        let waking = self.phase == Phase::Waiting;
        if waking {
            self.begin_session(now);
            fx.push(Effect::Show(self.view()));
            if let StepKind::Ending { outcome } = self.flow.step(self.visit.step).kind {
                // A flow that starts on its ending: the session is over as
                // soon as it starts; greet with the ending.
                self.write_outcome(outcome, now.mono, &mut fx);
                self.arm_idle(now.mono);
                fx.push(Effect::StopSpeech);
                self.speak_step(&mut fx);
                return fx;
            }
        }
        if let Overlay::IdleWarning { .. } = self.overlay {
            self.dismiss_idle_warning(now.mono, &mut fx);
            return fx;
        }
        self.arm_idle(now.mono);
        if input != Input::Help
            && matches!(
                self.overlay,
                Overlay::KeyGuide | Overlay::StaffCalled | Overlay::PrintFailed
            )
        {
            self.overlay = Overlay::None;
            self.timers.stop(Timer::HelpWindow);
            fx.push(Effect::Show(self.view()));
        }
        if self.on_any_screen(input, now.mono, &mut fx) {
            return fx;
        }
        match self.phase {
            Phase::Ended => self.on_ending(input, now.mono, &mut fx),
            _ if self.overlay == Overlay::ConfirmStartOver => {
                self.on_confirm(input, now.mono, &mut fx)
            }
            _ => self.on_step(input, waking, now.mono, &mut fx),
        }
        fx
    }

    pub fn handle_timeout(&mut self, now: Now) -> Vec<Effect> {
        let mut fx = Vec::new();
        while let Some((timer, due)) = self.timers.pop_expired(now.mono) {
            match timer {
                Timer::IdleWarn => self.warn_idle(due, &mut fx),
                Timer::IdleReset => {
                    let stopped = self.visit.warned_at.unwrap_or(due);
                    self.write_record("abandoned", stopped, stopped, &mut fx);
                    self.reset_for_next_customer(due, &mut fx);
                }
                Timer::HelpWindow => {
                    if self.overlay == Overlay::KeyGuide {
                        self.overlay = Overlay::None;
                        fx.push(Effect::Show(self.view()));
                    }
                }
            }
        }
        fx
    }

    /// A print job ended. Its result joins the record (held since the
    /// ending, or still being counted); a failure for the customer still
    /// here is apologised for, shown and spoken. A stale job is ignored.
    pub fn handle_printed(&mut self, printed: super::Printed, _now: Now) -> Vec<Effect> {
        let mut fx = Vec::new();
        let ours = match (&mut self.tally, &mut self.held) {
            (Some(tally), _) => tally.print_done(printed.job, printed.result),
            (None, Some(held)) if held.job == printed.job => {
                if let Some(step) = held.record.steps.get_mut(held.at) {
                    step.print = Some(printed.result);
                }
                if let Some(held) = self.held.take() {
                    fx.push(Effect::Journal(held.record));
                }
                true
            }
            (None, _) => false,
        };
        if ours && printed.result == PrintResult::Failed {
            self.overlay = Overlay::PrintFailed;
            self.timers.stop(Timer::HelpWindow);
            fx.push(Effect::Show(self.view()));
            // After what is being said, not over it: the step goes on.
            self.say_phrase(Phrase::PrintFailedSay, SpeechKind::Prompt, &mut fx);
        }
        fx
    }

    /// The kiosk is being stopped: a session under way is written as
    /// abandoned (its time stopping at an idle warning on screen).
    pub fn handle_shutdown(&mut self, now: Now) -> Vec<Effect> {
        let mut fx = Vec::new();
        let stopped = match self.overlay {
            Overlay::IdleWarning { .. } => self.visit.warned_at.unwrap_or(now.mono),
            _ => now.mono,
        };
        self.write_record("abandoned", stopped, stopped, &mut fx);
        self.release_held(&mut fx);
        self.timers.stop_all();
        fx.push(Effect::Show(self.view()));
        fx
    }

    // ----- keys, by what is on screen -----

    /// Keys that do the same wherever they are pressed; false for others.
    fn on_any_screen(&mut self, input: Input, now: Instant, fx: &mut Vec<Effect>) -> bool {
        match input {
            Input::Pause => self.toggle_pause(fx),
            Input::Help => self.help(now, fx),
            Input::SwitchLanguage => self.switch_language(fx),
            Input::Slower | Input::Faster | Input::Quieter | Input::Louder => {
                self.adjust(input, fx)
            }
            _ => return false,
        }
        true
    }

    fn on_step(&mut self, input: Input, waking: bool, now: Instant, fx: &mut Vec<Effect>) {
        let kind = self.flow.step(self.visit.step).kind;
        match (input, kind) {
            (Input::Yes, StepKind::Question { yes, .. }) => self.answer(Answer::Yes, yes, now, fx),
            (Input::No, StepKind::Question { no, .. }) => self.answer(Answer::No, no, now, fx),
            (Input::Yes | Input::Continue, StepKind::Note { next }) => {
                self.answer(Answer::Next, next, now, fx)
            }
            (Input::Yes, StepKind::Print { next, .. }) => self.answer(Answer::Yes, next, now, fx),
            (Input::No, StepKind::Print { next, .. }) => self.answer(Answer::No, next, now, fx),
            (Input::Repeat, _) => self.repeat(fx),
            (Input::Back, _) if self.can_go_back() => self.go_back(now, fx),
            (Input::StartOver, _) => self.ask_start_over(fx),
            _ if waking => {
                // The first key of a session never scolds: it greets.
                fx.push(Effect::StopSpeech);
                self.speak_step(fx);
            }
            _ => self.tone(Tone::Invalid, fx),
        }
    }

    fn on_confirm(&mut self, input: Input, now: Instant, fx: &mut Vec<Effect>) {
        match input {
            Input::Yes => {
                self.write_record("restarted", now, now, fx);
                self.reset_for_next_customer(now, fx);
                // The customer is still here: greet them on the fresh start.
                self.speak_step(fx);
            }
            Input::No | Input::Back | Input::StartOver => {
                self.overlay = Overlay::None;
                fx.push(Effect::StopSpeech);
                fx.push(Effect::Show(self.view()));
                self.speak_step(fx);
            }
            Input::Repeat => {
                fx.push(Effect::StopSpeech);
                self.speak_overlay(fx);
            }
            _ => self.tone(Tone::Invalid, fx),
        }
    }

    fn on_ending(&mut self, input: Input, now: Instant, fx: &mut Vec<Effect>) {
        match input {
            Input::Yes | Input::Continue | Input::StartOver => {
                // After the reset's StopSpeech, which would cut it short, and
                // at her volume, not the next customer's.
                let volume = self.settings.volume;
                self.reset_for_next_customer(now, fx);
                if self.config.earcons {
                    fx.push(Effect::Tone {
                        tone: Tone::Continue,
                        volume,
                    });
                }
            }
            Input::Repeat => {
                fx.push(Effect::StopSpeech);
                self.speak_step(fx);
            }
            _ => self.tone(Tone::Invalid, fx),
        }
    }

    // ----- moving through the flow -----

    fn answer(&mut self, answer: Answer, target: StepIx, now: Instant, fx: &mut Vec<Effect>) {
        fx.push(Effect::StopSpeech);
        let (tone, echo) = match answer {
            Answer::Yes => (Tone::Yes, Some(Phrase::EchoYes)),
            Answer::No => (Tone::No, Some(Phrase::EchoNo)),
            _ => (Tone::Continue, None),
        };
        self.earcon(tone, fx);
        if let (Some(echo), true) = (echo, self.config.echo) {
            self.say_phrase(echo, SpeechKind::Echo, fx);
        }
        if let Some(tally) = &mut self.tally {
            tally.leave(&self.flow, &self.visit, answer, now);
        }
        if let (Answer::Yes, StepKind::Print { sheet, .. }) =
            (answer, self.flow.step(self.visit.step).kind)
        {
            self.print(sheet, fx);
        }
        let target = self.past_print_steps(target);
        self.path.push(target);
        self.show_step(target, now, fx);
        if let StepKind::Ending { outcome } = self.flow.step(target).kind {
            self.write_outcome(outcome, now, fx);
        }
    }

    /// Asks for the sheet to be printed and says so; the kiosk goes on at
    /// once, whatever the printer does.
    fn print(&mut self, sheet: usize, fx: &mut Vec<Effect>) {
        self.print_jobs += 1;
        let job = self.print_jobs;
        if let Some(tally) = &mut self.tally {
            tally.await_print(job);
        }
        fx.push(Effect::Print {
            job,
            sheet,
            lang: self.lang,
        });
        self.say_phrase(Phrase::PrintingSay, SpeechKind::Prompt, fx);
    }

    /// With no printer, a print step is not offered: the step after it
    /// (and after any print steps in a row) is shown instead.
    fn past_print_steps(&self, mut step: StepIx) -> StepIx {
        if self.config.printing {
            return step;
        }
        // Bounded: validation lets no loop of print steps through (it could
        // not reach an ending), but a bound costs nothing.
        for _ in 0..self.flow.steps.len() {
            match self.flow.step(step).kind {
                StepKind::Print { next, .. } => step = next,
                _ => break,
            }
        }
        step
    }

    /// The ending on screen was reached at `now`: its record, at once.
    fn write_outcome(&mut self, outcome: usize, now: Instant, fx: &mut Vec<Effect>) {
        let outcome = self
            .flow
            .outcomes
            .get(outcome)
            .map(|o| o.id.clone())
            .unwrap_or_default();
        self.write_record(&outcome, now, now, fx);
        fx.push(Effect::Show(self.view()));
    }

    fn go_back(&mut self, now: Instant, fx: &mut Vec<Effect>) {
        fx.push(Effect::StopSpeech);
        if let Some(tally) = &mut self.tally {
            tally.leave(&self.flow, &self.visit, Answer::Back, now);
            tally.count_back();
        }
        self.path.pop();
        let previous = self.path.last().copied().unwrap_or(self.flow.start);
        self.show_step(previous, now, fx);
    }

    /// Puts `step` on screen as a fresh visit and speaks it.
    fn show_step(&mut self, step: StepIx, now: Instant, fx: &mut Vec<Effect>) {
        self.visit = Visit::new(step, now);
        self.help_offered = false;
        self.overlay = Overlay::None;
        // Each step has its own idle time (`wait_s`), so arm it anew.
        self.arm_idle(now);
        fx.push(Effect::Show(self.view()));
        self.speak_step(fx);
    }

    fn begin_session(&mut self, now: Now) {
        self.phase = Phase::Active;
        self.tally = Some(Tally::start(now.mono, now.local_hour));
        // The start step's time counts from the first key.
        self.visit = Visit::new(self.visit.step, now.mono);
    }

    /// Writes the session under way, if any: the visit on screen ends with
    /// `none` at `left_at`; the session's time stops at `ended_at`.
    fn write_record(
        &mut self,
        outcome: &str,
        left_at: Instant,
        ended_at: Instant,
        fx: &mut Vec<Effect>,
    ) {
        if self.phase != Phase::Active {
            return;
        }
        if let Some(mut tally) = self.tally.take() {
            tally.leave(&self.flow, &self.visit, Answer::None, left_at);
            let pending = tally.awaits_print();
            let record = tally.finish(&self.flow, &self.config.kiosk, self.lang, outcome, ended_at);
            match pending {
                Some((job, at)) => self.held = Some(Held { job, at, record }),
                None => fx.push(Effect::Journal(record)),
            }
        }
        self.phase = Phase::Ended;
    }

    /// Writes a record held for its print result without it: the next
    /// customer came, or the kiosk stops, before the printer answered.
    fn release_held(&mut self, fx: &mut Vec<Effect>) {
        if let Some(held) = self.held.take() {
            fx.push(Effect::Journal(held.record));
        }
    }

    /// Back to the untouched start step, with nothing of the last customer.
    fn reset_for_next_customer(&mut self, now: Instant, fx: &mut Vec<Effect>) {
        let start = self.flow.start;
        self.release_held(fx);
        self.phase = Phase::Waiting;
        self.tally = None;
        self.lang = self.config.language;
        if self.lang.0 >= self.flow.languages.len() {
            self.lang = LangIx(0);
        }
        self.settings = self.config.speech;
        self.overlay = Overlay::None;
        self.help_offered = false;
        self.paused = false;
        self.path = vec![start];
        self.visit = Visit::new(start, now);
        self.timers.stop_all();
        fx.push(Effect::StopSpeech);
        fx.push(Effect::Reset);
        fx.push(Effect::SpeechSettings(self.settings));
        fx.push(Effect::Show(self.view()));
    }

    // ----- idle -----

    /// The idle warning's timer, from `now`: the step's own `wait_s` where
    /// it has one (she is away doing what it asked), else the idle timeout.
    fn arm_idle(&mut self, now: Instant) {
        if self.phase != Phase::Waiting {
            let wait = self
                .flow
                .step(self.visit.step)
                .wait
                .unwrap_or(self.config.idle_timeout);
            self.timers.set(Timer::IdleWarn, now + wait);
        }
    }

    fn warn_idle(&mut self, at: Instant, fx: &mut Vec<Effect>) {
        // After the warning, the usual idle time, on a waiting step too.
        let reset_at = at + self.config.idle_timeout;
        self.overlay = Overlay::IdleWarning { reset_at };
        self.visit.warned_at = Some(at);
        self.timers.stop(Timer::HelpWindow);
        self.timers.set(Timer::IdleReset, reset_at);
        fx.push(Effect::StopSpeech);
        self.earcon(Tone::IdleWarning, fx);
        self.say_phrase(Phrase::IdleWarningSay, SpeechKind::Idle, fx);
        fx.push(Effect::Show(self.view()));
    }

    fn dismiss_idle_warning(&mut self, now: Instant, fx: &mut Vec<Effect>) {
        self.overlay = Overlay::None;
        self.timers.stop(Timer::IdleReset);
        self.arm_idle(now);
        fx.push(Effect::StopSpeech);
        fx.push(Effect::Show(self.view()));
    }

    // ----- help, repeat, language, settings -----

    fn help(&mut self, now: Instant, fx: &mut Vec<Effect>) {
        if self.phase == Phase::Active {
            self.visit.help += 1;
            if let Some(tally) = &mut self.tally {
                tally.count_help();
            }
        }
        fx.push(Effect::StopSpeech);
        match self.overlay {
            Overlay::KeyGuide | Overlay::StaffCalled => {
                self.overlay = Overlay::StaffCalled;
                self.timers.stop(Timer::HelpWindow);
                fx.push(Effect::CallStaff);
                self.earcon(Tone::StaffCall, fx);
            }
            _ => {
                self.overlay = Overlay::KeyGuide;
                self.timers
                    .set(Timer::HelpWindow, now + self.config.help_window);
            }
        }
        fx.push(Effect::Show(self.view()));
        self.speak_overlay(fx);
    }

    fn repeat(&mut self, fx: &mut Vec<Effect>) {
        fx.push(Effect::StopSpeech);
        self.visit.repeats += 1;
        let offer_help = self.visit.repeats == 2;
        if offer_help {
            if let Some(slower) = self.settings.rate.down() {
                self.settings.rate = slower;
                fx.push(Effect::SpeechSettings(self.settings));
            }
            self.help_offered = true;
            fx.push(Effect::Show(self.view()));
        }
        self.speak_step(fx);
        if offer_help {
            self.say_phrase(Phrase::HelpOfferSay, SpeechKind::Prompt, fx);
        }
    }

    fn toggle_pause(&mut self, fx: &mut Vec<Effect>) {
        self.paused = !self.paused;
        fx.push(if self.paused {
            Effect::PauseSpeech
        } else {
            Effect::ResumeSpeech
        });
        fx.push(Effect::Show(self.view()));
    }

    fn switch_language(&mut self, fx: &mut Vec<Effect>) {
        let count = self.flow.languages.len();
        if count < 2 {
            self.tone(Tone::Invalid, fx);
            return;
        }
        self.lang = LangIx((self.lang.0 + 1) % count);
        fx.push(Effect::StopSpeech);
        fx.push(Effect::Show(self.view()));
        self.speak_overlay(fx);
    }

    fn adjust(&mut self, input: Input, fx: &mut Vec<Effect>) {
        let current = self.settings;
        let changed = match input {
            Input::Slower => current
                .rate
                .down()
                .map(|rate| SpeechSettings { rate, ..current }),
            Input::Faster => current
                .rate
                .up()
                .map(|rate| SpeechSettings { rate, ..current }),
            Input::Quieter => current
                .volume
                .down()
                .map(|volume| SpeechSettings { volume, ..current }),
            Input::Louder => current
                .volume
                .up()
                .map(|volume| SpeechSettings { volume, ..current }),
            _ => None,
        };
        let Some(changed) = changed else {
            self.tone(Tone::Invalid, fx);
            return;
        };
        self.settings = changed;
        fx.push(Effect::SpeechSettings(changed));
        let tone = if changed.rate != current.rate {
            Tone::Rate(changed.rate)
        } else {
            Tone::Volume(changed.volume)
        };
        self.tone(tone, fx);
        fx.push(Effect::Show(self.view()));
    }

    fn ask_start_over(&mut self, fx: &mut Vec<Effect>) {
        self.overlay = Overlay::ConfirmStartOver;
        fx.push(Effect::StopSpeech);
        fx.push(Effect::Show(self.view()));
        self.speak_overlay(fx);
    }

    // ----- speech -----

    /// Speaks what is on screen: the overlay's phrase, or the step.
    fn speak_overlay(&mut self, fx: &mut Vec<Effect>) {
        match self.overlay {
            Overlay::KeyGuide => self.say_phrase(Phrase::KeyGuideSay, SpeechKind::Guide, fx),
            Overlay::StaffCalled => self.say_phrase(Phrase::StaffCalledSay, SpeechKind::Prompt, fx),
            Overlay::PrintFailed => self.say_phrase(Phrase::PrintFailedSay, SpeechKind::Prompt, fx),
            Overlay::ConfirmStartOver => {
                self.say_phrase(Phrase::ConfirmStartOverSay, SpeechKind::Prompt, fx)
            }
            Overlay::IdleWarning { .. } => {
                self.say_phrase(Phrase::IdleWarningSay, SpeechKind::Idle, fx)
            }
            Overlay::None => self.speak_step(fx),
        }
    }

    /// The step's say or text, then its list items, then the key prompt.
    fn speak_step(&mut self, fx: &mut Vec<Effect>) {
        if self.paused {
            // Speaking again ends a pause: the screen's pause mark goes too.
            self.paused = false;
            fx.push(Effect::Show(self.view()));
        }
        let step = self.flow.step(self.visit.step);
        let mut texts: Vec<String> = vec![step.spoken_text(self.lang).to_string()];
        texts.extend(step.spoken_list(self.lang).iter().cloned());
        for text in texts {
            self.say(text, SpeechKind::Step, fx);
        }
        let prompt = match step.kind {
            StepKind::Question { .. } => Phrase::PromptQuestion,
            StepKind::Note { .. } => Phrase::PromptNote,
            StepKind::Print { .. } => Phrase::PromptPrint,
            StepKind::Ending { .. } => Phrase::PromptEnding,
        };
        self.say_phrase(prompt, SpeechKind::Prompt, fx);
    }

    fn say_phrase(&self, phrase: Phrase, kind: SpeechKind, fx: &mut Vec<Effect>) {
        let text = self.flow.phrase(self.lang, phrase).to_string();
        self.say(text, kind, fx);
    }

    fn say(&self, text: String, kind: SpeechKind, fx: &mut Vec<Effect>) {
        if text.trim().is_empty() {
            return;
        }
        fx.push(Effect::Speak(Utterance {
            text,
            lang: self.flow.lang_code(self.lang).to_string(),
            kind,
            settings: self.settings,
        }));
    }

    /// A sound the config may turn off (answers, idle, staff call).
    fn earcon(&self, tone: Tone, fx: &mut Vec<Effect>) {
        if self.config.earcons {
            self.tone(tone, fx);
        }
    }

    fn tone(&self, tone: Tone, fx: &mut Vec<Effect>) {
        fx.push(Effect::Tone {
            tone,
            volume: self.settings.volume,
        });
    }

    // ----- the repeat guard -----

    /// A repeated identical key within the guard time is ignored: elderly
    /// hands double-press. Any other key in between breaks the repetition.
    fn repeat_guard_blocks(&mut self, input: Input, at: Instant) -> bool {
        let blocked = input.is_guarded()
            && matches!(self.last_press, Some((prev, t))
                if prev == input && at.saturating_duration_since(t) < self.config.repeat_guard);
        self.last_press = Some((input, at));
        blocked
    }
}

#[cfg(test)]
impl Session {
    pub(super) fn path_for_test(&self) -> &[StepIx] {
        &self.path
    }

    pub(super) fn settings_level(&self) -> (super::Level, super::Level) {
        (self.settings.rate, self.settings.volume)
    }
}
