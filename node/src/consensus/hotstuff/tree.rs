//! The block tree (R2): every known block whose ancestry reaches the
//! genesis block, whether each is certified, and the walks the commit rule
//! and the ledger need. Blocks are inserted parent first, so a block in
//! the tree always has its whole ancestry there (down to the oldest
//! committed block kept, R13).

use super::types::Block;
use crate::chain::Hash32;
use crate::ledger::{BlockSource, Transfer};
use std::collections::{BTreeMap, BTreeSet};

pub struct Entry {
    pub block: Block,
    /// A QC for it is known (R4).
    pub certified: bool,
}

pub struct BlockTree {
    pub genesis: Hash32,
    pub blocks: BTreeMap<Hash32, Entry>,
}

impl BlockTree {
    pub fn new(genesis: Hash32) -> Self {
        BlockTree { genesis, blocks: BTreeMap::new() }
    }

    pub fn contains(&self, h: &Hash32) -> bool {
        *h == self.genesis || self.blocks.contains_key(h)
    }

    pub fn get(&self, h: &Hash32) -> Option<&Block> {
        self.blocks.get(h).map(|e| &e.block)
    }

    pub fn round(&self, h: &Hash32) -> Option<u64> {
        if *h == self.genesis { Some(0) } else { self.get(h).map(|b| b.round) }
    }

    pub fn height_of(&self, h: &Hash32) -> Option<u64> {
        if *h == self.genesis { Some(0) } else { self.get(h).map(|b| b.height) }
    }

    pub fn is_certified(&self, h: &Hash32) -> bool {
        *h == self.genesis || self.blocks.get(h).is_some_and(|e| e.certified)
    }

    pub fn insert(&mut self, id: Hash32, block: Block) {
        self.blocks.entry(id).or_insert(Entry { block, certified: false });
    }

    pub fn certify(&mut self, h: &Hash32) {
        if let Some(e) = self.blocks.get_mut(h) {
            e.certified = true;
        }
    }

    /// `h` and up to `n - 1` of its ancestors, newest first, as (id, round).
    pub fn ancestry(&self, h: Hash32, n: usize) -> Vec<(Hash32, u64)> {
        let mut out = Vec::with_capacity(n);
        let mut at = Some(h);
        while let Some(x) = at {
            if out.len() == n {
                break;
            }
            let Some(round) = self.round(&x) else { break };
            out.push((x, round));
            at = self.parent(&x);
        }
        out
    }

    /// Whether `a` is `b` or one of its ancestors.
    pub fn extends(&self, b: Hash32, a: Hash32) -> bool {
        let Some(ha) = self.height(&a) else { return false };
        let mut at = b;
        loop {
            if at == a {
                return true;
            }
            match (self.height(&at), self.parent(&at)) {
                (Some(h), Some(p)) if h > ha => at = p,
                _ => return false,
            }
        }
    }

    /// R13: after a commit at `root` (height `height`), drop the blocks that
    /// can never join the chain: below it and not committed, or above it
    /// and not descending from it.
    pub fn prune(&mut self, root: Hash32, height: u64, committed: &BTreeSet<Hash32>) {
        let dead: Vec<Hash32> = self
            .blocks
            .iter()
            .filter(
                |(id, e)| {
                    if e.block.height <= height { !committed.contains(id) } else { !self.extends(**id, root) }
                },
            )
            .map(|(id, _)| *id)
            .collect();
        for id in dead {
            self.blocks.remove(&id);
        }
    }
}

const NO_TXS: &[Transfer] = &[];

impl BlockSource for BlockTree {
    fn parent(&self, h: &Hash32) -> Option<Hash32> {
        self.get(h).map(|b| b.parent)
    }
    fn height(&self, h: &Hash32) -> Option<u64> {
        if *h == self.genesis { Some(0) } else { self.get(h).map(|b| b.height) }
    }
    fn txs(&self, h: &Hash32) -> Option<&[Transfer]> {
        if *h == self.genesis { Some(NO_TXS) } else { self.get(h).map(|b| b.txs.as_slice()) }
    }
    fn slot(&self, h: &Hash32) -> Option<u64> {
        self.round(h)
    }
}
