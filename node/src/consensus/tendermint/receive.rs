//! Checking what arrives (R4, R5, R10, R14): proposals and votes of the
//! current height are verified, stored and relayed once; later heights wait
//! in a bounded buffer (and ask for sync); earlier ones are dropped.
//! Conflicting messages become evidence.

use super::engine::{FUTURE_HEIGHTS, FUTURE_MAX, Once, SEEN_MAX, SURPLUS_MAX, Tendermint};
use super::evidence::verify_evidence;
use super::types::{Block, Evidence, Proposal, Vote, VoteType};
use super::votes::Added;
use super::wire::Message;
use crate::chain::Hash32;
use crate::consensus::common::inbound::{reject, relay, remember};
use crate::consensus::common::slashing::{pool_evidence, report_equivocation};
use crate::consensus::engine::*;
use std::collections::BTreeSet;

impl Tendermint {
    /// R4: `valid(v)` for a block proposed at the current height.
    pub(super) fn check_block(&mut self, b: &Block) -> Result<(), String> {
        if b.height != self.height || b.parent != self.head.hash {
            return Err("block does not extend the committed head".into());
        }
        if self.vals.key(b.proposer).is_none() {
            return Err("unknown block proposer".into());
        }
        let mut offenders = BTreeSet::new();
        for ev in &b.evidence {
            let (v, _, _) = verify_evidence(ev, &self.vals, &mut self.sigs)?;
            if self.slashed.contains(&v) || !offenders.insert(v) {
                return Err(format!("evidence against validator {v} is stale or repeated"));
            }
        }
        self.execute_block(b).map(|_| ())
    }

    /// R3, ledger T3-T4: the block's transfers on the committed state give
    /// its state root. The resulting state is kept for the commit.
    pub(super) fn execute_block(&mut self, b: &Block) -> Result<crate::ledger::State, String> {
        let id = b.hash();
        if let Some(s) = self.proposed_states.get(&id) {
            return Ok(s.clone());
        }
        let post = self.ledger.execute(&self.state, &b.txs)?;
        if post.root() != b.state_root {
            return Err(format!("state root {} is not the root its transfers give", b.state_root.short()));
        }
        if self.proposed_states.len() >= 16 {
            self.proposed_states.clear();
        }
        self.proposed_states.insert(id, post.clone());
        Ok(post)
    }

    /// Keep the first proposal of a round, noting whether its block is valid.
    pub(super) fn insert_proposal(&mut self, p: Proposal) {
        let round = p.signed.data.round;
        if self.proposals.contains_key(&round) {
            return;
        }
        if self.check_block(&p.block).is_ok() {
            self.valid_ids.insert(p.signed.data.block);
        }
        self.proposals.insert(round, p);
    }

    /// Sends an own message to every peer; it is marked seen, so a peer's
    /// relay of it is not news to us.
    pub(super) fn send_own(&mut self, msg: &Message, fx: &mut Vec<Effect>) {
        let bytes = msg.encode();
        remember(&mut self.seen, SEEN_MAX, Hash32::digest(&[b"tm-msg", &bytes]));
        fx.push(Effect::Send { to: Dest::All, kind: msg.kind(), bytes });
    }

    /// Relay a first-seen message, as received, to everyone but its sender (R13).
    fn first_seen(&mut self, bytes: &[u8], from: PeerId, kind: MsgKind, fx: &mut Vec<Effect>) -> bool {
        if !remember(&mut self.seen, SEEN_MAX, Hash32::digest(&[b"tm-msg", bytes])) {
            return false;
        }
        relay(&self.peers, from, kind, bytes, fx);
        true
    }

    /// R10: a message of the height just committed no longer counts, but it
    /// can still prove an equivocation (a relay may arrive after the
    /// receiver moved on): compared with what that height kept, a
    /// difference becomes evidence (`on_evidence` checks both signatures).
    fn check_late(&mut self, msg: &Message, fx: &mut Vec<Effect>) {
        let ev = match msg {
            Message::Vote(v) => self.prev_votes.conflicting(v).map(|prev| Evidence::DuplicateVote(prev, *v)),
            Message::Proposal(p) => self
                .prev_proposals
                .get(&p.signed.data.round)
                .filter(|prev| prev.signed.proposer == p.signed.proposer && prev.signed.data != p.signed.data)
                .map(|prev| Evidence::DoubleProposal(prev.signed, p.signed)),
            _ => None,
        };
        if let Some(ev) = ev {
            self.on_evidence(None, ev, fx);
        }
    }

    /// A message for a later height: keep it for then, and ask its sender for the blocks we lack.
    fn later(&mut self, now: Millis, height: u64, from: PeerId, kind: MsgKind, bytes: &[u8], fx: &mut Vec<Effect>) {
        self.ask_sync(now, from, fx);
        if height > self.height.saturating_add(FUTURE_HEIGHTS) {
            return;
        }
        let key = (height, Hash32::digest(&[bytes]));
        if self.future.len() >= FUTURE_MAX {
            match self.future.last_key_value() {
                Some((k, _)) if *k > key => {
                    let k = *k;
                    self.future.remove(&k);
                }
                _ => return,
            }
        }
        self.future.insert(key, (from, kind, bytes.to_vec()));
    }

    pub(super) fn on_proposal(&mut self, now: Millis, from: PeerId, p: Proposal, bytes: &[u8], fx: &mut Vec<Effect>) {
        let d = p.signed.data;
        if d.height < self.height {
            if d.height.saturating_add(1) == self.height {
                self.check_late(&Message::Proposal(p), fx);
            }
            return;
        }
        if d.height > self.height {
            return self.later(now, d.height, from, MsgKind::Block, bytes, fx);
        }
        if d.block != p.block.hash() || p.block.height != d.height {
            return reject(fx, from, "proposal: block id does not match".into());
        }
        if self.proposer(d.round) != Some(p.signed.proposer) {
            return reject(fx, from, format!("proposal: {} is not the proposer", p.signed.proposer));
        }
        if !self.sigs.check(&self.vals, &p.signed) {
            return reject(fx, from, "proposal: bad signature".into());
        }
        for v in &p.pol {
            let ok = v.data.kind == VoteType::Prevote
                && v.data.height == d.height
                && Some(v.data.round) == d.pol_round
                && v.data.value == Some(d.block)
                && self.sigs.check(&self.vals, v);
            if !ok {
                return reject(fx, from, "proposal: a POL vote is not a valid prevote for it".into());
            }
        }
        if !self.first_seen(bytes, from, MsgKind::Block, fx) {
            return;
        }
        for v in &p.pol {
            if !self.slashed.contains(&v.validator)
                && let Added::Conflict(prev) = self.votes.add(*v)
            {
                self.on_evidence(None, Evidence::DuplicateVote(prev, *v), fx);
            }
        }
        match self.proposals.get(&d.round) {
            Some(prev) if prev.signed.data != d => {
                let ev = Evidence::DoubleProposal(prev.signed, p.signed);
                self.on_evidence(None, ev, fx);
            }
            Some(_) => {}
            None => self.insert_proposal(p),
        }
    }

    pub(super) fn on_vote(&mut self, now: Millis, from: PeerId, v: Vote, bytes: &[u8], fx: &mut Vec<Effect>) {
        if self.vals.key(v.validator).is_none() {
            return reject(fx, from, format!("vote: unknown validator {}", v.validator));
        }
        if self.slashed.contains(&v.validator) {
            return;
        }
        if v.data.height < self.height {
            if v.data.height.saturating_add(1) == self.height {
                self.check_late(&Message::Vote(v), fx);
            }
            return;
        }
        if v.data.height > self.height {
            return self.later(now, v.data.height, from, MsgKind::Vote, bytes, fx);
        }
        if self.is_surplus(&v) {
            return self.hold_surplus(now, from, v, bytes, fx);
        }
        self.take_vote(from, v, bytes, fx);
    }

    /// A vote of the current height: verified, relayed if new, counted.
    fn take_vote(&mut self, from: PeerId, v: Vote, bytes: &[u8], fx: &mut Vec<Effect>) {
        if !self.sigs.check(&self.vals, &v) {
            return reject(fx, from, "vote: bad signature".into());
        }
        if !self.first_seen(bytes, from, MsgKind::Vote, fx) {
            return;
        }
        match self.votes.add(v) {
            Added::New if v.data.kind == VoteType::Precommit => {
                self.last_precommit.insert(v.validator, v.data.height);
            }
            Added::Conflict(prev) => self.on_evidence(None, Evidence::DuplicateVote(prev, v), fx),
            _ => {}
        }
    }

    /// R16: a prevote of this round from a validator not heard from yet,
    /// once this node holds 2f+1 prevotes for the round's proposal (L36) and
    /// has precommitted: no rule of the round can still use it.
    fn is_surplus(&self, v: &Vote) -> bool {
        v.data.kind == VoteType::Prevote
            && v.data.round == self.round
            && self.step == TendermintStep::Precommit
            && self.fired.contains(&(v.data.round, Once::L36))
            && self.votes.by(v.validator, v.data.round, VoteType::Prevote).is_none()
    }

    /// R16: keep a surplus prevote unchecked until `surplus_delay`; a second,
    /// different one from the same validator is checked at once, with the
    /// first (that is an equivocation); beyond `SURPLUS_MAX` they are checked at once.
    fn hold_surplus(&mut self, now: Millis, from: PeerId, v: Vote, bytes: &[u8], fx: &mut Vec<Effect>) {
        let same = |s: &Vote| s.validator == v.validator && s.data.round == v.data.round;
        if let Some(i) = self.surplus.iter().position(|(_, s, _)| same(s)) {
            if self.surplus[i].1.data == v.data {
                return; // a copy
            }
            let (f, first, b) = self.surplus.remove(i);
            self.take_vote(f, first, &b, fx);
            return self.take_vote(from, v, bytes, fx);
        }
        if self.surplus.len() >= SURPLUS_MAX {
            return self.take_vote(from, v, bytes, fx);
        }
        self.surplus.push((from, v, bytes.to_vec()));
        self.surplus_at.get_or_insert(now.saturating_add(self.surplus_delay()));
    }

    /// R16: check and count the surplus prevotes held (their delay is over).
    pub(super) fn release_surplus(&mut self, fx: &mut Vec<Effect>) {
        self.surplus_at = None;
        for (from, v, bytes) in std::mem::take(&mut self.surplus) {
            self.take_vote(from, v, &bytes, fx);
        }
    }

    /// R10: valid evidence against a validator not yet slashed is reported,
    /// persisted, pooled for inclusion and (when found here) gossiped.
    pub(super) fn on_evidence(&mut self, from: Option<PeerId>, ev: Evidence, fx: &mut Vec<Effect>) {
        let (offender, kind, height) = match verify_evidence(&ev, &self.vals, &mut self.sigs) {
            Ok(x) => x,
            Err(e) => {
                if let Some(p) = from {
                    reject(fx, p, e);
                }
                return;
            }
        };
        if self.slashed.contains(&offender) {
            return;
        }
        report_equivocation(&mut self.seen_equivocations, (offender, height, kind as u64), offender, kind, height, fx);
        if pool_evidence(&mut self.evidence, offender, ev, Evidence::encode, fx).is_some() && from.is_none() {
            Self::send(fx, Dest::All, &Message::Evidence(ev));
        }
    }
}
