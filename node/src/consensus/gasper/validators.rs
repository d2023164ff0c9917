//! The validator set (keys, stakes, the 2/3 threshold), the proposer draw, and
//! signature checks with a small cache so one signature is verified once.

use super::types::{Attestation, SignedHeader};
use crate::chain::sig_cache::{Keys, SigCache, Signed};
use crate::chain::{ChainSpec, Domain, Hash32, PublicKey, SecretKey, Signature};
use crate::consensus::common::stake::total_stake;
use std::collections::BTreeSet;

#[derive(Clone, Debug)]
pub struct Validators {
    keys: Vec<PublicKey>,
    stakes: Vec<u64>,
    total: u64,
}

impl Validators {
    pub fn from_spec(spec: &ChainSpec) -> Result<Self, String> {
        let pairs = spec.validator_keys()?;
        Self::new(pairs)
    }

    pub fn new(pairs: Vec<(PublicKey, u64)>) -> Result<Self, String> {
        if pairs.is_empty() {
            return Err("gasper needs at least one validator".into());
        }
        if pairs.len() > u32::MAX as usize {
            return Err("too many validators".into());
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
    pub fn stake(&self, v: u32) -> u64 {
        self.stakes.get(v as usize).copied().unwrap_or(0)
    }
    pub fn total(&self) -> u64 {
        self.total
    }

    /// R8: `stake >= ceil(2/3 * total)`, i.e. `3 * stake >= 2 * total`, in u128
    /// so neither side can overflow. The denominator is the TOTAL genesis stake,
    /// slashed validators included: getting yourself slashed never lowers the bar.
    /// Not `common::stake::is_quorum`: this bar is at least 2/3, BFT's more than 2/3.
    pub fn is_supermajority(&self, stake: u64) -> bool {
        (stake as u128) * 3 >= (self.total as u128) * 2
    }

    /// R2: the proposer of `slot`, drawn by stake among validators not in
    /// `slashed`, from sha256(genesis seed, epoch, slot). `None` if all are slashed.
    pub fn proposer(&self, seed: &Hash32, epoch_slots: u64, slot: u64, slashed: &BTreeSet<u32>) -> Option<u32> {
        let epoch = slot / epoch_slots.max(1);
        let h = Hash32::digest(&[b"devnet/v1/gasper/proposer", &seed.0, &epoch.to_be_bytes(), &slot.to_be_bytes()]);
        let mut eligible: u64 = 0;
        for (i, s) in self.stakes.iter().enumerate() {
            if !slashed.contains(&(i as u32)) {
                eligible = eligible.checked_add(*s)?;
            }
        }
        if eligible == 0 {
            return None;
        }
        let mut raw = [0u8; 8];
        raw.copy_from_slice(&h.0[..8]);
        let mut r = u64::from_be_bytes(raw) % eligible;
        for (i, s) in self.stakes.iter().enumerate() {
            if slashed.contains(&(i as u32)) {
                continue;
            }
            if r < *s {
                return Some(i as u32);
            }
            r -= s;
        }
        None
    }
}

/// Signatures are checked with the shared cache (`SigCache::check`): the
/// same attestation arriving by gossip and again inside a block costs one
/// verification.
pub type SigChecker = SigCache;

impl Keys for Validators {
    fn key(&self, v: u32) -> Option<&PublicKey> {
        Validators::key(self, v)
    }
}

impl Signed for Attestation {
    fn signed(&self) -> (u32, Domain, Vec<u8>, &Signature) {
        (self.validator, Domain::Attestation, self.data.signing_bytes(), &self.signature)
    }
}

impl Signed for SignedHeader {
    fn signed(&self) -> (u32, Domain, Vec<u8>, &Signature) {
        (self.header.proposer, Domain::BlockHeader, self.header.signing_bytes(), &self.signature)
    }
}

pub fn sign_header(key: &SecretKey, header: super::types::BlockHeader) -> SignedHeader {
    SignedHeader { header, signature: key.sign(Domain::BlockHeader, &header.signing_bytes()) }
}

pub fn sign_attestation(key: &SecretKey, validator: u32, data: super::types::AttestationData) -> Attestation {
    Attestation { validator, data, signature: key.sign(Domain::Attestation, &data.signing_bytes()) }
}
