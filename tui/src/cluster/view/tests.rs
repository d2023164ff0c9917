use super::*;
use crate::cluster::test_views::*;

#[test]
fn crashed_process_is_shown_and_logged() {
    let mut v = view(2);
    v.apply(ClusterEvent::Proc(ProcEvent { node: 1, state: ProcState::Running }), 0);
    v.apply(ClusterEvent::Proc(ProcEvent { node: 1, state: ProcState::Crashed("killed by signal 9".into()) }), 5);
    assert_eq!(v.nodes[1].state_label(), "crashed");
    assert_eq!(v.nodes_up(), 0);
    assert!(v.log.back().unwrap().text.contains("n1 crashed (killed by signal 9)"));
}

#[test]
fn a_resumed_node_is_connected_again_once_it_is_heard_from() {
    let mut v = view(2);
    v.apply(ClusterEvent::Proc(ProcEvent { node: 1, state: ProcState::Running }), 0);
    v.apply(ClusterEvent::Connected { node: 1 }, 0);
    v.apply(ClusterEvent::Proc(ProcEvent { node: 1, state: ProcState::Paused }), 5);
    assert!(!v.nodes[1].connected);
    // The watch stream outlives SIGSTOP: no new `Connected`, just events again.
    v.apply(ClusterEvent::Proc(ProcEvent { node: 1, state: ProcState::Running }), 9);
    v.apply(ClusterEvent::Status { node: 1, status: Box::default() }, 10);
    assert!(v.nodes[1].connected);
}

#[test]
fn tendermint_status_and_failed_rounds_are_kept_and_slots_are_heights() {
    let nodes: Vec<NodeEntry> = (0..2)
        .map(|i| NodeEntry {
            id: format!("n{i}"),
            addr: "127.0.0.1:1".parse().unwrap(),
            validator: Some(i),
            metrics: None,
        })
        .collect();
    let mut v = ClusterView::new("t", "tendermint", 100, 4, 0, &nodes);
    let detail = devnet_node::consensus::describe::Detail { at: Some((8, 1)), ..Default::default() };
    let status = pb::NodeStatus {
        slot: 8,
        epoch: 1,
        detail: Some(devnet_node::api::detail::to_pb(&detail)),
        ..Default::default()
    };
    v.apply(ClusterEvent::Status { node: 1, status: Box::new(status) }, 1_000_000);
    assert_eq!(v.nodes[1].detail.at, Some((8, 1)));
    assert_eq!(v.nodes[0].detail, Default::default());
    // The clock says slot 10 000; the cluster is deciding height 8.
    assert_eq!(v.current_slot(1_000_000), 8);
    node(&mut v, 0, ev(pb::event::Kind::RoundFailed(pb::RoundFailed { height: 8, round: 0 })));
    node(&mut v, 1, ev(pb::event::Kind::RoundFailed(pb::RoundFailed { height: 8, round: 0 })));
    assert_eq!(v.failed_rounds.at(8).collect::<Vec<_>>(), vec![0]);
}

/// A polled status answered before the reorg arrives after its events: the
/// view keeps the newer head, so the move of the k-deep block down onto the
/// new chain is still seen as a revert (CI once missed a 28-deep one).
#[test]
fn a_stale_status_does_not_set_the_head_back_and_hide_a_pow_revert() {
    let mut v = forked();
    v.engine = "pow".into();
    let at = |seq: u64, mut e: pb::Event| {
        e.seq = seq;
        e
    };
    node(&mut v, 0, at(2, head(h(3), 3)));
    node(&mut v, 0, at(3, finalized(h(3), 3, 3)));
    for (seq, (hash, parent, height)) in
        [(h(20), h(1), 2), (h(30), h(20), 3), (h(40), h(30), 4)].into_iter().enumerate()
    {
        node(&mut v, 0, at(4 + seq as u64, imported(hash, parent, height)));
    }
    node(&mut v, 0, at(7, head(h(40), 4)));
    let stale = pb::NodeStatus {
        head: Some(pb_ref(h(3), 3, 3)),
        finalized: Some(pb::Checkpoint { epoch: 3, block: Some(pb_ref(h(3), 3, 3)) }),
        seq: 6,
        ..Default::default()
    };
    v.apply(ClusterEvent::Status { node: 0, status: Box::new(stale) }, 1000);
    assert_eq!(v.nodes[0].head.hash, h(40), "the head from the later event stays");
    node(&mut v, 0, at(8, finalized(h(20), 2, 2)));
    assert_eq!(v.reverts.len(), 1, "{:?}", v.alarms);
    // A status built after the events is applied as before.
    let fresh = pb::NodeStatus { head: Some(pb_ref(h(40), 4, 4)), slot: 5, seq: 8, ..Default::default() };
    v.apply(ClusterEvent::Status { node: 0, status: Box::new(fresh) }, 1000);
    assert_eq!(v.nodes[0].slot, 5);
}

#[test]
fn bft_finality_never_moves_back() {
    let mut v = forked();
    v.engine = "tendermint".into();
    node(&mut v, 0, finalized(h(3), 3, 3));
    node(&mut v, 0, finalized(h(2), 2, 2));
    assert_eq!(v.nodes[0].finalized.block.hash, h(3));
    assert_eq!(v.finality_index(&v.nodes[0].finalized), 3);
    node(&mut v, 1, finalized(h(30), 3, 3));
    assert!(v.has_safety_alarm());
}

#[test]
fn finality_stalls_in_the_engines_own_word_and_recovers() {
    let genesis = 1_000_000;
    let mut v = engine_view("tendermint", 100, 1, genesis, 4);
    let at = |v: &mut ClusterView, node: usize, e: pb::Event, t: u64| v.apply(ClusterEvent::Node { node, event: e }, t);
    at(&mut v, 0, finalized(h(1), 0, 1), genesis + 100);
    assert_eq!(v.stall_threshold_ms(), 1000, "five 100 ms slots, but never under a second");
    assert_eq!(v.finality_stall(genesis + 1100), None);
    let st = v.finality_stall(genesis + 19_100).expect("stalled");
    assert_eq!((st.for_ms, st.missing), (19_000, "no commit"));
    // Another node committing the same height is not progress; a higher one is.
    at(&mut v, 1, finalized(h(1), 0, 1), genesis + 19_000);
    assert!(v.finality_stall(genesis + 19_100).is_some());
    at(&mut v, 1, finalized(h(2), 0, 2), genesis + 19_200);
    assert_eq!(v.finality_stall(genesis + 19_300), None);
    assert_eq!(v.nodes[1].finalized_ms, Some(genesis + 19_200));
    assert_eq!(v.nodes[0].finalized_ms, Some(genesis + 100));
    // The time series of the BFT lag chart climbs through a stall with no events (`tick`).
    for t in (20_000..25_000).step_by(250) {
        v.tick(genesis + t);
    }
    let last = v.history.since_final.back().unwrap();
    assert_eq!(last.t_ms, genesis + 24_750);
    assert_eq!(v.finality_stall(genesis + 24_750).map(|s| s.for_ms), Some(5_550));
    let mut g = engine_view("gasper", 1000, 4, genesis, 4);
    assert_eq!(g.stall_threshold_ms(), 14_000, "three and a half 4-slot epochs");
    assert_eq!(g.finality_stall(genesis + 14_000), None, "first finality takes two epochs and more");
    assert_eq!(g.finality_stall(genesis + 15_000).map(|s| s.missing), Some("no finalized epoch"));
    g.apply(ClusterEvent::Node { node: 0, event: finalized(h(1), 1, 4) }, genesis + 15_000);
    assert_eq!(g.finality_stall(genesis + 15_500), None);
}
