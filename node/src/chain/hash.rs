//! 32-byte sha256 digests. Every block id, state seed and checkpoint root is one.

use sha2::{Digest, Sha256};
use std::fmt;

/// A sha256 digest. Ordered by bytes, so ties broken "by the larger hash" are total.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hash32(pub [u8; 32]);

impl Hash32 {
    pub const ZERO: Hash32 = Hash32([0; 32]);

    /// sha256 over the concatenation of `parts`.
    pub fn digest(parts: &[&[u8]]) -> Hash32 {
        let mut h = Sha256::new();
        for p in parts {
            h.update(p);
        }
        Hash32(h.finalize().into())
    }

    /// First 4 bytes as 8 hex digits: what the dashboard and logs show.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..4])
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn from_slice(b: &[u8]) -> Option<Hash32> {
        <[u8; 32]>::try_from(b).ok().map(Hash32)
    }
}

impl fmt::Debug for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.short())
    }
}

impl fmt::Display for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.short())
    }
}
