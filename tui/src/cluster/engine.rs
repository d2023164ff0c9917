//! What the engine says about itself, for the dashboard: its description
//! (words, columns, marks; `devnet_node::consensus::describe`) and the
//! rounds that failed at each height (`RoundFailed` events).
//!
//! Rules:
//! - The engine is named by the cluster (`devnet.toml`'s `consensus`); its
//!   description comes from the node crate's registry, the same code the
//!   nodes run. A name the registry does not know draws with
//!   `describe::UNKNOWN`: what every engine reports, nothing engine-specific.
//! - A node's `Detail` is replaced by each `Status` (decoded by
//!   `devnet_node::api::detail`, never an error); a status without one
//!   leaves it empty. Nothing here re-runs engine logic: between two
//!   statuses the detail shows what the node last said.
//! - Failed rounds are the union over all nodes (a round one node left
//!   without a commit is a failed round of the cluster's run), kept for the
//!   newest `FAILED_HEIGHTS` heights and pruned with the blocks.

use devnet_node::consensus::describe::{self, Description};
use std::collections::{BTreeMap, BTreeSet};

/// Heights whose failed rounds are kept.
pub const FAILED_HEIGHTS: usize = 1024;

/// How the engine called `name` shows itself.
pub fn description(name: &str) -> &'static Description {
    devnet_node::consensus::description(name).unwrap_or(&describe::UNKNOWN)
}

/// Rounds left without a commit, by height.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FailedRounds {
    by_height: BTreeMap<u64, BTreeSet<u64>>,
}

impl FailedRounds {
    /// Whether this is the first report of that round.
    pub fn record(&mut self, height: u64, round: u64) -> bool {
        let new = self.by_height.entry(height).or_default().insert(round);
        while self.by_height.len() > FAILED_HEIGHTS {
            self.by_height.pop_first();
        }
        new
    }
    /// The failed rounds of `height`, lowest first.
    pub fn at(&self, height: u64) -> impl Iterator<Item = u64> + '_ {
        self.by_height.get(&height).into_iter().flatten().copied()
    }
    /// Heights in `lo..=hi` with at least one failed round.
    pub fn heights(&self, lo: u64, hi: u64) -> impl Iterator<Item = (u64, &BTreeSet<u64>)> + '_ {
        self.by_height.range(lo..=hi.max(lo)).map(|(h, r)| (*h, r))
    }
    /// Failed rounds in all kept heights.
    pub fn total(&self) -> usize {
        self.by_height.values().map(|r| r.len()).sum()
    }
    pub fn prune_below(&mut self, height: u64) {
        self.by_height = self.by_height.split_off(&height);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_engines_draw_with_the_common_columns() {
        assert_eq!(description("tendermint").engine, "tendermint");
        assert_eq!(description("no-such-engine").engine, "unknown");
    }

    #[test]
    fn failed_rounds_are_a_bounded_union_by_height() {
        let mut f = FailedRounds::default();
        assert!(f.record(3, 1));
        assert!(f.record(3, 0));
        assert!(!f.record(3, 0));
        f.record(7, 0);
        assert_eq!(f.at(3).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(f.heights(4, 10).map(|(h, _)| h).collect::<Vec<_>>(), vec![7]);
        assert_eq!(f.total(), 3);
        f.prune_below(4);
        assert_eq!(f.at(3).count(), 0);
        for h in 0..(FAILED_HEIGHTS as u64 + 10) {
            f.record(h, 0);
        }
        assert_eq!(f.total(), FAILED_HEIGHTS);
        assert_eq!(f.at(0).count(), 0);
    }
}
