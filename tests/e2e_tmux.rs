//! End to end through a real terminal (DESIGN sections 5, 7 and 9): the
//! release `kiosk` binary runs fullscreen inside a private tmux server, keys
//! go in with `send-keys`, the screen comes back with `capture-pane`, and the
//! journal, trace and log are read afterwards.
//!
//! Each test has its own tmux server (its socket in the test's temporary
//! directory, not under /tmp/tmux-UID where killed servers leave theirs) and
//! kills it on the way out, pass or fail. Nothing sleeps blindly: every wait
//! polls the screen against a deadline and fails with the last screen.
//! Keys that must all count go in at least `KEY_GAP` after the previous key's
//! effect was seen, because the kiosk ignores an identical key repeated
//! within 0.5 s (DESIGN section 7).
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::kiosk::*;
use common::WAIT;
use serde_json::Value;

/// The bundled flow (flows/mfa-login.toml).
const TITLE_JA: &str = "ログインの確認コードでお困りの方へ";
const TITLE_EN: &str = "Stuck at the login code";
const WELCOME_JA: &str = "パスワードを入れたあと、確認のコードを";
const WELCOME_EN: &str = "After your password, does the screen ask for a code you cannot get?";

/// The small test flow (tests/e2e/flow.toml).
const TEA_TITLE: &str = "お茶の案内（試験用）";
const ASK: &str = "お茶を飲みますか？";
const HOW_TO: &str = "お茶の入れ方です。";
const HOW_TO_LIST: [&str; 3] = ["・お湯をわかす", "・茶葉を入れる", "・三分まつ"];
const SERVED: &str = "おいしいお茶ができました。";
const GOODBYE: &str = "またのお越しをお待ちしています。";

const IDLE_WARNING: &str = "まだご利用中ですか？";

#[test]
fn sessions_answers_back_and_idle_reset_reach_the_journal() {
    let flow = fixture("flow.toml");
    let mut k = Kiosk::start(
        &["--flow", &flow, "--idle-timeout", "3"],
        "kiosk = \"e2e-counter\"\n",
    );
    let start = k.settled(&[TEA_TITLE, ASK, "1  はい", "2  いいえ", "/  English"]);
    assert!(!start.contains("Tea guide"), "{start}");

    // (a) yes, continue the note, reach an ending; yes shows the start again.
    let mut note_texts = vec![HOW_TO, "1  次へ", "4  戻る"];
    note_texts.extend(HOW_TO_LIST);
    k.step("1", &note_texts, &[ASK]);
    let ending = k.step("Enter", &[SERVED, "1  次へ"], &[HOW_TO]);
    assert!(!ending.contains("戻る"), "no back on an ending:\n{ending}");
    k.press("1");
    k.wait_for("the untouched start screen", WAIT, |s| s == start);

    // (b) yes, back, then no: the other ending; Enter starts again.
    k.step("1", &[HOW_TO], &[ASK]);
    k.step("4", &[ASK, "1  はい"], &[HOW_TO, HOW_TO_LIST[0]]);
    k.step("2", &[GOODBYE], &[ASK]);
    k.press("Enter");
    k.wait_for("the untouched start screen", WAIT, |s| s == start);

    // (c) one key, then nothing: the warning with its countdown, then the
    // start screen exactly as the next customer must find it.
    k.press("1");
    let pressed = Instant::now();
    k.wait_screen(&[HOW_TO], &[ASK]);
    let mut seen: Vec<u32> = Vec::new();
    let mut warned_at = None;
    let deadline = pressed + Duration::from_secs(6) + WAIT;
    let reset_at = loop {
        let screen = k.screen();
        if screen == start {
            break Instant::now();
        }
        if let Some(seconds) = countdown(&screen) {
            assert!(screen.contains(IDLE_WARNING), "{screen}");
            warned_at.get_or_insert_with(Instant::now);
            if seen.last() != Some(&seconds) {
                seen.push(seconds);
            }
        }
        assert!(
            Instant::now() < deadline,
            "no idle reset; last screen:\n{screen}"
        );
        sleep(POLL);
    };
    let warned_at = warned_at.expect("the idle warning never showed");
    // Each phase lasts the idle timeout (3 s): not less, and not much more
    // (ratatui's `Terminal::clear` once held the reset back 2 s).
    let phases = [warned_at - pressed, reset_at - warned_at];
    assert!(
        phases
            .iter()
            .all(|p| (2500..=4200).contains(&p.as_millis())),
        "warning after {:?}, reset {:?} later",
        phases[0],
        phases[1]
    );
    assert!(
        seen.len() >= 2
            && seen.windows(2).all(|w| w[0] > w[1])
            && seen.iter().all(|s| (1..=3).contains(s)),
        "countdown seen: {seen:?}"
    );

    let lines = k.journal(3);
    let hash = flow_hash(&flow);
    let expect = |outcome, path, back| Expect {
        flow: "e2e-tea",
        hash: &hash,
        kiosk: "e2e-counter",
        lang: "ja",
        outcome,
        path,
        help: 0,
        back,
    };
    check_record(
        &k,
        &lines[0],
        &expect("served", &["ask yes", "how_to next", "served none"], 0),
    );
    check_record(
        &k,
        &lines[1],
        &expect(
            "declined",
            &["ask yes", "how_to back", "ask no", "goodbye none"],
            1,
        ),
    );
    let abandoned = check_record(
        &k,
        &lines[2],
        &expect("abandoned", &["ask yes", "how_to none"], 0),
    );
    // The idle wait is not counted: the visit stops at the warning.
    let ms = abandoned["steps"][1]["ms"].as_u64().unwrap();
    assert!((2900..=3100).contains(&ms), "{}", lines[2]);

    // SIGTERM on the untouched start screen: exit 0 and no record.
    k.signal("TERM");
    let (code, screen) = k.wait_exit();
    assert_eq!(code, 0, "{screen}");
    k.assert_restored(&screen, &[TEA_TITLE, ASK]);
    k.journal(3);

    // The trace (DESIGN section 9): a start line, every key, frames, and
    // silent speech including the idle warning.
    let trace = k.trace();
    assert_eq!(trace[0]["t_us"], 0, "{}", trace[0]);
    assert_eq!(trace[0]["ev"], "start", "{}", trace[0]);
    assert!(trace[0]["mono_ns"].as_u64().unwrap() > 0);
    assert!(trace.iter().all(|e| e["t_us"].is_u64()));
    assert_eq!(
        trace_keys(&trace),
        ["1", "Enter", "1", "1", "4", "2", "Enter", "1"]
    );
    assert!(trace.iter().filter(|e| e["ev"] == "frame").count() >= 8);
    let speaks: Vec<&Value> = trace.iter().filter(|e| e["ev"] == "speak").collect();
    assert!(speaks.iter().all(|e| e["backend"] == "none"));
    assert!(speaks.iter().any(|e| e["kind"] == "idle"));
}

#[test]
fn bundled_flow_in_japanese_then_english_by_the_language_key() {
    // The story's own customer: the code goes to his wife's phone, and she
    // is here with him.
    let mut k = Kiosk::start(&[], "");
    let start = k.settled(&[
        TITLE_JA,
        "第1段階 / 3",
        "状況の確認（約3分）",
        WELCOME_JA,
        "1  はい",
        "2  いいえ",
        "/  English",
        "[音声なし]",
    ]);
    walk(
        &mut k,
        WELCOME_JA,
        &[
            (
                "1",
                &[
                    "同じところで困る方は、たくさんいます。",
                    "・まず、状況を確かめます。約3分です",
                    "1  次へ",
                    "4  戻る",
                ],
            ),
            ("Enter", &["ご家族や知り合いの方が、一緒に来ていますか"]),
            ("2", &["何度も失敗して、ロックされたと出ていますか？"]),
            (
                "2",
                &[
                    "これは二段階認証という仕組みです。",
                    "・携帯にSMSで届くコード",
                ],
            ),
            ("1", &["コードは、スマホの認証アプリに出るものですか？"]),
            ("2", &["コードは、ご本人の携帯電話に届く設定ですか？"]),
            // Two repeats offer help; help shows the key guide; a no closes
            // it and answers.
            ("0", &["コードは、ご本人の携帯電話に届く設定ですか？"]),
            (
                "0",
                &[
                    "コードは、ご本人の携帯電話に届く設定ですか？",
                    "わからないときは 9 を押してください。",
                ],
            ),
        ],
    );
    let guide = "9 もう一度押すと係の者を呼びます";
    k.step("9", &["1 はい・次へ", guide], &[]);
    let family = "コードは、ご家族の携帯、たとえば奥さまや";
    k.step("2", &[family], &["ご本人の携帯電話に届く", guide]);
    walk(
        &mut k,
        family,
        &[
            ("1", &["その携帯を持っているご家族は、今ここにいますか？"]),
            (
                "1",
                &[
                    "ログインしたら、ご家族にメッセージを開いて",
                    "・10分待ちます。終わったら 1 を押してください",
                ],
            ),
            ("1", &["コードを入れて、先に進めましたか？"]),
            ("1", &["ログインできました。今のうちに"]),
            ("1", &["お薬手帳のように「認証手帳」を作り"]),
            ("1", &["次からは、ご自分で進められそうですか？"]),
            ("1", &["これで完了です。お疲れさまでした。"]),
        ],
    );
    assert!(!k.screen().contains("戻る"), "no back on an ending");
    k.press("1");
    k.wait_for("the untouched start screen", WAIT, |s| s == start);

    // The next customer switches to English with the language key.
    walk(
        &mut k,
        WELCOME_JA,
        &[
            (
                "/",
                &[
                    WELCOME_EN,
                    TITLE_EN,
                    "Stage 1 of 3",
                    "1  Yes",
                    "2  No",
                    "/  日本語",
                    "[no voice]",
                ],
            ),
            (
                "2",
                &["For anything else, please ask the staff at the counter."],
            ),
        ],
    );
    // And the one after that finds Japanese again.
    k.press("1");
    k.wait_for("the untouched start screen", WAIT, |s| s == start);

    let lines = k.journal(2);
    let hash = flow_hash(&format!(
        "{}/flows/mfa-login.toml",
        env!("CARGO_MANIFEST_DIR")
    ));
    check_record(
        &k,
        &lines[0],
        &Expect {
            flow: "mfa-login",
            hash: &hash,
            kiosk: "counter",
            lang: "ja",
            outcome: "resolved",
            path: &[
                "welcome yes",
                "not_alone next",
                "helper_q no",
                "locked_out no",
                "about_mfa next",
                "code_app no",
                "own_mobile no 2 1",
                "family_mobile yes",
                "family_here yes",
                "family_together next",
                "sms_worked yes",
                "prevent_settings next",
                "notebook next",
                "feel_sure yes",
                "done_resolved none",
            ],
            help: 1,
            back: 0,
        },
    );
    let english = check_record(
        &k,
        &lines[1],
        &Expect {
            flow: "mfa-login",
            hash: &hash,
            kiosk: "counter",
            lang: "en",
            outcome: "staff",
            path: &["welcome no", "other_trouble none"],
            help: 0,
            back: 0,
        },
    );
    // The session began with the language key, a full gap before the no.
    assert!(
        english["steps"][0]["ms"].as_u64().unwrap() >= 600,
        "{english}"
    );
}

#[test]
fn bundled_flow_in_english_from_the_command_line() {
    // Locked out after too many tries: straight to the helpline, with the
    // helper's tips first and a line that is closed now.
    let mut k = Kiosk::start(&["--lang", "en"], "");
    let start = k.settled(&[
        TITLE_EN,
        "Stage 1 of 3",
        WELCOME_EN,
        "1  Yes",
        "2  No",
        "/  日本語",
    ]);
    walk(
        &mut k,
        WELCOME_EN,
        &[
            (
                "1",
                &[
                    "Many people get stuck right here.",
                    "First, we check the situation: about 3 minutes",
                    "1  Next",
                    "4  Back",
                ],
            ),
            (
                "1",
                &["Has a family member or a friend come with you today?"],
            ),
            (
                "1",
                &[
                    "For the person helping you, please:",
                    "Look together, slowly, at where the screen stopped",
                ],
            ),
            (
                "4",
                &["Has a family member or a friend come with you today?"],
            ),
            ("1", &["For the person helping you, please:"]),
            (
                "Enter",
                &["And please do not:", "Ask for the password out loud"],
            ),
            ("1", &["Does the screen say the account is locked"]),
            (
                "1",
                &[
                    "Without logging in, you cannot change this setting",
                    "Stage 3 of 3",
                    "The shop cannot unlock your account or check who you are",
                ],
            ),
            ("1", &["Do you usually hear people well on the phone?"]),
            (
                "2",
                &[
                    "If phone calls are hard to hear, you can:",
                    "Use the speaker, with family or our staff listening too",
                ],
            ),
            (
                "1",
                &["Do you have the phone number of the service's helpline?"],
            ),
            (
                "2",
                &[
                    "You can find the helpline number:",
                    "On the back of your card or bankbook",
                ],
            ),
            (
                "1",
                &[
                    "Before you call, have these ready",
                    "Never give the password, not even to them",
                ],
            ),
            ("1", &["Opening hours differ for each service."]),
            (
                "2",
                &[
                    "If the line is closed, call tomorrow",
                    "Our staff can help you get ready and make the call",
                ],
            ),
        ],
    );
    let ending = k.screen();
    assert!(!ending.contains("Back"), "{ending}");
    k.press("Enter");
    k.wait_for("the untouched start screen", WAIT, |s| s == start);

    let lines = k.journal(1);
    let hash = flow_hash(&format!(
        "{}/flows/mfa-login.toml",
        env!("CARGO_MANIFEST_DIR")
    ));
    check_record(
        &k,
        &lines[0],
        &Expect {
            flow: "mfa-login",
            hash: &hash,
            kiosk: "counter",
            lang: "en",
            outcome: "referred",
            path: &[
                "welcome yes",
                "not_alone next",
                "helper_q yes",
                "helper_do back",
                "helper_q yes",
                "helper_do next",
                "helper_dont next",
                "locked_out yes",
                "support_why next",
                "can_hear no",
                "hearing_help next",
                "have_number no",
                "find_number next",
                "call_ready next",
                "call_hours no",
                "line_closed none",
            ],
            help: 0,
            back: 1,
        },
    );
}

#[test]
fn ctrl_keys_do_nothing_and_sigterm_writes_abandoned_and_restores() {
    let flow = fixture("flow.toml");
    let mut k = Kiosk::start(&["--flow", &flow], "");
    k.settled(&[ASK]);
    k.step("1", &[HOW_TO], &[ASK]);
    let note = k.settled(&[HOW_TO]);
    for (i, key) in ["C-c", "C-z", "C-\\"].into_iter().enumerate() {
        k.press(key);
        // Read as a key (the "1" before it was the first), not a signal.
        k.wait_keys_read(2 + i);
        assert_eq!(k.screen(), note, "after {key}");
        k.assert_alive();
    }
    // Still taking keys after them.
    k.step("4", &[ASK], &[HOW_TO]);
    k.step("1", &[HOW_TO], &[ASK]);

    k.signal("TERM");
    let (code, screen) = k.wait_exit();
    assert_eq!(code, 0, "{screen}");
    k.assert_restored(&screen, &[TEA_TITLE, HOW_TO]);
    let lines = k.journal(1);
    check_record(
        &k,
        &lines[0],
        &Expect {
            flow: "e2e-tea",
            hash: &flow_hash(&flow),
            kiosk: "counter",
            lang: "ja",
            outcome: "abandoned",
            path: &["ask yes", "how_to back", "ask yes", "how_to none"],
            help: 0,
            back: 1,
        },
    );
    // They arrived as keys (raw mode), not as signals. Ctrl-\ is byte 0x1c,
    // which crossterm reads as Ctrl-4: the kiosk names it as typed.
    let keys = trace_keys(&k.trace());
    assert_eq!(keys[..3], ["1", "Ctrl-c", "Ctrl-z"], "{keys:?}");
    assert!(keys[3] == "Ctrl-\\", "{keys:?}");
    assert_eq!(keys[4..], ["4", "1"], "{keys:?}");
}

#[test]
fn the_staff_exit_sequence_exits_64_and_restores() {
    let flow = fixture("flow.toml");
    let mut k = Kiosk::start(
        &["--flow", &flow],
        "staff_exit_keys = [\"F12\", \"F12\", \"0\"]\n",
    );
    k.settled(&[ASK]);
    // Part of the sequence does nothing.
    k.press("F12");
    k.wait_keys_read(1);
    k.assert_alive();
    k.wait_screen(&[ASK], &[]);
    for key in ["F12", "F12", "0"] {
        k.press(key);
    }
    let (code, screen) = k.wait_exit();
    assert_eq!(code, 64, "{screen}");
    k.assert_restored(&screen, &[TEA_TITLE, ASK]);
    // The staff's F12s are no customer: no session, so nothing to write.
    assert!(k.journal(0).is_empty());
}

/// A tiny deterministic generator (xorshift64), so a failure replays.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        usize::try_from(x % n as u64).unwrap()
    }
}

/// tmux key names: the key map's keys, other letters, the NumLock-off
/// keypad, F-keys and the Ctrl keys a kiosk must shrug off. (No `;`: tmux
/// takes a lone one as a command separator.)
const MASH_KEYS: &[&str] = &[
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "y", "n", "r", "p", "b", "h", "l", "a", "q",
    "x", "Y", "N", "*", ".", "/", "+", "-", "[", "]", "?", "Space", "Enter", "Escape", "BSpace",
    "Tab", "BTab", "Up", "Down", "Left", "Right", "Home", "End", "PageUp", "PageDown", "IC", "DC",
    "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12", "C-c", "C-z",
    "C-\\", "M-[", "M-O", "M-1", "M-x", "M-Enter", "M-Escape", "M-[", "M-O",
];

/// Raw byte strings a keypad never sends: truncated escape sequences and an
/// empty paste (sent with `send-keys -H` among the keys).
const MASH_BYTES: &[&[&str]] = &[
    &["1b", "5b"],
    &["1b", "5b", "32"],
    &["1b", "5b", "3f", "31"],
    &["1b", "4f"],
    &["1b", "5b", "5b"],
    // A paste with nothing in it (one with no end would, by design, take
    // the keys that follow until 0.3 s of quiet: tests/e2e_faults.rs).
    &[
        "1b", "5b", "32", "30", "30", "7e", "1b", "5b", "32", "30", "31", "7e",
    ],
    &["1b", "5b", "31", "3b", "35"],
];

#[test]
fn key_mashing_and_resizing_leave_it_alive_and_responsive() {
    let mut k = Kiosk::start(&["--idle-timeout", "600"], "");
    k.settled(&[TITLE_JA, WELCOME_JA]);
    // Below 60x16: "too small", in every language.
    k.resize(40, 10);
    k.wait_screen(&["画面が小さすぎます / Screen too small"], &[TITLE_JA]);
    k.resize(80, 24);
    k.wait_screen(&[TITLE_JA, WELCOME_JA], &["画面が小さすぎます"]);

    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    let tiny = [
        (1, 1),
        (20, 5),
        (59, 15),
        (60, 16),
        (1, 60),
        (200, 1),
        (200, 60),
    ];
    let (total, batch) = (5000, 50);
    for round in 0..total / batch {
        let keys: Vec<&str> = (0..batch)
            .map(|_| MASH_KEYS[rng.below(MASH_KEYS.len())])
            .collect();
        k.send(&keys);
        if round % 3 == 0 {
            let bytes = MASH_BYTES[rng.below(MASH_BYTES.len())];
            let mut args = vec!["send-keys", "-t", k.session, "-H"];
            args.extend_from_slice(bytes);
            k.tmux(&args);
        }
        let (w, h) = match tiny.get(round / 7).filter(|_| round % 7 == 0) {
            Some(&size) => size,
            None => (1 + rng.below(200) as u16, 1 + rng.below(60) as u16),
        };
        k.resize(w, h);
    }

    // Back to a normal size; end any half-read escape sequence, cancel a
    // start-over dialog, and look for the title in either language.
    k.resize(80, 24);
    k.last_key = Some(Instant::now());
    for key in ["x", "Escape", "2"] {
        k.press(key);
    }
    let title = |s: &str| s.contains(TITLE_JA) || s.contains(TITLE_EN);
    let screen = k.wait_for("the flow title", 3 * WAIT, title);
    k.assert_alive();
    // Responsive: the language key flips the title.
    let other = if screen.contains(TITLE_JA) {
        TITLE_EN
    } else {
        TITLE_JA
    };
    k.step("/", &[other], &[]);
    // And `1` still answers (or continues, or starts the next customer):
    // whatever it meets, the screen changes.
    let before = k.settled(&[other]);
    k.press("1");
    k.wait_for("a change after 1", WAIT, |s| s != before);
    let log = k.log();
    assert!(!log.contains("panicked"), "kiosk.log:\n{log}");

    k.signal("TERM");
    let (code, screen) = k.wait_exit();
    assert_eq!(code, 0, "{screen}");
    k.assert_restored(&screen, &[TITLE_JA, TITLE_EN]);
    // The kiosk read the mashing (an Escape fuses with the key after it).
    let read = trace_keys(&k.trace()).len();
    eprintln!("mashing: {read} key events read");
    assert!(read >= total * 9 / 10, "only {read} key events read");
    // Whatever sessions the mashing made, every record is whole.
    let mut records = 0;
    let dir = k.path("journal");
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "jsonl") {
            for line in fs::read_to_string(&path).unwrap().lines() {
                let record: Value = serde_json::from_str(line).unwrap();
                let steps = record["steps"].as_array().unwrap();
                assert_eq!(record["end"], steps.last().unwrap()["id"], "{line}");
                records += 1;
            }
        }
    }
    eprintln!("mashing: {records} journal records");
    assert!(records > 0, "the mashing never ended a session");
}
