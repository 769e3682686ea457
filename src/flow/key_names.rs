//! The keys the fixed phrases name. A phrase says `{key:yes}` where a key
//! goes; the kiosk fills it from the key map it runs with (the config's
//! `[keys]`), so a remapped key is the one the screen shows and the voice
//! says. Shown text gets the key's label as the key bar shows it (`1`,
//! `Enter`); spoken text gets a fixed phrase per key name and language
//! (`1` いち, `Enter` エンター), Japanese and English built in, any other
//! language falling back to the English names. Pure: data in, text out.

/// The customer actions a phrase can name, each with the key the default
/// key map names for it (DESIGN section 7; `input::KeyMap::label` of the
/// default map, which a test there holds to this table).
const DEFAULT_KEYS: [(&str, &str); 13] = [
    ("yes", "1"),
    ("no", "2"),
    ("continue", "Enter"),
    ("repeat", "0"),
    ("pause", "."),
    ("back", "4"),
    ("help", "9"),
    ("language", "/"),
    ("slower", "7"),
    ("faster", "8"),
    ("quieter", "-"),
    ("louder", "+"),
    ("start_over", "Esc"),
];

const OPEN: &str = "{key:";

/// The placeholder for `action`: `{key:yes}`.
pub fn placeholder(action: &str) -> String {
    format!("{OPEN}{action}}}")
}

/// Whether `action` is one a phrase can name.
pub fn is_action(action: &str) -> bool {
    DEFAULT_KEYS.iter().any(|(a, _)| *a == action)
}

/// The action names, for messages.
pub fn actions() -> impl Iterator<Item = &'static str> {
    DEFAULT_KEYS.iter().map(|(a, _)| *a)
}

/// What `check` says of a `{key:ACTION}` whose ACTION is none, at `path`.
pub fn unknown_action(path: &str, action: &str) -> crate::messages::Message {
    let actions: Vec<&str> = actions().collect();
    crate::msg!(
        "check.unknown_key_action",
        path = path,
        action = action,
        actions = actions.join(", ")
    )
}

/// The key named for each action (`None` where the key map gives an
/// action no key at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyNames {
    keys: Vec<(String, Option<String>)>,
}

impl Default for KeyNames {
    /// The default key map's keys.
    fn default() -> Self {
        KeyNames::new(
            DEFAULT_KEYS
                .iter()
                .map(|(action, key)| (action.to_string(), Some(key.to_string()))),
        )
    }
}

impl KeyNames {
    /// From (action, key) pairs; an action left out keeps its default key.
    pub fn new(keys: impl IntoIterator<Item = (String, Option<String>)>) -> KeyNames {
        let given: Vec<(String, Option<String>)> = keys.into_iter().collect();
        let keys = DEFAULT_KEYS
            .iter()
            .map(|(action, default)| {
                let key = given
                    .iter()
                    .rev()
                    .find(|(a, _)| a == action)
                    .map_or_else(|| Some(default.to_string()), |(_, k)| k.clone());
                (action.to_string(), key)
            })
            .collect();
        KeyNames { keys }
    }

    /// The key named for `action`; `None` for an action with no key, or
    /// for a name that is no action.
    pub fn key(&self, action: &str) -> Option<&str> {
        self.keys
            .iter()
            .find(|(a, _)| a == action)
            .and_then(|(_, k)| k.as_deref())
    }

    /// Whether `action`'s named key differs from the default map's (a
    /// `[keys]` list that keeps the default key first changes nothing a
    /// phrase says).
    pub fn is_remapped(&self, action: &str) -> bool {
        self.key(action) != KeyNames::default().key(action)
    }
}

/// How a phrase reaches the customer, which decides how a key is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// On screen: the key's label, as on the key bar.
    Shown,
    /// Aloud: the key's spoken name in the phrase's language.
    Spoken,
}

/// The actions `text` names through `{key:…}` placeholders, in order
/// (repeats kept; names that are no action too, for `check` to report).
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len()..];
        let Some(end) = after.find('}') else { break };
        found.push(&after[..end]);
        rest = &after[end + 1..];
    }
    found
}

/// `template` with every `{key:ACTION}` replaced by the key `keys` names
/// for it, in `form`, in the language `lang`. A placeholder naming no
/// action stays as written (`check` warns about it); an action with no key
/// is named by nothing.
pub fn fill(template: &str, lang: &str, form: Form, keys: &KeyNames) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len()..];
        let Some(end) = after.find('}') else { break };
        out.push_str(&rest[..start]);
        let action = &after[..end];
        let next = &after[end + 1..];
        if is_action(action) {
            let key = keys.key(action).unwrap_or("");
            match form {
                Form::Shown => out.push_str(key),
                Form::Spoken => push_spoken(&mut out, key, lang, next),
            }
        } else {
            out.push_str(&rest[start..start + OPEN.len() + end + 1]);
        }
        rest = next;
    }
    out.push_str(rest);
    out
}

/// Appends the spoken name of `key` to `out`, shaped by what is around it:
/// in Japanese a one-mora name is drawn out before the particle は (にーは:
/// "には" would read as the particle に); in English a name that starts a
/// sentence starts with a capital ("Minus and plus…").
fn push_spoken(out: &mut String, key: &str, lang: &str, next: &str) {
    let name = spoken_name(key, lang);
    if lang == "ja" {
        out.push_str(name);
        if name.chars().count() == 1 && next.starts_with('は') {
            out.push('ー');
        }
        return;
    }
    let sentence_start = out
        .trim_end()
        .chars()
        .last()
        .is_none_or(|c| matches!(c, '.' | '!' | '?'));
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if sentence_start => {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
        _ => out.push_str(name),
    }
}

/// The spoken name of a key (as the key map names it: `1`, `y`, `Enter`,
/// `F5`) in `lang`: Japanese or English, any other language the English
/// name. A key neither table has is said as written.
pub fn spoken_name<'k>(key: &'k str, lang: &str) -> &'k str {
    let table: &[(&str, &str)] = if lang == "ja" { JA } else { EN };
    table
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map_or(key, |(_, name)| name)
}

/// Japanese key names, in kana so a kana-only voice reads them right:
/// digits as a phone menu reads them, symbols and letters in katakana.
const JA: &[(&str, &str)] = &[
    ("0", "ぜろ"),
    ("1", "いち"),
    ("2", "に"),
    ("3", "さん"),
    ("4", "よん"),
    ("5", "ご"),
    ("6", "ろく"),
    ("7", "なな"),
    ("8", "はち"),
    ("9", "きゅう"),
    ("+", "プラス"),
    ("-", "マイナス"),
    ("*", "こめじるし"),
    ("/", "スラッシュ"),
    (".", "ピリオド"),
    (",", "カンマ"),
    ("#", "シャープ"),
    ("=", "イコール"),
    ("?", "はてな"),
    ("[", "かっこ"),
    ("]", "かっことじ"),
    ("Enter", "エンター"),
    ("Esc", "エスケープ"),
    ("Backspace", "バックスペース"),
    ("Tab", "タブ"),
    ("BackTab", "シフトタブ"),
    ("Space", "スペース"),
    ("F1", "エフいち"),
    ("F2", "エフに"),
    ("F3", "エフさん"),
    ("F4", "エフよん"),
    ("F5", "エフご"),
    ("F6", "エフろく"),
    ("F7", "エフなな"),
    ("F8", "エフはち"),
    ("F9", "エフきゅう"),
    ("F10", "エフじゅう"),
    ("F11", "エフじゅういち"),
    ("F12", "エフじゅうに"),
    ("a", "エー"),
    ("b", "ビー"),
    ("c", "シー"),
    ("d", "ディー"),
    ("e", "イー"),
    ("f", "エフ"),
    ("g", "ジー"),
    ("h", "エイチ"),
    ("i", "アイ"),
    ("j", "ジェー"),
    ("k", "ケー"),
    ("l", "エル"),
    ("m", "エム"),
    ("n", "エヌ"),
    ("o", "オー"),
    ("p", "ピー"),
    ("q", "キュー"),
    ("r", "アール"),
    ("s", "エス"),
    ("t", "ティー"),
    ("u", "ユー"),
    ("v", "ブイ"),
    ("w", "ダブリュー"),
    ("x", "エックス"),
    ("y", "ワイ"),
    ("z", "ゼット"),
];

/// English key names: digits stay digits (a voice reads "1" as "one"),
/// letters are capitals (read as the letter), symbols are words, in lower
/// case (capitalised where a sentence starts).
const EN: &[(&str, &str)] = &[
    ("+", "plus"),
    ("-", "minus"),
    ("*", "star"),
    ("/", "slash"),
    (".", "dot"),
    (",", "comma"),
    ("#", "hash"),
    ("=", "equals"),
    ("?", "question mark"),
    ("[", "left bracket"),
    ("]", "right bracket"),
    ("Enter", "Enter"),
    ("Esc", "Escape"),
    ("Backspace", "Backspace"),
    ("Tab", "Tab"),
    ("BackTab", "Shift Tab"),
    ("Space", "Space"),
    ("a", "A"),
    ("b", "B"),
    ("c", "C"),
    ("d", "D"),
    ("e", "E"),
    ("f", "F"),
    ("g", "G"),
    ("h", "H"),
    ("i", "I"),
    ("j", "J"),
    ("k", "K"),
    ("l", "L"),
    ("m", "M"),
    ("n", "N"),
    ("o", "O"),
    ("p", "P"),
    ("q", "Q"),
    ("r", "R"),
    ("s", "S"),
    ("t", "T"),
    ("u", "U"),
    ("v", "V"),
    ("w", "W"),
    ("x", "X"),
    ("y", "Y"),
    ("z", "Z"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn remapped(pairs: &[(&str, &str)]) -> KeyNames {
        KeyNames::new(
            pairs
                .iter()
                .map(|(a, k)| (a.to_string(), Some(k.to_string()))),
        )
    }

    #[test]
    fn placeholders_are_found_in_order_with_unknown_names_too() {
        assert_eq!(
            placeholders("{key:yes} or {key:no}; {n} {key:jump}"),
            vec!["yes", "no", "jump"]
        );
        assert!(placeholders("{key:yes").is_empty());
        assert!(placeholders("no keys here").is_empty());
    }

    #[test]
    fn shown_text_gets_the_label_and_spoken_text_the_name() {
        let keys = remapped(&[("yes", "Enter"), ("no", "-")]);
        let t = "{key:yes} / {key:no}";
        assert_eq!(fill(t, "ja", Form::Shown, &keys), "Enter / -");
        assert_eq!(fill(t, "ja", Form::Spoken, &keys), "エンター / マイナス");
        assert_eq!(fill(t, "en", Form::Spoken, &keys), "Enter / minus");
        // Another language has the English names.
        assert_eq!(fill(t, "de", Form::Spoken, &keys), "Enter / minus");
    }

    #[test]
    fn the_default_keys_fill_as_the_phrases_were_written() {
        let keys = KeyNames::default();
        let fill_ja = |t| fill(t, "ja", Form::Spoken, &keys);
        assert_eq!(
            fill_ja("はいなら、{key:yes}を。いいえなら、{key:no}を おしてください。"),
            "はいなら、いちを。いいえなら、にを おしてください。"
        );
        assert_eq!(
            fill_ja("{key:yes}は、はい。{key:no}は、いいえ。"),
            "いちは、はい。にーは、いいえ。"
        );
        assert_eq!(
            fill(
                "{key:slower} and {key:faster}. {key:quieter} and {key:louder}. {key:language} too.",
                "en",
                Form::Spoken,
                &keys
            ),
            "7 and 8. Minus and plus. Slash too."
        );
    }

    #[test]
    fn a_one_mora_name_is_drawn_out_only_before_wa() {
        let keys = remapped(&[("yes", "5")]);
        assert_eq!(fill("{key:yes}は", "ja", Form::Spoken, &keys), "ごーは");
        assert_eq!(fill("{key:yes}を", "ja", Form::Spoken, &keys), "ごを");
        let keys = remapped(&[("yes", "3")]);
        assert_eq!(fill("{key:yes}は", "ja", Form::Spoken, &keys), "さんは");
    }

    #[test]
    fn unknown_placeholders_stay_and_unbound_actions_say_nothing() {
        let keys = KeyNames::new([("yes".to_string(), None)]);
        assert_eq!(
            fill("[{key:yes}] {key:jump}", "en", Form::Shown, &keys),
            "[] {key:jump}"
        );
        assert_eq!(keys.key("yes"), None);
        assert!(keys.is_remapped("yes"));
        assert!(!keys.is_remapped("no"));
    }

    #[test]
    fn letters_are_named_whatever_their_case_and_unknown_keys_as_written() {
        assert_eq!(spoken_name("Y", "ja"), "ワイ");
        assert_eq!(spoken_name("y", "en"), "Y");
        assert_eq!(spoken_name("F5", "ja"), "エフご");
        assert_eq!(spoken_name("F5", "en"), "F5");
        assert_eq!(spoken_name("%", "ja"), "%");
    }

    #[test]
    fn japanese_names_are_kana_only() {
        for (key, name) in JA {
            let kana = name.chars().all(|c| ('\u{3040}'..='\u{30ff}').contains(&c));
            assert!(kana, "{key}: {name}");
        }
    }

    #[test]
    fn every_named_key_of_the_key_map_has_a_name_in_both_languages() {
        // Named keys that reach a label (the keypad's NumLock-off keys
        // count as digits, so never do), and every digit.
        let keys = [
            "Enter",
            "Esc",
            "Backspace",
            "Tab",
            "BackTab",
            "Space",
            "F1",
            "F12",
            "0",
            "9",
            "+",
            "-",
            "*",
            "/",
            ".",
        ];
        for key in keys {
            assert!(JA.iter().any(|(k, _)| *k == key), "ja {key}");
            let en_word = EN.iter().any(|(k, _)| *k == key);
            let said_as_written = key.chars().all(|c| c.is_ascii_alphanumeric());
            assert!(en_word || said_as_written, "en {key}");
        }
    }
}
