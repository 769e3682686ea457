//! The owner's language (issue 18) through the real binary and the real
//! scripts: `kiosk doctor` (text and --json), `kiosk report`'s errors,
//! `kiosk print-test`'s lines and errors, and `scripts/install --dry-run` /
//! `scripts/uninstall --dry-run`, each with `LANG=ja_JP.UTF-8` and with
//! `LANG=C.UTF-8` (LC_ALL and LC_MESSAGES removed), kept as insta
//! snapshots. What the machine decides (a path, the free space, the
//! terminal's size, a layout time, the packages already installed) is
//! masked, and its line is checked for its language instead.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const JA: &str = "ja_JP.UTF-8";
const EN: &str = "C.UTF-8";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `program args` with only the locale `lang` (and what it needs to run).
fn run_in(lang: &str, program: &Path, args: &[&str], home: &Path) -> Output {
    let runtime = home.join("runtime");
    fs::create_dir_all(&runtime).unwrap();
    Command::new(program)
        .args(args)
        .current_dir(repo())
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
        .env("HOME", home)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("TERM", "linux")
        .env("LANG", lang)
        .output()
        .unwrap()
}

fn kiosk(lang: &str, args: &[&str], home: &Path) -> Output {
    run_in(lang, Path::new(env!("CARGO_BIN_EXE_kiosk")), args, home)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Whether a line reads Japanese: a kana or kanji in it.
fn is_japanese(line: &str) -> bool {
    line.chars()
        .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
}

/// Whether `line` is in `lang`: Japanese in it, or none beyond the marks
/// the English lines quote as the kiosk shows them ([設定エラー],
/// [予備の案内], [音声なし], 画面が小さすぎます).
fn reads(lang: &str, line: &str) -> bool {
    if lang == JA {
        return is_japanese(line);
    }
    let mut rest = line.to_string();
    for mark in ["設定エラー", "予備の案内", "音声なし", "画面が小さすぎます"]
    {
        rest = rest.replace(mark, "");
    }
    !is_japanese(&rest)
}

/// "12.3 GiB" and "40 MiB" as "[SIZE]".
fn mask_sizes(line: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let unit = words
            .get(i + 1)
            .map(|w| w.trim_end_matches(['）', ')', ',', '。']));
        let number =
            !words[i].is_empty() && words[i].chars().all(|c| c.is_ascii_digit() || c == '.');
        if number && matches!(unit, Some("GiB" | "MiB")) {
            let rest = &words[i + 1][3..];
            out.push(format!("[SIZE]{rest}"));
            i += 2;
        } else {
            out.push(words[i].to_string());
            i += 1;
        }
    }
    out.join(" ")
}

/// A private config: speech off (no device, daemon or clip on this
/// machine decides a line), the journal under `dir`.
fn quiet_config(dir: &Path) -> String {
    let config = dir.join("kiosk.toml");
    fs::write(
        &config,
        format!(
            "journal_dir = \"{}\"\n[speech]\nenabled = false\n",
            dir.join("journal").display()
        ),
    )
    .unwrap();
    config.to_str().unwrap().to_string()
}

/// Doctor's lines with the machine's parts masked: the directory, the
/// free space, and the terminal's size (the line kept to its first word,
/// after its language is checked).
fn masked_doctor_text(out: &str, dir: &Path, lang: &str) -> String {
    out.replace(dir.to_str().unwrap(), "[DIR]")
        .lines()
        .map(|line| {
            let size_word = if lang == JA { "画面:" } else { "screen:" };
            match line.split_once(' ') {
                Some((mark, rest)) if rest.starts_with(size_word) => {
                    assert!(reads(lang, rest), "{line}");
                    format!("{mark} {size_word} [the terminal's size]")
                }
                _ => mask_sizes(line),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn doctor_speaks_the_locale_in_text() {
    for (lang, name) in [(JA, "doctor_text_ja"), (EN, "doctor_text_en")] {
        let dir = tempfile::tempdir().unwrap();
        let config = quiet_config(dir.path());
        let out = kiosk(lang, &["doctor", "--config", &config], dir.path());
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let said = text(&out.stdout);
        for line in said.lines() {
            // Every line in the language, beyond names and paths.
            assert!(reads(lang, line), "{line}");
        }
        insta::assert_snapshot!(name, masked_doctor_text(&said, dir.path(), lang));
    }
}

#[test]
fn doctor_json_keeps_its_names_and_speaks_the_locale() {
    for (lang, name) in [(JA, "doctor_json_ja"), (EN, "doctor_json_en")] {
        let dir = tempfile::tempdir().unwrap();
        let config = quiet_config(dir.path());
        let out = kiosk(lang, &["doctor", "--json", "--config", &config], dir.path());
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let mut report: Value = serde_json::from_slice(&out.stdout).unwrap();
        for check in report["checks"].as_array_mut().unwrap() {
            let message = check["message"].as_str().unwrap().to_string();
            assert!(reads(lang, &message), "{message}");
            check["message"] = if check["check"] == "terminal_size" {
                Value::from("[the terminal's size]")
            } else {
                let shown = message.replace(dir.path().to_str().unwrap(), "[DIR]");
                Value::from(mask_sizes(&shown))
            };
        }
        insta::assert_json_snapshot!(name, report);
    }
}

#[test]
fn doctor_lang_wins_over_the_locale_and_a_broken_config_keeps_its_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kiosk.toml");
    fs::write(&config, "kiosk = 3\n[speech]\nenabled = false\n").unwrap();
    let config = config.to_str().unwrap();
    let out = kiosk(
        EN,
        &["doctor", "--lang", "ja", "--config", config],
        dir.path(),
    );
    let said = text(&out.stdout);
    let line = said.lines().find(|l| l.contains("設定:")).unwrap();
    assert!(line.starts_with("✘ 設定: "), "{said}");
    assert!(line.contains("にエラーが 1 件あります"), "{line}");
    // The diagnostic's position and level stay as tools read them.
    assert!(line.contains(&format!("{config}:1:9: error: ")), "{line}");
    assert!(line.contains("「kiosk check --config "), "{line}");
    let out = kiosk(
        JA,
        &["doctor", "--lang", "en", "--config", config],
        dir.path(),
    );
    let said = text(&out.stdout);
    assert!(said.lines().all(|l| reads(EN, l)), "{said}");
    assert!(said.contains("checks failed"), "{said}");
}

/// `kiosk report ARGS` in `lang`: its exit status and stderr.
fn report_error(lang: &str, args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    let out = kiosk(lang, &all, dir.path());
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(out.stdout.is_empty());
    text(&out.stderr).replace(dir.path().to_str().unwrap(), "[HOME]")
}

#[test]
fn report_errors_speak_the_locale_or_the_reports_lang() {
    let cases: [(&str, &[&str]); 5] = [
        ("missing_file", &["tests/report/missing.jsonl"]),
        ("missing_journal_dir", &[]),
        ("bad_since", &["--since", "24/11/2026"]),
        ("bad_until_hour", &["--until", "2026-11-24T9"]),
        (
            "unwritable_out",
            &["tests/report/journal.jsonl", "--out", "/nonexistent/r.html"],
        ),
    ];
    for (lang, code) in [(JA, "ja"), (EN, "en")] {
        let mut said = String::new();
        for (name, args) in cases {
            let err = report_error(lang, args);
            let first = err.lines().next().unwrap_or("");
            assert!(reads(lang, first), "{name}: {err}");
            said.push_str(&format!("## {name}: {}\n{err}\n", args.join(" ")));
        }
        insta::assert_snapshot!(format!("report_errors_{code}"), said);
    }
    // --lang picks the language of the report's errors too.
    let err = report_error(EN, &["tests/report/missing.jsonl", "--lang", "ja"]);
    assert!(
        err.starts_with("kiosk report: tests/report/missing.jsonl が読めません: "),
        "{err}"
    );
    let err = report_error(JA, &["tests/report/missing.jsonl", "--lang", "en"]);
    assert!(
        err.starts_with("kiosk report: cannot read tests/report/missing.jsonl: "),
        "{err}"
    );
}

/// print-test's stdout with the layout time masked.
fn masked_ms(out: &str) -> String {
    out.lines()
        .map(|line| {
            let words: Vec<String> = line
                .split(' ')
                .map(|w| {
                    if w.chars().all(|c| c.is_ascii_digit()) && !w.is_empty() {
                        "N".to_string()
                    } else {
                        w.to_string()
                    }
                })
                .collect();
            words.join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn print_test_speaks_its_lang_else_the_locale() {
    let ipptool = Command::new("sh")
        .args(["-c", "command -v ipptool && command -v lp"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !common::require(ipptool, "ipptool and lp (cups-ipp-utils, cups-client)") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing-printer.toml");
    fs::write(&missing, "[print]\nprinter = \"no-such-printer-here\"\n").unwrap();
    let none = dir.path().join("no-printer.toml");
    fs::write(&none, "kiosk = \"c1\"\n").unwrap();
    let (missing, none) = (missing.to_str().unwrap(), none.to_str().unwrap());
    let cases: [(&str, Vec<&str>); 4] = [
        ("missing_printer", vec!["--config", missing]),
        ("no_printer", vec!["--config", none]),
        ("bad_sheet", vec!["--config", none, "--sheet", "nope"]),
        ("lang_not_in_flow", vec!["--config", none, "--lang", "fr"]),
    ];
    for (lang, code) in [(JA, "ja"), (EN, "en")] {
        let mut said = String::new();
        for (name, args) in &cases {
            let mut all = vec!["print-test"];
            all.extend_from_slice(args);
            let out = kiosk(lang, &all, dir.path());
            assert_eq!(out.status.code(), Some(2), "{name}");
            let err = text(&out.stderr);
            // --lang fr is no table's language: English, whatever the locale.
            let japanese = lang == JA && *name != "lang_not_in_flow";
            assert!(reads(if japanese { JA } else { EN }, &err), "{name}: {err}");
            let stdout = masked_ms(&text(&out.stdout));
            let err = err.replace(dir.path().to_str().unwrap(), "[DIR]");
            said.push_str(&format!("## {name}\n{stdout}\n{err}\n"));
        }
        insta::assert_snapshot!(format!("print_test_{code}"), said);
    }
    // --lang ja: the sheet and the messages in Japanese, in any locale.
    let pdf = dir.path().join("s.pdf");
    let args = ["print-test", "--lang", "ja", "--pdf", pdf.to_str().unwrap()];
    let said = text(&kiosk(EN, &args, dir.path()).stdout);
    assert!(said.contains("A4 一枚に収まります"), "{said}");
    assert!(said.contains("に書き出しました"), "{said}");
}

/// A script's dry run in the locale `lang`, its paths and the machine's
/// packages masked; each message must read `expect`.
fn dry_run(lang: &str, expect: &str, script: &str, args: &[&str]) -> String {
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("root");
    let mut all = vec!["--dry-run", "--root", root.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = run_in(lang, &repo().join(script), &all, home.path());
    assert!(out.status.success(), "{script}: {}", text(&out.stderr));
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    let said = said
        .replace(env!("CARGO_BIN_EXE_kiosk"), "[BINARY]")
        .replace(root.to_str().unwrap(), "[ROOT]")
        .replace(repo().to_str().unwrap(), "[REPO]");
    let mut lines = Vec::new();
    for line in said.lines() {
        // The packages this machine lacks, or the count it has them all.
        if line.starts_with("+ (not with --root) env DEBIAN_FRONTEND") {
            if !lines.contains(&"[packages]".to_string()) {
                lines.push("[packages]".to_string());
            }
            continue;
        }
        if line.starts_with("install: packages: ") || line.starts_with("install: パッケージ: ")
        {
            lines.push("[packages]".to_string());
            continue;
        }
        if !line.starts_with('+') {
            assert!(reads(expect, line), "{line}");
        }
        lines.push(line.to_string());
    }
    lines.join("\n")
}

#[test]
fn install_and_uninstall_dry_runs_speak_the_locale() {
    let binary = env!("CARGO_BIN_EXE_kiosk");
    for (lang, code) in [(JA, "ja"), (EN, "en")] {
        let install = dry_run(lang, lang, "scripts/install", &["--binary", binary]);
        insta::assert_snapshot!(format!("install_dry_run_{code}"), install);
        let uninstall = dry_run(lang, lang, "scripts/uninstall", &[]);
        insta::assert_snapshot!(format!("uninstall_dry_run_{code}"), uninstall);
    }
    // --lang wins over the locale, and an unknown argument is said in it.
    let en = dry_run(JA, EN, "scripts/uninstall", &["--lang", "en"]);
    assert!(
        en.ends_with("uninstall: dry run: nothing was changed"),
        "{en}"
    );
    let home = tempfile::tempdir().unwrap();
    let out = run_in(
        EN,
        &repo().join("scripts/install"),
        &["--lang=ja", "--bogus"],
        home.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("install: 知らない引数です: --bogus\n"),
        "{err}"
    );
}
