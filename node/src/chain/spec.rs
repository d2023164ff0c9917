//! The chain spec: what every node of one cluster agrees on before slot 0.
//!
//! The orchestrator writes it once per cluster (`genesis.json` in the cluster
//! directory) and hands the same file to every node. Engines read only the
//! consensus fields; `genesis_time_ms` is for the runtime, which turns wall
//! time into the engine's `Millis`.

use super::hash::Hash32;
use super::keys::PublicKey;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ValidatorSpec {
    /// ed25519 public key, hex.
    pub pubkey: String,
    pub stake: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ChainSpec {
    /// Cluster name, mixed into the genesis hash so two clusters never share blocks.
    pub name: String,
    /// Engine name: "gasper" (more later).
    pub consensus: String,
    pub slot_ms: u64,
    pub epoch_slots: u64,
    /// Unix time in ms of slot 0's start.
    pub genesis_time_ms: u64,
    pub validators: Vec<ValidatorSpec>,
}

impl ChainSpec {
    /// Seed for everything derived from genesis (genesis block hash, proposer draws).
    /// Excludes `genesis_time_ms` on purpose: the simulation replays any seed
    /// with the same hashes whatever the wall clock said.
    pub fn genesis_seed(&self) -> Hash32 {
        let mut parts: Vec<Vec<u8>> = vec![
            b"devnet/v1/genesis".to_vec(),
            self.name.as_bytes().to_vec(),
            self.consensus.as_bytes().to_vec(),
            self.slot_ms.to_be_bytes().to_vec(),
            self.epoch_slots.to_be_bytes().to_vec(),
        ];
        for v in &self.validators {
            parts.push(v.pubkey.as_bytes().to_vec());
            parts.push(v.stake.to_be_bytes().to_vec());
        }
        let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
        Hash32::digest(&refs)
    }

    /// Decoded public keys and stakes; errors name the validator index.
    pub fn validator_keys(&self) -> Result<Vec<(PublicKey, u64)>, String> {
        self.validators
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let raw = hex::decode(&v.pubkey).map_err(|e| format!("validator {i}: pubkey is not hex: {e}"))?;
                let pk = <[u8; 32]>::try_from(raw.as_slice())
                    .map_err(|_| format!("validator {i}: pubkey must be 32 bytes"))?;
                Ok((PublicKey(pk), v.stake))
            })
            .collect()
    }
}
