//! R11: computing O of NEW-VIEW from a set V of view changes. The new primary
//! runs it to build NEW-VIEW, and every backup runs it again on the V it
//! received and refuses a NEW-VIEW whose O differs. A pure function of V:
//! ordered maps only, certificates weighed with genesis stakes.

use super::certs::{CertKind, verify_cert, verify_checkpoint};
use super::types::{Block, CheckpointCert, ViewChange};
use super::validators::{SigChecker, Validators};
use crate::chain::Hash32;
use std::collections::BTreeMap;

/// What NEW-VIEW re-proposes: the latest stable checkpoint in V (`min_s`) and
/// one block for each sequence number in `(min_s, max_s]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub checkpoint: CheckpointCert,
    pub blocks: Vec<Block>,
}

/// O from V (OSDI'99 §4.4, every entry a signed certificate):
/// `min_s` is the highest stable checkpoint whose proof verifies; for each
/// sequence number in `(min_s, max_s]` the block prepared in the highest view
/// (a commit certificate also proves it prepared), else a null request.
/// Every prepared certificate is verified on its own, so a bad entry is
/// dropped without taking the valid ones of its message with it; entries
/// beyond `min_s + window` are ignored.
pub fn compute(vcs: &[ViewChange], genesis: Hash32, vals: &Validators, sigs: &mut SigChecker, window: u64) -> Plan {
    let mut checkpoint = CheckpointCert::genesis(genesis);
    for vc in vcs {
        if vc.checkpoint.seq > checkpoint.seq && verify_checkpoint(&vc.checkpoint, genesis, vals, sigs).is_ok() {
            checkpoint = vc.checkpoint.clone();
        }
    }
    let min_s = checkpoint.seq;
    // seq -> (view, digest, block): the certificate of the highest view, the
    // smaller digest on a tie (which honest stake below 1/3 never produces).
    let mut best: BTreeMap<u64, (u64, Hash32, Block)> = BTreeMap::new();
    for vc in vcs {
        for cert in &vc.prepared {
            let seq = cert.block.seq;
            if seq <= min_s || seq > min_s.saturating_add(window) {
                continue;
            }
            let Ok((view, _, CertKind::Prepared | CertKind::Committed)) =
                verify_cert(cert, vals, sigs, |v| vals.stake(v))
            else {
                continue;
            };
            let digest = cert.block.hash();
            let better = match best.get(&seq) {
                None => true,
                Some((bv, bd, _)) => view > *bv || (view == *bv && digest < *bd),
            };
            if better {
                best.insert(seq, (view, digest, cert.block.clone()));
            }
        }
    }
    let max_s = best.keys().next_back().copied().unwrap_or(min_s);
    let mut blocks = Vec::new();
    let mut parent = checkpoint.digest;
    for seq in min_s.saturating_add(1)..=max_s {
        let block = match best.remove(&seq) {
            Some((_, _, b)) => b,
            None => Block::null(seq, parent),
        };
        parent = block.hash();
        blocks.push(block);
    }
    Plan { checkpoint, blocks }
}
