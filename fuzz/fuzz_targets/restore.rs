//! The store's records as an engine reads them back when its node starts
//! (`Engine::restore`): whatever redb or the journal hands over, however it
//! was damaged. The node is n0 of the fuzz cluster (`cluster`), a validator.
//!
//! Input: an engine selector byte, then records (`layout::read_records`);
//! `write-seeds` records what real nodes of each engine persist.
//! Checks: nothing panics; a record whose value the engine's decoder
//! refuses makes the restore fail (never silently skipped: it may be
//! slashing protection); a restored node starts and runs.

#![no_main]

use devnet_fuzz::cluster::{self, SIM_MS};
use devnet_fuzz::layout::read_records;
use devnet_node::consensus::{Input, Record, Table, gasper, pow, tendermint};
use libfuzzer_sys::fuzz_target;

/// Whether `name`'s decoder for the record's table takes its value; tables
/// an engine does not keep are ignored by it, so they count as taken.
fn decodes(name: &str, r: &Record) -> bool {
    let v = r.value.as_slice();
    match (name, r.table) {
        ("gasper", Table::Blocks) => gasper::types::Block::decode(v).is_ok(),
        ("gasper", Table::ForkChoice) => gasper::types::Attestation::decode(v).is_ok(),
        ("gasper", Table::Evidence) => gasper::types::Evidence::decode(v).is_ok(),
        ("gasper", Table::Protection) => gasper::slashing::Protection::decode(v).is_ok(),
        ("tendermint", Table::Blocks) => tendermint::types::decode_committed(v).is_ok(),
        ("tendermint", Table::Evidence) => tendermint::types::Evidence::decode(v).is_ok(),
        ("tendermint", Table::Protection) => tendermint::protection::Protection::decode(v).is_ok(),
        ("pow", Table::Blocks) => pow::types::Block::decode(v).is_ok(),
        _ => true,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let name = cluster::ENGINES[which as usize % cluster::ENGINES.len()];
    let records = read_records(rest);
    let undecodable = records.iter().find(|r| !decodes(name, r)).cloned();
    let mut node = cluster::engine(name, 0, true);
    match node.restore(records) {
        Ok(()) => {
            assert!(undecodable.is_none(), "{name} restored over an undecodable record: {undecodable:?}");
            let _ = node.handle(SIM_MS, Input::Start);
            let _ = node.handle(SIM_MS + 50, Input::Tick);
            let _ = node.status(SIM_MS + 50);
            let _ = node.recent_blocks(16);
        }
        Err(e) => assert!(e.to_string().contains("corrupt"), "{e}"),
    }
});
