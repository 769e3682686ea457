//! The tables are whole: every message in both languages with the same
//! placeholders, no English left in the Japanese beyond names, and every
//! key the code or the scripts use is in the tables (and no key is unused).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::table::{fill, placeholders, Table, EN_SOURCE, JA_SOURCE};
use super::{Message, OwnerLang};

fn tables() -> (Table, Table) {
    (
        Table::parse(EN_SOURCE).expect("messages/en.toml"),
        Table::parse(JA_SOURCE).expect("messages/ja.toml"),
    )
}

fn sorted(names: Vec<&str>) -> BTreeSet<&str> {
    names.into_iter().collect()
}

#[test]
fn every_message_has_both_languages_with_the_same_placeholders() {
    let (en, ja) = tables();
    let en_keys: BTreeSet<&str> = en.keys().collect();
    let ja_keys: BTreeSet<&str> = ja.keys().collect();
    assert_eq!(
        en_keys.difference(&ja_keys).collect::<Vec<_>>(),
        Vec::<&&str>::new(),
        "in en.toml, not in ja.toml"
    );
    assert_eq!(
        ja_keys.difference(&en_keys).collect::<Vec<_>>(),
        Vec::<&&str>::new(),
        "in ja.toml, not in en.toml"
    );
    for key in &en_keys {
        let (e, j) = (en.get(key).unwrap_or(""), ja.get(key).unwrap_or(""));
        assert_eq!(sorted(placeholders(e)), sorted(placeholders(j)), "{key}");
        assert!(
            !e.trim().is_empty() && !j.trim().is_empty(),
            "{key} is empty"
        );
    }
}

/// Words that stay as they are in Japanese text: names of things (formats,
/// programs, standards). Config keys, commands and file names are written
/// in backquotes or double quotes instead, which the check skips.
const NAMES: &[&str] = &[
    "A4",
    "ALSA",
    "CSV",
    "CUPS",
    "DOT",
    "Graphviz",
    "HTML",
    "ID",
    "IPP",
    "JSON",
    "OK",
    "PDF",
    "PNG",
    "SMS",
    "SVG",
    "TOML",
    "UTF",
    "Unicode",
    "Enter",
    "Esc",
    "Backspace",
    "Tab",
    "Space",
    "Noto",
    "CJK",
    "CPU",
    "USB",
    "HDMI",
    "VT",
];

fn english_words(ja: &str) -> Vec<String> {
    let mut kept = String::new();
    let mut skip_to: Option<char> = None;
    for c in ja.chars() {
        match skip_to {
            Some(end) if c == end => skip_to = None,
            Some(_) => {}
            None => match c {
                '`' => skip_to = Some('`'),
                '"' => skip_to = Some('"'),
                '{' => skip_to = Some('}'),
                '「' => skip_to = Some('」'),
                _ => kept.push(c),
            },
        }
    }
    kept.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 2 && !NAMES.contains(w))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_japanese_has_no_english_left_beyond_names() {
    let (_, ja) = tables();
    let mut found: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for key in ja.keys() {
        let words = english_words(ja.get(key).unwrap_or(""));
        if !words.is_empty() {
            found.insert(key, words);
        }
    }
    assert!(found.is_empty(), "English words in ja.toml: {found:#?}");
}

#[test]
fn the_english_word_check_skips_names_and_quotes() {
    assert!(english_words("`kiosk check` で「Enter」を押す {file}").is_empty());
    assert_eq!(english_words("journal が書けません"), vec!["journal"]);
}

fn files_under(dir: &Path, ext: Option<&str>, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, ext, found);
        } else if ext.is_none_or(|e| path.extension().is_some_and(|x| x == e)) {
            found.push(path);
        }
    }
}

/// Each `msg!("key", a = …, b = …)` in `text`: the key and its argument
/// names (only those at the macro's own level, not inside nested calls).
fn msg_calls(text: &str) -> Vec<(String, BTreeSet<String>)> {
    let mut calls = Vec::new();
    for (start, _) in text.match_indices("msg!(") {
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        if text[line_start..start].trim_start().starts_with("//") {
            continue;
        }
        let Some(body) = text[start + 5..].trim_start().strip_prefix('"') else {
            continue;
        };
        let Some(key_end) = body.find('"') else {
            continue;
        };
        let key = body[..key_end].to_string();
        let mut depth = 0usize;
        let mut args = BTreeSet::new();
        let mut in_str = false;
        let rest = &body[key_end + 1..];
        let bytes = rest.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i] as char;
            if in_str {
                if c == '\\' {
                    i += 1;
                } else if c == '"' {
                    in_str = false;
                }
            } else {
                match c {
                    '"' => in_str = true,
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' if depth == 0 => break,
                    ')' | ']' | '}' => depth -= 1,
                    ',' if depth == 0 => {
                        let after = rest[i + 1..].trim_start();
                        let name: String = after
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        let tail = after[name.len()..].trim_start();
                        if !name.is_empty() && tail.starts_with('=') && !tail.starts_with("==") {
                            args.insert(name);
                        }
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        calls.push((key, args));
    }
    calls
}

/// `say section.key name=value …` and `say_err …` in the install scripts
/// (scripts/messages.sh).
fn script_calls(text: &str) -> Vec<(String, BTreeSet<String>)> {
    let mut calls = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        let found = ["say ", "say_err "]
            .iter()
            .flat_map(|word| line.match_indices(word).map(|(i, w)| (i, w.len())));
        for (i, len) in found {
            if i > 0 && !line[..i].ends_with([' ', ';', '(', '&', '|', '{']) {
                continue;
            }
            let mut words = line[i + len..].split_whitespace();
            let Some(key) = words.next().map(|k| k.trim_end_matches(';')) else {
                continue;
            };
            if !key.contains('.')
                || !key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
            {
                continue;
            }
            let args = words
                .take_while(|w| !w.starts_with(['>', '|', ';', '&']))
                .filter_map(|w| {
                    w.split_once('=')
                        .map(|(n, _)| n.trim_matches('"').to_string())
                })
                .filter(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !n.is_empty())
                .collect();
            calls.push((key.to_string(), args));
        }
    }
    calls
}

#[test]
fn every_key_used_is_in_the_tables_with_its_placeholders_and_none_is_unused() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    files_under(&root.join("src"), Some("rs"), &mut sources);
    let mut scripts = Vec::new();
    files_under(&root.join("scripts"), None, &mut scripts);
    let mut calls = Vec::new();
    for path in &sources {
        if path.ends_with("messages/tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap_or_default();
        calls.extend(msg_calls(&text).into_iter().map(|c| (path.clone(), c)));
    }
    for path in &scripts {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        calls.extend(script_calls(&text).into_iter().map(|c| (path.clone(), c)));
    }
    let (en, _) = tables();
    let mut used = BTreeSet::new();
    for (path, (key, args)) in &calls {
        let Some(template) = en.get(key) else {
            panic!("{}: {key} is in no table", path.display());
        };
        let wanted: BTreeSet<String> = placeholders(template)
            .into_iter()
            .map(str::to_string)
            .collect();
        assert_eq!(&wanted, args, "{}: {key}: arguments", path.display());
        used.insert(key.clone());
    }
    let unused: Vec<&str> = en.keys().filter(|k| !used.contains(*k)).collect();
    assert!(unused.is_empty(), "keys no code uses: {unused:?}");
}

#[test]
fn the_call_scanner_reads_keys_and_argument_names() {
    let calls = msg_calls(r#"let m = msg!("a.b", n = f(x, y = 2), name = "s,)"); msg!("c.d")"#);
    assert_eq!(calls[0].0, "a.b");
    assert_eq!(
        calls[0].1,
        ["n", "name"].iter().map(|s| s.to_string()).collect()
    );
    assert_eq!(calls[1], ("c.d".to_string(), BTreeSet::new()));
    let calls = script_calls(
        "  say install.x count=\"$n\" >&2\nfoo; say install.y\n{ say_err install.z a=\"$1\"; exit 1; }\n{ say_err install.w; }",
    );
    assert_eq!(calls[0].0, "install.x");
    assert!(calls[0].1.contains("count"));
    assert_eq!(calls[1].0, "install.y");
    assert_eq!(calls[2].0, "install.z");
    assert!(calls[2].1.contains("a"));
    assert_eq!(calls[3], ("install.w".to_string(), BTreeSet::new()));
}

#[test]
fn placeholders_are_filled_and_braces_can_be_written() {
    let args = [("id".to_string(), "x".to_string())];
    let args: Vec<(&str, String)> = args.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
    assert_eq!(
        fill("step {id}: use {{key:yes}}", &args),
        "step x: use {key:yes}"
    );
    assert_eq!(fill("left {open", &args), "left {open");
    assert_eq!(fill("no {arg}", &[]), "no {arg}");
    assert_eq!(placeholders("{a} {{b}} {c}"), vec!["a", "c"]);
}

#[test]
fn a_message_renders_in_the_asked_language_and_english_by_display() {
    let (en, ja) = tables();
    let Some(key) = en
        .keys()
        .find(|k| placeholders(en.get(k).unwrap_or("")).is_empty())
    else {
        return;
    };
    let key: &'static str = Box::leak(key.to_string().into_boxed_str());
    let m = Message::new(key);
    assert_eq!(m.render(OwnerLang::Ja), ja.get(key).unwrap_or(""));
    assert_eq!(m.to_string(), en.get(key).unwrap_or(""));
}

#[test]
fn a_message_argument_is_rendered_in_the_language_of_the_whole() {
    let inner = Message::new("doctor.sound_no_card");
    let outer = crate::msg!("doctor.more", detail = inner.clone(), more = "");
    assert_eq!(outer.args[0].1, super::Arg::Message(inner));
    assert_eq!(outer.args[1].1, super::Arg::Text(String::new()));
    assert_eq!(
        outer.render(OwnerLang::En),
        "; no sound card: /proc/asound/cards lists none"
    );
    assert!(outer.render(OwnerLang::Ja).starts_with("、サウンドカード"));
}
