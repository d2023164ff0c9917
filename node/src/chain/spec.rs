//! The chain spec: what every node of one cluster agrees on before slot 0.
//!
//! The orchestrator writes it once per cluster (`genesis.json` in the cluster
//! directory) and hands the same file to every node. Engines read only the
//! consensus fields; `genesis_time_ms` is for the runtime, which turns wall
//! time into the engine's `Millis`.

use super::hash::Hash32;
use super::keys::PublicKey;
pub use crate::consensus::hotstuff::HotStuffParams;
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
    /// tendermint's timeouts; `None` derives them from `slot_ms` (see `TendermintParams::from_slot`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tendermint: Option<TendermintParams>,
    /// pow's parameters; `None` uses `PowParams::from_slot`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pow: Option<PowParams>,
    /// pbft's parameters; `None` uses `PbftParams::from_slot`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pbft: Option<crate::consensus::pbft::PbftParams>,
    /// Genesis accounts and the transaction limits (`ledger`); `None` is
    /// `LedgerParams::default()`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger: Option<LedgerParams>,
    /// hotstuff's parameters; `None` uses `HotStuffParams::from_slot`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hotstuff: Option<HotStuffParams>,
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

/// Tendermint timeouts (ms). Round `r` waits `base + r * timeout_delta_ms`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct TendermintParams {
    pub timeout_propose_ms: u64,
    pub timeout_prevote_ms: u64,
    pub timeout_precommit_ms: u64,
    pub timeout_delta_ms: u64,
    /// Pause after a commit before the next height starts: paces blocks for
    /// people watching (the paper starts the next height at once).
    pub timeout_commit_ms: u64,
}

impl TendermintParams {
    /// Defaults for a cluster whose `slot_ms` is the intended block time.
    pub fn from_slot(slot_ms: u64) -> Self {
        TendermintParams {
            timeout_propose_ms: slot_ms,
            timeout_prevote_ms: slot_ms / 2,
            timeout_precommit_ms: slot_ms / 2,
            timeout_delta_ms: slot_ms / 2,
            timeout_commit_ms: slot_ms,
        }
    }
}

impl Default for TendermintParams {
    fn default() -> Self {
        Self::from_slot(1000)
    }
}

/// pow fork choice: most blocks, most work, or GHOST (heaviest subtree).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ForkChoiceRule {
    Longest,
    #[default]
    Heaviest,
    Ghost,
}

impl ForkChoiceRule {
    pub fn as_str(self) -> &'static str {
        match self {
            ForkChoiceRule::Longest => "longest",
            ForkChoiceRule::Heaviest => "heaviest",
            ForkChoiceRule::Ghost => "ghost",
        }
    }
}

/// pow parameters. `hashrate` is per validator (miner) index, in percent of
/// the cluster total; empty means equal shares.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct PowParams {
    /// Target block interval for the whole cluster.
    pub block_ms: u64,
    /// Confirmations after which a block counts as final.
    pub k: u64,
    pub fork_choice: ForkChoiceRule,
    pub hashrate: Vec<u32>,
    /// Blocks per difficulty retarget window.
    pub retarget_window: u64,
    /// Leading zero bits of the real sha256 puzzle per block (kept tiny).
    pub puzzle_bits: u32,
}

impl PowParams {
    pub fn from_slot(slot_ms: u64) -> Self {
        PowParams {
            block_ms: slot_ms,
            k: 6,
            fork_choice: ForkChoiceRule::Heaviest,
            hashrate: Vec::new(),
            retarget_window: 16,
            puzzle_bits: 8,
        }
    }
}

impl Default for PowParams {
    fn default() -> Self {
        Self::from_slot(1000)
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
        // Only the consensus-critical pow parameters; absent params add nothing,
        // so specs written before they existed keep their genesis.
        if let Some(p) = &self.pow {
            parts.push(b"pow".to_vec());
            parts.push(p.block_ms.to_be_bytes().to_vec());
            parts.push(p.retarget_window.to_be_bytes().to_vec());
            parts.push(p.puzzle_bits.to_be_bytes().to_vec());
        }
        // hotstuff's commit rule decides which blocks are final; its timeouts do not.
        if let Some(h) = &self.hotstuff {
            parts.push(b"hotstuff".to_vec());
            parts.push(vec![h.commit_chain]);
        }
        let ledger = self.ledger();
        parts.push(b"ledger".to_vec());
        parts.push(ledger.accounts.to_be_bytes().to_vec());
        parts.push(ledger.balance.to_be_bytes().to_vec());
        parts.push(ledger.max_block_txs.to_be_bytes().to_vec());
        let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
        Hash32::digest(&refs)
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
        let json = r#"{"name":"c","consensus":"gasper","slot_ms":100,"epoch_slots":4,"genesis_time_ms":0,
            "validators":[{"pubkey":"00","stake":1}]}"#;
        let spec: ChainSpec = serde_json::from_str(json).expect("parse");
        assert_eq!((spec.tendermint.clone(), spec.pow.clone()), (None, None));
        let with = ChainSpec { tendermint: Some(TendermintParams::from_slot(100)), ..spec.clone() };
        assert_eq!(with.genesis_seed(), spec.genesis_seed(), "tendermint timeouts are not consensus-critical");
        let json = r#"{"name":"c","consensus":"tendermint","slot_ms":100,"epoch_slots":1,"genesis_time_ms":0,
            "validators":[],"tendermint":{"timeout_commit_ms":5}}"#;
        let spec: ChainSpec = serde_json::from_str(json).expect("parse");
        assert_eq!(spec.tendermint.map(|t| (t.timeout_commit_ms, t.timeout_propose_ms)), Some((5, 1000)));
    }

    #[test]
    fn pbft_params_parse_with_defaults_and_are_not_in_the_genesis() {
        use crate::consensus::pbft::PbftParams;
        let json = r#"{"name":"c","consensus":"pbft","slot_ms":100,"epoch_slots":1,"genesis_time_ms":0,
            "validators":[],"pbft":{"checkpoint_interval":5}}"#;
        let spec: ChainSpec = serde_json::from_str(json).expect("parse");
        let p = spec.pbft.clone().expect("pbft params");
        assert_eq!((p.checkpoint_interval, p.watermark_window), (5, PbftParams::default().watermark_window));
        assert_eq!(ChainSpec { pbft: None, ..spec.clone() }.genesis_seed(), spec.genesis_seed());
        let back: ChainSpec = serde_json::from_str(&serde_json::to_string(&spec).expect("json")).expect("parse");
        assert_eq!(back, spec);
    }
}
