//! R10: what counts as an equivocation, and checking evidence.

use super::types::Evidence;
use super::validators::{SigChecker, ValidatorSet};
use crate::consensus::engine::EquivocationKind;

/// The offender, kind and height, if the two messages really conflict.
/// Signatures are checked by `verify_evidence`.
pub fn classify(ev: &Evidence) -> Result<(u32, EquivocationKind, u64), String> {
    match ev {
        Evidence::DuplicateVote(a, b) => {
            if a.validator != b.validator {
                return Err("duplicate-vote evidence: different validators".into());
            }
            let (x, y) = (a.data, b.data);
            if (x.kind, x.height, x.round) != (y.kind, y.height, y.round) || x.value == y.value {
                return Err("duplicate-vote evidence: votes do not conflict".into());
            }
            Ok((a.validator, EquivocationKind::DoubleVote, x.height))
        }
        Evidence::DoubleProposal(a, b) => {
            if a.proposer != b.proposer {
                return Err("double-proposal evidence: different proposers".into());
            }
            if (a.data.height, a.data.round) != (b.data.height, b.data.round) || a.data == b.data {
                return Err("double-proposal evidence: proposals do not conflict".into());
            }
            Ok((a.proposer, EquivocationKind::DoubleProposal, a.data.height))
        }
    }
}

/// R10: valid evidence conflicts and carries two valid signatures.
pub fn verify_evidence(
    ev: &Evidence,
    vals: &ValidatorSet,
    sigs: &mut SigChecker,
) -> Result<(u32, EquivocationKind, u64), String> {
    let out = classify(ev)?;
    let ok = match ev {
        Evidence::DuplicateVote(a, b) => sigs.check(vals, a) && sigs.check(vals, b),
        Evidence::DoubleProposal(a, b) => sigs.check(vals, a) && sigs.check(vals, b),
    };
    if ok { Ok(out) } else { Err("evidence signature invalid".into()) }
}
