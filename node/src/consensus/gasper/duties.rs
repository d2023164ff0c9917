//! The local validator's duties: proposing (R6) and attesting (R5), guarded by
//! slashing protection (R12), or deliberately not (R13).

use super::engine::{Gasper, GasperBlocks};
use super::types::{Attestation, AttestationData, Block, BlockHeader, Body, MAX_BLOCK_ATTESTATIONS};
use super::types::{MAX_BLOCK_EVIDENCE, Message};
use super::validators::{sign_attestation, sign_header};
use crate::consensus::common::inbound::reject;
use crate::consensus::common::records::protection_record;
use crate::consensus::engine::*;
use std::collections::BTreeSet;
use std::sync::Arc;

/// R18: at most this many own blocks are held back; the oldest is released early.
const MAX_WITHHELD: usize = 64;

impl Gasper {
    /// The two halves of our peers that an equivocator plays against each other (R13).
    fn halves(&self) -> (Dest, Dest) {
        if self.peers.len() < 2 {
            return (Dest::All, Dest::All);
        }
        let mid = self.peers.len() / 2;
        (Dest::Peers(self.peers[..mid].to_vec()), Dest::Peers(self.peers[mid..].to_vec()))
    }

    fn persist_protection(&self, fx: &mut Vec<Effect>) {
        // The deliberately broken build (`make chaos-mutant`, never shipped):
        // the protection record is never written, so a restarted node has
        // forgotten what it signed. `devnet chaos` must catch it.
        if cfg!(feature = "mutant-skip-protection-write") {
            return;
        }
        fx.push(protection_record(self.protection.encode()));
    }

    /// R6: the body a proposer of `slot` on `parent` builds: pool attestations
    /// that would count in FFG and are not counted yet, and evidence against
    /// validators the parent state has not slashed.
    pub(super) fn build_body(&self, slot: u64, parent: &crate::chain::Hash32, graffiti: u64) -> Option<Body> {
        let node = self.tree.get(parent)?;
        let st = &node.state;
        let es = self.epoch_slots;
        let epoch = self.epoch_of(slot);
        let mut picked = BTreeSet::new();
        let mut attestations = Vec::new();
        for a in self.pool.values() {
            if attestations.len() >= MAX_BLOCK_ATTESTATIONS {
                break;
            }
            let d = &a.data;
            let t = d.target.epoch;
            let in_window = t == epoch || t.checked_add(1) == Some(epoch);
            // The block itself is epoch `t`'s checkpoint when it opens the epoch;
            // no earlier attestation can name it.
            let cp_ok = t.checked_mul(es).is_some_and(|start| slot > start)
                && self.tree.checkpoint(parent, t, es).is_some_and(|c| c.root == d.target.root);
            if d.slot < slot
                && in_window
                && cp_ok
                && d.source.epoch < t
                && !st.slashed.contains(&a.validator)
                && st.justified_set.contains(&d.source)
                && !st.counted(&d.source, &d.target, a.validator)
                && picked.insert((a.validator, d.source, d.target))
            {
                attestations.push(*a);
            }
        }
        let evidence = self
            .evidence
            .iter()
            .filter(|(v, _)| !st.slashed.contains(v))
            .map(|(_, e)| e.clone())
            .take(MAX_BLOCK_EVIDENCE)
            .collect();
        // Ledger T5: the mempool's transfers on the parent's state.
        let (txs, state_root) = self.ledger.build_on(parent, &GasperBlocks(&self.tree));
        Some(Body { graffiti, attestations, evidence, state_root, txs })
    }

    /// R6, R12, R13: propose at the start of our slot, on top of the head.
    pub(super) fn propose(&mut self, slot: u64, fx: &mut Vec<Effect>) {
        if self.behaviour == Behaviour::Silent {
            return;
        }
        let Some((me, key)) = self.key.clone() else {
            return;
        };
        let parent = self.head.hash;
        let Some(pnode) = self.tree.get(&parent) else {
            return;
        };
        if slot <= pnode.slot
            || self.vals.proposer(&self.seed, self.epoch_slots, slot, &pnode.state.slashed) != Some(me)
        {
            return;
        }
        let make = |body: Body| {
            let header = BlockHeader { slot, proposer: me, parent, body_root: body.root() };
            Block { signed: sign_header(&key, header), body }
        };
        match self.behaviour {
            Behaviour::Honest | Behaviour::Selfish | Behaviour::Withhold { .. } => {
                if !self.protection.may_sign_block(slot) {
                    return;
                }
                let Some(body) = self.build_body(slot, &parent, 0) else {
                    return;
                };
                self.protection.record_block(slot);
                self.persist_protection(fx); // R12: before the signature leaves
                let block = make(body);
                match self.behaviour {
                    Behaviour::Withhold { slots } => self.withhold_own(block, slot.saturating_add(slots), fx),
                    _ => self.publish_own(block, Dest::All, fx),
                }
            }
            Behaviour::Equivocate => {
                let (Some(a), Some(b)) = (self.build_body(slot, &parent, 0), self.build_body(slot, &parent, 1)) else {
                    return;
                };
                let (first, second) = self.halves();
                let (a, b) = (make(a), make(b));
                self.publish_own(a, first, fx);
                Self::send(fx, second, &Message::Block(b));
            }
            Behaviour::Silent => {}
        }
    }

    /// R13 `Withhold`: import our block (we build on it) but publish it only at `release`.
    fn withhold_own(&mut self, block: Block, release: u64, fx: &mut Vec<Effect>) {
        let block = Arc::new(block);
        if let Err(e) = self.import(block.clone(), false, fx) {
            reject(fx, None, format!("own block: {e}"));
            return;
        }
        let _ = self.detector.observe_header(&block.signed);
        if self.withheld.len() >= MAX_WITHHELD {
            let (_, oldest) = self.withheld.remove(0);
            Self::send(fx, Dest::All, &Message::Block((*oldest).clone()));
        }
        self.withheld.push((release, block));
    }

    /// R13: publish withheld blocks whose time has come (all of them once the
    /// node is no longer withholding).
    pub(super) fn release_withheld(&mut self, slot: u64, fx: &mut Vec<Effect>) {
        let all = !matches!(self.behaviour, Behaviour::Withhold { .. });
        let (due, keep): (Vec<_>, Vec<_>) = self.withheld.drain(..).partition(|(at, _)| all || *at <= slot);
        self.withheld = keep;
        for (_, b) in due {
            Self::send(fx, Dest::All, &Message::Block((*b).clone()));
        }
    }

    /// True for an own block that is still being withheld (never served by sync).
    pub(super) fn is_withheld(&self, hash: &crate::chain::Hash32) -> bool {
        self.withheld.iter().any(|(_, b)| b.hash() == *hash)
    }

    fn publish_own(&mut self, block: Block, to: Dest, fx: &mut Vec<Effect>) {
        let block = Arc::new(block);
        // Our own block was just built from the head; import cannot fail
        // unless something is badly wrong, and then it is reported.
        if let Err(e) = self.import(block.clone(), false, fx) {
            reject(fx, None, format!("own block: {e}"));
            return;
        }
        let _ = self.detector.observe_header(&block.signed);
        Self::send(fx, to, &Message::Block((*block).clone()));
    }

    /// R5, R12, R13: attest to our head at a third of the slot.
    pub(super) fn attest(&mut self, slot: u64, fx: &mut Vec<Effect>) {
        if self.behaviour == Behaviour::Silent {
            return;
        }
        let Some((me, key)) = self.key.clone() else {
            return;
        };
        let head = self.head.hash;
        let Some(hnode) = self.tree.get(&head) else {
            return;
        };
        let epoch = super::state::ffg_epoch(slot, self.epoch_slots);
        let Some(target) = self.tree.checkpoint(&head, epoch, self.epoch_slots) else {
            return;
        };
        let source = hnode.state.justified;
        let head_parent = hnode.parent;
        match self.behaviour {
            Behaviour::Honest | Behaviour::Selfish | Behaviour::Withhold { .. } => {
                let Some((source, target)) = self.protection.ffg_vote((source, target)) else {
                    return;
                };
                let data = AttestationData { slot, head, source, target };
                if !self.protection.may_sign_attestation(&data) {
                    return;
                }
                self.protection.record_attestation(&data);
                self.persist_protection(fx); // R12: before the signature leaves
                let att = sign_attestation(&key, me, data);
                self.publish_attestation(att, Dest::All, fx);
            }
            Behaviour::Equivocate => {
                let one = AttestationData { slot, head, source, target };
                let (first, second) = self.halves();
                self.publish_attestation(sign_attestation(&key, me, one), first, fx);
                if self.tree.contains(&head_parent) {
                    let two = AttestationData { head: head_parent, ..one };
                    Self::send(fx, second, &Message::Vote(sign_attestation(&key, me, two)));
                }
            }
            Behaviour::Silent => {}
        }
    }

    fn publish_attestation(&mut self, att: Attestation, to: Dest, fx: &mut Vec<Effect>) {
        Self::send(fx, to, &Message::Vote(att));
        self.observe_attestation(&att, fx);
    }
}
