//! `kiosk check` in the owner's language (issue 18), through the real
//! binary: every flow and config problem it can report, one fixture per
//! kind (`tests/content_bad/`, the warning fixtures of
//! `tests/content_good/`, `tests/config_problems/`, and a few made here: a
//! file over the size cap, more problems than are shown, a stale clip), run
//! under a Japanese locale and under `C.UTF-8`. Each language's whole output
//! is a snapshot; under Japanese every line keeps its fixed English prefix
//! (`FILE:LINE:COL: error:`, `NAME: ok:`) and says the rest in Japanese,
//! never the English message; `--lang` overrides the locale either way.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// One `kiosk check` run: its arguments and the directory it runs in
/// (paths in its output are as given, so relative to that directory).
struct Case {
    args: Vec<String>,
    dir: PathBuf,
}

/// How the child's language is chosen.
#[derive(Clone, Copy)]
enum Locale {
    Japanese,
    C,
}

/// What one run printed, with its exit code.
struct Out {
    code: Option<i32>,
    stderr: String,
    stdout: String,
}

fn run(case: &Case, locale: Locale, lang_flag: Option<&str>) -> Out {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kiosk"));
    command.arg("check");
    if let Some(lang) = lang_flag {
        command.args(["--lang", lang]);
    }
    command
        .args(&case.args)
        .current_dir(&case.dir)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANGUAGE");
    match locale {
        Locale::Japanese => command.env("LANG", "ja_JP.UTF-8"),
        Locale::C => command.env("LANG", "C.UTF-8"),
    };
    let out = command.output().expect("run the kiosk binary");
    Out {
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

/// The `.toml` files of a directory under the crate, sorted, as paths
/// relative to the crate.
fn tomls(dir: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(Path::new(ROOT).join(dir))
        .unwrap_or_else(|e| panic!("read {dir}: {e}"))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml") && keep(name))
        .collect();
    names.sort();
    names.into_iter().map(|n| format!("{dir}/{n}")).collect()
}

fn at_root(args: &[&str]) -> Case {
    Case {
        args: args.iter().map(|a| a.to_string()).collect(),
        dir: PathBuf::from(ROOT),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A valid one-step English flow with `stages` unused stages and `junk`
/// unknown fields at its root.
fn crowded_flow(stages: usize, junk: usize) -> String {
    let mut toml = String::from(
        "[flow]\nid = \"t\"\nstart = \"a\"\nlanguages = [\"en\"]\ntitle = { en = \"T\" }\n\
         [outcomes.done]\ntitle = { en = \"Done\" }\n\
         [steps.a]\ntext = { en = \"Done.\" }\nend = \"done\"\n",
    );
    for i in 0..stages {
        toml.push_str(&format!("[stages.s{i}]\ntitle = {{ en = \"S\" }}\n"));
    }
    let mut root = String::new();
    for i in 0..junk {
        root.push_str(&format!("junk{i} = 1\n"));
    }
    root + &toml
}

/// The files made for this test alone, in `dir`: a flow one byte over the
/// cap, flows with more problems than are shown, and the bundled flow with
/// an edited text beside its clips (so one clip is stale).
fn made_cases(dir: &Path) -> Vec<Case> {
    let cap = 8 * 1024 * 1024;
    fs::write(dir.join("too_large.toml"), vec![b'#'; cap + 1]).unwrap();
    fs::write(dir.join("many_errors.toml"), crowded_flow(0, 105)).unwrap();
    fs::write(dir.join("many_warnings.toml"), crowded_flow(103, 0)).unwrap();
    fs::write(dir.join("many_both.toml"), crowded_flow(102, 101)).unwrap();
    copy_dir(
        &Path::new(ROOT).join("audio/mfa-login"),
        &dir.join("audio/mfa-login"),
    );
    let flow = fs::read_to_string(Path::new(ROOT).join("flows/mfa-login.toml")).unwrap();
    let edited = flow.replacen(
        "おなじところでこまるかたは、",
        "おなじところで こまるかたは、",
        1,
    );
    assert_ne!(flow, edited, "the test's text is in the bundled flow");
    fs::create_dir_all(dir.join("flows")).unwrap();
    fs::write(dir.join("flows/mfa-login.toml"), edited).unwrap();
    [
        "too_large.toml",
        "many_errors.toml",
        "many_warnings.toml",
        "many_both.toml",
        "flows/mfa-login.toml",
    ]
    .iter()
    .map(|name| Case {
        args: vec![name.to_string()],
        dir: dir.to_path_buf(),
    })
    .collect()
}

fn cases(made: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    for flow in tomls("tests/content_bad", |_| true) {
        cases.push(at_root(&[&flow]));
    }
    for flow in tomls("tests/content_good", |n| n.starts_with("warn_")) {
        cases.push(at_root(&[&flow]));
    }
    let minimal = "tests/content_good/minimal.toml";
    for config in tomls("tests/config_problems", |n| n != "keys_moved.toml") {
        cases.push(at_root(&["--config", &config, minimal]));
    }
    cases.push(at_root(&[
        "--config",
        "tests/config_problems/keys_moved.toml",
        "tests/content_good/key_prompts_in_own_words.toml",
    ]));
    cases.push(at_root(&["tests/content_bad/no-such-flow.toml"]));
    cases.push(at_root(&[
        "--config",
        "tests/config_problems/no-such-config.toml",
        minimal,
    ]));
    cases.push(at_root(&["tests/content_bad"]));
    cases.push(at_root(&[]));
    cases.extend(made_cases(made));
    cases
}

/// Every run's output in one text, as the snapshot holds it.
fn transcript(cases: &[Case], outs: &[Out]) -> String {
    let mut text = String::new();
    for (case, out) in cases.iter().zip(outs) {
        text.push_str(&format!(
            "$ kiosk check {}\n[exit {:?}]\n{}{}\n",
            case.args.join(" "),
            out.code,
            steady(&out.stderr),
            out.stdout
        ));
    }
    text
}

/// `stderr` with the one figure that depends on the installed fonts (how
/// many points a sheet too long for its page needs) written as `…`.
fn steady(stderr: &str) -> String {
    let page = "746";
    stderr
        .lines()
        .map(|line| match line.split_once(": error: ") {
            Some((head, message)) if head.contains("sheet_too_long") => {
                let mut out = String::new();
                let mut digits = String::new();
                for c in message.chars().chain(['\n']) {
                    if c.is_ascii_digit() {
                        digits.push(c);
                        continue;
                    }
                    if !digits.is_empty() {
                        let needed = digits.len() >= 3 && digits != page;
                        out.push_str(if needed { "…" } else { &digits });
                        digits.clear();
                    }
                    out.push(c);
                }
                format!("{head}: error: {}", out.trim_end())
            }
            _ => line.to_string(),
        })
        .map(|line| line + "\n")
        .collect()
}

fn is_japanese(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
}

/// A diagnostic line's message: what follows `FILE:LINE:COL: error: ` (or
/// `warning: `), with the position numbers checked.
fn diagnostic_message(line: &str) -> Option<&str> {
    let (head, message) = [": error: ", ": warning: "]
        .iter()
        .find_map(|level| line.split_once(level))?;
    let mut parts = head.rsplitn(3, ':');
    let col = parts.next()?;
    let row = parts.next()?;
    let numbers = [col, row]
        .iter()
        .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    numbers.then_some(message)
}

/// A verdict line's reason: what follows `NAME: ok: ` or `NAME: invalid: `.
fn verdict_reason(line: &str) -> Option<&str> {
    [": ok: ", ": invalid: "]
        .iter()
        .find_map(|word| line.rsplit_once(word).map(|(_, reason)| reason))
}

#[test]
fn every_check_message_is_in_japanese_under_a_japanese_locale_and_english_otherwise() {
    let made = tempfile::tempdir().expect("temp dir");
    let cases = cases(made.path());
    assert!(cases.len() >= 90, "{} cases", cases.len());
    let ja: Vec<Out> = cases
        .iter()
        .map(|c| run(c, Locale::Japanese, None))
        .collect();
    let en: Vec<Out> = cases.iter().map(|c| run(c, Locale::C, None)).collect();

    let mut problems = Vec::new();
    for ((case, ja), en) in cases.iter().zip(&ja).zip(&en) {
        let what = format!("kiosk check {}", case.args.join(" "));
        if ja.code != en.code {
            problems.push(format!(
                "{what}: exit {:?} in ja, {:?} in en",
                ja.code, en.code
            ));
        }
        let pairs = [
            (&ja.stderr, &en.stderr, "stderr"),
            (&ja.stdout, &en.stdout, "stdout"),
        ];
        for (ja_text, en_text, stream) in pairs {
            let ja_lines: Vec<&str> = ja_text.lines().collect();
            let en_lines: Vec<&str> = en_text.lines().collect();
            if ja_lines.len() != en_lines.len() || (stream == "stdout" && ja_lines.is_empty()) {
                problems.push(format!(
                    "{what}: {stream} has {} lines in ja, {} in en",
                    ja_lines.len(),
                    en_lines.len()
                ));
                continue;
            }
            for (j, e) in ja_lines.iter().zip(&en_lines) {
                let (jm, em) = if stream == "stderr" {
                    (diagnostic_message(j), diagnostic_message(e))
                } else {
                    (verdict_reason(j), verdict_reason(e))
                };
                match (jm, em) {
                    (Some(jm), Some(em)) => {
                        if !jm.chars().any(is_japanese) || jm == em {
                            problems.push(format!("{what}: not in Japanese: {j}"));
                        }
                    }
                    _ => problems.push(format!(
                        "{what}: {stream} line without its fixed prefix:\n  ja: {j}\n  en: {e}"
                    )),
                }
            }
            if en_text.chars().any(is_japanese) && stream == "stdout" {
                // Only a flow's own names could be Japanese in English output.
                problems.push(format!(
                    "{what}: Japanese in the English verdict: {en_text}"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The temporary directory's name appears nowhere: its cases run in it
    // with relative paths.
    insta::assert_snapshot!("check_ja", transcript(&cases, &ja));
    insta::assert_snapshot!("check_en", transcript(&cases, &en));

    // --lang wins over the locale, either way.
    let forced_en: Vec<Out> = cases
        .iter()
        .map(|c| run(c, Locale::Japanese, Some("en")))
        .collect();
    assert_eq!(transcript(&cases, &forced_en), transcript(&cases, &en));
    let forced_ja: Vec<Out> = cases
        .iter()
        .map(|c| run(c, Locale::C, Some("ja")))
        .collect();
    assert_eq!(transcript(&cases, &forced_ja), transcript(&cases, &ja));
}
