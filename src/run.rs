//! `kiosk run`: wiring only. The pure [`App`] (and the engine under it) to
//! its edges: terminal, keys, speech, journal, trace, signals, and the one
//! executor of their effects. One channel feeds the UI thread; it sleeps
//! until an event or the App's next deadline, never polls, and never waits
//! on speech or disk.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use clap::Args;
use ratatui::backend::Backend;
use ratatui::layout::Rect;

use crate::app::{self, App, Event, Exit, KeyVerdict};
use crate::config::{self, Config};
use crate::doctor::staff::{run_probe, Running};
use crate::engine::{self, Now};
use crate::flow::{self, Flow, LangIx};
use crate::frame_out::FrameGate;
use crate::input::{ExitSequence, KeyMap};
use crate::journal::{JournalWriter, LocalHour};
use crate::last_start::LastStart;
use crate::log::{self, log};
use crate::print;
use crate::speech::{clips, Speech};
use crate::staff::{self, StaffEvent, StaffRequest, StaffSetup};
use crate::terminal::{self, KioskTerminal, TermInput, TerminalGuard};
use crate::trace::Trace;
use crate::ui::{self, Mark};

/// Options of `kiosk run` (DESIGN section 7).
#[derive(Debug, Clone, Default, Args)]
pub struct RunArgs {
    /// Flow file (default: the config's, else the bundled flow).
    #[arg(long, value_name = "FILE")]
    pub flow: Option<PathBuf>,
    /// Config file (default: /etc/counter-kiosk/kiosk.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where journal files go.
    #[arg(long, value_name = "DIR")]
    pub journal_dir: Option<PathBuf>,
    /// Where the flow's pre-rendered clips are.
    #[arg(long, value_name = "DIR")]
    pub audio_dir: Option<PathBuf>,
    /// Each customer's starting language (a code the flow declares).
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
    /// Seconds without a key before "are you still there?".
    #[arg(long, value_name = "SECS")]
    pub idle_timeout: Option<u64>,
    /// Run silent (for tests).
    #[arg(long)]
    pub no_speech: bool,
    /// Append the timing trace (DESIGN section 9) to FILE. Also taken from
    /// KIOSK_TRACE, so a whole PC can be traced from its first start (the
    /// kernel's `systemd.setenv=KIOSK_TRACE=FILE`) without editing the unit.
    #[arg(long, value_name = "FILE", env = "KIOSK_TRACE")]
    pub trace: Option<PathBuf>,
}

/// Everything that reaches the UI thread, from any thread.
enum Incoming {
    /// A key, with when the key thread read it (its time in the trace).
    Key { name: String, read_at: Instant },
    /// Anything else, as the App takes it.
    Event(Event),
}

/// What `run` settled on before the screen opens.
struct Setup {
    config: Config,
    flow: Flow,
    /// The flow's file, or `None` for the bundled flow.
    flow_file: Option<PathBuf>,
    language: LangIx,
    journal_dir: PathBuf,
    marks: Vec<Mark>,
    /// Problems to write to the log once it is open.
    notes: Vec<String>,
}

pub fn run(args: &RunArgs) -> anyhow::Result<Exit> {
    // Said to the caller, before standard error becomes the log.
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        anyhow::bail!("kiosk run needs a terminal: standard input and output must be one");
    }
    let mut setup = settle(args)?;
    let log_dirs = [
        Some(setup.journal_dir.clone()),
        setup.journal_dir.parent().map(PathBuf::from),
    ];
    if log::start(log_dirs.into_iter().flatten().collect()) == log::Started::NoFile {
        setup.marks.push(Mark::NoLog);
    }
    let result = run_logged(args, setup);
    if let Err(e) = &result {
        log(&format!("kiosk run: {e:#}"));
    }
    log::stop(Duration::from_secs(1));
    result
}

fn run_logged(args: &RunArgs, mut setup: Setup) -> anyhow::Result<Exit> {
    log("kiosk starting");
    for note in &setup.notes {
        log(note);
    }
    let started = chrono::Local::now().format("%Y-%m-%d %H:%M").to_string();
    let (last_start, problem) = LastStart::record(&config::state_dir(), started);
    if let Some(problem) = problem {
        log(&format!("last start: {problem}"));
    }
    let trace = match &args.trace {
        Some(path) => Trace::open(path).unwrap_or_else(|e| {
            log(&format!(
                "trace {}: {e}; running without it",
                path.display()
            ));
            Trace::disabled()
        }),
        None => Trace::disabled(),
    };
    let (tx, rx) = mpsc::channel();
    let journal_tx = tx.clone();
    let writer = JournalWriter::spawn(setup.journal_dir.clone(), move |status| {
        let _ = journal_tx.send(Incoming::Event(Event::Journal(status)));
    });
    spawn_signal_thread(tx.clone());
    terminal::install_panic_hook(thread::current().id());
    let mut guard = TerminalGuard::enter()?;

    let speech = if args.no_speech || !setup.config.speech.enabled {
        Speech::silent(trace.clone())
    } else {
        let search = clips::ClipSearch {
            flow_id: setup.flow.id.clone(),
            flow_file: setup.flow_file.clone(),
            dirs: [args.audio_dir.clone(), setup.config.audio_dir.clone()]
                .into_iter()
                .flatten()
                .collect(),
        };
        let speech_tx = tx.clone();
        Speech::spawn(
            search,
            setup
                .config
                .speech
                .tts
                .then_some(setup.config.speech.tts_layout),
            trace.clone(),
            move |status| {
                let _ = speech_tx.send(Incoming::Event(Event::Speech(status)));
            },
        )
    };
    let print_tx = tx.clone();
    spawn_key_thread(tx.clone(), trace.clone());
    let mut engine = setup.config.engine(setup.language);
    if let Some(secs) = args.idle_timeout {
        engine.idle_timeout = Duration::from_secs(secs.max(1));
    }
    let keys = KeyMap::with_overrides(&setup.config.keys);
    // The prompts name the keys this map binds, as the key bar does.
    setup.flow.name_keys(&keys.key_names());
    let speech_on = !args.no_speech && setup.config.speech.enabled;
    let staff_setup = StaffSetup {
        keys: setup.config.staff_keys.clone(),
        probes: staff::probes(
            speech_on,
            setup.config.speech.tts,
            setup.config.print.printer.is_some(),
        ),
        start: last_start.info.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        can_reload: setup.flow_file.is_some(),
        printer: setup.config.print.printer.is_some(),
        staff_exit: !setup.config.staff_exit_keys.is_empty(),
    };
    let running = Running {
        config: setup.config.clone(),
        flow: setup.flow.clone(),
        flow_file: setup.flow_file.clone(),
        journal_dir: setup.journal_dir.clone(),
    };
    let (app, effects) = App::new(
        setup.flow,
        engine,
        keys,
        ExitSequence::new(&setup.config.staff_exit_keys),
        setup.marks,
        Instant::now(),
    );
    let app = app.with_staff(staff_setup);
    let mut kiosk = Kiosk {
        app,
        staff: StaffWork { tx, running },
        staff_command: setup.config.staff_call_command.clone(),
        printer: setup.config.print.printer.clone(),
        tx: print_tx,
        speech,
        writer,
        trace: trace.clone(),
        frames: guard.frames.clone(),
        dirty: true,
        clear: false,
    };
    // The App takes no key before its first frame, so nothing can exit yet.
    let _ = kiosk.apply(effects);
    let exit = kiosk.event_loop(&mut guard.terminal, &rx);
    log(&format!("kiosk stopping: {exit:?}"));
    kiosk.speech.shutdown();
    if let Err(lost) = kiosk.writer.shutdown(Duration::from_secs(3)) {
        log(&format!(
            "{lost} journal record(s) lost: neither written nor kept in a spool"
        ));
    }
    trace.close();
    drop(guard);
    if matches!(exit, Exit::Stopped | Exit::Staff) {
        if let Err(e) = last_start.clean_exit() {
            log(&format!("last start: cannot mark the clean exit: {e}"));
        }
    }
    Ok(exit)
}

/// The kiosk while it runs: the App and the edges that carry out its
/// effects.
struct Kiosk {
    app: App,
    staff: StaffWork,
    staff_command: Option<Vec<String>>,
    /// The CUPS queue of `[print] printer`, where one is configured.
    printer: Option<String>,
    /// Print results come back on the UI thread's channel.
    tx: Sender<Incoming>,
    speech: Speech,
    writer: JournalWriter,
    trace: Trace,
    frames: FrameGate,
    dirty: bool,
    clear: bool,
}

impl Kiosk {
    fn event_loop(&mut self, terminal: &mut KioskTerminal, rx: &Receiver<Incoming>) -> Exit {
        loop {
            if self.dirty || self.clear {
                self.draw(terminal);
            }
            let got = match self.app.next_deadline(Instant::now()) {
                Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            let effects = match got {
                Ok(Incoming::Key { name, read_at }) => {
                    let effects = self.app.handle(Event::Key(name.clone()), now());
                    let verdict = KeyVerdict::of(&effects);
                    self.trace
                        .key(&name, read_at, verdict.acted, verdict.redraw);
                    effects
                }
                Ok(Incoming::Event(event)) => self.app.handle(event, now()),
                Err(RecvTimeoutError::Timeout) => self.app.handle(Event::Timeout, now()),
                Err(RecvTimeoutError::Disconnected) => self.app.handle(Event::InputClosed, now()),
            };
            if let Some(exit) = self.apply(effects) {
                return exit;
            }
        }
    }

    /// Carries out the App's effects in order; the exit, if one came.
    fn apply(&mut self, effects: Vec<app::Effect>) -> Option<Exit> {
        let mut exit = None;
        for effect in effects {
            match effect {
                app::Effect::Engine(effect) => self.apply_engine(effect),
                app::Effect::Redraw => self.dirty = true,
                app::Effect::Log(line) => log(&line),
                app::Effect::Exit(how) => exit = Some(how),
                app::Effect::Staff(request) => self.staff.start(request),
            }
        }
        exit
    }

    fn apply_engine(&mut self, effect: engine::Effect) {
        use engine::Effect;
        match effect {
            Effect::Show(_) => self.dirty = true,
            Effect::Speak(utterance) => self.speech.speak(&utterance),
            Effect::StopSpeech => self.speech.stop(),
            Effect::PauseSpeech => self.speech.pause(),
            Effect::ResumeSpeech => self.speech.resume(),
            Effect::SpeechSettings(settings) => self.speech.set_settings(settings),
            Effect::Tone { tone, volume } => self.speech.tone(tone, volume),
            Effect::CallStaff => self.call_staff(),
            Effect::Print { job, sheet, lang } => self.print(job, sheet, lang),
            Effect::Reset => {
                self.speech.stop();
                self.clear = true;
                self.dirty = true;
            }
            Effect::Journal(record) => self.writer.append(record),
        }
    }

    /// Runs the configured command without a shell, off the UI thread.
    /// A call that works is not logged: its time would be the exact time a
    /// customer asked for help, which the journal keeps only to the hour.
    fn call_staff(&self) {
        let Some(argv) = self.staff_command.clone() else {
            return;
        };
        thread::spawn(move || {
            let Some((program, args)) = argv.split_first() else {
                return;
            };
            let result = std::process::Command::new(program)
                .args(args)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .status();
            match result {
                Ok(status) if status.success() => {}
                Ok(status) => log(&format!("staff_call_command exited with {status}")),
                Err(e) => log(&format!("staff_call_command {program}: {e}")),
            }
        });
    }

    /// Prints the sheet off the UI thread; its end comes back as an event.
    fn print(&self, job: u64, sheet: usize, lang: LangIx) {
        let flow = self.app.session().flow();
        let failed = |error: String| {
            Incoming::Event(Event::Printed {
                printed: engine::Printed {
                    job,
                    result: engine::PrintResult::Failed,
                },
                error: Some(error),
            })
        };
        let (Some(printer), Some(sheet)) = (self.printer.clone(), flow.sheets.get(sheet).cloned())
        else {
            let _ = self.tx.send(failed("no printer or no such sheet".into()));
            return;
        };
        let tx = self.tx.clone();
        let spawned = print::spawn_print(
            printer,
            sheet,
            lang,
            flow.lang_code(lang).to_string(),
            move |result, error| {
                let printed = engine::Printed { job, result };
                let _ = tx.send(Incoming::Event(Event::Printed { printed, error }));
            },
        );
        if let Err(e) = spawned {
            let _ = self.tx.send(failed(format!("no print thread: {e}")));
        }
    }

    /// One frame, sent whole (`FrameOut`), after clearing the screen when
    /// a new session starts.
    fn draw(&mut self, terminal: &mut KioskTerminal) {
        self.frames.hold();
        if self.clear {
            // Not `terminal.clear()`: it asks the terminal for the cursor
            // position, which waits (2 s) on the key thread's read. A
            // resize to the full area clears and redraws everything.
            if let Ok(size) = terminal.size() {
                let _ = terminal.resize(Rect::new(0, 0, size.width, size.height));
            }
            self.clear = false;
        }
        let screen = self.app.screen(Instant::now());
        let drawn = terminal
            .draw(|frame| {
                let area: Rect = frame.area();
                ui::draw(&screen, area, frame.buffer_mut());
            })
            .map(|_| ());
        self.frames.open();
        let drawn = drawn.and_then(|()| terminal.backend_mut().flush());
        match drawn {
            Ok(_) => {
                let session = self.app.session();
                self.trace
                    .frame(&session.flow().step(session.view().step).id);
                self.dirty = false;
            }
            Err(e) => log(&format!("draw: {e}")),
        }
    }
}

/// The staff screen's work, each on a thread of its own that answers
/// through the UI thread's channel: the UI thread never waits on it.
struct StaffWork {
    tx: Sender<Incoming>,
    running: Running,
}

impl StaffWork {
    fn start(&self, request: StaffRequest) {
        match request {
            StaffRequest::Probe(probes) => {
                for probe in probes {
                    let running = self.running.clone();
                    self.spawn("staff-probe", move || StaffEvent::Health {
                        probe,
                        lines: run_probe(probe, &running),
                    });
                }
            }
            StaffRequest::Counts => {
                let running = self.running.clone();
                self.spawn("staff-counts", move || {
                    let lang = running
                        .config
                        .language
                        .clone()
                        .unwrap_or_else(|| running.flow.lang_code(LangIx(0)).to_string());
                    let counts = crate::report::staff::counts(
                        &running.journal_dir,
                        &running.flow,
                        &lang,
                        running.config.report_k,
                        chrono::Local::now().date_naive(),
                    );
                    StaffEvent::Counts(counts.map_err(|e| e.to_string()))
                });
            }
            StaffRequest::ReloadFlow => {
                let Some(path) = self.running.flow_file.clone() else {
                    return;
                };
                self.spawn("staff-reload", move || {
                    StaffEvent::FlowLoaded(reload_flow(&path))
                });
            }
            StaffRequest::PrintTest => {
                let running = self.running.clone();
                self.spawn("staff-print-test", move || {
                    StaffEvent::PrintTested(print_test_page(&running))
                });
            }
        }
    }

    fn spawn(&self, name: &str, work: impl FnOnce() -> StaffEvent + Send + 'static) {
        let tx = self.tx.clone();
        let spawned = thread::Builder::new().name(name.into()).spawn(move || {
            let _ = tx.send(Incoming::Event(Event::Staff(work())));
        });
        if let Err(e) = spawned {
            log(&format!("cannot start {name}: {e}"));
        }
    }
}

/// The staff screen's test page: the flow's first sheet, in the
/// configured language, on the configured printer (what `kiosk
/// print-test` prints), bounded as a customer's sheet is.
fn print_test_page(running: &Running) -> Result<(), String> {
    let printer = running
        .config
        .print
        .printer
        .as_deref()
        .ok_or("no printer configured")?;
    let flow = &running.flow;
    let sheet = flow.sheets.first().ok_or("the flow has no sheet")?;
    let lang = running
        .config
        .language
        .as_deref()
        .and_then(|code| flow.lang_ix(code))
        .unwrap_or(LangIx(0));
    print::print_sheet(
        printer,
        sheet,
        lang,
        flow.lang_code(lang),
        print::PRINT_DEADLINE,
    )
    .map(|_| ())
    .map_err(|e| e.to_string())
}

/// The flow file read and checked again: the flow, or its first error as
/// a `FILE:LINE:COL: error: …` line.
fn reload_flow(path: &std::path::Path) -> Result<Box<Flow>, String> {
    match flow::load_file(path) {
        Ok(loaded) => {
            if let Some(first) = loaded.errors().next() {
                return Err(first.to_string());
            }
            loaded
                .flow
                .map(Box::new)
                .ok_or_else(|| format!("{}: not a usable flow", path.display()))
        }
        Err(e) => Err(e.to_diagnostic_line()),
    }
}

fn now() -> Now {
    Now {
        mono: Instant::now(),
        local_hour: LocalHour::now(),
    }
}

/// Reads config and flow, falling back to defaults and the bundled flow
/// (with a staff mark) rather than leaving the counter blank.
fn settle(args: &RunArgs) -> Result<Setup, flow::LoadError> {
    let mut marks = Vec::new();
    let mut notes = Vec::new();
    let config_path = args.config.clone().or_else(|| {
        let default = PathBuf::from(config::DEFAULT_PATH);
        default.exists().then_some(default)
    });
    let config = match config_path {
        None => Config::default(),
        Some(path) => match config::load_file(&path) {
            Ok(loaded) if !loaded.has_errors() => {
                notes.extend(loaded.diagnostics.iter().map(ToString::to_string));
                loaded.config
            }
            Ok(loaded) => {
                notes.extend(loaded.diagnostics.iter().map(ToString::to_string));
                notes.push("config has errors: running on the defaults".into());
                marks.push(Mark::ConfigError);
                Config::default()
            }
            Err(e) => {
                notes.push(format!("{e}: running on the defaults"));
                marks.push(Mark::ConfigError);
                Config::default()
            }
        },
    };
    let wanted_flow = args.flow.as_ref().or(config.flow.as_ref());
    let flow = load_flow(wanted_flow, &mut notes, &mut marks)?;
    let flow_file = wanted_flow
        .filter(|_| !marks.contains(&Mark::FallbackFlow))
        .cloned();
    let wanted = args.lang.as_ref().or(config.language.as_ref());
    let language = match wanted {
        Some(code) => flow.lang_ix(code).unwrap_or_else(|| {
            notes.push(format!(
                "language \"{code}\" is not in the flow; using \"{}\"",
                flow.lang_code(LangIx(0))
            ));
            LangIx(0)
        }),
        None => LangIx(0),
    };
    let journal_dir = args
        .journal_dir
        .clone()
        .or_else(|| config.journal_dir.clone())
        .unwrap_or_else(config::default_journal_dir);
    Ok(Setup {
        config,
        flow,
        flow_file,
        language,
        journal_dir,
        marks,
        notes,
    })
}

fn load_flow(
    path: Option<&PathBuf>,
    notes: &mut Vec<String>,
    marks: &mut Vec<Mark>,
) -> Result<Flow, flow::LoadError> {
    if let Some(path) = path {
        match flow::load_file(path) {
            Ok(loaded) => {
                notes.extend(loaded.diagnostics.iter().map(ToString::to_string));
                if let Some(flow) = loaded.flow {
                    return Ok(flow);
                }
            }
            Err(e) => notes.push(e.to_diagnostic_line()),
        }
        notes.push(format!(
            "{}: not usable; running the bundled flow",
            path.display()
        ));
        marks.push(Mark::FallbackFlow);
    }
    // The bundled flow is valid: a unit test loads it on every build.
    Flow::bundled()
}

fn spawn_key_thread(tx: Sender<Incoming>, trace: Trace) {
    let spawned = thread::Builder::new().name("keys".into()).spawn(move || {
        terminal::read_keys(|input| {
            let event = match input {
                // Traced by the UI thread once handled, at this time.
                TermInput::Key(name) => Incoming::Key {
                    name,
                    read_at: Instant::now(),
                },
                TermInput::Paste { bytes } => {
                    // A paste is not key presses: traced, and nothing more.
                    trace.paste(bytes);
                    return true;
                }
                TermInput::Closed => Incoming::Event(Event::InputClosed),
            };
            tx.send(event).is_ok()
        });
    });
    if let Err(e) = spawned {
        log(&format!("cannot start the key reader: {e}"));
    }
}

/// Signals that stop the kiosk as SIGTERM does: the session under way is
/// written as abandoned and the terminal restored. SIGWINCH redraws (the
/// key reader is not crossterm's, which used to report resizes).
const STOP_SIGNALS: [i32; 6] = [
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGQUIT,
    signal_hook::consts::SIGUSR1,
    signal_hook::consts::SIGUSR2,
];

fn spawn_signal_thread(tx: Sender<Incoming>) {
    use signal_hook::consts::{SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH};
    // Stop requests from outside the terminal (kill -TSTP) are caught and
    // ignored: a stopped kiosk is a frozen counter.
    let mut wanted = STOP_SIGNALS.to_vec();
    wanted.extend([SIGWINCH, SIGTSTP, SIGTTIN, SIGTTOU]);
    match signal_hook::iterator::Signals::new(&wanted) {
        Ok(mut signals) => {
            let spawned = thread::Builder::new()
                .name("signals".into())
                .spawn(move || {
                    for signal in signals.forever() {
                        let event = if signal == SIGWINCH {
                            Event::Resize
                        } else if STOP_SIGNALS.contains(&signal) {
                            log(&format!("signal {signal}: stopping"));
                            Event::Terminate
                        } else {
                            continue;
                        };
                        if tx.send(Incoming::Event(event)).is_err() {
                            return;
                        }
                    }
                });
            if let Err(e) = spawned {
                log(&format!("cannot start the signal thread: {e}"));
            }
        }
        Err(e) => log(&format!("signals: {e}")),
    }
}
