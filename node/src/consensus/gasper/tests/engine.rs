//! The engine end to end: equivocation -> evidence -> inclusion -> `Slashed`
//! (R10, R11), protection persisted before sending and kept across restore
//! (R12, R15), the equivocate behaviour (R13), and sync between two nodes (R14).

use super::*;
use crate::consensus::gasper::types::{Body, Evidence, Message};

/// The first slot after `after` whose proposer is `v`.
fn slot_of(v: u32, after: u64) -> u64 {
    (after + 1..after + 1000).find(|s| proposer(*s) == v).expect("v proposes eventually")
}

fn start(i: usize) -> (Gasper, Vec<Effect>) {
    let mut g = engine(i);
    let fx = g.handle(0, Input::Start);
    (g, fx)
}

/// Feed `inputs` at `now`, then propose at our next slot after `after`;
/// return everything reported.
fn expect_slashed(offender: u32, node: usize, at: u64, inputs: Vec<Input>, kind: EquivocationKind) {
    let (mut g, _) = start(node);
    let mut fx = Vec::new();
    for i in inputs {
        fx.extend(g.handle(at, i));
    }
    let seen = events(&fx).iter().any(
        |e| matches!(e, Event::EquivocationSeen { validator, kind: k, .. } if *validator == offender && *k == kind),
    );
    assert!(seen, "equivocation seen: {:?}", events(&fx));
    assert_eq!(sends(&fx, MsgKind::Evidence), 1, "evidence gossiped once");
    assert!(persisted(&fx).iter().any(|r| r.table == Table::Evidence));
    let s = slot_of(node as u32, at / SLOT_MS);
    let fx = g.handle(s * SLOT_MS, Input::Tick);
    let block = fx.iter().find_map(|e| match e {
        Effect::Send { kind: MsgKind::Block, bytes, .. } => Message::decode(MsgKind::Block, bytes).ok(),
        _ => None,
    });
    let Some(Message::Block(b)) = block else { panic!("node {node} proposes at slot {s}") };
    assert_eq!(b.body.evidence.len(), 1, "evidence included");
    assert!(events(&fx).contains(&&Event::Slashed { validator: offender }));
    assert!(g.status(s * SLOT_MS).validators[offender as usize].slashed);
}

#[test]
fn double_proposal_is_slashed() {
    let q = proposer(1);
    let node = ((q + 1) % 4) as usize;
    let b1 = block(1, genesis(), Body::default());
    let b2 = block(1, genesis(), Body { graffiti: 7, ..Body::default() });
    let inputs = vec![msg(q, &Message::Block(b1)), msg(q, &Message::Block(b2))];
    expect_slashed(q, node, SLOT_MS + 1, inputs, EquivocationKind::DoubleProposal);
}

#[test]
fn double_vote_is_slashed() {
    let g = genesis();
    let a1 = att(2, 1, g, cp(0, g), cp(0, g));
    let a2 = att(2, 1, Hash32([5; 32]), cp(0, g), cp(0, g));
    let inputs = vec![msg(2, &Message::Vote(a1)), msg(2, &Message::Vote(a2))];
    expect_slashed(2, 0, SLOT_MS + 50, inputs, EquivocationKind::DoubleVote);
}

#[test]
fn surround_vote_is_slashed() {
    let g = genesis();
    let inner = att(3, 9, g, cp(1, Hash32([1; 32])), cp(2, Hash32([2; 32])));
    let outer = att(3, 13, g, cp(0, g), cp(3, Hash32([3; 32])));
    let inputs = vec![msg(3, &Message::Vote(inner)), msg(3, &Message::Vote(outer))];
    expect_slashed(3, 1, 13 * SLOT_MS + 50, inputs, EquivocationKind::SurroundVote);
}

/// Index of the first effect matching `f`.
fn pos(fx: &[Effect], f: impl Fn(&Effect) -> bool) -> Option<usize> {
    fx.iter().position(f)
}

#[test]
fn protection_is_persisted_first_and_survives_restore() {
    let node = 2usize;
    let (mut g, mut all) = start(node);
    // Attest in slot 1.
    let t = SLOT_MS + SLOT_MS / 3;
    let fx = g.handle(t, Input::Tick);
    let p = pos(&fx, |e| matches!(e, Effect::Persist(r) if r.table == Table::Protection)).expect("persist");
    let s = pos(&fx, |e| matches!(e, Effect::Send { kind: MsgKind::Vote, .. })).expect("vote");
    assert!(p < s, "protection persisted before the vote leaves");
    all.extend(fx);
    // Propose in our slot.
    let slot = slot_of(node as u32, 1);
    let fx = g.handle(slot * SLOT_MS, Input::Tick);
    let p = pos(&fx, |e| matches!(e, Effect::Persist(r) if r.table == Table::Protection)).expect("persist");
    let s = pos(&fx, |e| matches!(e, Effect::Send { kind: MsgKind::Block, .. })).expect("block");
    assert!(p < s, "protection persisted before the block leaves");
    all.extend(fx);
    let fx = g.handle(slot * SLOT_MS + SLOT_MS / 3, Input::Tick);
    assert_eq!(sends(&fx, MsgKind::Vote), 1);
    all.extend(fx);
    let head = g.head();

    // Crash and restart within the same slot: nothing is signed again.
    let mut r = engine(node);
    r.restore(persisted(&all)).expect("restore");
    assert_eq!(r.head(), head, "block tree rebuilt");
    assert_eq!(r.protection(), g.protection());
    let fx = r.handle(slot * SLOT_MS + SLOT_MS / 2, Input::Start);
    assert_eq!(sends(&fx, MsgKind::Block), 0, "no second block for slot {slot}");
    assert_eq!(sends(&fx, MsgKind::Vote), 0, "no second attestation for slot {slot}");
    // The next slot is business as usual.
    let fx = r.handle((slot + 1) * SLOT_MS + SLOT_MS / 3, Input::Tick);
    assert_eq!(sends(&fx, MsgKind::Vote), 1);
}

#[test]
fn restore_rejects_corrupt_records() {
    let mut g = engine(0);
    let bad = Record { table: Table::Blocks, key: vec![1; 32], value: vec![0, 1, 2] };
    assert!(g.restore(vec![bad]).is_err());
    let b = block(1, genesis(), Body::default());
    let wrong_key = Record { table: Table::Blocks, key: vec![1; 32], value: b.encode() };
    assert!(engine(0).restore(vec![wrong_key]).is_err());
    let bad = Record { table: Table::Protection, key: b"local".to_vec(), value: vec![9] };
    assert!(engine(0).restore(vec![bad]).is_err());
    let a = att(1, 1, genesis(), cp(0, genesis()), cp(0, genesis()));
    let wrong_key = Record { table: Table::ForkChoice, key: 2u32.to_be_bytes().to_vec(), value: a.encode() };
    assert!(engine(0).restore(vec![wrong_key]).is_err());
    let fake = Evidence::ConflictingVotes(a, a);
    let bad = Record { table: Table::Evidence, key: 1u32.to_be_bytes().to_vec(), value: fake.encode() };
    assert!(engine(0).restore(vec![bad]).is_err());
}

#[test]
fn equivocate_sends_conflicting_messages_to_each_half() {
    let node = proposer(2) as usize;
    let (mut g, _) = start(node);
    let _ = g.handle(0, Input::SetBehaviour(Behaviour::Equivocate));
    // A block of slot 1 to build on, so the double vote has two heads.
    let b1 = block(1, genesis(), Body::default());
    let _ = g.handle(SLOT_MS, msg(proposer(1), &Message::Block(b1)));
    let fx = g.handle(2 * SLOT_MS, Input::Tick);
    let blocks: Vec<&Dest> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Send { to, kind: MsgKind::Block, .. } => Some(to),
            _ => None,
        })
        .collect();
    assert_eq!(blocks.len(), 2, "two blocks for slot 2");
    assert!(blocks.iter().all(|d| matches!(d, Dest::Peers(p) if !p.is_empty())));
    assert_ne!(blocks[0], blocks[1]);
    assert!(!fx.iter().any(|e| matches!(e, Effect::Persist(r) if r.table == Table::Protection)));
    let fx = g.handle(2 * SLOT_MS + SLOT_MS / 3, Input::Tick);
    assert_eq!(sends(&fx, MsgKind::Vote), 2, "two attestations for slot 2");
    // Silent signs nothing.
    let _ = g.handle(0, Input::SetBehaviour(Behaviour::Silent));
    let fx = g.handle(3 * SLOT_MS + SLOT_MS / 3, Input::Tick);
    assert_eq!(sends(&fx, MsgKind::Vote) + sends(&fx, MsgKind::Block), 0);
}

#[test]
fn withhold_holds_own_block_then_releases_it() {
    let node = proposer(2) as usize;
    let (mut g, _) = start(node);
    let _ = g.handle(0, Input::SetBehaviour(Behaviour::Withhold { slots: 2 }));
    let fx = g.handle(2 * SLOT_MS, Input::Tick);
    assert_eq!(sends(&fx, MsgKind::Block), 0, "the slot-2 block is held back");
    // The node builds on its private block and keeps slashing protection.
    assert_eq!(g.head().slot, 2);
    assert!(fx.iter().any(|e| matches!(e, Effect::Persist(r) if r.table == Table::Protection)));
    // A peer asking for the head by root gets nothing private.
    let req = crate::consensus::gasper::types::SyncRequest::ByRoot { root: g.head().hash, count: 4 };
    let fx = g.handle(2 * SLOT_MS + 1, msg(proposer(1), &Message::SyncRequest(req)));
    assert_eq!(sends(&fx, MsgKind::SyncResponse), 0);
    let fx = g.handle(3 * SLOT_MS, Input::Tick);
    assert_eq!(sends(&fx, MsgKind::Block), 0, "still held at slot 3");
    let fx = g.handle(4 * SLOT_MS, Input::Tick);
    assert!(sends(&fx, MsgKind::Block) >= 1, "released at slot 4");
}

/// Carry every message `fx` sends to `to` into it; return its effects.
fn deliver(fx: &[Effect], from: u32, to: &mut Gasper, me: u32, now: u64) -> Vec<Effect> {
    let mut out = Vec::new();
    for e in fx {
        if let Effect::Send { to: dest, kind, bytes } = e {
            let hit = match dest {
                Dest::All => true,
                Dest::Peer(p) => p.0 == me,
                Dest::Peers(ps) => ps.contains(&PeerId(me)),
            };
            if hit {
                out.extend(to.handle(now, Input::Message { from: PeerId(from), kind: *kind, bytes: bytes.clone() }));
            }
        }
    }
    out
}

#[test]
fn a_node_that_missed_blocks_syncs_them() {
    // Node 0 sees a chain of blocks; node 1 sees none of them.
    let (mut a, _) = start(0);
    let (mut b, _) = start(1);
    let mut parent = genesis();
    for s in 1..=6 {
        let blk = block(s, parent, Body::default());
        parent = blk.hash();
        let _ = a.handle(s * SLOT_MS, msg(proposer(s), &Message::Block(blk)));
    }
    assert_eq!(a.head().slot, 6);
    let now = 7 * SLOT_MS;
    let status = a.handle(now, Input::PeerUp(PeerId(1)));
    let request = deliver(&status, 0, &mut b, 1, now);
    assert_eq!(sends(&request, MsgKind::SyncRequest), 1);
    let response = deliver(&request, 1, &mut a, 0, now);
    assert_eq!(sends(&response, MsgKind::SyncResponse), 1);
    let _ = deliver(&response, 0, &mut b, 1, now);
    assert_eq!(b.head(), a.head());
}
