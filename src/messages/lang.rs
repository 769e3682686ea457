//! The owner's language: which table the messages of `doctor`, `check`,
//! `report`, `print-test` and the install scripts are read from. Only
//! Japanese and English have tables; everything else reads English.

use std::env;

/// A language with a message table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum OwnerLang {
    #[default]
    En,
    Ja,
}

impl OwnerLang {
    pub const ALL: [OwnerLang; 2] = [OwnerLang::En, OwnerLang::Ja];

    pub fn code(self) -> &'static str {
        match self {
            OwnerLang::En => "en",
            OwnerLang::Ja => "ja",
        }
    }

    /// A language code or locale name (`ja`, `ja_JP.UTF-8`, `en`, `C`):
    /// Japanese when it names Japanese, English for anything else.
    pub fn from_code(code: &str) -> OwnerLang {
        let code = code.trim();
        let lang = code.split(['_', '.', '@', '-']).next().unwrap_or("");
        if lang.eq_ignore_ascii_case("ja") {
            OwnerLang::Ja
        } else {
            OwnerLang::En
        }
    }

    /// `--lang` when given, else the locale as POSIX resolves it for
    /// messages: the first of `LC_ALL`, `LC_MESSAGES`, `LANG` that is set
    /// and not empty.
    pub fn resolve(flag: Option<&str>, locale: impl Fn(&str) -> Option<String>) -> OwnerLang {
        if let Some(code) = flag {
            return OwnerLang::from_code(code);
        }
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| locale(name))
            .find(|value| !value.is_empty())
            .map(|value| OwnerLang::from_code(&value))
            .unwrap_or_default()
    }

    /// [`OwnerLang::resolve`] with this process's environment.
    pub fn from_flag_or_env(flag: Option<&str>) -> OwnerLang {
        OwnerLang::resolve(flag, |name| env::var(name).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_flag_wins_over_the_locale() {
        let env = [("LANG", "ja_JP.UTF-8")];
        assert_eq!(OwnerLang::resolve(Some("en"), env_of(&env)), OwnerLang::En);
        assert_eq!(OwnerLang::resolve(Some("ja"), env_of(&[])), OwnerLang::Ja);
    }

    #[test]
    fn lc_all_then_lc_messages_then_lang() {
        let env = [("LC_ALL", "C.UTF-8"), ("LANG", "ja_JP.UTF-8")];
        assert_eq!(OwnerLang::resolve(None, env_of(&env)), OwnerLang::En);
        let env = [("LC_MESSAGES", "ja_JP.UTF-8"), ("LANG", "C.UTF-8")];
        assert_eq!(OwnerLang::resolve(None, env_of(&env)), OwnerLang::Ja);
        let env = [("LC_ALL", ""), ("LANG", "ja_JP.eucJP")];
        assert_eq!(OwnerLang::resolve(None, env_of(&env)), OwnerLang::Ja);
    }

    #[test]
    fn anything_but_japanese_reads_english() {
        for code in ["C", "POSIX", "en_US.UTF-8", "de_DE", "jav", "", "j"] {
            assert_eq!(OwnerLang::from_code(code), OwnerLang::En, "{code}");
        }
        for code in ["ja", "JA", "ja_JP", "ja_JP.UTF-8", "ja-JP", "ja@x"] {
            assert_eq!(OwnerLang::from_code(code), OwnerLang::Ja, "{code}");
        }
        assert_eq!(OwnerLang::resolve(None, env_of(&[])), OwnerLang::En);
    }
}
