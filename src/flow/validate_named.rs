//! Stages and outcomes: each title in every language, no outcome the kiosk
//! writes itself, and a warning for one declared that no step uses.

use std::collections::HashMap;

use super::parse::RawNamed;
use super::validate_texts::check_texts;
use super::Texts;
use crate::diag::Collector;

/// Outcomes the kiosk writes itself; a flow may not reuse them.
const RESERVED_OUTCOMES: &[&str] = &["abandoned", "restarted"];

pub(super) fn check_named(
    named: &[RawNamed],
    kind: &str,
    langs: &[String],
    diag: &mut Collector<'_>,
) -> Option<Vec<Texts>> {
    named
        .iter()
        .map(|n| {
            if diag.error_limit_reached() {
                return None;
            }
            // A missing title was reported by `parse`.
            let path = format!("{kind}.{}.title", n.id.get_ref());
            n.title
                .as_ref()
                .and_then(|t| check_texts(t, &path, langs, diag))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

pub(super) fn check_reserved_outcomes(outcomes: &[RawNamed], diag: &mut Collector<'_>) {
    for o in outcomes {
        if RESERVED_OUTCOMES.contains(&o.id.get_ref().as_str()) {
            diag.error(
                o.id.span(),
                format!(
                    "outcomes.{0}: \"{0}\" is written by the kiosk itself; choose another name",
                    o.id.get_ref()
                ),
            );
        }
    }
}

pub(super) fn index_of(named: &[RawNamed]) -> HashMap<&str, usize> {
    named
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.get_ref().as_str(), i))
        .collect()
}

pub(super) fn warn_unused(
    named: &[RawNamed],
    kind: &str,
    used: impl Fn(&str) -> bool,
    diag: &mut Collector<'_>,
) {
    for n in named {
        if !used(n.id.get_ref()) {
            diag.warning(
                n.id.span(),
                format!(
                    "{kind} \"{}\" is declared but no step uses it",
                    n.id.get_ref()
                ),
            );
        }
    }
}
