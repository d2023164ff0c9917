//! ed25519 keys and domain-separated signatures.
//!
//! Every signature covers `domain tag || canonical bytes`, so a signature made
//! for one kind of message can never be replayed as another. Verification uses
//! `verify_strict`, which rejects malleable and small-order encodings, so every
//! node agrees on which signatures are valid.

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use std::fmt;

/// What a signature is for. The tag is prepended to the signed bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    BlockHeader,
    Attestation,
    /// Reserved for engines that sign per-round votes (tendermint, hotstuff).
    Vote,
}

impl Domain {
    fn tag(self) -> &'static [u8] {
        match self {
            Domain::BlockHeader => b"devnet/v1/block-header\0",
            Domain::Attestation => b"devnet/v1/attestation\0",
            Domain::Vote => b"devnet/v1/vote\0",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PublicKey(pub [u8; 32]);

#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u8; 64]);

impl Default for Signature {
    fn default() -> Self {
        Signature([0; 64])
    }
}

/// A validator's signing key. Deliberately not `Debug`-printable.
#[derive(Clone)]
pub struct SecretKey(SigningKey);

impl SecretKey {
    pub fn from_seed(seed: [u8; 32]) -> Self {
        SecretKey(SigningKey::from_bytes(&seed))
    }
    pub fn seed(&self) -> [u8; 32] {
        self.0.to_bytes()
    }
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }
    pub fn sign(&self, domain: Domain, msg: &[u8]) -> Signature {
        let mut buf = Vec::with_capacity(domain.tag().len() + msg.len());
        buf.extend_from_slice(domain.tag());
        buf.extend_from_slice(msg);
        Signature(self.0.sign(&buf).to_bytes())
    }
}

/// A public key decoded (decompressed) once, ready to verify many signatures.
#[derive(Clone)]
pub struct VerifyKey(VerifyingKey);

impl VerifyKey {
    /// True only for a strictly valid signature by this key over `domain || msg`.
    pub fn verify(&self, domain: Domain, msg: &[u8], sig: &Signature) -> bool {
        let mut buf = Vec::with_capacity(domain.tag().len() + msg.len());
        buf.extend_from_slice(domain.tag());
        buf.extend_from_slice(msg);
        self.0.verify_strict(&buf, &ed25519_dalek::Signature::from_bytes(&sig.0)).is_ok()
    }
}

impl PublicKey {
    /// The key ready to verify with; `None` if the bytes are not a curve point.
    pub fn decode(&self) -> Option<VerifyKey> {
        VerifyingKey::from_bytes(&self.0).ok().map(VerifyKey)
    }

    /// True only for a strictly valid signature by this key over `domain || msg`.
    pub fn verify(&self, domain: Domain, msg: &[u8], sig: &Signature) -> bool {
        self.decode().is_some_and(|k| k.verify(domain, msg, sig))
    }
    pub fn short(&self) -> String {
        hex::encode(&self.0[..4])
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pk:{}", self.short())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sig:{}", hex::encode(&self.0[..4]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_separate_and_tampering_fails() {
        let k = SecretKey::from_seed([7; 32]);
        let sig = k.sign(Domain::Attestation, b"hello");
        assert!(k.public().verify(Domain::Attestation, b"hello", &sig));
        assert!(!k.public().verify(Domain::BlockHeader, b"hello", &sig));
        assert!(!k.public().verify(Domain::Attestation, b"hellp", &sig));
        let other = SecretKey::from_seed([8; 32]);
        assert!(!other.public().verify(Domain::Attestation, b"hello", &sig));
    }
}
