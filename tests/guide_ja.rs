//! The Japanese owner's guide (`docs/guide.ja.md`, issue 18) names
//! commands, flags, files and pictures; this keeps it true of the code.
//! Every code span (inline and fenced) is read: each `kiosk SUB …` must
//! name a subcommand whose `--help` succeeds, with every `--flag` after it
//! in that help; each `scripts/NAME …` must exist, with its flags in the
//! script; every repository path must exist, and every absolute path on
//! the counter PC must be one the README, the unit, the example config or
//! the installer names. Fenced `text` blocks are screen pictures copied
//! from snapshots, so only their commands are checked. Images, in-page
//! links and the required sections are checked too.
// Test code: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::process::Command;

use common::{kiosk_binary, root};

const GUIDE: &str = "docs/guide.ja.md";

/// The sections the issue asks for, as their headings begin.
const SECTIONS: &[&str] = &[
    "## まず読むところ",
    "## 1. この案内機にできること、できないこと",
    "## 2. 設置する",
    "### 設置の手順",
    "### テンキーとシール",
    "### スピーカー",
    "### プリンター",
    "## 3. 毎日の手入れ",
    "### 診断(`kiosk doctor`)",
    "### 係員画面",
    "### 点検のために閉じる",
    "### 案内機が自分で立ち直るとき",
    "### 画面の隅に出る印",
    "## 4. 案内を書き換える",
    "### 書いたら確かめる(`kiosk check`)",
    "### 図で見る(`kiosk graph`)",
    "### 声の録音を作り直す(`scripts/render-audio`)",
    "### カウンターに出す前に、端末で試す",
    "## 5. 報告を読む",
    "### `kiosk report`",
    "### 少ない数を隠す「k のきまり」(`<k`)",
    "## 6. 困ったとき(故障したときにどうなるか)",
    "## 7. 個人情報について",
    "### 記録に残るもの",
    "### 記録に決して残さないもの",
];

/// Folders of the repository whose paths the guide may name.
const REPO_DIRS: &[&str] = &[
    "scripts/",
    "docs/",
    "flows/",
    "audio/",
    "lockdown/",
    "tests/",
    "src/",
];

/// Files at the repository's top the guide may name.
const REPO_FILES: &[&str] = &["kiosk.example.toml", "kiosk.service", "README.md"];

/// Files the guide has the reader make, with the command that makes them
/// (which must be in the guide): their folder must exist.
const MADE_BY_THE_READER: &[(&str, &str)] = &[(
    "flows/my-shop.toml",
    "cp flows/mfa-login.toml flows/my-shop.toml",
)];

/// Where scripts/install copies the repository's `flows/`.
const INSTALLED_FLOWS: &str = "/usr/share/counter-kiosk/flows/";

/// Files that say where things go on the counter PC.
const COUNTER_PC_PATHS_FROM: &[&str] = &[
    "README.md",
    "kiosk.service",
    "kiosk.example.toml",
    "scripts/install",
    "scripts/install-layout",
];

struct Span {
    text: String,
    /// The fence's info string (`sh`, `text`, …), or `None` for an inline span.
    fence: Option<String>,
    line: usize,
}

impl Span {
    fn is_picture(&self) -> bool {
        self.fence.as_deref() == Some("text")
    }
}

fn guide() -> String {
    fs::read_to_string(root().join(GUIDE)).expect("docs/guide.ja.md")
}

/// The guide's fenced blocks, and its inline spans outside them (an inline
/// span may run over a line break; the guide uses single backticks only).
fn spans(md: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut prose = String::new();
    let mut fence: Option<(String, usize, String)> = None;
    for (i, line) in md.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut fence {
            Some((info, start, text)) => {
                if trimmed.starts_with("```") {
                    out.push(Span {
                        text: std::mem::take(text),
                        fence: Some(std::mem::take(info)),
                        line: *start,
                    });
                    fence = None;
                } else {
                    text.push_str(line);
                    text.push('\n');
                }
            }
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    fence = Some((info.trim().to_string(), i + 1, String::new()));
                    prose.push('\n');
                } else {
                    prose.push_str(line);
                    prose.push('\n');
                }
            }
        }
    }
    assert!(fence.is_none(), "{GUIDE}: a fenced block is never closed");
    let mut line = 1;
    let mut open: Option<(usize, String)> = None;
    for c in prose.chars() {
        match (&mut open, c) {
            (None, '`') => open = Some((line, String::new())),
            (Some((start, text)), '`') => {
                out.push(Span {
                    text: std::mem::take(text),
                    fence: None,
                    line: *start,
                });
                open = None;
            }
            (Some((_, text)), c) => text.push(if c == '\n' { ' ' } else { c }),
            (None, _) => {}
        }
        if c == '\n' {
            line += 1;
        }
    }
    assert!(
        open.is_none(),
        "{GUIDE}: an inline code span is never closed"
    );
    out
}

/// Words of one shell line: split at white space, quotes, brackets and
/// commas, so that `flow = "/usr/…"` and `["F12", …]` give their paths.
fn words(line: &str) -> Vec<&str> {
    line.split(|c: char| c.is_whitespace() || "\"'(),[]、。".contains(c))
        .filter(|w| !w.is_empty())
        .collect()
}

fn ends_command(word: &str) -> bool {
    matches!(word, "|" | "||" | "&&" | ";" | ">" | ">>" | "<") || word.starts_with('#')
}

/// One `kiosk …` command in a span: its subcommand (`None`: the top-level
/// command, that is `run`) and its flags.
#[derive(Debug)]
struct KioskCommand {
    sub: Option<String>,
    flags: Vec<String>,
}

/// The flags among `words`, up to the end of the command.
fn flags_of<'a>(words: impl Iterator<Item = &'a str>) -> Vec<String> {
    words
        .take_while(|w| !ends_command(w))
        .filter(|w| w.starts_with("--"))
        .map(|w| w.split('=').next().unwrap_or(w).to_string())
        .collect()
}

fn is_kiosk(word: &str) -> bool {
    word == "kiosk" || word.ends_with("/kiosk")
}

/// `kiosk` followed by a subcommand word or a flag; a `kiosk` followed by
/// anything else (`sudo -u kiosk XDG_…=…`, `systemctl start kiosk`) is the
/// user or the service, not the program.
fn kiosk_commands(span: &str) -> Vec<KioskCommand> {
    let mut out = Vec::new();
    for line in span.lines() {
        let words = words(line);
        for (i, w) in words.iter().enumerate() {
            if !is_kiosk(w) {
                continue;
            }
            let Some(next) = words.get(i + 1) else {
                continue;
            };
            let rest = words[i + 1..].iter().copied();
            if next.starts_with("--") {
                out.push(KioskCommand {
                    sub: None,
                    flags: flags_of(rest),
                });
            } else if !next.is_empty() && next.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                out.push(KioskCommand {
                    sub: Some(next.to_string()),
                    flags: flags_of(rest.skip(1)),
                });
            }
        }
    }
    out
}

/// `scripts/NAME` and the flags after it, for each script a span runs.
fn script_commands(span: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for line in span.lines() {
        let words = words(line);
        for (i, w) in words.iter().enumerate() {
            if w.starts_with("scripts/") {
                out.push((w.to_string(), flags_of(words[i + 1..].iter().copied())));
            }
        }
    }
    out
}

/// Whether `flag` is in `text` as a whole flag (`--out` in `--out <FILE>`,
/// not in `--outside`).
fn has_flag(text: &str, flag: &str) -> bool {
    text.match_indices(flag).any(|(at, _)| {
        let after = text[at + flag.len()..].chars().next();
        !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    })
}

fn help(
    sub: Option<&str>,
    cache: &mut BTreeMap<Option<String>, Result<String, String>>,
) -> Result<String, String> {
    cache
        .entry(sub.map(String::from))
        .or_insert_with(|| {
            let mut cmd = Command::new(kiosk_binary());
            cmd.args(sub).arg("--help");
            let out = cmd.output().expect("run kiosk --help");
            if out.status.success() {
                Ok(String::from_utf8_lossy(&out.stdout).into_owned())
            } else {
                Err(format!(
                    "status {:?}: {}",
                    out.status.code(),
                    String::from_utf8_lossy(&out.stderr).trim()
                ))
            }
        })
        .clone()
}

#[test]
fn the_guide_has_every_section_the_issue_asks_for() {
    let md = guide();
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with('#')).collect();
    let missing: Vec<&&str> = SECTIONS
        .iter()
        .filter(|s| !headings.iter().any(|h| h.starts_with(**s)))
        .collect();
    assert!(missing.is_empty(), "{GUIDE} lacks the sections {missing:?}");
    let first_section = headings.iter().position(|h| h.starts_with("## "));
    assert_eq!(
        first_section.map(|i| headings[i]),
        Some("## まず読むところ"),
        "the guide opens with where to start"
    );
}

#[test]
fn every_kiosk_command_in_the_guide_exists_with_its_flags() {
    let md = guide();
    let mut cache = BTreeMap::new();
    let mut problems = Vec::new();
    let mut seen = 0;
    for span in spans(&md) {
        for command in kiosk_commands(&span.text) {
            seen += 1;
            let name = command.sub.as_deref().unwrap_or("(run)");
            match help(command.sub.as_deref(), &mut cache) {
                Err(e) => problems.push(format!(
                    "line {}: `kiosk {name} --help` fails: {e}",
                    span.line
                )),
                Ok(text) => {
                    for flag in &command.flags {
                        if !has_flag(&text, flag) {
                            problems.push(format!(
                                "line {}: `kiosk {name}` has no {flag} in its --help",
                                span.line
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{GUIDE}:\n{}", problems.join("\n"));
    assert!(
        seen >= 10,
        "only {seen} kiosk commands found: is the reader broken?"
    );
    for sub in ["doctor", "check", "graph", "report", "print-test", "run"] {
        assert!(
            cache.contains_key(&Some(sub.to_string())),
            "the guide never shows `kiosk {sub}`"
        );
    }
}

#[test]
fn every_script_in_the_guide_exists_with_its_flags() {
    let md = guide();
    let mut problems = Vec::new();
    for span in spans(&md) {
        for (script, flags) in script_commands(&span.text) {
            let Ok(text) = fs::read_to_string(root().join(&script)) else {
                problems.push(format!("line {}: no {script}", span.line));
                continue;
            };
            for flag in flags {
                if !has_flag(&text, &flag) {
                    problems.push(format!("line {}: {script} takes no {flag}", span.line));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{GUIDE}:\n{}", problems.join("\n"));
}

#[test]
fn every_path_in_the_guide_exists() {
    let md = guide();
    let counter_pc: String = COUNTER_PC_PATHS_FROM
        .iter()
        .map(|f| fs::read_to_string(root().join(f)).unwrap())
        .collect();
    for (path, command) in MADE_BY_THE_READER {
        assert!(md.contains(command), "the guide never says `{command}`");
        let parent = root().join(path).parent().unwrap().to_path_buf();
        assert!(parent.is_dir(), "no {}", parent.display());
    }
    let mut problems = Vec::new();
    let mut seen = 0;
    for span in spans(&md).iter().filter(|s| !s.is_picture()) {
        for word in words(&span.text) {
            let word = word.trim_end_matches([':', ';', '.']);
            let word = word.split('=').next_back().unwrap_or(word);
            // The installer copies the repository's flows/ there.
            let copied;
            let word = match word.strip_prefix(INSTALLED_FLOWS) {
                Some(file) => {
                    copied = format!("flows/{file}");
                    copied.as_str()
                }
                None => word,
            };
            if word.starts_with('/') && !word.starts_with("/tmp/") && word.len() > 1 {
                seen += 1;
                if !counter_pc.contains(word) {
                    problems.push(format!(
                        "line {}: {word} is named nowhere in {COUNTER_PC_PATHS_FROM:?}",
                        span.line
                    ));
                }
                continue;
            }
            let in_repo =
                REPO_DIRS.iter().any(|d| word.starts_with(d)) || REPO_FILES.contains(&word);
            if !in_repo || MADE_BY_THE_READER.iter().any(|(p, _)| *p == word) {
                continue;
            }
            seen += 1;
            // `audio/<flow-id>/`: the part before the placeholder must exist.
            let real = word.split('<').next().unwrap_or(word);
            if !root().join(real).exists() {
                problems.push(format!("line {}: no {word} in the repository", span.line));
            }
        }
    }
    assert!(problems.is_empty(), "{GUIDE}:\n{}", problems.join("\n"));
    assert!(seen >= 10, "only {seen} paths found: is the reader broken?");
}

/// `![alt](target)` and `[text](target)` links, outside code.
fn links(md: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    for (at, _) in md.match_indices("](") {
        let image = md[..at]
            .rfind('[')
            .is_some_and(|open| md[..open].ends_with('!'));
        if let Some(end) = md[at + 2..].find(')') {
            out.push((image, md[at + 2..at + 2 + end].to_string()));
        }
    }
    out
}

/// The anchor GitHub gives a heading: lower case, spaces as `-`, and
/// anything but letters, digits, `-` and `_` dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim_start_matches('#')
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn every_picture_and_link_in_the_guide_leads_somewhere() {
    let md = guide();
    let docs = root().join("docs");
    let anchors: Vec<String> = md
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(anchor)
        .collect();
    let mut problems = Vec::new();
    let mut images = 0;
    for (image, target) in links(&md) {
        if target.starts_with("http") {
            continue;
        }
        if let Some(fragment) = target.strip_prefix('#') {
            if !anchors.iter().any(|a| a == fragment) {
                problems.push(format!("no heading for the link #{fragment}"));
            }
            continue;
        }
        images += usize::from(image);
        if !docs.join(&target).exists() {
            problems.push(format!("no docs/{target}"));
        }
    }
    assert!(problems.is_empty(), "{GUIDE}:\n{}", problems.join("\n"));
    assert!(images >= 4, "the guide shows {images} pictures");
}

#[test]
fn the_readme_links_to_the_guide_in_its_first_lines() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let top: String = readme.lines().take(8).collect::<Vec<_>>().join("\n");
    assert!(top.contains("(docs/guide.ja.md)"), "{top}");
}

#[test]
fn the_reader_finds_commands_and_skips_the_user_and_the_service() {
    let found = kiosk_commands(
        "sudo -u kiosk XDG_CONFIG_HOME=/etc/counter-kiosk kiosk doctor\n\
         sudo systemctl restart kiosk\n\
         target/release/kiosk graph f.toml --out flow.svg | cat --flag-of-cat\n\
         kiosk --flow f.toml",
    );
    let found: Vec<(Option<&str>, Vec<&str>)> = found
        .iter()
        .map(|c| {
            (
                c.sub.as_deref(),
                c.flags.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (Some("doctor"), vec![]),
            (Some("graph"), vec!["--out"]),
            (None, vec!["--flow"]),
        ]
    );
    assert!(has_flag("--out <FILE>", "--out"));
    assert!(!has_flag("--outside", "--out"));
    assert_eq!(
        anchor("## 1. この案内機にできること、できないこと"),
        "1-この案内機にできることできないこと"
    );
}
