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
use std::sync::Arc;

pub use lang::OwnerLang;
pub use table::{placeholders, Table};

/// A message to the owner, not yet in any language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    key: &'static str,
    args: Vec<(&'static str, Arg)>,
}

/// Something other than a [`Message`] that renders in a language (the
/// diagnostics, `FILE:LINE:COL: error: …`, implement it in `diag`, which
/// this module does not import).
pub trait Localized: fmt::Debug + Send + Sync {
    fn render_in(&self, lang: OwnerLang) -> String;
}

/// One argument of a [`Message`]: a text the same in every language (a
/// path, a number, a library's own words), or another message or
/// [`Localized`] thing, rendered in the same language as the one it fills.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Message(Message),
    Localized(Arc<dyn Localized>),
}

impl Arg {
    pub fn localized(value: impl Localized + 'static) -> Arg {
        Arg::Localized(Arc::new(value))
    }

    fn render(&self, lang: OwnerLang) -> String {
        match self {
            Arg::Text(text) => text.clone(),
            Arg::Message(message) => message.render(lang),
            Arg::Localized(value) => value.render_in(lang),
        }
    }
}

/// Equal when they read the same in every language.
impl PartialEq for Arg {
    fn eq(&self, other: &Arg) -> bool {
        match (self, other) {
            (Arg::Text(a), Arg::Text(b)) => a == b,
            (Arg::Message(a), Arg::Message(b)) => a == b,
            (Arg::Localized(a), Arg::Localized(b)) => OwnerLang::ALL
                .iter()
                .all(|lang| a.render_in(*lang) == b.render_in(*lang)),
            _ => false,
        }
    }
}

impl Eq for Arg {}

/// How [`msg!`] tells a [`Message`] argument, or one that implements
/// `IsMessage` (rendered in the message's language), from any other
/// `Display` one (written as it is): a method found on `&Message` before
/// one on `&&T` (autoref specialisation).
#[doc(hidden)]
pub mod arg_kind {
    use super::{Arg, Message};
    use std::fmt;

    pub trait IsMessage {
        fn msg_arg(&self) -> Arg;
    }

    impl IsMessage for Message {
        fn msg_arg(&self) -> Arg {
            Arg::Message(self.clone())
        }
    }

    pub trait IsDisplay {
        fn msg_arg(&self) -> Arg;
    }

    impl<T: fmt::Display + ?Sized> IsDisplay for &T {
        fn msg_arg(&self) -> Arg {
            Arg::Text(self.to_string())
        }
    }
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
        self.args.push((name, Arg::Text(value.to_string())));
        self
    }

    /// Fills `{name}` with `value`, as [`msg!`] builds it.
    #[doc(hidden)]
    pub fn arg_value(mut self, name: &'static str, value: Arg) -> Message {
        self.args.push((name, value));
        self
    }

    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The message in `lang` (its English text where `lang` lacks it, its
    /// key where both do: the tests make sure neither happens).
    pub fn render(&self, lang: OwnerLang) -> String {
        let template = Table::of(lang)
            .get(self.key)
            .or_else(|| Table::of(OwnerLang::En).get(self.key));
        match template {
            Some(template) => {
                let args: Vec<(&str, String)> = self
                    .args
                    .iter()
                    .map(|(n, a)| (*n, a.render(lang)))
                    .collect();
                table::fill(template, &args)
            }
            None => self.key.to_string(),
        }
    }
}

/// English: logs and tests read messages this way.
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(OwnerLang::En))
    }
}

/// `msg!("check.unknown_step", id = name)`: the message under that key
/// with its placeholders filled. An argument that is itself a [`Message`],
/// a `Diagnostic` or a `Vec<Diagnostic>` (owned, not a reference: one line
/// each) is rendered in the same language as the whole.
#[macro_export]
macro_rules! msg {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::messages::Message::new($key)$(.arg_value(stringify!($name), {
            #[allow(unused_imports)]
            use $crate::messages::arg_kind::{IsDisplay as _, IsMessage as _};
            (&$value).msg_arg()
        }))*
    };
}

#[cfg(test)]
mod tests;
