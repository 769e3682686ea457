//! Reading a TOML document as a tree that keeps every key's and value's
//! position, so that content files (flows, config) can report *all* their
//! problems at `FILE:LINE:COL` instead of stopping at the first, as a plain
//! `#[serde(deny_unknown_fields)]` derive would.

use std::ops::Range;

use toml::de::{DeArray, DeTable, DeValue};
use toml::Spanned;

use crate::diag::Collector;

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
        let mut message = first_line(err.message()).to_string();
        // A copied block with its name left unchanged: say which name.
        if message == "duplicate key" {
            if let Some(key) = source.get(span.clone()) {
                let key = key.trim_matches(['"', '\'']);
                message = format!("duplicate key \"{key}\" (each name may be given only once)");
            }
        }
        diag.error(span, format!("TOML syntax: {message}"));
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
                format!(
                    "{}unknown field \"{name}\" (expected one of: {expected})",
                    path_prefix(path)
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
            wrong_type(value.span(), path, "a string", other, diag);
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
            wrong_type(value.span(), path, "a table", other, diag);
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
            wrong_type(value.span(), path, "an array", other, diag);
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
                diag.error(value.span(), format!("{path}: integer out of range"));
                None
            }
        },
        other => {
            wrong_type(value.span(), path, "an integer", other, diag);
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
            wrong_type(value.span(), path, "true or false", other, diag);
            None
        }
    }
}

fn wrong_type(
    span: Range<usize>,
    path: &str,
    wanted: &str,
    found: &DeValue<'_>,
    diag: &mut Collector<'_>,
) {
    diag.error(
        span,
        format!("{path}: expected {wanted}, found {}", found.type_str()),
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
    fn integers_in_any_radix_read_back() {
        let src = "a = 0x10\nb = 1_000\n";
        let mut diag = Collector::new("t", src);
        let root = parse(src, &mut diag);
        let a = get(root.get_ref(), "a").map(|(_, v)| expect_integer(v, "a", &mut diag));
        let b = get(root.get_ref(), "b").map(|(_, v)| expect_integer(v, "b", &mut diag));
        assert_eq!((a, b), (Some(Some(16)), Some(Some(1000))));
    }
}
