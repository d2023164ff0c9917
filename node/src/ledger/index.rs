//! Where transfers went (T7): the block that included each, and the outcome
//! of those that never will be included (expired, rejected). Both bounded,
//! oldest first out.

use super::transfer::TxId;
use crate::chain::Hash32;
use std::collections::{BTreeMap, VecDeque};

/// Entries kept in each of the two memories.
pub const INDEX_MAX: usize = 200_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inclusion {
    pub height: u64,
    pub block: Hash32,
}

/// What became of a transfer that left the mempool without a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Expired,
    Rejected(String),
}

#[derive(Default)]
pub struct TxIndex {
    included: BTreeMap<TxId, Inclusion>,
    included_order: VecDeque<TxId>,
    outcomes: BTreeMap<TxId, Outcome>,
    outcome_order: VecDeque<TxId>,
}

impl TxIndex {
    pub fn include(&mut self, id: TxId, at: Inclusion) {
        if self.included.insert(id, at).is_none() {
            self.included_order.push_back(id);
        }
        self.outcomes.remove(&id);
        while self.included_order.len() > INDEX_MAX {
            if let Some(old) = self.included_order.pop_front() {
                self.included.remove(&old);
            }
        }
    }
    /// A block that included `id` left the canonical chain (T6).
    pub fn exclude(&mut self, id: &TxId, block: &Hash32) {
        if self.included.get(id).is_some_and(|i| i.block == *block) {
            self.included.remove(id);
        }
    }
    pub fn included(&self, id: &TxId) -> Option<Inclusion> {
        self.included.get(id).copied()
    }
    pub fn set_outcome(&mut self, id: TxId, o: Outcome) {
        if self.outcomes.insert(id, o).is_none() {
            self.outcome_order.push_back(id);
        }
        while self.outcome_order.len() > INDEX_MAX {
            if let Some(old) = self.outcome_order.pop_front() {
                self.outcomes.remove(&old);
            }
        }
    }
    pub fn outcome(&self, id: &TxId) -> Option<&Outcome> {
        self.outcomes.get(id)
    }
}
