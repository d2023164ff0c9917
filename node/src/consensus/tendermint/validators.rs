//! The validator set: keys, voting power, the quorum thresholds (R6), the
//! stake-weighted round-robin proposer (R2), and signature checks with a small
//! cache so one signature is verified once per node.

use super::types::{SignedProposal, Vote};
use crate::chain::sig_cache::{Keys, SigCache, Signed};
use crate::chain::{ChainSpec, Domain, PublicKey, Signature};
use crate::consensus::common::stake::{is_one_third, is_quorum, total_stake};
use std::collections::BTreeSet;

/// Longest proposer cycle; larger stake totals are scaled down to it (R2).
const MAX_CYCLE: u64 = 10_000;

#[derive(Clone, Debug)]
pub struct ValidatorSet {
    keys: Vec<PublicKey>,
    stakes: Vec<u64>,
    total: u64,
    /// R2: one cycle of smooth weighted round robin over validator indexes.
    cycle: Vec<u32>,
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl ValidatorSet {
    pub fn from_spec(spec: &ChainSpec) -> Result<Self, String> {
        Self::new(spec.validator_keys()?)
    }

    pub fn new(pairs: Vec<(PublicKey, u64)>) -> Result<Self, String> {
        if pairs.is_empty() {
            return Err("tendermint needs at least one validator".into());
        }
        if pairs.len() > 4096 {
            return Err("at most 4096 validators".into());
        }
        let total = total_stake(pairs.iter().map(|(_, s)| *s))?;
        let (keys, stakes): (Vec<PublicKey>, Vec<u64>) = pairs.into_iter().unzip();
        let cycle = Self::round_robin(&stakes, total);
        Ok(ValidatorSet { keys, stakes, total, cycle })
    }

    /// R2: smooth weighted round robin (each step every validator gains its
    /// weight, the largest accumulator proposes, ties to the lower index, and
    /// pays the total). After `sum(weights)` steps the accumulators are back
    /// at zero, so one cycle is the whole sequence; each validator appears
    /// `weight` times, spread out.
    fn round_robin(stakes: &[u64], total: u64) -> Vec<u32> {
        let g = stakes.iter().fold(0, |g, s| gcd(g, *s)).max(1);
        let mut weights: Vec<u64> = stakes.iter().map(|s| s / g).collect();
        let sum: u64 = weights.iter().sum();
        if sum > MAX_CYCLE {
            weights = stakes.iter().map(|s| ((*s as u128 * MAX_CYCLE as u128 / total as u128) as u64).max(1)).collect();
        }
        let sum: i128 = weights.iter().map(|w| *w as i128).sum();
        let mut acc = vec![0i128; weights.len()];
        let mut out = Vec::with_capacity(sum as usize);
        for _ in 0..sum {
            let mut best = 0;
            for (i, w) in weights.iter().enumerate() {
                acc[i] += *w as i128;
                if acc[i] > acc[best] {
                    best = i;
                }
            }
            acc[best] -= sum;
            out.push(best as u32);
        }
        out
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
    pub fn key(&self, v: u32) -> Option<&PublicKey> {
        self.keys.get(v as usize)
    }
    pub fn stake(&self, v: u32) -> u64 {
        self.stakes.get(v as usize).copied().unwrap_or(0)
    }

    /// R6: more than 2/3 of the TOTAL genesis power (`common::stake`).
    pub fn is_quorum(&self, power: u128) -> bool {
        is_quorum(power, self.total)
    }

    /// R6: more than 1/3 of the total power (f+1 in the paper): at least one honest.
    pub fn is_one_third(&self, power: u128) -> bool {
        is_one_third(power, self.total)
    }

    /// R2: the proposer of `(height, round)`: position `height + round` of the
    /// cycle, skipping validators slashed on the chain (`None` if all are).
    pub fn proposer(&self, height: u64, round: u64, slashed: &BTreeSet<u32>) -> Option<u32> {
        let n = self.cycle.len() as u64;
        let start = height.wrapping_add(round) % n.max(1);
        (0..n).map(|i| self.cycle[((start + i) % n) as usize]).find(|v| !slashed.contains(v))
    }
}

/// Signatures are checked with the shared cache (`SigCache::check`): a vote
/// relayed by several peers, or seen again in a commit certificate, costs
/// one verification.
pub type SigChecker = SigCache;

impl Keys for ValidatorSet {
    fn key(&self, v: u32) -> Option<&PublicKey> {
        ValidatorSet::key(self, v)
    }
}

impl Signed for Vote {
    fn signed(&self) -> (u32, Domain, Vec<u8>, &Signature) {
        (self.validator, Domain::Vote, self.data.signing_bytes(), &self.signature)
    }
}

impl Signed for SignedProposal {
    fn signed(&self) -> (u32, Domain, Vec<u8>, &Signature) {
        (self.proposer, Domain::BlockHeader, self.data.signing_bytes(), &self.signature)
    }
}
