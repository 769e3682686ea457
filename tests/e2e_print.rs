//! Issue 16's printing acceptance through the real kiosk in tmux, with
//! `[print] printer = QUEUE` in its config: the bundled flow walked to the
//! call sheet's print step and answered yes.
//!
//! - To a CUPS PDF queue (`printer-driver-cups-pdf`, tests/common/cups.rs):
//!   the journal's print step says `"print":"ok"`, and the PDF cups-pdf
//!   writes reads (by OCR) as the one `kiosk print-test --pdf` renders.
//!   cups-pdf takes only PostScript, so CUPS turns the job into PS and
//!   Ghostscript back into PDF, which drops the text layer of the CID fonts:
//!   both pages are read by tesseract and compared by edit distance.
//! - To the same queue stopped, and to a printer that does not exist: the
//!   apology is shown and spoken, the walk goes on, `"print":"failed"`.
//! - To an `lp` that never answers (shims on PATH): the key that answers the
//!   print question brings the next step in the very first frame, help
//!   works while lp hangs, and at the 20 s bound the job is failed and the
//!   hanging lp killed and reaped.
//!
//! Every wait polls the trace (each `frame` names its step), the screen or
//! a file against a deadline.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::cups::Cups;
use common::kiosk::*;
use common::stdout_of as out;
use common::{poll, write_run_script, Pane, WAIT};
use counter_kiosk::flow::Phrase;
use serde_json::Value;

const SHEET_TITLE: &str = "窓口に電話するときのメモ";
const PRINT_ASK: &str = "印刷しますか？";
/// A part of the apology short enough never to wrap at 80 columns.
const APOLOGY: &str = "印刷できませんでした";
/// How long CUPS and cups-pdf may take with a job (pdftops, Ghostscript).
const CUPS_WAIT: Duration = Duration::from_secs(60);

/// The bundled flow's shortest walk to the call sheet's print step: each
/// key and the step it brings.
const TO_PRINT: [(&str, &str); 8] = [
    ("1", "not_alone"),
    ("Enter", "helper_q"),
    ("2", "locked_out"),
    ("1", "support_why"),
    ("Enter", "can_hear"),
    ("1", "have_number"),
    ("1", "call_ready"),
    ("Enter", "print_call_sheet"),
];

/// The journal's path for that walk, the print step answered yes, and the
/// line open (`call_hours` yes) to the ending.
const PATH: [&str; 11] = [
    "welcome yes",
    "not_alone next",
    "helper_q no",
    "locked_out yes",
    "support_why next",
    "can_hear yes",
    "have_number yes",
    "call_ready next",
    "print_call_sheet yes",
    "call_hours yes",
    "call_support none",
];

fn have(tool: &str) -> bool {
    common::cups::have(tool)
}

fn config(printer: &str) -> String {
    format!("[print]\nprinter = \"{printer}\"\n")
}

fn t_us(e: &Value) -> u64 {
    e["t_us"].as_u64().unwrap()
}

/// Presses `key` and waits until the trace has read it and drawn a frame
/// after it; the key's event and that first frame. The caller checks the
/// frame's step.
fn press_traced(k: &mut Kiosk, key: &str) -> (Value, Value) {
    let count = trace_keys(&k.trace_now()).len() + 1;
    k.press(key);
    k.wait_keys_read(count);
    let found = poll(
        WAIT,
        POLL,
        || {
            let trace = k.trace_now();
            let pressed = trace.iter().filter(|e| e["ev"] == "key").nth(count - 1);
            let pressed = pressed.cloned().ok_or("the key is gone from the trace")?;
            let frame = trace
                .iter()
                .find(|e| e["ev"] == "frame" && t_us(e) >= t_us(&pressed))
                .cloned()
                .ok_or("no frame after the key yet")?;
            Ok((pressed, frame))
        },
        |e: &str| format!("{key}: {e}\n{}", k.trace_tail()),
    );
    k.last_key = Some(Instant::now());
    found
}

/// Presses `key`; the first frame after it must already be `step`'s.
fn press_to(k: &mut Kiosk, key: &str, step: &str) -> (Value, Value) {
    let (pressed, frame) = press_traced(k, key);
    assert_eq!(
        frame["step"],
        step,
        "key {key}: the first frame after it ({frame}) is not {step}'s\n{}",
        k.trace_tail()
    );
    (pressed, frame)
}

/// Walks from the start screen to the print step, whose screen shows the
/// sheet's title and the question.
fn walk_to_print(k: &mut Kiosk) {
    k.settled(&["1  はい"]);
    for (key, step) in TO_PRINT {
        press_to(k, key, step);
    }
    k.wait_screen(&[SHEET_TITLE, PRINT_ASK], &[]);
}

/// Answers yes on the print step: the very first frame after the key is the
/// next step's, and the kiosk says it is printing ("印刷しています", spoken,
/// not shown). The key's `t_us` and the key-to-frame time in ms.
fn answer_yes(k: &mut Kiosk) -> (u64, f64) {
    let (pressed, frame) = press_to(k, "1", "call_hours");
    k.wait_screen(&[], &[PRINT_ASK]);
    assert_spoken(k, Phrase::PrintingSay, t_us(&pressed) - 1);
    let ms = (t_us(&frame) - t_us(&pressed)) as f64 / 1000.0;
    (t_us(&pressed), ms)
}

fn flow_hash_bundled() -> String {
    flow_hash(&format!(
        "{}/flows/mfa-login.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
}

/// The one record of a walk, checked against PATH (with `call_hours`'s
/// `help` presses), its print step's result returned.
fn print_result(k: &Kiosk, line: &str, help: u64) -> String {
    let hash = flow_hash_bundled();
    let call_hours = format!("call_hours yes 0 {help}");
    let mut path: Vec<&str> = PATH.to_vec();
    if help > 0 {
        path[9] = &call_hours;
    }
    let record = check_record(
        k,
        line,
        &Expect {
            flow: "mfa-login",
            hash: &hash,
            kiosk: "counter",
            lang: "ja",
            outcome: "referred",
            path: &path,
            help,
            back: 0,
        },
    );
    let steps = record["steps"].as_array().unwrap();
    let print = &steps[8];
    assert_eq!(print["id"], "print_call_sheet", "{line}");
    assert_eq!(print["answer"], "yes", "{line}");
    // Only the print step carries a result.
    assert!(steps
        .iter()
        .enumerate()
        .all(|(i, s)| i == 8 || s.get("print").is_none()));
    print["print"].as_str().unwrap_or("<none>").to_string()
}

/// Walks a kiosk whose printer fails: the apology shows and is spoken, the
/// walk goes on to the ending, the journal says failed.
fn walk_failing(k: &mut Kiosk, why: &str) {
    walk_to_print(k);
    let (yes_at, ms) = answer_yes(k);
    k.wait_for("the apology", CUPS_WAIT, |s| s.contains(APOLOGY));
    println!("{why}: yes to the next step's first frame in {ms:.1} ms");
    assert_spoken(k, Phrase::PrintFailedSay, yes_at);
    press_to(k, "1", "call_support");
    k.wait_screen(&[], &[APOLOGY]);
    let lines = k.journal(1);
    assert_eq!(print_result(k, &lines[0], 0), "failed", "{why}");
    assert!(
        k.log().contains("print: "),
        "{why}: kiosk.log:\n{}",
        k.log()
    );
    k.assert_alive();
}

/// `phrase` was handed to speech as a prompt after `after` (the kiosk runs
/// `--no-speech`: the `none` backend, which still traces each utterance
/// with its length).
fn assert_spoken(k: &Kiosk, phrase: Phrase, after: u64) {
    let said = phrase.builtin("ja").unwrap();
    let chars = said.chars().count() as u64;
    poll(
        WAIT,
        POLL,
        || {
            k.trace_now()
                .iter()
                .any(|e| {
                    e["ev"] == "speak"
                        && t_us(e) > after
                        && e["kind"] == "prompt"
                        && e["lang"] == "ja"
                        && e["chars"] == chars
                })
                .then_some(())
                .ok_or(())
        },
        |()| format!("{phrase:?} not spoken ({chars} chars)\n{}", k.trace_tail()),
    );
}

// ----- OCR comparison -----

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The page at 200 dpi read by tesseract jpn with page layout `psm`,
/// whitespace removed.
fn ocr(pdf: &Path, psm: &str) -> String {
    let png = pdf.with_extension("");
    let png_s = png.to_str().unwrap();
    out(
        "pdftoppm",
        &[
            "-r",
            "200",
            "-png",
            "-singlefile",
            pdf.to_str().unwrap(),
            png_s,
        ],
    );
    let read = out(
        "tesseract",
        &[&format!("{png_s}.png"), "-", "-l", "jpn", "--psm", psm],
    );
    squeeze(&read)
}

/// Levenshtein distance over characters.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The printed page reads as the rendered one: at most 2 % of the
/// characters differ (psm 6, else psm 4).
fn assert_same_text(rendered: &Path, printed: &Path) {
    let mut tried = Vec::new();
    for psm in ["6", "4"] {
        let (want, got) = (ocr(rendered, psm), ocr(printed, psm));
        let d = edits(&want, &got);
        let len = want.chars().count().max(1);
        println!(
            "OCR (psm {psm}): {d} edits in {len} characters ({:.2} %)",
            d as f64 * 100.0 / len as f64
        );
        if len >= 200 && d * 50 <= len {
            return;
        }
        tried.push(format!(
            "psm {psm}: {d} edits in {len}\nrendered: {want}\nprinted:  {got}"
        ));
    }
    panic!(
        "the printed page does not read as the rendered one:\n{}",
        tried.join("\n")
    );
}

fn render(dir: &Path) -> PathBuf {
    let pdf = dir.join("rendered.pdf");
    out(
        common::kiosk_binary().to_str().unwrap(),
        &[
            "print-test",
            "--sheet",
            "call_sheet",
            "--lang",
            "ja",
            "--pdf",
            pdf.to_str().unwrap(),
        ],
    );
    pdf
}

#[test]
fn a_tmux_walk_prints_to_a_cups_pdf_queue_and_a_stopped_or_missing_printer_fails() {
    if !common::require(
        ["pdfinfo", "pdftoppm", "tesseract", "tmux"]
            .iter()
            .all(|t| have(t)),
        "poppler-utils, tesseract-ocr-jpn, tmux",
    ) {
        return;
    }
    let dir = common::tempdir("e2e-print");
    let name = format!("kiosk-e2e-{}", std::process::id());
    let Some(cups) = Cups::start(&name, &dir.path().join("out")) else {
        return;
    };

    // (a) The queue prints: yes, the walk goes on, the journal waits for
    // CUPS and says ok.
    let mut k = Kiosk::start(&[], &config(&cups.queue));
    walk_to_print(&mut k);
    let (_, ms) = answer_yes(&mut k);
    println!("ok walk: yes to the next step's first frame in {ms:.1} ms");
    press_to(&mut k, "1", "call_support");
    let lines = k.journal_within(1, CUPS_WAIT);
    assert_eq!(print_result(&k, &lines[0], 0), "ok", "{}", lines[0]);
    assert!(!k.screen().contains(APOLOGY), "{}", k.screen());
    let printed = cups.wait_pdf();
    let info = out("pdfinfo", &[printed.to_str().unwrap()]);
    assert!(info.contains("Pages:           1"), "{info}");
    let rendered = render(dir.path());
    println!(
        "PDF sizes: rendered {} bytes, from cups-pdf {} bytes",
        fs::metadata(&rendered).unwrap().len(),
        fs::metadata(&printed).unwrap().len()
    );
    assert_same_text(&rendered, &printed);
    drop(k);

    // (b) The same queue stopped: lp would take the job, the kiosk asks
    // CUPS first.
    out("cupsdisable", &[&cups.queue]);
    let mut k = Kiosk::start(&[], &config(&cups.queue));
    walk_failing(&mut k, "stopped queue");
    assert!(k.log().contains("is stopped"), "{}", k.log());
    drop(k);

    // And a printer CUPS has never heard of.
    let mut k = Kiosk::start(&[], &config("no-such-printer"));
    walk_failing(&mut k, "missing printer");
    assert!(k.log().contains("not found"), "{}", k.log());
}

// ----- a printer that never answers -----

/// Shims for the two commands the kiosk runs (src/print/cups.rs): an
/// `ipptool` that reports the queue idle and accepting, and an `lp` that
/// writes its pid and then hangs, never reading the job.
fn write_shims(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    let ipptool = "#!/bin/sh\n\
                   echo '        printer-is-accepting-jobs (boolean) = true'\n\
                   echo '        printer-state (enum) = idle'\n";
    let lp = format!(
        "#!/bin/sh\necho $$ > '{}'\nexec sleep 600\n",
        dir.join("lp.pid").display()
    );
    for (name, text) in [("ipptool", ipptool), ("lp", lp.as_str())] {
        let path = bin.join(name);
        fs::write(&path, text).unwrap();
        out("chmod", &["755", path.to_str().unwrap()]);
    }
    bin
}

/// The kiosk's children, over all its threads.
fn children(pid: u32) -> Vec<String> {
    let tasks = fs::read_dir(format!("/proc/{pid}/task")).unwrap();
    tasks
        .flatten()
        .flat_map(|t| {
            let text = fs::read_to_string(t.path().join("children")).unwrap_or_default();
            text.split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_print_answer_brings_the_next_step_in_one_frame_while_lp_hangs_and_is_reaped_at_20_s() {
    if !common::require(have("tmux"), "tmux") {
        return;
    }
    let dir = common::tempdir("e2e-print-hang-");
    let bin = write_shims(dir.path());
    let command = write_run_script(
        dir.path(),
        &["--no-speech"],
        &[],
        &config("hangs"),
        SHOW_TTY,
    );
    // The shims first on the kiosk's PATH.
    let script = dir.path().join("run.sh");
    let text = fs::read_to_string(&script).unwrap();
    fs::write(
        &script,
        format!("export PATH='{}':\"$PATH\"\n{text}", bin.display()),
    )
    .unwrap();
    let mut k = Kiosk {
        pane: Pane::new(dir.path(), "e2e", POLL),
        _dir: dir,
        last_key: None,
        started_hour: local_hour(),
    };
    k.tmux(&k.new_session(&command));

    walk_to_print(&mut k);
    let yes = Instant::now();
    let (yes_at, ms) = answer_yes(&mut k);
    println!("hanging lp: yes to the next step's first frame in {ms:.1} ms");
    let lp_pid: u32 = poll(
        WAIT,
        POLL,
        || {
            fs::read_to_string(k.path("lp.pid"))
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .ok_or(())
        },
        |()| "the lp shim never ran".to_string(),
    );
    assert!(process_alive(lp_pid), "lp {lp_pid} is not hanging");

    // Help works while lp hangs: the key guide, on the same step, at once.
    let before = k.screen();
    let (pressed, frame) = press_traced(&mut k, "9");
    assert_eq!(frame["step"], "call_hours", "{frame}");
    let help_ms = (t_us(&frame) - t_us(&pressed)) as f64 / 1000.0;
    println!("hanging lp: help to its frame in {help_ms:.1} ms");
    k.wait_for("the key guide", WAIT, |s| s != before);
    assert!(process_alive(lp_pid), "lp {lp_pid} ended before the bound");

    // The 20 s bound: the job failed, the apology, lp killed and reaped.
    k.wait_for(
        "the apology at the 20 s bound",
        Duration::from_secs(30),
        |s| s.contains(APOLOGY),
    );
    let failed_after = yes.elapsed();
    println!("hanging lp: the apology {failed_after:.1?} after yes");
    assert!(
        failed_after >= Duration::from_secs(19),
        "failed before the bound: {failed_after:?}"
    );
    assert_spoken(&k, Phrase::PrintFailedSay, yes_at);
    assert!(k.log().contains("lp did not answer in time"), "{}", k.log());
    poll(
        WAIT,
        POLL,
        || (!process_alive(lp_pid)).then_some(()).ok_or(()),
        |()| {
            format!(
                "lp {lp_pid} still there (state {:?})",
                common::process_state(lp_pid)
            )
        },
    );
    assert!(
        common::process_state(lp_pid).is_none(),
        "lp {lp_pid} left as {:?}",
        common::process_state(lp_pid)
    );
    let left = children(k.pid());
    assert!(left.is_empty(), "the kiosk still has children {left:?}");

    // The walk goes on; the journal says failed, with the help press.
    press_to(&mut k, "1", "call_support");
    let lines = k.journal(1);
    assert_eq!(print_result(&k, &lines[0], 1), "failed", "{}", lines[0]);
    k.assert_alive();
}

/// Whether `pid` runs (a zombie does not).
fn process_alive(pid: u32) -> bool {
    matches!(common::process_state(pid), Some(s) if s != 'Z')
}
