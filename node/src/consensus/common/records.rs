//! Records the engines persist and read back in `Engine::restore`.
//!
//! Rules: the slashing-protection record is one per node, in
//! `Table::Protection` under the key `local`; a record that does not
//! decode, or whose key does not match its value, is
//! `RestoreError::Corrupt` naming the record's table, with the decoder's own
//! message as the detail.

use crate::consensus::engine::{Effect, Record, RestoreError, Table};

/// The `Persist` of the node's slashing-protection record (`value`, its encoding).
pub fn protection_record(value: Vec<u8>) -> Effect {
    Effect::Persist(Record { table: Table::Protection, key: b"local".to_vec(), value })
}

pub fn corrupt(table: Table, detail: String) -> RestoreError {
    RestoreError::Corrupt { table: table.name(), detail }
}

/// Decodes a record's value with `decode`, or says which table is corrupt.
pub fn decode<T, E: std::fmt::Display>(
    r: &Record,
    decode: impl FnOnce(&[u8]) -> Result<T, E>,
) -> Result<T, RestoreError> {
    decode(&r.value).map_err(|e| corrupt(r.table, e.to_string()))
}
