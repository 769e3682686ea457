//! The flow as Graphviz DOT text: one node per step (its short text, its
//! id, and an optional extra line such as the report's counts), one edge
//! per yes / no / next, a cluster per stage in file order, endings drawn
//! as a distinct shape with their outcome's title, and the start marked.
//! Pure: no IO, so every rule is unit-tested on the text.

use std::fmt::Write;

use unicode_width::UnicodeWidthChar;

use crate::flow::{Flow, LangIx, Phrase, StepKind};

/// The font every text is drawn in; `fonts-noto-cjk` (scripts/setup) has
/// it, so Japanese renders.
pub const FONT: &str = "Noto Sans CJK JP";
/// A step's text is cut to this many terminal columns (24 full-width
/// characters) with "…", and wrapped at half of it.
pub const TEXT_COLUMNS: usize = 48;
const LINE_COLUMNS: usize = 24;
/// The start marker's node name: `@` is never in a step id.
pub const START_NODE: &str = "@start";

/// Outcome colours, in outcome order (the report's palette).
const OUTCOME_COLORS: [&str; 8] = [
    "#2f9e44", "#e08a00", "#1b6ca8", "#c92a2a", "#7048e8", "#0b7285", "#868e96", "#a61e4d",
];

/// The DOT text of `flow` in `lang`. `extra`, indexed like `flow.steps`,
/// adds one bold line under a step's text (already made safe by the caller
/// only in the sense of being plain text: it is escaped here).
pub fn to_dot(flow: &Flow, lang: LangIx, extra: &[Option<String>]) -> String {
    let mut d = String::new();
    let font = quoted(FONT);
    let _ = writeln!(d, "digraph {} {{", quoted(&flow.id));
    let _ = writeln!(
        d,
        "  graph [rankdir=TB, fontname={font}, fontsize=18, labelloc=t, label={}, nodesep=0.25, ranksep=0.35, newrank=true];",
        quoted(flow.title.get(lang))
    );
    let _ = writeln!(
        d,
        "  node [fontname={font}, fontsize=12, shape=box, style=\"rounded,filled\", fillcolor=\"#eef4fb\", color=\"#1b6ca8\", margin=\"0.14,0.1\"];"
    );
    let _ = writeln!(
        d,
        "  edge [fontname={font}, fontsize=11, color=\"#444444\"];"
    );
    let _ = writeln!(
        d,
        "  {} [shape=circle, style=filled, fillcolor=\"#1b6ca8\", fontcolor=white, color=\"#1b6ca8\", width=0.3, label=\"\"];",
        quoted(START_NODE)
    );

    // Stages first, in file order, each with its steps; then the steps
    // that have no stage.
    for (si, stage) in flow.stages.iter().enumerate() {
        let _ = writeln!(d, "  subgraph {} {{", quoted(&format!("cluster_{si}")));
        let _ = writeln!(
            d,
            "    label={}; style=\"rounded,dashed\"; color=\"#888888\"; fontsize=14; labeljust=l;",
            quoted(&format!("{} {}", si + 1, stage.title.get(lang)))
        );
        for (ix, step) in flow.steps.iter().enumerate() {
            if step.stage == Some(si) {
                node(&mut d, "    ", flow, lang, ix, extra);
            }
        }
        d.push_str("  }\n");
    }
    for (ix, step) in flow.steps.iter().enumerate() {
        if step.stage.is_none() {
            node(&mut d, "  ", flow, lang, ix, extra);
        }
    }

    let _ = writeln!(
        d,
        "  {} -> {} [penwidth=2, color=\"#1b6ca8\"];",
        quoted(START_NODE),
        quoted(&flow.step(flow.start).id)
    );
    let yes = quoted(flow.phrase(lang, Phrase::KeyYes));
    let no = quoted(flow.phrase(lang, Phrase::KeyNo));
    let next = quoted(flow.phrase(lang, Phrase::KeyNext));
    for step in &flow.steps {
        let from = quoted(&step.id);
        match step.kind {
            StepKind::Question { yes: y, no: n } => {
                let _ = writeln!(
                    d,
                    "  {from} -> {} [label={yes}, color=\"#2f9e44\", fontcolor=\"#2b8a3e\"];",
                    quoted(&flow.step(y).id)
                );
                let _ = writeln!(
                    d,
                    "  {from} -> {} [label={no}, color=\"#c92a2a\", fontcolor=\"#c92a2a\", style=dashed];",
                    quoted(&flow.step(n).id)
                );
            }
            StepKind::Note { next: n } | StepKind::Print { next: n, .. } => {
                let _ = writeln!(
                    d,
                    "  {from} -> {} [label={next}];",
                    quoted(&flow.step(n).id)
                );
            }
            StepKind::Ending { .. } => {}
        }
    }
    d.push_str("}\n");
    d
}

fn node(
    d: &mut String,
    indent: &str,
    flow: &Flow,
    lang: LangIx,
    ix: usize,
    extra: &[Option<String>],
) {
    let Some(step) = flow.steps.get(ix) else {
        return;
    };
    let mut label = format!(
        "<FONT POINT-SIZE=\"9\" COLOR=\"#555555\">{}</FONT>",
        html(&step.id)
    );
    let mut attrs = String::new();
    match step.kind {
        StepKind::Question { .. } => {}
        StepKind::Note { .. } | StepKind::Print { .. } => {
            attrs.push_str(", shape=note, style=filled, fillcolor=\"#fff9db\", color=\"#8a6d00\"");
        }
        StepKind::Ending { outcome } => {
            let color = OUTCOME_COLORS[outcome % OUTCOME_COLORS.len()];
            let title = flow.outcomes.get(outcome).map_or("", |o| o.title.get(lang));
            let _ = write!(
                attrs,
                ", shape=doubleoctagon, style=filled, fillcolor=\"#ffffff\", color=\"{color}\", penwidth=2"
            );
            let _ = write!(
                label,
                "<BR/><B><FONT COLOR=\"{color}\">■ {}</FONT></B>",
                html(title)
            );
        }
    }
    if ix == flow.start.0 {
        attrs.push_str(", penwidth=3");
    }
    for line in wrap(&shorten(step.text.get(lang), TEXT_COLUMNS), LINE_COLUMNS) {
        let _ = write!(label, "<BR/>{}", html(&line));
    }
    if let Some(Some(more)) = extra.get(ix) {
        let _ = write!(label, "<BR/><B>{}</B>", html(more));
    }
    let _ = writeln!(
        d,
        "{indent}{} [label=<{label}>, tooltip={}{attrs}];",
        quoted(&step.id),
        quoted(step.text.get(lang))
    );
}

/// Graphviz reads `\N`, `\G`, `\E`, `\L`, … in any label or tooltip as the
/// node's name, the graph's name and so on, even after `\\`, in an
/// HTML-like label and through `&#92;`; a zero-width space after every
/// backslash is the one form it leaves alone (seen with Graphviz 2.43).
const AFTER_BACKSLASH: char = '\u{200b}';

/// A DOT quoted string: `"` and `\` escaped (each backslash also followed
/// by [`AFTER_BACKSLASH`]), line breaks made spaces, and `& < >` as
/// entities, which Graphviz passes into its SVG as they are.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => {
                out.push_str("\\\\");
                out.push(AFTER_BACKSLASH);
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Line breaks and any other control character (not allowed in
            // SVG text) as a space.
            c if c.is_control() => out.push(' '),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text inside a Graphviz HTML-like label: markup characters as entities,
/// a backslash followed by [`AFTER_BACKSLASH`].
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => {
                out.push('\\');
                out.push(AFTER_BACKSLASH);
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Line breaks and any other control character (not allowed in
            // SVG text) as a space.
            c if c.is_control() => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

fn columns(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// `s` cut to `max` columns, ending in "…" when cut.
pub fn shorten(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().map(columns).sum::<usize>() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = columns(c);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// `s` in lines of at most `max` columns, broken at a space where the line
/// has one (English), else between characters (Japanese).
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = columns(c);
        // Closing punctuation and "…" never start a line (kinsoku): they
        // hang one column past the end instead.
        let hangs = "、。，．,.？！?!）」』…".contains(c);
        if used + w > max && !line.is_empty() && !hangs {
            let rest = match line.rfind(' ') {
                Some(at) if c != ' ' => {
                    let rest = line[at + 1..].to_string();
                    line.truncate(at);
                    rest
                }
                _ => String::new(),
            };
            lines.push(std::mem::take(&mut line));
            line = rest;
            used = line.chars().map(columns).sum();
            if c == ' ' {
                continue;
            }
        }
        line.push(c);
        used += w;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{load_source, Flow};

    const SMALL: &str = r#"
[flow]
id = "tiny"
start = "ask"
languages = ["en"]
title = { en = "Say \"hi\" \\ <b>&" }

[stages.first]
title = { en = "First & <one>" }

[stages.second]
title = { en = "Second \"two\"" }

[outcomes.done]
title = { en = "Done <ok>" }

[steps.ask]
stage = "second"
text = { en = "Is it \"on\"? C:\\path <tag> & more" }
yes = "tell"
no = "stop"

[steps.tell]
stage = "first"
text = { en = "A note" }
next = "stop"

[steps.stop]
text = { en = "The end" }
end = "done"
"#;

    fn small() -> Flow {
        let loaded = load_source("tiny.toml", SMALL);
        let errors: Vec<String> = loaded.errors().map(ToString::to_string).collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        loaded.flow.unwrap()
    }

    #[test]
    fn every_step_is_a_node_and_every_answer_an_edge_with_its_label() {
        for flow in [small(), Flow::bundled().unwrap()] {
            for (li, _) in flow.languages.iter().enumerate() {
                let lang = LangIx(li);
                let dot = to_dot(&flow, lang, &[]);
                let yes = quoted(flow.phrase(lang, Phrase::KeyYes));
                let no = quoted(flow.phrase(lang, Phrase::KeyNo));
                let next = quoted(flow.phrase(lang, Phrase::KeyNext));
                for step in &flow.steps {
                    let node = format!("{} [label=<", quoted(&step.id));
                    assert_eq!(dot.matches(&node).count(), 1, "node {}", step.id);
                    let edge = |to: crate::flow::StepIx, label: &str| {
                        let e = format!(
                            "{} -> {} [label={label}",
                            quoted(&step.id),
                            quoted(&flow.step(to).id)
                        );
                        assert!(dot.contains(&e), "missing {e}");
                    };
                    match step.kind {
                        StepKind::Question { yes: y, no: n } => {
                            edge(y, &yes);
                            edge(n, &no);
                        }
                        StepKind::Note { next: n } | StepKind::Print { next: n, .. } => {
                            edge(n, &next)
                        }
                        StepKind::Ending { .. } => {
                            assert!(!dot.contains(&format!("{} ->", quoted(&step.id))));
                        }
                    }
                }
                let edges = dot.matches(" -> ").count();
                let answers: usize = flow
                    .steps
                    .iter()
                    .map(|s| match s.kind {
                        StepKind::Question { .. } => 2,
                        StepKind::Note { .. } | StepKind::Print { .. } => 1,
                        StepKind::Ending { .. } => 0,
                    })
                    .sum();
                // Plus the start marker's edge.
                assert_eq!(edges, answers + 1);
                let start = format!(
                    "{} -> {}",
                    quoted(START_NODE),
                    quoted(&flow.step(flow.start).id)
                );
                assert!(dot.contains(&start));
            }
        }
    }

    #[test]
    fn japanese_labels_are_the_key_words_and_the_font_is_cjk() {
        let flow = Flow::bundled().unwrap();
        let dot = to_dot(&flow, LangIx(0), &[]);
        assert!(dot.contains("[label=\"はい\""));
        assert!(dot.contains("[label=\"いいえ\""));
        assert!(dot.contains("[label=\"次へ\""));
        assert!(dot.contains("fontname=\"Noto Sans CJK JP\""));
        let en = to_dot(&flow, LangIx(1), &[]);
        assert!(en.contains("[label=\"Yes\""));
    }

    #[test]
    fn quotes_backslashes_and_markup_are_escaped() {
        let dot = to_dot(&small(), LangIx(0), &[]);
        // The graph title, a quoted string.
        assert!(
            dot.contains("label=\"Say \\\"hi\\\" \\\\\u{200b} &lt;b&gt;&amp;\""),
            "{dot}"
        );
        // A cluster title.
        assert!(dot.contains(r#"label="1 First &amp; &lt;one&gt;""#));
        assert!(dot.contains(r#"label="2 Second \"two\"""#));
        // The step text inside an HTML-like label, and as the tooltip.
        assert!(
            dot.contains("Is it &quot;on&quot;? C:\\\u{200b}path<BR/>&lt;tag&gt; &amp; more"),
            "{dot}"
        );
        assert!(
            dot.contains("tooltip=\"Is it \\\"on\\\"? C:\\\\\u{200b}path &lt;tag&gt; &amp; more\"")
        );
        // The outcome title.
        assert!(dot.contains("■ Done &lt;ok&gt;"));
        // No raw markup from the content survives anywhere.
        assert!(!dot.contains("<tag>") && !dot.contains("<b>") && !dot.contains("<one>"));
        assert_eq!(quoted("a\nb\\"), "\"a b\\\\\u{200b}\"");
        assert_eq!(html("C:\\N"), "C:\\\u{200b}N");
        assert_eq!(html("<&>\"'"), "&lt;&amp;&gt;&quot;&#39;");
        assert_eq!(quoted("a\u{1}b\u{7f}"), "\"a b \"");
        assert_eq!(html("a\u{1b}b"), "a b");
    }

    #[test]
    fn clusters_follow_the_file_order_of_stages_and_hold_their_steps() {
        for flow in [small(), Flow::bundled().unwrap()] {
            let dot = to_dot(&flow, LangIx(0), &[]);
            let mut last = 0;
            for (si, stage) in flow.stages.iter().enumerate() {
                let head = format!("subgraph \"cluster_{si}\" {{");
                let at = dot.find(&head).unwrap();
                assert!(at >= last, "cluster {si} out of order");
                let body = &dot[at..at + dot[at..].find("\n  }\n").unwrap()];
                assert!(body.contains(&quoted(&format!(
                    "{} {}",
                    si + 1,
                    stage.title.get(LangIx(0))
                ))));
                for step in &flow.steps {
                    let node = format!("{} [label=<", quoted(&step.id));
                    assert_eq!(body.contains(&node), step.stage == Some(si), "{}", step.id);
                }
                last = at;
            }
        }
        let dot = to_dot(&small(), LangIx(0), &[]);
        assert!(dot.find("\"1 First").unwrap() < dot.find("\"2 Second").unwrap());
    }

    #[test]
    fn endings_show_their_outcome_and_the_start_is_marked() {
        let flow = small();
        let dot = to_dot(&flow, LangIx(0), &[]);
        let stop = dot.lines().find(|l| l.starts_with("  \"stop\" [")).unwrap();
        assert!(stop.contains("shape=doubleoctagon") && stop.contains("Done"));
        let ask = dot.lines().find(|l| l.contains("\"ask\" [label")).unwrap();
        assert!(ask.contains("penwidth=3"));
        let tell = dot.lines().find(|l| l.contains("\"tell\" [label")).unwrap();
        assert!(tell.contains("shape=note") && !tell.contains("penwidth=3"));
    }

    #[test]
    fn the_extra_line_is_escaped_and_only_where_given() {
        let flow = small();
        let extra = vec![Some("visits <5 · stops 0".to_string()), None, None];
        let dot = to_dot(&flow, LangIx(0), &extra);
        assert!(dot.contains("<B>visits &lt;5 · stops 0</B>"));
        assert_eq!(dot.matches("visits").count(), 1);
    }

    #[test]
    fn long_texts_are_cut_and_wrapped_by_width() {
        let ja = "ログインの二段階認証で、先に進めずお困りですか？ほかにもいろいろ";
        let short = shorten(ja, TEXT_COLUMNS);
        assert!(short.ends_with('…'));
        let width: usize = short.chars().map(columns).sum();
        assert!(width <= TEXT_COLUMNS, "{width}");
        let lines = wrap(&short, LINE_COLUMNS);
        assert_eq!(lines.len(), 2);
        assert!(lines
            .iter()
            .all(|l| l.chars().map(columns).sum::<usize>() <= LINE_COLUMNS + 2));
        assert_eq!(lines.concat(), short);
        // Punctuation hangs at the end of a line rather than opening one.
        let hung = wrap("分からなくても大丈夫です。メールで", LINE_COLUMNS);
        assert_eq!(hung, vec!["分からなくても大丈夫です。", "メールで"]);
        assert!(wrap(
            &shorten(
                "ログインして、SMSで届いたコードを入れ、先に進めましたか？",
                TEXT_COLUMNS
            ),
            LINE_COLUMNS
        )
        .iter()
        .all(|l| !l.starts_with('…')));
        assert_eq!(shorten("Short", TEXT_COLUMNS), "Short");
        let en = wrap("Are you stuck at the two-step check", LINE_COLUMNS);
        assert_eq!(en, vec!["Are you stuck at the", "two-step check"]);
    }
}
