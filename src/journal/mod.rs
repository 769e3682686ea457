//! The anonymized outcome journal of DESIGN section 5. This module owns the
//! record schema and writing it: `writer` (the journal thread), `append`
//! (one locked, undoable append to a monthly file) and `spool` (records
//! the journal could not take yet, kept on disk for the next writer).
//! Reading tolerantly lives in `report`.

mod append;
mod record;
mod spool;
mod writer;

pub use record::{Answer, LocalHour, Record, StepRecord, SCHEMA_VERSION};
pub use spool::default_spool_fallback;
pub use writer::{file_name, JournalStatus, JournalWriter, WriterOptions};

#[cfg(test)]
mod soak_tests;
