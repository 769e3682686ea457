//! Stages and outcomes: each title in every language, no outcome the kiosk
//! writes itself, and a warning for one declared that no step uses.

use std::collections::HashMap;

use super::parse::RawNamed;
use super::validate_texts::check_texts;
use super::Texts;
use crate::diag::Collector;
use crate::messages::Message;
use crate::msg;

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
                msg!(
                    "check.outcome_reserved",
                    path = format!("outcomes.{}", o.id.get_ref()),
                    name = o.id.get_ref()
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

/// A warning, made by `message` from its id, for each of `named` that no
/// step uses.
pub(super) fn warn_unused(
    named: &[RawNamed],
    message: impl Fn(&str) -> Message,
    used: impl Fn(&str) -> bool,
    diag: &mut Collector<'_>,
) {
    for n in named {
        if !used(n.id.get_ref()) {
            diag.warning(n.id.span(), message(n.id.get_ref()));
        }
    }
}
