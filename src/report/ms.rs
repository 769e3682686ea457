//! Visits per distinct `ms` of one step, from which the exact median is
//! read (DESIGN section 6). A step starts with a small sorted list of
//! (ms, visits) pairs, a few bytes for the many steps a journal visits only
//! now and then; once it holds [`PROMOTE`] distinct values it becomes a
//! dense table of counts below 65.536 s (one array access per visit, no
//! search, where nearly every visit falls) with a map for longer times and
//! for a count past `u32`. So memory follows the visits a step really has,
//! and a journal of 100,000 rarely seen ids costs kilobytes per id at most.
//! Every add is checked: a count that would pass `u64` is reported, never
//! wrapped.

use super::fx::FxMap;

/// Distinct values a step keeps in its sorted list before the dense table.
pub const PROMOTE: usize = 256;

const DENSE: usize = 1 << 16;

#[derive(Debug, Clone, Default)]
pub struct MsCounts {
    /// Sorted by ms, each ms once; empty once `dense` is in use.
    sparse: Vec<(u64, u64)>,
    dense: Option<Box<Dense>>,
}

#[derive(Debug, Clone)]
struct Dense {
    /// Visits per ms below [`DENSE`]; allocated at the first such visit.
    short: Vec<u32>,
    /// Longer times, and what a `short` count could not hold.
    long: FxMap<u64, u64>,
}

impl MsCounts {
    /// Adds `n` visits of `ms`; false (and nothing added) when a count
    /// would pass `u64::MAX`.
    #[inline]
    #[must_use]
    pub fn add(&mut self, ms: u64, n: u64) -> bool {
        match &mut self.dense {
            Some(d) => d.add(ms, n),
            None => self.add_sparse(ms, n),
        }
    }

    fn add_sparse(&mut self, ms: u64, n: u64) -> bool {
        match self.sparse.binary_search_by_key(&ms, |(v, _)| *v) {
            Ok(i) => match self.sparse[i].1.checked_add(n) {
                Some(sum) => {
                    self.sparse[i].1 = sum;
                    true
                }
                None => false,
            },
            Err(i) => {
                if self.sparse.len() < PROMOTE {
                    self.sparse.insert(i, (ms, n));
                    return true;
                }
                let mut d = Box::new(Dense {
                    short: Vec::new(),
                    long: FxMap::default(),
                });
                let mut ok = true;
                for (v, c) in std::mem::take(&mut self.sparse) {
                    ok &= d.add(v, c);
                }
                ok &= d.add(ms, n);
                self.dense = Some(d);
                ok
            }
        }
    }

    /// Adds another table's visits; false when a count would pass
    /// `u64::MAX`.
    #[must_use]
    pub fn merge(&mut self, other: &MsCounts) -> bool {
        let mut ok = true;
        match (&mut self.dense, &other.dense) {
            (Some(mine), Some(theirs)) if !theirs.short.is_empty() => {
                if mine.short.is_empty() {
                    mine.short = vec![0; DENSE];
                }
                for (ms, (a, b)) in mine.short.iter_mut().zip(&theirs.short).enumerate() {
                    if *b > 0 {
                        match a.checked_add(*b) {
                            Some(sum) => *a = sum,
                            None => ok &= add_long(&mut mine.long, ms as u64, u64::from(*b)),
                        }
                    }
                }
                for (ms, n) in &theirs.long {
                    ok &= add_long(&mut mine.long, *ms, *n);
                }
            }
            _ => {
                for (ms, n) in other.pairs() {
                    ok &= self.add(ms, n);
                }
            }
        }
        ok
    }

    /// (ms, visits) pairs, sorted by ms (a value may appear twice).
    pub fn pairs(&self) -> Vec<(u64, u64)> {
        let Some(d) = &self.dense else {
            return self.sparse.clone();
        };
        let mut out: Vec<(u64, u64)> = d
            .short
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(ms, n)| (ms as u64, u64::from(*n)))
            .collect();
        out.extend(d.long.iter().map(|(ms, n)| (*ms, *n)));
        out.sort_unstable();
        out
    }

    /// Heap bytes held, for the memory bound's tests.
    pub fn heap_bytes(&self) -> usize {
        let pair = std::mem::size_of::<(u64, u64)>();
        self.sparse.capacity() * pair
            + self.dense.as_ref().map_or(0, |d| {
                std::mem::size_of::<Dense>() + d.short.capacity() * 4 + d.long.capacity() * pair
            })
    }
}

impl Dense {
    #[inline]
    fn add(&mut self, ms: u64, n: u64) -> bool {
        if let Ok(i) = usize::try_from(ms) {
            if i < DENSE {
                if self.short.is_empty() {
                    self.short = vec![0; DENSE];
                }
                if let Some(c) = self.short.get_mut(i) {
                    if let Some(sum) = u32::try_from(n).ok().and_then(|n| c.checked_add(n)) {
                        *c = sum;
                        return true;
                    }
                }
            }
        }
        add_long(&mut self.long, ms, n)
    }
}

fn add_long(long: &mut FxMap<u64, u64>, ms: u64, n: u64) -> bool {
    let c = long.entry(ms).or_insert(0);
    match c.checked_add(n) {
        Some(sum) => {
            *c = sum;
            true
        }
        None => false,
    }
}

/// The exact median of a count-per-value table: the middle value, or the
/// two middle values (whose mean is the median) for an even total.
pub fn median(counts: &MsCounts) -> Option<(u64, u64)> {
    let values = counts.pairs();
    // Never more than the step's visits, themselves a checked u64.
    let total = values
        .iter()
        .fold(0u64, |sum, (_, n)| sum.saturating_add(*n));
    if total == 0 {
        return None;
    }
    // 1-based ranks of the two middle visits (equal for an odd total).
    let lo_rank = total.div_ceil(2);
    let hi_rank = total / 2 + 1;
    let mut seen: u64 = 0;
    let mut lo = None;
    for (v, n) in values {
        seen = seen.saturating_add(n);
        if lo.is_none() && seen >= lo_rank {
            lo = Some(v);
        }
        if seen >= hi_rank {
            return lo.map(|lo| (lo, v));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn table(values: &[u64]) -> MsCounts {
        let mut m = MsCounts::default();
        for v in values {
            assert!(m.add(*v, 1));
        }
        m
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&table(&[])), None);
        assert_eq!(median(&table(&[7])), Some((7, 7)));
        assert_eq!(median(&table(&[1, 9, 3])), Some((3, 3)));
        assert_eq!(median(&table(&[1, 9, 3, 4])), Some((3, 4)));
        assert_eq!(median(&table(&[5, 5, 5, 8])), Some((5, 5)));
        assert_eq!(
            median(&table(&[70_000, 1, 90_000, 65_535])),
            Some((65_535, 70_000))
        );
        // A count past u32 spills into the map and still counts.
        let many: Vec<u64> = (0..PROMOTE as u64 + 10).collect();
        let mut m = table(&many);
        assert!(m.add(3, u64::from(u32::MAX)));
        assert!(m.add(100_000, 1));
        assert_eq!(median(&m), Some((3, 3)));
    }

    #[test]
    fn a_step_seen_rarely_stays_small_and_a_busy_one_goes_dense() {
        // See: the dense table was allocated at a step's first visit
        // (256 KB per distinct step id; 3 GB for 20,000 ids).
        let m = table(&[4200, 9100, 3000]);
        assert!(m.dense.is_none());
        assert!(m.heap_bytes() <= 16 * 8, "{}", m.heap_bytes());
        let busy: Vec<u64> = (0..1000).map(|i| i * 37 % 20_000).collect();
        let m = table(&busy);
        assert!(m.dense.is_some());
    }

    #[test]
    fn counts_never_wrap() {
        let mut m = table(&[5]);
        assert!(!m.add(5, u64::MAX));
        assert_eq!(m.pairs(), vec![(5, 1)]);
        let mut big = MsCounts::default();
        assert!(big.add(u64::MAX, u64::MAX));
        assert!(!big.merge(&table(&[u64::MAX])));
    }

    proptest! {
        #[test]
        fn median_from_counts_matches_the_sorted_list(
            mut v in proptest::collection::vec(prop_oneof![0u64..50, 65_530u64..65_540, 0u64..5_000], 1..700),
            split in 0usize..700,
        ) {
            let split = split.min(v.len());
            // Two tables merged (sparse into dense, dense into sparse...)
            // give the median of the whole list.
            let mut a = table(&v[..split]);
            prop_assert!(a.merge(&table(&v[split..])));
            let mut b = table(&v[split..]);
            prop_assert!(b.merge(&table(&v[..split])));
            let got = median(&table(&v)).unwrap();
            v.sort_unstable();
            let n = v.len();
            prop_assert_eq!(got, (v[(n - 1) / 2], v[n / 2]));
            prop_assert_eq!(median(&a), Some(got));
            prop_assert_eq!(median(&b), Some(got));
        }
    }
}
