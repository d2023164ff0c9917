//! The canonical codec: round trips, and malformed bytes become `Rejected`.

use super::*;
use crate::consensus::tendermint::protection::Protection;
use crate::consensus::tendermint::types::Evidence;

#[test]
fn messages_round_trip() {
    let b = block(1, genesis(), 3);
    let v = vote(1, VoteType::Prevote, 1, 0, Some(b.hash()));
    let nil = vote(2, VoteType::Precommit, 1, 2, None);
    let ev = Evidence::DuplicateVote(v, vote(1, VoteType::Prevote, 1, 0, None));
    let b2 = Block { evidence: vec![ev], ..block(2, b.hash(), 0) };
    let commit = crate::consensus::tendermint::types::Commit { round: 0, precommits: vec![nil] };
    for m in [
        proposal(1, 0, &b, None, Vec::new()),
        proposal(1, 1, &b2, Some(0), vec![v]),
        Message::Vote(v),
        Message::Vote(nil),
        Message::Evidence(ev),
        Message::Status(crate::consensus::tendermint::wire::Status { committed: 4, head: b.hash() }),
        Message::SyncRequest { from_height: 9 },
        Message::SyncResponse(vec![(b.clone(), commit)]),
    ] {
        assert_eq!(Message::decode(m.kind(), &m.encode()), Ok(m.clone()));
        let mut long = m.encode();
        long.push(0);
        assert!(Message::decode(m.kind(), &long).is_err(), "trailing byte accepted");
    }
    let p = Protection {
        height: 3,
        round: 2,
        proposal: Some(b.hash()),
        prevote: Some(None),
        precommit: None,
        locked: Some((1, b.clone())),
        valid: Some((1, b)),
        pol: vec![v],
        earlier: vec![(0, VoteType::Prevote, None), (1, VoteType::Prevote, Some(Hash32([7; 32])))],
    };
    assert_eq!(Protection::decode(&p.encode()), Ok(p.clone()));
    // A record written before `earlier` existed (it ends with the POL) still decodes.
    let old = Protection { earlier: Vec::new(), ..p };
    let mut bytes = old.encode();
    bytes.truncate(bytes.len() - 4); // the empty list's length
    assert_eq!(Protection::decode(&bytes), Ok(old));
}

#[test]
fn malformed_bytes_are_rejected_not_panics() {
    let mut g = engine(0);
    let _ = g.handle(0, Input::Start);
    let good = proposal(1, 0, &block(1, genesis(), 0), None, Vec::new()).encode();
    for kind in MsgKind::ALL {
        for cut in [0, 1, 7, good.len() / 2] {
            let fx = g.handle(1, Input::Message { from: PeerId(1), kind, bytes: good[..cut].to_vec() });
            assert!(events(&fx).iter().any(|e| matches!(e, Event::Rejected { .. })), "{kind:?} cut {cut}");
        }
    }
    // A huge list length is refused before allocating.
    let fx = g.handle(1, Input::Message { from: PeerId(1), kind: MsgKind::SyncResponse, bytes: vec![0xff; 4] });
    assert!(events(&fx).iter().any(|e| matches!(e, Event::Rejected { .. })));
}

#[test]
fn proposer_rotation_is_weighted_by_stake() {
    let pairs = |st: &[u64]| st.iter().enumerate().map(|(i, s)| (key(i).public(), *s)).collect::<Vec<_>>();
    let vals = ValidatorSet::new(pairs(&[10, 20, 30, 40])).expect("vals");
    let none = BTreeSet::new();
    let mut count = [0u32; 4];
    for h in 0..100 {
        count[vals.proposer(h, 0, &none).expect("p") as usize] += 1;
    }
    assert_eq!(count, [10, 20, 30, 40], "one cycle of 10 positions (gcd 10), repeated 10 times");
    // Round r at height h is the cycle's next positions; slashed validators are skipped.
    let slashed: BTreeSet<u32> = [3].into();
    assert!((0..100).all(|h| vals.proposer(h, 0, &slashed) != Some(3)));
    assert_eq!(vals.proposer(5, 1, &none), vals.proposer(6, 0, &none));
    // Quorums: more than 2/3 and more than 1/3 of 100.
    assert!(!vals.is_quorum(66) && vals.is_quorum(67));
    assert!(!vals.is_one_third(33) && vals.is_one_third(34));
}
