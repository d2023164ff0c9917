//! `PbftParams` (R13): the checkpoint interval K, the watermark window L,
//! the view-change timer and the pacing of the primary. None of them decide
//! which blocks are valid, so none is mixed into the genesis hash.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct PbftParams {
    /// K: a checkpoint every K sequence numbers (R8).
    pub checkpoint_interval: u64,
    /// L: sequence numbers are accepted in `(h, h + L]`, `h` the stable checkpoint (R3).
    pub watermark_window: u64,
    /// The view-change timer's first period (R9).
    pub view_change_timeout_ms: u64,
    /// The timer doubles on each successive view change up to this (R9).
    pub max_view_change_timeout_ms: u64,
    /// The primary waits this long after a commit before the next pre-prepare;
    /// 0 proposes as soon as it may, within the input that committed (R4).
    pub pacing_ms: u64,
}

impl PbftParams {
    /// Defaults for a cluster whose `slot_ms` is the intended block time.
    pub fn from_slot(slot_ms: u64) -> Self {
        PbftParams {
            checkpoint_interval: 10,
            watermark_window: 40,
            view_change_timeout_ms: slot_ms.saturating_mul(4),
            max_view_change_timeout_ms: slot_ms.saturating_mul(64),
            pacing_ms: slot_ms,
        }
    }

    /// What makes the parameters unusable, naming the key and what was expected.
    pub fn validate(&self) -> Result<(), String> {
        if self.checkpoint_interval == 0 {
            return Err("pbft.checkpoint_interval: expected at least 1, found 0".into());
        }
        if self.watermark_window < self.checkpoint_interval {
            return Err(format!(
                "pbft.watermark_window: expected at least checkpoint_interval ({}), found {}",
                self.checkpoint_interval, self.watermark_window
            ));
        }
        if self.view_change_timeout_ms == 0 {
            return Err("pbft.view_change_timeout_ms: expected at least 1, found 0".into());
        }
        if self.max_view_change_timeout_ms < self.view_change_timeout_ms {
            return Err(format!(
                "pbft.max_view_change_timeout_ms: expected at least view_change_timeout_ms ({}), found {}",
                self.view_change_timeout_ms, self.max_view_change_timeout_ms
            ));
        }
        Ok(())
    }

    /// R9: the timer's period after `failed` successive view changes.
    pub fn timeout_after(&self, failed: u32) -> u64 {
        let doubled = self.view_change_timeout_ms.checked_shl(failed.min(63)).unwrap_or(u64::MAX);
        let doubled =
            if failed >= 64 || doubled >> failed.min(63) != self.view_change_timeout_ms { u64::MAX } else { doubled };
        doubled.min(self.max_view_change_timeout_ms)
    }
}

impl Default for PbftParams {
    fn default() -> Self {
        Self::from_slot(1000)
    }
}

impl crate::consensus::params::EngineParams for PbftParams {
    const ENGINE: &'static str = "pbft";
    const DOCS: &'static [(&'static str, &'static str)] = &[
        ("checkpoint_interval", "K: a checkpoint every K sequence numbers."),
        ("watermark_window", "L: sequence numbers accepted above the stable checkpoint (at least K)."),
        ("view_change_timeout_ms", "The view-change timer's first period, ms; it doubles per failed view."),
        ("max_view_change_timeout_ms", "The cap of the doubling view-change timer, ms."),
        ("pacing_ms", "The primary's pause after a commit before the next pre-prepare, ms (0: at once)."),
    ];

    fn defaults(slot_ms: u64, _nodes: usize) -> Self {
        Self::from_slot(slot_ms)
    }

    fn validate(&self, _nodes: usize) -> Result<(), String> {
        PbftParams::validate(self)
    }
}
