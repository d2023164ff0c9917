//! R11 as data: O computed from hand-made view changes.

use super::*;
use crate::consensus::pbft::newview::compute;
use crate::consensus::pbft::types::NULL_PROPOSER;
use crate::consensus::pbft::validators::{SigChecker, Validators};

fn vals() -> Validators {
    Validators::from_spec(&spec()).expect("vals")
}

/// V: seq 1 prepared in view 0 (block a) by one node and, conflicting, in
/// view 1 (block b) by another; seq 2 prepared by nobody (a gap); seq 3
/// prepared in view 1. O re-proposes b (the highest view), a null request at
/// 2 linked to b, and seq 3's block.
#[test]
fn o_takes_the_highest_view_and_fills_gaps_with_nulls() {
    let g = genesis();
    let a = block(1, g, 0);
    let b = Block { proposer: 1, ..a.clone() };
    assert_ne!(a.hash(), b.hash());
    let c = block(3, Hash32([9; 32]), 1);
    let vcs = vec![
        view_change(0, 2, vec![prepared(&a, 0, &[1, 2])]),
        view_change(1, 2, vec![prepared(&b, 1, &[0, 2]), prepared(&c, 1, &[0, 3])]),
        view_change(3, 2, vec![]),
    ];
    let plan = compute(&vcs, g, &vals(), &mut SigChecker::default(), 16);
    assert_eq!(plan.checkpoint.seq, 0);
    let seqs: Vec<u64> = plan.blocks.iter().map(|b| b.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3]);
    assert_eq!(plan.blocks[0], b, "the block prepared in the highest view");
    assert_eq!(plan.blocks[1].proposer, NULL_PROPOSER);
    assert_eq!(plan.blocks[1], Block::null(2, b.hash()), "a null request on the block before");
    assert_eq!(plan.blocks[2], c);
    // The same V in another order gives the same O (ordered maps only).
    let mut rev = vcs.clone();
    rev.reverse();
    assert_eq!(compute(&rev, g, &vals(), &mut SigChecker::default(), 16), plan);
}

/// A view change whose second entry is a bad certificate (short of 2/3, or
/// a forged signature) keeps its valid first entry; nobody's bad entry sets max_s.
#[test]
fn a_bad_prepared_entry_is_dropped_alone() {
    let g = genesis();
    let a = block(1, g, 0);
    let short = prepared(&block(2, a.hash(), 0), 0, &[1]); // 50 of 100
    let mut forged = prepared(&block(3, a.hash(), 0), 0, &[1, 2]);
    forged.votes[1].signature = forged.votes[2].signature;
    let vcs = vec![
        view_change(1, 1, vec![prepared(&a, 0, &[1, 2]), short, forged]),
        view_change(2, 1, vec![]),
        view_change(3, 1, vec![]),
    ];
    let plan = compute(&vcs, g, &vals(), &mut SigChecker::default(), 16);
    assert_eq!(plan.blocks, vec![a]);
}

#[test]
fn o_is_empty_without_certificates_and_starts_above_the_checkpoint() {
    let g = genesis();
    let vcs: Vec<_> = (0..3).map(|v| view_change(v, 1, vec![])).collect();
    assert!(compute(&vcs, g, &vals(), &mut SigChecker::default(), 16).blocks.is_empty());
    // A checkpoint at 2 with its proof: entries at or below it are ignored.
    let b1 = block(1, g, 0);
    let b2 = block(2, b1.hash(), 0);
    let votes = (0..3).map(|v| vote(v, Phase::Checkpoint, 0, 2, b2.hash())).collect();
    let cp = CheckpointCert { seq: 2, digest: b2.hash(), votes };
    let b3 = block(3, b2.hash(), 1);
    let vc = ViewChange::sign(&key(0), 0, 1, cp.clone(), vec![prepared(&b1, 0, &[1, 2]), prepared(&b3, 1, &[0, 2])]);
    let vcs = vec![vc, view_change(1, 1, vec![]), view_change(2, 1, vec![])];
    let plan = compute(&vcs, g, &vals(), &mut SigChecker::default(), 16);
    assert_eq!(plan.checkpoint, cp);
    assert_eq!(plan.blocks, vec![b3]);
}
