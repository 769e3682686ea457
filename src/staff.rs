//! What the staff screen (issue 17) shows and asks for, as plain data: the
//! App keeps it, the screen draws it, `run` fills it from threads of the
//! doctor and the report. Nothing of one customer is in here, only counts
//! already put through the report's k rule.

use crate::flow::Flow;
use crate::messages::Message;

/// The staff screen's keys (shown on it): digits, so a keypad does.
pub mod keys {
    pub const PAGE: &str = "0";
    pub const SPEECH_TEST: &str = "1";
    pub const RELOAD: &str = "2";
    pub const PRINT_TEST: &str = "3";
    pub const RECHECK: &str = "5";
    pub const STAFF_EXIT: &str = "9";
    pub const LEAVE: &str = "Esc";
}

/// One check of the device's health the staff screen runs: the list is
/// data, so a new one is a variant and a line in [`probes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Probe {
    /// The sound output device opens (doctor `sound`).
    Sound,
    /// speech-dispatcher answers, with a voice per flow language (doctor
    /// `speech_dispatcher`, `voice_LANG`).
    Voice,
    /// The flow's pre-rendered clips are there and fresh (doctor `clips`).
    Clips,
    /// The journal directory is writable, with its free space (doctor
    /// `journal`).
    Journal,
    /// The printer answers (issue 16): [`probes`] lists it when the config
    /// names a printer, and `run` answers it with the doctor's printer
    /// check. Without a printer it is never
    /// listed.
    Printer,
}

/// What the staff screen checks, in its order, given what is turned on.
pub fn probes(speech: bool, tts: bool, printer: bool) -> Vec<Probe> {
    let mut list = Vec::new();
    if speech {
        list.push(Probe::Sound);
        if tts {
            list.push(Probe::Voice);
        }
        list.push(Probe::Clips);
    }
    list.push(Probe::Journal);
    if printer {
        list.push(Probe::Printer);
    }
    list
}

/// One line of a probe's answer: a doctor check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthLine {
    /// The doctor's stable name (`sound`, `voice_ja`, …).
    pub check: String,
    pub ok: bool,
    /// The doctor's words, rendered in the kiosk's language on the screen.
    pub message: Message,
}

/// The sessions of one period, as the report's text shows them: each count
/// already a cell of its k rule (`12`, `<5`, `*`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeriodCounts {
    pub sessions: String,
    /// Fewer sessions than k: nothing more is shown than that.
    pub broken_down: bool,
    /// Outcome label and its cell, most frequent first.
    pub outcomes: Vec<(String, String)>,
    /// The worst sticking steps, worst first (at most three).
    pub sticking: Vec<String>,
}

/// Today's and this week's counts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Counts {
    pub today: PeriodCounts,
    pub week: PeriodCounts,
    pub k: u64,
}

/// Why the kiosk last started, from its state file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartReason {
    /// No state file: the first start here (or the file was lost).
    First,
    /// The boot id changed: the PC started.
    Boot,
    /// Same boot, and the last run did not leave cleanly: it crashed (or
    /// was killed).
    Crash,
    /// Same boot, the last run left cleanly: the service was restarted.
    Restart,
    /// The state file could not be read or written.
    Unknown,
}

/// The kiosk's last start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartInfo {
    /// Local time, `YYYY-MM-DD HH:MM`.
    pub at: String,
    pub reason: StartReason,
}

/// What the staff screen is set up with; `keys` empty means no staff
/// screen at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSetup {
    pub keys: Vec<String>,
    pub probes: Vec<Probe>,
    pub start: StartInfo,
    pub version: String,
    /// The running flow came from a file that can be read again.
    pub can_reload: bool,
    /// A printer is configured (issue 16): the print-test key is shown.
    pub printer: bool,
    /// `staff_exit_keys` is set: the staff exit is a key here too.
    pub staff_exit: bool,
}

impl Default for StaffSetup {
    fn default() -> Self {
        StaffSetup {
            keys: Vec::new(),
            probes: Vec::new(),
            start: StartInfo {
                at: String::new(),
                reason: StartReason::Unknown,
            },
            version: env!("CARGO_PKG_VERSION").to_string(),
            can_reload: false,
            printer: false,
            staff_exit: false,
        }
    }
}

/// What the edges tell the staff screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffEvent {
    /// One probe answered (within the doctor's bound, or said it did not).
    Health {
        probe: Probe,
        lines: Vec<HealthLine>,
    },
    /// The counts, or why they could not be made.
    Counts(Result<Counts, String>),
    /// The flow file read again: valid, or its first `FILE:LINE:COL` error.
    FlowLoaded(Result<Box<Flow>, String>),
    /// The test page's end: CUPS took it, or what went wrong (issue 16).
    PrintTested(Result<(), String>),
}

/// What the staff screen asks the edges for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffRequest {
    /// Run these probes, each on its own thread, answering
    /// [`StaffEvent::Health`].
    Probe(Vec<Probe>),
    /// Count today's and this week's sessions off the UI thread.
    Counts,
    /// Read and validate the flow file again.
    ReloadFlow,
    /// Print a test page (the flow's first sheet) on the configured
    /// printer off the UI thread, answering [`StaffEvent::PrintTested`];
    /// never asked for when no printer is configured.
    PrintTest,
}

/// The last thing an action came to, shown until the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The test sentences and earcons were queued.
    SpeechTest,
    /// The flow file is being read.
    Reloading,
    /// The flow file is valid: it runs from the next customer on.
    Reloaded { id: String, hash: String },
    /// The flow file is broken (its first `FILE:LINE:COL` error): the
    /// running flow stays.
    Refused(String),
    /// The running flow is the bundled one: there is no file to read again.
    NoFlowFile,
    /// A test page is on its way to the printer (issue 16).
    PrintTest,
    /// CUPS took the test page, or why it did not.
    PrintTested(Result<(), String>),
}

/// The staff screen's state while it is open.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StaffView {
    /// Pages turned since it opened (the screen takes it modulo its pages).
    pub page: usize,
    /// Each probe and its answer, `None` while it runs.
    pub health: Vec<(Probe, Option<Vec<HealthLine>>)>,
    /// `None` while counting.
    pub counts: Option<Result<Counts, String>>,
    pub notice: Option<Notice>,
}
