//! Views for tests: `n` nodes `n0`.. on loopback, node i holding validator i,
//! with no metrics endpoint; and the same view with every node running and
//! its observer connected.

use super::{ClusterEvent, ClusterView};
use crate::supervisor::{ProcEvent, ProcState};
use devnet_node::config::NodeEntry;

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
