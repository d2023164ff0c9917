//! Rebuilding a node from its records (R13).
//!
//! One table: `Blocks` (key = block id, value = the block). Blocks are
//! re-checked (puzzle, difficulty, parent) and re-inserted in height order;
//! one whose parent is missing (a pruned side branch) is skipped. A record
//! that does not decode or whose key is not its id is `RestoreError::Corrupt`.
//! A selfish or withholding miner's unpublished blocks are never persisted:
//! a crash loses them, as it would a real private pool's.

use super::engine::Pow;
use super::types::Block;
use crate::consensus::common::records;
use crate::consensus::engine::*;

/// Every record read is a block.
fn corrupt(detail: String) -> RestoreError {
    records::corrupt(Table::Blocks, detail)
}

impl Pow {
    pub(super) fn restore_records(&mut self, records: Vec<Record>) -> Result<(), RestoreError> {
        let mut blocks = Vec::new();
        for r in records {
            if r.table != Table::Blocks {
                continue;
            }
            let b = Block::decode(&r.value).map_err(|e| corrupt(e.to_string()))?;
            let hash = b.id();
            if hash.0.as_slice() != r.key.as_slice() {
                return Err(corrupt(format!("key does not match the block at height {}", b.height)));
            }
            blocks.push((b.height, hash, b));
        }
        blocks.sort_by_key(|(h, id, _)| (*h, *id));
        for (_, hash, b) in blocks {
            let Some(parent) = self.tree.get(&b.parent).map(|e| e.block.clone()) else { continue };
            self.check(&b, &parent).map_err(corrupt)?;
            self.execute(hash, &b).map_err(corrupt)?;
            let seen = self.last_mined.entry(b.miner).or_insert(0);
            *seen = (*seen).max(b.height);
            self.tree.insert(hash, b);
        }
        // Observers of the new process learn the chain from `recent_blocks`;
        // the replay's events were reported before the crash.
        let mut scratch = Vec::new();
        self.update_head(&mut scratch);
        self.public_seen = self.head.height;
        Ok(())
    }
}
