//! Rebuilding a node from its persisted records (R15).
//!
//! Tables: `Blocks` (key = block hash, value = block), `ForkChoice` (key =
//! validator index, value = its latest attestation), `Evidence` (key =
//! offender index, value = evidence), `Protection` (key = "local", value =
//! the slashing-protection record). Blocks are re-imported in slot order
//! from genesis, which rebuilds every chain state; any record that does not
//! decode, or whose key does not match its value, is `RestoreError::Corrupt`.

use super::engine::Gasper;
use super::slashing::{Protection, verify_evidence};
use super::types::{Attestation, Block, Evidence};
use crate::consensus::common::records::{corrupt, decode};
use crate::consensus::engine::*;
use std::sync::Arc;

impl Gasper {
    pub(super) fn restore_records(&mut self, records: Vec<Record>) -> Result<(), RestoreError> {
        let mut blocks = Vec::new();
        let mut latest = Vec::new();
        let mut evidence = Vec::new();
        let mut protection = None;
        for r in records {
            match r.table {
                Table::Blocks => {
                    let b = decode(&r, Block::decode)?;
                    if b.hash().0.as_slice() != r.key.as_slice() {
                        return Err(corrupt(r.table, format!("key does not match block {}", b.hash())));
                    }
                    blocks.push(b);
                }
                Table::ForkChoice => {
                    let a = decode(&r, Attestation::decode)?;
                    if a.validator.to_be_bytes().as_slice() != r.key.as_slice() {
                        return Err(corrupt(r.table, "key does not match the attestation's validator".into()));
                    }
                    latest.push(a);
                }
                Table::Evidence => {
                    let ev = decode(&r, Evidence::decode)?;
                    verify_evidence(&ev, &self.vals, &mut self.sigs).map_err(|e| corrupt(r.table, e))?;
                    evidence.push(ev);
                }
                Table::Protection => {
                    protection = Some(decode(&r, Protection::decode)?);
                }
            }
        }
        let mut scratch = Vec::new();
        for ev in evidence {
            self.on_evidence(ev, &mut scratch);
        }
        // Parents before children; a block whose parent is gone (a fork pruned
        // by finality before the crash) is simply left out.
        blocks.sort_by_key(|b| (b.slot(), b.hash()));
        for b in blocks {
            if self.tree.contains(&b.parent()) && !self.tree.contains(&b.hash()) {
                let _ = self.detector.observe_header(&b.signed);
                let _ = self.import(Arc::new(b), false, &mut scratch);
            }
        }
        for a in latest {
            self.fc.on_attestation(&a);
        }
        if let Some(p) = protection {
            self.protection = p;
        }
        self.update_head(&mut scratch);
        // The replay's events were reported before the crash and are dropped,
        // except `Slashed`: the first handled input reports the head state's
        // slashed validators again, so a restarted node's observers learn them.
        self.reported_slashed.clear();
        Ok(())
    }
}
