//! Views for tests: `n` nodes `n0`.. on loopback, node i holding validator i,
//! with no metrics endpoint; the same view with every node running and its
//! observer connected; and the node events the view's tests feed it.

use super::{ClusterEvent, ClusterView};
use crate::supervisor::{ProcEvent, ProcState};
use devnet_node::chain::Hash32;
use devnet_node::config::NodeEntry;
use devnet_proto::v1 as pb;

pub fn entries(n: usize) -> Vec<NodeEntry> {
    (0..n)
        .map(|i| NodeEntry {
            id: format!("n{i}"),
            addr: "127.0.0.1:1".parse().unwrap(),
            validator: Some(i as u32),
            metrics: None,
        })
        .collect()
}

/// `n` nodes of `engine`, genesis at 0, every node running and connected at 0.
pub fn running(engine: &str, slot_ms: u64, epoch_slots: u64, n: usize) -> ClusterView {
    let mut v = ClusterView::new("devnet", engine, slot_ms, epoch_slots, 0, &entries(n));
    for i in 0..n {
        v.apply(ClusterEvent::Proc(ProcEvent { node: i, state: ProcState::Running }), 0);
        v.apply(ClusterEvent::Connected { node: i }, 0);
    }
    v
}

/// A block hash that is `n` in every byte.
pub fn h(n: u8) -> Hash32 {
    Hash32([n; 32])
}

pub fn pb_ref(hash: Hash32, slot: u64, height: u64) -> pb::BlockRef {
    pb::BlockRef { hash: hash.0.to_vec(), slot, height }
}

/// A node event with `seq` 1.
pub fn ev(kind: pb::event::Kind) -> pb::Event {
    pb::Event { seq: 1, slot: 0, time_ms: 0, kind: Some(kind) }
}

/// A block at slot and height `height`.
pub fn imported(hash: Hash32, parent: Hash32, height: u64) -> pb::Event {
    let block = Some(pb_ref(hash, height, height));
    ev(pb::event::Kind::BlockImported(pb::BlockImported {
        block,
        parent: parent.0.to_vec(),
        proposer: 0,
        attestations: 0,
        txs: 0,
    }))
}

pub fn finalized(hash: Hash32, epoch: u64, height: u64) -> pb::Event {
    ev(pb::event::Kind::Finalized(pb::Checkpoint { epoch, block: Some(pb_ref(hash, height, height)) }))
}

/// A head change without a reorg.
pub fn head(hash: Hash32, height: u64) -> pb::Event {
    let r = Some(pb_ref(hash, height, height));
    ev(pb::event::Kind::HeadChanged(pb::HeadChanged { head: r.clone(), previous: r, reorg_depth: 0 }))
}

/// `n` gasper nodes, 100 ms slots, 4-slot epochs, genesis at 0.
pub fn view(n: usize) -> ClusterView {
    engine_view("gasper", 100, 4, 0, n)
}

pub fn engine_view(engine: &str, slot_ms: u64, epoch_slots: u64, genesis_ms: u64, n: usize) -> ClusterView {
    ClusterView::new("t", engine, slot_ms, epoch_slots, genesis_ms, &entries(n))
}

/// Node `node`'s event, applied at 1000 ms.
pub fn node(v: &mut ClusterView, node: usize, event: pb::Event) {
    v.apply(ClusterEvent::Node { node, event }, 1000);
}

/// Two gasper nodes on two branches above a common block `a`:
///
/// ```text
///   g(0) - a(1) - b(2) - c(3)      n0
///              \
///               x(2) - y(3)        n1
/// ```
pub fn forked() -> ClusterView {
    let mut v = view(2);
    for n in 0..2 {
        node(&mut v, n, imported(h(1), h(0), 1));
    }
    node(&mut v, 0, imported(h(2), h(1), 2));
    node(&mut v, 0, imported(h(3), h(2), 3));
    node(&mut v, 1, imported(h(20), h(1), 2));
    node(&mut v, 1, imported(h(30), h(20), 3));
    v
}
