//! Casper FFG accounting through the state transition (R8, R9, R11).
//! Stakes: v0 = 33, v1 = 33, v2 = 1, v3 = 33 (total 100; 2/3 means >= 67).

use super::cp;
use crate::chain::{Hash32, PublicKey, Signature};
use crate::consensus::gasper::state::{ChainState, Params, transition};
use crate::consensus::gasper::types::{
    Attestation, AttestationData, Block, BlockHeader, Body, Checkpoint, Evidence, SignedHeader,
};
use crate::consensus::gasper::validators::Validators;

const ES: u64 = 4;

fn vals() -> Validators {
    Validators::new([33, 33, 1, 33].iter().enumerate().map(|(i, s)| (PublicKey([i as u8; 32]), *s)).collect()).unwrap()
}

fn root(e: u64) -> Hash32 {
    if e == 0 { g() } else { Hash32([e as u8; 32]) }
}
fn g() -> Hash32 {
    Hash32([0xee; 32])
}

/// Epoch `e`'s checkpoint on the test chain is `root(e)`.
fn chain(e: u64) -> Option<Hash32> {
    Some(root(e))
}

fn vote(v: u32, slot: u64, source: Checkpoint) -> Attestation {
    let e = crate::consensus::gasper::state::ffg_epoch(slot, ES);
    let target = cp(e, root(e));
    Attestation {
        validator: v,
        data: AttestationData { slot, head: target.root, source, target },
        signature: Signature::default(),
    }
}

fn blk(slot: u64, attestations: Vec<Attestation>, evidence: Vec<Evidence>) -> Block {
    let body = Body { graffiti: 0, attestations, evidence, ..Body::default() };
    let header = BlockHeader { slot, proposer: 0, parent: Hash32::ZERO, body_root: body.root() };
    Block { signed: SignedHeader { header, signature: Signature::default() }, body }
}

fn apply(st: &ChainState, b: Block) -> ChainState {
    let v = vals();
    transition(st, &b, &Params { validators: &v, epoch_slots: ES }, &chain).unwrap()
}

fn genesis_cp() -> Checkpoint {
    cp(0, g())
}

#[test]
fn justifies_at_two_thirds_and_not_below() {
    let s0 = ChainState::genesis(g());
    // 33 + 33 = 66 < 67: not yet.
    let s1 = apply(&s0, blk(6, vec![vote(0, 5, genesis_cp()), vote(1, 5, genesis_cp())], vec![]));
    assert_eq!(s1.justified, genesis_cp());
    // + 1 = 67: justified. Source epoch 0 is already finalized: nothing new.
    let s2 = apply(&s1, blk(7, vec![vote(2, 6, genesis_cp())], vec![]));
    assert_eq!(s2.justified, cp(1, root(1)));
    assert_eq!(s2.finalized, genesis_cp());
}

#[test]
fn consecutive_justification_finalizes_the_source() {
    let s0 = ChainState::genesis(g());
    let s1 = apply(&s0, blk(7, (0..3).map(|v| vote(v, 5, genesis_cp())).collect(), vec![]));
    assert_eq!(s1.justified, cp(1, root(1)));
    let s2 = apply(&s1, blk(10, (0..3).map(|v| vote(v, 9, cp(1, root(1)))).collect(), vec![]));
    assert_eq!(s2.justified, cp(2, root(2)));
    assert_eq!(s2.finalized, cp(1, root(1)));
}

#[test]
fn skipping_an_epoch_justifies_without_finalizing() {
    let s0 = ChainState::genesis(g());
    let s1 = apply(&s0, blk(7, (0..3).map(|v| vote(v, 5, genesis_cp())).collect(), vec![]));
    // Epoch 3 linked from epoch 1: justified, but 1 -> 3 is not consecutive.
    let s2 = apply(&s1, blk(14, (0..3).map(|v| vote(v, 13, cp(1, root(1)))).collect(), vec![]));
    assert_eq!(s2.justified, cp(3, root(3)));
    assert_eq!(s2.finalized, genesis_cp());
}

#[test]
fn a_validator_counts_once_per_link() {
    let s0 = ChainState::genesis(g());
    // v0 three times (three slots, same link) and v1 once: 66, not 99.
    let votes =
        vec![vote(0, 5, genesis_cp()), vote(0, 5, genesis_cp()), vote(0, 6, genesis_cp()), vote(1, 5, genesis_cp())];
    let s1 = apply(&s0, blk(7, votes, vec![]));
    assert_eq!(s1.justified, genesis_cp());
    let s2 = apply(&s1, blk(8, vec![vote(0, 7, genesis_cp()), vote(1, 7, genesis_cp())], vec![]));
    assert_eq!(s2.justified, genesis_cp(), "repeats in a later block count no more");
}

#[test]
fn only_justified_sources_and_own_checkpoints_count() {
    let s0 = ChainState::genesis(g());
    // Source (1, root(1)) is not justified yet: nothing counts.
    let s1 = apply(&s0, blk(10, (0..4).map(|v| vote(v, 9, cp(1, root(1)))).collect(), vec![]));
    assert_eq!(s1.justified, genesis_cp());
    // Target root not this chain's checkpoint: nothing counts.
    let mut bad: Vec<Attestation> = (0..4).map(|v| vote(v, 5, genesis_cp())).collect();
    for a in &mut bad {
        a.data.target.root = Hash32([0x99; 32]);
    }
    let s2 = apply(&s0, blk(7, bad, vec![]));
    assert_eq!(s2.justified, genesis_cp());
}

#[test]
fn slashed_validators_are_excluded_and_removed() {
    let s0 = ChainState::genesis(g());
    let s1 = apply(&s0, blk(6, vec![vote(0, 5, genesis_cp()), vote(1, 5, genesis_cp())], vec![]));
    assert_eq!(s1.links.values().next().map(|t| t.stake), Some(66));
    // Evidence against v0 (two different votes for slot 4) removes its 33.
    let a = vote(0, 5, genesis_cp());
    let mut b = a;
    b.data.head = Hash32([0x55; 32]);
    let s2 = apply(&s1, blk(7, vec![vote(2, 5, genesis_cp())], vec![Evidence::ConflictingVotes(a, b)]));
    assert!(s2.slashed.contains(&0));
    assert_eq!(s2.links.values().next().map(|t| t.stake), Some(34));
    assert_eq!(s2.justified, genesis_cp(), "34 + v0's 33 would have justified");
    // Its later votes do not count either; v3 does.
    let s3 = apply(&s2, blk(7 + 1, vec![vote(0, 6, genesis_cp())], vec![]));
    assert_eq!(s3.justified, genesis_cp());
    let s4 = apply(&s3, blk(9, vec![vote(3, 7, genesis_cp())], vec![]));
    assert_eq!(s4.justified, cp(1, root(1)));
    // The same validator cannot be slashed twice in one chain.
    let again = transition(
        &s4,
        &blk(10, vec![], vec![Evidence::ConflictingVotes(a, b)]),
        &Params { validators: &vals(), epoch_slots: ES },
        &chain,
    );
    assert!(again.is_err());
}

#[test]
fn attestations_outside_the_window_make_the_block_invalid() {
    let s0 = ChainState::genesis(g());
    let v = vals();
    let p = Params { validators: &v, epoch_slots: ES };
    // Target epoch 1 in a block of epoch 3: too old.
    assert!(transition(&s0, &blk(12, vec![vote(0, 5, genesis_cp())], vec![]), &p, &chain).is_err());
    // Attestation not before the block's slot.
    assert!(transition(&s0, &blk(5, vec![vote(0, 5, genesis_cp())], vec![]), &p, &chain).is_err());
    // Unknown validator.
    assert!(transition(&s0, &blk(6, vec![vote(9, 5, genesis_cp())], vec![]), &p, &chain).is_err());
}

#[test]
fn an_epochs_first_slot_repeats_the_previous_target() {
    use crate::consensus::gasper::state::ffg_epoch;
    assert_eq!([0, 1, 2, 3, 4, 5, 8].map(|s| ffg_epoch(s, 4)), [0, 0, 0, 0, 0, 1, 1]);
    assert_eq!([0, 1, 2].map(|s| ffg_epoch(s, 1)), [0, 1, 2], "one-slot epochs have no such slot");
    // An attestation of slot 8 (first of epoch 2) targets epoch 1.
    let s0 = ChainState::genesis(g());
    let s1 = apply(&s0, blk(10, (0..3).map(|v| vote(v, 8, genesis_cp())).collect(), vec![]));
    assert_eq!(s1.justified, cp(1, root(1)));
}

#[test]
fn threshold_uses_total_stake_without_overflow() {
    let v = Validators::new(vec![(PublicKey([0; 32]), u64::MAX / 2), (PublicKey([1; 32]), u64::MAX / 2)]).unwrap();
    assert!(!v.is_supermajority(u64::MAX / 2));
    assert!(v.is_supermajority(u64::MAX - 1));
    assert!(Validators::new(vec![(PublicKey([0; 32]), u64::MAX), (PublicKey([1; 32]), 1)]).is_err());
}
