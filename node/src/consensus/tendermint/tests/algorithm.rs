//! Algorithm 1 as scripts: one node (4 validators of 25; 2f+1 = 3 votes,
//! f+1 = 2), messages in, signed votes and events out.

use super::*;

/// A node that proposes in none of rounds 0..4 of height 1.
fn follower() -> usize {
    (0..4).find(|i| (0..4).all(|r| proposer(1, r) != *i as u32)).unwrap_or_else(|| node_not_proposing(1, 0))
}

fn others(me: usize) -> Vec<u32> {
    (0..4).filter(|v| *v != me as u32).collect()
}

fn detail(g: &Tendermint) -> TendermintDetail {
    g.detail()
}

#[test]
fn happy_path_prevote_lock_precommit_commit() {
    let me = follower();
    let mut g = engine(me);
    let _ = g.handle(0, Input::Start);
    let b = block(1, genesis(), 0);
    // L22: a fresh proposal, not locked: prevote it.
    let fx = g.handle(5, msg(proposer(1, 0), &proposal(1, 0, &b, None, Vec::new())));
    assert_eq!(
        signed_votes(&fx).iter().map(|v| (v.data.kind, v.data.value)).collect::<Vec<_>>(),
        [(VoteType::Prevote, Some(b.hash()))]
    );
    // L36: with two more prevotes (3 of 4): lock and precommit.
    let o = others(me);
    let _ = g.handle(6, vmsg(&vote(o[0], VoteType::Prevote, 1, 0, Some(b.hash()))));
    let fx = g.handle(7, vmsg(&vote(o[1], VoteType::Prevote, 1, 0, Some(b.hash()))));
    assert_eq!(
        signed_votes(&fx).iter().map(|v| (v.data.kind, v.data.value)).collect::<Vec<_>>(),
        [(VoteType::Precommit, Some(b.hash()))]
    );
    assert_eq!((detail(&g).locked_round, detail(&g).step), (Some(0), TendermintStep::Precommit));
    // L49: two more precommits: commit; the height is final at once.
    let _ = g.handle(8, vmsg(&vote(o[0], VoteType::Precommit, 1, 0, Some(b.hash()))));
    let fx = g.handle(9, vmsg(&vote(o[1], VoteType::Precommit, 1, 0, Some(b.hash()))));
    let head = BlockRef { hash: b.hash(), slot: 1, height: 1 };
    assert!(events(&fx).contains(&&Event::Finalized(CheckpointRef { epoch: 1, block: head })));
    assert!(persisted(&fx).iter().any(|r| r.table == Table::Blocks && r.key == 1u64.to_be_bytes()));
    let st = g.status(9);
    assert_eq!((st.slot, st.epoch, st.head, st.finalized.block), (2, 0, head, head));
    // During the commit pause height 2 has no votes: the dashboard sees height 1's.
    let d = detail(&g);
    assert_eq!((d.height, d.votes_height), (2, 1));
    let precommits = d.votes.iter().filter(|v| v.precommit.is_some_and(|c| c.value == Some(b.hash()))).count();
    assert_eq!(precommits, 3, "our precommit and the two that committed");
}

#[test]
fn timeouts_vote_nil_and_grow_per_round() {
    let me = follower();
    let mut g = engine(me);
    let fx = g.handle(0, Input::Start);
    assert!(fx.contains(&Effect::WakeAt(100)), "propose timeout of round 0");
    // L57: no proposal in time: prevote nil.
    let fx = g.handle(100, Input::Tick);
    assert_eq!(signed_votes(&fx)[0].data.value, None);
    // L34/L61: 2f+1 prevotes of any kind, then the prevote timeout: precommit nil.
    let o = others(me);
    let _ = g.handle(101, vmsg(&vote(o[0], VoteType::Prevote, 1, 0, None)));
    let _ = g.handle(102, vmsg(&vote(o[1], VoteType::Prevote, 1, 0, Some(Hash32([9; 32])))));
    // (Ticks also re-send own votes of the round: R13.)
    let precommits =
        |fx: &[Effect]| signed_votes(fx).into_iter().filter(|v| v.data.kind == VoteType::Precommit).count();
    assert_eq!(precommits(&g.handle(151, Input::Tick)), 0, "prevote timeout is 50 ms");
    let fx = g.handle(152, Input::Tick);
    assert_eq!(
        signed_votes(&fx).iter().map(|v| (v.data.kind, v.data.value)).collect::<Vec<_>>(),
        [(VoteType::Precommit, None)]
    );
    // L47/L65: 2f+1 precommits of any kind, then the precommit timeout: round 1, a failed round.
    let _ = g.handle(153, vmsg(&vote(o[0], VoteType::Precommit, 1, 0, None)));
    let _ = g.handle(154, vmsg(&vote(o[1], VoteType::Precommit, 1, 0, None)));
    let fx = g.handle(204, Input::Tick);
    assert!(events(&fx).contains(&&Event::RoundFailed { height: 1, round: 0 }));
    assert_eq!(g.status(204).epoch, 1);
    // Round 1's propose timeout is 100 + 10 * 1.
    let r1 = |fx: &[Effect]| signed_votes(fx).into_iter().filter(|v| v.data.round == 1).count();
    assert_eq!(r1(&g.handle(313, Input::Tick)), 0);
    assert_eq!(r1(&g.handle(314, Input::Tick)), 1);
}

#[test]
fn locked_node_prevotes_nil_until_a_later_pol_unlocks_it() {
    let me = follower();
    let mut g = engine(me);
    let _ = g.handle(0, Input::Start);
    let o = others(me);
    let b = block(1, genesis(), 0);
    let c = block(1, genesis(), 1);
    // Round 0: lock on b (2 other prevotes + ours), but the precommits go nil.
    let _ = g.handle(1, msg(proposer(1, 0), &proposal(1, 0, &b, None, Vec::new())));
    let _ = g.handle(2, vmsg(&vote(o[0], VoteType::Prevote, 1, 0, Some(b.hash()))));
    let _ = g.handle(3, vmsg(&vote(o[1], VoteType::Prevote, 1, 0, Some(b.hash()))));
    assert_eq!(detail(&g).locked_round, Some(0));
    let _ = g.handle(4, vmsg(&vote(o[0], VoteType::Precommit, 1, 0, None)));
    let _ = g.handle(5, vmsg(&vote(o[1], VoteType::Precommit, 1, 0, None)));
    let _ = g.handle(55, Input::Tick); // L65 -> round 1
    assert_eq!(g.status(55).epoch, 1);
    // Round 1: a fresh proposal of c: locked on b, so prevote nil (L22 else-branch).
    let fx = g.handle(56, msg(proposer(1, 1), &proposal(1, 1, &c, None, Vec::new())));
    assert_eq!(signed_votes(&fx)[0].data.value, None);
    // Round 1 ends; round 2 re-proposes c with a POL from round 1 (> our lock round 0): L28 prevotes c.
    let pol: Vec<Vote> = o.iter().map(|v| vote(*v, VoteType::Prevote, 1, 1, Some(c.hash()))).collect();
    for v in &pol {
        let _ = g.handle(57, vmsg(v));
    }
    let _ = g.handle(58, vmsg(&vote(o[0], VoteType::Precommit, 1, 1, None)));
    let _ = g.handle(59, vmsg(&vote(o[1], VoteType::Precommit, 1, 1, None)));
    let _ = g.handle(200, Input::Tick);
    let _ = g.handle(300, Input::Tick);
    assert_eq!(g.status(300).epoch, 2, "round 2");
    let fx = g.handle(301, msg(proposer(1, 2), &proposal(1, 2, &c, Some(1), pol)));
    assert_eq!(signed_votes(&fx)[0].data.value, Some(c.hash()), "{:?}", events(&fx));
}

#[test]
fn f_plus_one_in_a_later_round_skips_ahead() {
    let me = follower();
    let mut g = engine(me);
    let _ = g.handle(0, Input::Start);
    let o = others(me);
    let _ = g.handle(1, vmsg(&vote(o[0], VoteType::Prevote, 1, 5, None)));
    assert_eq!(g.status(1).epoch, 0, "one validator (1/4) is not f+1");
    let fx = g.handle(2, vmsg(&vote(o[1], VoteType::Precommit, 1, 5, None)));
    assert_eq!(g.status(2).epoch, 5, "L55");
    assert!(events(&fx).contains(&&Event::RoundFailed { height: 1, round: 0 }));
}

/// A follower that has prevoted, heard two more prevotes for `b` and precommitted.
fn precommitted(b: &Block) -> (Tendermint, Vec<u32>) {
    let me = follower();
    let mut g = engine(me);
    let _ = g.handle(0, Input::Start);
    let _ = g.handle(5, msg(proposer(1, 0), &proposal(1, 0, b, None, Vec::new())));
    let o = others(me);
    let _ = g.handle(6, vmsg(&vote(o[0], VoteType::Prevote, 1, 0, Some(b.hash()))));
    let _ = g.handle(7, vmsg(&vote(o[1], VoteType::Prevote, 1, 0, Some(b.hash()))));
    assert_eq!(detail(&g).step, TendermintStep::Precommit);
    (g, o)
}

fn prevote_of(g: &Tendermint, v: u32) -> Option<CastVote> {
    detail(g).votes.iter().find(|r| r.validator == v).and_then(|r| r.prevote)
}

fn relays(fx: &[Effect]) -> usize {
    fx.iter().filter(|e| matches!(e, Effect::Relay { .. })).count()
}

#[test]
fn a_surplus_prevote_is_checked_and_counted_only_after_its_delay() {
    let b = block(1, genesis(), 0);
    let (mut g, o) = precommitted(&b);
    let late = vote(o[2], VoteType::Prevote, 1, 0, Some(b.hash()));
    let fx = g.handle(8, vmsg(&late));
    assert_eq!((prevote_of(&g, o[2]), relays(&fx)), (None, 0), "held: not counted, not relayed");
    assert!(fx.iter().any(|e| matches!(e, Effect::WakeAt(t) if *t == 8 + g.surplus_delay())));
    let fx = g.handle(8, vmsg(&late));
    assert_eq!(relays(&fx), 0, "a copy of a held prevote is not news either");
    let fx = g.handle(8 + g.surplus_delay(), Input::Tick);
    assert_eq!(prevote_of(&g, o[2]).map(|c| c.value), Some(Some(b.hash())), "checked and counted");
    assert_eq!(relays(&fx), 1, "and relayed once checked");
}

#[test]
fn a_surplus_prevote_with_a_bad_signature_is_rejected_when_checked() {
    let b = block(1, genesis(), 0);
    let (mut g, o) = precommitted(&b);
    let mut forged = vote(o[2], VoteType::Prevote, 1, 0, Some(b.hash()));
    forged.signature = vote(o[2], VoteType::Prevote, 1, 0, None).signature;
    let _ = g.handle(8, vmsg(&forged));
    let fx = g.handle(8 + g.surplus_delay(), Input::Tick);
    assert!(events(&fx).iter().any(|e| matches!(e, Event::Rejected { .. })), "{:?}", events(&fx));
    assert_eq!(prevote_of(&g, o[2]), None);
}

#[test]
fn a_conflicting_surplus_prevote_is_evidence_at_once() {
    let b = block(1, genesis(), 0);
    let (mut g, o) = precommitted(&b);
    let _ = g.handle(8, vmsg(&vote(o[2], VoteType::Prevote, 1, 0, Some(b.hash()))));
    let fx = g.handle(8, vmsg(&vote(o[2], VoteType::Prevote, 1, 0, None)));
    assert!(events(&fx).contains(&&Event::EquivocationSeen {
        validator: o[2],
        kind: EquivocationKind::DoubleVote,
        slot: 1
    }));
}

#[test]
fn surplus_prevotes_of_a_committed_height_are_dropped_unchecked() {
    let b = block(1, genesis(), 0);
    let (mut g, o) = precommitted(&b);
    let _ = g.handle(8, vmsg(&vote(o[2], VoteType::Prevote, 1, 0, Some(b.hash()))));
    let _ = g.handle(9, vmsg(&vote(o[0], VoteType::Precommit, 1, 0, Some(b.hash()))));
    let _ = g.handle(9, vmsg(&vote(o[1], VoteType::Precommit, 1, 0, Some(b.hash()))));
    assert_eq!(g.height(), 2);
    assert!(g.surplus.is_empty() && g.surplus_at.is_none());
    let d = detail(&g);
    let row = d.votes.iter().find(|r| r.validator == o[2]).expect("row");
    assert_eq!((d.votes_height, row.prevote), (1, None), "never checked, so never shown");
}
