//! What the dashboard remembers over time, bounded: per-node finality lag
//! (head slot minus finalized slot) sampled once per cluster slot, per-node
//! time since the last finality sampled every `TIME_BUCKET_MS`, and a
//! summary of the blocks pruned from the view.
//!
//! Rules:
//! - One sample per cluster slot (orchestrator clock), holding the nodes'
//!   latest reports within that slot; a node whose
//!   process is not running has no value in it (a gap in its line).
//! - At most `LAG_SAMPLES` samples are kept; the oldest go first.
//! - Pruned blocks are counted (all, and those not on the chain that was
//!   finalized), so the summary outlives the blocks themselves.

use super::view::NodeView;
use std::collections::VecDeque;

pub const LAG_SAMPLES: usize = 1200;
/// Time-keyed samples (`since_final`) are taken every this many ms.
pub const TIME_BUCKET_MS: u64 = 250;

/// Per node, ms since its finalized block last moved up, at time `t_ms`.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeSample {
    pub t_ms: u64,
    /// One entry per node: `None` when the node was not running.
    pub since: Vec<Option<u64>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LagSample {
    pub slot: u64,
    /// One entry per node: `None` when the node was not running.
    pub lag: Vec<Option<u64>>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PruneSummary {
    pub blocks: u64,
    pub orphaned: u64,
    /// Height below which blocks have been pruned.
    pub below_height: u64,
}

#[derive(Clone, Debug, Default)]
pub struct History {
    pub lag: VecDeque<LagSample>,
    /// Keyed by time, not slot: where slots are heights, a stall stops the
    /// heights, and only time shows how long it lasts (the BFT lag chart).
    pub since_final: VecDeque<TimeSample>,
    pub pruned: PruneSummary,
}

impl History {
    pub fn sample(&mut self, slot: u64, nodes: &[NodeView]) {
        if let Some(last) = self.lag.back_mut()
            && last.slot >= slot
        {
            // Same slot: keep its latest values.
            for (v, n) in last.lag.iter_mut().zip(nodes) {
                *v = n.is_running().then(|| n.lag_slots());
            }
            return;
        }
        if self.lag.len() == LAG_SAMPLES {
            self.lag.pop_front();
        }
        let lag = nodes.iter().map(|n| n.is_running().then(|| n.lag_slots())).collect();
        self.lag.push_back(LagSample { slot, lag });
    }

    /// Samples the time since each node's last finality, once per
    /// `TIME_BUCKET_MS`; whether a new sample was taken.
    pub fn sample_time(&mut self, now_ms: u64, genesis_ms: u64, nodes: &[NodeView]) -> bool {
        let bucket = now_ms / TIME_BUCKET_MS;
        let since = nodes
            .iter()
            .map(|n| n.is_running().then(|| now_ms.saturating_sub(n.finalized_ms.unwrap_or(genesis_ms))))
            .collect();
        if let Some(last) = self.since_final.back_mut()
            && last.t_ms / TIME_BUCKET_MS >= bucket
        {
            last.since = since;
            return false;
        }
        if self.since_final.len() == LAG_SAMPLES {
            self.since_final.pop_front();
        }
        self.since_final.push_back(TimeSample { t_ms: now_ms, since });
        true
    }

    pub fn on_pruned(&mut self, blocks: u64, orphaned: u64, below_height: u64) {
        self.pruned.blocks += blocks;
        self.pruned.orphaned += orphaned;
        self.pruned.below_height = self.pruned.below_height.max(below_height);
    }
}
