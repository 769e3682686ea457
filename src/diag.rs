//! Problems found in a file the shop edits (a flow or the config), with the
//! `FILE:LINE:COL` position editors and `check` understand. One type serves
//! every content file so errors read the same wherever they come from.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use crate::messages::{Message, OwnerLang};
use crate::msg;

/// How bad a problem is: errors make `check` fail, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem at one place in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub severity: Severity,
    pub message: Message,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `FILE:LINE:COL: error|warning: MESSAGE` with the message in `lang`;
    /// the prefix stays English whatever the language, for editors and
    /// scripts that read it.
    pub fn render(&self, lang: OwnerLang) -> String {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        format!(
            "{}:{}:{}: {}: {}",
            escape_controls(&self.file),
            self.line,
            self.col,
            level,
            escape_controls(&self.message.render(lang))
        )
    }
}

/// In English, as logs read it.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(OwnerLang::En))
    }
}

// A diagnostic as an argument of a message (`msg!("…", errors = list)`):
// rendered in the message's language, one line each.
impl crate::messages::Localized for Diagnostic {
    fn render_in(&self, lang: OwnerLang) -> String {
        self.render(lang)
    }
}

impl crate::messages::Localized for Vec<Diagnostic> {
    fn render_in(&self, lang: OwnerLang) -> String {
        let lines: Vec<String> = self.iter().map(|d| d.render(lang)).collect();
        lines.join("\n")
    }
}

impl crate::messages::arg_kind::IsMessage for Diagnostic {
    fn msg_arg(&self) -> crate::messages::Arg {
        crate::messages::Arg::localized(self.clone())
    }
}

impl crate::messages::arg_kind::IsMessage for Vec<Diagnostic> {
    fn msg_arg(&self) -> crate::messages::Arg {
        crate::messages::Arg::localized(self.clone())
    }
}

/// `s` with every control character written as `\u{1b}`: a message quotes
/// what the file says (an unknown name, a missing target), and `check`
/// prints it to a terminal, which must not run an escape sequence from it.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.contains(char::is_control) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Collects diagnostics for one source text, turning byte spans into
/// 1-based line and column (columns count characters, as rustc does, so a
/// Japanese line points at the right character).
pub struct Collector<'s> {
    file: String,
    source: &'s str,
    line_starts: Vec<usize>,
    found: Vec<Diagnostic>,
    /// How many of each were past [`MAX_SHOWN`] and so not kept.
    hidden_errors: usize,
    hidden_warnings: usize,
}

/// Errors (and, separately, warnings) kept for one file. A broken file can
/// have far more problems than anyone reads (a thousand-language flow
/// misses a text for every language in every step), and keeping them all
/// once took gigabytes; past this, they are counted, and validation stops
/// looking for more errors (see [`Collector::error_limit_reached`]).
pub const MAX_SHOWN: usize = 100;

impl<'s> Collector<'s> {
    pub fn new(file: impl Into<String>, source: &'s str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            file: file.into(),
            source,
            line_starts,
            found: Vec::new(),
            hidden_errors: 0,
            hidden_warnings: 0,
        }
    }

    pub fn error(&mut self, span: Range<usize>, message: Message) {
        self.push(span, Severity::Error, message);
    }

    pub fn warning(&mut self, span: Range<usize>, message: Message) {
        self.push(span, Severity::Warning, message);
    }

    pub fn has_errors(&self) -> bool {
        self.found.iter().any(Diagnostic::is_error)
    }

    /// Whether [`MAX_SHOWN`] errors are in: the file is invalid whatever
    /// else is found, so costly checks may stop.
    pub fn error_limit_reached(&self) -> bool {
        self.hidden_errors > 0 || self.count(Severity::Error) >= MAX_SHOWN
    }

    fn count(&self, severity: Severity) -> usize {
        self.found.iter().filter(|d| d.severity == severity).count()
    }

    /// The text the spans point into.
    pub fn source(&self) -> &'s str {
        self.source
    }

    /// The diagnostics in file order (errors before warnings at one place),
    /// then, if some were not kept, one saying how many.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        self.found.sort_by(|a, b| {
            (a.line, a.col, std::cmp::Reverse(a.severity)).cmp(&(
                b.line,
                b.col,
                std::cmp::Reverse(b.severity),
            ))
        });
        if self.hidden_errors + self.hidden_warnings > 0 {
            let severity = if self.hidden_errors > 0 {
                Severity::Error
            } else {
                Severity::Warning
            };
            let (errors, warnings) = (self.hidden_errors, self.hidden_warnings);
            let message = match (errors, warnings) {
                (e, 0) => msg!("check.more_errors_hidden", errors = e, max = MAX_SHOWN),
                (0, w) => msg!("check.more_warnings_hidden", warnings = w, max = MAX_SHOWN),
                (e, w) => msg!(
                    "check.more_both_hidden",
                    errors = e,
                    warnings = w,
                    max = MAX_SHOWN
                ),
            };
            self.found.push(Diagnostic {
                file: self.file.clone(),
                line: 1,
                col: 1,
                severity,
                message,
            });
        }
        self.found
    }

    fn push(&mut self, span: Range<usize>, severity: Severity, message: Message) {
        if self.count(severity) >= MAX_SHOWN {
            match severity {
                Severity::Error => self.hidden_errors += 1,
                Severity::Warning => self.hidden_warnings += 1,
            }
            return;
        }
        let (line, col) = self.line_col(span.start);
        self.found.push(Diagnostic {
            file: self.file.clone(),
            line,
            col,
            severity,
            message,
        });
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.source.len());
        let line_ix = match self.line_starts.binary_search(&offset) {
            Ok(ix) => ix,
            Err(ix) => ix.saturating_sub(1),
        };
        let start = self.line_starts.get(line_ix).copied().unwrap_or(0);
        let col = self
            .source
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line_ix + 1, col + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let src = "a = 1\nタイトル = 2\n";
        let mut c = Collector::new("f.toml", src);
        let at = src.find('=').map(|i| i..i + 1);
        c.error(at.unwrap_or(0..0), msg!("check.empty_text", path = "first"));
        let second = src.rfind('=').unwrap_or(0);
        c.warning(
            second..second + 1,
            msg!("check.empty_list", path = "second"),
        );
        let out = c.finish();
        assert_eq!(out[0].to_string(), "f.toml:1:3: error: first: empty text");
        assert_eq!(
            out[1].to_string(),
            "f.toml:2:6: warning: second: an empty list"
        );
    }

    #[test]
    fn control_characters_in_a_message_or_file_name_are_escaped() {
        let mut c = Collector::new("a\u{1b}.toml", "x");
        c.error(
            0..1,
            msg!(
                "check.no_step",
                path = "flow.start",
                name = "\u{1b}[2J\u{7}"
            ),
        );
        let out = c.finish();
        assert_eq!(
            out[0].to_string(),
            "a\\u{1b}.toml:1:1: error: flow.start: no step named \"\\u{1b}[2J\\u{7}\""
        );
    }

    #[test]
    fn past_the_limit_problems_are_counted_not_kept() {
        let mut c = Collector::new("f", "x");
        for _ in 0..MAX_SHOWN + 5 {
            c.error(0..1, msg!("check.empty_text", path = "e"));
        }
        assert!(c.error_limit_reached());
        c.warning(0..1, msg!("check.empty_list", path = "w"));
        let out = c.finish();
        assert_eq!(out.len(), MAX_SHOWN + 2);
        assert_eq!(
            out[MAX_SHOWN + 1].to_string(),
            "f:1:1: error: 5 more error(s) not shown: only the first 100 of each are; \
             fix these and check again"
        );
    }

    #[test]
    fn an_offset_past_the_end_points_at_the_last_line() {
        let src = "x\ny";
        let mut c = Collector::new("f", src);
        c.error(99..100, msg!("check.empty_text", path = "eof"));
        let out = c.finish();
        assert_eq!((out[0].line, out[0].col), (2, 2));
    }
}
