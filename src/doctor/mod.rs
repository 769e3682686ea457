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

use crate::messages::{Message, OwnerLang};
use crate::msg;

/// One line of the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// A stable name for scripts (`terminal_size`, `sound`, `voice_ja`, …).
    pub check: String,
    pub ok: bool,
    /// What it means, in no language yet: the edge renders it.
    pub message: Message,
}

impl Check {
    pub fn pass(check: &str, message: Message) -> Check {
        Check {
            check: check.to_string(),
            ok: true,
            message,
        }
    }

    pub fn fail(check: &str, message: Message) -> Check {
        Check {
            check: check.to_string(),
            ok: false,
            message,
        }
    }
}

/// The empty text, for an optional part of a message that is not there.
pub(crate) fn nothing() -> Message {
    Message::new("")
}

/// `--json`'s shape: the names and verdicts as they are, the messages in
/// the language asked for.
#[derive(Serialize)]
struct JsonReport<'a> {
    ok: bool,
    checks: Vec<JsonCheck<'a>>,
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    check: &'a str,
    ok: bool,
    message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
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

    /// The lines a person reads: ✔ or ✘, then what it means, in `lang`.
    pub fn render_text(&self, out: &mut dyn Write, lang: OwnerLang) -> io::Result<()> {
        for c in &self.checks {
            let mark = if c.ok { "✔" } else { "✘" };
            writeln!(out, "{mark} {}", c.message.render(lang))?;
        }
        let failed = self.checks.iter().filter(|c| !c.ok).count();
        let count = self.checks.len();
        let summary = if failed == 0 {
            msg!("doctor.all_passed", count = count)
        } else {
            msg!("doctor.some_failed", failed = failed, count = count)
        };
        writeln!(out, "{}", summary.render(lang))
    }

    /// `--json`: `{"ok": bool, "checks": [{"check", "ok", "message"}]}`,
    /// the messages in `lang` (the names and keys stay as they are).
    pub fn render_json(&self, out: &mut dyn Write, lang: OwnerLang) -> io::Result<()> {
        let report = JsonReport {
            ok: self.ok,
            checks: self
                .checks
                .iter()
                .map(|c| JsonCheck {
                    check: &c.check,
                    ok: c.ok,
                    message: c.message.render(lang),
                })
                .collect(),
        };
        serde_json::to_writer_pretty(&mut *out, &report).map_err(io::Error::other)?;
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
        None => checks.push(Check::pass("sound", msg!("doctor.sound_off"))),
    }
    match voice {
        Some(probe) => checks.extend(probe.finish(&content.languages())),
        None => checks.push(Check::pass("speech_dispatcher", msg!("doctor.voice_off"))),
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

    fn text(report: &Report, lang: OwnerLang) -> String {
        let mut out = Vec::new();
        report.render_text(&mut out, lang).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_verdict_is_ok_only_when_every_check_passed() {
        let fine = || msg!("doctor.sound_off");
        let good = Report::new(vec![Check::pass("a", fine()), Check::pass("b", fine())]);
        assert!(good.ok);
        assert_eq!(good.exit_code(), 0);
        assert!(text(&good, OwnerLang::En)
            .ends_with("All 2 checks passed: the kiosk would work fully.\n"));
        let broken = msg!("doctor.clips_no_flow");
        let bad = Report::new(vec![Check::pass("a", fine()), Check::fail("b", broken)]);
        assert!(!bad.ok);
        assert_eq!(bad.exit_code(), 1);
        let en = text(&bad, OwnerLang::En);
        assert!(
            en.contains(
                "✔ sound: turned off in the config ([speech] enabled = false)\n\
                         ✘ clips: no flow to check them against\n1 of 2 checks failed"
            ),
            "{en}"
        );
        let ja = text(&bad, OwnerLang::Ja);
        assert!(ja.starts_with("✔ 音: "), "{ja}");
        assert!(ja.contains("2 項目のうち 1 項目"), "{ja}");
    }

    #[test]
    fn json_names_each_check_and_speaks_the_language() {
        let report = Report::new(vec![Check::fail("sound", msg!("doctor.sound_no_card"))]);
        let json = |lang| {
            let mut out = Vec::new();
            report.render_json(&mut out, lang).unwrap();
            serde_json::from_slice::<serde_json::Value>(&out).unwrap()
        };
        let value = json(OwnerLang::En);
        assert_eq!(value["ok"], false);
        assert_eq!(value["checks"][0]["check"], "sound");
        assert_eq!(value["checks"][0]["ok"], false);
        assert_eq!(
            value["checks"][0]["message"],
            "no sound card: /proc/asound/cards lists none"
        );
        let value = json(OwnerLang::Ja);
        assert_eq!(value["checks"][0]["check"], "sound");
        assert!(value["checks"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("サウンドカード"));
    }
}
