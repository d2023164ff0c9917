//! The blocks the dashboard holds: every block any node reported, by hash,
//! with an index by slot and a skip pointer per block, so the fork tree reads
//! only the blocks of its window and reaches a chain's block at the window's
//! edge in a few steps, however many blocks are held.
//!
//! Rules:
//! - `by_slot` holds the (slot, hash) of exactly the blocks held: a block
//!   enters both maps together and leaves both together (`retain`). So
//!   `in_slots` gives the same blocks as a scan of every block filtered by
//!   slot, in (slot, hash) order, visiting only the blocks in the range.
//! - When a block arrives, it records a skip: its ancestor at height
//!   `skip_height(height)`, found through its parent's skips (Bitcoin Core's
//!   `CBlockIndex::pskip`). A skip is only a shortcut: a walk back takes it
//!   only when the block it names is held and still on the near side of what
//!   the walk looks for, and otherwise steps to the parent. So a walk gives
//!   the answer that following parents gives (including `None` where the
//!   held chain ends, at a pruned or never reported block), in O(log
//!   distance) steps while the chain is held. Heights are the nodes' reports:
//!   a chain's heights and slots only grow from parent to child.
//! - Blocks by hash are a hash map (`Hash32Map`): the fork tree looks up a
//!   block per block it shows, every frame, and a 32-byte key is found in
//!   one probe where an ordered map compares a dozen keys. Nothing iterates
//!   it where the order could show: `in_slots` gives slot order.

use super::view::BlockView;
use devnet_node::chain::Hash32;
use std::collections::BTreeSet;
use std::ops::RangeInclusive;

#[derive(Clone, Debug)]
struct Held {
    block: BlockView,
    /// The ancestor at `skip_height(height)`, when it was held on arrival.
    skip: Option<Hash32>,
}

/// A map keyed by block hash, hashed with foldhash: the keys are sha256
/// outputs, so a fast hash spreads them as well as SipHash does, at a
/// fraction of the cost (the dashboard looks up thousands per frame).
pub type Hash32Map<V> = std::collections::HashMap<Hash32, V, foldhash::fast::RandomState>;

#[derive(Clone, Debug, Default)]
pub struct Blocks {
    by_hash: Hash32Map<Held>,
    by_slot: BTreeSet<(u64, Hash32)>,
}

/// Clears the lowest set bit.
fn invert_lowest_one(n: u64) -> u64 {
    n & n.wrapping_sub(1)
}

/// The height a block at `height` skips to: lower, and spread so that a walk
/// back over `d` heights takes O(log d) skips (Bitcoin Core's `GetSkipHeight`).
fn skip_height(height: u64) -> u64 {
    if height < 2 {
        0
    } else if height & 1 == 1 {
        invert_lowest_one(invert_lowest_one(height - 1)) + 1
    } else {
        invert_lowest_one(height)
    }
}

impl Blocks {
    pub fn get(&self, hash: &Hash32) -> Option<&BlockView> {
        self.by_hash.get(hash).map(|h| &h.block)
    }

    pub fn contains_key(&self, hash: &Hash32) -> bool {
        self.by_hash.contains_key(hash)
    }

    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// Every block, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &BlockView> {
        self.by_hash.values().map(|h| &h.block)
    }

    /// The blocks whose slot is in `slots`, in (slot, hash) order.
    pub fn in_slots(&self, slots: RangeInclusive<u64>) -> impl Iterator<Item = &BlockView> {
        let (lo, hi) = (*slots.start(), *slots.end());
        // `BTreeSet::range` panics on a start above the end.
        let keys = (lo <= hi).then(|| self.by_slot.range((lo, Hash32::ZERO)..=(hi, Hash32([0xff; 32]))));
        keys.into_iter().flatten().filter_map(|(_, h)| self.get(h))
    }

    /// The held block with the lowest slot (the lowest hash among equals).
    pub fn oldest(&self) -> Option<&BlockView> {
        self.by_slot.first().and_then(|(_, h)| self.get(h))
    }

    /// Holds `block` unless a block of its hash is held; the held block.
    pub fn insert(&mut self, block: BlockView) -> &mut BlockView {
        let hash = block.block.hash;
        let mut skip = None;
        if !self.by_hash.contains_key(&hash) {
            let (height, target) = (block.block.height, skip_height(block.block.height));
            skip = self
                .walk(block.parent, |b| b.block.height > target)
                .filter(|b| b.block.height == target && target < height)
                .map(|b| b.block.hash);
            self.by_slot.insert((block.block.slot, hash));
        }
        &mut self.by_hash.entry(hash).or_insert(Held { block, skip }).block
    }

    /// Keeps the blocks for which `keep` holds; how many were dropped.
    pub fn retain(&mut self, mut keep: impl FnMut(&BlockView) -> bool) -> usize {
        let before = self.by_hash.len();
        let by_slot = &mut self.by_slot;
        self.by_hash.retain(|h, held| {
            let k = keep(&held.block);
            if !k {
                by_slot.remove(&(held.block.block.slot, *h));
            }
            k
        });
        before - self.by_hash.len()
    }

    /// The ancestor of `hash` (itself included) at `height`, if the held
    /// chain reaches it.
    pub fn ancestor_at(&self, hash: Hash32, height: u64) -> Option<Hash32> {
        self.walk(hash, |b| b.block.height > height).filter(|b| b.block.height == height).map(|b| b.block.hash)
    }

    /// The newest block of `hash`'s chain (itself included) at or before
    /// `slot`, if the held chain reaches one.
    pub fn at_or_before_slot(&self, hash: Hash32, slot: u64) -> Option<&BlockView> {
        self.walk(hash, |b| b.block.slot > slot)
    }

    /// From `from` back along its chain: the first block for which `past`
    /// is false. `past` must be true for a block's descendants whenever it
    /// is true for the block (a height or slot bound).
    fn walk(&self, from: Hash32, past: impl Fn(&BlockView) -> bool) -> Option<&BlockView> {
        self.walk_counted(from, past).0
    }

    /// `walk`, and how many steps it took.
    fn walk_counted(&self, from: Hash32, past: impl Fn(&BlockView) -> bool) -> (Option<&BlockView>, usize) {
        let mut cur = match self.by_hash.get(&from) {
            Some(h) => h,
            None => return (None, 0),
        };
        let mut steps = 0;
        while past(&cur.block) {
            steps += 1;
            let Some(parent) = self.by_hash.get(&cur.block.parent) else { return (None, steps) };
            let usable = |h: &Held| h.skip.and_then(|s| self.by_hash.get(&s)).filter(|s| past(&s.block));
            // Bitcoin Core's rule: the parent's skip, when it reaches further
            // back than two past this skip, is the better road.
            let better_from_parent =
                |skip: &Held| usable(parent).is_some_and(|ps| ps.block.block.height + 2 < skip.block.block.height);
            cur = match usable(cur) {
                Some(skip) if !better_from_parent(skip) => skip,
                _ => parent,
            };
        }
        (Some(&cur.block), steps)
    }
}

impl std::ops::Index<&Hash32> for Blocks {
    type Output = BlockView;
    fn index(&self, hash: &Hash32) -> &BlockView {
        self.get(hash).expect("no block held with this hash")
    }
}

#[cfg(test)]
mod tests;
