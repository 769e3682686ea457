//! The report's renderers on fixed journals: text (ja and en) and CSV as
//! insta snapshots, the k rule, the HTML page's structure, and the property
//! that splitting a journal into several files (and reading in chunks of any
//! size) gives the same JSON as one file.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use counter_kiosk::cli::ReportFormat;
use counter_kiosk::flow::Flow;
use counter_kiosk::report::{self, Filter, Options};
use proptest::prelude::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/report")
        .join(name)
}

fn options(files: Vec<PathBuf>, lang: &str, k: u64) -> Options {
    Options {
        files,
        filter: Filter::default(),
        format: ReportFormat::Text,
        k,
        lang: lang.into(),
        flow: Some(Flow::bundled().unwrap()),
        threads: 2,
    }
}

fn render(opts: &Options, format: ReportFormat) -> String {
    let summary = report::summarize(opts).unwrap();
    let mut out = Vec::new();
    report::render(&summary, format, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The sample's text report in `lang`, every line within 80 columns.
fn text_within_80_columns(lang: &str) -> String {
    let text = render(
        &options(vec![fixture("sample.jsonl")], lang, 5),
        ReportFormat::Text,
    );
    for line in text.lines() {
        assert!(
            unicode_width::UnicodeWidthStr::width(line) <= 80,
            "too wide: {line}"
        );
    }
    text
}

#[test]
fn text_en() {
    insta::assert_snapshot!(text_within_80_columns("en"));
}

#[test]
fn text_ja() {
    insta::assert_snapshot!(text_within_80_columns("ja"));
}

#[test]
fn csv_en() {
    insta::assert_snapshot!(render(
        &options(vec![fixture("sample.jsonl")], "en", 5),
        ReportFormat::Csv
    ));
}

#[test]
fn csv_ja_small_journal_hides_small_slices() {
    // Four sessions, fewer than 5: the header alone, not even which steps
    // were reached (see: the rows gave the steps away); with k = 2 the
    // busier steps are broken down.
    let csv = render(
        &options(vec![fixture("journal.jsonl")], "ja", 5),
        ReportFormat::Csv,
    );
    insta::assert_snapshot!(csv);
    assert_eq!(csv.lines().count(), 1, "{csv}");
    let csv = render(
        &options(vec![fixture("journal.jsonl")], "ja", 2),
        ReportFormat::Csv,
    );
    assert!(csv.contains("welcome,"), "{csv}");
    assert!(csv.contains(",<2,"), "{csv}");
}

#[test]
fn text_with_fewer_than_k_sessions_shows_no_breakdown() {
    let text = render(
        &options(vec![fixture("journal.jsonl")], "en", 5),
        ReportFormat::Text,
    );
    insta::assert_snapshot!(text);
    assert!(text.contains("Fewer than 5 sessions"));
    assert!(!text.contains("Outcomes"));
    // See: the period and kiosk names of a handful of sessions were shown.
    for secret in ["2026-11", "counter-1", "mfa-login", "Unreadable"] {
        assert!(!text.contains(secret), "{secret} in\n{text}");
    }
}

#[test]
fn html_is_self_contained_with_five_charts() {
    let html = render(
        &options(vec![fixture("sample.jsonl")], "ja", 5),
        ReportFormat::Html,
    );
    for id in [
        "chart-outcomes",
        "chart-funnel",
        "chart-sticking",
        "chart-weeks",
        "chart-hours",
    ] {
        assert!(html.contains(&format!("<svg id=\"{id}\"")), "{id} missing");
    }
    // Nothing fetched: the only URL is the SVG namespace.
    let urls = html.matches("http").count();
    assert_eq!(urls, html.matches("http://www.w3.org/2000/svg").count());
    assert!(!html.contains("<script"));
    assert!(html.contains("name=\"viewport\""));
    assert!(html.contains("size: A4"));
    assert!(html.contains("<html lang=\"ja\">"));
}

fn json_of(files: Vec<PathBuf>, chunk: usize, threads: usize) -> String {
    let mut opts = options(files, "en", 5);
    opts.threads = threads;
    let summary = report::summarize_chunked(&opts, chunk).unwrap();
    let mut out = Vec::new();
    report::render(&summary, ReportFormat::Json, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The journal fixture's lines, then the sample's: bad lines included.
fn all_lines() -> Vec<String> {
    let mut lines = Vec::new();
    for name in ["journal.jsonl", "sample.jsonl"] {
        let text = std::fs::read_to_string(fixture(name)).unwrap();
        lines.extend(text.lines().map(str::to_string));
    }
    lines
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn splitting_a_journal_into_files_changes_nothing(
        cuts in proptest::collection::btree_set(1usize..150, 0..5),
        chunk in prop_oneof![Just(8 << 20), 1usize..8, 64usize..700],
        threads in 1usize..4,
        last_newline in any::<bool>(),
    ) {
        let lines = all_lines();
        let dir = tempfile::tempdir().unwrap();
        let one = dir.path().join("one.jsonl");
        std::fs::write(&one, lines.join("\n") + "\n").unwrap();
        let whole = json_of(vec![one], 8 << 20, 2);

        let mut bounds: Vec<usize> = cuts.into_iter().filter(|c| *c < lines.len()).collect();
        bounds.insert(0, 0);
        bounds.push(lines.len());
        let mut files = Vec::new();
        for (i, w) in bounds.windows(2).enumerate() {
            let path = dir.path().join(format!("part-{i}.jsonl"));
            let mut text = lines[w[0]..w[1]].join("\n");
            // A file may end without its last newline; it is still a line.
            if last_newline || w[1] < lines.len() {
                text.push('\n');
            }
            std::fs::write(&path, text).unwrap();
            files.push(path);
        }
        let split = json_of(files, chunk, threads);
        prop_assert_eq!(whole, split);
    }
}
