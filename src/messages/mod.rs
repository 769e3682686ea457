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
    args: Vec<(&'static str, Arg)>,
}

/// A placeholder's value: a text as it is (a name from the file, a number,
/// a library's own words), or another message, rendered in the same
/// language as the one it goes into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Message(Message),
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

    /// Fills `{name}` with another message, in whatever language this one
    /// is rendered in.
    pub fn arg_message(mut self, name: &'static str, value: Message) -> Message {
        self.args.push((name, Arg::Message(value)));
        self
    }

    /// Fills `{name}` with either kind of value ([`msg!`] calls this).
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
                    .map(|(name, value)| {
                        let text = match value {
                            Arg::Text(text) => text.clone(),
                            Arg::Message(m) => m.render(lang),
                        };
                        (*name, text)
                    })
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
/// with its placeholders filled. A value that is itself a [`Message`] is
/// rendered in the language of the one it goes into; any other value is
/// written with `Display`.
#[macro_export]
macro_rules! msg {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::messages::Message::new($key)$(.arg_value(stringify!($name), {
            #[allow(unused_imports)]
            use $crate::messages::arg_kind::{DisplayArg as _, MessageArg as _};
            (&&$crate::messages::arg_kind::Wrap($value)).into_arg()
        }))*
    };
}

/// How [`msg!`] tells a [`Message`] value from any other: a method found on
/// `&&Wrap<Message>` is preferred to one found on `&Wrap<T: Display>`
/// (Message is `Display` too, but its English would be frozen in).
#[doc(hidden)]
pub mod arg_kind {
    use super::{Arg, Message};
    use std::fmt::Display;

    pub struct Wrap<T>(pub T);

    pub trait MessageArg {
        fn into_arg(self) -> Arg;
    }

    impl MessageArg for &&Wrap<Message> {
        fn into_arg(self) -> Arg {
            Arg::Message(self.0.clone())
        }
    }

    impl MessageArg for &&Wrap<&Message> {
        fn into_arg(self) -> Arg {
            Arg::Message(self.0.clone())
        }
    }

    pub trait DisplayArg {
        fn into_arg(self) -> Arg;
    }

    impl<T: Display> DisplayArg for &Wrap<T> {
        fn into_arg(self) -> Arg {
            Arg::Text(self.0.to_string())
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod nested_tests {
    use super::OwnerLang;

    #[test]
    fn a_message_inside_a_message_takes_the_outer_ones_language() {
        let count = crate::msg!("check.items_many", n = 3);
        let m = crate::msg!(
            "check.list_count_mismatch",
            path = "a.ja",
            items = count,
            other = "a.en",
            n = 2
        );
        assert_eq!(m.to_string(), "a.ja: 3 items, but a.en has 2");
        assert_eq!(
            m.render(OwnerLang::Ja),
            "a.ja: 項目が 3 個ありますが、a.en には 2 個あります"
        );
        // A borrowed message is a message too, not its English.
        let inner = crate::msg!("check.items_one");
        let m = crate::msg!("check.what_named", what = &inner);
        assert_eq!(m.render(OwnerLang::Ja), "1 個");
    }
}
