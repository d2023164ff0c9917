//! What the local validator signs (R3, R5, R7, R9, R14): proposals, votes
//! and timeouts, each under slashing protection, persisted before the
//! `Send` that carries it; `Equivocate` bypasses protection on purpose.

use super::engine::HotStuff;
use super::rules::{safe_to_timeout, safe_to_vote};
use super::types::{Block, MAX_BLOCK_EVIDENCE, Proposal, ProposalData, SignedProposal, Timeout, Vote};
use super::wire::Message;
use crate::chain::Hash32;
use crate::consensus::common::records::protection_record;
use crate::consensus::engine::*;

impl HotStuff {
    pub(super) fn persist_protection(&self, fx: &mut Vec<Effect>) {
        fx.push(protection_record(self.protection.encode()));
    }

    /// Signs at all? `Silent` signs nothing; observers have no key.
    fn signs(&self) -> bool {
        self.key.is_some() && self.behaviour != Behaviour::Silent
    }

    /// Two halves of the peers, for an equivocator's two messages (R14).
    fn halves(&self) -> (Vec<PeerId>, Vec<PeerId>) {
        let mid = self.peers.len().div_ceil(2);
        (self.peers[..mid].to_vec(), self.peers[mid..].to_vec())
    }

    /// R2, R3, R8: the leader extends its high QC, with the previous round's
    /// TC when it entered by one, carrying pending evidence and transfers.
    pub(super) fn propose(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        let Some((me, key)) = self.key.clone() else { return };
        let round = self.pm.round;
        if !self.signs() || self.leader(round) != Some(me) {
            return;
        }
        let equivocate = self.behaviour == Behaviour::Equivocate;
        let tc = if self.high_qc.round().saturating_add(1) == round {
            None
        } else {
            match &self.high_tc {
                Some(tc) if tc.round.saturating_add(1) == round => Some(tc.clone()),
                _ => return, // cannot happen: the round came from a QC or this TC
            }
        };
        if !equivocate && let Some(last) = self.protection.last_proposal.filter(|p| p.round >= round) {
            // R9: proposed here before a restart: the same block again, if it
            // is kept, with the TC it needs (its QC may be older than ours).
            if last.round == round
                && let Some(block) = self.tree.get(&last.block).cloned()
            {
                let tc = match &self.high_tc {
                    _ if block.qc.round().saturating_add(1) == round => None,
                    Some(tc) if tc.round.saturating_add(1) == round => Some(tc.clone()),
                    _ => return,
                };
                let signed = SignedProposal::sign(&key, me, last);
                Self::send(fx, Dest::All, &Message::Proposal(Proposal { signed, block, tc }));
            }
            return;
        }
        let parent = self.high_qc.block();
        let Some(parent_height) = self.tree.height_of(&parent) else { return };
        let (txs, state_root) = self.ledger.build_on(&parent, &self.tree);
        let evidence = self.evidence.values().take(MAX_BLOCK_EVIDENCE).copied().collect();
        let block = Block {
            round,
            height: parent_height + 1,
            parent,
            qc: self.high_qc.clone(),
            proposer: me,
            graffiti: 0,
            evidence,
            state_root,
            txs,
        };
        let id = block.hash();
        let signed = SignedProposal::sign(&key, me, ProposalData { round, block: id });
        let proposal = Proposal { signed, block, tc };
        if equivocate {
            // R14: a twin block (no transfers, other graffiti) to the other half.
            let mut twin = proposal.block.clone();
            twin.graffiti = 1;
            twin.txs.clear();
            twin.state_root = self.ledger.state_of(&parent, &self.tree).map_or(Hash32::ZERO, |s| s.root());
            let tid = twin.hash();
            let tsigned = SignedProposal::sign(&key, me, ProposalData { round, block: tid });
            let twin = Proposal { signed: tsigned, block: twin, tc: proposal.tc.clone() };
            let (a, b) = self.halves();
            Self::send(fx, Dest::Peers(a), &Message::Proposal(proposal.clone()));
            Self::send(fx, Dest::Peers(b), &Message::Proposal(twin));
        } else {
            self.protection.last_proposal = Some(proposal.signed.data);
            self.persist_protection(fx);
            Self::send(fx, Dest::All, &Message::Proposal(proposal.clone()));
        }
        let me_peer = self.self_peer;
        self.process_proposal(now, me_peer, proposal, fx);
    }

    /// Where a vote of `round` goes: the next round's leader (R12); nowhere
    /// when that is this node, or no peer holds it (it is counted here and
    /// broadcast with the timeout if the round fails, R7).
    fn vote_dest(&self, round: u64) -> Option<Dest> {
        let next = self.leader(round.saturating_add(1))?;
        if Some(next) == self.me() {
            return None;
        }
        self.peer_of(next).map(Dest::Peer)
    }

    /// R5, R9: vote for block `id` of proposal `p` (of the current round) if
    /// the safety rules allow, or send again the vote already signed for it.
    pub(super) fn vote_for(&mut self, now: Millis, id: Hash32, p: &Proposal, fx: &mut Vec<Effect>) {
        let Some((me, key)) = self.key.clone() else { return };
        if !self.signs() {
            return;
        }
        let round = p.block.round;
        let data = p.block.vote_data(id);
        if self.behaviour == Behaviour::Equivocate {
            // R14: this vote to one half, one for a block that does not exist to the other.
            let v = Vote::sign(&key, me, data);
            let mut other = data;
            other.block = Hash32::digest(&[b"hotstuff/equivocate", &id.0]);
            let w = Vote::sign(&key, me, other);
            let (a, b) = self.halves();
            Self::send(fx, Dest::Peers(a), &Message::Vote(v));
            Self::send(fx, Dest::Peers(b), &Message::Vote(w));
            self.record_vote(v, fx);
            self.add_vote(now, v, None, fx);
            return;
        }
        if let Some(v) = self.protection.vote_again(round, &id) {
            if let Some(to) = self.vote_dest(round) {
                Self::send(fx, to, &Message::Vote(v));
            }
            return;
        }
        let tc = p.tc.as_ref().map(|tc| (tc.round, tc.max_hqc_round()));
        if safe_to_vote(self.params.commit_chain, &self.protection, round, p.block.qc.round(), tc).is_err() {
            return;
        }
        let v = Vote::sign(&key, me, data);
        self.protection.last_voted_round = round;
        self.protection.last_vote = Some(v);
        self.persist_protection(fx); // R9: before the Send
        if let Some(to) = self.vote_dest(round) {
            Self::send(fx, to, &Message::Vote(v));
        }
        self.record_vote(v, fx);
        self.add_vote(now, v, None, fx);
    }

    /// R7: the round's timer fired: sign a timeout (or reuse the one
    /// signed), broadcast it with the highest TC, and broadcast again this
    /// round's vote so anyone, not only a dead next leader, can form the QC.
    /// Fires again every round timeout while the round lasts.
    pub(super) fn local_timeout(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        self.pm.timed_out = true;
        self.pm.deadline = now.saturating_add(self.params.round_timeout(self.pm.failed));
        let Some((me, key)) = self.key.clone() else { return };
        if !self.signs() {
            return;
        }
        let round = self.pm.round;
        let t = match &self.protection.last_timeout {
            Some(t) if t.data.round == round && self.behaviour != Behaviour::Equivocate => t.clone(),
            _ => {
                let tc_round = self.high_tc.as_ref().map(|t| t.round);
                let honest = self.behaviour != Behaviour::Equivocate;
                if honest && safe_to_timeout(&self.protection, round, self.high_qc.round(), tc_round).is_err() {
                    return;
                }
                let t = Timeout::sign(&key, me, round, self.high_qc.clone());
                if honest {
                    self.protection.last_voted_round = self.protection.last_voted_round.max(round);
                    self.protection.last_timeout = Some(t.clone());
                    self.persist_protection(fx); // R9: before the Send
                }
                t
            }
        };
        Self::send(fx, Dest::All, &Message::Timeout(t.clone(), self.high_tc.clone()));
        if let Some(v) = self.protection.last_vote.filter(|v| v.data.round == round) {
            Self::send(fx, Dest::All, &Message::Vote(v));
        }
        self.add_timeout(now, t, None, fx);
    }

    /// After a restart: the timeout already signed for this round goes out again.
    pub(super) fn resend_own(&mut self, fx: &mut Vec<Effect>) {
        if let Some(t) = self.protection.last_timeout.clone().filter(|t| t.data.round == self.pm.round) {
            Self::send(fx, Dest::All, &Message::Timeout(t, self.high_tc.clone()));
        }
    }
}
