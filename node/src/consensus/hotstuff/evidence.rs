//! Equivocation evidence (R10): comparing each validator's first vote and
//! proposal per round with later ones, and reporting, persisting and
//! gossiping what conflicts.

use super::engine::HotStuff;
use super::types::{Evidence, SignedProposal, Vote};
use super::wire::Message;
use crate::consensus::engine::*;

impl HotStuff {
    pub(super) fn on_evidence(&mut self, from: Option<PeerId>, ev: Evidence, fx: &mut Vec<Effect>) {
        if let Err(reason) = self.checker().evidence(&ev) {
            return Self::reject(fx, from, reason);
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
        if self.seen_equivocations.insert((offender, round)) {
            fx.push(Effect::Report(Event::EquivocationSeen { validator: offender, kind, slot: round }));
        }
        if self.evidence.contains_key(&offender) {
            return;
        }
        self.evidence.insert(offender, ev);
        fx.push(Effect::Persist(Record {
            table: Table::Evidence,
            key: offender.to_be_bytes().to_vec(),
            value: ev.encode(),
        }));
        Self::send(fx, Dest::All, &Message::Evidence(ev));
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
