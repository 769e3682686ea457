//! `kiosk doctor`: tells the person installing the kiosk, in plain words,
//! what works on this PC and what does not (DESIGN section 8). Each check
//! lives in its own module; the ones that talk to devices or daemons run on
//! threads of their own with a time bound, so doctor never hangs (a wedged
//! speech-dispatcher was seen to block for over 15 s, DESIGN section 4).

mod content;
mod journal;
mod printer;
mod probe;
mod sound;
pub mod staff;
mod terminal;
mod voice;

use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

/// One line of the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// A stable name for scripts (`terminal_size`, `sound`, `voice_ja`, …).
    pub check: String,
    pub ok: bool,
    pub message: String,
}

impl Check {
    pub fn pass(check: &str, message: impl Into<String>) -> Check {
        Check {
            check: check.to_string(),
            ok: true,
            message: message.into(),
        }
    }

    pub fn fail(check: &str, message: impl Into<String>) -> Check {
        Check {
            check: check.to_string(),
            ok: false,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// True only when the kiosk would work fully: every check passed.
    pub ok: bool,
    pub checks: Vec<Check>,
}

impl Report {
    fn new(checks: Vec<Check>) -> Report {
        Report {
            ok: checks.iter().all(|c| c.ok),
            checks,
        }
    }

    /// Exit status: 0 when every check passed, 1 when any failed (clap
    /// exits 2 on a bad command line).
    pub fn exit_code(&self) -> u8 {
        u8::from(!self.ok)
    }

    /// The lines a person reads: ✔ or ✘, then what it means.
    pub fn render_text(&self, out: &mut dyn Write) -> io::Result<()> {
        for c in &self.checks {
            writeln!(out, "{} {}", if c.ok { "✔" } else { "✘" }, c.message)?;
        }
        let failed = self.checks.iter().filter(|c| !c.ok).count();
        if failed == 0 {
            writeln!(
                out,
                "All {} checks passed: the kiosk would work fully.",
                self.checks.len()
            )
        } else {
            writeln!(
                out,
                "{failed} of {} checks failed: the kiosk would still run, but not fully.",
                self.checks.len()
            )
        }
    }

    /// `--json`: `{"ok": bool, "checks": [{"check", "ok", "message"}]}`.
    pub fn render_json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self).map_err(io::Error::other)?;
        writeln!(out)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--config FILE`; else the installed config when it exists.
    pub config: Option<PathBuf>,
}

/// Runs every check. The slow probes (sound device, speech-dispatcher,
/// fonts) start first and in parallel; the file checks run meanwhile.
pub fn doctor(options: &Options) -> Report {
    let content = content::settle(options.config.as_deref());
    let speech = &content.config.speech;
    let sound = speech.enabled.then(sound::start);
    let voice = (speech.enabled && speech.tts).then(|| voice::start(speech.tts_layout));
    let fonts = terminal::start_font_probe();
    let printer = content.config.print.printer.as_deref().map(printer::start);

    let mut checks = content.checks.clone();
    checks.push(terminal::size_check());
    checks.push(terminal::japanese_check(fonts));
    match sound {
        Some(probe) => checks.push(probe.finish()),
        None => checks.push(Check::pass(
            "sound",
            "sound: turned off in the config ([speech] enabled = false)",
        )),
    }
    match voice {
        Some(probe) => checks.extend(probe.finish(&content.languages())),
        None => checks.push(Check::pass(
            "speech_dispatcher",
            "system voice: turned off in the config (clips only, or silent)",
        )),
    }
    if speech.enabled {
        checks.push(content::clips_check(&content));
    }
    checks.push(journal::check(&content.journal_dir));
    // A line only when a printer is configured: none means no print step
    // is offered, which is not a fault.
    if let Some(probe) = printer {
        checks.push(probe.finish());
    }
    Report::new(checks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_is_ok_only_when_every_check_passed() {
        let good = Report::new(vec![Check::pass("a", "fine"), Check::pass("b", "fine")]);
        assert!(good.ok);
        assert_eq!(good.exit_code(), 0);
        let bad = Report::new(vec![Check::pass("a", "fine"), Check::fail("b", "broken")]);
        assert!(!bad.ok);
        assert_eq!(bad.exit_code(), 1);
        let mut text = Vec::new();
        bad.render_text(&mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains("✔ fine\n✘ broken\n1 of 2 checks failed"),
            "{text}"
        );
    }

    #[test]
    fn json_names_each_check() {
        let report = Report::new(vec![Check::fail("sound", "no sound card")]);
        let mut out = Vec::new();
        report.render_json(&mut out).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["ok"], false);
        assert_eq!(value["checks"][0]["check"], "sound");
        assert_eq!(value["checks"][0]["ok"], false);
        assert_eq!(value["checks"][0]["message"], "no sound card");
    }
}
