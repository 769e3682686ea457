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

/// A session that reached the call sheet's print step: answered `answer`,
/// with `print` after a yes.
fn print_line(answer: &str, print: Option<&str>) -> String {
    let print = print.map_or(String::new(), |p| format!(r#","print":"{p}""#));
    format!(
        r#"{{"v":1,"flow":"mfa-login","flow_hash":"00000000","kiosk":"k1","hour":"2026-11-24T10","lang":"ja","outcome":"referred","end":"call_support","steps":[{{"id":"call_ready","answer":"next","ms":1000,"repeats":0,"help":0}},{{"id":"print_call_sheet","answer":"{answer}","ms":2000,"repeats":0,"help":0{print}}},{{"id":"call_support","answer":"none","ms":0,"repeats":0,"help":0}}],"help":0,"back":0,"duration_ms":3000}}"#
    )
}

/// See issue 16: the report counts per sheet: offered, declined, printed,
/// failed, exact in JSON, with the k rule in text and CSV.
#[test]
fn per_sheet_counts_in_json_text_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("print.jsonl");
    let mut lines = Vec::new();
    lines.extend(std::iter::repeat_n(print_line("no", None), 12));
    lines.extend(std::iter::repeat_n(print_line("yes", Some("ok")), 15));
    lines.extend(std::iter::repeat_n(print_line("yes", Some("failed")), 3));
    std::fs::write(&journal, lines.join("\n") + "\n").unwrap();
    let opts = options(vec![journal], "en", 5);
    let json: serde_json::Value = serde_json::from_str(&render(&opts, ReportFormat::Json)).unwrap();
    let sheet = &json["sheets"]["call_sheet"];
    assert_eq!(sheet["offered"], 30, "{json}");
    assert_eq!(sheet["declined"], 12);
    assert_eq!(sheet["printed"], 15);
    assert_eq!(sheet["failed"], 3);
    assert_eq!(json["sheets"]["notebook_page"]["offered"], 0);

    // 3 failed is under k; offered = declined + printed + failed would
    // give it away, so the smallest other count, declined, is hidden too
    // (and with it the step's yes, from offered = declined + yes).
    let text = render(&opts, ReportFormat::Text);
    let row = text
        .lines()
        .find(|l| l.contains("Calling the helpline"))
        .unwrap_or_else(|| panic!("{text}"));
    let cols: Vec<&str> = row.split_whitespace().rev().take(4).collect();
    assert_eq!(cols, ["<5", "15", "*", "30"], "{row}");
    let csv = render(&opts, ReportFormat::Csv);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let row: Vec<&str> = csv
        .lines()
        .find(|l| l.starts_with("print_call_sheet,"))
        .unwrap()
        .split(',')
        .collect();
    assert_eq!(row[at("sheet")], "call_sheet");
    assert_eq!(row[at("sheet_offered")], "30");
    assert_eq!(row[at("sheet_declined")], "*");
    assert_eq!(row[at("sheet_printed")], "15");
    assert_eq!(row[at("yes")], "*");
    assert_eq!(row[at("sheet_failed")], "<5");
    let html = render(&opts, ReportFormat::Html);
    assert!(html.contains("Take-home sheets"), "{html}");
}
