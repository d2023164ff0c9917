//! Rebuilding a node from its records (R12, R14).
//!
//! Tables: `Blocks` (key = height, value = block and commit certificate),
//! `Evidence` (key = offender, value = evidence), `Protection` (key =
//! "local", value = the protection record with lock and valid value).
//! Blocks are re-applied in height order from genesis; the store is trusted
//! for signatures but every block must extend the previous one. A record
//! that does not decode, or a gap in the chain, is `RestoreError::Corrupt`.

use super::engine::Tendermint;
use super::evidence::verify_evidence;
use super::protection::Protection;
use super::types::{Evidence, Vote, VoteData, VoteType, decode_committed};
use super::votes::Added;
use super::wire::Message;
use crate::consensus::common::records::{corrupt, decode};
use crate::consensus::common::slashing::repool;
use crate::consensus::engine::*;

impl Tendermint {
    pub(super) fn restore_records(&mut self, records: Vec<Record>) -> Result<(), RestoreError> {
        let mut blocks = Vec::new();
        let mut evidence = Vec::new();
        let mut protection = None;
        for r in records {
            match r.table {
                Table::Blocks => {
                    let (b, c) = decode(&r, decode_committed)?;
                    if b.height.to_be_bytes().as_slice() != r.key.as_slice() {
                        return Err(corrupt(r.table, format!("key does not match height {}", b.height)));
                    }
                    blocks.push((b, c));
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
        blocks.sort_by_key(|(b, _)| b.height);
        let mut scratch = Vec::new();
        for (b, c) in blocks {
            if b.height != self.height || b.parent != self.head.hash {
                return Err(corrupt(Table::Blocks, format!("block at height {} does not extend the chain", b.height)));
            }
            self.apply_commit(0, b, c, false, &mut scratch);
        }
        repool(&mut self.evidence, &self.slashed, evidence, Evidence::offender);
        // The replay's events were reported before the crash; `Start` reports
        // the slashed validators again for observers of the new process.
        self.reported_slashed.clear();
        self.future.clear();
        self.start_at = None;
        self.started = false;
        if let Some(p) = protection {
            self.protection = p;
            self.resume_protected_round();
        }
        Ok(())
    }

    /// R12: at the height the protection record is for, take up the round we
    /// were in with our lock and valid value. That is the height restored
    /// from the store, or a later one reached by sync when a crash lost the
    /// last blocks (they become durable later than the record: see `store`).
    pub(super) fn resume_protected_round(&mut self) {
        let p = &self.protection;
        if p.height != self.height || p.round < self.round {
            return;
        }
        self.round = p.round;
        self.locked = p.locked.clone();
        self.valid = p.valid.clone();
        self.pol = p.pol.clone();
        for v in p.pol.clone() {
            let _ = self.votes.add(v);
        }
        // R12/R13: the votes signed at this round and the `EARLIER_ROUNDS`
        // before it may never have reached anyone (the record is written
        // before a signature leaves, and a partition may have eaten every
        // send), and the round may never come back to the step that would
        // send them again. Signed again (ed25519 is deterministic: the same
        // vote, never another), counted, and kept with the own messages the
        // rebroadcast re-sends. The 10,000-seed soak found a height stalled
        // for want of one such precommit of the current round (seed 1008510)
        // and for want of the round-0 votes of a node restarted in round 1:
        // alone in round 1 it was no reason for anyone to skip there (L55),
        // and the others' L34 and L47 waited on those votes (seed 1009895).
        let Some((me, key)) = self.key.clone() else { return };
        if !matches!(self.behaviour, Behaviour::Honest | Behaviour::Selfish | Behaviour::Withhold { .. }) {
            return;
        }
        let height = self.protection.height;
        for (round, kind, value) in self.protection.signed_votes() {
            let v = Vote::sign(&key, me, VoteData { kind, height, round, value });
            if let Added::Conflict(_) = self.votes.add(v) {
                continue; // cannot happen: the record is what was signed
            }
            if kind == VoteType::Precommit {
                self.last_precommit.insert(me, height);
            }
            self.own.push((round, Message::Vote(v)));
        }
    }
}
