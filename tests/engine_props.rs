//! Property tests of the session engine (DESIGN sections 5 and 7) through the
//! public API only: random flows are generated as TOML text and loaded with
//! `flow::load_source`, then driven by up to 500 random keys and clock
//! advances on a fake clock, the way the event loop drives the engine (a
//! timeout whenever the clock passes `next_deadline()`, sometimes late).
//!
//! A model kept outside the engine (waiting / in a session / ending shown)
//! follows the effects, and every step checks:
//! 1. nothing panics;
//! 2. the view always names a real step and language, and every `Show`d
//!    view and spoken language does too;
//! 3. one record per session that ends: a record only for a session under
//!    way, never a reset that drops a session unrecorded, an idle reset of a
//!    session comes with an "abandoned" record, start-over with "restarted",
//!    and shutdown writes a record exactly when a session is unrecorded;
//! 4. every record replays through the flow (path, answers, back stack,
//!    outcome, end, totals, times, language, hour, header fields);
//! 5. timers: after `handle_timeout(now)` (or a key at `now`) no deadline is
//!    at or before `now`; the untouched start screen runs no timer and shows
//!    nothing of the last customer; a session or ending screen always has a
//!    timer due within the step's wait (its `wait_s`, else the idle timeout)
//!    plus the idle timeout of the last key;
//!
//! plus the repeat guard of section 7 (a key is ignored, with no effect at
//! all, exactly when it repeats the previous key within the guard time), the
//! idle timing (warning at the step's wait after the last key, reset the idle
//! timeout after that), speech in the language and settings on screen, and the
//! screen ending up showing the engine's view after every call.
//!
//! Engine bugs these properties found keep their minimal case as a
//! regression test at the end of the file.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use counter_kiosk::engine::{
    Effect, EngineConfig, Input, Level, Now, Overlay, Session, SpeechSettings, View,
};
use counter_kiosk::flow::{self, Flow, LangIx, Phrase, StepIx, StepKind};
use counter_kiosk::journal::{Answer, LocalHour, Record};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

// ----- the fake clock -----

/// One real instant taken once; every time in these tests is this plus a
/// whole number of milliseconds.
fn base() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

/// The local hour at `t`: the clock starts at 2026-11-24 22:00 so long runs
/// cross midnight.
fn hour_at(t: Instant) -> LocalHour {
    let h = t.saturating_duration_since(base()).as_secs() / 3600 + 22;
    LocalHour {
        year: 2026,
        month: 11,
        day: 24 + u8::try_from(h / 24).unwrap_or(0),
        hour: u8::try_from(h % 24).unwrap_or(0),
    }
}

fn now_at(t: Instant) -> Now {
    Now {
        mono: t,
        local_hour: hour_at(t),
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

// ----- generated flows -----

const MAX_STEPS: usize = 12;
const THIRD_LANGS: [&str; 3] = ["fr", "ko", "pt-br"];
const OUTCOMES: [&str; 3] = ["resolved", "referred", "gave_up"];
const STAGES: [&str; 3] = ["check", "detour", "support"];

/// The raw random choices a flow is built from (shrinks toward small flows).
#[derive(Debug, Clone)]
struct FlowSpec {
    n: usize,
    /// Per step: 0 ending, 1 note, 2 question (adjusted to keep the flow valid).
    kinds: Vec<u8>,
    /// Per step: which open answer slot of an earlier step leads to it.
    tree_picks: Vec<u32>,
    /// Targets of the answer slots left open: any step (back-edges, loops).
    extra: Vec<u32>,
    /// Sort keys: the order steps are written in the file.
    file_order: Vec<u32>,
    /// 0 ja, 1 en, 2 ja+en, 3 en+ja.
    langs: u8,
    /// A third language (index into THIRD_LANGS) and where it goes in the list.
    third: Option<(u8, u8)>,
    stages: usize,
    step_stage: Vec<u8>,
    outcomes: usize,
    ending_outcome: Vec<u8>,
    /// Per step: list items (0 = none), say_list language mask, say language
    /// mask, and a shop note field.
    extras: Vec<(u8, u8, u8, bool)>,
    /// Override a few built-in phrases of the first language in [ui.xx].
    ui_override: bool,
    /// Per step: its `wait_s`, if any.
    waits: Vec<Option<u16>>,
}

/// A flow's TOML text; Debug prints it as it would sit in a file, so a
/// failing case reads as a flow file.
#[derive(Clone)]
struct FlowText {
    toml: String,
}

impl fmt::Debug for FlowText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n----- flow -----\n{}----------------", self.toml)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GKind {
    End(usize),
    Note(usize),
    Question(usize, usize),
}

/// Flows of up to `max_steps` steps.
fn flow_spec(max_steps: usize) -> impl Strategy<Value = FlowSpec> {
    (
        (
            1..=max_steps,
            vec(0u8..3, max_steps),
            vec(any::<u32>(), max_steps),
            vec(any::<u32>(), 2 * max_steps),
            vec(any::<u32>(), max_steps),
        ),
        (
            0u8..4,
            option::of((0u8..3, 0u8..3)),
            0usize..=3,
            vec(0u8..4, max_steps),
            1usize..=3,
            vec(0u8..3, max_steps),
            vec(
                (0u8..=3, any::<u8>(), any::<u8>(), any::<bool>()),
                max_steps,
            ),
            any::<bool>(),
            vec(option::weighted(0.2, 60u16..=3600), max_steps),
        ),
    )
        .prop_map(
            |(
                (n, kinds, tree_picks, extra, file_order),
                (
                    langs,
                    third,
                    stages,
                    step_stage,
                    outcomes,
                    ending_outcome,
                    extras,
                    ui_override,
                    waits,
                ),
            )| FlowSpec {
                n,
                kinds,
                tree_picks,
                extra,
                file_order,
                langs,
                third,
                stages,
                step_stage,
                outcomes,
                ending_outcome,
                extras,
                ui_override,
                waits,
            },
        )
}

fn gen_flow() -> impl Strategy<Value = FlowText> {
    gen_flow_up_to(MAX_STEPS)
}

fn gen_flow_up_to(max_steps: usize) -> impl Strategy<Value = FlowText> {
    flow_spec(max_steps).prop_map(|spec| FlowText {
        toml: flow_toml(&spec),
    })
}

/// A step graph where every step is reachable from step 0 (a random tree
/// of answers) and can reach an ending (open answers go anywhere, then tree
/// leaves that are caught in a loop get one way out to an ending).
fn build_graph(spec: &FlowSpec) -> Vec<GKind> {
    let n = spec.n;
    let mut kind: Vec<u8> = Vec::with_capacity(n);
    let mut slots: Vec<Vec<Option<usize>>> = Vec::with_capacity(n);
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut has_child = vec![false; n];
    for i in 0..n {
        if i > 0 {
            let pick = spec.tree_picks[i] as usize % open.len();
            let (parent, slot) = open.swap_remove(pick);
            slots[parent][slot] = Some(i);
            has_child[parent] = true;
        }
        let mut k = spec.kinds[i] % 3;
        if k == 0 && open.is_empty() && i + 1 < n {
            k = 1; // later steps need somewhere to hang from
        }
        let count = usize::from(k);
        kind.push(k);
        slots.push(vec![None; count]);
        open.extend((0..count).map(|s| (i, s)));
    }
    if !kind.contains(&0) {
        // The last step is always a tree leaf: make it the ending.
        let last = n - 1;
        kind[last] = 0;
        slots[last].clear();
        open.retain(|(p, _)| *p != last);
    }
    for (j, (parent, slot)) in open.iter().enumerate() {
        slots[*parent][*slot] = Some(spec.extra[j % spec.extra.len()] as usize % n);
    }
    let endings: Vec<usize> = (0..n).filter(|i| kind[*i] == 0).collect();
    for leaf in 0..n {
        if kind[leaf] == 0 || has_child[leaf] {
            continue;
        }
        if !can_end(&kind, &slots)[leaf] {
            let pick = spec.extra[(leaf + 7) % spec.extra.len()] as usize;
            slots[leaf][0] = Some(endings[pick % endings.len()]);
        }
    }
    (0..n)
        .map(|i| {
            let t = |s: usize| slots[i][s].unwrap_or(0);
            match kind[i] {
                0 => GKind::End(usize::from(spec.ending_outcome[i]) % spec.outcomes),
                1 => GKind::Note(t(0)),
                _ => GKind::Question(t(0), t(1)),
            }
        })
        .collect()
}

fn can_end(kind: &[u8], slots: &[Vec<Option<usize>>]) -> Vec<bool> {
    let n = kind.len();
    let mut ok: Vec<bool> = kind.iter().map(|k| *k == 0).collect();
    loop {
        let mut changed = false;
        for i in 0..n {
            if !ok[i] && slots[i].iter().flatten().any(|t| ok[*t]) {
                ok[i] = true;
                changed = true;
            }
        }
        if !changed {
            return ok;
        }
    }
}

fn languages(spec: &FlowSpec) -> Vec<&'static str> {
    let mut langs = match spec.langs {
        0 => vec!["ja"],
        1 => vec!["en"],
        2 => vec!["ja", "en"],
        _ => vec!["en", "ja"],
    };
    if let Some((code, at)) = spec.third {
        let at = usize::from(at).min(langs.len());
        langs.insert(at, THIRD_LANGS[usize::from(code)]);
    }
    langs
}

fn text_in(lang: &str, what: &str, i: usize) -> String {
    match lang {
        "ja" => format!("{what}の だい{i}"),
        "en" => format!("The {what} number {i}"),
        other => format!("[{other}] {what} {i}"),
    }
}

fn texts(langs: &[&str], what: &str, i: usize) -> String {
    let parts: Vec<String> = langs
        .iter()
        .map(|l| format!("{} = \"{}\"", key(l), text_in(l, what, i)))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

/// A language code as a TOML key (`pt-br` is a bare key too, but quote it
/// anyway to keep the generator honest).
fn key(lang: &str) -> String {
    format!("\"{lang}\"")
}

fn lists(langs: &[&str], items: usize, i: usize, mask: u8) -> String {
    let parts: Vec<String> = langs
        .iter()
        .enumerate()
        .filter(|(l, _)| mask & (1 << l) != 0)
        .map(|(_, l)| {
            let list: Vec<String> = (0..items)
                .map(|k| format!("\"{}\"", text_in(l, "item", i * 10 + k)))
                .collect();
            format!("{} = [{}]", key(l), list.join(", "))
        })
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

fn flow_toml(spec: &FlowSpec) -> String {
    let langs = languages(spec);
    let graph = build_graph(spec);
    let id = |i: usize| format!("s{i}");
    let mut out = String::new();
    let quoted: Vec<String> = langs.iter().map(|l| format!("\"{l}\"")).collect();
    out += "[flow]\nid = \"generated-flow\"\nstart = \"s0\"\n";
    out += &format!("languages = [{}]\n", quoted.join(", "));
    out += &format!("title = {}\n\n", texts(&langs, "title", 0));
    for (i, stage) in STAGES.iter().take(spec.stages).enumerate() {
        out += &format!(
            "[stages.{stage}]\ntitle = {}\n\n",
            texts(&langs, "stage", i)
        );
    }
    for (i, outcome) in OUTCOMES.iter().take(spec.outcomes).enumerate() {
        out += &format!(
            "[outcomes.{outcome}]\ntitle = {}\n\n",
            texts(&langs, "outcome", i)
        );
    }
    let mut order: Vec<usize> = (0..graph.len()).collect();
    order.sort_by_key(|i| (spec.file_order[*i], *i));
    for i in order {
        out += &format!("[steps.{}]\n", id(i));
        let stage = usize::from(spec.step_stage[i]);
        if stage < spec.stages {
            out += &format!("stage = \"{}\"\n", STAGES[stage]);
        }
        out += &format!("text = {}\n", texts(&langs, "step", i));
        let (items, say_list_mask, say_mask, note) = spec.extras[i];
        let all = (1u8 << langs.len()) - 1;
        if say_mask & all != 0 {
            out += &format!("say = {}\n", {
                let parts: Vec<String> = langs
                    .iter()
                    .enumerate()
                    .filter(|(l, _)| say_mask & (1 << l) != 0)
                    .map(|(_, l)| format!("{} = \"{}\"", key(l), text_in(l, "say", i)))
                    .collect();
                format!("{{ {} }}", parts.join(", "))
            });
        }
        if items > 0 {
            out += &format!("list = {}\n", lists(&langs, usize::from(items), i, all));
            if say_list_mask & all != 0 {
                out += &format!(
                    "say_list = {}\n",
                    lists(&langs, usize::from(items), i + 50, say_list_mask)
                );
            }
        }
        if note {
            out += "x_note = \"the shop's own note\"\n";
        }
        if let Some(wait) = spec.waits[i] {
            out += &format!("wait_s = {wait}\n");
        }
        match graph[i] {
            GKind::End(o) => out += &format!("end = \"{}\"\n", OUTCOMES[o]),
            GKind::Note(next) => out += &format!("next = \"{}\"\n", id(next)),
            GKind::Question(yes, no) => {
                out += &format!("yes = \"{}\"\nno = \"{}\"\n", id(yes), id(no));
            }
        }
        out += "\n";
    }
    for lang in &langs {
        let builtin = Phrase::PromptQuestion.builtin(lang).is_some();
        if builtin && !(spec.ui_override && *lang == langs[0]) {
            continue;
        }
        out += &format!("[ui.{}]\n", key(lang));
        for phrase in Phrase::ALL {
            // Built-in languages override a few; others must give them all.
            let wanted = if builtin {
                matches!(
                    phrase,
                    Phrase::PromptQuestion | Phrase::IdleWarningSay | Phrase::EchoNo
                )
            } else {
                phrase.required()
            };
            if wanted {
                let holes = phrase.placeholders().join(" ");
                out += &format!(
                    "{} = \"{lang}: {} {holes}\"\n",
                    phrase.name(),
                    phrase.name()
                );
            }
        }
        out += "\n";
    }
    out
}

fn load(text: &FlowText) -> Result<Flow, TestCaseError> {
    let loaded = flow::load_source("generated.toml", &text.toml);
    let errors: Vec<String> = loaded.errors().map(ToString::to_string).collect();
    match loaded.flow {
        Some(flow) if errors.is_empty() => Ok(flow),
        _ => Err(TestCaseError::fail(format!(
            "the generator made an invalid flow:\n{}\n{:?}",
            errors.join("\n"),
            text
        ))),
    }
}

// ----- engine settings and what the customer and the clock do -----

fn config() -> impl Strategy<Value = EngineConfig> {
    (
        1_000u64..=120_000,
        prop_oneof![Just(0u64), 1u64..=1_000],
        1_000u64..=60_000,
        any::<bool>(),
        any::<bool>(),
        0usize..4,
        1u8..=5,
        1u8..=5,
        prop_oneof![Just("counter".to_string()), "[a-z0-9-]{1,12}"],
    )
        .prop_map(
            |(idle, guard, help, echo, earcons, lang, rate, volume, kiosk)| EngineConfig {
                kiosk,
                idle_timeout: Duration::from_millis(idle),
                repeat_guard: Duration::from_millis(guard),
                help_window: Duration::from_millis(help),
                echo,
                earcons,
                language: LangIx(lang),
                speech: SpeechSettings {
                    rate: Level::new(rate),
                    volume: Level::new(volume),
                },
                // With no printer: print steps are skipped (their own
                // tests are in src/engine/tests/print.rs).
                printing: false,
            },
        )
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        6 => Just(Input::Yes),
        4 => Just(Input::No),
        3 => Just(Input::Continue),
        3 => Just(Input::Back),
        2 => Just(Input::Repeat),
        1 => Just(Input::Pause),
        2 => Just(Input::Help),
        1 => Just(Input::SwitchLanguage),
        1 => Just(Input::Slower),
        1 => Just(Input::Faster),
        1 => Just(Input::Quieter),
        1 => Just(Input::Louder),
        2 => Just(Input::StartOver),
        1 => Just(Input::Other),
    ]
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Key(Input),
    /// Let time pass: size 0 is up to 1.5 s (around the repeat guard), 1 up
    /// to the idle timeout, 2 up to 2.5 times it. `prompt`: the loop wakes at
    /// every deadline on the way; otherwise it wakes once, late, at the end.
    Wait {
        size: u8,
        r: u32,
        prompt: bool,
    },
    /// Let time pass to 1 ms before, exactly at, or 1 ms after the next deadline.
    ToDeadline(u8),
    /// The loop wakes with nothing due.
    Spurious,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => input().prop_map(Op::Key),
        5 => (prop_oneof![5 => Just(0u8), 3 => Just(1u8), 2 => Just(2u8)], any::<u32>(), prop::bool::weighted(0.8))
            .prop_map(|(size, r, prompt)| Op::Wait { size, r, prompt }),
        1 => (0u8..3).prop_map(Op::ToDeadline),
        1 => Just(Op::Spurious),
    ]
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    vec(op(), 0..=500)
}

/// Longer streams for the heavy variants: a whole morning at the counter.
fn long_ops() -> impl Strategy<Value = Vec<Op>> {
    vec(op(), 500..=2_000)
}

// ----- the outside model -----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The untouched start screen.
    Waiting,
    /// A session under way, not yet recorded.
    Active,
    /// The session's record is written (an ending is shown).
    Ended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Key(Input),
    Timeout,
    Shutdown,
}

struct Sim {
    session: Session,
    flow: Flow,
    config: EngineConfig,
    now: Instant,
    phase: Phase,
    /// When and in which local hour the session under way started.
    started: Option<(Instant, LocalHour)>,
    /// Help presses counted in the session under way, seen from outside.
    help: u32,
    /// Repeat presses in the session under way: those on a step, and those
    /// plus the ones on the start-over question (which may or may not count).
    repeats: (u32, u32),
    last_press: Option<(Input, Instant)>,
    last_key: Instant,
    sessions: usize,
    records: Vec<Record>,
}

fn is_guarded(input: Input) -> bool {
    !matches!(
        input,
        Input::Slower | Input::Faster | Input::Quieter | Input::Louder
    )
}

/// When the idle warning on screen (if any) came.
fn warned_at(overlay: Overlay, idle: Duration) -> Option<Instant> {
    match overlay {
        Overlay::IdleWarning { reset_at } => Some(reset_at - idle),
        _ => None,
    }
}

impl Sim {
    fn new(flow: Flow, config: EngineConfig) -> Result<Sim, TestCaseError> {
        let now = base();
        let (session, fx) = Session::new(flow.clone(), config.clone(), now);
        let sim = Sim {
            session,
            flow,
            config,
            now,
            phase: Phase::Waiting,
            started: None,
            help: 0,
            repeats: (0, 0),
            last_press: None,
            last_key: now,
            sessions: 0,
            records: Vec::new(),
        };
        prop_assert_eq!(fx, vec![Effect::Show(sim.waiting_view())]);
        sim.after_call()?;
        Ok(sim)
    }

    fn run(&mut self, ops: &[Op]) -> Result<(), TestCaseError> {
        for op in ops {
            match *op {
                Op::Key(input) => self.key(input)?,
                Op::Wait { size, r, prompt } => {
                    let idle = ms(self.config.idle_timeout);
                    let span = match size {
                        0 => 1_500,
                        1 => idle,
                        _ => idle * 5 / 2,
                    };
                    self.wait(Duration::from_millis(u64::from(r) % (span + 1)), prompt)?;
                }
                Op::ToDeadline(off) => {
                    if let Some(due) = self.session.next_deadline() {
                        let target =
                            due + Duration::from_millis(u64::from(off)) - Duration::from_millis(1);
                        prop_assert!(target >= self.now);
                        self.wait(target - self.now, true)?;
                    }
                }
                Op::Spurious => self.spurious()?,
            }
        }
        self.shutdown()
    }

    /// How long the idle warning waits on `step`: its `wait_s`, else the
    /// idle timeout.
    fn wait_on(&self, step: StepIx) -> Duration {
        self.flow.steps[step.0]
            .wait
            .unwrap_or(self.config.idle_timeout)
    }

    fn waiting_view(&self) -> View {
        let lang = if self.config.language.0 < self.flow.languages.len() {
            self.config.language
        } else {
            LangIx(0)
        };
        View {
            step: self.flow.start,
            lang,
            overlay: Overlay::None,
            help_offered: false,
            paused: false,
            settings: self.config.speech,
            in_session: false,
            can_go_back: false,
        }
    }

    fn key(&mut self, input: Input) -> Result<(), TestCaseError> {
        let pre = self.session.view();
        let now = self.now;
        let blocked = is_guarded(input)
            && matches!(self.last_press, Some((prev, at))
                if prev == input && now - at < self.config.repeat_guard);
        self.last_press = Some((input, now));
        let fx = self.session.handle_input(input, now_at(now));
        prop_assert_eq!(
            fx.is_empty(),
            blocked,
            "{:?} at {} ms: the repeat guard should {}",
            input,
            ms(now - base()),
            if blocked {
                "block it"
            } else {
                "let it through"
            }
        );
        if !blocked {
            self.last_key = now;
            // A flow that starts on its ending: the first key's session
            // ends at once, and that key counts for nothing in it.
            let ends_at_once = self.phase == Phase::Waiting
                && matches!(
                    self.flow.step(self.flow.start).kind,
                    StepKind::Ending { .. }
                );
            if self.phase == Phase::Waiting {
                // Any key on the untouched start screen starts a session.
                self.phase = Phase::Active;
                self.started = Some((now, hour_at(now)));
                self.help = 0;
                self.repeats = (0, 0);
                self.sessions += 1;
            }
            let dismissing = matches!(pre.overlay, Overlay::IdleWarning { .. });
            let counts = self.phase == Phase::Active && !dismissing && !ends_at_once;
            if input == Input::Help && counts {
                self.help += 1;
            }
            if input == Input::Repeat && counts {
                self.repeats.1 += 1;
                if pre.overlay != Overlay::ConfirmStartOver {
                    self.repeats.0 += 1;
                }
            }
        }
        self.effects(Call::Key(input), pre, &fx)?;
        self.after_call()?;
        self.no_deadline_due()
    }

    /// Lets `d` pass, as the event loop would: waking at each deadline on the
    /// way (`prompt`), or once at the end when it was held up.
    fn wait(&mut self, d: Duration, prompt: bool) -> Result<(), TestCaseError> {
        let target = self.now + d;
        if prompt {
            let mut guard = 0;
            while let Some(due) = self.session.next_deadline() {
                if due > target {
                    break;
                }
                prop_assert!(due > self.now, "a deadline was left in the past");
                guard += 1;
                prop_assert!(guard < 100, "timers fire without end");
                self.timeout(due)?;
            }
        } else if self
            .session
            .next_deadline()
            .is_some_and(|due| due <= target)
        {
            self.timeout(target)?;
        }
        self.now = target;
        Ok(())
    }

    fn timeout(&mut self, at: Instant) -> Result<(), TestCaseError> {
        self.now = at;
        let pre = self.session.view();
        let fx = self.session.handle_timeout(now_at(at));
        self.effects(Call::Timeout, pre, &fx)?;
        self.after_call()?;
        self.no_deadline_due()
    }

    fn spurious(&mut self) -> Result<(), TestCaseError> {
        if self
            .session
            .next_deadline()
            .is_some_and(|due| due <= self.now)
        {
            return Ok(());
        }
        let pre = self.session.view();
        let deadline = self.session.next_deadline();
        let fx = self.session.handle_timeout(now_at(self.now));
        prop_assert!(fx.is_empty(), "a wake-up with nothing due did {:?}", fx);
        prop_assert_eq!(self.session.view(), pre);
        prop_assert_eq!(self.session.next_deadline(), deadline);
        Ok(())
    }

    fn shutdown(&mut self) -> Result<(), TestCaseError> {
        let pre = self.session.view();
        let was_active = self.phase == Phase::Active;
        let fx = self.session.handle_shutdown(now_at(self.now));
        let written = fx
            .iter()
            .filter(|e| matches!(e, Effect::Journal(_)))
            .count();
        prop_assert_eq!(
            written,
            usize::from(was_active),
            "shutdown must write a record iff a session is under way ({:?})",
            self.phase
        );
        self.effects(Call::Shutdown, pre, &fx)?;
        prop_assert_eq!(self.session.next_deadline(), None);
        prop_assert_eq!(self.records.len(), self.sessions, "one record per session");
        Ok(())
    }

    /// After a key or a timeout at `now`, nothing may be due at `now`.
    fn no_deadline_due(&self) -> Result<(), TestCaseError> {
        if let Some(due) = self.session.next_deadline() {
            prop_assert!(
                due > self.now,
                "next_deadline {} ms is not after now {} ms",
                ms(due - base()),
                ms(self.now - base())
            );
        }
        Ok(())
    }

    fn check_view(&self, v: &View) -> Result<(), TestCaseError> {
        prop_assert!(v.step.0 < self.flow.steps.len(), "view step {:?}", v.step);
        prop_assert!(
            v.lang.0 < self.flow.languages.len(),
            "view lang {:?}",
            v.lang
        );
        Ok(())
    }

    /// What must hold between calls.
    fn after_call(&self) -> Result<(), TestCaseError> {
        let view = self.session.view();
        self.check_view(&view)?;
        prop_assert_eq!(
            view.in_session,
            self.phase == Phase::Active,
            "in_session vs the outside model ({:?})",
            self.phase
        );
        let deadline = self.session.next_deadline();
        if self.phase == Phase::Waiting {
            prop_assert_eq!(
                view,
                self.waiting_view(),
                "the start screen keeps nothing of the last customer"
            );
            prop_assert_eq!(deadline, None, "the untouched start screen runs a timer");
        } else {
            let latest = self.last_key + self.wait_on(view.step) + self.config.idle_timeout;
            prop_assert!(
                deadline.is_some_and(|d| d <= latest),
                "a session or ending screen needs a timer within the step's wait and \
                 the idle timeout of the last key; next_deadline {:?}",
                deadline.map(|d| ms(d - base()))
            );
        }
        Ok(())
    }

    /// Follows one call's effects, in order, through the outside model.
    fn effects(&mut self, call: Call, pre: View, fx: &[Effect]) -> Result<(), TestCaseError> {
        let idle = self.config.idle_timeout;
        let mut warned = warned_at(pre.overlay, idle);
        let mut lang = pre.lang;
        let mut settings = pre.settings;
        let mut written: Option<String> = None;
        let mut reset = false;
        for effect in fx {
            match effect {
                Effect::Show(v) => {
                    self.check_view(v)?;
                    lang = v.lang;
                    settings = v.settings;
                    warned = warned_at(v.overlay, idle);
                    if let Overlay::IdleWarning { reset_at } = v.overlay {
                        prop_assert_eq!(
                            ms(reset_at - base()),
                            ms(self.last_key + self.wait_on(v.step) + idle - base()),
                            "warn after the step's wait, reset the idle timeout after"
                        );
                    }
                }
                Effect::SpeechSettings(s) => settings = *s,
                Effect::Speak(u) => {
                    prop_assert_eq!(
                        &u.lang,
                        &self.flow.languages[lang.0],
                        "spoken in another language than shown: {:?}",
                        u
                    );
                    prop_assert_eq!(u.settings, settings, "spoken at stale settings: {:?}", u);
                }
                Effect::Journal(record) => {
                    prop_assert!(written.is_none(), "two records from one call");
                    prop_assert_eq!(
                        self.phase,
                        Phase::Active,
                        "a record with no session under way: {:?}",
                        record
                    );
                    let ended = match call {
                        Call::Key(_) => self.now,
                        Call::Timeout => match warned {
                            Some(at) => at,
                            None => {
                                return Err(TestCaseError::fail(format!(
                                    "an idle record with no idle warning before it: {record:?}"
                                )))
                            }
                        },
                        Call::Shutdown => warned.unwrap_or(self.now),
                    };
                    self.check_record(record, call, pre, lang, ended)?;
                    self.phase = Phase::Ended;
                    self.records.push(record.clone());
                    written = Some(record.outcome.clone());
                }
                Effect::Reset => {
                    prop_assert!(call != Call::Shutdown, "shutdown resets");
                    prop_assert!(
                        self.phase != Phase::Active,
                        "a reset dropped a session without its record ({:?})",
                        call
                    );
                    self.phase = Phase::Waiting;
                    self.started = None;
                    reset = true;
                }
                _ => {}
            }
        }
        // The screen draws what Show says: after a call that changed the
        // view, or showed anything, the last Show is the engine's view.
        let last_show = fx.iter().rev().find_map(|e| match e {
            Effect::Show(v) => Some(*v),
            _ => None,
        });
        let view = self.session.view();
        if view != pre || last_show.is_some() {
            prop_assert_eq!(
                last_show,
                Some(view),
                "the screen must end up showing the engine's view after {:?}",
                call
            );
        }
        match (call, written.as_deref()) {
            (Call::Timeout, Some(_)) => prop_assert!(reset, "an idle record with no reset"),
            (Call::Key(_), Some("restarted")) => {
                prop_assert!(reset, "start over with no reset")
            }
            _ => {}
        }
        Ok(())
    }

    /// Checks a record against the flow (it must replay) and against what
    /// was seen from outside.
    fn check_record(
        &self,
        r: &Record,
        call: Call,
        pre: View,
        lang: LangIx,
        ended: Instant,
    ) -> Result<(), TestCaseError> {
        let flow = &self.flow;
        let Some((started, hour)) = self.started else {
            return Err(TestCaseError::fail("a record with no session start"));
        };
        prop_assert_eq!(r.v, 1);
        prop_assert_eq!(&r.flow, &flow.id);
        prop_assert_eq!(&r.flow_hash, &flow.hash);
        prop_assert_eq!(&r.kiosk, &self.config.kiosk);
        prop_assert_eq!(&r.hour, &hour.to_string());
        prop_assert!(flow.languages.contains(&r.lang));
        prop_assert_eq!(&r.lang, &flow.languages[lang.0], "the language at the end");

        // The path replays through the flow, with a stack for back.
        prop_assert!(!r.steps.is_empty(), "a record with no steps");
        let mut stack: Vec<StepIx> = vec![flow.start];
        for (i, entry) in r.steps.iter().enumerate() {
            let here = *stack.last().unwrap_or(&flow.start);
            let step = flow.step(here);
            prop_assert_eq!(&entry.id, &step.id, "step {} of {:?}", i, r);
            if i + 1 == r.steps.len() {
                prop_assert_eq!(entry.answer, Answer::None, "the last step of {:?}", r);
                break;
            }
            // With no printer (as these configs are), a print step is
            // passed over: the step after it is shown.
            let past_print = |mut at: StepIx| {
                while let StepKind::Print { next, .. } = flow.step(at).kind {
                    at = next;
                }
                at
            };
            match (entry.answer, step.kind) {
                (Answer::Yes, StepKind::Question { yes, .. }) => stack.push(past_print(yes)),
                (Answer::No, StepKind::Question { no, .. }) => stack.push(past_print(no)),
                (Answer::Next, StepKind::Note { next }) => stack.push(past_print(next)),
                (Answer::Yes | Answer::No, StepKind::Print { next, .. }) => stack.push(next),
                (
                    Answer::Back,
                    StepKind::Question { .. } | StepKind::Note { .. } | StepKind::Print { .. },
                ) if stack.len() > 1 => {
                    stack.pop();
                }
                (answer, kind) => {
                    return Err(TestCaseError::fail(format!(
                        "step {i} ({}) answered {answer:?} as a {kind:?} \
                         (path depth {}): {r:?}",
                        entry.id,
                        stack.len()
                    )))
                }
            }
        }
        let last = &r.steps[r.steps.len() - 1];
        prop_assert_eq!(&r.end, &last.id);
        let last_step = flow.step(*stack.last().unwrap_or(&flow.start));
        match last_step.kind {
            StepKind::Ending { outcome } => {
                prop_assert!(
                    matches!(call, Call::Key(_)),
                    "the session ended on an ending step, yet was recorded by {:?} \
                     as {:?}, not when the ending was reached: {:?}",
                    call,
                    r.outcome,
                    r
                );
                prop_assert_eq!(&r.outcome, &flow.outcomes[outcome].id);
                prop_assert_eq!((last.ms, last.repeats, last.help), (0, 0, 0));
                if r.steps.len() > 1 {
                    let before = &r.steps[r.steps.len() - 2].id;
                    prop_assert_eq!(before, &flow.step(pre.step).id, "left from the step shown");
                }
            }
            _ => {
                let expected = match call {
                    Call::Key(input) => {
                        prop_assert_eq!(input, Input::Yes, "restarted by {:?}", input);
                        prop_assert_eq!(pre.overlay, Overlay::ConfirmStartOver);
                        "restarted"
                    }
                    Call::Timeout | Call::Shutdown => "abandoned",
                };
                prop_assert_eq!(&r.outcome, expected);
                prop_assert_eq!(&r.end, &flow.step(pre.step).id, "ended on the step shown");
            }
        }

        let help: u32 = r.steps.iter().map(|s| s.help).sum();
        prop_assert_eq!(r.help, help, "help total");
        prop_assert_eq!(r.help, self.help, "help presses seen from outside");
        let repeats: u32 = r.steps.iter().map(|s| s.repeats).sum();
        prop_assert!(
            (self.repeats.0..=self.repeats.1).contains(&repeats),
            "{} repeats recorded, {:?} pressed",
            repeats,
            self.repeats
        );
        let back = r.steps.iter().filter(|s| s.answer == Answer::Back).count();
        prop_assert_eq!(r.back as usize, back, "back total");
        let walked: u64 = r.steps.iter().map(|s| s.ms).sum();
        prop_assert_eq!(
            r.duration_ms,
            ms(ended - started),
            "duration from the first key to the end: {:?}",
            r
        );
        prop_assert_eq!(walked, r.duration_ms, "the steps' ms add up: {:?}", r);
        Ok(())
    }
}

// ----- the properties -----

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        max_shrink_iters: 20_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The generator itself: every flow it writes loads without errors.
    #[test]
    fn generated_flows_are_valid(text in gen_flow()) {
        let flow = load(&text)?;
        prop_assert!(!flow.steps.is_empty());
    }

    /// Random keys and clock on random valid flows keep every invariant.
    #[test]
    fn random_sessions_keep_every_invariant(
        text in gen_flow(),
        config in config(),
        ops in ops(),
    ) {
        let flow = load(&text)?;
        let mut sim = Sim::new(flow, config)?;
        sim.run(&ops)?;
    }

    /// The same on the bundled flow, the one the shop runs.
    #[test]
    fn random_sessions_on_the_bundled_flow(config in config(), ops in ops()) {
        let flow = flow::Flow::bundled().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut sim = Sim::new(flow, config)?;
        sim.run(&ops)?;
    }
}

// ----- heavier variants -----
//
// The properties above, with more cases, larger flows (up to 40 steps) and
// key streams four times as long, plus every valid flow kept in the
// repository (the fixtures, the seed corpus of tests/fuzz_content.rs, the
// end-to-end flow), so shapes the generator does not write (dotted keys,
// [ui] tables, loops back to the start, one-step flows) are driven too.
// The defaults keep each under about 15 s in a debug build; set
// `PROPTEST_CASES` for a long run (it replaces these defaults, and only
// these: the properties above keep their fixed 256).

fn heavy_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Every flow under the repository's content directories that loads
/// without errors.
fn repository_flows() -> Vec<(String, Flow)> {
    static FLOWS: OnceLock<Vec<(String, Flow)>> = OnceLock::new();
    FLOWS
        .get_or_init(|| {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            let mut paths = vec![root.join("tests/e2e/flow.toml")];
            for dir in ["tests/content_good", "tests/fuzz/flow"] {
                let mut found: Vec<_> = std::fs::read_dir(root.join(dir))
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                    .collect();
                found.sort();
                paths.extend(found);
            }
            let flows: Vec<(String, Flow)> = paths
                .iter()
                .filter_map(|p| {
                    let loaded = flow::load_file(p).ok()?;
                    Some((p.display().to_string(), loaded.flow?))
                })
                .collect();
            assert!(flows.len() >= 10, "only {} valid flows found", flows.len());
            flows
        })
        .clone()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: heavy_cases(64),
        max_shrink_iters: 20_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Larger random flows, longer key streams.
    #[test]
    fn heavy_random_sessions_on_larger_flows(
        text in gen_flow_up_to(40),
        config in config(),
        ops in long_ops(),
    ) {
        let flow = load(&text)?;
        let mut sim = Sim::new(flow, config)?;
        sim.run(&ops)?;
    }

    /// Every valid flow of the repository, long key streams.
    #[test]
    fn heavy_random_sessions_on_the_repository_flows(
        pick in any::<proptest::sample::Index>(),
        config in config(),
        ops in long_ops(),
    ) {
        let flows = repository_flows();
        let (_name, flow) = flows[pick.index(flows.len())].clone();
        let mut sim = Sim::new(flow, config)?;
        sim.run(&ops)?;
    }
}

// ----- regressions: the minimal cases of bugs these properties found -----

/// Runs `ops` on a flow with the default config and every check. The flow
/// must load: a regression case that no longer loads checks nothing.
fn replay(toml: &str, ops: &[Op]) {
    let loaded = flow::load_source("regression.toml", toml);
    let errors: Vec<String> = loaded.errors().map(ToString::to_string).collect();
    let Some(flow) = loaded.flow else {
        panic!(
            "the regression flow no longer loads:\n{}\n{toml}",
            errors.join("\n")
        );
    };
    let result = Sim::new(flow, EngineConfig::default()).and_then(|mut sim| sim.run(ops));
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A regression case must not pass by no longer loading.
#[test]
#[should_panic(expected = "the regression flow no longer loads")]
fn replay_fails_on_a_flow_that_does_not_load() {
    replay(&format!("{HEADER}\n[steps.s0]\nnext = \"nowhere\"\n"), &[]);
}

const HEADER: &str = r#"
[flow]
id = "regression"
start = "s0"
languages = ["ja"]
title = { ja = "テスト" }

[outcomes.resolved]
title = { ja = "解決" }
"#;

// See: a flow whose start step is an ending loaded as valid, but the first
// key started a session stuck on the ending (yes gave the invalid tone) and
// its record ended up "abandoned" with the ending as its last step.
#[test]
fn regression_a_start_step_that_is_an_ending() {
    let toml = format!("{HEADER}\n[steps.s0]\ntext = {{ ja = \"おわり\" }}\nend = \"resolved\"\n");
    replay(&toml, &[Op::Key(Input::Yes)]);
}

// See: `show_step` sent `Show` before `speak_step` cleared `paused`, and
// repeat cleared it with no `Show` at all: after pause then an answer, back,
// repeat or language switch, the screen kept the paused mark while the step
// spoke.
#[test]
fn regression_pause_then_an_answer_leaves_the_paused_mark() {
    let toml = format!(
        "{HEADER}\n[steps.s0]\ntext = {{ ja = \"いち\" }}\nnext = \"s1\"\n\n\
         [steps.s1]\ntext = {{ ja = \"に\" }}\nnext = \"s2\"\n\n\
         [steps.s2]\ntext = {{ ja = \"おわり\" }}\nend = \"resolved\"\n"
    );
    replay(&toml, &[Op::Key(Input::Pause), Op::Key(Input::Yes)]);
}

// See: the first key on the start screen turned `in_session` on with no
// `Show` when the key itself showed nothing (back, repeat, continue on a
// question, other).
#[test]
fn regression_a_first_back_key_does_not_show_the_session() {
    let toml = format!(
        "{HEADER}\n[steps.s0]\ntext = {{ ja = \"いち\" }}\nnext = \"s1\"\n\n\
         [steps.s1]\ntext = {{ ja = \"おわり\" }}\nend = \"resolved\"\n"
    );
    replay(&toml, &[Op::Key(Input::Back)]);
}
