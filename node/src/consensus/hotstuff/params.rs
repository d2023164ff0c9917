//! `HotStuffParams` (R7, R8): the commit rule and the pacemaker's timings.
//! devnet.toml's `[hotstuff]` table, read by `consensus::params`; a spec
//! without it runs on `HotStuffParams::from_slot(slot_ms)`.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct HotStuffParams {
    /// 3: commit B0 once B0 <- B1 <- B2 are certified in consecutive rounds
    /// (the paper, Diem). 2: once B0 <- B1 are (Jolteon, Aptos). Consensus-critical.
    pub commit_chain: u8,
    /// The first timeout of a round after a successful one (R8).
    pub base_timeout_ms: u64,
    /// The cap of the doubling timeout: `base * 2^k` never exceeds it.
    pub max_timeout_ms: u64,
    /// Pacing: a leader proposes no earlier than this long after it entered
    /// its round; 0 proposes as soon as the QC (or TC) forms (R8).
    pub min_round_ms: u64,
}

impl HotStuffParams {
    /// Defaults for a cluster whose `slot_ms` is the intended block time:
    /// one block per `slot_ms`, a timeout of two block times on top of it.
    pub fn from_slot(slot_ms: u64) -> Self {
        let slot = slot_ms.max(1);
        HotStuffParams {
            commit_chain: 3,
            base_timeout_ms: slot.saturating_mul(2),
            max_timeout_ms: slot.saturating_mul(32),
            min_round_ms: slot,
        }
    }

    /// Names the first bad key and what was expected.
    pub fn validate(&self) -> Result<(), String> {
        if !matches!(self.commit_chain, 2 | 3) {
            return Err(format!("hotstuff.commit_chain: expected 2 or 3, found {}", self.commit_chain));
        }
        if self.base_timeout_ms == 0 {
            return Err("hotstuff.base_timeout_ms: expected a positive number of ms, found 0".into());
        }
        if self.max_timeout_ms < self.base_timeout_ms {
            return Err(format!(
                "hotstuff.max_timeout_ms: expected at least base_timeout_ms ({}), found {}",
                self.base_timeout_ms, self.max_timeout_ms
            ));
        }
        Ok(())
    }

    /// R8: how long round `k` consecutive failed rounds after the last
    /// successful one waits: pacing plus `base * 2^k`, capped.
    pub fn round_timeout(&self, failed: u32) -> u64 {
        let grown = self.base_timeout_ms.saturating_mul(1u64 << failed.min(32));
        self.min_round_ms.saturating_add(grown.min(self.max_timeout_ms))
    }
}

impl Default for HotStuffParams {
    fn default() -> Self {
        Self::from_slot(1000)
    }
}

impl crate::consensus::params::EngineParams for HotStuffParams {
    const ENGINE: &'static str = "hotstuff";
    const DOCS: &'static [(&'static str, &'static str)] = &[
        ("commit_chain", "3: commit after a 3-chain of consecutive rounds (the paper, Diem); 2: Jolteon / Aptos."),
        ("base_timeout_ms", "A round's first timeout after a successful one, ms; it doubles per failed round."),
        ("max_timeout_ms", "The cap of the doubling timeout, ms."),
        ("min_round_ms", "A leader proposes no earlier than this after entering its round, ms (0: at once)."),
    ];

    fn defaults(slot_ms: u64, _nodes: usize) -> Self {
        Self::from_slot(slot_ms)
    }

    fn validate(&self, _nodes: usize) -> Result<(), String> {
        HotStuffParams::validate(self)
    }

    /// The commit rule decides which blocks are final; the timeouts do not.
    fn genesis_parts(&self) -> Vec<Vec<u8>> {
        vec![b"hotstuff".to_vec(), vec![self.commit_chain]]
    }
}
