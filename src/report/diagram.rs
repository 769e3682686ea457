//! The report page's flow diagram: `kiosk graph`'s drawing of the flow
//! ([`crate::graph`]) with each step's counts, through the report's k rule.

use crate::flow::{Flow, LangIx, StepKind};
use crate::graph::{dot, layout};

use super::privacy::mask;
use super::Summary;

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
    use crate::flow::StepKind;
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
