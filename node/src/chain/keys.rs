//! ed25519 keys and domain-separated signatures.
//!
//! Every signature covers `domain tag || canonical bytes`, so a signature made
//! for one kind of message can never be replayed as another. Verification
//! accepts exactly what ed25519-dalek's `verify_strict` accepts, which
//! rejects malleable and small-order encodings, so every node agrees on which
//! signatures are valid. It gets there with one field inversion instead of
//! two; `VerifyKey::verify` gives the argument, and a test compares the two
//! on valid, tampered and adversarial (small-order, torsion, non-canonical)
//! signatures.

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha512};
use std::fmt;

/// What a signature is for. The tag is prepended to the signed bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    BlockHeader,
    Attestation,
    /// Reserved for engines that sign per-round votes (tendermint, hotstuff).
    Vote,
    /// A transfer between accounts, signed by its sender (`ledger::transfer`).
    Transfer,
}

impl Domain {
    /// The bytes a signature of this kind covers before the message.
    pub fn tag(self) -> &'static [u8] {
        match self {
            Domain::BlockHeader => b"devnet/v1/block-header\0",
            Domain::Attestation => b"devnet/v1/attestation\0",
            Domain::Vote => b"devnet/v1/vote\0",
            Domain::Transfer => b"devnet/v1/transfer\0",
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
pub struct VerifyKey {
    /// The key as given: the challenge hashes these bytes.
    bytes: [u8; 32],
    /// -A, the negated key point.
    minus_a: EdwardsPoint,
    /// A small-order key (`verify_strict` refuses every signature by one).
    small_order: bool,
}

impl VerifyKey {
    /// True only for a strictly valid signature by this key over `domain || msg`.
    ///
    /// `verify_strict` (ed25519-dalek 2) accepts (R, s) by key A for message
    /// M iff: (1) s < l; (2) R's bytes decompress to a point; (3) neither
    /// that point nor A has small order; (4) P = [s]B - [k]A, with k =
    /// SHA-512(R || A || M) mod l, compresses to exactly R's bytes. This
    /// checks (1), A's order, (4), and that P has no small order. The two are
    /// the same: where (4) holds, R's bytes are P's canonical encoding, which
    /// decompresses to P, so (2) holds and (3) asks about P itself. It skips
    /// decompressing R, a square root as costly as the inversion in
    /// `compress`, and never needs to.
    pub fn verify(&self, domain: Domain, msg: &[u8], sig: &Signature) -> bool {
        if self.small_order {
            return false;
        }
        let (r, s) = sig.0.split_at(32);
        let Ok(s) = <[u8; 32]>::try_from(s) else { return false };
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s)) else { return false };
        let k = Scalar::from_hash(
            Sha512::new().chain_update(r).chain_update(self.bytes).chain_update(domain.tag()).chain_update(msg),
        );
        let p = EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &self.minus_a, &s);
        p.compress().as_bytes()[..] == *r && !p.is_small_order()
    }
}

impl PublicKey {
    /// The key ready to verify with; `None` if the bytes are not a curve point.
    pub fn decode(&self) -> Option<VerifyKey> {
        let a = CompressedEdwardsY(self.0).decompress()?;
        Some(VerifyKey { bytes: self.0, minus_a: -a, small_order: a.is_small_order() })
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
