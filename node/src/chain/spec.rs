//! The chain spec: what every node of one cluster agrees on before slot 0.
//!
//! The orchestrator writes it once per cluster (`genesis.json` in the cluster
//! directory) and hands the same file to every node. Engines read only the
//! consensus fields; `genesis_time_ms` is for the runtime, which turns wall
//! time into the engine's `Millis`.

use super::hash::Hash32;
use super::keys::PublicKey;
pub use crate::consensus::hotstuff::HotStuffParams;
use crate::consensus::params::{self, EngineParams};
pub use crate::consensus::pow::{ForkChoiceRule, PowParams};
pub use crate::consensus::tendermint::TendermintParams;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// Genesis accounts and the transaction limits (`ledger`); `None` is
    /// `LedgerParams::default()`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger: Option<LedgerParams>,
    /// The engine's parameters under its name (`"pow": {...}`), as
    /// `consensus::params` reads its table: the whole table, every key filled
    /// in. Absent: the engine's defaults for `slot_ms` and the validator count.
    #[serde(flatten)]
    pub params: BTreeMap<String, serde_json::Value>,
}

/// The test accounts genesis funds and the limits on transactions. `accounts`,
/// `balance` and `max_block_txs` are consensus-critical (they decide which
/// blocks are valid); the mempool bounds are each node's own policy.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct LedgerParams {
    /// Accounts funded at genesis; their keys derive from the genesis seed.
    pub accounts: u32,
    /// What each account holds at genesis.
    pub balance: u64,
    /// Most transfers one block may carry.
    pub max_block_txs: u32,
    /// Mempool bounds: transfers and their encoded bytes.
    pub mempool_txs: u32,
    pub mempool_bytes: u64,
    /// A pending transfer not included within this long is dropped as expired.
    pub tx_ttl_ms: u64,
}

impl Default for LedgerParams {
    fn default() -> Self {
        LedgerParams {
            accounts: 1000,
            balance: 1_000_000_000,
            max_block_txs: 2000,
            mempool_txs: 20_000,
            mempool_bytes: 4 << 20,
            tx_ttl_ms: 60_000,
        }
    }
}

impl LedgerParams {
    /// Most accounts a genesis may fund (each node derives every account's key at start).
    pub const MAX_ACCOUNTS: u32 = 100_000;

    /// What makes a ledger impossible, in words that name the key.
    pub fn check(&self) -> Result<(), String> {
        if self.accounts == 0 || self.accounts > Self::MAX_ACCOUNTS {
            return Err(format!("accounts must be between 1 and {}, not {}", Self::MAX_ACCOUNTS, self.accounts));
        }
        if (self.accounts as u128) * (self.balance as u128) > u64::MAX as u128 {
            return Err("accounts x balance must fit in 64 bits (the total supply)".into());
        }
        if self.max_block_txs == 0 || self.max_block_txs as usize > crate::chain::codec::MAX_LIST {
            return Err(format!("max_block_txs must be between 1 and {}", crate::chain::codec::MAX_LIST));
        }
        if self.mempool_txs == 0 || self.mempool_bytes == 0 || self.tx_ttl_ms == 0 {
            return Err("mempool_txs, mempool_bytes and tx_ttl_ms must be positive".into());
        }
        Ok(())
    }
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
        // The engine's consensus-critical parameters; an absent table adds
        // nothing, so specs written before it existed keep their genesis.
        parts.extend(params::genesis_parts(self));
        let ledger = self.ledger();
        parts.push(b"ledger".to_vec());
        parts.push(ledger.accounts.to_be_bytes().to_vec());
        parts.push(ledger.balance.to_be_bytes().to_vec());
        parts.push(ledger.max_block_txs.to_be_bytes().to_vec());
        let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
        Hash32::digest(&refs)
    }

    /// The engine's parameters in force: the stored table over `T`'s
    /// defaults, checked; the error names the key.
    pub fn params<T: EngineParams>(&self) -> Result<T, String> {
        params::of_spec(self)
    }

    /// Stores `p` as the parameters of `T`'s engine.
    pub fn set_params<T: EngineParams>(&mut self, p: &T) {
        self.params.extend(params::of(p));
    }

    /// The ledger parameters in force (`LedgerParams::default()` when absent).
    pub fn ledger(&self) -> LedgerParams {
        self.ledger.clone().unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_without_engine_params_still_parse_and_keep_their_genesis() {
        let json = r#"{"name":"c","consensus":"tendermint","slot_ms":100,"epoch_slots":4,"genesis_time_ms":0,
            "validators":[{"pubkey":"00","stake":1}]}"#;
        let spec: ChainSpec = serde_json::from_str(json).expect("parse");
        assert!(spec.params.is_empty());
        assert_eq!(spec.params::<TendermintParams>(), Ok(TendermintParams::from_slot(100)));
        let mut with = spec.clone();
        with.set_params(&TendermintParams::from_slot(100));
        assert_eq!(with.genesis_seed(), spec.genesis_seed(), "tendermint timeouts are not consensus-critical");
        let json = r#"{"name":"c","consensus":"tendermint","slot_ms":100,"epoch_slots":1,"genesis_time_ms":0,
            "validators":[],"tendermint":{"timeout_commit_ms":5}}"#;
        let spec: ChainSpec = serde_json::from_str(json).expect("parse");
        let t = spec.params::<TendermintParams>().expect("params");
        assert_eq!((t.timeout_commit_ms, t.timeout_propose_ms), (5, 100), "missing keys are the slot's defaults");
    }

    #[test]
    fn pbft_params_parse_with_defaults_and_are_not_in_the_genesis() {
        use crate::consensus::pbft::PbftParams;
        let json = r#"{"name":"c","consensus":"pbft","slot_ms":100,"epoch_slots":1,"genesis_time_ms":0,
            "validators":[],"pbft":{"checkpoint_interval":5}}"#;
        let spec: ChainSpec = serde_json::from_str(json).expect("parse");
        let p = spec.params::<PbftParams>().expect("pbft params");
        assert_eq!((p.checkpoint_interval, p.watermark_window), (5, PbftParams::from_slot(100).watermark_window));
        let mut without = spec.clone();
        without.params.clear();
        assert_eq!(without.genesis_seed(), spec.genesis_seed());
        let back: ChainSpec = serde_json::from_str(&serde_json::to_string(&spec).expect("json")).expect("parse");
        assert_eq!(back, spec);
    }

    #[test]
    fn consensus_critical_params_enter_the_genesis_and_bad_ones_are_refused() {
        let json = r#"{"name":"c","consensus":"hotstuff","slot_ms":100,"epoch_slots":1,"genesis_time_ms":0,
            "validators":[]}"#;
        let three: ChainSpec = serde_json::from_str(json).expect("parse");
        let mut two = three.clone();
        two.set_params(&HotStuffParams { commit_chain: 2, ..HotStuffParams::from_slot(100) });
        assert_ne!(two.genesis_seed(), three.genesis_seed());
        two.params.insert("hotstuff".into(), serde_json::json!({"commit_chain": 5}));
        assert_eq!(
            two.params::<HotStuffParams>(),
            Err("chain spec: hotstuff.commit_chain: expected 2 or 3, found 5".into())
        );
    }
}
