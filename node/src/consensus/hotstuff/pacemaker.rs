//! The pacemaker and the certificates (R4-R8): a QC or TC taken in raises
//! the high QC or TC and the locks, applies the commit rule, and moves the
//! round; entering a round sets its timer and, for its leader, when to propose.

use super::engine::{HotStuff, PAST_ROUNDS, WAITING_MAX};
use super::rules::commit_target;
use super::types::{QuorumCert, TimeoutCert};
use crate::consensus::engine::*;

impl HotStuff {
    /// R4, R5, R6: take in a checked QC: certify its block, raise the high
    /// QC and the locks, apply the commit rule, and move the round.
    pub(super) fn observe_qc(&mut self, now: Millis, qc: QuorumCert, from: Option<PeerId>, fx: &mut Vec<Effect>) {
        let block = qc.block();
        if !self.tree.contains(&block) {
            // R11: a QC for a block not seen yet: fetch it, then come back here.
            if self.pending_qcs.get(&block).is_none_or(|q| q.round() < qc.round()) {
                if self.pending_qcs.len() >= WAITING_MAX {
                    self.pending_qcs.pop_first();
                }
                self.pending_qcs.insert(block, qc);
            }
            if let Some(from) = from {
                self.request_block(now, block, from, fx);
            }
            return;
        }
        self.tree.certify(&block);
        self.protection.observe_qc(&qc.data);
        if qc.round() > self.high_qc.round() {
            self.high_qc = qc;
            self.update_head(now, fx);
            self.persist_sync_info(fx);
        }
        let chain = self.tree.ancestry(block, self.params.commit_chain as usize);
        if let Some(target) = commit_target(self.params.commit_chain, &chain) {
            self.commit(target, fx);
        }
        self.maybe_advance(now, fx);
    }

    /// R7: take in a checked TC: raise the high TC and its QC, move the round.
    pub(super) fn observe_tc(&mut self, now: Millis, tc: TimeoutCert, from: Option<PeerId>, fx: &mut Vec<Effect>) {
        let qc = tc.high_qc.clone();
        if self.high_tc.as_ref().is_none_or(|h| tc.round > h.round) {
            self.high_tc = Some(tc);
            self.persist_sync_info(fx);
            if self.started && self.high_tc.as_ref().is_some_and(|t| t.round >= self.pm.round) {
                // R12: a new TC moves everyone who has not formed it yet,
                // without waiting for their own timers.
                self.broadcast_sync_info(fx);
            }
        }
        self.observe_qc(now, qc, from, fx);
        self.maybe_advance(now, fx);
    }

    /// R7: the round is one past the highest QC or TC held.
    fn maybe_advance(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        let tc_round = self.high_tc.as_ref().map_or(0, |t| t.round);
        let target = self.high_qc.round().max(tc_round).saturating_add(1);
        if target <= self.pm.round {
            return;
        }
        if !self.started {
            self.pm.round = target; // restoring: `Start` enters it
            return;
        }
        let via_tc = self.high_qc.round().saturating_add(1) < target;
        self.enter_round(now, target, via_tc, fx);
    }

    /// R7, R8: enter `round` (or restart the current one's timers on `Start`).
    pub(super) fn enter_round(&mut self, now: Millis, round: u64, via_tc: bool, fx: &mut Vec<Effect>) {
        if round > self.pm.round {
            let left = self.pm.round;
            if via_tc {
                self.pm.failed = self.pm.failed.saturating_add(1);
                fx.push(Effect::Report(Event::RoundFailed { height: self.head.height + 1, round: left }));
            } else {
                self.pm.failed = 0;
            }
        }
        self.pm.round = round;
        self.pm.entered_at = now;
        self.pm.timed_out = false;
        self.pm.deadline = now.saturating_add(self.params.round_timeout(self.pm.failed));
        let mine = self.me().is_some() && self.leader(round) == self.me();
        self.pm.propose_at = mine.then(|| now.saturating_add(self.params.min_round_ms));
        // R13: what is counted or compared stays within a window of rounds.
        let floor = round.saturating_sub(2);
        self.votes.retain(|d, _| d.round >= floor);
        self.timeouts.retain(|r, _| *r >= round);
        let past = round.saturating_sub(PAST_ROUNDS);
        self.first_votes.retain(|(r, _), _| *r >= past);
        self.first_proposals.retain(|(r, _), _| *r >= past);
    }
}
