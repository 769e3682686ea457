//! The k rule of the human formats (DESIGN section 6). JSON is exact and
//! never comes here.
//!
//! A count from 1 to k-1 is shown as "<k" (primary suppression); zero is
//! shown as 0, since it tells nothing about anyone. Hiding a count is not
//! enough where a reader can add up the others: a step's visits are its
//! answers (yes, no, next, back) plus the sessions stopped there (plus
//! those that ended there), the sessions are the sum of the outcomes, of the
//! weeks and of the hours, a week is the sum of its outcomes, an outcome the
//! sum over the weeks, and a stage's count is bounded by its steps'.
//! [`mask`] therefore also hides, as "*", the next smallest count of any
//! such sum where a hidden count could be worked out (complementary
//! suppression): where exactly one count of the sum is hidden, and where
//! the bounds a reader knows (a "<k" is 1 to k-1, a "*" at least k) leave a
//! hidden count only one value. Hiding one count can expose another sum, so
//! it goes on until nothing changes. A known zero never protects a sum.
//!
//! A take-home sheet's counts (issue 16) are sums too: offered is declined
//! plus yes, yes is printed plus failed plus the yeses with no result, and
//! declined and yes are its print steps' no and yes.
//!
//! A slice (a step reached by fewer than k sessions, a week of fewer than
//! k) is not broken down, and a report of fewer than k sessions shows only
//! that: no period, kiosk, flow or breakdown at all.

use super::summary::{StepRow, Summary};

/// How one count appears in the human formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Shown,
    /// 1 to k-1: "<k".
    Small,
    /// At least k, hidden so that a small count cannot be worked out: "*".
    Suppressed,
    /// Not shown at all (its slice is not broken down).
    Unseen,
}

impl Cell {
    pub fn shown(self) -> bool {
        self == Cell::Shown
    }

    /// `n` as this cell shows it.
    pub fn text(self, n: u64, k: u64) -> String {
        match self {
            Cell::Shown => thousands(n),
            Cell::Small => format!("<{k}"),
            Cell::Suppressed => "*".to_string(),
            Cell::Unseen => String::new(),
        }
    }
}

/// The cells of one step row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepCells {
    pub reached: Cell,
    pub visits: Cell,
    pub yes: Cell,
    pub no: Cell,
    pub next: Cell,
    pub back: Cell,
    pub repeats: Cell,
    pub help: Cell,
    pub stopped_here: Cell,
    /// Whether the row is broken down beyond `reached`.
    pub broken_down: bool,
}

/// The cells of one take-home sheet's counts (issue 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetCells {
    pub offered: Cell,
    pub declined: Cell,
    pub printed: Cell,
    pub failed: Cell,
}

/// The cells of one week: its total and its outcomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekCells {
    pub total: Cell,
    /// Aligned with [`Summary::outcomes`].
    pub outcomes: Vec<Cell>,
}

/// How every count of a [`Summary`] appears in the human formats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mask {
    /// Whether the report is broken down at all (at least k sessions).
    pub whole: bool,
    pub sessions: Cell,
    /// Aligned with [`Summary::outcomes`].
    pub outcomes: Vec<Cell>,
    /// Aligned with [`Summary::steps`].
    pub steps: Vec<StepCells>,
    /// Aligned with [`Summary::stages`].
    pub stages: Vec<Cell>,
    /// Aligned with [`Summary::sheets`].
    pub sheets: Vec<SheetCells>,
    /// Whether the stage funnel is drawn (its flow has at least k sessions).
    pub funnel: bool,
    /// The funnel's 100 %: when hidden, its shares are not shown.
    pub funnel_total: Cell,
    /// Aligned with [`Summary::weeks`].
    pub weeks: Vec<WeekCells>,
    pub hours: [Cell; 24],
}

/// One sum a reader can form: `total` = the sum of `parts` when `exact`,
/// else only a bound (a stage and its steps).
#[derive(Debug, Clone)]
struct Sum {
    total: usize,
    parts: Vec<usize>,
    exact: bool,
}

/// The counts as a flat table, for the solver.
struct Table {
    values: Vec<u64>,
    cells: Vec<Cell>,
    /// Counts never printed but worked out from the others (what a step's
    /// answers leave): protected like the rest, never hidden to protect.
    derived: Vec<bool>,
    sums: Vec<Sum>,
}

impl Table {
    fn cell(&mut self, value: u64, cell: Cell) -> usize {
        self.values.push(value);
        self.cells.push(cell);
        self.derived.push(false);
        self.values.len() - 1
    }

    /// A count the report shows when its slice is, by the primary rule.
    fn count(&mut self, value: u64, k: u64, seen: bool) -> usize {
        let cell = if !seen {
            Cell::Unseen
        } else if value > 0 && value < k {
            Cell::Small
        } else {
            Cell::Shown
        };
        self.cell(value, cell)
    }
}

/// A lower bound and an upper bound (`None`: none) a reader knows.
fn bounds(cell: Cell, value: u64, k: u64) -> (i128, Option<i128>) {
    let v = i128::from(value);
    match cell {
        Cell::Shown => (v, Some(v)),
        Cell::Small => (1, Some(i128::from(k) - 1)),
        Cell::Suppressed => (i128::from(k), None),
        Cell::Unseen => (0, None),
    }
}

/// Whether a hidden member of an exact sum has only one possible value.
fn pinned(t: &Table, sum: &Sum, k: u64) -> bool {
    // Signed members: parts count +1, the total -1; they add up to 0.
    let members: Vec<(usize, i128)> = std::iter::once((sum.total, -1))
        .chain(sum.parts.iter().map(|p| (*p, 1)))
        .collect();
    // Sum over all members of (low, high) of sign * value.
    let term = |i: usize, sign: i128| -> (Option<i128>, Option<i128>) {
        let (lo, hi) = bounds(t.cells[i], t.values[i], k);
        if sign > 0 {
            (Some(lo), hi)
        } else {
            (hi.map(|h| -h), Some(-lo))
        }
    };
    let add = |a: Option<i128>, b: Option<i128>| a.zip(b).map(|(a, b)| a + b);
    for (m, (i, sign)) in members.iter().enumerate() {
        if !matches!(t.cells[*i], Cell::Small | Cell::Suppressed) {
            continue;
        }
        let (mut lo, mut hi) = (Some(0i128), Some(0i128));
        for (n, (j, s)) in members.iter().enumerate() {
            if n != m {
                let (a, b) = term(*j, *s);
                lo = add(lo, a);
                hi = add(hi, b);
            }
        }
        // sign * x = -(others): x lies in [-hi, -lo] for a part, [lo, hi]
        // for the total.
        let (from, to) = if *sign > 0 {
            (hi.map(|h| -h), lo.map(|l| -l))
        } else {
            (lo, hi)
        };
        let (own_lo, own_hi) = bounds(t.cells[*i], t.values[*i], k);
        let low = from.map_or(own_lo, |f| f.max(own_lo));
        let high = match (to, own_hi) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if high == Some(low) {
            return true;
        }
    }
    false
}

/// Whether `sum` lets a reader work out a hidden count.
fn exposed(t: &Table, sum: &Sum, k: u64) -> bool {
    // A count not printed at all (its slice is not broken down) needs no
    // protection of its own; one printed as "<k" or "*" does.
    let hidden = std::iter::once(sum.total)
        .chain(sum.parts.iter().copied())
        .filter(|i| matches!(t.cells[*i], Cell::Small | Cell::Suppressed))
        .count();
    hidden == 1 || (sum.exact && pinned(t, sum, k))
}

/// Hides the smallest nonzero shown member of `sum` (a part before the
/// total); false when there is none left.
fn hide_another(t: &mut Table, sum: &Sum) -> Option<usize> {
    let pick = sum
        .parts
        .iter()
        .copied()
        .chain(std::iter::once(sum.total))
        .enumerate()
        .filter(|(_, i)| t.cells[*i].shown() && t.values[*i] > 0 && !t.derived[*i])
        .min_by_key(|(order, i)| (t.values[*i], *order))
        .map(|(_, i)| i)?;
    t.cells[pick] = Cell::Suppressed;
    Some(pick)
}

/// Complementary suppression until no sum exposes a hidden count.
fn solve(t: &mut Table, k: u64) {
    // The sums each count is in, as one flat list with offsets (a report
    // of 100,000 steps has a million counts; a Vec each would cost more
    // than the counts).
    let members = |sum: &Sum| -> Vec<usize> {
        let mut m = sum.parts.clone();
        m.push(sum.total);
        m
    };
    let mut start = vec![0u32; t.values.len() + 1];
    for sum in &t.sums {
        for i in members(sum) {
            start[i + 1] += 1;
        }
    }
    for i in 0..t.values.len() {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut flat = vec![0u32; start[t.values.len()] as usize];
    for (s, sum) in t.sums.iter().enumerate() {
        for i in members(sum) {
            flat[fill[i] as usize] = s as u32;
            fill[i] += 1;
        }
    }
    drop(fill);
    let sums_of = |i: usize| &flat[start[i] as usize..start[i + 1] as usize];
    let mut queue: Vec<usize> = (0..t.sums.len()).rev().collect();
    let mut queued = vec![true; t.sums.len()];
    let sums = std::mem::take(&mut t.sums);
    while let Some(s) = queue.pop() {
        queued[s] = false;
        let sum = &sums[s];
        if !exposed(t, sum, k) {
            continue;
        }
        let Some(hid) = hide_another(t, sum) else {
            continue;
        };
        for other in sums_of(hid) {
            let other = *other as usize;
            if !queued[other] {
                queued[other] = true;
                queue.push(other);
            }
        }
    }
    t.sums = sums;
}

impl Mask {
    /// The ranked sticking steps with their cells, worst first, at most
    /// `top` of them: what the text and HTML reports both list.
    pub fn ranked<'a>(&'a self, s: &'a Summary, top: usize) -> Vec<(&'a StepRow, &'a StepCells)> {
        let mut ranked: Vec<_> = s
            .steps
            .iter()
            .zip(&self.steps)
            .filter(|(r, _)| r.rank.is_some())
            .collect();
        ranked.sort_by_key(|(r, _)| r.rank);
        ranked.truncate(top);
        ranked
    }
}

/// How every count of `s` appears in the human formats (see the module
/// docs).
pub fn mask(s: &Summary) -> Mask {
    let k = s.k.max(1);
    let whole = breaks_down(s.sessions, k);
    let mut t = Table {
        values: Vec::new(),
        cells: Vec::new(),
        derived: Vec::new(),
        sums: Vec::new(),
    };
    let sessions = t.count(s.sessions, k, true);
    let outcomes: Vec<usize> = s
        .outcomes
        .iter()
        .map(|o| t.count(o.count, k, whole))
        .collect();
    t.sums.push(Sum {
        total: sessions,
        parts: outcomes.clone(),
        exact: true,
    });
    let hours: Vec<usize> = s
        .hour_of_day
        .iter()
        .map(|n| t.count(*n, k, whole))
        .collect();
    t.sums.push(Sum {
        total: sessions,
        parts: hours.clone(),
        exact: true,
    });

    // Steps: [reached, visits, yes, no, next, back, repeats, help, stopped].
    let mut steps = Vec::with_capacity(s.steps.len());
    for r in &s.steps {
        let down = whole && breaks_down(r.reached, k);
        let reached = t.count(r.reached, k, whole);
        let counts = [
            r.visits,
            r.yes,
            r.no,
            r.next,
            r.back,
            r.repeats,
            r.help,
            r.stopped_here,
        ];
        let ids: [usize; 8] = std::array::from_fn(|i| t.count(counts[i], k, down));
        // Visits that ended on the step (an ending, or a staff call) are
        // never printed but are what the others leave: a small one must
        // not be worked out either.
        let answered = [r.yes, r.no, r.next, r.back, r.stopped_here]
            .iter()
            .fold(0u64, |a, n| a.saturating_add(*n));
        let ended = t.count(r.visits.saturating_sub(answered), k, down);
        t.derived[ended] = true;
        t.sums.push(Sum {
            total: ids[0],
            parts: vec![ids[1], ids[2], ids[3], ids[4], ids[7], ended],
            exact: true,
        });
        // The step's counts sit right after `reached`, in the order above.
        debug_assert!(ids.iter().enumerate().all(|(j, i)| *i == reached + 1 + j));
        steps.push((reached, down));
    }

    // Sheets: offered = declined + yes, yes = printed + failed + the yeses
    // with no result; declined and yes are also the sum of its print
    // steps' no and yes (one step: the very cells of its row).
    let mut sheets = Vec::with_capacity(s.sheets.len());
    for sh in &s.sheets {
        let down = whole && breaks_down(sh.offered, k);
        let offered = t.count(sh.offered, k, whole);
        let step_cells: Vec<usize> = sh
            .steps
            .iter()
            .filter_map(|i| steps.get(*i).map(|(reached, _)| *reached))
            .collect();
        let declined = match step_cells.as_slice() {
            [one] => one + 3,
            many => {
                let declined = t.count(sh.declined, k, down);
                if !many.is_empty() {
                    t.sums.push(Sum {
                        total: declined,
                        parts: many.iter().map(|r| r + 3).collect(),
                        exact: true,
                    });
                }
                declined
            }
        };
        let printed = t.count(sh.printed, k, down);
        let failed = t.count(sh.failed, k, down);
        // The yeses with no result are never printed. Kiosks write none, so
        // a reader takes them as 0: a small number must stay hidden, a
        // large one is one the reader cannot know.
        let unknown = t.count(sh.unknown(), k, down && sh.unknown() < k);
        t.derived[unknown] = true;
        t.sums.push(Sum {
            total: offered,
            parts: vec![declined, printed, failed, unknown],
            exact: true,
        });
        if !step_cells.is_empty() {
            let mut parts = vec![declined];
            parts.extend(step_cells.iter().map(|r| r + 2));
            t.sums.push(Sum {
                total: offered,
                parts,
                exact: true,
            });
        }
        if let [one] = step_cells.as_slice() {
            t.sums.push(Sum {
                total: one + 2,
                parts: vec![printed, failed, unknown],
                exact: true,
            });
        }
        sheets.push((offered, declined, printed, failed));
    }

    let funnel = whole && breaks_down(s.stage_flow_sessions, k);
    // The funnel's shares give its total away, and the sessions minus that
    // total are those of the other flows: a small one must stay hidden.
    let funnel_total = t.count(s.stage_flow_sessions, k, funnel);
    let other_flows = t.count(s.sessions.saturating_sub(s.stage_flow_sessions), k, funnel);
    t.derived[other_flows] = true;
    t.sums.push(Sum {
        total: sessions,
        parts: vec![funnel_total, other_flows],
        exact: true,
    });
    let stages: Vec<usize> = s
        .stages
        .iter()
        .map(|st| t.count(st.reached, k, funnel))
        .collect();
    for (st, cell) in s.stages.iter().zip(&stages) {
        let parts: Vec<usize> = s
            .steps
            .iter()
            .zip(&steps)
            .filter(|(r, _)| r.stage.as_deref() == Some(st.label.as_str()))
            .map(|(_, (reached, _))| *reached)
            .collect();
        if !parts.is_empty() {
            t.sums.push(Sum {
                total: *cell,
                parts,
                exact: false,
            });
        }
    }

    let mut weeks = Vec::with_capacity(s.weeks.len());
    let mut by_outcome: Vec<Vec<usize>> = vec![Vec::new(); s.outcomes.len()];
    for w in &s.weeks {
        let total = t.count(w.sessions, k, whole);
        let down = whole && breaks_down(w.sessions, k);
        let parts: Vec<usize> = (0..s.outcomes.len())
            .map(|o| t.count(w.outcomes.get(o).copied().unwrap_or(0), k, down))
            .collect();
        for (o, p) in parts.iter().enumerate() {
            by_outcome[o].push(*p);
        }
        t.sums.push(Sum {
            total,
            parts: parts.clone(),
            exact: true,
        });
        weeks.push((total, parts));
    }
    let week_totals: Vec<usize> = weeks.iter().map(|(total, _)| *total).collect();
    t.sums.push(Sum {
        total: sessions,
        parts: week_totals,
        exact: true,
    });
    for (o, parts) in by_outcome.into_iter().enumerate() {
        t.sums.push(Sum {
            total: outcomes[o],
            parts,
            exact: true,
        });
    }

    if whole {
        solve(&mut t, k);
    }
    // A funnel whose total must stay hidden is not drawn: its first stage
    // is usually that total.
    let funnel = funnel && t.cells[funnel_total].shown();
    if !funnel {
        for i in &stages {
            t.cells[*i] = Cell::Unseen;
        }
    }
    let c = |i: usize| t.cells[i];
    let mut hour_cells = [Cell::Unseen; 24];
    for (h, i) in hour_cells.iter_mut().zip(&hours) {
        *h = c(*i);
    }
    Mask {
        whole,
        sessions: c(sessions),
        outcomes: outcomes.iter().map(|i| c(*i)).collect(),
        steps: steps
            .iter()
            .map(|(reached, down)| StepCells {
                reached: c(*reached),
                visits: c(reached + 1),
                yes: c(reached + 2),
                no: c(reached + 3),
                next: c(reached + 4),
                back: c(reached + 5),
                repeats: c(reached + 6),
                help: c(reached + 7),
                stopped_here: c(reached + 8),
                broken_down: *down,
            })
            .collect(),
        stages: stages.iter().map(|i| c(*i)).collect(),
        sheets: sheets
            .iter()
            .map(|(offered, declined, printed, failed)| SheetCells {
                offered: c(*offered),
                declined: c(*declined),
                printed: c(*printed),
                failed: c(*failed),
            })
            .collect(),
        funnel,
        funnel_total: c(funnel_total),
        weeks: weeks
            .iter()
            .map(|(total, parts)| WeekCells {
                total: c(*total),
                outcomes: parts.iter().map(|i| c(*i)).collect(),
            })
            .collect(),
        hours: hour_cells,
    }
}

/// Whether a slice of `sessions` may be broken down further.
pub fn breaks_down(sessions: u64, k: u64) -> bool {
    sessions >= k
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A share in percent with one decimal, or nothing when the count or its
/// total is hidden (a share and a shown count give the hidden total away).
pub fn percent(n: u64, cell: Cell, total: u64, total_cell: Cell) -> String {
    if !cell.shown() || !total_cell.shown() || total == 0 {
        return String::new();
    }
    format!("{:.1}%", n as f64 * 100.0 / total as f64)
}

/// Milliseconds as seconds for people: `9.1 s`.
pub fn seconds(ms: f64) -> String {
    if ms >= 100_000.0 {
        format!("{:.0} s", ms / 1000.0)
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(values: &[u64], k: u64) -> Table {
        let mut t = Table {
            values: Vec::new(),
            cells: Vec::new(),
            derived: Vec::new(),
            sums: Vec::new(),
        };
        for v in values {
            t.count(*v, k, true);
        }
        t
    }

    fn solved(values: &[u64], k: u64) -> Vec<Cell> {
        // Member 0 is the total of the others.
        let mut t = table(values, k);
        t.sums.push(Sum {
            total: 0,
            parts: (1..values.len()).collect(),
            exact: true,
        });
        solve(&mut t, k);
        t.cells
    }

    #[test]
    fn small_counts_hide_and_large_ones_group() {
        assert_eq!(Cell::Shown.text(0, 5), "0");
        assert_eq!(Cell::Small.text(1, 5), "<5");
        assert_eq!(Cell::Suppressed.text(50, 5), "*");
        assert_eq!(Cell::Shown.text(1234567, 5), "1,234,567");
        assert_eq!(percent(3, Cell::Small, 10, Cell::Shown), "");
        assert_eq!(percent(5, Cell::Shown, 10, Cell::Shown), "50.0%");
        assert_eq!(percent(5, Cell::Shown, 10, Cell::Suppressed), "");
        assert!(!breaks_down(4, 5));
        assert!(breaks_down(5, 5));
        assert_eq!(seconds(9100.0), "9.1 s");
    }

    #[test]
    fn one_hidden_count_of_a_sum_takes_the_next_smallest_with_it() {
        // See: reached 6 = next 5 + stopped "<5" gave stopped = 1.
        use Cell::*;
        // Hiding the 5 is not enough: a "*" is at least 5, so 6 = 5 + 1
        // again; the total goes too.
        assert_eq!(solved(&[6, 5, 1], 5), [Suppressed, Suppressed, Small]);
        assert_eq!(
            solved(&[20, 10, 9, 1], 5),
            [Shown, Shown, Suppressed, Small]
        );
        // Known zeros do not protect: the next nonzero count goes.
        assert_eq!(
            solved(&[20, 0, 3, 0, 17], 5),
            [Shown, Shown, Small, Shown, Suppressed]
        );
        // Two small counts whose sum is known to be 2: both are 1.
        assert_eq!(
            solved(&[30, 1, 1, 28], 5),
            [Shown, Small, Small, Suppressed]
        );
        // Two small counts that could be 1 and 3 or 2 and 2: safe.
        assert_eq!(solved(&[30, 2, 2, 26], 5), [Shown, Small, Small, Shown]);
        // Nothing hidden, nothing to protect.
        assert_eq!(solved(&[30, 10, 20], 5), [Shown, Shown, Shown]);
    }
}
