//! Checking signatures and certificates (R4, R7) and equivocation evidence
//! (R10). A certificate from a peer counts every distinct signer's stake,
//! slashed or not: which validators are slashed differs between nodes for
//! as long as a commit takes to spread, and a certificate must mean the
//! same to all of them. Safety needs only that more than 2/3 of the stake
//! signed; slashing takes power away where this node counts votes itself.

use super::types::{Evidence, QuorumCert, SignedProposal, Timeout, TimeoutCert, TimeoutData, Vote};
use crate::chain::sig_cache::{SigCache, Signed};
use crate::chain::{Domain, Signature};
use crate::consensus::engine::EquivocationKind;
use crate::consensus::tendermint::validators::ValidatorSet;
use std::collections::BTreeSet;

pub struct Checker<'a> {
    pub vals: &'a ValidatorSet,
    pub sigs: &'a mut SigCache,
    pub genesis: crate::chain::Hash32,
}

impl Checker<'_> {
    pub fn vote(&mut self, v: &Vote) -> bool {
        self.sigs.check(self.vals, v)
    }

    pub fn proposal(&mut self, p: &SignedProposal) -> bool {
        self.sigs.check(self.vals, p)
    }

    /// R4: the genesis QC, or distinct validators' valid signatures of one
    /// vote worth more than 2/3 of the stake, for a block above its parent.
    pub fn qc(&mut self, qc: &QuorumCert) -> Result<(), String> {
        if *qc == QuorumCert::genesis(self.genesis) {
            return Ok(());
        }
        let d = qc.data;
        if d.round <= d.parent_round || d.height == 0 {
            return Err(format!("QC of round {}: not above its parent's round {}", d.round, d.parent_round));
        }
        let msg = d.signing_bytes();
        let mut who = BTreeSet::new();
        let mut power: u128 = 0;
        for (v, sig) in &qc.sigs {
            if !who.insert(*v) {
                return Err(format!("QC of round {}: validator {v} signs twice", d.round));
            }
            if !self.sigs.verify(self.vals.key(*v), Domain::Vote, &msg, sig) {
                return Err(format!("QC of round {}: bad signature of validator {v}", d.round));
            }
            power += self.vals.stake(*v) as u128;
        }
        if self.vals.is_quorum(power) { Ok(()) } else { Err(format!("QC of round {}: not 2/3 of the stake", d.round)) }
    }

    /// R7: a timeout names the round of the QC it carries, below its own round.
    pub fn timeout(&mut self, t: &Timeout) -> Result<(), String> {
        if t.high_qc.round() != t.data.hqc_round || t.data.hqc_round >= t.data.round {
            return Err(format!("timeout of round {}: inconsistent QC round", t.data.round));
        }
        if !self.sigs.check(self.vals, t) {
            return Err(format!("timeout of round {}: bad signature of validator {}", t.data.round, t.validator));
        }
        self.qc(&t.high_qc)
    }

    /// R7: every timeout signature checked before the TC counts (relab#224).
    pub fn tc(&mut self, tc: &TimeoutCert) -> Result<(), String> {
        let mut who = BTreeSet::new();
        let mut power: u128 = 0;
        for (v, hqc_round, sig) in &tc.sigs {
            if !who.insert(*v) || *hqc_round >= tc.round {
                return Err(format!("TC of round {}: repeated signer or bad QC round", tc.round));
            }
            let data = TimeoutData { round: tc.round, hqc_round: *hqc_round };
            if !self.sigs.verify(self.vals.key(*v), Domain::Vote, &data.signing_bytes(), sig) {
                return Err(format!("TC of round {}: bad signature of validator {v}", tc.round));
            }
            power += self.vals.stake(*v) as u128;
        }
        if !self.vals.is_quorum(power) {
            return Err(format!("TC of round {}: not 2/3 of the stake", tc.round));
        }
        if tc.high_qc.round() != tc.max_hqc_round() {
            return Err(format!("TC of round {}: its QC is not the highest its signers hold", tc.round));
        }
        self.qc(&tc.high_qc)
    }

    /// R10: valid evidence conflicts and carries two valid signatures.
    pub fn evidence(&mut self, ev: &Evidence) -> Result<(u32, EquivocationKind, u64), String> {
        let out = classify(ev)?;
        let ok = match ev {
            Evidence::DoubleVote(a, b) => self.vote(a) && self.vote(b),
            Evidence::DoubleProposal(a, b) => self.proposal(a) && self.proposal(b),
        };
        if ok { Ok(out) } else { Err("evidence signature invalid".into()) }
    }
}

impl Signed for Vote {
    fn signed(&self) -> (u32, Domain, Vec<u8>, &Signature) {
        (self.validator, Domain::Vote, self.data.signing_bytes(), &self.signature)
    }
}

impl Signed for SignedProposal {
    fn signed(&self) -> (u32, Domain, Vec<u8>, &Signature) {
        (self.proposer, Domain::BlockHeader, self.data.signing_bytes(), &self.signature)
    }
}

impl Signed for Timeout {
    fn signed(&self) -> (u32, Domain, Vec<u8>, &Signature) {
        (self.validator, Domain::Vote, self.data.signing_bytes(), &self.signature)
    }
}

/// R10: the offender, kind and round, if the two messages really conflict.
pub fn classify(ev: &Evidence) -> Result<(u32, EquivocationKind, u64), String> {
    match ev {
        Evidence::DoubleVote(a, b) => {
            if a.validator != b.validator || a.data.round != b.data.round || a.data == b.data {
                return Err("double-vote evidence: votes do not conflict".into());
            }
            Ok((a.validator, EquivocationKind::DoubleVote, a.data.round))
        }
        Evidence::DoubleProposal(a, b) => {
            if a.proposer != b.proposer || a.data.round != b.data.round || a.data == b.data {
                return Err("double-proposal evidence: proposals do not conflict".into());
            }
            Ok((a.proposer, EquivocationKind::DoubleProposal, a.data.round))
        }
    }
}
