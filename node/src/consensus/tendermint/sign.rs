//! The local validator's own messages (R12, R15): protection is recorded and
//! persisted before the `Send` carrying a signature; `Equivocate` bypasses
//! it on purpose, `Silent` signs nothing, `Withhold` never publishes its proposals.

use super::engine::Tendermint;
use super::types::{Block, Evidence, Proposal, ProposalData, SignedProposal, Vote, VoteData, VoteType};
use super::votes::Added;
use super::wire::Message;
use crate::chain::Hash32;
use crate::consensus::common::records::protection_record;
use crate::consensus::engine::*;

impl Tendermint {
    pub(super) fn persist_protection(&mut self, fx: &mut Vec<Effect>) {
        // The lock and valid value travel with the record: a restarted node keeps them (R12).
        if self.protection.height == self.height {
            self.protection.locked = self.locked.clone();
            self.protection.valid = self.valid.clone();
            self.protection.pol = self.pol.clone();
        }
        fx.push(protection_record(self.protection.encode()));
    }

    /// The two halves of the peers, for the equivocator's split messages.
    fn halves(&self) -> (Dest, Dest) {
        let mid = self.peers.len() / 2;
        (Dest::Peers(self.peers[..mid].to_vec()), Dest::Peers(self.peers[mid..].to_vec()))
    }

    /// L16-L19: sign and broadcast a proposal for the current round.
    pub(super) fn propose(&mut self, block: Block, pol_round: Option<u64>, fx: &mut Vec<Effect>) {
        let Some((me, key)) = self.key.clone() else { return };
        let (h, r) = (self.height, self.round);
        let pol = if pol_round.is_some() { self.pol.clone() } else { Vec::new() };
        let make = |b: Block| {
            let data = ProposalData { height: h, round: r, pol_round, block: b.hash() };
            Proposal { signed: SignedProposal::sign(&key, me, data), block: b, pol: pol.clone() }
        };
        let data = ProposalData { height: h, round: r, pol_round, block: block.hash() };
        // R12: protection covers the whole signed data (block and valid round).
        let signed_id = Hash32::digest(&[&data.signing_bytes()]);
        match self.behaviour {
            Behaviour::Silent => {}
            Behaviour::Equivocate => {
                let twin = Block { graffiti: block.graffiti.wrapping_add(1), ..block.clone() };
                // The twin is a different block: the POL does not back it.
                let (a, b) = (make(block), Proposal { pol: Vec::new(), ..make(twin) });
                let (first, second) = self.halves();
                self.insert_proposal(a.clone());
                Self::send(fx, first, &Message::Proposal(a));
                Self::send(fx, second, &Message::Proposal(b));
            }
            Behaviour::Honest | Behaviour::Selfish | Behaviour::Withhold { .. } => {
                if !self.protection.may_propose(h, r, signed_id) {
                    return;
                }
                self.protection.record_proposal(h, r, signed_id);
                self.persist_protection(fx); // R12: before the signature leaves
                let p = make(block);
                self.insert_proposal(p.clone());
                if matches!(self.behaviour, Behaviour::Withhold { .. }) {
                    return; // R15: signed and kept, never published
                }
                let msg = Message::Proposal(p);
                self.send_own(&msg, fx);
                self.own.push((self.round, msg));
            }
        }
    }

    /// L19/L24/L30/L40/L45/L59/L63: sign and broadcast a vote at the current round.
    pub(super) fn vote(&mut self, kind: VoteType, value: Option<Hash32>, fx: &mut Vec<Effect>) {
        let Some((me, key)) = self.key.clone() else { return };
        // R12: a vote signed before a crash may never have left; send that
        // same vote again (ed25519 signs deterministically), never another.
        let value = match self.behaviour {
            Behaviour::Equivocate => value,
            _ => self.protection.signed_vote(self.height, self.round, kind).unwrap_or(value),
        };
        let data = VoteData { kind, height: self.height, round: self.round, value };
        match self.behaviour {
            Behaviour::Silent => {}
            Behaviour::Equivocate => {
                let other = match value {
                    Some(_) => None,
                    None => Some(Hash32::digest(&[
                        b"devnet/v1/tendermint/equivocate",
                        &self.height.to_be_bytes(),
                        &self.round.to_be_bytes(),
                    ])),
                };
                let a = Vote::sign(&key, me, data);
                let b = Vote::sign(&key, me, VoteData { value: other, ..data });
                let (first, second) = self.halves();
                let _ = self.votes.add(a);
                Self::send(fx, first, &Message::Vote(a));
                Self::send(fx, second, &Message::Vote(b));
            }
            Behaviour::Honest | Behaviour::Selfish | Behaviour::Withhold { .. } => {
                if !self.protection.may_vote(data.height, data.round, kind, value) {
                    return;
                }
                self.protection.record_vote(data.height, data.round, kind, value);
                self.persist_protection(fx); // R12: before the signature leaves
                let v = Vote::sign(&key, me, data);
                if let Added::Conflict(_) = self.votes.add(v) {
                    return; // cannot happen under protection; never send a conflict
                }
                if kind == VoteType::Precommit {
                    self.last_precommit.insert(me, data.height);
                }
                let msg = Message::Vote(v);
                self.send_own(&msg, fx);
                self.own.push((self.round, msg));
            }
        }
    }

    /// R13: status, own messages of the current round and pending evidence
    /// again, so lost messages and healed partitions do not stall a height.
    pub(super) fn rebroadcast(&mut self, fx: &mut Vec<Effect>) {
        self.broadcast_status(fx);
        for (_, m) in &self.own {
            Self::send(fx, Dest::All, m);
        }
        let pending: Vec<Evidence> = self.evidence.values().copied().collect();
        for e in pending {
            Self::send(fx, Dest::All, &Message::Evidence(e));
        }
    }
}
