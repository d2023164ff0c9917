//! Slashing: what counts as an equivocation (R10), detecting one among the
//! messages a node sees, and the local validator's own protection (R12).

use super::types::{Attestation, AttestationData, Checkpoint, Evidence, SignedHeader};
use super::validators::{SigChecker, Validators};
use crate::chain::codec::{DecodeError, Reader, Writer};
use crate::consensus::engine::EquivocationKind;
use std::collections::BTreeMap;

/// R10: two attestations by one validator conflict when they are
/// - a double vote: same slot and different data (two LMD heads for one slot),
///   or same target epoch and a different FFG vote (source, target); or
/// - a surround vote: one's (source, target) span strictly contains the other's.
///
/// Honest validators attest every slot with one FFG vote per target epoch (R12),
/// so two honest attestations of one epoch never conflict.
pub fn classify_votes(a: &AttestationData, b: &AttestationData) -> Option<EquivocationKind> {
    if a == b {
        return None;
    }
    if a.slot == b.slot {
        return Some(EquivocationKind::DoubleVote);
    }
    if a.target.epoch == b.target.epoch && (a.source, a.target) != (b.source, b.target) {
        return Some(EquivocationKind::DoubleVote);
    }
    let surrounds =
        |x: &AttestationData, y: &AttestationData| x.source.epoch < y.source.epoch && y.target.epoch < x.target.epoch;
    if surrounds(a, b) || surrounds(b, a) {
        return Some(EquivocationKind::SurroundVote);
    }
    None
}

/// R10: the offender and kind, if the evidence's two messages really conflict.
/// Signatures are checked separately (`verify_evidence`).
pub fn classify_evidence(ev: &Evidence) -> Result<(u32, EquivocationKind), String> {
    match ev {
        Evidence::DoubleProposal(a, b) => {
            if a.header.proposer != b.header.proposer || a.header.slot != b.header.slot {
                return Err("double-proposal evidence: different proposer or slot".into());
            }
            if a.header.hash() == b.header.hash() {
                return Err("double-proposal evidence: same header twice".into());
            }
            Ok((a.header.proposer, EquivocationKind::DoubleProposal))
        }
        Evidence::ConflictingVotes(a, b) => {
            if a.validator != b.validator {
                return Err("vote evidence: different validators".into());
            }
            let kind = classify_votes(&a.data, &b.data).ok_or("vote evidence: votes do not conflict")?;
            Ok((a.validator, kind))
        }
    }
}

/// R10: evidence is valid when its messages conflict and both signatures verify.
pub fn verify_evidence(
    ev: &Evidence,
    vals: &Validators,
    sigs: &mut SigChecker,
) -> Result<(u32, EquivocationKind), String> {
    let out = classify_evidence(ev)?;
    let ok = match ev {
        Evidence::DoubleProposal(a, b) => sigs.check(vals, a) && sigs.check(vals, b),
        Evidence::ConflictingVotes(a, b) => sigs.check(vals, a) && sigs.check(vals, b),
    };
    if ok { Ok(out) } else { Err("evidence signature invalid".into()) }
}

/// Remembers signed messages per validator to spot equivocations among the
/// valid messages this node sees. Bounded by `prune` (R18): evidence older than
/// the finalized epoch is no longer looked for.
#[derive(Default)]
pub struct Detector {
    headers: BTreeMap<(u32, u64), SignedHeader>,
    by_slot: BTreeMap<(u32, u64), Attestation>,
    by_target: BTreeMap<(u32, u64), Attestation>,
}

impl Detector {
    /// R10: a second, different header for one (proposer, slot).
    pub fn observe_header(&mut self, h: &SignedHeader) -> Option<Evidence> {
        let key = (h.header.proposer, h.header.slot);
        match self.headers.get(&key) {
            Some(prev) if prev.header.hash() != h.header.hash() => Some(Evidence::DoubleProposal(*prev, *h)),
            Some(_) => None,
            None => {
                self.headers.insert(key, *h);
                None
            }
        }
    }

    /// R10: a double or surround vote against anything remembered for the validator.
    pub fn observe_attestation(&mut self, a: &Attestation) -> Option<Evidence> {
        let v = a.validator;
        if let Some(prev) = self.by_slot.get(&(v, a.data.slot)) {
            if prev.data != a.data {
                return Some(Evidence::ConflictingVotes(*prev, *a));
            }
            return None;
        }
        for (_, prev) in self.by_target.range((v, 0)..=(v, u64::MAX)) {
            if classify_votes(&prev.data, &a.data).is_some() {
                return Some(Evidence::ConflictingVotes(*prev, *a));
            }
        }
        self.by_slot.insert((v, a.data.slot), *a);
        self.by_target.entry((v, a.data.target.epoch)).or_insert(*a);
        None
    }

    pub fn prune(&mut self, min_slot: u64, min_epoch: u64) {
        self.headers.retain(|(_, s), _| *s >= min_slot);
        self.by_slot.retain(|(_, s), _| *s >= min_slot);
        self.by_target.retain(|(_, e), _| *e >= min_epoch);
    }
}

/// R12: what the local validator has signed, persisted before any signature
/// leaves the node, so it never signs a conflicting message, even after a crash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Protection {
    pub last_block_slot: Option<u64>,
    pub last_attestation_slot: Option<u64>,
    /// The FFG vote of the highest target epoch signed.
    pub ffg: Option<(Checkpoint, Checkpoint)>,
}

impl Protection {
    /// R12: one block per slot, slots strictly increasing.
    pub fn may_sign_block(&self, slot: u64) -> bool {
        self.last_block_slot.is_none_or(|s| slot > s)
    }

    /// R12: the FFG vote to use for `target_epoch`: the one already signed for
    /// that epoch if any (one FFG vote per target epoch), else `fresh` when it
    /// neither lowers the source nor goes back in target epoch; `None` = do not sign.
    pub fn ffg_vote(&self, fresh: (Checkpoint, Checkpoint)) -> Option<(Checkpoint, Checkpoint)> {
        match self.ffg {
            None => Some(fresh),
            Some((s, t)) if t.epoch == fresh.1.epoch => Some((s, t)),
            Some((s, t)) if fresh.1.epoch > t.epoch && fresh.0.epoch >= s.epoch => Some(fresh),
            Some(_) => None,
        }
    }

    /// R12: never two attestations for one slot, nor any that would conflict
    /// (double or surround) with the FFG vote already signed.
    pub fn may_sign_attestation(&self, d: &AttestationData) -> bool {
        if self.last_attestation_slot.is_some_and(|s| d.slot <= s) {
            return false;
        }
        match self.ffg {
            None => true,
            Some((s, t)) if t.epoch == d.target.epoch => (s, t) == (d.source, d.target),
            Some((s, t)) => d.target.epoch > t.epoch && d.source.epoch >= s.epoch,
        }
    }

    pub fn record_block(&mut self, slot: u64) {
        self.last_block_slot = Some(self.last_block_slot.map_or(slot, |s| s.max(slot)));
    }

    pub fn record_attestation(&mut self, d: &AttestationData) {
        self.last_attestation_slot = Some(self.last_attestation_slot.map_or(d.slot, |s| s.max(d.slot)));
        if self.ffg.is_none_or(|(_, t)| d.target.epoch > t.epoch) {
            self.ffg = Some((d.source, d.target));
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        let opt = |w: &mut Writer, v: Option<u64>| {
            match v {
                Some(x) => w.u8(1).u64(x),
                None => w.u8(0),
            };
        };
        opt(&mut w, self.last_block_slot);
        opt(&mut w, self.last_attestation_slot);
        match &self.ffg {
            Some((s, t)) => {
                w.u8(1);
                s.write(&mut w);
                t.write(&mut w);
            }
            None => {
                w.u8(0);
            }
        }
        w.finish()
    }

    pub fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(b);
        let flag = |r: &mut Reader<'_>| -> Result<bool, DecodeError> {
            match r.u8()? {
                0 => Ok(false),
                1 => Ok(true),
                t => Err(DecodeError::Invalid { what: "option flag", detail: t.to_string() }),
            }
        };
        let last_block_slot = if flag(&mut r)? { Some(r.u64()?) } else { None };
        let last_attestation_slot = if flag(&mut r)? { Some(r.u64()?) } else { None };
        let ffg = if flag(&mut r)? { Some((Checkpoint::read(&mut r)?, Checkpoint::read(&mut r)?)) } else { None };
        r.finish()?;
        Ok(Protection { last_block_slot, last_attestation_slot, ffg })
    }
}
