//! Evidence, slashing, protection and restart as scripts (R10-R12, R15).

use super::*;
use crate::consensus::tendermint::types::Evidence;

#[test]
fn duplicate_vote_is_seen_gossiped_included_and_slashes() {
    let me = node_not_proposing(1, 0);
    let offender = (0..4).find(|v| *v != me as u32).expect("offender");
    let mut g = engine(me);
    let _ = g.handle(0, Input::Start);
    let a = vote(offender, VoteType::Prevote, 1, 0, None);
    let b = vote(offender, VoteType::Prevote, 1, 0, Some(Hash32([3; 32])));
    let _ = g.handle(1, vmsg(&a));
    let fx = g.handle(2, vmsg(&b));
    assert!(events(&fx).contains(&&Event::EquivocationSeen {
        validator: offender,
        kind: EquivocationKind::DoubleVote,
        slot: 1
    }));
    assert!(persisted(&fx).iter().any(|r| r.table == Table::Evidence));
    assert!(fx.iter().any(|e| matches!(e, Effect::Send { kind: MsgKind::Evidence, to: Dest::All, .. })));
    // Height 1 commits a block carrying the evidence: the offender is slashed.
    let blk = Block { evidence: vec![Evidence::DuplicateVote(a, b)], ..block(1, genesis(), 0) };
    let _ = g.handle(3, msg(proposer(1, 0), &proposal(1, 0, &blk, None, Vec::new())));
    let voters: Vec<u32> = (0..4).filter(|v| *v != me as u32).collect();
    let mut fx = Vec::new();
    for v in &voters {
        fx.extend(g.handle(4, vmsg(&vote(*v, VoteType::Precommit, 1, 0, Some(blk.hash())))));
    }
    assert!(events(&fx).contains(&&Event::Slashed { validator: offender }), "{:?}", events(&fx));
    let st = g.status(5);
    assert!(st.validators[offender as usize].slashed);
    assert_eq!(st.finalized.epoch, 1);
    // From now on it is never the proposer.
    let vals = ValidatorSet::from_spec(&spec()).expect("vals");
    let slashed: BTreeSet<u32> = [offender].into();
    assert!((2..40).all(|h| vals.proposer(h, 0, &slashed) != Some(offender)));
}

#[test]
fn protection_is_persisted_before_each_signature_and_survives_restart() {
    let me = node_not_proposing(1, 0);
    let mut g = engine(me);
    let _ = g.handle(0, Input::Start);
    let o: Vec<u32> = (0..4).filter(|v| *v != me as u32).collect();
    let b = block(1, genesis(), 0);
    let mut store = Vec::new();
    let mut all = Vec::new();
    for input in [
        msg(proposer(1, 0), &proposal(1, 0, &b, None, Vec::new())),
        vmsg(&vote(o[0], VoteType::Prevote, 1, 0, Some(b.hash()))),
        vmsg(&vote(o[1], VoteType::Prevote, 1, 0, Some(b.hash()))),
    ] {
        let fx = g.handle(1, input);
        store.extend(persisted(&fx));
        all.extend(fx);
    }
    // Every signed vote leaves after a protection record naming it.
    for (i, e) in all.iter().enumerate() {
        if let Effect::Send { to: Dest::All, kind: MsgKind::Vote, .. } = e {
            assert!(all[..i].iter().any(|p| matches!(p, Effect::Persist(r) if r.table == Table::Protection)));
        }
    }
    let sent = signed_votes(&all);
    assert_eq!(sent.len(), 2, "prevote and precommit for b");
    // Restart from the store: same round, same lock, the same precommit re-sent, nothing else signed.
    let mut r = engine(me);
    r.restore(store).expect("restore");
    let fx = r.handle(2, Input::Start);
    let again = signed_votes(&fx);
    assert!(again.contains(&sent[1]), "precommit re-sent identically");
    let d = r.detail();
    assert_eq!((d.round, d.locked_round), (0, Some(0)));
    // A conflicting proposal for the same round cannot make it sign a different prevote.
    let c = block(1, genesis(), 9);
    let fx = r.handle(3, msg(proposer(1, 0), &proposal(1, 0, &c, None, Vec::new())));
    assert!(signed_votes(&fx).iter().all(|v| v.data.value == Some(b.hash())));
}

#[test]
fn a_restart_sends_again_the_votes_of_the_rounds_before_the_protected_one() {
    // Round 0 fails on nil votes; the node prevotes nil in round 1 and
    // crashes. Peers still in round 0 may lack its round-0 votes (a partition
    // ate every send): restarted, it must send them again, not only round 1's.
    let me = (0..4).find(|i| (0..2).all(|r| proposer(1, r) != *i as u32)).expect("a node proposing in neither round");
    let o: Vec<u32> = (0..4).filter(|v| *v != me as u32).collect();
    let mut g = engine(me);
    let mut fx = g.handle(0, Input::Start);
    fx.extend(g.handle(100, Input::Tick)); // L57: prevote nil
    for v in &o[..2] {
        fx.extend(g.handle(101, vmsg(&vote(*v, VoteType::Prevote, 1, 0, None)))); // L44: precommit nil
    }
    for v in &o[..2] {
        fx.extend(g.handle(102, vmsg(&vote(*v, VoteType::Precommit, 1, 0, None)))); // L47
    }
    fx.extend(g.handle(200, Input::Tick)); // L65: round 1
    fx.extend(g.handle(400, Input::Tick)); // L57: prevote nil in round 1
    assert_eq!(g.round(), 1);
    let sent = signed_votes(&fx);
    let rounds: Vec<(u64, VoteType)> = sent.iter().map(|v| (v.data.round, v.data.kind)).collect();
    assert!(rounds.contains(&(0, VoteType::Precommit)) && rounds.contains(&(1, VoteType::Prevote)), "{rounds:?}");
    // The crash kept only the protection record.
    let protection: Vec<Record> = persisted(&fx).into_iter().filter(|r| r.table == Table::Protection).collect();
    let mut r = engine(me);
    r.restore(protection).expect("restore");
    let again = signed_votes(&r.handle(500, Input::Start));
    for v in &sent {
        assert!(again.contains(v), "{:?} not sent again after the restart", v.data);
    }
}

#[test]
fn equivocate_sends_conflicting_votes_to_each_half() {
    let me = node_not_proposing(1, 0);
    let mut g = engine(me);
    let _ = g.handle(0, Input::SetBehaviour(Behaviour::Equivocate));
    let _ = g.handle(0, Input::Start);
    let fx = g.handle(100, Input::Tick); // propose timeout: prevote nil
    let votes: Vec<Vote> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Send { to: Dest::Peers(_), kind: MsgKind::Vote, bytes } => {
                match Message::decode(MsgKind::Vote, bytes) {
                    Ok(Message::Vote(v)) => Some(v),
                    _ => None,
                }
            }
            _ => None,
        })
        .collect();
    assert_eq!(votes.len(), 2);
    assert_ne!(votes[0].data.value, votes[1].data.value);
    assert_eq!(votes[0].data.round, votes[1].data.round);
}

#[test]
fn sync_applies_verified_commits_and_rejects_forged_ones() {
    // Node A commits height 1; node B catches up from A's sync response.
    let me = node_not_proposing(1, 0);
    let mut a = engine(me);
    let _ = a.handle(0, Input::Start);
    let b = block(1, genesis(), 0);
    let _ = a.handle(1, msg(proposer(1, 0), &proposal(1, 0, &b, None, Vec::new())));
    for v in (0..4).filter(|v| *v != me as u32) {
        let _ = a.handle(2, vmsg(&vote(v, VoteType::Precommit, 1, 0, Some(b.hash()))));
    }
    assert_eq!(a.head().height, 1);
    let other = (me + 1) % 4;
    let fx = a.handle(3, msg(other as u32, &Message::SyncRequest { from_height: 1 }));
    let Some(Effect::Send { kind, bytes, .. }) = fx.iter().find(|e| matches!(e, Effect::Send { .. })) else {
        panic!("no response")
    };
    let mut n = engine(other);
    let _ = n.handle(0, Input::Start);
    let _ = n.handle(4, Input::Message { from: PeerId(me as u32), kind: *kind, bytes: bytes.clone() });
    assert_eq!(n.head(), a.head());
    // A certificate with too few precommits is refused.
    let forged = crate::consensus::tendermint::types::Commit {
        round: 0,
        precommits: vec![vote(0, VoteType::Precommit, 1, 0, Some(b.hash()))],
    };
    let mut m = engine(other);
    let _ = m.handle(0, Input::Start);
    let fx = m.handle(5, msg(me as u32, &Message::SyncResponse(vec![(b, forged)])));
    assert!(events(&fx).iter().any(|e| matches!(e, Event::Rejected { .. })));
    assert_eq!(m.head().height, 0);
}

#[test]
fn a_crash_that_loses_the_last_blocks_keeps_the_lock_once_sync_brings_them_back() {
    // Blocks become durable up to a second after they commit, protection at
    // once (see `store`): a node can come back with protection for height 2
    // and no block 1. It must sign nothing at height 1 and, once sync brings
    // block 1, take up height 2 with its lock.
    let me = node_not_proposing(2, 0);
    let others: Vec<u32> = (0..4).filter(|v| *v != me as u32).collect();
    let mut g = engine(me);
    let _ = g.handle(0, Input::Start);
    let b1 = block(1, genesis(), 0);
    let commit1: Vec<Vote> = others.iter().map(|v| vote(*v, VoteType::Precommit, 1, 0, Some(b1.hash()))).collect();
    let _ = g.handle(1, msg(proposer(1, 0), &proposal(1, 0, &b1, None, Vec::new())));
    for v in &commit1 {
        let _ = g.handle(2, vmsg(v));
    }
    assert_eq!(g.height(), 2, "height 1 committed");
    let b2 = block(2, b1.hash(), 0);
    let mut protection = Vec::new();
    let mut fx = g.handle(3, msg(proposer(2, 0), &proposal(2, 0, &b2, None, Vec::new())));
    for v in &others[..2] {
        fx.extend(g.handle(4, vmsg(&vote(*v, VoteType::Prevote, 2, 0, Some(b2.hash())))));
    }
    protection.extend(persisted(&fx).into_iter().filter(|r| r.table == Table::Protection));
    assert!(signed_votes(&fx).iter().any(|v| v.data.kind == VoteType::Precommit), "locked on b2 and precommitted");
    // The crash kept only the protection record.
    let mut r = engine(me);
    r.restore(protection).expect("restore");
    assert_eq!(r.height(), 1);
    let fx = r.handle(10, Input::Start);
    let fx2 = r.handle(10, msg(proposer(1, 0), &proposal(1, 0, &b1, None, Vec::new())));
    assert!(signed_votes(&fx).is_empty() && signed_votes(&fx2).is_empty(), "nothing signed below the protected height");
    let sync = Message::SyncResponse(vec![(b1.clone(), super::super::types::Commit { round: 0, precommits: commit1 })]);
    let _ = r.handle(11, msg(others[0], &sync));
    assert_eq!(r.height(), 2, "block 1 synced back");
    let d = r.detail();
    assert_eq!((d.round, d.locked_round), (0, Some(0)), "the lock is back");
    // A different block proposed for the locked round cannot get a different vote.
    let c = block(2, b1.hash(), 9);
    let fx = r.handle(12, msg(proposer(2, 0), &proposal(2, 0, &c, None, Vec::new())));
    assert!(signed_votes(&fx).iter().all(|v| v.data.value == Some(b2.hash())), "{:?}", signed_votes(&fx));
}
