//! `kiosk graph`: the flow drawn as a diagram for the shop owner, and the
//! same diagram with each step's visits and stops in the HTML report.
//! [`dot`] writes the flow as Graphviz DOT (pure, unit-tested); [`layout`]
//! runs Graphviz `dot` for the SVG.
//!
//! Why Graphviz `dot` and not a Rust layout crate: the maintained
//! pure-Rust option, `layout-rs` 0.1.3, was run on the bundled flow. It
//! does not parse HTML-like labels (so no step id, text and counts lines
//! in one node), draws no clusters (the stages vanish), measures Japanese
//! as half its width (the text runs out of its boxes), ignores the font and
//! the note shape, and left half the page empty. Graphviz lays the same DOT
//! out with the stages boxed in file order, few crossings and edge labels
//! clear of the nodes, and is a Debian package kept for decades
//! (`graphviz`, installed by scripts/setup). `--format dot` needs no
//! Graphviz at all, and the report renders without it.

pub mod dot;
pub mod layout;

use std::io::{self, Write};
use std::path::PathBuf;

use crate::cli::{GraphArgs, GraphFormat};
use crate::config::{self, Config};
use crate::flow::{self, Flow, LangIx, StepKind};
use crate::report::privacy::mask;
use crate::report::Summary;

#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error("{0}")]
    Flow(#[from] flow::LoadError),
    #[error("{0}")]
    Config(#[from] config::ReadError),
    #[error("the config file has errors:\n{0}")]
    ConfigInvalid(String),
    #[error("the flow has no language {lang:?} (it has {})", .have.join(", "))]
    Lang { lang: String, have: Vec<String> },
    #[error("{0}")]
    Layout(#[from] layout::LayoutError),
    #[error("cannot write {}: {source}", path.display())]
    Create { path: PathBuf, source: io::Error },
    #[error("{0}")]
    Write(#[from] io::Error),
}

impl GraphError {
    /// Output cut short by its reader: not worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, GraphError::Write(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// The flow `kiosk graph` draws, as `report` picks it: FLOW, else the
/// configured flow, else the bundled one. A broken configured flow is an
/// error here (the owner asked to see it), unlike in `report`.
fn pick_flow(args: &GraphArgs, config: &Config) -> Result<Flow, GraphError> {
    match (&args.flow, &config.flow) {
        (Some(path), _) | (None, Some(path)) => Ok(flow::load_file(path)?.into_result()?),
        (None, None) => Ok(Flow::bundled()?),
    }
}

fn default_config() -> Result<Config, GraphError> {
    let default = PathBuf::from(config::DEFAULT_PATH);
    if !default.exists() {
        return Ok(Config::default());
    }
    let loaded = config::load_file(&default)?;
    if loaded.has_errors() {
        let lines: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
        return Err(GraphError::ConfigInvalid(lines.join("\n")));
    }
    Ok(loaded.config)
}

/// `kiosk graph`: the flow as SVG (or DOT) to `--out FILE`, else `stdout`.
/// Nothing is written when the layout fails.
pub fn run<W: Write>(args: &GraphArgs, stdout: W) -> Result<(), GraphError> {
    let config = default_config()?;
    let flow = pick_flow(args, &config)?;
    let code = args.lang.clone().or(config.language);
    let lang = match code {
        Some(code) => flow.lang_ix(&code).ok_or_else(|| GraphError::Lang {
            lang: code,
            have: flow.languages.clone(),
        })?,
        None => LangIx(0),
    };
    let source = dot::to_dot(&flow, lang, &[]);
    let text = match args.format {
        GraphFormat::Dot => source,
        GraphFormat::Svg => layout::svg(&source, layout::TIME_LIMIT)?,
    };
    match &args.out {
        Some(path) => std::fs::write(path, text).map_err(|source| GraphError::Create {
            path: path.clone(),
            source,
        }),
        None => {
            let mut w = io::BufWriter::new(stdout);
            w.write_all(text.as_bytes())?;
            w.flush()?;
            Ok(())
        }
    }
}

/// Each step's count line for the report, through the report's own k
/// rule ([`mask`], complementary suppression included, so the diagram
/// shows no number the tables hide): "visits N · stops M" for a step
/// broken down (no stops on an ending, where no session can stop), only
/// "reached <k" for one reached by fewer than k sessions, and nothing at
/// all when the report has fewer than k sessions.
pub fn report_counts(s: &Summary, flow: &Flow) -> Vec<Option<String>> {
    let m = mask(s);
    let k = s.k;
    let ja = s.lang.code() == "ja";
    let (visits, stops, reached) = if ja {
        ("訪問", "中断", "到達")
    } else {
        ("visits", "stops", "reached")
    };
    flow.steps
        .iter()
        .map(|step| {
            if !m.whole {
                return None;
            }
            let ending = matches!(step.kind, StepKind::Ending { .. });
            let row = s
                .steps
                .iter()
                .zip(&m.steps)
                .find(|(r, _)| r.flow == flow.id && r.id == step.id);
            Some(match row {
                None => format!("{visits} 0"),
                Some((r, c)) if !c.broken_down => {
                    format!("{reached} {}", c.reached.text(r.reached, k))
                }
                Some((r, c)) if ending => format!("{visits} {}", c.visits.text(r.visits, k)),
                Some((r, c)) => format!(
                    "{visits} {} · {stops} {}",
                    c.visits.text(r.visits, k),
                    c.stopped_here.text(r.stopped_here, k)
                ),
            })
        })
        .collect()
}

/// The report page's diagram section (an `<h2>` and the inline SVG), or a
/// one-line note when Graphviz is missing or fails: the report renders
/// either way. Nothing without a flow.
pub fn report_section(s: &Summary, flow: Option<&Flow>) -> String {
    // A report of other flows' records says nothing about this one.
    let Some(flow) = flow.filter(|f| s.flows.iter().any(|id| id == &f.id)) else {
        return String::new();
    };
    let ja = s.lang.code() == "ja";
    let title = if ja { "フローの図" } else { "The flow" };
    let lang = flow.lang_ix(s.lang.code()).unwrap_or(LangIx(0));
    let source = dot::to_dot(flow, lang, &report_counts(s, flow));
    let drawn = layout::svg(&source, layout::TIME_LIMIT).map(|svg| {
        layout::inline(&svg, "chart-flow", "chart flow")
            .map(|svg| format!("<div class=\"scroll\">{svg}</div>"))
    });
    let body = match drawn {
        Ok(Some(svg)) => svg,
        Ok(None) => note(ja, "Graphviz gave no SVG"),
        Err(layout::LayoutError::Missing { .. }) => note(
            ja,
            if ja {
                "Graphviz（Debian パッケージ graphviz、scripts/setup が入れます）がありません"
            } else {
                "Graphviz (the Debian package graphviz, installed by scripts/setup) is missing"
            },
        ),
        Err(e) => note(ja, &e.to_string()),
    };
    format!("<section><h2>{}</h2>{body}</section>\n", dot::html(title))
}

/// The one line the report shows in place of a diagram it could not draw.
fn note(ja: bool, why: &str) -> String {
    let text = if ja {
        format!("フローの図は省きました: {why}。")
    } else {
        format!("The flow diagram is left out: {why}.")
    };
    format!(
        "<p class=\"note\" id=\"flow-missing\">{}</p>",
        dot::html(&text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::summary::{self, Lang};
    use crate::report::{stage_map, Aggregate, Filter};

    /// A summary built the way `kiosk report` builds one, from journal
    /// lines walking `routes` (step indices; `None` outcome: abandoned on
    /// the last step), `times` sessions each.
    fn summary(flow: &Flow, routes: &[(&[usize], u64)]) -> Summary {
        let mut agg = Aggregate::new(Filter::default(), Some(stage_map(flow)));
        for (route, times) in routes {
            let last = &flow.steps[route[route.len() - 1]];
            let outcome = match last.kind {
                StepKind::Ending { outcome } => flow.outcomes[outcome].id.as_str(),
                _ => "abandoned",
            };
            let steps: Vec<serde_json::Value> = route
                .iter()
                .enumerate()
                .map(|(i, ix)| {
                    let answer = if i + 1 == route.len() { "none" } else { "yes" };
                    serde_json::json!({"id": flow.steps[*ix].id, "answer": answer,
                        "ms": 1000, "repeats": 0, "help": 0})
                })
                .collect();
            let line = serde_json::json!({"v": 1, "flow": flow.id, "flow_hash": flow.hash,
                "kiosk": "counter", "hour": "2026-11-24T14", "lang": "en",
                "outcome": outcome, "end": last.id, "steps": steps, "help": 0,
                "back": 0, "duration_ms": 1000})
            .to_string();
            for _ in 0..*times {
                agg.add_line(line.as_bytes());
            }
        }
        summary::summarize(agg, Some(flow), "en", Lang::En, 5)
    }

    /// The start, an ending and some third step of the bundled flow.
    fn three_steps(flow: &Flow) -> (usize, usize, usize) {
        let start = flow.start.0;
        let ending = flow
            .steps
            .iter()
            .position(|s| matches!(s.kind, StepKind::Ending { .. }))
            .unwrap();
        let other = (0..flow.steps.len())
            .find(|i| *i != start && *i != ending)
            .unwrap();
        (start, ending, other)
    }

    #[test]
    fn under_k_sessions_no_step_has_a_number() {
        let flow = Flow::bundled().unwrap();
        let (start, ending, _) = three_steps(&flow);
        let s = summary(&flow, &[(&[start, ending], 4)]);
        assert_eq!(s.sessions, 4);
        assert!(report_counts(&s, &flow).iter().all(Option::is_none));
    }

    #[test]
    fn every_number_follows_the_k_rule() {
        let flow = Flow::bundled().unwrap();
        let (start, ending, other) = three_steps(&flow);
        let s = summary(
            &flow,
            &[(&[start, ending], 7), (&[start, other], 2), (&[start], 3)],
        );
        let lines = report_counts(&s, &flow);
        assert_eq!(lines[start].as_deref(), Some("visits 12 · stops <5"));
        // Reached by under k sessions: not broken down.
        assert_eq!(lines[other].as_deref(), Some("reached <5"));
        // An ending has no stops to show.
        assert_eq!(lines[ending].as_deref(), Some("visits 7"));
        let unvisited = (0..flow.steps.len())
            .find(|i| ![start, other, ending].contains(i))
            .unwrap();
        assert_eq!(lines[unvisited].as_deref(), Some("visits 0"));
    }

    #[test]
    fn a_report_of_another_flow_draws_no_diagram() {
        let flow = Flow::bundled().unwrap();
        let (start, ending, _) = three_steps(&flow);
        let mut other = flow.clone();
        other.id = "another-flow".into();
        let s = summary(&other, &[(&[start, ending], 10)]);
        assert_eq!(report_section(&s, Some(&flow)), "");
        assert_eq!(report_section(&s, None), "");
    }
}
