//! Receiving proposals, votes and timeouts (R3-R5, R7, R11-R13): checking
//! them, importing blocks, counting votes into QCs and timeouts into TCs.
//! What certificates then do is `pacemaker`; conflicting messages, `evidence`.

use super::certs::Checker;
use super::engine::{FUTURE_ROUNDS, HotStuff, PAST_ROUNDS, WAITING_MAX};
use super::types::{Block, Proposal, QuorumCert, Timeout, TimeoutCert, Vote};
use super::wire::Message;
use crate::chain::Hash32;
use crate::consensus::common::inbound::{reject, relay};
use crate::consensus::engine::*;

impl HotStuff {
    pub(super) fn checker(&mut self) -> Checker<'_> {
        Checker { vals: &self.vals, sigs: &mut self.sigs, genesis: self.genesis }
    }

    pub(super) fn on_proposal(&mut self, now: Millis, from: PeerId, p: Proposal, bytes: &[u8], fx: &mut Vec<Effect>) {
        if !self.first_sight(Hash32::digest(&[b"hs-msg", bytes])) {
            return;
        }
        if self.process_proposal(now, from, p, fx) {
            relay(&self.peers, from, MsgKind::Block, bytes, fx); // R13: once, to the other peers
        }
    }

    /// R3-R5: check a proposal, take in its certificates, import its block
    /// and vote for it. True if it was well-formed and signed (worth relaying).
    pub(super) fn process_proposal(&mut self, now: Millis, from: PeerId, p: Proposal, fx: &mut Vec<Effect>) -> bool {
        let b = &p.block;
        let id = b.hash();
        if p.signed.data.round != b.round || p.signed.data.block != id || p.signed.proposer != b.proposer {
            reject(fx, from, "proposal: its header does not match its block".into());
            return false;
        }
        if !self.checker().proposal(&p.signed) {
            reject(fx, from, format!("proposal of round {}: bad signature", b.round));
            return false;
        }
        self.record_proposal(p.signed, fx);
        if let Err(reason) = self.check_block_links(b) {
            reject(fx, from, format!("proposal of round {}: {reason}", b.round));
            return false;
        }
        let follows_tc = p.tc.as_ref().is_some_and(|tc| tc.round.saturating_add(1) == b.round);
        if b.round != b.qc.round().saturating_add(1) && !follows_tc {
            reject(fx, from, format!("proposal of round {}: neither its QC nor a TC leads to it", b.round));
            return false;
        }
        if let Some(tc) = &p.tc
            && let Err(reason) = self.checker().tc(tc)
        {
            reject(fx, from, format!("proposal: {reason}"));
            return false;
        }
        if let Err(reason) = self.checker().qc(&b.qc) {
            reject(fx, from, format!("proposal: {reason}"));
            return false;
        }
        if let Some(tc) = p.tc.clone() {
            self.observe_tc(now, tc, Some(from), fx);
        }
        self.observe_qc(now, b.qc.clone(), Some(from), fx);
        if !self.tree.contains(&b.parent) {
            // R11: never drop it; it waits for its parent, which is asked for.
            let msg = Message::Proposal(p.clone());
            self.wait_for(now, b.parent, from, MsgKind::Block, msg.encode(), fx);
            return true;
        }
        if !self.tree.contains(&id) {
            if let Err(reason) = self.check_block_body(id, &p.block) {
                reject(fx, from, format!("proposal of round {}: {reason}", p.block.round));
                return false;
            }
            self.insert_block(now, id, p.block.clone(), true, fx);
        }
        // R3: only the round's leader (on this node's chain) is followed.
        if p.block.round == self.pm.round && self.leader(p.block.round) == Some(p.signed.proposer) {
            self.vote_for(now, id, &p, fx);
        }
        true
    }

    /// R2: a block's height, parent and rounds agree with the QC it carries.
    pub(super) fn check_block_links(&self, b: &Block) -> Result<(), String> {
        if b.parent != b.qc.block() || b.height != b.qc.data.height.saturating_add(1) || b.round <= b.qc.round() {
            return Err("its parent, height or round does not follow its QC".into());
        }
        Ok(())
    }

    /// R2, R10, ledger T3: evidence verifies and the transfers apply to the
    /// parent's state with the root the block states. The parent is known.
    pub(super) fn check_block_body(&mut self, id: Hash32, b: &Block) -> Result<(), String> {
        for ev in &b.evidence {
            self.checker().evidence(ev)?;
        }
        self.ledger.execute(id, b.height, &b.parent, &b.txs, &b.state_root, &self.tree)
    }

    /// Add a checked block to the tree (its parent is there): persist it
    /// (`live`), report it, and take up what waited for it.
    pub(super) fn insert_block(&mut self, now: Millis, id: Hash32, block: Block, live: bool, fx: &mut Vec<Effect>) {
        if live {
            fx.push(Effect::Persist(Record { table: Table::Blocks, key: id.0.to_vec(), value: block.encode() }));
        }
        fx.push(Effect::Report(Event::BlockImported(BlockInfo {
            block: BlockRef { hash: id, slot: block.round, height: block.height },
            parent: block.parent,
            proposer: block.proposer,
            attestations: block.qc.sigs.len() as u32,
            txs: block.txs.len() as u32,
        })));
        let parent = block.parent;
        self.tree.insert(id, block);
        self.tree.certify(&parent);
        if let Some(qc) = self.pending_qcs.remove(&id) {
            self.observe_qc(now, qc, None, fx);
        }
        for (from, kind, bytes) in self.waiting.remove(&id).unwrap_or_default() {
            self.retry(now, from, kind, &bytes, fx);
        }
    }

    /// R11: keep a message until block `missing` arrives, and ask `from` for it.
    pub(super) fn wait_for(
        &mut self,
        now: Millis,
        missing: Hash32,
        from: PeerId,
        kind: MsgKind,
        bytes: Vec<u8>,
        fx: &mut Vec<Effect>,
    ) {
        let total: usize = self.waiting.values().map(Vec::len).sum();
        if total >= WAITING_MAX {
            // R13: bounded; the oldest waiting block's messages give way.
            self.waiting.pop_first();
        }
        self.waiting.entry(missing).or_default().push((from, kind, bytes));
        self.request_block(now, missing, from, fx);
    }

    fn retry(&mut self, now: Millis, from: PeerId, kind: MsgKind, bytes: &[u8], fx: &mut Vec<Effect>) {
        match Message::decode(kind, bytes) {
            Ok(Message::Proposal(p)) => {
                self.process_proposal(now, from, p, fx);
            }
            Ok(Message::Blocks(blocks)) => self.on_blocks(now, from, blocks, fx),
            _ => {}
        }
    }

    pub(super) fn on_vote(&mut self, now: Millis, from: PeerId, v: Vote, bytes: &[u8], fx: &mut Vec<Effect>) {
        if !self.first_sight(Hash32::digest(&[b"hs-msg", bytes])) {
            return;
        }
        let r = v.data.round;
        if r.saturating_add(PAST_ROUNDS) < self.pm.round || r > self.pm.round.saturating_add(FUTURE_ROUNDS) {
            return;
        }
        if !self.checker().vote(&v) {
            reject(fx, from, format!("vote of round {r}: bad signature of validator {}", v.validator));
            return;
        }
        relay(&self.peers, from, MsgKind::Vote, bytes, fx); // R13
        self.record_vote(v, fx);
        self.add_vote(now, v, Some(from), fx);
    }

    /// R4: count a checked vote; more than 2/3 of the power forms a QC.
    pub(super) fn add_vote(&mut self, now: Millis, v: Vote, from: Option<PeerId>, fx: &mut Vec<Effect>) {
        let seen = self.latest_vote.entry(v.validator).or_insert(0);
        *seen = (*seen).max(v.data.round);
        if self.weight(v.validator) == 0 || v.data.round.saturating_add(2) < self.pm.round {
            return;
        }
        let (vals, slashed) = (&self.vals, &self.slashed);
        let signers = self.votes.entry(v.data).or_default();
        if signers.insert(v.validator, v.signature).is_some() {
            return;
        }
        let power: u128 = signers.keys().filter(|x| !slashed.contains(x)).map(|x| vals.stake(*x) as u128).sum();
        if !self.vals.is_quorum(power) {
            return;
        }
        if self.tree.is_certified(&v.data.block) && self.high_qc.round() >= v.data.round {
            return;
        }
        let sigs = signers.iter().map(|(x, s)| (*x, *s)).collect();
        self.observe_qc(now, QuorumCert { data: v.data, sigs }, from, fx);
        // R12: the next leader may lack a vote this node has (one dropped on
        // its way there, or broadcast again with a timeout): it gets the QC,
        // rather than waiting for its own timer.
        let next = self.leader(v.data.round.saturating_add(1));
        if next != self.me()
            && let Some(peer) = next.and_then(|l| self.peer_of(l))
        {
            Self::send(fx, Dest::Peer(peer), &Message::SyncInfo(self.sync_info()));
        }
    }

    pub(super) fn on_timeout(
        &mut self,
        now: Millis,
        from: PeerId,
        t: Timeout,
        tc: Option<TimeoutCert>,
        bytes: &[u8],
        fx: &mut Vec<Effect>,
    ) {
        if !self.first_sight(Hash32::digest(&[b"hs-msg", bytes])) {
            return;
        }
        if let Err(reason) = self.checker().timeout(&t) {
            return reject(fx, from, reason);
        }
        if let Some(tc) = tc {
            if let Err(reason) = self.checker().tc(&tc) {
                return reject(fx, from, reason);
            }
            self.observe_tc(now, tc, Some(from), fx);
        }
        self.observe_qc(now, t.high_qc.clone(), Some(from), fx);
        if t.data.round < self.pm.round {
            self.send_sync_info(now, from, fx); // R12: the sender is behind
        }
        self.add_timeout(now, t, Some(from), fx);
    }

    /// R7: count a checked timeout of the current round (or a later one);
    /// more than 2/3 of the power forms a TC; more than 1/3 in this round
    /// makes this node time out too (one honest validator gave up on it).
    pub(super) fn add_timeout(&mut self, now: Millis, t: Timeout, from: Option<PeerId>, fx: &mut Vec<Effect>) {
        let r = t.data.round;
        if r < self.pm.round || r > self.pm.round.saturating_add(FUTURE_ROUNDS) || self.weight(t.validator) == 0 {
            return;
        }
        let (vals, slashed) = (&self.vals, &self.slashed);
        let signers = self.timeouts.entry(r).or_default();
        if signers.contains_key(&t.validator) {
            return;
        }
        signers.insert(t.validator, t);
        let power: u128 = signers.keys().filter(|x| !slashed.contains(x)).map(|x| vals.stake(*x) as u128).sum();
        if self.vals.is_quorum(power) && self.high_tc.as_ref().is_none_or(|h| h.round < r) {
            let signers = &self.timeouts[&r];
            let sigs = signers.values().map(|t| (t.validator, t.data.hqc_round, t.signature)).collect();
            let best = signers.values().max_by_key(|t| t.data.hqc_round).map(|t| t.high_qc.clone());
            if let Some(high_qc) = best {
                self.observe_tc(now, TimeoutCert { round: r, sigs, high_qc }, from, fx);
                return;
            }
        }
        if r == self.pm.round && !self.pm.timed_out && self.vals.is_one_third(power) {
            self.local_timeout(now, fx);
        }
    }
}
