//! Pure consensus engines. Nothing here touches tokio, sockets, files, the wall
//! clock or unseeded randomness; see `engine` for the contract with drivers.
//!
//! One module per engine; `build` picks one by the spec's `consensus` name.

pub mod common;
pub mod describe;
pub mod engine;
pub mod gasper;
pub mod hotstuff;
pub mod params;
pub mod pbft;
pub mod pow;
pub mod tendermint;

pub use engine::*;

use crate::chain::{ChainSpec, PublicKey, SecretKey};

/// Who this node is: the peers it can address and the validator key it signs with.
pub struct Identity {
    pub me: PeerId,
    pub peers: Vec<PeerId>,
    /// `None` for a non-validating observer node.
    pub validator: Option<(u32, SecretKey)>,
}

impl Identity {
    /// Refuses a validator key that is not the spec's key for its index
    /// (`key_of`); `who` names the signer in the error (`validator`, `miner`).
    pub fn check_key<'a>(&self, who: &str, key_of: impl Fn(u32) -> Option<&'a PublicKey>) -> Result<(), String> {
        let Some((v, k)) = &self.validator else { return Ok(()) };
        match key_of(*v) {
            Some(pk) if *pk == k.public() => Ok(()),
            Some(_) => Err(format!("{who} {v}: key does not match the spec")),
            None => Err(format!("{who} {v} is not in the spec")),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("unknown consensus engine {0:?}; expected one of: {engines}", engines = ENGINES.join(", "))]
    UnknownEngine(String),
    #[error("invalid chain spec: {0}")]
    Spec(String),
}

pub const ENGINES: &[&str] = &["gasper", "tendermint", "pow", "pbft", "hotstuff"];

pub fn build(spec: &ChainSpec, identity: Identity) -> Result<Box<dyn Engine>, BuildError> {
    match spec.consensus.as_str() {
        "gasper" => Ok(Box::new(gasper::Gasper::new(spec, identity).map_err(BuildError::Spec)?)),
        "tendermint" => Ok(Box::new(tendermint::Tendermint::new(spec, identity).map_err(BuildError::Spec)?)),
        "pow" => Ok(Box::new(pow::Pow::new(spec, identity).map_err(BuildError::Spec)?)),
        "pbft" => Ok(Box::new(pbft::Pbft::new(spec, identity).map_err(BuildError::Spec)?)),
        "hotstuff" => Ok(Box::new(hotstuff::HotStuff::new(spec, identity).map_err(BuildError::Spec)?)),
        other => Err(BuildError::UnknownEngine(other.to_string())),
    }
}

/// How the engine called `name` shows itself (`describe`); `None` for a
/// name no engine has.
pub fn description(name: &str) -> Option<&'static describe::Description> {
    match name {
        "gasper" => Some(&gasper::describe::DESCRIPTION),
        "tendermint" => Some(&tendermint::describe::DESCRIPTION),
        "pow" => Some(&pow::describe::DESCRIPTION),
        "pbft" => Some(&pbft::describe::DESCRIPTION),
        "hotstuff" => Some(&hotstuff::describe::DESCRIPTION),
        _ => None,
    }
}
