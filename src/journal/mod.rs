//! The anonymized outcome journal of DESIGN section 5. This module owns the
//! record schema; appending durably and reading tolerantly live beside it.

pub(crate) mod append;
mod record;
mod spool;
mod writer;

pub use record::{Answer, LocalHour, Record, StepRecord, SCHEMA_VERSION};
pub use spool::default_spool_fallback;
pub use writer::{file_name, JournalStatus, JournalWriter, WriterOptions};

#[cfg(test)]
mod soak_tests;
