//! Chain primitives shared by every engine: hashes (sha2), keys and
//! domain-separated signatures (ed25519), the canonical codec, and the chain spec.
//! Pure: no IO, no clocks.

pub mod codec;
pub mod hash;
pub mod keys;
pub mod sig_cache;
pub mod spec;
#[cfg(test)]
mod strict_verify_tests;

pub use hash::Hash32;
pub use keys::{Domain, PublicKey, SecretKey, Signature};
pub use spec::{ChainSpec, ValidatorSpec};
