//! Reading a TOML document as a tree that keeps every key's and value's
//! position, so that content files (flows, config) can report *all* their
//! problems at `FILE:LINE:COL` instead of stopping at the first, as a plain
//! `#[serde(deny_unknown_fields)]` derive would.

use std::ops::Range;

use toml::de::{DeArray, DeTable, DeValue};
use toml::Spanned;

use crate::diag::Collector;
use crate::messages::Message;
use crate::msg;

/// A parsed document: the root table, as much of it as the parser could
/// recover. Only the first syntax error goes into the collector: the
/// parser's recovery turns one missing `}` into a screenful of follow-on
/// errors, and the first is the one to fix.
pub fn parse<'i>(source: &'i str, diag: &mut Collector<'_>) -> Spanned<DeTable<'i>> {
    let (root, errors) = DeTable::parse_recoverable(source);
    let first = errors
        .iter()
        .min_by_key(|err| err.span().map_or(0, |span| span.start));
    if let Some(err) = first {
        let span = err.span().unwrap_or(0..0);
        let detail = first_line(err.message());
        // A copied block with its name left unchanged: say which name.
        let duplicate = (detail == "duplicate key")
            .then(|| source.get(span.clone()))
            .flatten()
            .map(|key| key.trim_matches(['"', '\'']));
        let message = match duplicate {
            Some(key) => msg!("check.toml_duplicate_key", key = key),
            // The parser's own words, in English whatever the language.
            None => msg!("check.toml_syntax", detail = detail),
        };
        diag.error(span, message);
    }
    root
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message).trim()
}

/// Keys that belong to the shop's own notes and are ignored everywhere.
pub fn is_note_key(key: &str) -> bool {
    key.starts_with("x_")
}

/// Reports every key of `table` that is neither in `allowed` nor a note key.
/// `path` names the table in messages (`steps.welcome`).
pub fn reject_unknown_keys(
    table: &DeTable<'_>,
    allowed: &[&str],
    path: &str,
    diag: &mut Collector<'_>,
) {
    for (key, _) in table.iter() {
        let name: &str = key.get_ref();
        if !allowed.contains(&name) && !is_note_key(name) {
            let expected = allowed.join(", ");
            diag.error(
                key.span(),
                msg!(
                    "check.unknown_field",
                    prefix = path_prefix(path),
                    name = name,
                    expected = expected
                ),
            );
        }
    }
}

/// `steps.welcome: ` before a message, or nothing at the root.
pub fn path_prefix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

/// `a.b` + `c` = `a.b.c`; the root has an empty path.
pub fn join_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// A key and its value, both with positions.
pub type Entry<'a, 'i> = (
    &'a Spanned<toml::de::DeString<'i>>,
    &'a Spanned<DeValue<'i>>,
);

pub fn get<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<Entry<'a, 'i>> {
    table.get_key_value(key)
}

/// The value as a string, or an error naming `path` and the type found.
pub fn expect_str<'a>(
    value: &'a Spanned<DeValue<'_>>,
    path: &str,
    diag: &mut Collector<'_>,
) -> Option<&'a str> {
    match value.get_ref() {
        DeValue::String(s) => Some(s.as_ref()),
        other => {
            wrong_type(value.span(), path, msg!("check.want_string"), other, diag);
            None
        }
    }
}

pub fn expect_table<'a, 'i>(
    value: &'a Spanned<DeValue<'i>>,
    path: &str,
    diag: &mut Collector<'_>,
) -> Option<&'a DeTable<'i>> {
    match value.get_ref() {
        DeValue::Table(t) => Some(t),
        other => {
            wrong_type(value.span(), path, msg!("check.want_table"), other, diag);
            None
        }
    }
}

pub fn expect_array<'a, 'i>(
    value: &'a Spanned<DeValue<'i>>,
    path: &str,
    diag: &mut Collector<'_>,
) -> Option<&'a DeArray<'i>> {
    match value.get_ref() {
        DeValue::Array(a) => Some(a),
        other => {
            wrong_type(value.span(), path, msg!("check.want_array"), other, diag);
            None
        }
    }
}

pub fn expect_integer(
    value: &Spanned<DeValue<'_>>,
    path: &str,
    diag: &mut Collector<'_>,
) -> Option<i64> {
    match value.get_ref() {
        DeValue::Integer(i) => match i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()) {
            Ok(n) => Some(n),
            Err(_) => {
                diag.error(
                    value.span(),
                    msg!("check.integer_out_of_range", path = path),
                );
                None
            }
        },
        other => {
            wrong_type(value.span(), path, msg!("check.want_integer"), other, diag);
            None
        }
    }
}

pub fn expect_bool(
    value: &Spanned<DeValue<'_>>,
    path: &str,
    diag: &mut Collector<'_>,
) -> Option<bool> {
    match value.get_ref() {
        DeValue::Boolean(b) => Some(*b),
        other => {
            wrong_type(value.span(), path, msg!("check.want_boolean"), other, diag);
            None
        }
    }
}

/// Which characters a string may not hold. A control character in a flow's
/// text would reach the terminal (ESC starts an escape sequence, BEL rings)
/// or the voice as is; ratatui drops some on screen, but the voice and the
/// journal would not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Controls {
    /// Text shown on screen: line breaks (`\n`, or `\r\n` from a file saved
    /// with Windows line endings) are the one control allowed, since the
    /// screen wraps on them. Tabs are refused: their width depends on the
    /// terminal, so wrapping and centring would be off.
    LineBreaksOnly,
    /// Names, paths, commands: no control character at all.
    None,
}

/// The first character of `text` that `allowed` refuses: a Unicode control
/// character (C0, DEL or C1; C1 U+009B is CSI on some terminals).
pub fn forbidden_control(text: &str, allowed: Controls) -> Option<char> {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let line_break = match c {
            '\n' => true,
            '\r' => chars.peek() == Some(&'\n'),
            _ => false,
        };
        if c.is_control() && !(line_break && allowed == Controls::LineBreaksOnly) {
            return Some(c);
        }
    }
    None
}

/// Reports a string value or key that holds a forbidden control character,
/// at the character itself where it is written raw (a tab) or the escape
/// that makes it (`\u001b`, `\e`); `span` is the string's token. Returns
/// whether the text is clean; a refused text is still used, so the error
/// is not followed by a "missing" one.
pub fn check_controls(
    text: &str,
    span: Range<usize>,
    allowed: Controls,
    path: &str,
    diag: &mut Collector<'_>,
) -> bool {
    check_controls_in(text, span, allowed, What::Text, path, diag)
}

/// As [`check_controls`], for a name (a table key) rather than a text.
pub fn check_controls_in_name(
    text: &str,
    span: Range<usize>,
    path: &str,
    diag: &mut Collector<'_>,
) -> bool {
    check_controls_in(text, span, Controls::None, What::Name, path, diag)
}

/// What a string holding a control character is, in its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    /// A flow's text.
    Text,
    /// A table key.
    Name,
    /// A config value.
    Value,
}

impl What {
    fn message(self) -> Message {
        match self {
            What::Text => msg!("check.control_in_text"),
            What::Name => msg!("check.control_in_name"),
            What::Value => msg!("check.control_in_value"),
        }
    }
}

/// As [`check_controls`], saying what the string is ([`What::Value`]).
pub fn check_controls_in(
    text: &str,
    span: Range<usize>,
    allowed: Controls,
    what: What,
    path: &str,
    diag: &mut Collector<'_>,
) -> bool {
    let Some(c) = forbidden_control(text, allowed) else {
        return true;
    };
    let offset = diag
        .source()
        .get(span.clone())
        .and_then(|raw| offset_in_token(raw, c))
        .unwrap_or(0);
    let at = span.start + offset;
    let (prefix, code, what) = (
        path_prefix(path),
        format!("{:04X}", u32::from(c)),
        what.message(),
    );
    let message = match (c, control_name(c)) {
        ('\t', _) => msg!(
            "check.control_tab",
            prefix = prefix,
            code = code,
            what = what
        ),
        (_, Some(name)) => msg!(
            "check.control_named",
            prefix = prefix,
            code = code,
            name = name,
            what = what
        ),
        (_, None) => msg!("check.control", prefix = prefix, code = code, what = what),
    };
    diag.error(at..at + 1, message);
    false
}

fn control_name(c: char) -> Option<Message> {
    Some(match c {
        '\u{7}' => msg!("check.control_bell"),
        '\u{8}' => msg!("check.control_backspace"),
        '\n' => msg!("check.control_line_break"),
        '\r' => msg!("check.control_carriage_return"),
        '\u{1b}' => msg!("check.control_escape"),
        '\u{7f}' => msg!("check.control_delete"),
        '\u{9b}' => msg!("check.control_csi"),
        _ => return None,
    })
}

/// Byte offset in a TOML string token (or quoted key) of what decodes to
/// `wanted`: the character written raw, or the escape sequence that makes
/// it. Literal strings ('…') have no escapes.
fn offset_in_token(raw: &str, wanted: char) -> Option<usize> {
    let escapes = raw.starts_with('"');
    let mut it = raw.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if c == '\\' && escapes {
            let decoded = match it.next() {
                Some((_, 'b')) => Some('\u{8}'),
                Some((_, 't')) => Some('\t'),
                Some((_, 'n')) => Some('\n'),
                Some((_, 'f')) => Some('\u{c}'),
                Some((_, 'r')) => Some('\r'),
                Some((_, 'e')) => Some('\u{1b}'),
                Some((j, kind @ ('x' | 'u' | 'U'))) => {
                    let digits = match kind {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let hex = raw.get(j + 1..j + 1 + digits);
                    for _ in 0..digits {
                        it.next();
                    }
                    hex.and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(char::from_u32)
                }
                _ => None,
            };
            if decoded == Some(wanted) {
                return Some(i);
            }
        } else if c == wanted {
            return Some(i);
        }
    }
    None
}

fn wrong_type(
    span: Range<usize>,
    path: &str,
    wanted: Message,
    found: &DeValue<'_>,
    diag: &mut Collector<'_>,
) {
    let found = match found {
        DeValue::String(_) => msg!("check.type_string"),
        DeValue::Integer(_) => msg!("check.type_integer"),
        DeValue::Float(_) => msg!("check.type_float"),
        DeValue::Boolean(_) => msg!("check.type_boolean"),
        DeValue::Datetime(_) => msg!("check.type_datetime"),
        DeValue::Array(_) => msg!("check.type_array"),
        DeValue::Table(_) => msg!("check.type_table"),
    };
    diag.error(
        span,
        msg!(
            "check.wrong_type",
            path = path,
            wanted = wanted,
            found = found
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(src: &str, allowed: &[&str]) -> Vec<String> {
        let mut diag = Collector::new("t.toml", src);
        let root = parse(src, &mut diag);
        reject_unknown_keys(root.get_ref(), allowed, "", &mut diag);
        diag.finish().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn unknown_keys_are_named_with_their_position_and_notes_pass() {
        let out = messages("a = 1\nx_note = \"ok\"\nbb = 2\n", &["a"]);
        assert_eq!(
            out,
            vec!["t.toml:3:1: error: unknown field \"bb\" (expected one of: a)"]
        );
    }

    #[test]
    fn syntax_errors_are_reported_with_position() {
        let out = messages("a = \n", &["a"]);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(out[0].starts_with("t.toml:1:"), "{out:?}");
        assert!(out[0].contains("error: TOML syntax"), "{out:?}");
    }

    #[test]
    fn one_broken_line_gives_one_error_and_a_duplicate_names_its_key() {
        let out = messages("t = { a = 1\nb = 2\nc = 3\n", &["t", "b", "c"]);
        assert_eq!(out.len(), 1, "{out:?}");
        let out = messages("a = 1\na = 2\n", &["a"]);
        assert_eq!(
            out,
            vec![
                "t.toml:2:1: error: TOML syntax: duplicate key \"a\" (each name may be given only once)"
            ]
        );
    }

    #[test]
    fn a_control_character_is_found_where_it_is_written() {
        let src = "a = \"x\\\\e \\u001b[2J\"\nb = 'tab\there'\nc = \"\"\"one\r\ntwo\"\"\"\n";
        let mut diag = Collector::new("t", src);
        let root = parse(src, &mut diag);
        for key in ["a", "b", "c"] {
            let (_, v) = get(root.get_ref(), key).unwrap();
            let text = expect_str(v, key, &mut diag).unwrap().to_string();
            check_controls(&text, v.span(), Controls::LineBreaksOnly, key, &mut diag);
        }
        let out: Vec<String> = diag.finish().iter().map(ToString::to_string).collect();
        assert_eq!(
            out,
            vec![
                "t:1:11: error: a: control character U+001B (escape) in text; remove it \
                 (it would reach the terminal or the voice as is)",
                "t:2:9: error: b: control character U+0009 (tab) in text; use spaces instead of tabs",
            ]
        );
        assert_eq!(forbidden_control("one\r\ntwo", Controls::None), Some('\r'));
        assert_eq!(
            forbidden_control("one\rtwo", Controls::LineBreaksOnly),
            Some('\r')
        );
        assert_eq!(
            forbidden_control("\u{9b}31m", Controls::LineBreaksOnly),
            Some('\u{9b}')
        );
    }

    #[test]
    fn integers_in_any_radix_read_back() {
        let src = "a = 0x10\nb = 1_000\n";
        let mut diag = Collector::new("t", src);
        let root = parse(src, &mut diag);
        let a = get(root.get_ref(), "a").map(|(_, v)| expect_integer(v, "a", &mut diag));
        let b = get(root.get_ref(), "b").map(|(_, v)| expect_integer(v, "b", &mut diag));
        assert_eq!((a, b), (Some(Some(16)), Some(Some(1000))));
    }
}
