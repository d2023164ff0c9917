//! Algorithm 1 of the paper, one height at a time (R5-R9). Each branch is
//! tagged with the line it implements. `progress` applies the `upon` rules
//! until none fires; timeouts arrive through `on_timeout`.

use super::engine::{Once, Tendermint, Timeout};
use super::protection::EARLIER_ROUNDS;
use super::types::{Block, VoteType};
use crate::chain::Hash32;
use crate::consensus::engine::*;

impl Tendermint {
    /// L11-L21: enter `round`; the proposer proposes, everyone else waits.
    pub(super) fn start_round(&mut self, now: Millis, round: u64, fx: &mut Vec<Effect>) {
        if round > self.round {
            fx.push(Effect::Report(Event::RoundFailed { height: self.height, round: self.round }));
        }
        self.round = round;
        self.step = TendermintStep::Propose;
        // Keep the previous rounds' messages: a peer still there needs them to finish it (R13).
        self.own.retain(|(r, _)| r.saturating_add(EARLIER_ROUNDS) >= round);
        if self.proposer(round) == self.me() {
            // L14-L19: re-propose the valid value, else a fresh block.
            let (block, pol_round) = match &self.valid {
                Some((vr, b)) => (b.clone(), Some(*vr)),
                None => (self.new_block(0), None),
            };
            self.propose(block, pol_round, fx);
        }
        // L21, for the proposer too: if its own proposal is refused by R12
        // (after a restart) or withheld, the round must still move on; L57 is
        // a no-op once the step has.
        self.set_timeout(now, Timeout::Propose, round);
    }

    /// After a restart (R12): re-send the votes already signed in the round we
    /// resume, and take up the step they imply, as a write-ahead log would.
    pub(super) fn resume_signed(&mut self, fx: &mut Vec<Effect>) {
        let (h, r) = (self.height, self.round);
        if let Some(v) = self.protection.signed_vote(h, r, VoteType::Prevote) {
            self.vote(VoteType::Prevote, v, fx);
            self.step = TendermintStep::Prevote;
        }
        if let Some(v) = self.protection.signed_vote(h, r, VoteType::Precommit) {
            self.vote(VoteType::Precommit, v, fx);
            self.step = TendermintStep::Precommit;
        }
    }

    pub(super) fn me(&self) -> Option<u32> {
        self.key.as_ref().map(|(v, _)| *v)
    }

    pub(super) fn proposer(&self, round: u64) -> Option<u32> {
        self.vals.proposer(self.height, round, &self.slashed)
    }

    /// R3: a fresh block on the committed head, with evidence not yet
    /// committed and the mempool's transfers (ledger T5), unless it censors.
    pub(super) fn new_block(&self, graffiti: u64) -> Block {
        let evidence = self.evidence.values().take(super::types::MAX_BLOCK_EVIDENCE).copied().collect();
        let (txs, state_root) = self.ledger.build(&self.state, None);
        let proposer = self.me().unwrap_or(0);
        Block { height: self.height, parent: self.head.hash, proposer, graffiti, evidence, state_root, txs }
    }

    pub(super) fn set_timeout(&mut self, now: Millis, kind: Timeout, round: u64) {
        let at = now.saturating_add(self.timeout_ms(kind, round));
        self.timeouts.insert((at, kind, round));
    }

    /// L57, L61, L65.
    pub(super) fn on_timeout(&mut self, now: Millis, kind: Timeout, round: u64, fx: &mut Vec<Effect>) {
        if round != self.round || !self.started {
            return;
        }
        match kind {
            Timeout::Propose if self.step == TendermintStep::Propose => {
                self.vote(VoteType::Prevote, None, fx); // L59
                self.step = TendermintStep::Prevote;
            }
            Timeout::Prevote if self.step == TendermintStep::Prevote => {
                self.vote(VoteType::Precommit, None, fx); // L63
                self.step = TendermintStep::Precommit;
            }
            Timeout::Precommit => self.start_round(now, round.saturating_add(1), fx), // L67
            _ => {}
        }
    }

    /// Apply the `upon` rules until none fires.
    pub(super) fn progress(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        // Each pass either changes (height, round, step) or sets a marker, so this ends;
        // the bound is a belt against a bug turning into a hang.
        for _ in 0..64 {
            if !self.started || !self.step_once(now, fx) {
                return;
            }
        }
    }

    fn q(&self, power: u128) -> bool {
        self.vals.is_quorum(power)
    }

    fn prevotes_for(&self, round: u64, value: Option<Hash32>) -> u128 {
        self.votes.power_for(round, VoteType::Prevote, value, |v| self.weight(v))
    }

    /// The proposal of `round`: its block id, valid round and block.
    fn valid_proposal(&self, round: u64) -> Option<(Hash32, Option<u64>, &Block)> {
        let p = self.proposals.get(&round)?;
        Some((p.signed.data.block, p.signed.data.pol_round, &p.block))
    }

    /// R4: `valid(v)`, decided once when the proposal arrived.
    fn block_ok(&self, id: &Hash32) -> bool {
        self.valid_ids.contains(id)
    }

    /// L55: the highest later round where f+1 of the power already is.
    fn round_to_skip_to(&self) -> Option<u64> {
        let beyond = |x: &u64| *x > self.round;
        if !(self.votes.last_round().is_some_and(|x| beyond(&x)) || self.proposals.keys().any(beyond)) {
            return None; // the usual case: nobody is ahead of us
        }
        let later: std::collections::BTreeSet<u64> =
            self.votes.rounds().into_iter().chain(self.proposals.keys().copied()).filter(beyond).collect();
        later.into_iter().rev().find(|lr| {
            let mut who = self.votes.voters(*lr);
            if let Some(p) = self.proposals.get(lr) {
                who.insert(p.signed.proposer);
            }
            let power: u128 = who.iter().map(|v| self.weight(*v) as u128).sum();
            self.vals.is_one_third(power)
        })
    }

    fn step_once(&mut self, now: Millis, fx: &mut Vec<Effect>) -> bool {
        let r = self.round;
        // L49: a proposal and +2/3 precommits for its block, in any round.
        let decided = self.votes.precommit_rounds().find_map(|pr| {
            self.proposals.values().find_map(|p| {
                let id = p.signed.data.block;
                let power = self.votes.power_for(pr, VoteType::Precommit, Some(id), |v| self.weight(v));
                (self.q(power) && self.block_ok(&id)).then(|| (p.block.clone(), pr))
            })
        });
        if let Some((block, pr)) = decided {
            self.decide(now, block, pr, fx);
            return true;
        }
        // L55: f+1 of the power is already in a later round: skip to it.
        if let Some(lr) = self.round_to_skip_to() {
            self.start_round(now, lr, fx);
            return true;
        }
        if self.step == TendermintStep::Propose
            && let Some((id, pol, _)) = self.valid_proposal(r)
        {
            let ok = self.block_ok(&id);
            let locked = self.locked.as_ref().map(|(lr, b)| (*lr, b.hash()));
            match pol {
                None => {
                    // L22-L27
                    let vote = ok && locked.is_none_or(|(_, lv)| lv == id);
                    self.vote(VoteType::Prevote, vote.then_some(id), fx);
                    self.step = TendermintStep::Prevote;
                    return true;
                }
                Some(vr) if vr < r && self.q(self.prevotes_for(vr, Some(id))) => {
                    // L28-L33
                    let vote = ok && locked.is_none_or(|(lr, lv)| lr <= vr || lv == id);
                    self.vote(VoteType::Prevote, vote.then_some(id), fx);
                    self.step = TendermintStep::Prevote;
                    return true;
                }
                _ => {}
            }
        }
        if self.step == TendermintStep::Prevote
            && !self.fired.contains(&(r, Once::L34))
            && self.q(self.votes.power_any(r, VoteType::Prevote, |v| self.weight(v)))
        {
            // L34-L35
            self.fired.insert((r, Once::L34));
            self.set_timeout(now, Timeout::Prevote, r);
            return true;
        }
        if self.step >= TendermintStep::Prevote
            && !self.fired.contains(&(r, Once::L36))
            && let Some((id, _, block)) = self.valid_proposal(r)
            && self.q(self.prevotes_for(r, Some(id)))
            && self.block_ok(&id)
        {
            // L36-L43
            let block = block.clone();
            self.fired.insert((r, Once::L36));
            self.pol = self.votes.for_value(r, VoteType::Prevote, Some(id));
            if self.step == TendermintStep::Prevote {
                self.locked = Some((r, block.clone()));
                self.valid = Some((r, block));
                self.vote(VoteType::Precommit, Some(id), fx);
                self.step = TendermintStep::Precommit;
            } else {
                self.valid = Some((r, block));
            }
            return true;
        }
        if self.step == TendermintStep::Prevote && self.q(self.prevotes_for(r, None)) {
            // L44-L46
            self.vote(VoteType::Precommit, None, fx);
            self.step = TendermintStep::Precommit;
            return true;
        }
        if !self.fired.contains(&(r, Once::L47))
            && self.q(self.votes.power_any(r, VoteType::Precommit, |v| self.weight(v)))
        {
            // L47-L48
            self.fired.insert((r, Once::L47));
            self.set_timeout(now, Timeout::Precommit, r);
            return true;
        }
        false
    }
}
