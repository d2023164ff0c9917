//! Equivocation evidence (R10): comparing each validator's first vote and
//! proposal per round with later ones, and reporting, persisting and
//! gossiping what conflicts.

use super::engine::HotStuff;
use super::types::{Evidence, SignedProposal, Vote};
use super::wire::Message;
use crate::consensus::common::inbound::reject;
use crate::consensus::common::slashing::{pool_evidence, report_equivocation};
use crate::consensus::engine::*;

impl HotStuff {
    pub(super) fn on_evidence(&mut self, from: Option<PeerId>, ev: Evidence, fx: &mut Vec<Effect>) {
        if let Err(reason) = self.checker().evidence(&ev) {
            return reject(fx, from, reason);
        }
        self.record_evidence(ev, fx);
    }

    /// R10: report, persist and gossip checked evidence, once per offender
    /// (reported once per offender and round).
    pub(super) fn record_evidence(&mut self, ev: Evidence, fx: &mut Vec<Effect>) {
        let Ok((offender, kind, round)) = super::certs::classify(&ev) else { return };
        if self.slashed.contains(&offender) {
            return;
        }
        report_equivocation(&mut self.seen_equivocations, (offender, round), offender, kind, round, fx);
        if pool_evidence(&mut self.evidence, offender, ev, Evidence::encode, fx).is_some() {
            Self::send(fx, Dest::All, &Message::Evidence(ev));
        }
    }

    /// R10: a second, different vote of one validator in one round is evidence.
    pub(super) fn record_vote(&mut self, v: Vote, fx: &mut Vec<Effect>) {
        match self.first_votes.get(&(v.data.round, v.validator)) {
            Some(first) if first.data != v.data => {
                let ev = Evidence::DoubleVote(*first, v);
                self.record_evidence(ev, fx);
            }
            Some(_) => {}
            None => {
                self.first_votes.insert((v.data.round, v.validator), v);
            }
        }
    }

    /// R10: a second, different proposal of one leader in one round is evidence.
    pub(super) fn record_proposal(&mut self, p: SignedProposal, fx: &mut Vec<Effect>) {
        match self.first_proposals.get(&(p.data.round, p.proposer)) {
            Some(first) if first.data != p.data => {
                let ev = Evidence::DoubleProposal(*first, p);
                self.record_evidence(ev, fx);
            }
            Some(_) => {}
            None => {
                self.first_proposals.insert((p.data.round, p.proposer), p);
            }
        }
    }
}
