//! The k rule of the human formats (DESIGN section 6): a count from 1 to
//! k-1 is shown as "<k", and a slice (the whole report, a step, a week, an
//! hour) with fewer than k sessions is not broken down further. Zero is
//! shown as 0: it tells nothing about anyone. JSON is exact and never
//! comes here.

/// `n` as the human formats show it: "<k" below k, else with thousands
/// separators.
pub fn count(n: u64, k: u64) -> String {
    if n > 0 && n < k {
        format!("<{k}")
    } else {
        thousands(n)
    }
}

/// Whether a count may be shown as it is (and drawn as a bar).
pub fn shown(n: u64, k: u64) -> bool {
    n == 0 || n >= k
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

/// A share in percent with one decimal, or nothing for a hidden count.
pub fn percent(n: u64, total: u64, k: u64) -> String {
    if !shown(n, k) || total == 0 {
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

    #[test]
    fn small_counts_hide_and_large_ones_group() {
        assert_eq!(count(0, 5), "0");
        assert_eq!(count(1, 5), "<5");
        assert_eq!(count(4, 5), "<5");
        assert_eq!(count(5, 5), "5");
        assert_eq!(count(1234567, 5), "1,234,567");
        assert_eq!(count(3, 1), "3");
        assert_eq!(percent(3, 10, 5), "");
        assert_eq!(percent(5, 10, 5), "50.0%");
        assert!(!breaks_down(4, 5));
        assert!(breaks_down(5, 5));
        assert_eq!(seconds(9100.0), "9.1 s");
    }
}
