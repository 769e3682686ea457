//! Keys to [`Input`]s: named keys, the default key map of DESIGN section 7
//! (remappable per action in the config's `[keys]`), the numeric keypad with
//! NumLock off, and the kiosk's filtering (Ctrl combinations do nothing; the
//! staff exit sequence). Pure: the terminal edge names each key first.

use std::collections::HashMap;

use crate::engine::Input;
use crate::flow::KeyNames;

/// The customer actions: the name in the config's `[keys]` table, the
/// engine input, and the default keys (DESIGN section 7).
pub const ACTIONS: [(&str, Input, &[&str]); 13] = [
    ("yes", Input::Yes, &["1", "y"]),
    ("no", Input::No, &["2", "n"]),
    ("continue", Input::Continue, &["Enter"]),
    ("repeat", Input::Repeat, &["0", "r", "*", "Space"]),
    ("pause", Input::Pause, &["p", "."]),
    ("back", Input::Back, &["b", "Backspace", "4"]),
    ("help", Input::Help, &["9", "h", "?"]),
    ("language", Input::SwitchLanguage, &["l", "/"]),
    ("slower", Input::Slower, &["[", "7"]),
    ("faster", Input::Faster, &["]", "8"]),
    ("quieter", Input::Quieter, &["-"]),
    ("louder", Input::Louder, &["+"]),
    ("start_over", Input::StartOver, &["Esc"]),
];

/// The default keys of an action's input.
pub fn default_keys(input: Input) -> &'static [&'static str] {
    ACTIONS
        .iter()
        .find(|(_, i, _)| *i == input)
        .map_or(&[], |(_, _, keys)| keys)
}

/// Named keys besides single characters.
const NAMED_KEYS: &[&str] = &[
    "Enter",
    "Esc",
    "Backspace",
    "Tab",
    "BackTab",
    "Space",
    "Up",
    "Down",
    "Left",
    "Right",
    "Home",
    "End",
    "PageUp",
    "PageDown",
    "Insert",
    "Delete",
    "Begin",
    "F1",
    "F2",
    "F3",
    "F4",
    "F5",
    "F6",
    "F7",
    "F8",
    "F9",
    "F10",
    "F11",
    "F12",
];

/// Whether `name` is a key name the kiosk understands: one character
/// (`1`, `a`, `+`), a named key (`Enter`, `PageUp`, `F5`), or either with
/// `Ctrl-` / `Alt-` in front (for the staff exit sequence).
pub fn is_key_name(name: &str) -> bool {
    let bare = name
        .strip_prefix("Ctrl-")
        .or_else(|| name.strip_prefix("Alt-"))
        .unwrap_or(name);
    let mut chars = bare.chars();
    let single = matches!((chars.next(), chars.next()), (Some(c), None) if !c.is_whitespace() && !c.is_control());
    single || NAMED_KEYS.contains(&bare)
}

/// One spelling per key: letters fold to lower case (Caps Lock changes
/// nothing), and a keypad with NumLock off counts as the digits it shows.
pub fn normalize(name: &str) -> String {
    let numlock_off = match name {
        "Insert" => Some("0"),
        "End" => Some("1"),
        "Down" => Some("2"),
        "PageDown" => Some("3"),
        "Left" => Some("4"),
        "Begin" => Some("5"),
        "Right" => Some("6"),
        "Home" => Some("7"),
        "Up" => Some("8"),
        "PageUp" => Some("9"),
        "Delete" => Some("."),
        _ => None,
    };
    if let Some(digit) = numlock_off {
        return digit.to_string();
    }
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_uppercase() => c.to_ascii_lowercase().to_string(),
        _ => name.to_string(),
    }
}

/// Keys to actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap {
    actions: HashMap<String, Input>,
}

impl Default for KeyMap {
    fn default() -> Self {
        KeyMap::with_overrides(&[])
    }
}

impl KeyMap {
    /// The default map with some actions' keys replaced (config `[keys]`).
    pub fn with_overrides(overrides: &[(Input, Vec<String>)]) -> KeyMap {
        let mut actions = HashMap::new();
        for (_, input, defaults) in ACTIONS {
            let keys: Vec<String> = match overrides.iter().rev().find(|(i, _)| *i == input) {
                Some((_, keys)) => keys.clone(),
                None => defaults.iter().map(|k| k.to_string()).collect(),
            };
            for key in keys {
                actions.insert(normalize(&key), input);
            }
        }
        KeyMap { actions }
    }

    /// What a named key does; `None` for keys the kiosk ignores entirely
    /// (Ctrl and Alt combinations: Ctrl-C, Ctrl-Z, Ctrl-\ do nothing).
    pub fn input(&self, key: &str) -> Option<Input> {
        if key.starts_with("Ctrl-") || key.starts_with("Alt-") {
            return None;
        }
        Some(
            self.actions
                .get(&normalize(key))
                .copied()
                .unwrap_or(Input::Other),
        )
    }

    /// The first key bound to `action`, for the key bar ("1 はい").
    pub fn label(&self, action: Input) -> Option<String> {
        let mut keys: Vec<&String> = self
            .actions
            .iter()
            .filter(|(_, a)| **a == action)
            .map(|(k, _)| k)
            .collect();
        // Digits first: the keypad is what the counter has.
        keys.sort_by_key(|k| {
            (
                !k.chars().all(|c| c.is_ascii_digit()),
                k.len(),
                (*k).clone(),
            )
        });
        keys.first().map(|k| (*k).clone())
    }

    /// The key each action's phrases name: its [`KeyMap::label`], the one
    /// the key bar shows, so screen and voice name the same key.
    pub fn key_names(&self) -> KeyNames {
        KeyNames::new(
            ACTIONS
                .iter()
                .map(|(name, input, _)| (name.to_string(), self.label(*input))),
        )
    }
}

/// Watches for the staff's exit sequence (config `staff_exit_keys`); none by
/// default, so a customer can never leave the kiosk.
#[derive(Debug, Clone, Default)]
pub struct ExitSequence {
    sequence: Vec<String>,
    recent: std::collections::VecDeque<String>,
}

impl ExitSequence {
    pub fn new(sequence: &[String]) -> ExitSequence {
        ExitSequence {
            sequence: sequence.iter().map(|k| normalize(k)).collect(),
            recent: std::collections::VecDeque::new(),
        }
    }

    /// Whether `key` is one of the sequence's keys.
    pub fn contains(&self, key: &str) -> bool {
        let key = normalize(key);
        self.sequence.contains(&key)
    }

    /// Feeds one key; true when the last keys typed are the whole sequence.
    pub fn feed(&mut self, key: &str) -> bool {
        if self.sequence.is_empty() {
            return false;
        }
        if self.recent.len() == self.sequence.len() {
            self.recent.pop_front();
        }
        self.recent.push_back(normalize(key));
        let done = self.recent.iter().eq(self.sequence.iter());
        if done {
            self.recent.clear();
        }
        done
    }
}

/// Watches for the staff screen's key sequence (config `staff_keys`); none
/// by default, and then every key is the customer's. Unlike the exit
/// sequence, the keys of a prefix are held back, not acted on: the staff's
/// keys must not press anything of the customer's on the way in. When the
/// next key breaks the prefix, the held keys are handed back, each to act
/// as it would have for the customer.
#[derive(Debug, Clone, Default)]
pub struct StaffKeys<T> {
    sequence: Vec<String>,
    held: Vec<(String, T)>,
}

/// What one key fed to [`StaffKeys`] came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffFed<T> {
    /// The key (with any held before it) is the start of the sequence:
    /// held, nothing to act on yet.
    Held,
    /// The whole sequence was typed.
    Matched,
    /// These keys (held ones first, in order, each with what it was fed
    /// with) are the customer's; some later ones may still be held.
    Release(Vec<(String, T)>),
}

impl<T> StaffKeys<T> {
    pub fn new(sequence: &[String]) -> StaffKeys<T> {
        StaffKeys {
            sequence: sequence.iter().map(|k| normalize(k)).collect(),
            held: Vec::new(),
        }
    }

    /// Whether a sequence is configured at all.
    pub fn configured(&self) -> bool {
        !self.sequence.is_empty()
    }

    /// Whether `key` is one of the sequence's keys.
    pub fn contains(&self, key: &str) -> bool {
        self.sequence.contains(&normalize(key))
    }

    /// Whether keys are held, waiting for the next one.
    pub fn holding(&self) -> Option<&T> {
        self.held.first().map(|(_, t)| t)
    }

    /// Feeds one key, with `tag` (when it was read) to hand back with it.
    pub fn feed(&mut self, key: &str, tag: T) -> StaffFed<T> {
        if self.sequence.is_empty() {
            return StaffFed::Release(vec![(key.to_string(), tag)]);
        }
        self.held.push((key.to_string(), tag));
        if self.held_is_prefix(0) {
            if self.held.len() == self.sequence.len() {
                self.held.clear();
                return StaffFed::Matched;
            }
            return StaffFed::Held;
        }
        // The longest tail of the held keys that still starts the sequence
        // stays held; the keys before it are the customer's.
        let keep_from = (1..=self.held.len())
            .find(|&from| self.held_is_prefix(from))
            .unwrap_or(self.held.len());
        StaffFed::Release(self.held.drain(..keep_from).collect())
    }

    /// Hands back every held key (the time to wait for the next one ran out).
    pub fn release_all(&mut self) -> Vec<(String, T)> {
        std::mem::take(&mut self.held)
    }

    /// Forgets held keys (the staff screen opened another way, or closed).
    pub fn clear(&mut self) {
        self.held.clear();
    }

    fn held_is_prefix(&self, from: usize) -> bool {
        let tail = &self.held[from..];
        tail.len() <= self.sequence.len()
            && tail
                .iter()
                .zip(&self.sequence)
                .all(|((key, _), want)| normalize(key) == *want)
    }
}

/// Whether one of two key sequences is the other or starts it (the
/// config's `staff_keys` and `staff_exit_keys` must not).
pub fn sequences_overlap(a: &[String], b: &[String]) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    a.iter().zip(b).all(|(x, y)| normalize(x) == normalize(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_keys_follow_the_design_table() {
        let map = KeyMap::default();
        for (key, input) in [
            ("1", Input::Yes),
            ("y", Input::Yes),
            ("2", Input::No),
            ("Enter", Input::Continue),
            ("0", Input::Repeat),
            ("Space", Input::Repeat),
            ("*", Input::Repeat),
            (".", Input::Pause),
            ("4", Input::Back),
            ("Backspace", Input::Back),
            ("9", Input::Help),
            ("?", Input::Help),
            ("/", Input::SwitchLanguage),
            ("7", Input::Slower),
            ("]", Input::Faster),
            ("-", Input::Quieter),
            ("+", Input::Louder),
            ("Esc", Input::StartOver),
            ("x", Input::Other),
        ] {
            assert_eq!(map.input(key), Some(input), "{key}");
        }
    }

    #[test]
    fn every_action_but_start_over_is_on_a_17_key_keypad() {
        let keypad = [
            "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ".", "+", "-", "*", "/", "Enter",
        ];
        let map = KeyMap::default();
        for (name, action, _) in ACTIONS {
            let reachable = keypad.iter().any(|k| map.input(k) == Some(action));
            assert_eq!(reachable, action != Input::StartOver, "{name}");
        }
    }

    #[test]
    fn numlock_off_keys_count_as_their_digits() {
        let map = KeyMap::default();
        for (nav, digit) in [
            ("End", "1"),
            ("Down", "2"),
            ("Insert", "0"),
            ("Left", "4"),
            ("Home", "7"),
            ("Up", "8"),
            ("PageUp", "9"),
            ("Delete", "."),
        ] {
            assert_eq!(map.input(nav), map.input(digit), "{nav}");
        }
    }

    #[test]
    fn caps_lock_changes_nothing_and_ctrl_keys_do_nothing() {
        let map = KeyMap::default();
        assert_eq!(map.input("Y"), Some(Input::Yes));
        for key in ["Ctrl-c", "Ctrl-z", "Ctrl-\\", "Alt-1"] {
            assert_eq!(map.input(key), None, "{key}");
        }
    }

    #[test]
    fn an_override_replaces_only_that_actions_keys() {
        let map = KeyMap::with_overrides(&[(Input::Yes, vec!["5".into()])]);
        assert_eq!(map.input("5"), Some(Input::Yes));
        assert_eq!(map.input("1"), Some(Input::Other));
        assert_eq!(map.input("2"), Some(Input::No));
        assert_eq!(map.label(Input::Yes).as_deref(), Some("5"));
    }

    #[test]
    fn labels_prefer_keypad_digits() {
        let map = KeyMap::default();
        assert_eq!(map.label(Input::Yes).as_deref(), Some("1"));
        assert_eq!(map.label(Input::Back).as_deref(), Some("4"));
        assert_eq!(map.label(Input::StartOver).as_deref(), Some("Esc"));
    }

    #[test]
    fn the_default_map_names_the_keys_the_built_in_phrases_were_written_with() {
        assert_eq!(KeyMap::default().key_names(), KeyNames::default());
    }

    #[test]
    fn a_remapped_action_names_its_new_first_key() {
        let map = KeyMap::with_overrides(&[
            (Input::Yes, vec!["y".into(), "5".into()]),
            (Input::Help, vec!["F1".into()]),
            (Input::Back, Vec::new()),
        ]);
        let names = map.key_names();
        assert_eq!(names.key("yes"), Some("5"));
        assert_eq!(names.key("help"), Some("F1"));
        assert_eq!(names.key("back"), None);
        assert_eq!(names.key("no"), Some("2"));
    }

    #[test]
    fn key_names_are_checked() {
        for ok in ["1", "a", "+", "Enter", "F12", "Ctrl-x", "PageUp"] {
            assert!(is_key_name(ok), "{ok}");
        }
        for bad in ["", "Enterr", "ab", "Ctrl-", " "] {
            assert!(!is_key_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_exit_sequence_needs_every_key_in_order() {
        let mut exit = ExitSequence::new(&["F12".into(), "F12".into(), "0".into()]);
        assert!(!exit.feed("F12"));
        assert!(!exit.feed("1"));
        assert!(!exit.feed("F12"));
        assert!(!exit.feed("F12"));
        assert!(exit.feed("0"));
        // A longer run of the first key still ends in the sequence.
        for key in ["F12", "F12", "F12"] {
            assert!(!exit.feed(key));
        }
        assert!(exit.feed("0"));
        assert!(!ExitSequence::default().feed("F12"));
    }

    #[test]
    fn a_broken_sequence_can_restart_on_its_first_key() {
        let mut exit = ExitSequence::new(&["a".into(), "b".into()]);
        assert!(!exit.feed("a"));
        assert!(!exit.feed("a"));
        assert!(exit.feed("b"));
    }
    #[test]
    fn staff_keys_hold_a_prefix_and_release_it_when_broken() {
        let mut staff = StaffKeys::new(&["F11".into(), "5".into(), "5".into()]);
        assert_eq!(staff.feed("F11", 1), StaffFed::Held);
        assert_eq!(staff.feed("5", 2), StaffFed::Held);
        assert_eq!(
            staff.feed("1", 3),
            StaffFed::Release(vec![("F11".into(), 1), ("5".into(), 2), ("1".into(), 3)])
        );
        assert_eq!(staff.feed("F11", 4), StaffFed::Held);
        assert_eq!(staff.feed("5", 5), StaffFed::Held);
        assert_eq!(staff.feed("5", 6), StaffFed::Matched);
        assert_eq!(staff.holding(), None);
    }

    #[test]
    fn a_broken_staff_prefix_keeps_the_tail_that_starts_again() {
        let mut staff = StaffKeys::new(&["a".into(), "a".into(), "b".into()]);
        assert_eq!(staff.feed("a", 1), StaffFed::Held);
        assert_eq!(staff.feed("a", 2), StaffFed::Held);
        assert_eq!(staff.feed("A", 3), StaffFed::Release(vec![("a".into(), 1)]));
        assert_eq!(staff.feed("b", 4), StaffFed::Matched);
        assert_eq!(staff.feed("a", 5), StaffFed::Held);
        assert_eq!(staff.release_all(), vec![("a".to_string(), 5)]);
    }

    #[test]
    fn without_staff_keys_every_key_is_the_customers() {
        let mut staff = StaffKeys::<u8>::new(&[]);
        assert!(!staff.configured());
        assert_eq!(
            staff.feed("F11", 1),
            StaffFed::Release(vec![("F11".into(), 1)])
        );
    }

    #[test]
    fn sequences_overlap_when_one_starts_the_other() {
        let v = |keys: &[&str]| keys.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        assert!(sequences_overlap(&v(&["F12", "0"]), &v(&["F12", "0", "1"])));
        assert!(sequences_overlap(&v(&["F12", "0", "1"]), &v(&["F12", "0"])));
        assert!(sequences_overlap(&v(&["a", "b"]), &v(&["A", "b"])));
        assert!(!sequences_overlap(&v(&["F12", "1"]), &v(&["F12", "0"])));
        assert!(!sequences_overlap(&v(&[]), &v(&["F12"])));
    }
}
