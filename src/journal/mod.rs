//! The anonymized outcome journal of DESIGN section 5. This module owns the
//! record schema; appending durably and reading tolerantly live beside it.

mod record;
mod writer;

pub use record::{Answer, LocalHour, Record, StepRecord, SCHEMA_VERSION};
pub use writer::{file_name, JournalStatus, JournalWriter};
