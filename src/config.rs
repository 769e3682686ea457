//! The kiosk's settings file (DESIGN section 10): TOML, every key optional,
//! unknown keys errors at `FILE:LINE:COL` like the flow file. Paths in it
//! are relative to the file's own directory.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diag::{Collector, Diagnostic};
use crate::engine::Input;
use crate::engine::{EngineConfig, Level, SpeechSettings};
use crate::flow::read_bounded::{decode_utf8, read_bytes, ReadProblem, CONFIG_LIMIT};
use crate::input::{default_keys, is_key_name, normalize, ACTIONS};
use crate::messages::Message;
use crate::msg;
use crate::toml_tree::{self as tree, join_path, Controls, What};

/// Where the installed kiosk looks when no `--config` is given.
pub const DEFAULT_PATH: &str = "/etc/counter-kiosk/kiosk.toml";

/// The journal directory when neither `--journal-dir` nor `journal_dir`
/// names one (DESIGN section 10): `$STATE_DIRECTORY` (systemd; its first
/// entry), else `$XDG_STATE_HOME/counter-kiosk`, else
/// `~/.local/state/counter-kiosk`. `run`, `report` and `doctor` all ask here.
pub fn default_journal_dir() -> PathBuf {
    state_dir()
}

/// The kiosk's state directory, resolved as [`default_journal_dir`]: where
/// the last-start file lives whatever `journal_dir` says.
pub fn state_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("STATE_DIRECTORY") {
        if let Some(first) = dir
            .to_string_lossy()
            .split(':')
            .next()
            .filter(|s| !s.is_empty())
        {
            return PathBuf::from(first);
        }
    }
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("counter-kiosk");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    home.join(".local/state/counter-kiosk")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeechConfig {
    pub enabled: bool,
    pub rate: Level,
    pub volume: Level,
    pub echo: bool,
    pub earcons: bool,
    pub tts: bool,
    /// How the system voice picks a language: match the speech-dispatcher
    /// configuration (`scripts/speechd-config --layout`).
    pub tts_layout: TtsLayout,
}

impl Default for SpeechConfig {
    fn default() -> Self {
        SpeechConfig {
            enabled: true,
            rate: Level::MID,
            volume: Level::MID,
            echo: true,
            earcons: true,
            tts: true,
            tts_layout: TtsLayout::default(),
        }
    }
}

/// How the system voice picks a language (DESIGN section 4), matching
/// `scripts/speechd-config --layout`: a setting of this file that the
/// speech layer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TtsLayout {
    /// One module holds every language: the `tts` crate's `set_voice()`.
    Generic,
    /// A module per language (`LanguageDefaultModule`): the language is set
    /// through the `speech-dispatcher` crate.
    #[default]
    PerLanguage,
}

impl TtsLayout {
    pub const NAMES: [&'static str; 2] = ["generic", "per-language"];

    pub fn from_name(name: &str) -> Option<TtsLayout> {
        match name {
            "generic" => Some(TtsLayout::Generic),
            "per-language" => Some(TtsLayout::PerLanguage),
            _ => None,
        }
    }
}

/// `[print]` (issue 16): where take-home sheets go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrintConfig {
    /// The CUPS queue; none: no print step is offered.
    pub printer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub kiosk: String,
    pub flow: Option<PathBuf>,
    pub audio_dir: Option<PathBuf>,
    pub journal_dir: Option<PathBuf>,
    pub language: Option<String>,
    pub idle_timeout_s: u64,
    pub repeat_guard_ms: u64,
    /// Actions whose keys the file replaces.
    pub keys: Vec<(Input, Vec<String>)>,
    pub speech: SpeechConfig,
    /// argv, run without a shell on the second help press.
    pub staff_call_command: Option<Vec<String>>,
    pub staff_exit_keys: Vec<String>,
    /// The key sequence that opens the staff screen; none by default, and
    /// then there is no staff screen.
    pub staff_keys: Vec<String>,
    pub report_k: u64,
    pub print: PrintConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            kiosk: "counter".to_string(),
            flow: None,
            audio_dir: None,
            journal_dir: None,
            language: None,
            idle_timeout_s: 90,
            repeat_guard_ms: 500,
            keys: Vec::new(),
            speech: SpeechConfig::default(),
            staff_call_command: None,
            staff_exit_keys: Vec::new(),
            staff_keys: Vec::new(),
            report_k: 5,
            print: PrintConfig::default(),
        }
    }
}

impl Config {
    /// The engine's part of the settings, for a flow whose language index
    /// the caller resolved.
    pub fn engine(&self, language: crate::flow::LangIx) -> EngineConfig {
        EngineConfig {
            kiosk: self.kiosk.clone(),
            idle_timeout: Duration::from_secs(self.idle_timeout_s),
            repeat_guard: Duration::from_millis(self.repeat_guard_ms),
            echo: self.speech.echo,
            earcons: self.speech.earcons,
            language,
            speech: SpeechSettings {
                rate: self.speech.rate,
                volume: self.speech.volume,
            },
            printing: self.print.printer.is_some(),
            ..EngineConfig::default()
        }
    }
}

/// A config file read: the settings (defaults wherever the file is broken)
/// and every problem found.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadedConfig {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// The file is not a regular file, is over the cap, cannot be read, or is
/// not UTF-8: the kiosk runs on the defaults.
#[derive(Debug, thiserror::Error)]
#[error("{}", source.describe(path))]
pub struct ReadError {
    pub path: String,
    pub source: ReadProblem,
}

impl ReadError {
    /// The error as a `FILE:LINE:COL: error: …` line, like the diagnostics.
    pub fn to_diagnostic_line(&self) -> String {
        self.source.to_diagnostic_line(&self.path)
    }
}

/// Reads the config file through the same bounded reader as flows (a
/// regular file of at most [`CONFIG_LIMIT`], in UTF-8: a Shift_JIS save is
/// refused rather than read with U+FFFD in place of every name).
pub fn load_file(path: &Path) -> Result<LoadedConfig, ReadError> {
    let name = path.display().to_string();
    let bytes = read_bytes(path, CONFIG_LIMIT).map_err(|source| ReadError {
        path: name.clone(),
        source,
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    load_bytes(&name, bytes, base)
}

/// Reads config bytes as [`load_file`] read them: UTF-8 first.
pub fn load_bytes(name: &str, bytes: Vec<u8>, base: &Path) -> Result<LoadedConfig, ReadError> {
    let text = decode_utf8(bytes).map_err(|source| ReadError {
        path: name.to_string(),
        source,
    })?;
    Ok(load_source(name, &text, base))
}

const KEYS: &[&str] = &[
    "kiosk",
    "flow",
    "audio_dir",
    "journal_dir",
    "language",
    "idle_timeout_s",
    "repeat_guard_ms",
    "keys",
    "speech",
    "staff_call_command",
    "staff_exit_keys",
    "staff_keys",
    "report_k",
    "print",
];
const PRINT_KEYS: &[&str] = &["printer"];
const SPEECH_KEYS: &[&str] = &[
    "enabled",
    "rate",
    "volume",
    "echo",
    "earcons",
    "tts",
    "tts_layout",
];

/// Reads config text; `base` resolves relative paths. A broken file gives
/// the defaults for what could not be read, never a half-applied value.
pub fn load_source(name: &str, source: &str, base: &Path) -> LoadedConfig {
    let mut diag = Collector::new(name, source);
    let root = tree::parse(source, &mut diag);
    let root = root.get_ref();
    tree::reject_unknown_keys(root, KEYS, "", &mut diag);
    let mut config = Config::default();
    let mut r = Reader {
        table: root,
        path: "",
        diag: &mut diag,
    };
    if let Some(kiosk) = r.string("kiosk") {
        config.kiosk = kiosk;
    }
    config.flow = r.string("flow").map(|p| base.join(p));
    config.audio_dir = r.string("audio_dir").map(|p| base.join(p));
    config.journal_dir = r.string("journal_dir").map(|p| base.join(p));
    config.language = r.string("language");
    if let Some(n) = r.integer("idle_timeout_s", 5, 86_400) {
        config.idle_timeout_s = n;
    }
    if let Some(n) = r.integer("repeat_guard_ms", 0, 5_000) {
        config.repeat_guard_ms = n;
    }
    if let Some(n) = r.integer("report_k", 1, 1_000_000) {
        config.report_k = n;
    }
    config.staff_call_command = r.strings("staff_call_command").and_then(|argv| {
        if argv.first().is_some_and(|p| !p.is_empty()) {
            Some(argv)
        } else {
            r.error_at("staff_call_command", |path| {
                msg!("config.staff_command_empty", path = path)
            });
            None
        }
    });
    if let Some(keys) = r.key_names("staff_exit_keys") {
        if keys.len() < 3 {
            r.warning_at("staff_exit_keys", |path| {
                msg!("config.staff_exit_keys_few", path = path)
            });
        }
        config.staff_exit_keys = keys;
    }
    if let Some(keys) = r.key_names("staff_keys") {
        if keys.len() < 3 {
            r.warning_at("staff_keys", |path| {
                msg!("config.staff_keys_few", path = path)
            });
        }
        if crate::input::sequences_overlap(&keys, &config.staff_exit_keys) {
            r.error_at("staff_keys", |path| {
                msg!("config.staff_keys_overlap", path = path)
            });
        } else {
            config.staff_keys = keys;
        }
    }
    if let Some(table) = r.table("keys") {
        config.keys = read_keys(table, r.diag);
    }
    if let Some(table) = r.table("speech") {
        config.speech = read_speech(table, r.diag);
    }
    if let Some(table) = r.table("print") {
        config.print = read_print(table, r.diag);
    }
    LoadedConfig {
        config,
        diagnostics: diag.finish(),
    }
}

fn read_keys(table: &DeTable<'_>, diag: &mut Collector<'_>) -> Vec<(Input, Vec<String>)> {
    let names: Vec<&str> = ACTIONS.iter().map(|(name, _, _)| *name).collect();
    tree::reject_unknown_keys(table, &names, "keys", diag);
    let mut r = Reader {
        table,
        path: "keys",
        diag,
    };
    let overrides: Vec<(&str, Input, Vec<String>)> = ACTIONS
        .iter()
        .filter_map(|(name, input, _)| Some((*name, *input, r.key_names(name)?)))
        .collect();
    // One key, one action: a key given to two actions would silently do one.
    // Each action's keys as a set, made once: searching the lists for every
    // key took minutes for a [keys] table of long lists.
    let effective: Vec<(&str, Input, HashSet<String>)> = ACTIONS
        .iter()
        .map(|(name, input, _)| {
            let keys = match overrides.iter().find(|(_, i, _)| i == input) {
                Some((_, _, keys)) => keys.iter().map(|k| normalize(k)).collect(),
                None => default_keys(*input).iter().map(|k| normalize(k)).collect(),
            };
            (*name, *input, keys)
        })
        .collect();
    for (name, input, keys) in &overrides {
        for key in keys {
            let key = normalize(key);
            let clash = effective
                .iter()
                .filter(|(_, other, _)| other != input)
                .find(|(_, _, keys)| keys.contains(&key));
            if let Some((other, _, _)) = clash {
                r.error_at(name, |path| {
                    msg!("config.key_clash", path = path, key = &key, other = other)
                });
            }
        }
    }
    overrides
        .into_iter()
        .map(|(_, input, keys)| (input, keys))
        .collect()
}

fn read_print(table: &DeTable<'_>, diag: &mut Collector<'_>) -> PrintConfig {
    tree::reject_unknown_keys(table, PRINT_KEYS, "print", diag);
    let mut r = Reader {
        table,
        path: "print",
        diag,
    };
    let printer = r.string("printer").and_then(|name| {
        // CUPS queue names: printable, no space, slash or '#'.
        let ok = !name.is_empty()
            && name.len() <= 127
            && name
                .chars()
                .all(|c| c.is_ascii_graphic() && !matches!(c, '/' | '#' | '\\'));
        if !ok {
            r.error_at("printer", |path| msg!("config.printer_bad", path = path));
        }
        ok.then_some(name)
    });
    PrintConfig { printer }
}

fn read_speech(table: &DeTable<'_>, diag: &mut Collector<'_>) -> SpeechConfig {
    tree::reject_unknown_keys(table, SPEECH_KEYS, "speech", diag);
    let mut r = Reader {
        table,
        path: "speech",
        diag,
    };
    let defaults = SpeechConfig::default();
    let level = |r: &mut Reader<'_, '_, '_>, key: &str, default: Level| {
        r.integer(key, 1, 5)
            .and_then(|n| u8::try_from(n).ok())
            .map_or(default, Level::new)
    };
    SpeechConfig {
        enabled: r.boolean("enabled").unwrap_or(defaults.enabled),
        rate: level(&mut r, "rate", defaults.rate),
        volume: level(&mut r, "volume", defaults.volume),
        echo: r.boolean("echo").unwrap_or(defaults.echo),
        earcons: r.boolean("earcons").unwrap_or(defaults.earcons),
        tts: r.boolean("tts").unwrap_or(defaults.tts),
        tts_layout: r.tts_layout().unwrap_or(defaults.tts_layout),
    }
}

/// Typed reads from one table, each reporting its own problem.
struct Reader<'t, 'i, 'd> {
    table: &'t DeTable<'i>,
    path: &'static str,
    diag: &'t mut Collector<'d>,
}

impl<'t, 'i, 'd> Reader<'t, 'i, 'd> {
    fn value(&self, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        tree::get(self.table, key).map(|(_, v)| v)
    }

    /// A string with no control character: names, paths and language
    /// codes have no use for one, and the `kiosk` name goes into every
    /// journal line and report.
    fn string(&mut self, key: &str) -> Option<String> {
        let value = self.value(key)?;
        let path = join_path(self.path, key);
        let text = tree::expect_str(value, &path, self.diag)?;
        tree::check_controls_in(
            text,
            value.span(),
            Controls::None,
            What::Value,
            &path,
            self.diag,
        )
        .then(|| text.to_string())
    }

    fn boolean(&mut self, key: &str) -> Option<bool> {
        let value = self.value(key)?;
        tree::expect_bool(value, &join_path(self.path, key), self.diag)
    }

    fn integer(&mut self, key: &str, min: u64, max: u64) -> Option<u64> {
        let value = self.value(key)?;
        let path = join_path(self.path, key);
        let n = tree::expect_integer(value, &path, self.diag)?;
        match u64::try_from(n) {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.diag.error(
                    value.span(),
                    msg!(
                        "config.out_of_range",
                        path = path,
                        n = n,
                        min = min,
                        max = max
                    ),
                );
                None
            }
        }
    }

    fn table(&mut self, key: &str) -> Option<&'t DeTable<'i>> {
        let value = self.value(key)?;
        tree::expect_table(value, &join_path(self.path, key), self.diag)
    }

    fn strings(&mut self, key: &str) -> Option<Vec<String>> {
        let value = self.value(key)?;
        let path = join_path(self.path, key);
        let array = tree::expect_array(value, &path, self.diag)?;
        let items: Vec<Option<String>> = array
            .iter()
            .map(|item| {
                let text = tree::expect_str(item, &path, self.diag)?;
                tree::check_controls_in(
                    text,
                    item.span(),
                    Controls::None,
                    What::Value,
                    &path,
                    self.diag,
                )
                .then(|| text.to_string())
            })
            .collect();
        items.into_iter().collect()
    }

    /// A list of key names, each checked.
    fn key_names(&mut self, key: &str) -> Option<Vec<String>> {
        let value = self.value(key)?;
        let path = join_path(self.path, key);
        let array = tree::expect_array(value, &path, self.diag)?;
        let mut ok = true;
        let mut names = Vec::new();
        for item in array.iter() {
            let Some(name) = tree::expect_str(item, &path, self.diag) else {
                ok = false;
                continue;
            };
            if !is_key_name(name) {
                self.diag.error(
                    item.span(),
                    msg!("config.not_a_key_name", path = &path, name = name),
                );
                ok = false;
            }
            names.push(name.to_string());
        }
        ok.then_some(names)
    }

    fn tts_layout(&mut self) -> Option<TtsLayout> {
        let name = self.string("tts_layout")?;
        let layout = TtsLayout::from_name(&name);
        if layout.is_none() {
            let [a, b] = TtsLayout::NAMES;
            let expected = msg!("config.tts_layout_choices", a = a, b = b);
            self.error_at("tts_layout", |path| {
                msg!(
                    "config.tts_layout_bad",
                    path = path,
                    name = format!("{name:?}"),
                    expected = expected
                )
            });
        }
        layout
    }

    /// An error at `key`'s value, its message made from the key's path.
    fn error_at(&mut self, key: &str, message: impl FnOnce(String) -> Message) {
        if let Some(value) = self.value(key) {
            let path = join_path(self.path, key);
            self.diag.error(value.span(), message(path));
        }
    }

    fn warning_at(&mut self, key: &str, message: impl FnOnce(String) -> Message) {
        if let Some(value) = self.value(key) {
            let path = join_path(self.path, key);
            self.diag.warning(value.span(), message(path));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(src: &str) -> LoadedConfig {
        load_source("kiosk.toml", src, Path::new("/etc/counter-kiosk"))
    }

    fn messages(loaded: &LoadedConfig) -> Vec<String> {
        loaded.diagnostics.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn an_empty_file_gives_the_defaults() {
        let loaded = load("");
        assert!(loaded.diagnostics.is_empty());
        assert_eq!(loaded.config, Config::default());
    }

    #[test]
    fn every_key_is_read() {
        let loaded = load(
            r#"
kiosk = "counter-2"
flow = "flows/custom.toml"
audio_dir = "/srv/audio"
journal_dir = "journal"
language = "en"
idle_timeout_s = 60
repeat_guard_ms = 300
staff_call_command = ["/usr/local/bin/ring", "counter"]
staff_exit_keys = ["F12", "F12", "0", "Enter"]
report_k = 3
[keys]
yes = ["1", "Enter"]
continue = ["3"]
[speech]
enabled = false
rate = 2
volume = 5
echo = false
earcons = false
tts = false
tts_layout = "generic"
"#,
        );
        assert_eq!(messages(&loaded), Vec::<String>::new());
        let c = loaded.config;
        assert_eq!(c.kiosk, "counter-2");
        assert_eq!(
            c.flow,
            Some(PathBuf::from("/etc/counter-kiosk/flows/custom.toml"))
        );
        assert_eq!(c.audio_dir, Some(PathBuf::from("/srv/audio")));
        assert_eq!(
            c.journal_dir,
            Some(PathBuf::from("/etc/counter-kiosk/journal"))
        );
        assert_eq!(c.language.as_deref(), Some("en"));
        assert_eq!(
            (c.idle_timeout_s, c.repeat_guard_ms, c.report_k),
            (60, 300, 3)
        );
        assert_eq!(
            c.staff_call_command,
            Some(vec![
                "/usr/local/bin/ring".to_string(),
                "counter".to_string()
            ])
        );
        assert_eq!(c.staff_exit_keys.len(), 4);
        assert_eq!(
            c.keys,
            vec![
                (Input::Yes, vec!["1".to_string(), "Enter".to_string()]),
                (Input::Continue, vec!["3".to_string()])
            ]
        );
        assert_eq!(
            c.speech,
            SpeechConfig {
                enabled: false,
                rate: Level::new(2),
                volume: Level::MAX,
                echo: false,
                earcons: false,
                tts: false,
                tts_layout: TtsLayout::Generic,
            }
        );
        let engine = Config::default().engine(crate::flow::LangIx(0));
        assert_eq!(engine.idle_timeout, Duration::from_secs(90));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors_at_their_place_and_keep_defaults() {
        let loaded = load(
            "kiosk = 5\nidel_timeout_s = 30\nidle_timeout_s = 0\n[speech]\nrate = 9\nvoice = \"x\"\ntts_layout = \"both\"\n[keys]\njump = [\"j\"]\nyes = [\"Enterr\"]\n",
        );
        assert_eq!(
            messages(&loaded),
            vec![
                "kiosk.toml:1:9: error: kiosk: expected a string, found integer",
                "kiosk.toml:2:1: error: unknown field \"idel_timeout_s\" (expected one of: kiosk, flow, audio_dir, journal_dir, language, idle_timeout_s, repeat_guard_ms, keys, speech, staff_call_command, staff_exit_keys, staff_keys, report_k, print)",
                "kiosk.toml:3:18: error: idle_timeout_s: 0 is out of range (5 to 86400)",
                "kiosk.toml:5:8: error: speech.rate: 9 is out of range (1 to 5)",
                "kiosk.toml:6:1: error: speech: unknown field \"voice\" (expected one of: enabled, rate, volume, echo, earcons, tts, tts_layout)",
                "kiosk.toml:7:14: error: speech.tts_layout: \"both\" is not a layout (expected generic or per-language)",
                "kiosk.toml:9:1: error: keys: unknown field \"jump\" (expected one of: yes, no, continue, repeat, pause, back, help, language, slower, faster, quieter, louder, start_over)",
                "kiosk.toml:10:8: error: keys.yes: \"Enterr\" is not a key name (one character, or Enter, Esc, Backspace, Space, Up, PageUp, F1…F12, …)",
            ]
        );
        assert_eq!(loaded.config, Config::default());
    }

    #[test]
    fn a_key_given_to_two_actions_is_an_error() {
        let loaded = load("[keys]\nyes = [\"1\", \"Enter\"]\n");
        assert_eq!(
            messages(&loaded),
            vec!["kiosk.toml:2:7: error: keys.yes: \"Enter\" is also a key for continue; give that action other keys in [keys] too"]
        );
    }

    #[test]
    fn a_short_exit_sequence_is_a_warning() {
        let loaded = load("staff_exit_keys = [\"q\"]\n");
        assert!(!loaded.has_errors());
        assert!(messages(&loaded)[0].contains("warning: staff_exit_keys: fewer than 3 keys"));
    }

    #[test]
    fn staff_keys_are_read_and_may_not_overlap_the_exit_sequence() {
        let loaded = load("staff_keys = [\"F11\", \"5\", \"5\"]\n");
        assert!(messages(&loaded).is_empty(), "{:?}", messages(&loaded));
        assert_eq!(loaded.config.staff_keys, ["F11", "5", "5"]);
        for (staff, exit) in [
            ("[\"F12\", \"0\", \"0\"]", "[\"F12\", \"0\", \"0\"]"),
            (
                "[\"F12\", \"0\", \"0\"]",
                "[\"F12\", \"0\", \"0\", \"Enter\"]",
            ),
            ("[\"A\", \"0\", \"0\", \"Enter\"]", "[\"a\", \"0\", \"0\"]"),
        ] {
            let loaded = load(&format!("staff_exit_keys = {exit}\nstaff_keys = {staff}\n"));
            assert!(loaded.has_errors(), "{staff} / {exit}");
            assert!(
                messages(&loaded)[0]
                    .starts_with("kiosk.toml:2:14: error: staff_keys: is staff_exit_keys"),
                "{:?}",
                messages(&loaded)
            );
            assert!(loaded.config.staff_keys.is_empty());
        }
    }

    #[test]
    fn a_control_character_in_a_value_is_an_error_and_the_default_stays() {
        let loaded = load(
            "kiosk = \"counter\\u001b]0;x\\u0007\"\nstaff_call_command = [\"ring\", \"a\\nb\"]\n",
        );
        assert_eq!(
            messages(&loaded),
            vec![
                "kiosk.toml:1:17: error: kiosk: control character U+001B (escape) in a value; \
                 remove it (it would reach the terminal or the voice as is)",
                "kiosk.toml:2:33: error: staff_call_command: control character U+000A \
                 (line break) in a value; remove it (it would reach the terminal or the voice as is)",
            ]
        );
        assert_eq!(loaded.config, Config::default());
    }

    #[test]
    fn an_empty_staff_command_is_an_error() {
        let loaded = load("staff_call_command = []\n");
        assert!(loaded.has_errors());
        assert_eq!(loaded.config.staff_call_command, None);
    }

    const EXAMPLE: &str = include_str!("../kiosk.example.toml");

    /// The example with its "#key = value" default lines (and, with
    /// `examples`, its indented "#   key = value" examples) uncommented.
    fn example_uncommented(examples: bool) -> String {
        EXAMPLE
            .lines()
            .map(|line| match line.strip_prefix('#') {
                Some(rest) if rest.starts_with(|c: char| c.is_ascii_lowercase() || c == '[') => {
                    rest
                }
                Some(rest) if examples && rest.starts_with("   ") && rest.contains(" = ") => {
                    rest.trim_start()
                }
                _ => line,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_example_config_is_valid_as_shipped_and_with_its_examples() {
        let shipped = load(EXAMPLE);
        assert!(shipped.diagnostics.is_empty(), "{:?}", messages(&shipped));
        assert_eq!(shipped.config, Config::default());
        let examples = load(&example_uncommented(true));
        assert!(!examples.has_errors(), "{:?}", messages(&examples));
        assert!(examples.config.staff_call_command.is_some());
    }

    #[test]
    fn the_example_config_documents_every_key_at_its_default() {
        let text = example_uncommented(false);
        let loaded = load(&text);
        assert!(loaded.diagnostics.is_empty(), "{:?}", messages(&loaded));
        let config = loaded.config;
        for (input, keys) in &config.keys {
            assert_eq!(keys, default_keys(*input), "{input:?}");
        }
        assert_eq!(config.keys.len(), ACTIONS.len());
        assert_eq!(
            Config {
                keys: Vec::new(),
                ..config
            },
            Config::default()
        );
        let with_examples = example_uncommented(true);
        for key in KEYS.iter().chain(SPEECH_KEYS) {
            assert!(
                with_examples
                    .lines()
                    .any(|l| l.starts_with(&format!("{key} = ")) || l == format!("[{key}]")),
                "kiosk.example.toml does not document {key}"
            );
        }
    }
}
