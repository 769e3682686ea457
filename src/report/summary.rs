//! The [`Summary`] every renderer reads: the merged counts put in order,
//! keyed as DESIGN section 6 says (`step` for one flow, `flow/step` for
//! several), labelled from the flow when its id matches, and ranked into
//! sticking points.
//!
//! The sticking-point score of a step is the sum of five signals, each
//! divided by its largest value over the ranked steps so that the worst step
//! on that signal scores 1: the share of the sessions reaching the step that
//! stopped there (abandoned or restarted), and per visit the share answered
//! "no", repeats pressed, help pressed, and the median time on the step
//! (left out, as 0, for a step the flow gives a `wait_s`: a long time there
//! is the customer doing what it asked, not being stuck). Only
//! steps reached by at least k sessions and left by an answer at least once
//! (not endings) are ranked.

use chrono::NaiveDate;

use super::aggregate::Aggregate;
use super::ms::median;
use crate::flow::{Flow, LangIx, StepKind};

/// The language of headings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    pub fn from_code(code: &str) -> Lang {
        if code == "ja" {
            Lang::Ja
        } else {
            Lang::En
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeRow {
    pub id: String,
    pub label: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepRow {
    /// `step` or `flow/step`.
    pub key: String,
    pub flow: String,
    pub id: String,
    /// The step's text in the report's language, when the flow is known.
    pub label: Option<String>,
    pub stage: Option<String>,
    pub visits: u64,
    pub yes: u64,
    pub no: u64,
    pub next: u64,
    pub back: u64,
    pub repeats: u64,
    pub help: u64,
    pub stopped_here: u64,
    pub reached: u64,
    /// The two middle `ms` values (equal for an odd number of visits).
    pub median: Option<(u64, u64)>,
    /// Sticking-point score (0 to 5) and rank from 1, when ranked.
    pub score: Option<f64>,
    pub rank: Option<usize>,
}

impl StepRow {
    /// The median in ms, as a float (x.5 for an even count).
    pub fn median_ms(&self) -> Option<f64> {
        self.median
            .map(|(a, b)| ((u128::from(a) + u128::from(b)) as f64) / 2.0)
    }

    /// The label, else the key.
    pub fn name(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.key)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageRow {
    pub id: String,
    pub label: String,
    pub reached: u64,
}

/// What became of one take-home sheet (issue 16), over every print step
/// of the labelled flow that offers it. `offered` = `declined` + `yes`
/// (the question answered either way) and `yes` = `printed` + `failed` +
/// the yeses with no result in their record.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    pub id: String,
    /// The sheet's title in the report's language.
    pub label: String,
    /// Indices into [`Summary::steps`] of its print steps.
    pub steps: Vec<usize>,
    pub offered: u64,
    pub declined: u64,
    pub yes: u64,
    pub printed: u64,
    pub failed: u64,
}

impl SheetRow {
    /// Yeses whose record holds no result (none written so far by a
    /// kiosk, but a journal may hold them).
    pub fn unknown(&self) -> u64 {
        self.yes
            .saturating_sub(self.printed.saturating_add(self.failed))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WeekRow {
    pub monday: NaiveDate,
    pub sessions: u64,
    /// Aligned with [`Summary::outcomes`].
    pub outcomes: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub sessions: u64,
    pub skipped_lines: u64,
    pub unknown_version_lines: u64,
    /// Most frequent first.
    pub outcomes: Vec<OutcomeRow>,
    /// The flow's order when it is known, else by key.
    pub steps: Vec<StepRow>,
    /// Stages of the labelled flow, in file order.
    pub stages: Vec<StageRow>,
    /// Sessions of the labelled flow (the funnel's 100 %).
    pub stage_flow_sessions: u64,
    /// The labelled flow's take-home sheets, in file order (none without
    /// the flow: a record does not name its sheet).
    pub sheets: Vec<SheetRow>,
    pub weeks: Vec<WeekRow>,
    pub hour_of_day: [u64; 24],
    pub kiosks: Vec<String>,
    pub flows: Vec<String>,
    pub first_hour: Option<String>,
    pub last_hour: Option<String>,
    /// Headings language.
    pub lang: Lang,
    /// The privacy threshold of the human formats.
    pub k: u64,
}

/// Puts the counts in order. `flow` labels steps, stages and outcomes (when
/// its id is one the records hold); `label_lang` picks its texts.
pub fn summarize(
    agg: Aggregate,
    flow: Option<&Flow>,
    label_lang: &str,
    lang: Lang,
    k: u64,
) -> Summary {
    let mut agg = agg;
    let several = agg.flows.len() > 1;
    let li = flow
        .and_then(|f| f.lang_ix(label_lang))
        .unwrap_or(LangIx(0));
    let flow_ids: Vec<String> = agg.flows.iter().map(|f| f.id.clone()).collect();
    let mut steps = Vec::with_capacity(agg.flows.iter().map(|f| f.steps.len()).sum());
    // Per sheet of the labelled flow: its print steps' keys and counts.
    let mut sheet_counts: Vec<(Vec<String>, [u64; 4])> = flow
        .filter(|f| flow_ids.contains(&f.id))
        .map(|f| vec![(Vec::new(), [0; 4]); f.sheets.len()])
        .unwrap_or_default();
    // Each flow's counts are dropped as they become rows, so a report of
    // many step ids never holds both in full.
    for f in std::mem::take(&mut agg.flows) {
        let known = flow.filter(|fl| fl.id == f.id);
        // The index goes first: only the rows and the steps left to turn
        // into rows are alive at once.
        let (fid, fsteps) = f.into_steps();
        for (id, s) in fsteps {
            let step = known.and_then(|fl| fl.step_ix(&id).map(|ix| fl.step(ix)));
            if let Some(StepKind::Print { sheet, .. }) = step.map(|st| st.kind) {
                if let Some((keys, n)) = sheet_counts.get_mut(sheet) {
                    keys.push(if several {
                        format!("{fid}/{id}")
                    } else {
                        id.clone()
                    });
                    for (n, add) in n.iter_mut().zip([s.yes, s.no, s.printed, s.print_failed]) {
                        *n = n.saturating_add(add);
                    }
                }
            }
            steps.push(StepRow {
                key: if several {
                    format!("{fid}/{id}")
                } else {
                    id.clone()
                },
                flow: fid.clone(),
                label: step.map(|st| st.text.get(li).to_string()),
                stage: step.and_then(|st| {
                    st.stage
                        .and_then(|i| known.and_then(|fl| fl.stages.get(i)))
                        .map(|stage| stage.title.get(li).to_string())
                }),
                id,
                visits: s.visits,
                yes: s.yes,
                no: s.no,
                next: s.next,
                back: s.back,
                repeats: s.repeats,
                help: s.help,
                stopped_here: s.stopped_here,
                reached: s.reached,
                median: median(&s.ms),
                score: None,
                rank: None,
            });
        }
    }
    // Declared order for the known flow's steps, then the rest by key.
    let order = |row: &StepRow| -> (usize, usize) {
        match flow.filter(|fl| fl.id == row.flow) {
            Some(fl) => (0, fl.step_ix(&row.id).map_or(usize::MAX, |ix| ix.0)),
            None => (1, 0),
        }
    };
    steps.sort_by(|a, b| order(a).cmp(&order(b)).then_with(|| a.key.cmp(&b.key)));
    // A step the known flow gives a `wait_s`: its time is not "slow".
    let waits: Vec<bool> = steps
        .iter()
        .map(|row| {
            flow.filter(|fl| fl.id == row.flow)
                .and_then(|fl| fl.step_ix(&row.id).map(|ix| fl.step(ix).wait.is_some()))
                .unwrap_or(false)
        })
        .collect();
    rank(&mut steps, &waits, k);
    let sheets = flow
        .map(|f| {
            f.sheets
                .iter()
                .zip(sheet_counts)
                .map(|(sheet, (keys, [yes, no, printed, failed]))| SheetRow {
                    id: sheet.id.clone(),
                    label: sheet.title.get(li).to_string(),
                    steps: keys
                        .iter()
                        .filter_map(|key| steps.iter().position(|r| r.key == *key))
                        .collect(),
                    offered: yes.saturating_add(no),
                    declined: no,
                    yes,
                    printed,
                    failed,
                })
                .collect()
        })
        .unwrap_or_default();

    let outcome_label = |id: &str| -> String {
        if let Some(o) = flow.and_then(|f| f.outcomes.iter().find(|o| o.id == id)) {
            return o.title.get(li).to_string();
        }
        match (id, lang) {
            ("abandoned", Lang::Ja) => "途中で離れた".into(),
            ("abandoned", Lang::En) => "Abandoned (left idle)".into(),
            ("restarted", Lang::Ja) => "最初からやり直し".into(),
            ("restarted", Lang::En) => "Restarted".into(),
            _ => id.to_string(),
        }
    };
    let mut order: Vec<usize> = (0..agg.outcomes.len()).collect();
    order.sort_by(|a, b| {
        let (na, ca) = &agg.outcomes[*a];
        let (nb, cb) = &agg.outcomes[*b];
        cb.cmp(ca).then_with(|| na.cmp(nb))
    });
    let outcomes = order
        .iter()
        .map(|i| {
            let (id, count) = &agg.outcomes[*i];
            OutcomeRow {
                id: id.clone(),
                label: outcome_label(id),
                count: *count,
            }
        })
        .collect();
    let mut weeks: Vec<WeekRow> = agg
        .weeks
        .iter()
        .map(|(monday, w)| WeekRow {
            monday: *monday,
            sessions: w.sessions,
            outcomes: order
                .iter()
                .map(|i| w.outcomes.get(*i).copied().unwrap_or(0))
                .collect(),
        })
        .collect();
    weeks.sort_by_key(|w| w.monday);
    let stages = flow
        .filter(|f| flow_ids.contains(&f.id))
        .map(|f| {
            f.stages
                .iter()
                .enumerate()
                .map(|(i, st)| StageRow {
                    id: st.id.clone(),
                    label: st.title.get(li).to_string(),
                    reached: agg.stage_reached.get(i).copied().unwrap_or(0),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut kiosks = agg.kiosks.clone();
    kiosks.sort();
    let mut flows = flow_ids;
    flows.sort();
    Summary {
        sessions: agg.sessions,
        skipped_lines: agg.skipped_lines,
        unknown_version_lines: agg.unknown_version_lines,
        outcomes,
        steps,
        stages,
        stage_flow_sessions: agg.stage_flow_sessions,
        sheets,
        weeks,
        hour_of_day: agg.hour_of_day,
        kiosks,
        flows,
        first_hour: agg.first_hour,
        last_hour: agg.last_hour,
        lang,
        k,
    }
}

/// Scores and ranks the steps (see the module docs); `waits[i]`: step `i`
/// has a `wait_s`.
fn rank(steps: &mut [StepRow], waits: &[bool], k: u64) {
    let ranked = |s: &StepRow| s.reached >= k.max(1) && s.yes + s.no + s.next + s.back > 0;
    let signals = |(s, waits): (&StepRow, bool)| -> [f64; 5] {
        let visits = s.visits.max(1) as f64;
        [
            s.stopped_here as f64 / s.reached.max(1) as f64,
            s.no as f64 / visits,
            s.repeats as f64 / visits,
            s.help as f64 / visits,
            if waits {
                0.0
            } else {
                s.median_ms().unwrap_or(0.0)
            },
        ]
    };
    let waits_at = |i: usize| waits.get(i).copied().unwrap_or(false);
    let mut max = [0.0f64; 5];
    for (i, s) in steps.iter().enumerate().filter(|(_, s)| ranked(s)) {
        for (m, v) in max.iter_mut().zip(signals((s, waits_at(i)))) {
            *m = m.max(v);
        }
    }
    for (i, s) in steps.iter_mut().enumerate().filter(|(_, s)| ranked(s)) {
        let score = signals((s, waits_at(i)))
            .iter()
            .zip(max)
            .map(|(v, m)| if m > 0.0 { v / m } else { 0.0 })
            .sum::<f64>();
        s.score = Some(score);
    }
    let mut order: Vec<usize> = (0..steps.len())
        .filter(|i| steps[*i].score.is_some())
        .collect();
    order.sort_by(|a, b| {
        let (sa, sb) = (
            steps[*a].score.unwrap_or(0.0),
            steps[*b].score.unwrap_or(0.0),
        );
        sb.total_cmp(&sa)
            .then_with(|| steps[*a].key.cmp(&steps[*b].key))
    });
    for (r, i) in order.into_iter().enumerate() {
        steps[i].rank = Some(r + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::filter::Filter;

    fn line(outcome: &str, steps: &[(&str, &str, u64, u64, u64)]) -> String {
        let steps: Vec<String> = steps
            .iter()
            .map(|(id, a, ms, r, h)| {
                format!(r#"{{"id":"{id}","answer":"{a}","ms":{ms},"repeats":{r},"help":{h}}}"#)
            })
            .collect();
        format!(
            r#"{{"v":1,"flow":"f","flow_hash":"00000000","kiosk":"k","hour":"2026-11-24T10","lang":"en","outcome":"{outcome}","end":"x","steps":[{}],"help":0,"back":0,"duration_ms":0}}"#,
            steps.join(",")
        )
    }

    #[test]
    fn the_step_where_people_stop_and_ask_for_help_ranks_first() {
        let mut agg = Aggregate::new(Filter::default(), None);
        for i in 0..10 {
            let hard = if i < 4 {
                line(
                    "abandoned",
                    &[("easy", "yes", 1000, 0, 0), ("hard", "none", 9000, 2, 1)],
                )
            } else {
                line(
                    "done",
                    &[
                        ("easy", "yes", 1000, 0, 0),
                        ("hard", "yes", 5000, 0, 0),
                        ("end", "none", 0, 0, 0),
                    ],
                )
            };
            agg.add_line(hard.as_bytes());
        }
        let s = summarize(agg, None, "en", Lang::En, 5);
        let by = |key: &str| s.steps.iter().find(|r| r.key == key).unwrap();
        assert_eq!(by("hard").rank, Some(1));
        assert_eq!(by("easy").rank, Some(2));
        // Endings are never ranked; the worst step scores the most.
        assert_eq!(by("end").rank, None);
        let hard = by("hard");
        assert_eq!(hard.stopped_here, 4);
        assert!(hard.score.unwrap() > 3.9, "{:?}", hard.score);
        assert_eq!(by("easy").score, Some(0.0 + 1000.0 / 5000.0));
        // Fewer than k sessions reaching a step: not ranked.
        let s = {
            let mut agg = Aggregate::new(Filter::default(), None);
            agg.add_line(line("done", &[("a", "yes", 1, 0, 0)]).as_bytes());
            summarize(agg, None, "en", Lang::En, 5)
        };
        assert_eq!(s.steps[0].rank, None);
    }

    #[test]
    fn a_waiting_steps_long_time_is_not_counted_slow() {
        let flow = crate::flow::load_source(
            "f.toml",
            r#"
[flow]
id = "f"
start = "ask"
languages = ["en"]
title = { en = "F" }
[outcomes.done]
title = { en = "Done" }
[steps.ask]
text = { en = "Ready?" }
yes = "phone"
no = "end"
[steps.phone]
text = { en = "Wait for the code, then press 1." }
wait_s = 600
next = "end"
[steps.end]
text = { en = "Done." }
end = "done"
"#,
        )
        .into_result()
        .unwrap();
        let agg = || {
            let mut agg = Aggregate::new(Filter::default(), None);
            for _ in 0..10 {
                let record = line(
                    "done",
                    &[
                        ("ask", "yes", 1000, 0, 0),
                        ("phone", "next", 300_000, 0, 0),
                        ("end", "none", 0, 0, 0),
                    ],
                );
                agg.add_line(record.as_bytes());
            }
            agg
        };
        let by = |s: &Summary, key: &str| s.steps.iter().find(|r| r.key == key).unwrap().clone();
        // Without the flow the report cannot tell: the long step is slow.
        let blind = summarize(agg(), None, "en", Lang::En, 5);
        assert_eq!(by(&blind, "phone").score, Some(1.0));
        assert_eq!(by(&blind, "phone").rank, Some(1));
        let known = summarize(agg(), Some(&flow), "en", Lang::En, 5);
        let phone = by(&known, "phone");
        assert_eq!(phone.score, Some(0.0));
        assert_eq!(by(&known, "ask").score, Some(1.0));
        assert_eq!(by(&known, "ask").rank, Some(1));
        // The time itself is still reported.
        assert_eq!(phone.median_ms(), Some(300_000.0));
    }
}
