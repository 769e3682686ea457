//! The anonymized outcome journal of DESIGN section 5. This module owns
//! writing records: `writer` (the journal thread), `append` (one locked,
//! undoable append to a monthly file) and `spool` (records the journal
//! could not take yet, kept on disk for the next writer). The record schema
//! is the leaf [`crate::record`], shared with the engine that builds
//! records; reading tolerantly lives in `report`.

mod append;
mod spool;
mod writer;

pub use crate::record::{Answer, LocalHour, Record, StepRecord, SCHEMA_VERSION};
pub use spool::default_spool_fallback;
pub use writer::{file_name, JournalStatus, JournalWriter, WriterOptions};

#[cfg(test)]
mod soak_tests;
