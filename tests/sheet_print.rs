//! The take-home sheets (issue 16) through the real binary: each bundled
//! sheet laid out as PDF (`kiosk print-test --pdf`) is one A4 page with its
//! fonts embedded, body text at the sheet's size or larger, every heading
//! and label in its text, no line opening on a character kinsoku keeps off
//! a line start, and the page read back by OCR; then printed to a CUPS PDF
//! queue (`printer-driver-cups-pdf`), whose PDF has the same text, and to a
//! stopped queue and a missing printer, which fail.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::stdout_of as out;
use counter_kiosk::flow::{Flow, LangIx};

const TOOLS: &[&str] = &["pdfinfo", "pdffonts", "pdftotext", "pdftoppm", "tesseract"];

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// print-test speaks its `--lang`, else the locale: English here unless
/// `--lang ja` is given.
fn kiosk(args: &[&str]) -> std::process::Output {
    Command::new(common::kiosk_binary())
        .args(args)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap()
}

fn squeeze(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == '：' { ':' } else { c })
        .collect()
}

/// Characters Japanese line breaking keeps off the start of a line.
const NO_LINE_START: &str = "、。，．：；？！ー）」』】〕ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ";

fn render(dir: &Path, sheet: &str, lang: &str) -> PathBuf {
    let pdf = dir.join(format!("{sheet}-{lang}.pdf"));
    let o = kiosk(&[
        "print-test",
        "--sheet",
        sheet,
        "--lang",
        lang,
        "--pdf",
        pdf.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8_lossy(&o.stdout);
    // --lang is the messages' language too (issue 18).
    let fits = if lang == "ja" {
        "A4 一枚に収まります"
    } else {
        "fits on one A4 page"
    };
    assert!(said.contains(fits), "{said}");
    pdf
}

#[test]
fn every_bundled_sheet_is_one_a4_page_with_embedded_fonts_its_text_and_readable() {
    if !common::require(
        TOOLS.iter().all(|t| have(t)),
        "poppler-utils and tesseract-ocr-jpn",
    ) {
        return;
    }
    let dir = common::tempdir("sheets");
    let flow = Flow::bundled().unwrap();
    assert!(flow.sheets.len() >= 2);
    for sheet in &flow.sheets {
        for (i, lang) in flow.languages.iter().enumerate() {
            let pdf = render(dir.path(), &sheet.id, lang);
            let p = pdf.to_str().unwrap();
            let info = out("pdfinfo", &[p]);
            assert!(info.contains("Pages:           1"), "{info}");
            assert!(info.contains("(A4)"), "{info}");
            // No time of the session: the creation date is a fixed one.
            assert!(info.contains("2000"), "{info}");
            let fonts = out("pdffonts", &[p]);
            let rows: Vec<&str> = fonts.lines().skip(2).collect();
            assert!(!rows.is_empty(), "{fonts}");
            for row in &rows {
                let cols: Vec<&str> = row.split_whitespace().collect();
                // name type… encoding emb sub uni object gen
                assert_eq!(cols[cols.len() - 5], "yes", "not embedded: {row}");
                assert_eq!(cols[cols.len() - 4], "yes", "not a subset: {row}");
            }
            let text = out("pdftotext", &["-layout", p, "-"]);
            for landmark in sheet.landmarks(LangIx(i)) {
                assert!(
                    squeeze(&text).contains(&squeeze(landmark)),
                    "{}/{lang}: \"{landmark}\" not in the text:\n{text}",
                    sheet.id
                );
            }
            for line in text.lines() {
                if let Some(first) = line.trim_start().chars().next() {
                    assert!(
                        !NO_LINE_START.contains(first),
                        "line starts with {first}: {line}"
                    );
                }
            }
            // Every word's box is at least the body size tall: nothing is
            // set smaller than the sheet asks.
            let bbox = out("pdftotext", &["-bbox", p, "-"]);
            let mut smallest = f64::MAX;
            for line in bbox.lines().filter(|l| l.trim_start().starts_with("<word")) {
                let num = |key: &str| -> f64 {
                    let at = line.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
                    line[at..].split('"').next().unwrap().parse().unwrap()
                };
                smallest = smallest.min(num("yMax") - num("yMin"));
            }
            assert!(
                smallest >= f64::from(sheet.size_pt),
                "{}/{lang}: a word {smallest:.1} pt tall, under {} pt",
                sheet.id,
                sheet.size_pt
            );
            // Read back from the picture of the page.
            let png = dir.path().join(format!("{}-{lang}", sheet.id));
            out(
                "pdftoppm",
                &["-r", "150", "-png", "-singlefile", p, png.to_str().unwrap()],
            );
            let ocr_lang = if lang == "ja" { "jpn" } else { "eng" };
            let png = format!("{}.png", png.display());
            let read = out("tesseract", &[&png, "-", "-l", ocr_lang]);
            let read = squeeze(&read);
            let landmarks = sheet.landmarks(LangIx(i));
            let found = landmarks
                .iter()
                .filter(|l| read.contains(&squeeze(l)))
                .count();
            assert!(
                // OCR misreads a character here and there: most, not all.
                found * 2 >= landmarks.len(),
                "{}/{lang}: OCR found {found} of {} headings and labels:\n{read}",
                sheet.id,
                landmarks.len()
            );
        }
    }
}

// ----- CUPS -----

use common::cups::Cups;

fn config(dir: &Path, printer: &str) -> PathBuf {
    let path = dir.join("kiosk.toml");
    std::fs::write(&path, format!("[print]\nprinter = \"{printer}\"\n")).unwrap();
    path
}

#[test]
fn a_cups_pdf_queue_prints_the_sheet_and_a_stopped_or_missing_one_fails() {
    let dir = common::tempdir("cups");
    let name = format!("kiosk-test-{}", std::process::id());
    let Some(cups) = Cups::start(&name, &dir.path().join("out")) else {
        return;
    };
    let conf = config(dir.path(), &cups.queue);
    let started = Instant::now();
    let o = kiosk(&[
        "print-test",
        "--config",
        conf.to_str().unwrap(),
        "--sheet",
        "notebook_page",
        "--lang",
        "ja",
    ]);
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    // --lang ja: print-test says it in Japanese (issue 18).
    assert!(String::from_utf8_lossy(&o.stdout).contains("受け付けました"));
    let printed = cups.wait_pdf();
    assert!(started.elapsed() < Duration::from_secs(40));
    let rendered = render(dir.path(), "notebook_page", "ja");
    // cups-pdf redistils the job through Ghostscript, which drops the
    // text layer of the CID fonts: the page is compared as a page here.
    let pages = |p: &Path| out("pdfinfo", &[p.to_str().unwrap()]).contains("Pages:           1");
    assert!(pages(&printed) && pages(&rendered));

    // A stopped queue: lp would take the job; the kiosk asks CUPS first.
    out("cupsdisable", &[&cups.queue]);
    let o = kiosk(&["print-test", "--config", conf.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is stopped"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let missing = config(dir.path(), "no-such-printer");
    let o = kiosk(&["print-test", "--config", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not found"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `kiosk print-test | head -1`: a reader that goes away is no error. The
/// pipe here is closed before the kiosk writes anything, so every line
/// meets the broken pipe; the work still goes on (the PDF is written) and
/// the kiosk exits 0 with nothing on stderr. Then the same through a shell.
#[test]
fn print_test_into_a_closed_pipe_exits_0_quietly() {
    let dir = common::tempdir("pipe");
    let pdf = dir.path().join("sheet.pdf");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = Command::new(common::kiosk_binary())
        .args(["print-test", "--pdf", pdf.to_str().unwrap()])
        .stdout(writer)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(std::fs::metadata(&pdf).unwrap().len() > 1000);

    if !common::require(have("bash") && have("head"), "bash") {
        return;
    }
    let o = Command::new("bash")
        .args([
            "-c",
            "set -o pipefail; \"$0\" print-test --pdf \"$1\" | head -1",
            common::kiosk_binary().to_str().unwrap(),
            dir.path().join("again.pdf").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let said = String::from_utf8_lossy(&o.stdout);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(said.starts_with("sheet \""), "{said}");
}
