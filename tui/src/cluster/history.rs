//! What the dashboard remembers over time, bounded: per-node finality lag
//! (head slot minus finalized slot) sampled once per cluster slot, and a
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

    pub fn on_pruned(&mut self, blocks: u64, orphaned: u64, below_height: u64) {
        self.pruned.blocks += blocks;
        self.pruned.orphaned += orphaned;
        self.pruned.below_height = self.pruned.below_height.max(below_height);
    }
}
