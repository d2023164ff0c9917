//! Pieces of `Engine::status` that read the same in every engine that
//! slashes by committed evidence and tracks each validator's latest vote.
//!
//! Rule: one row per validator index of the genesis set, in index order,
//! with its genesis stake (slashed or not), whether this node's chain slashed
//! it, and the height, sequence number or round of its latest vote seen here.

use crate::consensus::engine::ValidatorStatus;
use std::collections::{BTreeMap, BTreeSet};

pub fn validator_rows(
    count: usize,
    stake: impl Fn(u32) -> u64,
    slashed: &BTreeSet<u32>,
    latest_vote: &BTreeMap<u32, u64>,
) -> Vec<ValidatorStatus> {
    (0..count as u32)
        .map(|v| ValidatorStatus {
            index: v,
            stake: stake(v),
            slashed: slashed.contains(&v),
            last_attested_slot: latest_vote.get(&v).copied(),
        })
        .collect()
}
