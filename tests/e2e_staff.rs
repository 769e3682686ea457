//! The staff screen (issue 17) end to end in tmux: the `staff_keys`
//! sequence opens it, its counts match a journal prepared with known
//! sessions (with "<k" and "*" where the k rule wants them), a broken flow
//! is refused with its position while the old one runs on, a good one runs
//! from the next session, a session under way is written as abandoned on
//! the way in, a broken prefix acts as the customer's keys, and 60 s
//! without a key go back to the start screen. Waits are on the screen.
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::time::Duration;

use common::kiosk::*;
use common::tempdir;

const ASK: &str = "お茶を飲みますか？";
const HOW_TO: &str = "お茶の入れ方です。";
const NEW_ASK: &str = "紅茶を飲みますか？";
const STAFF_TITLE: &str = "係員画面";

fn record(hour: &str, outcome: &str) -> String {
    let (end, steps) = if outcome == "served" {
        (
            "served",
            r#"[{"id":"ask","answer":"yes","ms":3000,"repeats":0,"help":0},{"id":"how_to","answer":"next","ms":5000,"repeats":1,"help":0},{"id":"served","answer":"none","ms":0,"repeats":0,"help":0}]"#,
        )
    } else {
        (
            "goodbye",
            r#"[{"id":"ask","answer":"no","ms":2000,"repeats":0,"help":0},{"id":"goodbye","answer":"none","ms":0,"repeats":0,"help":0}]"#,
        )
    };
    format!(
        r#"{{"v":1,"flow":"e2e-tea","flow_hash":"00000000","kiosk":"counter","hour":"{hour}","lang":"ja","outcome":"{outcome}","end":"{end}","steps":{steps},"help":0,"back":0,"duration_ms":8000}}"#
    )
}

#[test]
fn the_staff_screen_counts_reloads_and_times_out() {
    let dir = tempdir("kiosk-staff-");
    let flow_path = dir.path().join("flow.toml");
    let good = fs::read_to_string(fixture("flow.toml")).unwrap();
    fs::write(&flow_path, &good).unwrap();
    // Today: 4 served, 2 declined; with k = 3 the 2 is "<3", and the 4 is
    // hidden ("*") so that it cannot be worked out from the 6. A session of
    // 2020 counts neither today nor this week.
    let hour = local_hour();
    let mut lines: Vec<String> = (0..4).map(|_| record(&hour, "served")).collect();
    lines.extend((0..2).map(|_| record(&hour, "declined")));
    lines.push(record("2020-01-06T10", "served"));
    fs::create_dir_all(dir.path().join("journal")).unwrap();
    let journal = dir
        .path()
        .join(format!("journal/journal-{}.jsonl", &hour[..7]));
    fs::write(&journal, lines.join("\n") + "\n").unwrap();
    let flow = flow_path.to_string_lossy().into_owned();
    let mut k = Kiosk::start_in(
        dir,
        &[],
        &format!(
            "flow = \"{flow}\"\nreport_k = 3\nstaff_keys = [\"F11\", \"F11\", \"5\"]\n\
             staff_exit_keys = [\"F12\", \"F12\", \"0\"]\n"
        ),
    );
    k.resize(120, 40);
    k.settled(&[ASK]);

    // On the untouched start the sequence opens the view: the counts are
    // the prepared journal's.
    k.press("F11");
    k.press("F11");
    let screen = k.step(
        "5",
        &[
            STAFF_TITLE,
            "■ 今日",
            "利用: 6",
            "おことわり <3",
            "3未満の件数は「<3」と表示",
            "e2e-tea",
            "[OK] 記録",
        ],
        // The sticking steps are named by their text: not the question's
        // screen, which has the key bar.
        &["1  はい"],
    );
    assert!(
        !screen.contains("利用: 7"),
        "the 2020 session counted:\n{screen}"
    );

    // A broken flow is refused with its position; the old one runs on.
    let broken = good.replacen("yes = \"how_to\"", "yes = \"how_to\"\nnxt = \"served\"", 1);
    let line = broken.lines().position(|l| l.starts_with("nxt")).unwrap() + 1;
    fs::write(&flow_path, broken).unwrap();
    let at = format!("flow.toml:{line}:");
    k.step("2", &["読み込み拒否", &at], &[]);
    k.step("Escape", &[ASK], &[STAFF_TITLE]);
    // The view wrote nothing.
    assert_eq!(k.journal(7).len(), 7);

    // A broken prefix opens nothing and the key after it acts as it would.
    k.press("F11");
    k.press("F11");
    k.step("1", &[HOW_TO], &[STAFF_TITLE]);
    // In a session: the staff keys write it as abandoned and open the view.
    k.press("F11");
    k.press("F11");
    k.step("5", &[STAFF_TITLE], &["1  次へ"]);
    let written = k.journal(8);
    assert!(
        written[7].contains("\"outcome\":\"abandoned\""),
        "{}",
        written[7]
    );
    // Counted again, it is there.
    k.step("5", &["利用: 7"], &[]);
    k.step("Escape", &[ASK], &[STAFF_TITLE]);

    // A good one runs from the next session on.
    fs::write(&flow_path, good.replace(ASK, NEW_ASK)).unwrap();
    k.press("F11");
    k.press("F11");
    k.step("5", &[STAFF_TITLE], &[]);
    k.step("2", &["新しい案内を受け付けました"], &[]);
    k.step("Escape", &[NEW_ASK], &[STAFF_TITLE]);

    // 60 s without a key go back to the start screen.
    k.press("F11");
    k.press("F11");
    k.step("5", &[STAFF_TITLE], &[]);
    k.wait_for(
        "the start screen after 60 s",
        Duration::from_secs(75),
        |s| s.contains(NEW_ASK) && !s.contains(STAFF_TITLE),
    );
    k.assert_alive();
}
