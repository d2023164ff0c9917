//! The safety check: no two nodes may finalize conflicting blocks.
//!
//! Rules:
//! - Whenever a node reports a finalized block (a `Finalized` event, or a
//!   status with a higher one), the node's finalized block is checked against
//!   every other node's latest finalized block: at the same height the hashes must
//!   be equal; at different heights the lower block must be the higher one's
//!   ancestor, where the union of reported blocks reaches back that far
//!   (where it does not, only an equal height can be judged).
//! - The first conflict found raises a `safety` alarm, logged on the node
//!   that just finalized; an alarm with the same detail is not raised again.
//! - Under probabilistic finality (pow) nothing here raises: two nodes
//!   holding different k-deep blocks (the two sides of a split) each confirm
//!   their own chain, and nothing is reverted yet. What pow does count is a
//!   node's own k-deep block leaving its chain (`reverts`).

use super::blocks::Blocks;
use super::event_log::LogKind;
use super::view::{Alarm, ClusterView, NodeView};

/// The alarm's detail for the first other node whose finalized block
/// conflicts with `node`'s, if any does.
fn first_conflict(blocks: &Blocks, nodes: &[NodeView], node: usize) -> Option<String> {
    let me = nodes.get(node)?;
    let mine = me.finalized.block;
    if mine.height == 0 {
        return None;
    }
    nodes.iter().enumerate().find_map(|(j, other)| {
        let theirs = other.finalized.block;
        if j == node || theirs.height == 0 {
            return None;
        }
        let (low, high) = if mine.height <= theirs.height { (mine, theirs) } else { (theirs, mine) };
        let conflict = match blocks.ancestor_at(high.hash, low.height) {
            Some(a) => a != low.hash,
            None => low.height == high.height && low.hash != high.hash,
        };
        conflict.then(|| {
            format!(
                "{} finalized {} at height {} but {} finalized {} at height {}, which conflicts",
                me.id, mine.hash, mine.height, other.id, theirs.hash, theirs.height
            )
        })
    })
}

impl ClusterView {
    /// Checks node `node`'s finalized block against the others' (the rules above).
    pub(super) fn check_safety(&mut self, node: usize, now_ms: u64) {
        if self.probabilistic() {
            return;
        }
        let Some(detail) = first_conflict(&self.blocks, &self.nodes, node) else { return };
        if !self.alarms.iter().any(|a| a.detail == detail) {
            self.alarms.push(Alarm { kind: "safety".into(), detail: detail.clone(), time_ms: now_ms });
            self.log(now_ms, Some(node), LogKind::Alarm, format!("SAFETY: {detail}"));
        }
    }

    pub fn has_safety_alarm(&self) -> bool {
        self.alarms.iter().any(|a| a.kind == "safety")
    }
}

#[cfg(test)]
mod tests {
    use crate::cluster::event_log::LogKind;
    use crate::cluster::test_views::*;

    #[test]
    fn agreeing_finality_raises_no_alarm() {
        let mut v = forked();
        node(&mut v, 0, finalized(h(1), 1, 1));
        node(&mut v, 1, finalized(h(1), 1, 1));
        node(&mut v, 0, finalized(h(3), 2, 3));
        assert!(v.alarms.is_empty());
        assert_eq!(v.finalized().block.height, 3);
        assert_eq!(v.blocks[&h(1)].seen_by.len(), 2);
    }

    #[test]
    fn conflicting_finality_at_different_heights_is_a_safety_alarm() {
        let mut v = forked();
        node(&mut v, 0, finalized(h(3), 2, 3));
        node(&mut v, 1, finalized(h(20), 1, 2));
        assert!(v.has_safety_alarm(), "{:?}", v.alarms);
        assert!(v.alarms[0].detail.contains("n1 finalized"), "{}", v.alarms[0].detail);
        assert_eq!(v.log.back().unwrap().kind, LogKind::Alarm);
    }
}
