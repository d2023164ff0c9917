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
use crate::consensus::common::records::{corrupt, decode};
use crate::consensus::common::slashing::repool;
use crate::consensus::engine::*;

impl Pbft {
    pub(super) fn restore_records(&mut self, records: Vec<Record>) -> Result<(), RestoreError> {
        let mut blocks = Vec::new();
        let mut evidence = Vec::new();
        let mut protection = None;
        for r in records {
            match r.table {
                Table::Blocks => {
                    let c = decode(&r, decode_committed)?;
                    if c.block.seq.to_be_bytes().as_slice() != r.key.as_slice() {
                        return Err(corrupt(r.table, format!("key does not match seq {}", c.block.seq)));
                    }
                    blocks.push(c);
                }
                Table::Evidence => {
                    let ev = decode(&r, Evidence::decode)?;
                    verify_evidence(&ev, &self.vals, &mut self.sigs).map_err(|e| corrupt(r.table, e))?;
                    evidence.push(ev);
                }
                Table::Protection => {
                    protection = Some(decode(&r, Protection::decode)?);
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
        repool(&mut self.evidence, &self.slashed, evidence, Evidence::offender);
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
