//! The message tables: `messages/en.toml` and `messages/ja.toml`, built
//! into the binary and read once. A section `[check]` with `a = "…"` is the
//! key `check.a`.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::OwnerLang;

pub const EN_SOURCE: &str = include_str!("../../messages/en.toml");
pub const JA_SOURCE: &str = include_str!("../../messages/ja.toml");

/// One language's messages by key.
#[derive(Debug, Default)]
pub struct Table {
    texts: HashMap<String, String>,
}

impl Table {
    pub fn of(lang: OwnerLang) -> &'static Table {
        static EN: OnceLock<Table> = OnceLock::new();
        static JA: OnceLock<Table> = OnceLock::new();
        match lang {
            OwnerLang::En => EN.get_or_init(|| Table::parse(EN_SOURCE).unwrap_or_default()),
            OwnerLang::Ja => JA.get_or_init(|| Table::parse(JA_SOURCE).unwrap_or_default()),
        }
    }

    /// Sections of string values; anything else is refused (the tests
    /// parse both tables, so a broken one never ships).
    pub fn parse(source: &str) -> Result<Table, String> {
        let value: toml::Table = source.parse().map_err(|e: toml::de::Error| e.to_string())?;
        let mut texts = HashMap::new();
        for (section, entries) in value {
            let toml::Value::Table(entries) = entries else {
                return Err(format!("{section}: not a section"));
            };
            for (name, text) in entries {
                let toml::Value::String(text) = text else {
                    return Err(format!("{section}.{name}: not a string"));
                };
                texts.insert(format!("{section}.{name}"), text);
            }
        }
        Ok(Table { texts })
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.texts.get(key).map(String::as_str)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.texts.keys().map(String::as_str)
    }
}

/// One piece of a template: text to write as it is, or a `{name}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece<'t> {
    Text(&'t str),
    /// The name, and the placeholder as written (kept when no argument
    /// fills it).
    Placeholder(&'t str, &'t str),
}

/// The pieces of `template` in order: `{{` and `}}` are literal braces
/// (flow phrases name placeholders such as `{key:yes}`), and a brace that
/// opens no `{name}` is text.
fn pieces(template: &str) -> impl Iterator<Item = Piece<'_>> {
    let mut rest = template;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some(i) = rest.find(['{', '}']) else {
            return Some(Piece::Text(std::mem::take(&mut rest)));
        };
        if i > 0 {
            let (text, tail) = rest.split_at(i);
            rest = tail;
            return Some(Piece::Text(text));
        }
        if rest.starts_with("{{") || rest.starts_with("}}") {
            let brace = &rest[..1];
            rest = &rest[2..];
            return Some(Piece::Text(brace));
        }
        let piece = match (rest.starts_with('{'), rest.find('}')) {
            (true, Some(end)) => {
                let whole = &rest[..=end];
                rest = &rest[end + 1..];
                Piece::Placeholder(&whole[1..end], whole)
            }
            _ => {
                let brace = &rest[..1];
                rest = &rest[1..];
                Piece::Text(brace)
            }
        };
        Some(piece)
    })
}

/// `template` with each `{name}` replaced by its argument; `{{` and `}}`
/// are literal braces. A placeholder with no argument is left as written.
pub fn fill(template: &str, args: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    for piece in pieces(template) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Placeholder(name, whole) => match args.iter().find(|(n, _)| *n == name) {
                Some((_, value)) => out.push_str(value),
                None => out.push_str(whole),
            },
        }
    }
    out
}

/// The placeholder names of a template, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    pieces(template)
        .filter_map(|piece| match piece {
            Piece::Placeholder(name, _) => Some(name),
            Piece::Text(_) => None,
        })
        .collect()
}
