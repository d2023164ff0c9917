//! `TendermintParams`: the timeouts of a round, devnet.toml's `[tendermint]`
//! table. None decides which blocks are valid, so none is mixed into the
//! genesis hash.

use crate::consensus::params::EngineParams;
use serde::{Deserialize, Serialize};

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

/// Longest any timeout may be: ten minutes.
const MAX_MS: u64 = 600_000;

impl EngineParams for TendermintParams {
    const ENGINE: &'static str = "tendermint";
    const DOCS: &'static [(&'static str, &'static str)] = &[
        ("timeout_propose_ms", "Round 0's wait for a proposal, ms."),
        ("timeout_prevote_ms", "Wait after 2/3 of prevotes for anything, ms."),
        ("timeout_precommit_ms", "Wait after 2/3 of precommits for anything, ms."),
        ("timeout_delta_ms", "Added to each timeout per round, ms."),
        ("timeout_commit_ms", "Pause after a commit before the next height, ms (0: at once)."),
    ];

    fn defaults(slot_ms: u64, _nodes: usize) -> Self {
        Self::from_slot(slot_ms)
    }

    /// Every timeout from 1 ms to ten minutes; the commit pause may be 0.
    fn validate(&self, _nodes: usize) -> Result<(), String> {
        let keys = [
            ("timeout_propose_ms", self.timeout_propose_ms, 1),
            ("timeout_prevote_ms", self.timeout_prevote_ms, 1),
            ("timeout_precommit_ms", self.timeout_precommit_ms, 1),
            ("timeout_delta_ms", self.timeout_delta_ms, 1),
            ("timeout_commit_ms", self.timeout_commit_ms, 0),
        ];
        for (key, v, lo) in keys {
            if !(lo..=MAX_MS).contains(&v) {
                return Err(format!("`tendermint.{key}` must be an integer from {lo} to {MAX_MS} ms, found {v}"));
            }
        }
        Ok(())
    }
}
