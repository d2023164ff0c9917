//! The block tree: every known block that descends from the finalized root,
//! with its chain state; ancestry queries; pruning below finality (R18).
//!
//! Finalized canonical blocks pruned from the tree move to a bounded archive,
//! so peers that fell behind can still sync them by range (R14).

use super::state::ChainState;
use super::types::{Block, Checkpoint};
use crate::chain::Hash32;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Finalized blocks kept for range sync after they leave the tree.
const ARCHIVE_MAX: usize = 8192;

#[derive(Clone, Debug)]
pub struct Node {
    pub hash: Hash32,
    pub parent: Hash32,
    pub slot: u64,
    pub height: u64,
    /// `None` only for genesis.
    pub block: Option<Arc<Block>>,
    pub state: ChainState,
    pub children: BTreeSet<Hash32>,
}

pub struct BlockTree {
    nodes: BTreeMap<Hash32, Node>,
    by_slot: BTreeSet<(u64, Hash32)>,
    root: Hash32,
    archive: BTreeMap<u64, (u64, Arc<Block>)>,
    /// Archived block hash -> slot, to answer by-root requests below the root.
    archived: BTreeMap<Hash32, u64>,
}

impl BlockTree {
    pub fn new(genesis: Hash32) -> Self {
        let node = Node {
            hash: genesis,
            parent: Hash32::ZERO,
            slot: 0,
            height: 0,
            block: None,
            state: ChainState::genesis(genesis),
            children: BTreeSet::new(),
        };
        BlockTree {
            nodes: BTreeMap::from([(genesis, node)]),
            by_slot: BTreeSet::from([(0, genesis)]),
            root: genesis,
            archive: BTreeMap::new(),
            archived: BTreeMap::new(),
        }
    }

    pub fn root(&self) -> Hash32 {
        self.root
    }
    pub fn get(&self, h: &Hash32) -> Option<&Node> {
        self.nodes.get(h)
    }
    pub fn contains(&self, h: &Hash32) -> bool {
        self.nodes.contains_key(h)
    }
    pub fn len(&self) -> usize {
        self.nodes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
    /// Nodes by (slot, hash), ascending.
    pub fn by_slot(&self) -> impl DoubleEndedIterator<Item = &Node> {
        self.by_slot.iter().filter_map(|(_, h)| self.nodes.get(h))
    }

    /// Whether any block of `slot` is in the tree.
    pub fn has_slot(&self, slot: u64) -> bool {
        self.by_slot.range((slot, Hash32::ZERO)..).next().is_some_and(|(s, _)| *s == slot)
    }

    /// Insert a child of a known node. The caller validated it.
    pub fn insert(&mut self, block: Arc<Block>, state: ChainState) -> Option<&Node> {
        let hash = block.hash();
        let parent = block.parent();
        let height = self.nodes.get(&parent)?.height.checked_add(1)?;
        if self.nodes.contains_key(&hash) {
            return self.nodes.get(&hash);
        }
        if let Some(p) = self.nodes.get_mut(&parent) {
            p.children.insert(hash);
        }
        let slot = block.slot();
        self.by_slot.insert((slot, hash));
        self.nodes
            .insert(hash, Node { hash, parent, slot, height, block: Some(block), state, children: BTreeSet::new() });
        self.nodes.get(&hash)
    }

    /// The block on `tip`'s chain with the highest slot `<= slot` (the root if
    /// the chain reaches it first).
    pub fn ancestor_at_slot(&self, tip: &Hash32, slot: u64) -> Option<Hash32> {
        let mut cur = self.nodes.get(tip)?;
        while cur.slot > slot {
            match self.nodes.get(&cur.parent) {
                Some(p) => cur = p,
                None => return Some(cur.hash),
            }
        }
        Some(cur.hash)
    }

    /// R5: epoch `epoch`'s checkpoint on `tip`'s chain.
    pub fn checkpoint(&self, tip: &Hash32, epoch: u64, epoch_slots: u64) -> Option<Checkpoint> {
        let start = epoch.checked_mul(epoch_slots)?;
        Some(Checkpoint { epoch, root: self.ancestor_at_slot(tip, start)? })
    }

    /// True if `anc` is `desc` or one of its ancestors.
    pub fn is_ancestor(&self, anc: &Hash32, desc: &Hash32) -> bool {
        let Some(a) = self.nodes.get(anc) else {
            return false;
        };
        let mut cur = desc;
        while let Some(n) = self.nodes.get(cur) {
            if n.hash == *anc {
                return true;
            }
            if n.height <= a.height {
                return false;
            }
            cur = &n.parent;
        }
        false
    }

    /// R17: how many blocks of `old`'s chain are not on `new`'s chain.
    pub fn reorg_depth(&self, old: &Hash32, new: &Hash32) -> u64 {
        let (Some(mut a), Some(mut b)) = (self.nodes.get(old), self.nodes.get(new)) else {
            return 0;
        };
        let mut depth = 0u64;
        while a.hash != b.hash {
            if a.height >= b.height {
                match self.nodes.get(&a.parent) {
                    Some(p) => {
                        a = p;
                        depth = depth.saturating_add(1);
                    }
                    None => return depth,
                }
            } else {
                match self.nodes.get(&b.parent) {
                    Some(p) => b = p,
                    None => return depth,
                }
            }
        }
        depth
    }

    /// Up to `count` blocks ending at `root` on its chain, oldest first (R14
    /// by root). Finalized blocks below the tree's root come from the archive.
    pub fn chain_ending_at(&self, root: &Hash32, count: u64) -> Vec<Arc<Block>> {
        let mut out = Vec::new();
        // The archive slot to continue below, once the walk leaves the tree.
        let mut below = self.archived.get(root).map(|s| s.saturating_add(1));
        let mut cur = self.nodes.get(root);
        while let Some(n) = cur {
            if out.len() as u64 >= count {
                break;
            }
            if let Some(b) = &n.block {
                out.push(b.clone());
            }
            if n.hash == self.root {
                below = Some(n.slot);
                break;
            }
            cur = self.nodes.get(&n.parent);
        }
        if let Some(mut below) = below {
            while (out.len() as u64) < count {
                let Some((_, (_, b))) = self.archive.range(..below).next_back() else {
                    break;
                };
                below = b.slot();
                out.push(b.clone());
            }
        }
        out.reverse();
        out
    }

    /// Canonical (head-chain, then archived) blocks with slot in `[from, to]`, oldest first.
    pub fn range(&self, head: &Hash32, from: u64, to: u64, max: u64) -> Vec<Arc<Block>> {
        let mut out = Vec::new();
        let mut cur = self.nodes.get(head);
        while let Some(n) = cur {
            if n.slot < from {
                break;
            }
            if n.slot <= to
                && let Some(b) = &n.block
            {
                out.push(b.clone());
            }
            cur = self.nodes.get(&n.parent);
        }
        if from <= to {
            for (_, (_, b)) in self.archive.range(from..=to).rev() {
                out.push(b.clone());
            }
        }
        out.reverse();
        out.truncate(max as usize);
        out
    }

    /// R18: make `new_root` the root; drop every block not descending from it,
    /// archive the canonical ones. The root keeps its state.
    pub fn prune(&mut self, new_root: &Hash32) {
        if *new_root == self.root || !self.nodes.contains_key(new_root) {
            return;
        }
        // Archive the chain from the old root up to (excluding) the new root.
        let mut cur = self.nodes.get(new_root).map(|n| n.parent);
        while let Some(h) = cur {
            let Some(n) = self.nodes.get(&h) else { break };
            if let Some(b) = &n.block {
                self.archive.insert(n.slot, (n.height, b.clone()));
                self.archived.insert(n.hash, n.slot);
            }
            cur = Some(n.parent);
        }
        while self.archive.len() > ARCHIVE_MAX {
            if let Some((_, (_, b))) = self.archive.pop_first() {
                self.archived.remove(&b.hash());
            }
        }
        // Keep the new root's subtree only.
        let mut keep = BTreeSet::new();
        let mut stack = vec![*new_root];
        while let Some(h) = stack.pop() {
            if let Some(n) = self.nodes.get(&h) {
                stack.extend(n.children.iter().copied());
                keep.insert(h);
            }
        }
        self.nodes.retain(|h, _| keep.contains(h));
        self.by_slot.retain(|(_, h)| keep.contains(h));
        self.root = *new_root;
    }
}
