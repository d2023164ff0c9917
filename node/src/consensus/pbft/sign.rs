//! The local validator's own messages (R15, R16): the protection record is
//! persisted before the `Send` carrying a signature; `Equivocate` bypasses
//! it on purpose, `Silent` signs nothing.

use super::engine::Pbft;
use super::types::{Block, Phase, Vote, VoteData};
use super::wire::Message;
use crate::chain::Hash32;
use crate::consensus::common::inbound::remember;
use crate::consensus::common::records::protection_record;
use crate::consensus::engine::*;

impl Pbft {
    pub(super) fn persist_protection(&self, fx: &mut Vec<Effect>) {
        fx.push(protection_record(self.protection.encode()));
    }

    /// The two halves of the peers, for the equivocator's split messages.
    fn halves(&self) -> (Dest, Dest) {
        let mid = self.peers.len() / 2;
        (Dest::Peers(self.peers[..mid].to_vec()), Dest::Peers(self.peers[mid..].to_vec()))
    }

    fn honest(&self) -> bool {
        !matches!(self.behaviour, Behaviour::Equivocate | Behaviour::Silent)
    }

    /// Sends an own message to every peer, marked seen so a relay of it is not news.
    pub(super) fn send_own(&mut self, msg: &Message, fx: &mut Vec<Effect>) {
        let bytes = msg.encode();
        remember(&mut self.seen, super::engine::SEEN_MAX, Hash32::digest(&[b"pbft-msg", &bytes]));
        fx.push(Effect::Send { to: Dest::All, kind: msg.kind(), bytes });
    }

    /// R4: sign and send the PRE-PREPARE of a fresh block (or, after a
    /// restart, of the block already pre-prepared at this (view, seq)).
    pub(super) fn propose(&mut self, view: u64, seq: u64, fx: &mut Vec<Effect>) {
        let Some((me, key)) = self.key.clone() else { return };
        match self.behaviour {
            Behaviour::Silent => {}
            Behaviour::Equivocate => {
                // R16: a block to one half and the null request to the other.
                let a = self.new_block(seq);
                let b = Block::null(seq, self.head.hash);
                let va = Vote::sign(&key, me, VoteData { phase: Phase::PrePrepare, view, seq, digest: a.hash() });
                let vb = Vote::sign(&key, me, VoteData { phase: Phase::PrePrepare, view, seq, digest: b.hash() });
                let (first, second) = self.halves();
                self.sent.insert((view, seq, Phase::PrePrepare));
                self.add_vote(va);
                self.pre_prepares.insert((view, seq), (va, a.clone()));
                Self::send(fx, first, &Message::PrePrepare { vote: va, block: a });
                Self::send(fx, second, &Message::PrePrepare { vote: vb, block: b });
            }
            _ => {
                let block = match self.protection.proposals.get(&seq) {
                    Some(b) if self.protection.view == view => b.clone(),
                    _ => self.new_block(seq),
                };
                let digest = block.hash();
                if !self.protection.may_sign(Phase::PrePrepare, view, seq, digest) {
                    return;
                }
                self.protection.record(Phase::PrePrepare, view, seq, digest);
                self.protection.proposals.insert(seq, block.clone());
                self.persist_protection(fx); // R15: before the signature leaves
                self.sent.insert((view, seq, Phase::PrePrepare));
                let vote = Vote::sign(&key, me, VoteData { phase: Phase::PrePrepare, view, seq, digest });
                self.add_vote(vote);
                self.pre_prepares.insert((view, seq), (vote, block.clone()));
                let msg = Message::PrePrepare { vote, block };
                self.send_own(&msg, fx);
                self.own.push(msg);
            }
        }
    }

    /// R5, R6: sign and send a PREPARE or COMMIT for `digest`.
    pub(super) fn sign_vote(&mut self, phase: Phase, view: u64, seq: u64, digest: Hash32, fx: &mut Vec<Effect>) {
        let Some((me, key)) = self.key.clone() else { return };
        let data = VoteData { phase, view, seq, digest };
        match self.behaviour {
            Behaviour::Silent => {}
            Behaviour::Equivocate => {
                // R16: the digest to one half, a made-up one to the other.
                let other =
                    Hash32::digest(&[b"devnet/v1/pbft/equivocate", &view.to_be_bytes(), &seq.to_be_bytes(), &digest.0]);
                let a = Vote::sign(&key, me, data);
                let b = Vote::sign(&key, me, VoteData { digest: other, ..data });
                let (first, second) = self.halves();
                self.sent.insert((view, seq, phase));
                self.add_vote(a);
                Self::send(fx, first, &Message::Vote(a));
                Self::send(fx, second, &Message::Vote(b));
            }
            _ => {
                if !self.protection.may_sign(phase, view, seq, digest) {
                    return;
                }
                self.protection.record(phase, view, seq, digest);
                self.persist_protection(fx); // R15: before the signature leaves
                self.sent.insert((view, seq, phase));
                let v = Vote::sign(&key, me, data);
                self.add_vote(v);
                let msg = Message::Vote(v);
                self.send_own(&msg, fx);
                self.own.push(msg);
            }
        }
    }

    /// R8: sign the CHECKPOINT of the block just committed at `seq`.
    pub(super) fn sign_checkpoint(&mut self, seq: u64, digest: Hash32, fx: &mut Vec<Effect>) {
        let Some((me, key)) = self.key.clone() else { return };
        if self.behaviour == Behaviour::Silent {
            return;
        }
        // Honest nodes never sign two checkpoints for one seq: they commit one block there (R7).
        let v = Vote::sign(&key, me, VoteData { phase: Phase::Checkpoint, view: 0, seq, digest });
        self.own_checkpoint = Some(v);
        let msg = Message::Vote(v);
        self.send_own(&msg, fx);
        self.add_checkpoint(v);
    }

    /// R12: status, own messages of this view, the view change or NEW-VIEW,
    /// the last checkpoint and pending evidence again, so lost messages and
    /// healed partitions do not stall a sequence number.
    pub(super) fn rebroadcast(&mut self, fx: &mut Vec<Effect>) {
        Self::send(fx, Dest::All, &Message::Status(self.local_status()));
        for m in &self.own {
            Self::send(fx, Dest::All, m);
        }
        if let Some(v) = self.own_checkpoint {
            Self::send(fx, Dest::All, &Message::Vote(v));
        }
        if self.changing.is_some()
            && let Some(vc) = self.protection.view_change.clone()
            && self.honest()
        {
            Self::send(fx, Dest::All, &Message::ViewChange(vc));
        }
        let pending: Vec<_> = self.evidence.values().copied().collect();
        for e in pending {
            Self::send(fx, Dest::All, &Message::Evidence(e));
        }
    }

    /// R15: after a restart, take up the view (or view change) the record
    /// holds and send again what was signed there, identical.
    pub(super) fn resume(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        self.failed_views = 0;
        self.timer_at = now.saturating_add(self.params.timeout_after(0));
        self.propose_at = now;
        self.rebroadcast_at = now;
        Self::send(fx, Dest::All, &Message::Status(self.local_status()));
        if let Some(nv) = self.protection.new_view.clone()
            && nv.view == self.view
        {
            self.on_new_view(now, None, nv, &[], fx);
        }
        let Some((me, key)) = self.key.clone() else { return };
        if !self.honest() {
            return;
        }
        let view = self.protection.view;
        let signed: Vec<_> = self.protection.signed.iter().map(|(k, d)| (*k, *d)).collect();
        for ((seq, phase), digest) in signed {
            let vote = Vote::sign(&key, me, VoteData { phase, view, seq, digest });
            self.sent.insert((view, seq, phase));
            self.add_vote(vote);
            let msg = match phase {
                Phase::PrePrepare => match self.protection.proposals.get(&seq) {
                    Some(b) if b.hash() == digest => {
                        self.pre_prepares.entry((view, seq)).or_insert((vote, b.clone()));
                        Message::PrePrepare { vote, block: b.clone() }
                    }
                    _ => continue,
                },
                _ => Message::Vote(vote),
            };
            if !self.own.contains(&msg) {
                self.own.push(msg);
            }
        }
        if let Some(target) = self.protection.leaving_for() {
            self.changing = Some((target, super::engine::ViewChangeReason::Timer));
            if let Some(vc) = self.protection.view_change.clone() {
                self.view_changes.entry(target).or_default().insert(me, vc);
            }
        }
    }
}
