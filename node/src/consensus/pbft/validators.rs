//! The validator set (R3, R6): keys, stakes, the stake-weighted quorums and
//! the primary of a view; signature checks with a cache, so a message seen by
//! gossip and again inside a certificate costs one verification.

use super::types::{ViewChange, Vote};
use crate::chain::sig_cache::{Keys, SigCache, Signed};
use crate::chain::{ChainSpec, Domain, PublicKey, Signature};
use crate::consensus::common::stake::{is_one_third, is_quorum, total_stake};

#[derive(Clone, Debug)]
pub struct Validators {
    keys: Vec<PublicKey>,
    stakes: Vec<u64>,
    total: u64,
}

impl Validators {
    pub fn from_spec(spec: &ChainSpec) -> Result<Self, String> {
        let pairs = spec.validator_keys()?;
        if pairs.is_empty() {
            return Err("pbft needs at least one validator".into());
        }
        if pairs.len() > 4096 {
            return Err("pbft: at most 4096 validators".into());
        }
        let total = total_stake(pairs.iter().map(|(_, s)| *s))?;
        let (keys, stakes) = pairs.into_iter().unzip();
        Ok(Validators { keys, stakes, total })
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
    /// The genesis stake (0 for an unknown index).
    pub fn stake(&self, v: u32) -> u64 {
        self.stakes.get(v as usize).copied().unwrap_or(0)
    }

    /// R6: 2f+1 is more than 2/3 of the TOTAL genesis stake (`common::stake`).
    pub fn is_quorum(&self, power: u128) -> bool {
        is_quorum(power, self.total)
    }

    /// R6: f+1 is more than 1/3 of the total stake: at least one honest.
    pub fn is_one_third(&self, power: u128) -> bool {
        is_one_third(power, self.total)
    }

    /// R3: the primary of `view` is validator `view mod n`, in index order.
    pub fn primary(&self, view: u64) -> u32 {
        (view % self.keys.len().max(1) as u64) as u32
    }
}

/// Signatures are checked with the shared cache (`SigCache::check`).
pub type SigChecker = SigCache;

impl Keys for Validators {
    fn key(&self, v: u32) -> Option<&PublicKey> {
        Validators::key(self, v)
    }
}

impl Signed for Vote {
    fn signed(&self) -> (u32, Domain, Vec<u8>, &Signature) {
        (self.validator, self.data.domain(), self.data.signing_bytes(), &self.signature)
    }
}

impl Signed for ViewChange {
    fn signed(&self) -> (u32, Domain, Vec<u8>, &Signature) {
        (self.validator, Domain::Vote, self.signing_bytes(), &self.signature)
    }
}
