//! LMD-GHOST over the block tree (R7).

use super::tree::BlockTree;
use super::types::{Attestation, Checkpoint};
use super::validators::Validators;
use crate::chain::Hash32;
use std::collections::{BTreeMap, BTreeSet};

/// A validator's latest message: the newest attestation (by slot) seen from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LatestMessage {
    pub slot: u64,
    pub root: Hash32,
}

/// The fork-choice inputs: latest messages and the validators this node knows
/// to be slashed (from any valid evidence it has seen, on chain or not).
#[derive(Default, Clone, Debug)]
pub struct ForkChoice {
    pub latest: BTreeMap<u32, LatestMessage>,
    pub slashed: BTreeSet<u32>,
}

impl ForkChoice {
    /// R7: keep the attestation if it is newer (by slot) than the validator's
    /// latest; ties keep the first seen. Returns true if it replaced it.
    pub fn on_attestation(&mut self, a: &Attestation) -> bool {
        self.on_message(a.validator, a.data.slot, a.data.head)
    }

    pub fn on_message(&mut self, validator: u32, slot: u64, root: Hash32) -> bool {
        match self.latest.get(&validator) {
            Some(m) if m.slot >= slot => false,
            _ => {
                self.latest.insert(validator, LatestMessage { slot, root });
                true
            }
        }
    }

    /// R7: the justified checkpoint to start from: the one with the highest
    /// epoch among the states of all known blocks (ties to the larger root),
    /// if its block is in the tree; otherwise the tree's root (the finalized block).
    ///
    /// Every state that justified a checkpoint descends from that checkpoint's
    /// block, so the start always has a descendant whose state agrees with it.
    pub fn justified(tree: &BlockTree) -> Checkpoint {
        let mut best: Option<Checkpoint> = None;
        for n in tree.by_slot() {
            let j = n.state.justified;
            if tree.contains(&j.root) && best.is_none_or(|b| (j.epoch, j.root) > (b.epoch, b.root)) {
                best = Some(j);
            }
        }
        best.unwrap_or(Checkpoint { epoch: 0, root: tree.root() })
    }

    /// R7: descend from `justified`, at each step taking the viable child with
    /// the most latest-message stake in its subtree (ties: larger hash).
    /// A block is viable if its subtree holds a block whose state has
    /// `justified` as its justified checkpoint (so the head's state agrees with
    /// the start); slashed validators weigh nothing. Sums saturate, though
    /// they cannot exceed the total stake, which is checked to fit a u64.
    pub fn head(&self, tree: &BlockTree, vals: &Validators, justified: Checkpoint) -> Hash32 {
        let start = if tree.contains(&justified.root) { justified.root } else { tree.root() };
        let mut weight: BTreeMap<Hash32, u64> = BTreeMap::new();
        for (v, m) in &self.latest {
            if self.slashed.contains(v) || !tree.contains(&m.root) {
                continue;
            }
            let w = weight.entry(m.root).or_insert(0);
            *w = w.saturating_add(vals.stake(*v));
        }
        let mut viable: BTreeSet<Hash32> = BTreeSet::new();
        // Children have higher slots than parents: one pass from the top down.
        for n in tree.by_slot().rev() {
            if n.state.justified == justified || justified.root != start {
                viable.insert(n.hash);
            }
            let own = weight.get(&n.hash).copied().unwrap_or(0);
            if own > 0 {
                let p = weight.entry(n.parent).or_insert(0);
                *p = p.saturating_add(own);
            }
            if viable.contains(&n.hash) {
                viable.insert(n.parent);
            }
        }
        let mut head = start;
        while let Some(node) = tree.get(&head) {
            let best = node
                .children
                .iter()
                .filter(|c| viable.contains(*c))
                .max_by_key(|c| (weight.get(*c).copied().unwrap_or(0), **c));
            match best {
                Some(c) => head = *c,
                None => break,
            }
        }
        head
    }
}
