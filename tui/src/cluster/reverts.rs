//! Reverts under probabilistic finality (pow): a node's k-deep block
//! leaving its chain.
//!
//! Rules:
//! - A pow node's finalized block is its best-chain block `k` deep. After a
//!   reorg it may move to another block, even a lower one: every
//!   `Finalized` event that names another block moves it.
//! - A move reverts the old k-deep block when the node's chain no longer
//!   holds it: the new k-deep block (or, for a lower one, the node's head)
//!   does not descend from it. Where the reported blocks do not reach back
//!   to the old block's height, it counts as kept.
//! - That is not a BFT safety violation but what PoW allows: it raises a
//!   `reverted` alarm ("k-deep block reverted (probabilistic finality)"),
//!   once per move, and is recorded in `ClusterView::reverts` for scenario
//!   checks to count, with the blocks of the old chain that are off the new
//!   one, newest first (as far back as the reported blocks reach; at least
//!   the old k-deep block itself).
//! - The genesis block is never reverted: a move away from height 0 is the
//!   node's first k-deep block.

use super::blocks::Blocks;
use super::view::ClusterView;
use devnet_node::chain::Hash32;
use devnet_node::consensus::{BlockRef, CheckpointRef};

/// A node's k-deep block left its chain (pow).
#[derive(Clone, Debug, PartialEq)]
pub struct FinalRevert {
    pub time_ms: u64,
    pub node: usize,
    /// The k-deep block the node held before.
    pub height: u64,
    pub hash: String,
    /// Blocks of the node's old k-deep chain that are off its new chain
    /// (as far back as the reported blocks reach), newest first.
    pub blocks: Vec<Hash32>,
}

/// The blocks reverted when a node whose chain now runs through `chain`
/// held `old` k-deep: `None` while `chain` still descends from `old` (or the
/// blocks do not reach back to tell), else the old chain's blocks off the
/// new one, newest first.
fn reverted(blocks: &Blocks, old: BlockRef, chain: Hash32) -> Option<Vec<Hash32>> {
    if blocks.ancestor_at(chain, old.height).is_none_or(|a| a == old.hash) {
        return None;
    }
    let mut off = vec![];
    let mut cur = old.hash;
    while let Some(b) = blocks.get(&cur) {
        if b.block.height == 0 || blocks.ancestor_at(chain, b.block.height) == Some(cur) {
            break;
        }
        off.push(cur);
        cur = b.parent;
    }
    if off.is_empty() {
        off.push(old.hash);
    }
    Some(off)
}

impl ClusterView {
    /// Node `node`'s k-deep block moves to `c` (pow); a revert is recorded
    /// and raised when the old one left the node's chain.
    pub(super) fn move_k_deep(&mut self, node: usize, c: CheckpointRef, now_ms: u64) {
        let old = self.nodes[node].finalized;
        if c == old {
            return;
        }
        self.nodes[node].finalized = c;
        if old.block.height == 0 {
            return;
        }
        let chain = if c.block.height >= old.block.height { c.block.hash } else { self.nodes[node].head.hash };
        let Some(blocks) = reverted(&self.blocks, old.block, chain) else { return };
        let id = &self.nodes[node].id;
        let detail = format!(
            "k-deep block reverted (probabilistic finality): {id}'s k-deep block {} at height {} left its chain \
             ({} k-deep block{} reverted; now {} at height {})",
            old.block.hash,
            old.block.height,
            blocks.len(),
            if blocks.len() == 1 { "" } else { "s" },
            c.block.hash,
            c.block.height
        );
        self.reverts.push(FinalRevert {
            time_ms: now_ms,
            node,
            height: old.block.height,
            hash: old.block.hash.to_string(),
            blocks,
        });
        self.raise("reverted", detail, now_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::reverted;
    use crate::cluster::test_views::*;

    #[test]
    fn the_old_chain_off_the_new_one_is_reverted_newest_first() {
        let v = forked();
        let (b, c) = (v.blocks[&h(2)].block, v.blocks[&h(3)].block);
        assert_eq!(reverted(&v.blocks, b, h(3)), None, "c descends from b");
        assert_eq!(reverted(&v.blocks, c, h(30)), Some(vec![h(3), h(2)]), "back to a, held by both");
        // A chain whose blocks were never reported cannot be judged: kept.
        assert_eq!(reverted(&v.blocks, c, h(99)), None);
    }

    //   g(0) - a(1) - b(2) - c(3)                 n0's k-deep: b, then c
    //              \
    //               x(2) - y(3) - z(4)            n1's chain; n0 reorgs onto it
    #[test]
    fn pow_k_deep_revert_is_an_observation_not_a_safety_violation() {
        let mut v = forked();
        v.engine = "pow".into();
        node(&mut v, 0, finalized(h(2), 2, 2));
        node(&mut v, 0, finalized(h(3), 3, 3));
        assert!(v.alarms.is_empty(), "{:?}", v.alarms);
        // n1 holds x k-deep at height 2: another branch than n0's b (a split);
        // nothing is reverted until one of them moves off its chain.
        node(&mut v, 1, finalized(h(20), 2, 2));
        assert!(v.alarms.is_empty(), "{:?}", v.alarms);
        // n0 reorgs onto x-y-z: its k-deep block moves down to x, off the old chain.
        node(&mut v, 0, imported(h(20), h(1), 2));
        node(&mut v, 0, imported(h(30), h(20), 3));
        node(&mut v, 0, imported(h(40), h(30), 4));
        node(&mut v, 0, head(h(40), 4));
        node(&mut v, 0, finalized(h(20), 2, 2));
        assert_eq!(v.nodes[0].finalized.block.hash, h(20), "pow finality may move down");
        assert_eq!(v.reverts.len(), 1);
        assert_eq!((v.reverts[0].node, v.reverts[0].height, v.reverts[0].blocks.clone()), (0, 3, vec![h(3), h(2)]));
        assert!(!v.has_safety_alarm());
        assert!(v.alarms.iter().all(|a| a.kind == "reverted"));
        // Moving up the same chain reverts nothing.
        node(&mut v, 0, finalized(h(30), 3, 3));
        assert_eq!(v.reverts.len(), 1);
    }
}
