//! `PowParams`: devnet.toml's `[pow]` table. The block interval, the
//! retarget window and the puzzle decide which blocks are valid, so they are
//! mixed into the genesis hash; `k`, the fork-choice rule and the hashrate
//! shares are each node's view and the orchestrator's, and are not.

use crate::consensus::params::EngineParams;
use serde::{Deserialize, Serialize};

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

/// `n` integer percentages as equal as they go, adding up to 100 (the first
/// nodes take the remainder): 4 -> [25, 25, 25, 25], 3 -> [34, 33, 33].
pub fn equal_shares(n: usize) -> Vec<u32> {
    let n32 = n.max(1) as u32;
    (0..n as u32).map(|i| 100 / n32 + u32::from(i < 100 % n32)).collect()
}

impl EngineParams for PowParams {
    const ENGINE: &'static str = "pow";
    const PER_NODE: &'static [&'static str] = &["hashrate"];
    const DOCS: &'static [(&'static str, &'static str)] = &[
        ("block_ms", "Target block interval of the whole cluster, ms."),
        ("k", "Confirmations after which a block counts as final."),
        ("fork_choice", "\"longest\" (most blocks), \"heaviest\" (most work) or \"ghost\" (heaviest subtree)."),
        ("hashrate", "Percent of the cluster's hashrate per node, adding up to 100 ([]: equal shares)."),
        ("retarget_window", "Blocks per difficulty retarget."),
        ("puzzle_bits", "Leading zero bits of the sha256 puzzle per block (at most 20)."),
    ];

    /// `from_slot`, with the hashrate split equally among `nodes`.
    fn defaults(slot_ms: u64, nodes: usize) -> Self {
        PowParams { hashrate: equal_shares(nodes), ..Self::from_slot(slot_ms) }
    }

    /// `hashrate = []`: equal shares, written out.
    fn settle(&mut self, nodes: usize) {
        if self.hashrate.is_empty() {
            self.hashrate = equal_shares(nodes);
        }
    }

    fn validate(&self, nodes: usize) -> Result<(), String> {
        let ranges = [
            ("block_ms", self.block_ms, 10, 600_000, " ms"),
            ("k", self.k, 1, 1000, ""),
            ("retarget_window", self.retarget_window, 2, 100_000, ""),
            ("puzzle_bits", u64::from(self.puzzle_bits), 0, 20, ""),
        ];
        for (key, v, lo, hi, unit) in ranges {
            if !(lo..=hi).contains(&v) {
                return Err(format!("`pow.{key}` must be an integer from {lo} to {hi}{unit}, found {v}"));
            }
        }
        let h = &self.hashrate;
        if h.len() != nodes {
            return Err(format!(
                "`pow.hashrate` must list one percentage per node ({nodes}), found {} entries",
                h.len()
            ));
        }
        if let Some(bad) = h.iter().find(|x| **x > 100) {
            return Err(format!("`pow.hashrate` entries are percentages from 0 to 100, found {bad}"));
        }
        let sum: u32 = h.iter().sum();
        if sum != 100 {
            return Err(format!(
                "`pow.hashrate` must add up to 100 (percent of the cluster's hashrate), found {h:?} = {sum}"
            ));
        }
        Ok(())
    }

    fn genesis_parts(&self) -> Vec<Vec<u8>> {
        vec![
            b"pow".to_vec(),
            self.block_ms.to_be_bytes().to_vec(),
            self.retarget_window.to_be_bytes().to_vec(),
            self.puzzle_bits.to_be_bytes().to_vec(),
        ]
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn equal_hashrate_shares_add_up_to_100() {
        assert_eq!(super::equal_shares(4), vec![25; 4]);
        assert_eq!(super::equal_shares(3), vec![34, 33, 33]);
        assert_eq!(super::equal_shares(7).iter().sum::<u32>(), 100);
    }
}
