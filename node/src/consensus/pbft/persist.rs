//! Rebuilding a node from its records (R15).
//!
//! Tables: `Blocks` (key = seq, value = block and commit certificate),
//! `Evidence` (key = offender, value = evidence), `Protection` (key =
//! "local", value = the protection record). Blocks are re-applied in
//! sequence order from genesis; the store is trusted for signatures but every
//! block must extend the previous one. A record that does not decode, or a
//! gap in the chain, is `RestoreError::Corrupt`.

use super::certs::verify_evidence;
use super::engine::{Pbft, ViewChangeReason};
use super::protection::Protection;
use super::types::{Evidence, decode_committed};
use crate::consensus::engine::*;

fn corrupt(table: Table, detail: String) -> RestoreError {
    RestoreError::Corrupt { table: table.name(), detail }
}

impl Pbft {
    pub(super) fn restore_records(&mut self, records: Vec<Record>) -> Result<(), RestoreError> {
        let mut blocks = Vec::new();
        let mut evidence = Vec::new();
        let mut protection = None;
        for r in records {
            match r.table {
                Table::Blocks => {
                    let c = decode_committed(&r.value).map_err(|e| corrupt(r.table, e.to_string()))?;
                    if c.block.seq.to_be_bytes().as_slice() != r.key.as_slice() {
                        return Err(corrupt(r.table, format!("key does not match seq {}", c.block.seq)));
                    }
                    blocks.push(c);
                }
                Table::Evidence => {
                    let ev = Evidence::decode(&r.value).map_err(|e| corrupt(r.table, e.to_string()))?;
                    verify_evidence(&ev, &self.vals, &mut self.sigs).map_err(|e| corrupt(r.table, e))?;
                    evidence.push(ev);
                }
                Table::Protection => {
                    protection = Some(Protection::decode(&r.value).map_err(|e| corrupt(r.table, e.to_string()))?);
                }
                Table::ForkChoice => {}
            }
        }
        blocks.sort_by_key(|c| c.block.seq);
        let mut scratch = Vec::new();
        for c in blocks {
            if c.block.seq != self.head.height + 1 || c.block.parent != self.head.hash {
                return Err(corrupt(Table::Blocks, format!("block {} does not extend the chain", c.block.seq)));
            }
            self.commit(0, c.block, c.votes, false, &mut scratch);
        }
        for ev in evidence {
            if !self.slashed.contains(&ev.offender()) {
                self.evidence.insert(ev.offender(), ev);
            }
        }
        // The replay's events were reported before the crash; `Start` reports
        // the slashed validators again for observers of the new process.
        self.reported_slashed.clear();
        if let Some(p) = protection {
            self.view = p.view;
            self.changing = p.leaving_for().map(|t| (t, ViewChangeReason::Timer));
            self.protection = p;
        }
        Ok(())
    }
}
