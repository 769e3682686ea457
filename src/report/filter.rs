//! Which records count (DESIGN section 7): `--flow-id`, `--kiosk`,
//! `--session-lang`, and the inclusive local-time window `--since` /
//! `--until`. A journal `hour` is `YYYY-MM-DDTHH`, fixed width, so the window
//! compares hour strings as they are.

use chrono::NaiveDate;

use super::parse::Rec;
use crate::messages::Message;
use crate::msg;

/// The record filter; `None` lets everything through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub flow_id: Option<String>,
    pub kiosk: Option<String>,
    pub session_lang: Option<String>,
    /// First hour counted, `YYYY-MM-DDTHH`.
    pub since: Option<String>,
    /// Last hour counted, `YYYY-MM-DDTHH`.
    pub until: Option<String>,
}

impl Filter {
    pub fn accepts(&self, rec: &Rec<'_>) -> bool {
        fn is(want: &Option<String>, got: &str) -> bool {
            want.as_deref().is_none_or(|w| w == got)
        }
        is(&self.flow_id, &rec.flow)
            && is(&self.kiosk, &rec.kiosk)
            && is(&self.session_lang, &rec.lang)
            && self.since.as_deref().is_none_or(|s| *rec.hour >= *s)
            && self.until.as_deref().is_none_or(|u| *rec.hour <= *u)
    }
}

/// Which end of the window a `DATE` without an hour stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// `--since DATE`: from hour 00 of that day.
    Start,
    /// `--until DATE`: through hour 23 of that day.
    End,
}

/// `YYYY-MM-DD` or `YYYY-MM-DDTHH` as the hour it bounds.
pub fn parse_bound(value: &str, bound: Bound) -> Result<String, Message> {
    let (date, hour) = match value.split_once('T') {
        Some((date, hour)) => (date, Some(hour)),
        None => (value, None),
    };
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .filter(|_| date.len() == 10)
        .ok_or_else(|| msg!("report.bad_date", value = value))?;
    let hour = match hour {
        None => match bound {
            Bound::Start => 0,
            Bound::End => 23,
        },
        Some(h) => h
            .parse::<u8>()
            .ok()
            .filter(|h| *h < 24)
            .filter(|_| h.len() == 2)
            .ok_or_else(|| msg!("report.bad_hour", value = value))?,
    };
    Ok(format!("{}T{hour:02}", day.format("%Y-%m-%d")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn rec(hour: &'static str) -> Rec<'static> {
        Rec {
            flow: Cow::Borrowed("f"),
            kiosk: Cow::Borrowed("k"),
            hour: Cow::Borrowed(hour),
            lang: Cow::Borrowed("ja"),
            outcome: Cow::Borrowed("resolved"),
            steps: Vec::new(),
        }
    }

    #[test]
    fn dates_bound_whole_days_and_hours_are_inclusive() {
        assert_eq!(
            parse_bound("2026-11-24", Bound::Start).unwrap(),
            "2026-11-24T00"
        );
        assert_eq!(
            parse_bound("2026-11-24", Bound::End).unwrap(),
            "2026-11-24T23"
        );
        assert_eq!(
            parse_bound("2026-11-24T09", Bound::End).unwrap(),
            "2026-11-24T09"
        );
        assert!(parse_bound("2026-11-24T9", Bound::End).is_err());
        assert!(parse_bound("2026-11-24T24", Bound::End).is_err());
        assert!(parse_bound("2026-02-30", Bound::End).is_err());
        assert!(parse_bound("24/11/2026", Bound::End).is_err());
        let f = Filter {
            since: Some("2026-11-24T09".into()),
            until: Some("2026-11-24T23".into()),
            ..Filter::default()
        };
        assert!(!f.accepts(&rec("2026-11-24T08")));
        assert!(f.accepts(&rec("2026-11-24T09")));
        assert!(f.accepts(&rec("2026-11-24T23")));
        assert!(!f.accepts(&rec("2026-11-25T00")));
    }

    #[test]
    fn each_field_filter_must_match_exactly() {
        let r = rec("2026-11-24T10");
        assert!(Filter::default().accepts(&r));
        let f = |flow_id: &str, kiosk: &str, lang: &str| Filter {
            flow_id: Some(flow_id.into()),
            kiosk: Some(kiosk.into()),
            session_lang: Some(lang.into()),
            ..Filter::default()
        };
        assert!(f("f", "k", "ja").accepts(&r));
        assert!(!f("g", "k", "ja").accepts(&r));
        assert!(!f("f", "k2", "ja").accepts(&r));
        assert!(!f("f", "k", "en").accepts(&r));
    }
}
