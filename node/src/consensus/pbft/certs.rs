//! Checking certificates and evidence (R5, R6, R8, R14). Certificates
//! inside VIEW-CHANGE and NEW-VIEW are weighed with genesis stakes (R6):
//! every node must reach the same verdict on them whatever it has slashed.

use super::types::{Cert, CheckpointCert, Evidence, Phase};
use super::validators::{SigChecker, Validators};
use crate::chain::Hash32;
use crate::consensus::engine::EquivocationKind;
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertKind {
    /// One PRE-PREPARE from the view's primary and PREPAREs (R5).
    Prepared,
    /// COMMITs (R6).
    Committed,
}

/// A certificate's (view, seq, kind) if it is one: votes of one view for the
/// block's sequence number and digest, distinct validators, valid signatures,
/// and more than 2/3 of the stake by `weight`.
pub fn verify_cert(
    cert: &Cert,
    vals: &Validators,
    sigs: &mut SigChecker,
    weight: impl Fn(u32) -> u64,
) -> Result<(u64, u64, CertKind), String> {
    let first = cert.votes.first().ok_or("certificate: no votes")?;
    let (view, seq, digest) = (first.data.view, cert.block.seq, cert.block.hash());
    let kind = if first.data.phase == Phase::Commit { CertKind::Committed } else { CertKind::Prepared };
    let mut who = BTreeSet::new();
    let mut pre_prepares = 0;
    let mut power: u128 = 0;
    for v in &cert.votes {
        let d = v.data;
        if d.view != view || d.seq != seq || d.digest != digest {
            return Err(format!("certificate for {seq}: a vote is for another view, sequence or digest"));
        }
        let ok = match (kind, d.phase) {
            (CertKind::Committed, Phase::Commit) | (CertKind::Prepared, Phase::Prepare) => true,
            (CertKind::Prepared, Phase::PrePrepare) => {
                pre_prepares += 1;
                v.validator == vals.primary(view)
            }
            _ => false,
        };
        if !ok {
            return Err(format!("certificate for {seq}: a {} does not belong", d.phase.as_str()));
        }
        if !who.insert(v.validator) {
            return Err(format!("certificate for {seq}: validator {} twice", v.validator));
        }
        if !sigs.check(vals, v) {
            return Err(format!("certificate for {seq}: bad signature"));
        }
        power += weight(v.validator) as u128;
    }
    if kind == CertKind::Prepared && pre_prepares != 1 {
        return Err(format!("certificate for {seq}: no pre-prepare from the primary"));
    }
    if !vals.is_quorum(power) {
        return Err(format!("certificate for {seq}: less than 2/3 of the stake"));
    }
    Ok((view, seq, kind))
}

/// R8: a stable checkpoint's proof (genesis stakes). Seq 0 is the genesis block, needing no votes.
pub fn verify_checkpoint(
    cp: &CheckpointCert,
    genesis: Hash32,
    vals: &Validators,
    sigs: &mut SigChecker,
) -> Result<(), String> {
    if cp.seq == 0 {
        return if cp.digest == genesis && cp.votes.is_empty() {
            Ok(())
        } else {
            Err("checkpoint 0 is not the genesis block".into())
        };
    }
    let mut who = BTreeSet::new();
    let mut power: u128 = 0;
    for v in &cp.votes {
        let d = v.data;
        if d.phase != Phase::Checkpoint || d.view != 0 || d.seq != cp.seq || d.digest != cp.digest {
            return Err(format!("checkpoint {}: a vote is not a checkpoint for it", cp.seq));
        }
        if !who.insert(v.validator) || !sigs.check(vals, v) {
            return Err(format!("checkpoint {}: repeated validator or bad signature", cp.seq));
        }
        power += vals.stake(v.validator) as u128;
    }
    if vals.is_quorum(power) { Ok(()) } else { Err(format!("checkpoint {}: less than 2/3 of the stake", cp.seq)) }
}

/// R14: the offender, kind and sequence number, if the two votes are one
/// validator's different digests for one (phase, view, seq), both signed.
pub fn verify_evidence(
    ev: &Evidence,
    vals: &Validators,
    sigs: &mut SigChecker,
) -> Result<(u32, EquivocationKind, u64), String> {
    let (a, b) = (ev.a, ev.b);
    if a.validator != b.validator {
        return Err("evidence: different validators".into());
    }
    if (a.data.phase, a.data.view, a.data.seq) != (b.data.phase, b.data.view, b.data.seq)
        || a.data.digest == b.data.digest
        || a.data.phase == Phase::Checkpoint
    {
        return Err("evidence: the messages do not conflict".into());
    }
    if !(sigs.check(vals, &a) && sigs.check(vals, &b)) {
        return Err("evidence: signature invalid".into());
    }
    let kind = match a.data.phase {
        Phase::PrePrepare => EquivocationKind::DoubleProposal,
        _ => EquivocationKind::DoubleVote,
    };
    Ok((a.validator, kind, a.data.seq))
}
