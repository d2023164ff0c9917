//! Signature verification with a bounded memory of signatures already found
//! valid, so a message seen by gossip and again inside a block (or a
//! certificate) costs one `verify_strict`, and of keys already decoded, so a
//! validator's key is decompressed once, not per signature. Only valid
//! signatures are remembered; when a memory is full it is cleared
//! (correctness never depends on it). Pure and deterministic: ordered maps.
//!
//! Every engine checks its messages through `SigCache::check`: a message
//! type says who signed it, under which domain, over which bytes (`Signed`),
//! and a validator set says whose key that is (`Keys`); an index with no key
//! is an invalid signature, never a panic.

use super::hash::Hash32;
use super::keys::{Domain, PublicKey, Signature, VerifyKey};
use std::collections::{BTreeMap, BTreeSet};

const MAX: usize = 16_384;
const MAX_KEYS: usize = 4096;

/// A message signed by one validator.
pub trait Signed {
    /// The signer's validator index, the domain and bytes it signed, and the signature.
    fn signed(&self) -> (u32, Domain, Vec<u8>, &Signature);
}

/// Validators' public keys by index.
pub trait Keys {
    fn key(&self, validator: u32) -> Option<&PublicKey>;
}

#[derive(Default)]
pub struct SigCache {
    valid: BTreeSet<Hash32>,
    keys: BTreeMap<PublicKey, Option<VerifyKey>>,
}

impl SigCache {
    /// True only for a strictly valid signature of `m` by its signer's key in `keys`.
    pub fn check(&mut self, keys: &impl Keys, m: &impl Signed) -> bool {
        let (validator, domain, msg, sig) = m.signed();
        self.verify(keys.key(validator), domain, &msg, sig)
    }

    /// True only for a strictly valid signature by `key` (None: unknown signer).
    pub fn verify(&mut self, key: Option<&PublicKey>, domain: Domain, msg: &[u8], sig: &Signature) -> bool {
        let Some(key) = key else { return false };
        let id = Hash32::digest(&[&key.0, &[domain as u8], msg, &sig.0]);
        if self.valid.contains(&id) {
            return true;
        }
        if self.keys.len() >= MAX_KEYS && !self.keys.contains_key(key) {
            self.keys.clear();
        }
        let decoded = self.keys.entry(*key).or_insert_with(|| key.decode());
        if !decoded.as_ref().is_some_and(|k| k.verify(domain, msg, sig)) {
            return false;
        }
        if self.valid.len() >= MAX {
            self.valid.clear();
        }
        self.valid.insert(id);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::SecretKey;

    #[test]
    fn remembers_only_valid_signatures() {
        let k = SecretKey::from_seed([1; 32]);
        let sig = k.sign(Domain::Vote, b"m");
        let mut c = SigCache::default();
        assert!(c.verify(Some(&k.public()), Domain::Vote, b"m", &sig));
        assert!(c.verify(Some(&k.public()), Domain::Vote, b"m", &sig));
        assert!(!c.verify(Some(&k.public()), Domain::Vote, b"n", &sig));
        assert!(!c.verify(None, Domain::Vote, b"m", &sig));
        assert_eq!(c.valid.len(), 1);
    }
}
