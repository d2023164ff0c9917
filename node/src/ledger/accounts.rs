//! The genesis accounts' keys (T1). A key is derived the first time a
//! transfer from that account is checked and kept (`OnceLock`): a pure
//! function of the genesis seed, memoised, so a devnet with many accounts
//! pays only for the ones that send.

use crate::chain::keys::VerifyKey;
use crate::chain::{ChainSpec, Domain, Hash32, PublicKey, SecretKey, Signature};
use std::sync::{Arc, OnceLock};

/// Account `index`'s signing key for the chain whose genesis seed is `chain` (T1).
pub fn account_key(chain: &Hash32, index: u32) -> SecretKey {
    SecretKey::from_seed(Hash32::digest(&[b"devnet/v1/account", &chain.0, &index.to_be_bytes()]).0)
}

/// The accounts of one chain: how many, and their verifying keys.
#[derive(Clone)]
pub struct Accounts {
    chain: Hash32,
    keys: Arc<Vec<OnceLock<Option<VerifyKey>>>>,
}

impl Accounts {
    pub fn new(chain: Hash32, count: u32) -> Accounts {
        Accounts { chain, keys: Arc::new((0..count).map(|_| OnceLock::new()).collect()) }
    }
    pub fn from_spec(spec: &ChainSpec) -> Accounts {
        Accounts::new(spec.genesis_seed(), spec.ledger().accounts)
    }
    /// The chain id transfers sign over: the genesis seed.
    pub fn chain(&self) -> &Hash32 {
        &self.chain
    }
    pub fn count(&self) -> u32 {
        self.keys.len() as u32
    }
    pub fn public(&self, index: u32) -> Option<PublicKey> {
        (index < self.count()).then(|| account_key(&self.chain, index).public())
    }
    /// True only for a strictly valid signature by account `index` (T2).
    pub fn verify(&self, index: u32, msg: &[u8], sig: &Signature) -> bool {
        let Some(slot) = self.keys.get(index as usize) else { return false };
        let key = slot.get_or_init(|| account_key(&self.chain, index).public().decode());
        key.as_ref().is_some_and(|k| k.verify(Domain::Transfer, msg, sig))
    }
}
