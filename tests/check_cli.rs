//! `kiosk check` through the real binary (STYLE item 12). Every flow under
//! `tests/content_bad/` must fail and every flow under `tests/content_good/`
//! must pass; each says what it must print in `# expect: LINE:COL: …` lines,
//! and nothing else may be printed for it. The named tests cover the command
//! itself: several files, several defects, no files, unreadable files.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BAD_DIR: &str = "tests/content_bad";
const GOOD_DIR: &str = "tests/content_good";

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `kiosk check ARGS…` from the crate root, so fixture paths read the
/// same in messages as in these tests.
fn kiosk_check<S: AsRef<OsStr>>(args: &[S]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .arg("check")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run the kiosk binary");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `kiosk check ARGS…` as [`kiosk_check`] does, but kills it and fails
/// after `limit`: a kiosk blocked on a FIFO must fail the test, not hang it.
/// `max_memory_kib` caps its address space (`ulimit -v`), so one that reads
/// `/dev/zero` without end dies early instead of filling the machine.
fn kiosk_check_within<S: AsRef<OsStr>>(
    args: &[S],
    limit: Duration,
    max_memory_kib: Option<u64>,
) -> (Run, Duration) {
    let kiosk = env!("CARGO_BIN_EXE_kiosk");
    let mut command = match max_memory_kib {
        Some(kib) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
                .arg(kiosk);
            c
        }
        None => Command::new(kiosk),
    };
    let started = Instant::now();
    let mut child = command
        .arg("check")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the kiosk binary");
    while child.try_wait().expect("wait for the kiosk").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kiosk check did not return within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let took = started.elapsed();
    let out = child.wait_with_output().expect("kiosk output");
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    (run, took)
}

/// The `.toml` files of a fixture directory, as paths relative to the crate.
fn fixtures(dir: &str) -> Vec<String> {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut names: Vec<String> = fs::read_dir(&full)
        .unwrap_or_else(|e| panic!("read {}: {e}", full.display()))
        .map(|entry| entry.expect("list fixtures").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();
    names.into_iter().map(|n| format!("{dir}/{n}")).collect()
}

/// The `# expect: LINE:COL: error|warning: message` lines of a fixture, each
/// made into the start of the stderr line it asks for.
fn expectations(path: &str) -> Vec<String> {
    // Bytes, not a string: some bad fixtures are not UTF-8 on purpose.
    let bytes = fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("read {path}: {e}"));
    let text = String::from_utf8_lossy(&bytes);
    text.lines()
        .filter_map(|line| line.strip_prefix("# expect: "))
        .map(|rest| format!("{path}:{}", rest.trim_end()))
        .collect()
}

/// Checks one fixture; returns what went wrong, if anything.
fn check_fixture(path: &str, should_pass: bool) -> Result<(), String> {
    let expected = expectations(path);
    let mut problems = Vec::new();
    let has_error = expected.iter().any(|e| e.contains(": error: "));
    if should_pass && has_error {
        problems.push("a good fixture may only expect warnings".to_string());
    }
    if !should_pass && !has_error {
        problems.push("a bad fixture needs an `# expect: …: error: …` line".to_string());
    }

    let run = kiosk_check(&[path]);
    let want_code = if should_pass { 0 } else { 1 };
    if run.code != Some(want_code) {
        problems.push(format!("exit code {:?}, wanted {want_code}", run.code));
    }
    let verdict = if should_pass { "ok:" } else { "invalid:" };
    if !run.stdout.starts_with(&format!("{path}: {verdict}")) {
        problems.push(format!("verdict should be `{verdict}`"));
    }
    let printed: Vec<&str> = run.stderr.lines().collect();
    for want in &expected {
        if !printed.iter().any(|line| line.starts_with(want.as_str())) {
            problems.push(format!("missing: {want}"));
        }
    }
    for line in &printed {
        if !expected.iter().any(|want| line.starts_with(want.as_str())) {
            problems.push(format!("unexpected: {line}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{path}:\n    {}\n  stderr was:\n{}",
            problems.join("\n    "),
            run.stderr
        ))
    }
}

fn check_all(dir: &str, should_pass: bool, at_least: usize) {
    let paths = fixtures(dir);
    assert!(
        paths.len() >= at_least,
        "expected at least {at_least} fixtures in {dir}, found {}",
        paths.len()
    );
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|path| check_fixture(path, should_pass).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures in {dir} failed:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );
}

#[test]
fn every_bad_fixture_fails_with_its_expected_errors_only() {
    check_all(BAD_DIR, false, 40);
}

#[test]
fn every_good_fixture_passes_with_its_expected_warnings_only() {
    check_all(GOOD_DIR, true, 10);
}

#[test]
fn several_files_are_all_checked_and_all_their_problems_reported() {
    let first = format!("{BAD_DIR}/target_next_missing.toml");
    let good = format!("{GOOD_DIR}/warn_stage_unused.toml");
    let last = format!("{BAD_DIR}/unknown_field_step.toml");
    let run = kiosk_check(&[&first, &good, &last]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    for path in [&first, &good, &last] {
        for want in expectations(path) {
            assert!(
                run.stderr.contains(&want),
                "missing {want} in:\n{}",
                run.stderr
            );
        }
    }
    let verdicts: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(verdicts.len(), 3, "{}", run.stdout);
    assert!(verdicts[0].starts_with(&format!("{first}: invalid: 1 error(s)")));
    assert!(verdicts[1].starts_with(&format!("{good}: ok:")));
    assert!(verdicts[2].starts_with(&format!("{last}: invalid: 1 error(s)")));
}

#[test]
fn a_file_with_several_defects_reports_every_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("several.toml");
    fs::write(
        &path,
        r#"[flow]
id = "several"
start = "welcome"
languages = ["ja", "en"]
title = { ja = "いくつもの誤り", en = "Several mistakes" }
colour = "red"

[outcomes.done]
title = { ja = "終わり", en = "Done" }

[outcomes.unused]
title = { ja = "使わない", en = "Unused" }

[steps.welcome]
text = { en = "Hello" }
yes = "done"
no = "nowhere"

[steps.done]
text = { ja = "終わりです。", en = "That is all." }
end = "done"

[steps.bye]
text = { ja = "さようなら。", en = "Goodbye." }
end = "finished"
"#,
    )
    .expect("write flow");
    let run = kiosk_check(&[&path]);
    let p = path.display();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let expected = [
        format!("{p}:6:1: error: flow: unknown field \"colour\""),
        format!("{p}:11:11: warning: outcome \"unused\" is declared but no step uses it"),
        format!("{p}:15:8: error: steps.welcome.text: missing the \"ja\" text"),
        format!("{p}:17:6: error: steps.welcome.no: no step named \"nowhere\""),
        format!("{p}:25:7: error: steps.bye.end: no outcome named \"finished\""),
    ];
    let printed: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(printed.len(), expected.len(), "{}", run.stderr);
    for (line, want) in printed.iter().zip(&expected) {
        assert!(line.starts_with(want.as_str()), "{line}\n  wanted {want}");
    }
    assert_eq!(
        run.stdout.trim(),
        format!("{p}: invalid: 4 error(s), 1 warning(s)")
    );
}

#[test]
fn no_files_checks_the_bundled_flow() {
    let run = kiosk_check::<&str>(&[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("flows/mfa-login.toml (bundled): ok: flow \"mfa-login\""),
        "{}",
        run.stdout
    );
}

#[test]
fn a_missing_file_is_an_error_naming_it_and_the_others_are_still_checked() {
    let missing = "tests/content_bad/no-such-flow.toml";
    let good = format!("{GOOD_DIR}/minimal.toml");
    let run = kiosk_check(&[missing, &good]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with(&format!("{missing}:1:1: error: cannot read: ")),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains(&format!("{missing}: invalid")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("{good}: ok:")),
        "{}",
        run.stdout
    );
}

#[test]
fn a_file_that_is_not_utf8_is_an_error_naming_it() {
    // A Windows editor may save the flow as Shift_JIS: 「はい」 in Shift_JIS.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sjis.toml");
    let mut bytes = b"[flow]\nid = \"sjis\"\ntitle = { ja = \"".to_vec();
    bytes.extend_from_slice(&[0x82, 0xcd, 0x82, 0xa2]);
    bytes.extend_from_slice(b"\" }\n");
    fs::write(&path, bytes).expect("write flow");
    let run = kiosk_check(&[&path]);
    let p = path.display();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with(&format!("{p}:3:17: error: not UTF-8 text")),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.starts_with(&format!("{p}: invalid")),
        "{}",
        run.stdout
    );
}

#[test]
fn windows_line_endings_give_the_same_positions() {
    let fixture = format!("{BAD_DIR}/target_next_missing.toml");
    let source = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(&fixture))
        .expect("read fixture");
    let dir = tempfile::tempdir().expect("temp dir");
    let path: PathBuf = dir.path().join("crlf.toml");
    fs::write(&path, source.replace('\n', "\r\n")).expect("write flow");
    let run = kiosk_check(&[&path]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    for want in expectations(&fixture) {
        let want = want.replacen(&fixture, &path.display().to_string(), 1);
        assert!(
            run.stderr.contains(&want),
            "missing {want} in:\n{}",
            run.stderr
        );
    }
}

#[test]
fn a_config_file_is_checked_and_its_flow_with_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("kiosk.toml");
    let flow = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(BAD_DIR)
        .join("target_yes_missing.toml");
    fs::write(
        &config,
        format!(
            "kiosk = \"counter-1\"\nflow = \"{}\"\nidle_timout_s = 30\n",
            flow.display()
        ),
    )
    .expect("write config");
    let run = kiosk_check(&[OsStr::new("--config"), config.as_os_str()]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let c = config.display();
    assert!(
        run.stderr
            .contains(&format!("{c}:3:1: error: unknown field \"idle_timout_s\"")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("target_yes_missing.toml:") && run.stderr.contains("no step named"),
        "the config's flow is checked too: {}",
        run.stderr
    );

    fs::write(&config, "kiosk = \"counter-1\"\n").expect("write config");
    let run = kiosk_check(&[OsStr::new("--config"), config.as_os_str()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("(bundled): ok"), "{}", run.stdout);
}

// See: after a [keys] remap the voice named keys that did nothing.
#[test]
fn a_config_that_moves_keys_warns_of_overrides_that_name_them_in_their_own_words() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("kiosk.toml");
    let flow = format!("{GOOD_DIR}/key_prompts_in_own_words.toml");
    fs::write(
        &config,
        "[keys]\nyes = [\"5\"]\nno = [\"6\"]\nhelp = [\"h\", \"?\"]\n",
    )
    .expect("write config");
    let run = kiosk_check(&[
        OsStr::new("--config"),
        config.as_os_str(),
        OsStr::new(&flow),
    ]);
    assert_eq!(run.code, Some(0), "warnings only: {}", run.stderr);
    let moved = |at: &str, phrase: &str, action: &str, key: &str| {
        format!(
            "{flow}:{at}: warning: ui.{phrase}: lacks {{key:{action}}}, and [keys] makes \
             \"{key}\" the key for {action}: the kiosk would name a key that does nothing; \
             write {{key:{action}}} where the key goes"
        )
    };
    let want = [
        moved("39:19", "ja.prompt_question", "yes", "5"),
        moved("39:19", "ja.prompt_question", "no", "6"),
        moved("42:19", "en.prompt_question", "no", "6"),
        moved("43:14", "en.help_offer", "help", "?"),
    ];
    let printed: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(printed, want, "{}", run.stderr);
    assert!(
        run.stdout
            .contains(&format!("{flow}: ok: flow \"tiny-help\""))
            && run.stdout.contains("4 warning(s)"),
        "{}",
        run.stdout
    );
    // The same flow with the default keys (no config) is clean.
    let run = kiosk_check(&[&flow]);
    assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""));
    // A remap that keeps each action's first key says nothing.
    fs::write(&config, "[keys]\nyes = [\"y\", \"1\"]\n").expect("write config");
    let run = kiosk_check(&[
        OsStr::new("--config"),
        config.as_os_str(),
        OsStr::new(&flow),
    ]);
    assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""));
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn an_edited_text_makes_its_clip_stale_and_check_warns() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let clips = root.join("audio/mfa-login");
    // The clips are committed; without them this test would check nothing.
    assert!(
        clips.join("manifest.toml").exists(),
        "no {}: the bundled clips are part of the repository",
        clips.join("manifest.toml").display()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&clips, &dir.path().join("audio/mfa-login"));
    let flow = fs::read_to_string(root.join("flows/mfa-login.toml")).expect("flow");
    let edited = flow.replacen(
        "おなじところでこまるかたは、",
        "おなじところで こまるかたは、",
        1,
    );
    assert_ne!(flow, edited, "the test's text is in the bundled flow");
    fs::create_dir_all(dir.path().join("flows")).expect("mkdir");
    let path = dir.path().join("flows/mfa-login.toml");
    fs::write(&path, edited).expect("write flow");
    let run = kiosk_check(&[&path]);
    assert_eq!(
        run.code,
        Some(0),
        "a stale clip is a warning: {}",
        run.stderr
    );
    assert_eq!(
        run.stderr.trim(),
        format!(
            "{}:1:1: warning: steps.not_alone.text (ja): clip stale (the text changed); \
             the system voice speaks it until scripts/render-audio runs again",
            path.display()
        )
    );
    // The bundled flow and its own embedded clips agree.
    let run = kiosk_check::<&str>(&[]);
    assert_eq!(run.stderr, "", "bundled clips are fresh");
}

// See: `kiosk check /dev/zero` grew to 9.3 GB in 20 s.
#[test]
fn dev_zero_is_refused_at_once_without_reading_it() {
    let (run, took) = kiosk_check_within(
        &["/dev/zero"],
        Duration::from_secs(10),
        Some(2 * 1024 * 1024),
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stderr.trim(),
        "/dev/zero:1:1: error: cannot read: it is a character device, not a regular file; \
         give the path of a flow file"
    );
    assert_eq!(run.stdout.trim(), "/dev/zero: invalid: cannot be read");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let config = [OsStr::new("--config"), OsStr::new("/dev/zero")];
    let (run, _) = kiosk_check_within(&config, Duration::from_secs(10), Some(2 * 1024 * 1024));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.starts_with(
            "/dev/zero:1:1: error: cannot read: it is a character device, not a regular file; \
             give the path of a config file"
        ),
        "{}",
        run.stderr
    );
}

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(made.success(), "mkfifo {}", path.display());
}

// See: a FIFO as flow or config left the kiosk blocked before its first frame.
#[test]
fn a_fifo_as_flow_or_config_returns_promptly_with_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("flow.toml");
    mkfifo(&fifo);
    let f = fifo.display();
    let (run, took) = kiosk_check_within(&[&fifo], Duration::from_secs(10), None);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stderr.trim(),
        format!(
            "{f}:1:1: error: cannot read: it is a named pipe (FIFO), not a regular file; \
             give the path of a flow file"
        )
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");

    let (run, _) = kiosk_check_within(
        &[OsStr::new("--config"), fifo.as_os_str()],
        Duration::from_secs(10),
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.starts_with(&format!(
            "{f}:1:1: error: cannot read: it is a named pipe (FIFO), not a regular file; \
             give the path of a config file"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .starts_with(&format!("{f}: invalid: cannot be read")),
        "{}",
        run.stdout
    );

    // A config naming a FIFO as its flow: the flow is refused the same way.
    let config = dir.path().join("kiosk.toml");
    fs::write(&config, "flow = \"flow.toml\"\n").expect("write config");
    let (run, _) = kiosk_check_within(
        &[OsStr::new("--config"), config.as_os_str()],
        Duration::from_secs(10),
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("it is a named pipe (FIFO)"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_directory_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = kiosk_check(&[dir.path()]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(": error: cannot read: it is a directory, not a regular file"),
        "{}",
        run.stderr
    );
}

/// A valid flow of `n` steps in a chain, `s0` to the ending.
fn long_flow(n: usize) -> String {
    let mut toml = String::from(
        "[flow]\nid = \"long\"\nstart = \"s0\"\nlanguages = [\"ja\", \"en\"]\n\
         title = { ja = \"長い案内\", en = \"A long flow\" }\n\n\
         [outcomes.resolved]\ntitle = { ja = \"解決\", en = \"Solved\" }\n",
    );
    for i in 0..n {
        toml.push_str(&format!(
            "\n[steps.s{i}]\ntext = {{ ja = \"{i}番目の案内です。\", en = \"This is step {i}.\" }}\n"
        ));
        if i + 1 == n {
            toml.push_str("end = \"resolved\"\n");
        } else {
            toml.push_str(&format!("next = \"s{}\"\n", i + 1));
        }
    }
    toml
}

// See: unbounded reads; the flow cap must not refuse a large real flow.
#[test]
fn a_flow_over_8_mib_is_refused_and_a_10000_step_flow_still_loads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let long = dir.path().join("long.toml");
    fs::write(&long, long_flow(10_000)).expect("write flow");
    let run = kiosk_check(&[&long]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("10000 steps"), "{}", run.stdout);

    let big = dir.path().join("big.toml");
    let cap = 8 * 1024 * 1024;
    let mut text = "# padding\n".repeat(cap / 10 + 1).into_bytes();
    text.truncate(cap);
    fs::write(&big, &text).expect("write flow");
    let run = kiosk_check(&[&big]);
    assert_eq!(run.code, Some(1), "exactly the cap is read: {}", run.stderr);
    assert!(
        run.stderr.contains("missing the [flow] table"),
        "{}",
        run.stderr
    );
    text.push(b'\n');
    fs::write(&big, &text).expect("write flow");
    let run = kiosk_check(&[&big]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stderr.trim(),
        format!(
            "{}:1:1: error: cannot read: larger than 8 MiB, the limit for a flow file; \
             is this the right file?",
            big.display()
        )
    );
}

#[test]
fn a_config_over_1_mib_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("kiosk.toml");
    let mut text = "# padding\n".repeat(1024 * 1024 / 10 + 1).into_bytes();
    text.truncate(1024 * 1024);
    fs::write(&config, &text).expect("write config");
    let args = [OsStr::new("--config"), config.as_os_str()];
    let run = kiosk_check(&args);
    assert_eq!(run.code, Some(0), "exactly the cap is read: {}", run.stderr);
    text.push(b'\n');
    fs::write(&config, &text).expect("write config");
    let run = kiosk_check(&args);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.starts_with(&format!(
            "{}:1:1: error: cannot read: larger than 1 MiB, the limit for a config file",
            config.display()
        )),
        "{}",
        run.stderr
    );
}

// See: a Shift_JIS config wrote U+FFFD into every journal line.
#[test]
fn a_config_that_is_not_utf8_is_an_error_at_its_first_bad_byte() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("kiosk.toml");
    // `kiosk = "受付"` saved as Shift_JIS, after a comment in UTF-8.
    let mut bytes = "# 窓口の設定\nkiosk = \"".as_bytes().to_vec();
    bytes.extend_from_slice(&[0x8e, 0xf3, 0x95, 0x74]);
    bytes.extend_from_slice(b"\"\n");
    fs::write(&config, bytes).expect("write config");
    let run = kiosk_check(&[OsStr::new("--config"), config.as_os_str()]);
    let c = config.display();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stderr.trim(),
        format!(
            "{c}:2:10: error: not UTF-8 text (byte 0x8e); save the file as UTF-8 \
             (an editor saving it as Shift_JIS is the likely cause)"
        )
    );
    assert!(
        run.stdout.starts_with(&format!("{c}: invalid: not UTF-8")),
        "{}",
        run.stdout
    );
}

/// The bundled clips are built into the binary: all of `audio/` stays under
/// 10 MB (the content issue's bound).
#[test]
fn the_bundled_clips_stay_under_10_mb() {
    fn size(dir: &std::path::Path) -> u64 {
        fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| {
                let meta = e.metadata().unwrap();
                if meta.is_dir() {
                    size(&e.path())
                } else {
                    meta.len()
                }
            })
            .sum()
    }
    let total = size(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("audio"));
    assert!(total < 10_000_000, "audio/ holds {total} bytes");
}
