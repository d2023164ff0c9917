//! The votes of one height (R5, R6): per round and type, each validator's
//! first vote, and the first different one, which is an equivocation (R10).
//! As in the paper, messages count: an equivocator's vote counts toward each
//! value it voted for (at most two kept), and once in `power_any`. Otherwise
//! nodes that saw its two votes in different orders would disagree about a
//! POL and a locked value could never be unlocked.

use super::types::{Vote, VoteType};
use crate::chain::Hash32;
use std::collections::{BTreeMap, BTreeSet};

pub enum Added {
    New,
    Duplicate,
    /// The validator already voted differently at this round and type.
    Conflict(Vote),
}

#[derive(Default)]
pub struct HeightVotes {
    votes: BTreeMap<(u64, VoteType), BTreeMap<u32, Vec<Vote>>>,
}

impl HeightVotes {
    pub fn add(&mut self, v: Vote) -> Added {
        let set = self.votes.entry((v.data.round, v.data.kind)).or_default();
        let mine = set.entry(v.validator).or_default();
        if mine.iter().any(|p| p.data == v.data) {
            return Added::Duplicate;
        }
        match mine.first().copied() {
            Some(first) => {
                if mine.len() < 2 {
                    mine.push(v);
                }
                Added::Conflict(first)
            }
            None => {
                mine.push(v);
                Added::New
            }
        }
    }

    /// The first vote of `validator` at `round` of `kind`, if any.
    pub fn by(&self, validator: u32, round: u64, kind: VoteType) -> Option<&Vote> {
        self.votes.get(&(round, kind))?.get(&validator)?.first()
    }

    /// A kept vote by `v`'s validator at its round and type that differs from `v`.
    pub fn conflicting(&self, v: &Vote) -> Option<Vote> {
        let mine = self.votes.get(&(v.data.round, v.data.kind))?.get(&v.validator)?;
        mine.iter().find(|p| p.data != v.data).copied()
    }

    /// Every kept vote (an equivocator's two included).
    fn set(&self, round: u64, kind: VoteType) -> impl Iterator<Item = &Vote> {
        self.votes.get(&(round, kind)).into_iter().flat_map(|m| m.values().flatten())
    }

    /// Each validator's first vote.
    fn firsts(&self, round: u64, kind: VoteType) -> impl Iterator<Item = &Vote> {
        self.votes.get(&(round, kind)).into_iter().flat_map(|m| m.values().filter_map(|v| v.first()))
    }

    /// Power voting for exactly `value` (`None` = nil) at `round`.
    pub fn power_for(&self, round: u64, kind: VoteType, value: Option<Hash32>, weight: impl Fn(u32) -> u64) -> u128 {
        self.set(round, kind).filter(|v| v.data.value == value).map(|v| weight(v.validator) as u128).sum()
    }

    /// Power voting for anything at `round`.
    pub fn power_any(&self, round: u64, kind: VoteType, weight: impl Fn(u32) -> u64) -> u128 {
        self.firsts(round, kind).map(|v| weight(v.validator) as u128).sum()
    }

    /// The votes for `value` at `round` (a commit certificate's precommits).
    pub fn for_value(&self, round: u64, kind: VoteType, value: Option<Hash32>) -> Vec<Vote> {
        self.set(round, kind).filter(|v| v.data.value == value).copied().collect()
    }

    /// Validators with any vote at `round` (L55 counts them with the proposer).
    pub fn voters(&self, round: u64) -> BTreeSet<u32> {
        [VoteType::Prevote, VoteType::Precommit]
            .into_iter()
            .flat_map(|k| self.firsts(round, k).map(|v| v.validator))
            .collect()
    }

    /// The rounds with at least one precommit, in order.
    pub fn precommit_rounds(&self) -> impl Iterator<Item = u64> + '_ {
        self.votes.keys().filter(|(_, k)| *k == VoteType::Precommit).map(|(r, _)| *r)
    }

    /// The highest round with any vote.
    pub fn last_round(&self) -> Option<u64> {
        self.votes.keys().next_back().map(|(r, _)| *r)
    }

    pub fn rounds(&self) -> BTreeSet<u64> {
        self.votes.keys().map(|(r, _)| *r).collect()
    }

    /// The latest vote of `kind` by `validator` (highest round).
    pub fn latest(&self, validator: u32, kind: VoteType) -> Option<&Vote> {
        self.votes.iter().rev().filter(|((_, k), _)| *k == kind).find_map(|(_, m)| m.get(&validator)?.first())
    }

    pub fn len(&self) -> usize {
        self.votes.values().flat_map(|m| m.values()).map(|v| v.len()).sum()
    }
    pub fn is_empty(&self) -> bool {
        self.votes.is_empty()
    }
}
