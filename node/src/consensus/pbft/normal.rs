//! The normal case (OSDI'99 §4.2, R4-R7), one sequence number at a time:
//! `progress` applies the rules until none fires.

use super::engine::Pbft;
use super::types::{Block, Cert, Phase, Vote};
use crate::chain::Hash32;
use crate::consensus::engine::*;

impl Pbft {
    /// Apply the rules until none fires; the bound is a belt against a bug turning into a hang.
    pub(super) fn progress(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        for _ in 0..256 {
            if !self.started || !self.step_once(now, fx) {
                return;
            }
        }
    }

    fn step_once(&mut self, now: Millis, fx: &mut Vec<Effect>) -> bool {
        let seq = self.head.height.saturating_add(1);
        // R7: 2f+1 COMMITs for a block of `seq`, in any view: commit it.
        if let Some((block, votes)) = self.commit_ready(seq) {
            self.commit(now, block, votes, true, fx);
            return true;
        }
        if self.changing.is_some() || !self.in_window(seq) {
            return false; // R9: no normal-case messages while the view changes
        }
        let view = self.view;
        let primary = self.vals.primary(view);
        // R4: the primary pre-prepares the next block once the pacing allows.
        if self.me() == Some(primary)
            && !self.slashed.contains(&primary)
            && now >= self.propose_at
            && !self.pre_prepares.contains_key(&(view, seq))
            && !self.sent.contains(&(view, seq, Phase::PrePrepare))
        {
            self.propose(view, seq, fx);
            return self.pre_prepares.contains_key(&(view, seq));
        }
        let Some((pp, block)) = self.pre_prepares.get(&(view, seq)).cloned() else { return false };
        let digest = pp.data.digest;
        // R5: a backup accepts the pre-prepare of its view for the next
        // sequence number if the block extends its committed head and is valid.
        if self.me().is_some_and(|me| me != primary) && !self.sent.contains(&(view, seq, Phase::Prepare)) {
            if !self.block_ok(&block) {
                return false;
            }
            self.sign_vote(Phase::Prepare, view, seq, digest, fx);
            return self.sent.contains(&(view, seq, Phase::Prepare));
        }
        // R6: prepared (the pre-prepare and PREPAREs, more than 2/3 with the
        // primary's stake): keep the certificate (R10's P) and COMMIT.
        if self.me().is_some() && !self.sent.contains(&(view, seq, Phase::Commit)) {
            let cert = self.prepared_cert(view, seq, &pp, &block);
            let power: u128 = cert.votes.iter().map(|v| self.weight(v.validator) as u128).sum();
            if !self.vals.is_quorum(power) || !self.block_ok(&block) {
                return false;
            }
            let keep = self.protection.prepared.get(&seq).is_none_or(|c| c.view() <= view);
            if keep {
                self.protection.prepared.insert(seq, cert);
            }
            self.sign_vote(Phase::Commit, view, seq, digest, fx);
            return self.sent.contains(&(view, seq, Phase::Commit));
        }
        false
    }

    /// R6: the pre-prepare and the PREPAREs for its digest from other validators.
    pub(super) fn prepared_cert(&self, view: u64, seq: u64, pp: &Vote, block: &Block) -> Cert {
        let digest = pp.data.digest;
        let mut votes = vec![*pp];
        if let Some(m) = self.votes.get(&(view, seq, Phase::Prepare)) {
            for (v, vs) in m {
                if *v == pp.validator {
                    continue;
                }
                if let Some(x) = vs.iter().find(|x| x.data.digest == digest) {
                    votes.push(*x);
                }
            }
        }
        Cert { block: block.clone(), votes }
    }

    /// R7: a block for `seq` with more than 2/3 of the power in COMMITs of one
    /// view, which this node holds and finds valid; with the commit certificate.
    fn commit_ready(&mut self, seq: u64) -> Option<(Block, Vec<Vote>)> {
        let views: Vec<u64> =
            self.votes.keys().filter(|(_, s, p)| *s == seq && *p == Phase::Commit).map(|(v, _, _)| *v).collect();
        for view in views {
            let digests: std::collections::BTreeSet<Hash32> =
                self.votes[&(view, seq, Phase::Commit)].values().flatten().map(|v| v.data.digest).collect();
            for d in digests {
                let votes: Vec<Vote> = self.votes[&(view, seq, Phase::Commit)]
                    .values()
                    .filter_map(|vs| vs.iter().find(|v| v.data.digest == d))
                    .filter(|v| !self.slashed.contains(&v.validator))
                    .copied()
                    .collect();
                let power: u128 = votes.iter().map(|v| self.weight(v.validator) as u128).sum();
                if !self.vals.is_quorum(power) {
                    continue;
                }
                let Some(block) = self.known_block(seq, d) else { continue };
                if self.block_ok(&block) {
                    return Some((block, votes));
                }
            }
        }
        None
    }

    /// A block of `seq` with digest `d` from any pre-prepare or prepared certificate held.
    fn known_block(&self, seq: u64, d: Hash32) -> Option<Block> {
        let pp = self.pre_prepares.range((0, seq)..).find(|((_, s), (v, _))| *s == seq && v.data.digest == d);
        if let Some((_, (_, b))) = pp {
            return Some(b.clone());
        }
        self.protection.prepared.get(&seq).filter(|c| c.block.hash() == d).map(|c| c.block.clone())
    }

    /// R1, R5: `block` extends the committed head and is valid on its state
    /// (evidence verifies against distinct unslashed validators; its transfers
    /// give its state root). A null request leaves the state as it is.
    pub(super) fn block_ok(&mut self, block: &Block) -> bool {
        let id = block.hash();
        if self.block_states.contains_key(&id) {
            return true;
        }
        if self.bad_blocks.contains(&id) {
            return false;
        }
        match self.check_block(block) {
            Ok(state) => {
                self.block_states.insert(id, state);
                true
            }
            Err(_) => {
                self.bad_blocks.insert(id);
                false
            }
        }
    }

    pub(super) fn check_block(&mut self, b: &Block) -> Result<crate::ledger::State, String> {
        if b.seq != self.head.height.saturating_add(1) || b.parent != self.head.hash {
            return Err(format!("block {} does not extend the committed head", b.seq));
        }
        if b.is_null() {
            if !b.txs.is_empty() || !b.evidence.is_empty() || b.state_root != Hash32::ZERO {
                return Err("a null request carries nothing".into());
            }
            return Ok(self.state.clone());
        }
        if self.vals.key(b.proposer).is_none() {
            return Err("unknown block proposer".into());
        }
        let mut offenders = std::collections::BTreeSet::new();
        for ev in &b.evidence {
            let (v, _, _) = super::certs::verify_evidence(ev, &self.vals, &mut self.sigs)?;
            if self.slashed.contains(&v) || !offenders.insert(v) {
                return Err(format!("evidence against validator {v} is stale or repeated"));
            }
        }
        let post = self.ledger.execute(&self.state, &b.txs)?;
        if post.root() != b.state_root {
            return Err(format!("state root {} is not the root its transfers give", b.state_root.short()));
        }
        Ok(post)
    }

    /// R4: a fresh block on the committed head: pending evidence and the
    /// mempool's transfers (ledger T5), unless it censors.
    pub(super) fn new_block(&self, seq: u64) -> Block {
        let evidence = self.evidence.values().take(super::types::MAX_BLOCK_EVIDENCE).copied().collect();
        let (txs, state_root) = self.ledger.build(&self.state, None);
        let proposer = self.me().unwrap_or(0);
        Block { seq, parent: self.head.hash, proposer, evidence, state_root, txs }
    }
}
