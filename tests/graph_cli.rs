//! `kiosk graph` and the report's flow diagram through the real binary.
//! Every expectation is read from the flow file the test draws (its steps,
//! answers, stages, the key words of its language), never written here, so
//! the tests stay true when the bundled flow is rewritten. The SVG is
//! opened in headless Chromium (installed by scripts/setup, as is Graphviz).
// Test helpers: a failed unwrap here is a failed test (Cargo.toml [lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use counter_kiosk::flow::{self, Flow, LangIx, Phrase, StepIx, StepKind};

const FLOW_FILE: &str = "flows/mfa-login.toml";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn the_flow() -> Flow {
    flow::load_file(&root().join(FLOW_FILE))
        .unwrap()
        .into_result()
        .unwrap()
}

fn kiosk(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kiosk"));
    cmd.args(args).current_dir(root());
    cmd
}

fn ok(mut cmd: Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every answer of the flow: (from, to, kind word in `lang`).
fn answers(flow: &Flow, lang: LangIx) -> Vec<(String, String, String)> {
    let word = |p| flow.phrase(lang, p).to_string();
    let mut all = Vec::new();
    for step in &flow.steps {
        let mut add =
            |to: StepIx, w: String| all.push((step.id.clone(), flow.step(to).id.clone(), w));
        match step.kind {
            StepKind::Question { yes, no } => {
                add(yes, word(Phrase::KeyYes));
                add(no, word(Phrase::KeyNo));
            }
            StepKind::Note { next } | StepKind::Print { next, .. } => {
                add(next, word(Phrase::KeyNext))
            }
            StepKind::Ending { .. } => {}
        }
    }
    all
}

/// Headless Chromium on `url` with `extra` switches, a fresh profile, at
/// most 90 s.
fn chromium(dir: &Path, url: &str, extra: &[String], stdout: Stdio) {
    let profile = tempfile::tempdir_in(dir).unwrap();
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            // Root in CI containers: Chromium's sandbox needs user namespaces.
            "--no-sandbox",
            "--disable-gpu",
            // Containers often have a tiny /dev/shm.
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .env("HOME", dir)
        .stdout(stdout)
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium (Debian package `chromium`, installed by scripts/setup)");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish in 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "chromium failed: {status}");
}

/// The SVG groups of one class (`node`, `edge`) in a DOM dump: each
/// group's `<title>` and the markup up to the next group.
fn groups<'a>(dom: &'a str, class: &str) -> Vec<(String, &'a str)> {
    let marker = format!("class=\"{class}\">");
    let mut found = Vec::new();
    for (at, _) in dom.match_indices(&marker) {
        let rest = &dom[at + marker.len()..];
        let Some(open) = rest.find("<title>") else {
            continue;
        };
        let close = rest.find("</title>").unwrap();
        let title = rest[open + "<title>".len()..close].to_string();
        let end = [
            "class=\"node\">",
            "class=\"edge\">",
            "class=\"cluster\">",
            "</svg>",
        ]
        .iter()
        .filter_map(|m| rest[close..].find(m))
        .min()
        .map_or(rest.len(), |e| close + e);
        found.push((title, &rest[..end]));
    }
    found
}

#[test]
fn the_svg_in_chromium_has_every_step_and_every_labelled_answer() {
    let flow = the_flow();
    let lang = LangIx(0);
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("flow.svg");
    ok({
        let mut cmd = kiosk(&["graph", FLOW_FILE, "--format", "svg", "--out"]);
        cmd.arg(&svg);
        cmd
    });
    let raw = std::fs::read_to_string(&svg).unwrap();
    assert!(raw.contains("font-family=\"Noto Sans CJK JP\""));

    let dom_file = dir.path().join("dom.svg");
    chromium(
        dir.path(),
        &format!("file://{}", svg.display()),
        &["--dump-dom".to_string()],
        Stdio::from(std::fs::File::create(&dom_file).unwrap()),
    );
    let dom = std::fs::read_to_string(&dom_file).unwrap();
    assert!(dom.contains("<svg"), "no SVG in the DOM");

    let nodes = groups(&dom, "node");
    for step in &flow.steps {
        let (_, node) = nodes
            .iter()
            .find(|(t, _)| t == &step.id)
            .unwrap_or_else(|| panic!("step {} is not a node", step.id));
        // The start of its text, in the default language, is drawn.
        let head: String = step.text.get(lang).chars().take(4).collect();
        assert!(node.contains(&head), "{}: no {head:?} in {node}", step.id);
        if let StepKind::Ending { outcome } = step.kind {
            let title = flow.outcomes[outcome].title.get(lang);
            assert!(node.contains(title), "{}: no outcome {title}", step.id);
        }
    }
    let edges = groups(&dom, "edge");
    let expected = answers(&flow, lang);
    for (from, to, word) in &expected {
        assert!(
            raw.contains(&format!("<title>{from}&#45;&gt;{to}</title>")),
            "{from}->{to} missing in the SVG file"
        );
        let title = format!("{from}-&gt;{to}");
        let labelled = edges
            .iter()
            .any(|(t, g)| t == &title && g.contains(&format!(">{word}</text>")));
        assert!(labelled, "no edge {from}->{to} labelled {word} in the DOM");
    }
    // The answers plus the start marker's one arrow, nothing else.
    assert_eq!(edges.len(), expected.len() + 1);
    let start = format!("@start-&gt;{}", flow.step(flow.start).id);
    assert!(edges.iter().any(|(t, _)| t == &start), "start not marked");
    // Stages are clusters titled in file order.
    let mut last = 0;
    for (i, stage) in flow.stages.iter().enumerate() {
        let title = format!(">{} {}</text>", i + 1, stage.title.get(lang));
        let at = dom
            .find(&title)
            .unwrap_or_else(|| panic!("no cluster {title}"));
        assert!(at > last, "stage {} out of order", stage.id);
        last = at;
    }

    // A screenshot Chromium can draw. docs/flow-graph.png is made the same
    // way, with --window-size=998,2992 --force-device-scale-factor=0.9 to
    // stay under 400 KB.
    let png = dir.path().join("flow.png");
    chromium(
        dir.path(),
        &format!("file://{}", svg.display()),
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1100,2900".to_string(),
            "--hide-scrollbars".to_string(),
        ],
        Stdio::null(),
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    assert_eq!(width, 1100);
    assert!(
        bytes.len() > 50_000,
        "a blank screenshot ({} bytes)",
        bytes.len()
    );
}

#[test]
fn english_texts_and_words_with_lang_en() {
    let flow = the_flow();
    let en = flow.lang_ix("en").unwrap();
    let out = ok(kiosk(&[
        "graph", FLOW_FILE, "--format", "dot", "--lang", "en",
    ]));
    let dot = String::from_utf8(out.stdout).unwrap();
    for (_, _, word) in answers(&flow, en) {
        assert!(dot.contains(&format!("[label=\"{word}\"")));
    }
    let head: String = flow
        .step(flow.start)
        .text
        .get(en)
        .chars()
        .take(10)
        .collect();
    assert!(dot.contains(&head));
    let bad = kiosk(&["graph", FLOW_FILE, "--lang", "xx"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no language \"xx\""));
}

/// A PATH with no `dot` on it.
fn without_dot(cmd: &mut Command, dir: &Path) {
    let empty = dir.join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    cmd.env("PATH", &empty);
}

#[test]
fn without_graphviz_dot_still_works_and_svg_says_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let mut dot = kiosk(&["graph", FLOW_FILE, "--format", "dot"]);
    without_dot(&mut dot, dir.path());
    let out = ok(dot);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("digraph "));

    let target = dir.path().join("flow.svg");
    let mut svg = kiosk(&["graph", FLOW_FILE, "--out"]);
    svg.arg(&target);
    without_dot(&mut svg, dir.path());
    let out = svg.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("graphviz") && err.contains("scripts/setup"),
        "{err}"
    );
    assert!(!target.exists(), "a failed layout left a file");
}

/// Shortest path (step indices) from `from` to any ending, yes before no.
fn to_an_ending(flow: &Flow, from: StepIx) -> Vec<StepIx> {
    let mut before: Vec<Option<StepIx>> = vec![None; flow.steps.len()];
    let mut seen = vec![false; flow.steps.len()];
    let mut queue = std::collections::VecDeque::from([from]);
    seen[from.0] = true;
    while let Some(at) = queue.pop_front() {
        let next: Vec<StepIx> = match flow.step(at).kind {
            StepKind::Question { yes, no } => vec![yes, no],
            StepKind::Note { next } | StepKind::Print { next, .. } => vec![next],
            StepKind::Ending { .. } => {
                let mut path = vec![at];
                while let Some(b) = before[path[path.len() - 1].0] {
                    path.push(b);
                }
                path.reverse();
                return path;
            }
        };
        for n in next {
            if !seen[n.0] {
                seen[n.0] = true;
                before[n.0] = Some(at);
                queue.push_back(n);
            }
        }
    }
    panic!("no ending reachable");
}

/// A journal record (DESIGN section 5) walking `path`; `abandon` ends it on
/// its last step as an idle reset instead of reaching an ending.
fn record(flow: &Flow, path: &[StepIx], abandon: bool) -> String {
    let mut steps = Vec::new();
    for (i, at) in path.iter().enumerate() {
        let step = flow.step(*at);
        let answer = match (path.get(i + 1), step.kind) {
            (None, _) => "none",
            (Some(n), StepKind::Question { yes, .. }) if *n == yes => "yes",
            (Some(_), StepKind::Question { .. }) => "no",
            (Some(_), _) => "next",
        };
        steps.push(serde_json::json!({"id": step.id, "answer": answer,
            "ms": if answer == "none" && !abandon { 0 } else { 3000 }, "repeats": 0, "help": 0}));
    }
    let last = flow.step(path[path.len() - 1]);
    let outcome = match last.kind {
        StepKind::Ending { outcome } if !abandon => flow.outcomes[outcome].id.clone(),
        _ => "abandoned".to_string(),
    };
    serde_json::json!({"v": 1, "flow": flow.id, "flow_hash": flow.hash, "kiosk": "counter",
        "hour": "2026-11-24T14", "lang": "ja", "outcome": outcome, "end": last.id,
        "steps": steps, "help": 0, "back": 0, "duration_ms": 3000 * path.len()})
    .to_string()
}

fn report_html(dir: &Path, lines: &[String], extra_env_without_dot: bool) -> String {
    let journal = dir.join("journal.jsonl");
    std::fs::write(&journal, lines.join("\n") + "\n").unwrap();
    let page: PathBuf = dir.join("report.html");
    let mut cmd = kiosk(&[
        "report", "--format", "html", "--lang", "en", "--flow", FLOW_FILE,
    ]);
    cmd.arg(&journal).arg("--out").arg(&page);
    if extra_env_without_dot {
        without_dot(&mut cmd, dir);
    }
    ok(cmd);
    std::fs::read_to_string(page).unwrap()
}

/// The SVG text of the node drawn for `id` in a report page.
fn node_in<'a>(page: &'a str, id: &str) -> &'a str {
    groups(page, "node")
        .into_iter()
        .find(|(t, _)| t == id)
        .map(|(_, g)| g)
        .unwrap_or_else(|| panic!("no node {id}"))
}

#[test]
fn the_report_draws_the_flow_with_counts_under_the_k_rule() {
    let flow = the_flow();
    let main = to_an_ending(&flow, flow.start);
    // A second route: the first question on the main route answered the
    // other way, then the shortest way to an ending.
    let (fork, other) = main
        .iter()
        .enumerate()
        .find_map(|(i, at)| match flow.step(*at).kind {
            StepKind::Question { yes, no } => {
                let other = if main.get(i + 1) == Some(&yes) {
                    no
                } else {
                    yes
                };
                Some((i, other))
            }
            _ => None,
        })
        .expect("a question on the shortest route");
    let mut side = main[..=fork].to_vec();
    side.extend(to_an_ending(&flow, other));

    // Six sessions along the main route, one along the side route, and
    // one left idle on the main route's last step before its ending.
    let left = &main[..main.len() - 1];
    let routes: Vec<(&[StepIx], bool)> = std::iter::repeat_n((&main[..], false), 6)
        .chain([(&side[..], false), (left, true)])
        .collect();
    let lines: Vec<String> = routes
        .iter()
        .map(|(r, idle)| record(&flow, r, *idle))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let page = report_html(dir.path(), &lines, false);
    assert!(page.contains("<svg id=\"chart-flow\""), "no diagram");

    // What each node may say, counted from the records written above
    // with the k rule (k = 5): a count below k as "<5", any count perhaps
    // hidden as "*" (complementary suppression); visits and stops where
    // the step was reached by at least k sessions (no stops on an ending),
    // else only how many reached it.
    let shown = |n: usize| match n {
        0 => "0".to_string(),
        1..5 => "&lt;5".to_string(),
        n => n.to_string(),
    };
    let either = |n: usize| [shown(n), "*".to_string()];
    let mut hidden = 0;
    for (ix, step) in flow.steps.iter().enumerate() {
        let ix = StepIx(ix);
        let visits: usize = routes
            .iter()
            .map(|(r, _)| r.iter().filter(|s| **s == ix).count())
            .sum();
        let reached = routes.iter().filter(|(r, _)| r.contains(&ix)).count();
        let stops = routes
            .iter()
            .filter(|(r, idle)| *idle && r.last() == Some(&ix))
            .count();
        let ending = matches!(step.kind, StepKind::Ending { .. });
        let lines: Vec<String> = if visits == 0 {
            vec!["visits 0</text>".to_string()]
        } else if reached < 5 {
            vec![format!("reached {}</text>", shown(reached))]
        } else if ending {
            either(visits)
                .iter()
                .map(|v| format!("visits {v}</text>"))
                .collect()
        } else {
            either(visits)
                .iter()
                .flat_map(|v| either(stops).map(|st| format!("visits {v} · stops {st}</text>")))
                .collect()
        };
        let node = node_in(&page, &step.id);
        let line = lines.iter().find(|l| node.contains(l.as_str()));
        let line = line.unwrap_or_else(|| panic!("{}: none of {lines:?} in {node}", step.id));
        hidden += usize::from(line.contains("&lt;5"));
    }
    assert!(
        hidden > 0,
        "the journal hid no count: the test shows nothing"
    );
    // The idle session's one stop is a hidden count, not left out.
    let idle_on = node_in(&page, &flow.step(left[left.len() - 1]).id);
    assert!(idle_on.contains("stops &lt;5</text>"), "{idle_on}");
    // No count from 1 to 4 is shown anywhere in the diagram.
    let diagram = &page[page.find("<svg id=\"chart-flow\"").unwrap()..];
    for n in 1..5 {
        assert!(!diagram.contains(&format!("visits {n}<")));
        assert!(!diagram.contains(&format!("reached {n}<")));
        assert!(!diagram.contains(&format!("stops {n}<")));
    }

    // Under k sessions: no diagram numbers at all.
    let small = report_html(dir.path(), &lines[..3], false);
    assert!(!small.contains("visits"), "numbers in an under-k report");

    // Without Graphviz the page still renders, with a one-line note.
    let plain = report_html(dir.path(), &lines, true);
    assert!(!plain.contains("chart-flow"));
    assert!(plain.contains("id=\"flow-missing\""));
    assert!(plain.contains("chart-hours") && plain.ends_with("</html>\n"));
}

/// A flow whose texts hold every character DOT, Graphviz or SVG could
/// misread.
const ODD_FLOW: &str = r#"
[flow]
id = "odd"
start = "ask"
languages = ["en"]
title = { en = "Title \"q\" \\ <b>&amp;" }

[stages.one]
title = { en = "One & <two>" }

[outcomes.done]
title = { en = "Done <ok> & \"fine\"" }

[steps.ask]
stage = "one"
text = { en = "Is it \"on\"? C:\\dir <tag> & more" }
yes = "stop"
no = "stop_too"

[steps.stop]
text = { en = "End <a>" }
end = "done"

[steps.stop_too]
text = { en = "End \\N too" }
end = "done"
"#;

#[test]
fn markup_in_the_texts_reaches_the_svg_escaped_and_well_formed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("odd.toml");
    std::fs::write(&file, ODD_FLOW).unwrap();
    let svg = dir.path().join("odd.svg");
    let mut cmd = kiosk(&["graph", "--out"]);
    cmd.arg(&svg).arg(&file);
    ok(cmd);
    let raw = std::fs::read_to_string(&svg).unwrap();
    for text in [
        "Title &quot;q&quot; \\\u{200b} &lt;b&gt;&amp;amp;",
        "1 One &amp; &lt;two&gt;",
        "Done &lt;ok&gt; &amp; &quot;fine&quot;",
        "&lt;tag&gt; &amp; more",
        "End &lt;a&gt;",
        // A backslash stays a backslash (with a zero-width space after
        // it), not Graphviz's node-name escape.
        "End \\\u{200b}N too",
        "C:\\\u{200b}dir",
    ] {
        assert!(raw.contains(text), "{text:?} not in the SVG:\n{raw}");
    }
    assert!(
        !raw.contains("stop_too too"),
        "\\N was read as the node name"
    );
    for raw_markup in ["<b>", "<two>", "<ok>", "<tag>", "<a>"] {
        assert!(!raw.contains(raw_markup), "{raw_markup} unescaped");
    }
    let dom_file = dir.path().join("dom.svg");
    chromium(
        dir.path(),
        &format!("file://{}", svg.display()),
        &["--dump-dom".to_string()],
        Stdio::from(std::fs::File::create(&dom_file).unwrap()),
    );
    let dom = std::fs::read_to_string(&dom_file).unwrap();
    assert!(!dom.contains("parsererror"), "the SVG is not well-formed");
    assert!(dom.contains("&lt;tag&gt; &amp; more"));
}

#[test]
fn the_dot_of_a_small_flow_is_as_reviewed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("odd.toml");
    std::fs::write(&file, ODD_FLOW).unwrap();
    let mut cmd = kiosk(&["graph", "--format", "dot"]);
    cmd.arg(&file);
    let out = ok(cmd);
    insta::assert_snapshot!("graph_odd_flow_dot", String::from_utf8(out.stdout).unwrap());
}
