//! Deciding a height (L49-L54, R8, R11): the committed block and its
//! certificate are persisted and reported, evidence in it slashes, and the
//! next height starts after the commit pause (R9).

use super::engine::{Committed, Tendermint};
use super::types::{Block, Commit, VoteType, encode_committed};
use super::wire::{Message, Status};
use crate::consensus::common::inbound::reject;
use crate::consensus::common::slashing::settle;
use crate::consensus::engine::*;
use std::collections::BTreeSet;

impl Tendermint {
    /// L49-L54: decide `block`, certified by this node's precommits of `round`.
    pub(super) fn decide(&mut self, now: Millis, block: Block, round: u64, fx: &mut Vec<Effect>) {
        let id = block.hash();
        let precommits = self
            .votes
            .for_value(round, VoteType::Precommit, Some(id))
            .into_iter()
            .filter(|v| !self.slashed.contains(&v.validator))
            .collect();
        self.apply_commit(now, block, Commit { round, precommits }, true, fx);
    }

    /// R8: check a certificate from a peer: precommits for `block` at one
    /// round, distinct unslashed validators, valid signatures, +2/3 power.
    pub(super) fn verify_commit(&mut self, block: &Block, commit: &Commit) -> Result<(), String> {
        let id = block.hash();
        let mut who = BTreeSet::new();
        let mut power: u128 = 0;
        for v in &commit.precommits {
            let d = v.data;
            if d.kind != VoteType::Precommit
                || d.height != block.height
                || d.round != commit.round
                || d.value != Some(id)
            {
                return Err("commit: a vote is not a precommit for the block".into());
            }
            if !who.insert(v.validator) || self.slashed.contains(&v.validator) {
                return Err("commit: repeated or slashed validator".into());
            }
            if !self.sigs.check(&self.vals, v) {
                return Err("commit: bad signature".into());
            }
            power += self.vals.stake(v.validator) as u128;
        }
        if !self.vals.is_quorum(power) { Err("commit: less than 2/3 of the power".into()) } else { Ok(()) }
    }

    /// Append a committed block: persist, report, slash, and move to the next
    /// height (`live`: decided here or synced now, not replayed from the store).
    pub(super) fn apply_commit(&mut self, now: Millis, block: Block, commit: Commit, live: bool, fx: &mut Vec<Effect>) {
        let hash = block.hash();
        let height = block.height;
        if live {
            fx.push(Effect::Persist(Record {
                table: Table::Blocks,
                key: height.to_be_bytes().to_vec(),
                value: encode_committed(&block, &commit),
            }));
        }
        // Ledger T3: decided and synced blocks were executed when checked;
        // the store's are trusted (they were, before they were stored).
        let state = match self.proposed_states.remove(&hash) {
            Some(s) => s,
            None => {
                let mut s = self.state.clone();
                if let Err((i, e)) = s.apply_all(&block.txs) {
                    reject(fx, None, format!("committed block at height {height}: transfer {i}: {e}"));
                }
                s
            }
        };
        self.state = state;
        self.proposed_states.clear();
        let previous = self.head;
        self.head = BlockRef { hash, slot: height, height };
        let info = BlockInfo {
            block: self.head,
            parent: block.parent,
            proposer: block.proposer,
            attestations: commit.precommits.len() as u32,
            txs: block.txs.len() as u32,
        };
        self.ledger.included(&block.txs, crate::ledger::Inclusion { height, block: hash }, &self.state);
        self.ledger.finalized(block.txs.len());
        fx.push(Effect::Report(Event::BlockImported(info)));
        fx.push(Effect::Report(Event::HeadChanged { head: self.head, previous, reorg_depth: 0 }));
        fx.push(Effect::Report(Event::Finalized(CheckpointRef { epoch: height, block: self.head })));
        if !block.txs.is_empty() {
            let ids: Vec<_> = block.txs.iter().map(|t| t.id()).collect();
            fx.push(Effect::Report(Event::TxsIncluded { block: self.head, ids: ids.clone() }));
            fx.push(Effect::Report(Event::TxsFinal { block: self.head, ids }));
        }
        for ev in &block.evidence {
            self.slashed.insert(ev.offender()); // R11
        }
        settle(&self.slashed, &mut self.reported_slashed, &mut self.evidence, fx);
        self.chain.push(Committed { block, hash, commit });
        self.next_height(now, fx);
    }

    /// L54 then R9: reset the height's state; round 0 starts after the commit pause.
    fn next_height(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        if self.head.height == self.height {
            self.last_votes = (self.height, self.vote_rows());
        }
        self.height = self.head.height.saturating_add(1);
        self.round = 0;
        self.step = TendermintStep::Propose;
        self.locked = None;
        self.valid = None;
        self.pol.clear();
        self.prev_proposals = std::mem::take(&mut self.proposals);
        self.valid_ids.clear();
        self.prev_votes = std::mem::take(&mut self.votes);
        // R16: surplus prevotes of the height just committed are never checked.
        self.surplus.clear();
        self.surplus_at = None;
        self.fired.clear();
        self.timeouts.clear();
        self.own.clear();
        self.seen.clear();
        self.resume_protected_round();
        self.started = false;
        // R9: with no commit pause the next height starts within this same
        // input (`Engine::handle` starts it once the input is done), as L54
        // has it, rather than a timer tick later.
        self.start_at = Some(now.saturating_add(self.params.timeout_commit_ms));
        // R13: the repair rebroadcast is for a height that stalls; this one just began.
        self.rebroadcast_at = now.saturating_add(self.rebroadcast_period());
        // Messages that arrived early for this height are handled now.
        let height = self.height;
        self.future.retain(|(h, _), _| *h >= height);
        let ready: Vec<_> = self
            .future
            .range((height, crate::chain::Hash32::ZERO)..)
            .take_while(|((h, _), _)| *h == height)
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        for (k, (from, kind, bytes)) in ready {
            self.future.remove(&k);
            let msg = Message::decode(kind, &bytes);
            match msg {
                Ok(Message::Proposal(p)) => self.on_proposal(now, from, p, &bytes, fx),
                Ok(Message::Vote(v)) => self.on_vote(now, from, v, &bytes, fx),
                _ => {}
            }
        }
    }

    pub(super) fn local_status(&self) -> Status {
        Status { committed: self.head.height, head: self.head.hash }
    }

    pub(super) fn broadcast_status(&self, fx: &mut Vec<Effect>) {
        Self::send(fx, Dest::All, &Message::Status(self.local_status()));
    }
}
