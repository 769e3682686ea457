//! What the kiosk's tools say to the shop owner (`doctor`, `check`,
//! `report`, `print-test`, the install scripts), kept as data: one table per
//! language in `messages/LANG.toml`, each message under a key such as
//! `check.unknown_step`, with `{name}` placeholders. Code builds a
//! [`Message`] (a key and its arguments) with [`msg!`]; the edge that prints
//! it picks the language ([`OwnerLang`]) and renders it. The screens the
//! customer sees are not here: their words live in the flow file.

mod lang;
mod table;

use std::fmt;

pub use lang::OwnerLang;
pub use table::{placeholders, Table};

/// A message to the owner, not yet in any language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    key: &'static str,
    args: Vec<(&'static str, String)>,
}

impl Message {
    pub fn new(key: &'static str) -> Message {
        Message {
            key,
            args: Vec::new(),
        }
    }

    /// Fills `{name}` with `value`.
    pub fn arg(mut self, name: &'static str, value: impl fmt::Display) -> Message {
        self.args.push((name, value.to_string()));
        self
    }

    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The message in `lang` (its English text where `lang` lacks it, its
    /// key where both do: the tests make sure neither happens).
    pub fn render(&self, lang: OwnerLang) -> String {
        if self.key.is_empty() {
            return self
                .args
                .first()
                .map(|(_, t)| t.clone())
                .unwrap_or_default();
        }
        let template = Table::of(lang)
            .get(self.key)
            .or_else(|| Table::of(OwnerLang::En).get(self.key));
        match template {
            Some(template) => table::fill(template, &self.args),
            None => self.key.to_string(),
        }
    }
}

// Transitional, while messages move into the tables: a text written in
// code, the same in every language. Removed once none is left.
impl From<String> for Message {
    fn from(text: String) -> Message {
        Message {
            key: "",
            args: vec![("", text)],
        }
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Message {
        Message::from(text.to_string())
    }
}

/// English: logs and tests read messages this way.
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(OwnerLang::En))
    }
}

/// `msg!("check.unknown_step", id = name)`: the message under that key
/// with its placeholders filled.
#[macro_export]
macro_rules! msg {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::messages::Message::new($key)$(.arg(stringify!($name), $value))*
    };
}

#[cfg(test)]
mod tests;
