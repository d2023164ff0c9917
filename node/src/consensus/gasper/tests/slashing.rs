//! Slashing conditions (R10) and local protection (R12) as units.

use super::{att, block, cp, genesis, key, validators};
use crate::chain::Hash32;
use crate::consensus::engine::EquivocationKind;
use crate::consensus::gasper::slashing::{Detector, Protection, classify_votes, verify_evidence};
use crate::consensus::gasper::types::{AttestationData, Body, Evidence};
use crate::consensus::gasper::validators::{SigChecker, sign_header};

fn h(b: u8) -> Hash32 {
    Hash32([b; 32])
}

fn data(slot: u64, head: u8, s: (u64, u8), t: (u64, u8)) -> AttestationData {
    AttestationData { slot, head: h(head), source: cp(s.0, h(s.1)), target: cp(t.0, h(t.1)) }
}

#[test]
fn vote_conflicts_are_classified() {
    let base = data(9, 1, (1, 1), (2, 2));
    // Same data: no conflict. Same epoch, same FFG vote, other slot and head: honest.
    assert_eq!(classify_votes(&base, &base), None);
    assert_eq!(classify_votes(&base, &data(10, 3, (1, 1), (2, 2))), None);
    // Same slot, different head: double vote.
    assert_eq!(classify_votes(&base, &data(9, 3, (1, 1), (2, 2))), Some(EquivocationKind::DoubleVote));
    // Same target epoch, different target root: double vote.
    assert_eq!(classify_votes(&base, &data(10, 1, (1, 1), (2, 7))), Some(EquivocationKind::DoubleVote));
    // (0 -> 3) surrounds (1 -> 2), either order.
    let outer = data(13, 1, (0, 0), (3, 3));
    assert_eq!(classify_votes(&outer, &base), Some(EquivocationKind::SurroundVote));
    assert_eq!(classify_votes(&base, &outer), Some(EquivocationKind::SurroundVote));
    // Consecutive spans do not surround.
    assert_eq!(classify_votes(&base, &data(13, 1, (2, 2), (3, 3))), None);
}

#[test]
fn detector_finds_each_condition() {
    let mut d = Detector::default();
    let g = genesis();
    // Double proposal: same proposer and slot, different bodies.
    let b1 = block(3, g, Body::default());
    let b2 = block(3, g, Body { graffiti: 1, ..Body::default() });
    assert!(d.observe_header(&b1.signed).is_none());
    assert!(d.observe_header(&b1.signed).is_none(), "the same header twice is fine");
    let ev = d.observe_header(&b2.signed).expect("double proposal");
    let (v, kind) = verify_evidence(&ev, &validators(), &mut SigChecker::default()).unwrap();
    assert_eq!((v, kind), (b1.proposer(), EquivocationKind::DoubleProposal));

    // Double vote.
    let a1 = att(2, 5, h(1), cp(0, g), cp(1, h(1)));
    let a2 = att(2, 5, h(2), cp(0, g), cp(1, h(1)));
    assert!(d.observe_attestation(&a1).is_none());
    let ev = d.observe_attestation(&a2).expect("double vote");
    assert_eq!(
        verify_evidence(&ev, &validators(), &mut SigChecker::default()).unwrap().1,
        EquivocationKind::DoubleVote
    );

    // Surround vote: (1 -> 2) then (0 -> 3).
    let inner = att(3, 9, h(2), cp(1, h(1)), cp(2, h(2)));
    let outer = att(3, 13, h(3), cp(0, g), cp(3, h(3)));
    assert!(d.observe_attestation(&inner).is_none());
    let ev = d.observe_attestation(&outer).expect("surround vote");
    assert_eq!(
        verify_evidence(&ev, &validators(), &mut SigChecker::default()).unwrap().1,
        EquivocationKind::SurroundVote
    );
}

#[test]
fn evidence_needs_both_signatures_and_a_real_conflict() {
    let g = genesis();
    let a1 = att(2, 5, h(1), cp(0, g), cp(1, h(1)));
    let mut a2 = att(2, 5, h(2), cp(0, g), cp(1, h(1)));
    let vals = validators();
    assert!(verify_evidence(&Evidence::ConflictingVotes(a1, a1), &vals, &mut SigChecker::default()).is_err());
    a2.signature.0[0] ^= 1;
    assert!(verify_evidence(&Evidence::ConflictingVotes(a1, a2), &vals, &mut SigChecker::default()).is_err());
    // Signed by someone else's key.
    let forged = crate::consensus::gasper::validators::sign_attestation(&key(1), 2, a2.data);
    assert!(verify_evidence(&Evidence::ConflictingVotes(a1, forged), &vals, &mut SigChecker::default()).is_err());
    // Headers of different slots are no double proposal.
    let b1 = block(3, g, Body::default());
    let mut hdr = b1.signed.header;
    hdr.slot = 4;
    let b2 = sign_header(&key(hdr.proposer as usize), hdr);
    assert!(verify_evidence(&Evidence::DoubleProposal(b1.signed, b2), &vals, &mut SigChecker::default()).is_err());
}

#[test]
fn protection_refuses_conflicting_signatures() {
    let mut p = Protection::default();
    assert!(p.may_sign_block(5));
    p.record_block(5);
    assert!(!p.may_sign_block(5), "one block per slot");
    assert!(!p.may_sign_block(4));
    assert!(p.may_sign_block(6));

    let first = data(5, 1, (0, 0), (1, 1));
    assert!(p.may_sign_attestation(&first));
    p.record_attestation(&first);
    assert!(!p.may_sign_attestation(&data(5, 2, (0, 0), (1, 1))), "one attestation per slot");
    assert!(p.may_sign_attestation(&data(6, 2, (0, 0), (1, 1))), "same FFG vote, next slot");
    assert!(!p.may_sign_attestation(&data(6, 2, (0, 0), (1, 9))), "other target root, same epoch");
    // Within the epoch the signed FFG vote is reused whatever the head state says.
    assert_eq!(p.ffg_vote((cp(1, h(1)), cp(1, h(9)))), Some((cp(0, h(0)), cp(1, h(1)))));
    let later = data(9, 1, (1, 1), (2, 2));
    assert!(p.may_sign_attestation(&later));
    p.record_attestation(&later);
    // Going back in target epoch, or lowering the source, is refused.
    assert!(!p.may_sign_attestation(&data(10, 1, (0, 0), (1, 1))));
    assert!(!p.may_sign_attestation(&data(13, 1, (0, 0), (3, 3))), "would surround (1 -> 2)");
    assert_eq!(p.ffg_vote((cp(0, h(0)), cp(3, h(3)))), None);
    // Survives its encoding.
    assert_eq!(Protection::decode(&p.encode()), Ok(p));
    assert!(Protection::decode(&[2]).is_err());
}
