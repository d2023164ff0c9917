//! Pruning: the blocks the view holds stay bounded however long the run.
//!
//! Rules:
//! - After each `Finalized` event, blocks more than `KEEP_BELOW_FINALIZED`
//!   heights below the highest finalized block of any node are dropped, and
//!   the failed rounds of those heights with them.
//! - Each prune is counted in `History::pruned`: the blocks dropped, how many
//!   of them were off the cluster's finalized chain (orphaned), and the
//!   height below which nothing is held any more.

use super::view::ClusterView;

/// Heights kept below the highest finalized block.
pub const KEEP_BELOW_FINALIZED: u64 = 256;

impl ClusterView {
    pub(super) fn prune(&mut self) {
        let top = self.nodes.iter().map(|n| n.finalized.block.height).max().unwrap_or(0);
        let floor = top.saturating_sub(KEEP_BELOW_FINALIZED);
        if floor == 0 {
            return;
        }
        let fin = self.finalized().block;
        let orphaned = self
            .blocks
            .values()
            .filter(|b| b.block.height < floor && self.ancestor_at(fin.hash, b.block.height) != Some(b.block.hash))
            .count();
        let dropped = self.blocks.retain(|b| b.block.height >= floor);
        self.failed_rounds.prune_below(floor);
        self.history.on_pruned(dropped as u64, orphaned as u64, floor);
    }
}

#[cfg(test)]
mod tests {
    use super::KEEP_BELOW_FINALIZED;
    use crate::cluster::test_views::*;
    use devnet_node::chain::Hash32;

    #[test]
    fn blocks_far_below_finality_are_pruned() {
        let mut v = view(1);
        let mut parent = h(0);
        for height in 1..=400u64 {
            let mut b = [0u8; 32];
            b[..8].copy_from_slice(&height.to_be_bytes());
            node(&mut v, 0, imported(Hash32(b), parent, height));
            parent = Hash32(b);
        }
        node(&mut v, 0, finalized(parent, 100, 400));
        assert!(v.blocks.len() as u64 <= KEEP_BELOW_FINALIZED + 1);
        assert!(v.blocks.values().all(|b| b.block.height >= 400 - KEEP_BELOW_FINALIZED));
    }
}
