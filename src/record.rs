//! One journal line: the anonymized record of one session (schema v1,
//! DESIGN section 5). Field order is part of the contract, so every kiosk
//! writes the same bytes for the same session.
//!
//! A leaf: the engine builds records and the journal writes them, so the
//! schema belongs to neither and imports nothing of the crate.

use std::fmt;

use chrono::{Datelike, Timelike};
use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: u32 = 1;

/// How the customer left a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    Yes,
    No,
    /// A note was continued.
    Next,
    /// The customer went back from the step.
    Back,
    /// The session ended on the step.
    None,
}

/// What came of a yes on a print step (issue 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrintResult {
    /// An enabled queue took the job and CUPS reported it processing or done.
    Ok,
    /// A stopped queue, a missing printer, a failed or late job.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub id: String,
    pub answer: Answer,
    pub ms: u64,
    pub repeats: u32,
    pub help: u32,
    /// Only on a print step answered yes, once the printer answered: an
    /// optional field, so records without it stay schema 1 (DESIGN 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub print: Option<PrintResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub v: u32,
    pub flow: String,
    pub flow_hash: String,
    pub kiosk: String,
    /// Local hour the session started in, truncated: `2026-11-24T14`.
    pub hour: String,
    pub lang: String,
    pub outcome: String,
    pub end: String,
    pub steps: Vec<StepRecord>,
    pub help: u32,
    pub back: u32,
    pub duration_ms: u64,
}

impl Record {
    /// The record as one journal line, without the newline.
    pub fn to_line(&self) -> String {
        // Serializing plain strings and integers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A local wall-clock hour; the engine is handed it, never reads a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalHour {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
}

impl LocalHour {
    /// The local wall-clock hour now: the one place the kiosk turns the
    /// clock into a `LocalHour` (the engine's `Now`, the journal's month).
    pub fn now() -> LocalHour {
        LocalHour::of(&chrono::Local::now())
    }

    /// The hour `time` falls in, truncated.
    pub fn of<T: Datelike + Timelike>(time: &T) -> LocalHour {
        // Month, day and hour always fit a u8; the fallbacks are never used.
        LocalHour {
            year: time.year(),
            month: u8::try_from(time.month()).unwrap_or(1),
            day: u8::try_from(time.day()).unwrap_or(1),
            hour: u8::try_from(time.hour()).unwrap_or(0),
        }
    }

    /// `YYYY-MM`, the monthly journal file's name part.
    pub fn month_stamp(&self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

impl fmt::Display for LocalHour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}",
            self.year, self.month, self.day, self.hour
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hour_is_truncated_and_zero_padded() {
        let h = LocalHour {
            year: 2026,
            month: 1,
            day: 4,
            hour: 9,
        };
        assert_eq!(h.to_string(), "2026-01-04T09");
        assert_eq!(h.month_stamp(), "2026-01");
    }

    #[test]
    fn a_wall_clock_time_becomes_its_hour() {
        let time = chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
            .and_then(|d| d.and_hms_opt(14, 59, 59))
            .unwrap();
        let h = LocalHour::of(&time);
        assert_eq!(h.to_string(), "2026-11-24T14");
        assert_eq!(h.month_stamp(), "2026-11");
    }

    #[test]
    fn a_line_reads_back_and_keeps_field_order() {
        let r = Record {
            v: 1,
            flow: "f".into(),
            flow_hash: "0011aabb".into(),
            kiosk: "counter".into(),
            hour: "2026-11-24T14".into(),
            lang: "ja".into(),
            outcome: "resolved".into(),
            end: "done".into(),
            steps: vec![StepRecord {
                print: None,
                id: "done".into(),
                answer: Answer::None,
                ms: 0,
                repeats: 0,
                help: 0,
            }],
            help: 0,
            back: 0,
            duration_ms: 0,
        };
        let line = r.to_line();
        assert!(line
            .starts_with(r#"{"v":1,"flow":"f","flow_hash":"0011aabb","kiosk":"counter","hour":"#));
        assert!(line.contains(r#""answer":"none""#));
        let back: Record = serde_json::from_str(&line).unwrap();
        assert_eq!(back, r);
    }
}
