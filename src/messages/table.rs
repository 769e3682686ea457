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

/// `template` with each `{name}` replaced by its argument; `{{` and `}}`
/// are literal braces (flow phrases name placeholders such as `{key:yes}`).
/// A placeholder with no argument is left as written.
pub fn fill(template: &str, args: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        match (tail.starts_with('{'), tail.find('}')) {
            (true, Some(end)) => {
                let name = &tail[1..end];
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(value),
                    None => out.push_str(&tail[..=end]),
                }
                rest = &tail[end + 1..];
            }
            _ => {
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholder names of a template, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            rest = &tail[2..];
            continue;
        }
        match (tail.starts_with('{'), tail.find('}')) {
            (true, Some(end)) => {
                names.push(&tail[1..end]);
                rest = &tail[end + 1..];
            }
            _ => rest = &tail[1..],
        }
    }
    names
}
