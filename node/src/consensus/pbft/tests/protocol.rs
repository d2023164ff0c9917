//! Scripts on real engines: the normal case, checkpoints and watermarks,
//! view changes, a wrong NEW-VIEW, protection across a restart, evidence.

use super::cluster::Cluster;
use super::*;
use crate::consensus::pbft::types::NewView;
use crate::consensus::pbft::validators::Validators;
use crate::consensus::pbft::wire::Message;

#[test]
fn quorums_are_stake_weighted() {
    let v = Validators::from_spec(&spec_with(&[10, 25, 20, 25, 20], params())).expect("vals");
    assert!(v.is_quorum(67) && !v.is_quorum(66), "more than 2/3 of 100");
    assert!(v.is_one_third(34) && !v.is_one_third(33), "more than 1/3 of 100");
    assert_eq!((0..7).map(|x| v.primary(x)).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4, 0, 1]);
}

/// Four honest nodes, pacing 10 ms: a block every 10 ms, checkpoints
/// every K = 2 become stable and move the watermarks (L = 4).
#[test]
fn the_normal_case_commits_and_checkpoints_move_the_watermarks() {
    let mut c = Cluster::new(4);
    c.run(85);
    for i in 0..4 {
        assert!(c.head(i) >= 8, "node {i} at {}", c.head(i));
        let n = c.node(i);
        assert!(n.low_watermark() >= c.head(i) - 3, "h {} head {}", n.low_watermark(), c.head(i));
        assert_eq!(n.high_watermark(), n.low_watermark() + 4);
        assert_eq!(n.current_view(), 0);
    }
    assert!(!c.saw(|e| matches!(e, Event::Rejected { .. } | Event::RoundFailed { .. })));
    let v = c.node(1).view();
    assert_eq!((v.view, v.primary, v.seq), (0, 0, c.head(1) + 1));
}

/// Fast mode (pacing 0): the primary pre-prepares the next block within the
/// input that committed the last one; with no clock movement at all, blocks
/// follow each other as fast as messages go.
#[test]
fn pacing_zero_proposes_within_the_committing_input() {
    let mut c = Cluster::with(4, PbftParams { pacing_ms: 0, ..params() });
    c.deliver_n(400);
    assert!((0..4).all(|i| c.head(i) >= 3), "{:?}", (0..4).map(|i| c.head(i)).collect::<Vec<_>>());
    assert_eq!(c.now, 0);
}

/// A node cut off while the others run past its high watermark catches up
/// by sync (commit certificates), not by the log it no longer can hold.
#[test]
fn a_node_behind_the_watermarks_catches_up_by_sync() {
    let mut c = Cluster::new(4);
    c.cut.insert(3);
    c.run(65);
    assert_eq!(c.head(3), 0);
    assert!(c.head(0) > 4, "beyond 3's high watermark");
    c.cut.clear();
    let st = c.node(0).local_status();
    c.input(0, Input::PeerUp(PeerId(3)));
    c.run(5);
    assert!(c.head(3) >= st.committed, "3 at {} after sync", c.head(3));
    assert!(!c.saw(|e| matches!(e, Event::Rejected { .. })));
}

/// The primary of view 0 dead from the start: the timer (100 ms) expires,
/// view 1 begins with NEW-VIEW, commits continue; `RoundFailed` reports view 0.
#[test]
fn a_dead_primary_is_replaced_by_a_view_change() {
    let mut c = Cluster::new(4);
    c.crash(0);
    c.cut.insert(0);
    c.run(99);
    assert_eq!(c.head(1), 0);
    let v = c.node(1).view();
    assert_eq!((v.view, v.view_change_timeout_ms), (0, 100));
    c.run(60);
    assert!(c.saw(|e| matches!(e, Event::RoundFailed { height: 1, round: 0 })));
    for i in 1..4 {
        assert_eq!(c.node(i).current_view(), 1, "node {i}");
        assert!(c.head(i) >= 4, "node {i} at {}", c.head(i));
    }
    assert!(!c.saw(|e| matches!(e, Event::Rejected { .. })));
}

/// R9: with nobody able to lead (two of four cut off), the view-change timer doubles up to its cap.
#[test]
fn the_view_change_timer_doubles_up_to_its_cap() {
    let mut c = Cluster::new(4);
    c.cut.extend([2, 3]);
    c.run(101);
    assert_eq!(c.node(1).view().view_change.map(|p| p.to_view), Some(1));
    assert_eq!(c.node(1).view().view_change_timeout_ms, 200);
    c.run(200);
    assert_eq!(c.node(1).view().view_change.map(|p| p.to_view), Some(2));
    assert_eq!(c.node(1).view().view_change_timeout_ms, 400);
    c.run(400);
    assert_eq!(c.node(1).view().view_change_timeout_ms, 400, "capped");
    // Healed: the join rule brings everyone to one view and commits reset the timer.
    c.cut.clear();
    c.run(500);
    assert!((0..4).all(|i| c.head(i) > 0));
    assert_eq!(c.node(1).view().view_change_timeout_ms, 100);
}

/// R11: a backup recomputes O from V and refuses a NEW-VIEW whose O differs.
#[test]
fn a_backup_refuses_a_new_view_whose_o_is_not_what_v_gives() {
    let g = genesis();
    let a = block(1, g, 0);
    let vcs =
        vec![view_change(0, 1, vec![prepared(&a, 0, &[2, 3])]), view_change(2, 1, vec![]), view_change(3, 1, vec![])];
    let good = vec![vote(1, Phase::PrePrepare, 1, 1, a.hash())];
    // O omits the prepared block, or replaces it with another.
    let other = block(1, g, 1);
    for bad in [vec![], vec![vote(1, Phase::PrePrepare, 1, 1, other.hash())]] {
        let mut e = engine(2);
        let _ = e.handle(0, Input::Start);
        let nv = NewView { view: 1, view_changes: vcs.clone(), pre_prepares: bad };
        let m = Message::NewView(nv);
        let fx = e.handle(1, Input::Message { from: PeerId(1), kind: m.kind(), bytes: m.encode() });
        assert!(rejected(&fx));
        assert_eq!(e.current_view(), 0);
    }
    // V short of 2/3 is refused too.
    let mut e = engine(2);
    let _ = e.handle(0, Input::Start);
    let m = Message::NewView(NewView { view: 1, view_changes: vcs[..2].to_vec(), pre_prepares: good.clone() });
    assert!(rejected(&e.handle(1, Input::Message { from: PeerId(1), kind: m.kind(), bytes: m.encode() })));
    // The right one is taken: node 2 enters view 1 and prepares the re-proposal.
    let m = Message::NewView(NewView { view: 1, view_changes: vcs, pre_prepares: good });
    let fx = e.handle(1, Input::Message { from: PeerId(1), kind: m.kind(), bytes: m.encode() });
    assert!(!rejected(&fx), "{:?}", events(&fx));
    assert_eq!(e.current_view(), 1);
    let prepared_it = fx.iter().any(|x| match x {
        Effect::Send { kind: MsgKind::Vote, bytes, .. } => matches!(
            Message::decode(MsgKind::Vote, bytes),
            Ok(Message::Vote(v)) if v.data.phase == Phase::Prepare && v.data.digest == a.hash() && v.data.view == 1
        ),
        _ => false,
    });
    assert!(prepared_it);
}

/// R15: a signed PREPARE is persisted before it is sent; after a restart
/// from the store the node is asked again and sends the identical message,
/// and it refuses to sign another digest there.
#[test]
fn protection_survives_a_restart() {
    let g = genesis();
    let a = block(1, g, 0);
    let pp = Message::PrePrepare { vote: vote(0, Phase::PrePrepare, 0, 1, a.hash()), block: a.clone() };
    let mut e = engine(1);
    let _ = e.handle(0, Input::Start);
    let fx = e.handle(1, Input::Message { from: PeerId(0), kind: MsgKind::Block, bytes: pp.encode() });
    let persist = fx.iter().position(|x| matches!(x, Effect::Persist(r) if r.table == Table::Protection));
    let send = fx.iter().position(|x| matches!(x, Effect::Send { kind: MsgKind::Vote, .. }));
    let (Some(p), Some(s)) = (persist, send) else { panic!("no persist or send: {fx:?}") };
    assert!(p < s, "persisted before the signature leaves");
    let Effect::Send { bytes: sent, .. } = &fx[s] else { unreachable!() };
    let records: Vec<Record> = fx
        .iter()
        .filter_map(|x| match x {
            Effect::Persist(r) => Some(r.clone()),
            _ => None,
        })
        .collect();
    let mut r = engine(1);
    r.restore(records).expect("restore");
    assert!(!r.protection().may_sign(Phase::Prepare, 0, 1, Hash32([7; 32])));
    let fx = r.handle(5, Input::Start);
    let again = fx.iter().any(|x| matches!(x, Effect::Send { bytes, .. } if bytes == sent));
    assert!(again, "the identical PREPARE is sent again after the restart");
}

/// R14: two different PREPAREs of one validator for one (view, seq) are
/// reported, persisted and gossiped as evidence.
#[test]
fn a_double_prepare_is_evidence() {
    let mut e = engine(1);
    let _ = e.handle(0, Input::Start);
    let mut fx = Vec::new();
    for d in [Hash32([1; 32]), Hash32([2; 32])] {
        let m = Message::Vote(vote(2, Phase::Prepare, 0, 1, d));
        fx.extend(e.handle(1, Input::Message { from: PeerId(2), kind: MsgKind::Vote, bytes: m.encode() }));
    }
    assert!(events(&fx).contains(&Event::EquivocationSeen {
        validator: 2,
        kind: EquivocationKind::DoubleVote,
        slot: 1
    }));
    assert!(fx.iter().any(|x| matches!(x, Effect::Persist(r) if r.table == Table::Evidence)));
    assert!(fx.iter().any(|x| matches!(x, Effect::Send { kind: MsgKind::Evidence, .. })));
}

/// R14: an equivocating primary (to each half of its peers) is caught, the
/// next primary includes the evidence, and everyone slashes it.
#[test]
fn an_equivocating_primary_is_slashed() {
    let mut c = Cluster::new(4);
    c.input(0, Input::SetBehaviour(Behaviour::Equivocate));
    c.run(400);
    for i in 1..4 {
        assert!(c.events.iter().any(|(n, e)| *n == i && *e == Event::Slashed { validator: 0 }), "node {i}");
        assert!(c.head(i) > 3, "node {i} at {}", c.head(i));
    }
    assert!(!c.saw(|e| matches!(e, Event::Rejected { .. })));
}
