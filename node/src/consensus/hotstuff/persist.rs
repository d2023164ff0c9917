//! Rebuilding a node from its records (R9, R13).
//!
//! Tables: `Blocks` (key = block id, value = the block), `ForkChoice`
//! (key "high": the high QC and TC, as a `SyncInfo`), `Evidence` (key =
//! offender), `Protection` (key "local"). Blocks are re-imported parent
//! first (a block whose parent was lost is left out: sync brings it back),
//! their QCs re-applied, which rebuilds the certified flags, the locks'
//! inputs, the committed chain and the head; the store is trusted for
//! signatures. A record that does not decode is `RestoreError::Corrupt`.

use super::engine::HotStuff;
use super::protection::Protection;
use super::types::{Block, Evidence};
use super::wire::Message;
use crate::consensus::common::records::{corrupt, decode};
use crate::consensus::common::slashing::repool;
use crate::consensus::engine::*;

impl HotStuff {
    pub(super) fn restore_records(&mut self, records: Vec<Record>) -> Result<(), RestoreError> {
        let mut blocks = Vec::new();
        let mut evidence = Vec::new();
        let mut protection = None;
        let mut high = None;
        for r in records {
            match r.table {
                Table::Blocks => {
                    let b = decode(&r, Block::decode)?;
                    let id = b.hash();
                    if id.0.as_slice() != r.key.as_slice() {
                        return Err(corrupt(r.table, format!("key does not match block {}", id.short())));
                    }
                    blocks.push((b.height, b.round, id, b));
                }
                Table::Evidence => {
                    let ev = decode(&r, Evidence::decode)?;
                    self.checker().evidence(&ev).map_err(|e| corrupt(r.table, e))?;
                    evidence.push(ev);
                }
                Table::Protection => {
                    protection = Some(decode(&r, Protection::decode)?);
                }
                Table::ForkChoice => match decode(&r, |v| Message::decode(MsgKind::Status, v))? {
                    Message::SyncInfo(s) => high = Some(s),
                    _ => return Err(corrupt(r.table, "not a sync info".into())),
                },
            }
        }
        blocks.sort_by_key(|(h, r, id, _)| (*h, *r, *id));
        let mut scratch = Vec::new();
        for (_, _, id, b) in blocks {
            if !self.tree.contains(&b.parent) || self.tree.contains(&id) {
                continue;
            }
            if self.ledger.execute(id, b.height, &b.parent, &b.txs, &b.state_root, &self.tree).is_err() {
                return Err(corrupt(Table::Blocks, format!("block {} does not execute", id.short())));
            }
            let qc = b.qc.clone();
            self.insert_block(0, id, b, false, &mut scratch);
            self.observe_qc(0, qc, None, &mut scratch);
        }
        if let Some(s) = high {
            if let Some(tc) = s.high_tc {
                self.observe_tc(0, tc, None, &mut scratch);
            }
            self.observe_qc(0, s.high_qc, None, &mut scratch);
        }
        repool(&mut self.evidence, &self.slashed, evidence, Evidence::offender);
        if let Some(p) = protection {
            // The record is what was signed; the locks never go back below it.
            let mut p = p;
            p.preferred_round = p.preferred_round.max(self.protection.preferred_round);
            p.one_chain_round = p.one_chain_round.max(self.protection.one_chain_round);
            self.protection = p;
        }
        // The replay's events were reported before the crash; `Start`
        // reports the slashed validators again for observers of the new process.
        self.reported_slashed.clear();
        self.started = false;
        Ok(())
    }
}
