//! The block tree and the three fork-choice rules (R6, R7).
//!
//! Every public block the node holds, with its cumulative chain work and the
//! work of its subtree (for GHOST). The best tip is chosen by the configured
//! rule; ties keep the block seen first (Bitcoin's rule), so a node never
//! flips between equal tips.

use super::types::Block;
use crate::chain::Hash32;
use crate::chain::spec::ForkChoiceRule;
use std::collections::BTreeMap;

/// Side branches this far below the best tip are dropped once the tree
/// holds more than `PRUNE_ABOVE` blocks (R13).
pub const PRUNE_DEPTH: u64 = 1024;
pub const PRUNE_ABOVE: usize = 1 << 17;

pub struct Entry {
    pub block: Block,
    /// Work of the chain from genesis to this block, inclusive.
    pub work: u128,
    /// Work of this block and every descendant (GHOST's weight).
    pub subtree: u128,
    pub children: Vec<Hash32>,
    /// Arrival order: the tie-break.
    pub seq: u64,
}

pub struct Tree {
    pub genesis: Hash32,
    entries: BTreeMap<Hash32, Entry>,
    rule: ForkChoiceRule,
    best: Hash32,
    seq: u64,
}

impl Tree {
    pub fn new(genesis_block: Block, rule: ForkChoiceRule) -> Tree {
        let genesis = genesis_block.id();
        let mut entries = BTreeMap::new();
        entries.insert(genesis, Entry { block: genesis_block, work: 0, subtree: 0, children: Vec::new(), seq: 0 });
        Tree { genesis, entries, rule, best: genesis, seq: 1 }
    }

    pub fn get(&self, h: &Hash32) -> Option<&Entry> {
        self.entries.get(h)
    }
    pub fn contains(&self, h: &Hash32) -> bool {
        self.entries.contains_key(h)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&Hash32, &Entry)> {
        self.entries.iter()
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    pub fn best(&self) -> Hash32 {
        self.best
    }
    pub fn best_entry(&self) -> &Entry {
        &self.entries[&self.best]
    }
    pub fn rule(&self) -> ForkChoiceRule {
        self.rule
    }

    /// Insert a block whose parent is in the tree (the caller checked it and
    /// its work); returns false if it was already there.
    pub fn insert(&mut self, hash: Hash32, block: Block) -> bool {
        if self.entries.contains_key(&hash) {
            return false;
        }
        let parent = self.entries.get_mut(&block.parent).expect("caller checks the parent is known");
        parent.children.push(hash);
        let w = block.difficulty as u128;
        let work = parent.work + w;
        let mut up = block.parent;
        while let Some(e) = self.entries.get_mut(&up) {
            e.subtree += w;
            if up == self.genesis {
                break;
            }
            up = e.block.parent;
        }
        self.entries.insert(hash, Entry { block, work, subtree: w, children: Vec::new(), seq: self.seq });
        self.seq += 1;
        self.choose(hash);
        true
    }

    /// R7: re-run fork choice after `new` arrived.
    fn choose(&mut self, new: Hash32) {
        let better = |a: &Entry, b: &Entry, rule| match rule {
            ForkChoiceRule::Longest => a.block.height > b.block.height,
            _ => a.work > b.work,
        };
        match self.rule {
            ForkChoiceRule::Longest | ForkChoiceRule::Heaviest => {
                if better(&self.entries[&new], &self.entries[&self.best], self.rule) {
                    self.best = new;
                }
            }
            ForkChoiceRule::Ghost => self.best = self.ghost(),
        }
    }

    /// GHOST: from genesis, step into the child with the heaviest subtree
    /// (first seen on a tie) until a leaf.
    fn ghost(&self) -> Hash32 {
        let mut at = self.genesis;
        loop {
            let kids = &self.entries[&at].children;
            let next = kids.iter().max_by(|a, b| {
                let (ea, eb) = (&self.entries[*a], &self.entries[*b]);
                ea.subtree.cmp(&eb.subtree).then(eb.seq.cmp(&ea.seq))
            });
            match next {
                Some(h) => at = *h,
                None => return at,
            }
        }
    }

    /// The ancestor of `from` (inclusive) at `height`, if `from` is that high.
    pub fn ancestor_at(&self, from: Hash32, height: u64) -> Option<Hash32> {
        let mut at = from;
        loop {
            let e = self.entries.get(&at)?;
            if e.block.height == height {
                return Some(at);
            }
            if e.block.height < height || at == self.genesis {
                return None;
            }
            at = e.block.parent;
        }
    }

    /// The highest block that is an ancestor of both (inclusive).
    pub fn common_ancestor(&self, a: Hash32, b: Hash32) -> Hash32 {
        let (mut a, mut b) = (a, b);
        loop {
            if a == b {
                return a;
            }
            let (ea, eb) = match (self.entries.get(&a), self.entries.get(&b)) {
                (Some(x), Some(y)) => (x, y),
                _ => return self.genesis,
            };
            if ea.block.height >= eb.block.height {
                a = ea.block.parent;
            } else {
                b = eb.block.parent;
            }
        }
    }

    /// Blocks from just above `ancestor` up to `tip`, oldest first.
    pub fn path(&self, ancestor: Hash32, tip: Hash32) -> Vec<Hash32> {
        let mut out = Vec::new();
        let mut at = tip;
        while at != ancestor {
            let Some(e) = self.entries.get(&at) else { break };
            out.push(at);
            if at == self.genesis {
                break;
            }
            at = e.block.parent;
        }
        out.reverse();
        out
    }

    /// R13: drop side branches far below the best tip once the tree is
    /// large (checked every `PRUNE_DEPTH` inserts; the best chain stays whole).
    pub fn prune(&mut self) {
        if self.entries.len() <= PRUNE_ABOVE || !self.seq.is_multiple_of(PRUNE_DEPTH) {
            return;
        }
        let cutoff = self.best_entry().block.height.saturating_sub(PRUNE_DEPTH);
        let mut canonical = std::collections::BTreeSet::new();
        let mut at = self.best;
        while let Some(e) = self.entries.get(&at) {
            canonical.insert(at);
            if at == self.genesis {
                break;
            }
            at = e.block.parent;
        }
        let stale: Vec<Hash32> = self
            .entries
            .iter()
            .filter(|(h, e)| e.block.height < cutoff && !canonical.contains(*h))
            .map(|(h, _)| *h)
            .collect();
        for h in stale {
            if let Some(e) = self.entries.remove(&h)
                && let Some(p) = self.entries.get_mut(&e.block.parent)
            {
                p.children.retain(|c| *c != h);
            }
        }
    }
}
