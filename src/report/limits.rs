//! The limits a report keeps to, so that a broken or hostile journal
//! cannot take the machine or print a wrong number: the most distinct step
//! ids one report holds, the alphabet of a step id, and counters that fail
//! instead of wrapping past `u64::MAX`, and the longest line read.

/// Distinct step ids (over all flows) one report may hold. A real flow has
/// a few dozen; 200,000 keeps the aggregate within tens of MB while no
/// journal from a kiosk comes near it.
pub const MAX_STEP_IDS: usize = 200_000;

/// The longest line read, in bytes; a longer one is skipped unread (by the
/// reader, and by [`super::aggregate::Aggregate::add_line`]).
pub const MAX_LINE: usize = 1 << 20;

/// Why the counts cannot be reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// A count would pass `u64::MAX`; names the counter.
    Overflow(&'static str),
    /// More than [`MAX_STEP_IDS`] distinct step ids.
    TooManySteps,
}

/// A journal step id: `[a-z0-9_]+`, as `kiosk check` requires of a flow.
pub fn valid_step_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// `*c += n`, or records the overflow of `what` and leaves `c` as it was.
#[inline(always)]
pub fn bump(c: &mut u64, n: u64, what: &'static str, failed: &mut Option<Failure>) {
    match c.checked_add(n) {
        Some(sum) => *c = sum,
        None => {
            failed.get_or_insert(Failure::Overflow(what));
        }
    }
}
