//! The k rule against a reader who adds up (DESIGN section 6): for random
//! summaries, no sum a reader can form from the human formats has exactly
//! one hidden count ("<k" or "*"), the CSV rows agree, and a report of
//! fewer than k sessions names no kiosk, flow or period in any human
//! format. Also journal text with control characters and formulas through
//! the binary.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use chrono::NaiveDate;
use counter_kiosk::cli::ReportFormat;
use counter_kiosk::report::privacy::{mask, Cell, Mask};
use counter_kiosk::report::summary::{OutcomeRow, SheetRow, StageRow, StepRow, Summary, WeekRow};
use counter_kiosk::report::{self, Lang};
use proptest::prelude::*;

const STAGES: [&str; 2] = ["Stage one", "Stage two"];

/// A count as the generator draws it: zeros, small ones and large ones.
fn n() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), 1u64..6, 1u64..12, 5u64..60]
}

#[derive(Debug, Clone)]
struct StepSpec {
    yes: u64,
    no: u64,
    next: u64,
    back: u64,
    stopped: u64,
    ended: u64,
    repeats: u64,
    help: u64,
    unreached: u64,
    stage: Option<usize>,
}

fn step_spec() -> impl Strategy<Value = StepSpec> {
    (
        (n(), n(), n(), n(), n(), n()),
        (n(), n(), n(), proptest::option::of(0usize..2)),
    )
        .prop_map(
            |((yes, no, next, back, stopped, ended), (repeats, help, unreached, stage))| StepSpec {
                yes,
                no,
                next,
                back,
                stopped,
                ended,
                repeats,
                help,
                unreached,
                stage,
            },
        )
}

fn step_row(i: usize, s: &StepSpec) -> StepRow {
    let visits = s.yes + s.no + s.next + s.back + s.stopped + s.ended;
    let reached = if visits == 0 {
        0
    } else {
        visits.saturating_sub(s.unreached).max(1)
    };
    StepRow {
        key: format!("step_{i}"),
        flow: "secret-flow".into(),
        id: format!("step_{i}"),
        label: None,
        stage: s.stage.map(|st| STAGES[st].to_string()),
        visits,
        yes: s.yes,
        no: s.no,
        next: s.next,
        back: s.back,
        repeats: s.repeats,
        help: s.help,
        stopped_here: s.stopped,
        reached,
        median: (visits > 0).then_some((1000, 1000)),
        score: None,
        rank: (reached > 0).then_some(i + 1),
    }
}

prop_compose! {
    fn summary()(
        k in 2u64..7,
        weeks in proptest::collection::vec(proptest::collection::vec(n(), 3), 1..4),
        hour_picks in proptest::collection::vec(0usize..24, 1..40),
        steps in proptest::collection::vec(step_spec(), 1..7),
        stages in (n(), n()),
        flow_share in 0u64..=100,
        prints in proptest::collection::vec((n(), n()), 2),
    ) -> Summary {
        let outcomes: Vec<OutcomeRow> = (0..3)
            .map(|o| OutcomeRow {
                id: format!("outcome_{o}"),
                label: format!("Outcome {o}"),
                count: weeks.iter().map(|w| w[o]).sum(),
            })
            .collect();
        let sessions: u64 = outcomes.iter().map(|o| o.count).sum();
        let mut hour_of_day = [0u64; 24];
        for i in 0..sessions {
            hour_of_day[hour_picks[i as usize % hour_picks.len()]] += 1;
        }
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let steps: Vec<StepRow> = steps.iter().enumerate().map(|(i, s)| step_row(i, s)).collect();
        // A stage is reached at least as often as any of its steps, and at
        // most as often as all of them together: a session that reached the
        // stage reached one of its steps.
        let stage_reached = |st: usize, extra: u64| {
            let reached = steps
                .iter()
                .filter(|r| r.stage.as_deref() == Some(STAGES[st]))
                .map(|r| r.reached);
            let most = reached.clone().max().unwrap_or(0);
            let all: u64 = reached.sum();
            most + extra.min(all - most)
        };
        let stages = (stage_reached(0, stages.0), stage_reached(1, stages.1));
        // Take-home sheets: one offered by step 0, one by steps 1 and 2
        // (when there are); printed and failed within the yeses.
        let sheets: Vec<SheetRow> = [vec![0usize], vec![1, 2]]
            .into_iter()
            .zip(&prints)
            .enumerate()
            .map(|(i, (on, (p, f)))| {
                let on: Vec<usize> = on.into_iter().filter(|i| *i < steps.len()).collect();
                let yes: u64 = on.iter().map(|i| steps[*i].yes).sum();
                let declined: u64 = on.iter().map(|i| steps[*i].no).sum();
                let printed = (*p).min(yes);
                let failed = (*f).min(yes - printed);
                SheetRow {
                    id: format!("sheet_{i}"),
                    label: format!("Sheet {i}"),
                    steps: on,
                    offered: yes + declined,
                    declined,
                    yes,
                    printed,
                    failed,
                }
            })
            .collect();
        Summary {
            sessions,
            skipped_lines: 3,
            unknown_version_lines: 1,
            outcomes,
            steps,
            stages: STAGES
                .iter()
                .zip([stages.0, stages.1])
                .map(|(label, reached)| StageRow {
                    id: label.to_lowercase(),
                    label: label.to_string(),
                    reached,
                })
                .collect(),
            stage_flow_sessions: sessions * flow_share / 100,
            sheets,
            weeks: weeks
                .iter()
                .enumerate()
                .map(|(i, w)| WeekRow {
                    monday: monday + chrono::Days::new(7 * i as u64),
                    sessions: w.iter().sum(),
                    outcomes: w.clone(),
                })
                .collect(),
            hour_of_day,
            kiosks: vec!["kiosk-alpha".into(), "kiosk-beta".into()],
            flows: vec!["secret-flow".into()],
            first_hour: Some("2026-11-23T10".into()),
            last_hour: Some("2026-12-01T17".into()),
            lang: Lang::En,
            k,
        }
    }
}

fn hidden(c: Cell) -> bool {
    matches!(c, Cell::Small | Cell::Suppressed)
}

/// Every sum a reader can form, as (how many of its counts are hidden,
/// a name for the failure message). A count not printed at all (its slice
/// is not broken down) is unknown to the reader, so a sum holding one has
/// nothing to give away; it counts as two hidden.
fn sums(s: &Summary, m: &Mask) -> Vec<(usize, String)> {
    let count = |cells: &[Cell]| {
        let unseen = cells.iter().filter(|c| **c == Cell::Unseen).count();
        cells.iter().filter(|c| hidden(**c)).count() + 2 * unseen
    };
    let mut out = Vec::new();
    let mut with_total = |total: Cell, parts: Vec<Cell>, name: String| {
        let mut all = parts;
        all.push(total);
        out.push((count(&all), name));
    };
    with_total(m.sessions, m.outcomes.clone(), "sessions = outcomes".into());
    with_total(m.sessions, m.hours.to_vec(), "sessions = hours".into());
    with_total(
        m.sessions,
        m.weeks.iter().map(|w| w.total).collect(),
        "sessions = weeks".into(),
    );
    for (i, w) in m.weeks.iter().enumerate() {
        with_total(w.total, w.outcomes.clone(), format!("week {i}"));
    }
    for (o, c) in m.outcomes.iter().enumerate() {
        let parts = m.weeks.iter().map(|w| w.outcomes[o]).collect();
        with_total(*c, parts, format!("outcome {o} over weeks"));
    }
    for (r, c) in s.steps.iter().zip(&m.steps) {
        let ended = r.visits - (r.yes + r.no + r.next + r.back + r.stopped_here);
        // Never printed, but what the others leave: hidden when small.
        let ended = if c.broken_down && ended > 0 && ended < s.k {
            Cell::Small
        } else {
            Cell::Shown
        };
        with_total(
            c.visits,
            vec![c.yes, c.no, c.next, c.back, c.stopped_here, ended],
            format!("visits of {}", r.key),
        );
    }
    if m.funnel {
        let other = s.sessions - s.stage_flow_sessions;
        let other = if other > 0 && other < s.k {
            Cell::Small
        } else {
            Cell::Shown
        };
        with_total(
            m.sessions,
            vec![m.funnel_total, other],
            "sessions = funnel + other flows".into(),
        );
    }
    for (sh, c) in s.sheets.iter().zip(&m.sheets) {
        let unknown = sh.unknown();
        // Never printed, but what the others leave.
        // A reader takes it as 0 (kiosks write none): a small one is
        // hidden, a large one unknown.
        let unknown = if c.printed == Cell::Unseen || unknown >= s.k {
            Cell::Unseen
        } else if unknown > 0 {
            Cell::Small
        } else {
            Cell::Shown
        };
        let yes: Vec<Cell> = sh.steps.iter().map(|i| m.steps[*i].yes).collect();
        let no: Vec<Cell> = sh.steps.iter().map(|i| m.steps[*i].no).collect();
        with_total(
            c.offered,
            vec![c.declined, c.printed, c.failed, unknown],
            format!("offered of {}", sh.id),
        );
        if !yes.is_empty() {
            let mut parts = yes.clone();
            parts.push(c.declined);
            with_total(
                c.offered,
                parts,
                format!("offered = steps' yes of {}", sh.id),
            );
        }
        if let [one] = yes.as_slice() {
            with_total(
                *one,
                vec![c.printed, c.failed, unknown],
                format!("yes of {}", sh.id),
            );
        } else if !no.is_empty() {
            with_total(c.declined, no, format!("declined = steps' no of {}", sh.id));
        }
    }
    for (st, c) in s.stages.iter().zip(&m.stages) {
        let parts: Vec<Cell> = s
            .steps
            .iter()
            .zip(&m.steps)
            .filter(|(r, _)| r.stage.as_deref() == Some(st.label.as_str()))
            .map(|(_, c)| c.reached)
            .collect();
        if !parts.is_empty() {
            with_total(*c, parts, format!("stage {}", st.label));
        }
    }
    out
}

fn render(s: &Summary, format: ReportFormat) -> String {
    let mut out = Vec::new();
    report::render(s, format, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// `PROPTEST_CASES` when set (`scripts/fuzz`), else `default`.
fn fuzz_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases(2000)))]

    /// See: reached 6, next 5, stopped "<5" gave stopped = 1.
    #[test]
    fn no_sum_has_exactly_one_hidden_count(s in summary()) {
        let m = mask(&s);
        prop_assert_eq!(m.whole, s.sessions >= s.k);
        if m.whole {
            for (hidden, name) in sums(&s, &m) {
                prop_assert!(hidden != 1, "{} has one hidden count: {:?}\n{:?}", name, m, s);
            }
        }
        // A hidden count is never shown as a number, a shown one always is.
        let csv = render(&s, ReportFormat::Csv);
        let small = format!("<{}", s.k);
        for (line, (r, c)) in csv.lines().skip(1).zip(s.steps.iter().zip(&m.steps)) {
            let cols: Vec<&str> = line.split(',').collect();
            prop_assert_eq!(cols[0], r.key.as_str());
            if !c.broken_down {
                // Up to the sheet columns, which name a print step's sheet.
                prop_assert!(cols[4..14].iter().all(|c| c.is_empty()), "{}", line);
                continue;
            }
            // visits, yes, no, next, back, stopped_here, and what is left.
            let ended = r.visits - (r.yes + r.no + r.next + r.back + r.stopped_here);
            let row_hidden = [4, 5, 6, 7, 8, 11]
                .iter()
                .filter(|i| cols[**i] == small || cols[**i] == "*")
                .count()
                + usize::from(ended > 0 && ended < s.k);
            prop_assert!(row_hidden != 1, "{}", line);
            for (i, n) in [(4, r.visits), (5, r.yes), (6, r.no), (11, r.stopped_here)] {
                let shown = cols[i] != small && cols[i] != "*";
                prop_assert!(!shown || cols[i] == n.to_string(), "{}", line);
                prop_assert!(shown || (n > 0), "{}", line);
            }
        }
    }

    /// See: a report of 3 sessions printed its period and kiosk names.
    #[test]
    fn fewer_than_k_sessions_name_no_kiosk_flow_or_period(mut s in summary(), under in 0u64..7) {
        s.sessions = under % s.k;
        for format in [ReportFormat::Text, ReportFormat::Csv, ReportFormat::Html] {
            let out = render(&s, format);
            for secret in ["kiosk-alpha", "secret-flow", "2026-11", "2026-12", "step_0", "Outcome 0", "Stage one", "Sheet 0", "sheet_0"] {
                prop_assert!(!out.contains(secret), "{} in {:?}:\n{}", secret, format, out);
            }
        }
    }
}

fn kiosk_report(journal: &str, format: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    std::fs::write(&path, journal).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .arg("report")
        .arg(&path)
        .args(["--format", format, "--lang", "en"])
        .env("XDG_STATE_HOME", "/nonexistent-state")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Five sessions whose flow, kiosk and outcome are hostile text (JSON
/// escapes, as a writer other than the kiosk could produce).
fn hostile_journal(flow: &str, kiosk: &str, outcome: &str) -> String {
    let mut text = String::new();
    for _ in 0..5 {
        text.push_str(&format!(
            r#"{{"v":1,"flow":"{flow}","flow_hash":"00000000","kiosk":"{kiosk}","hour":"2026-11-24T10","lang":"e\u0007n","outcome":"{outcome}","end":"a","steps":[{{"id":"a","answer":"yes","ms":1,"repeats":0,"help":0}}],"help":0,"back":0,"duration_ms":1}}"#
        ));
        text.push('\n');
    }
    text
}

#[test]
fn control_characters_from_the_journal_never_reach_the_terminal() {
    // See: ESC and BEL in kiosk names and outcomes reached the terminal.
    let journal = hostile_journal(
        "flow\\u001b]0;owned\\u0007",
        "kiosk\\u001b[2J\\u009b",
        "done\\u001b[31m\\u202e",
    );
    for format in ["text", "csv", "html"] {
        let out = kiosk_report(&journal, format);
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text
                .chars()
                .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
            "{format}: {text:?}"
        );
        if format != "csv" {
            assert!(text.contains("kiosk\\u{1b}[2J\\u{9b}"), "{format}: {text}");
        }
    }
}

#[test]
fn csv_cells_never_start_a_formula() {
    // See: a flow id "=HYPERLINK(...)" was a live link in a spreadsheet.
    let mut journal = hostile_journal("=HYPERLINK(\\\"http://x\\\",\\\"y\\\")", "k", "done");
    journal.push_str(&hostile_journal("+cmd", "k", "done"));
    journal.push_str(&hostile_journal("@SUM(1)", "k", "done"));
    journal.push_str(&hostile_journal("-2+3", "k", "done"));
    let csv = String::from_utf8(kiosk_report(&journal, "csv")).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{csv}");
    for row in rows {
        // Several flows: keys are flow/step, quoted with a leading '.
        assert!(row.starts_with("\"'"), "{row}");
    }
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")/a\""),
        "{csv}"
    );
}

#[test]
fn html_escapes_markup_and_controls_from_the_journal() {
    let journal = hostile_journal(
        "<script>alert(1)</script>",
        "k\\\"'&<b>\\u001b",
        "<img src=x onerror=alert(1)>",
    );
    let html = String::from_utf8(kiosk_report(&journal, "html")).unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<b>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("k&quot;&#39;&amp;&lt;b&gt;\\u{1b}"), "{html}");
    assert!(!html.chars().any(|c| c.is_control() && c != '\n'));
}

#[test]
fn the_funnel_does_not_give_away_a_small_other_flow() {
    // 6 sessions of the bundled flow and 2 of another: the funnel's shares
    // would give its total (6), and 8 - 6 = 2 sessions of the other flow.
    let line = |flow: &str| {
        format!(
            r#"{{"v":1,"flow":"{flow}","flow_hash":"00000000","kiosk":"k","hour":"2026-11-24T10","lang":"en","outcome":"abandoned","end":"welcome","steps":[{{"id":"welcome","answer":"none","ms":1,"repeats":0,"help":0}}],"help":0,"back":0,"duration_ms":1}}"#
        )
    };
    let mut journal = String::new();
    for flow in ["mfa-login"; 6].iter().chain(&["other"; 2]) {
        journal.push_str(&line(flow));
        journal.push('\n');
    }
    let text = String::from_utf8(kiosk_report(&journal, "text")).unwrap();
    assert!(text.contains("Sessions    8"), "{text}");
    assert!(!text.contains("Stage funnel"), "{text}");
    // With 5 sessions of the other flow, nothing needs hiding.
    journal.push_str(&(line("other") + "\n" + &line("other") + "\n" + &line("other") + "\n"));
    let text = String::from_utf8(kiosk_report(&journal, "text")).unwrap();
    assert!(text.contains("Stage funnel"), "{text}");
}
