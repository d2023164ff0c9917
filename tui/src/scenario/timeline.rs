//! What a scenario run records for its checks: a sample of every node's
//! finality index (the finalized epoch for gasper, the finalized height for
//! tendermint and pow), head and state whenever one of them changes, plus
//! every slashing and reorg a node reported, and when each step ran. Times
//! are milliseconds since slot 0 by the orchestrator's clock.

use crate::cluster::{ClusterEvent, ClusterView};
use devnet_node::chain::Hash32;
use devnet_proto::v1::event::Kind;

#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub t: u64,
    /// Per node: finalized epoch (gasper) or height (tendermint, pow).
    pub finalized: Vec<u64>,
    pub heads: Vec<(Hash32, u64)>,
    pub running: Vec<bool>,
}

#[derive(Clone, Debug, Default)]
pub struct Timeline {
    pub samples: Vec<Sample>,
    /// (t, node, validator)
    pub slashed: Vec<(u64, usize, u32)>,
    /// (t, node, depth)
    pub reorgs: Vec<(u64, usize, u64)>,
    /// When each step ran (None: not reached).
    pub steps: Vec<Option<u64>>,
}

impl Timeline {
    pub fn new(steps: usize) -> Timeline {
        Timeline { steps: vec![None; steps], ..Default::default() }
    }

    /// Notes what an event says beyond the view (slashings and reorgs per node).
    pub fn on_event(&mut self, ev: &ClusterEvent, t: u64) {
        if let ClusterEvent::Node { node, event } = ev {
            match &event.kind {
                Some(Kind::Slashed(s)) => self.slashed.push((t, *node, s.validator)),
                Some(Kind::HeadChanged(h)) if h.reorg_depth > 0 => self.reorgs.push((t, *node, h.reorg_depth)),
                _ => {}
            }
        }
    }

    /// Samples the view if anything the checks read has changed.
    pub fn sample(&mut self, view: &ClusterView, t: u64) {
        let s = Sample {
            t,
            finalized: view.nodes.iter().map(|n| view.finality_index(&n.finalized)).collect(),
            heads: view.nodes.iter().map(|n| (n.head.hash, n.head.height)).collect(),
            running: view.nodes.iter().map(|n| n.is_running()).collect(),
        };
        let changed = self
            .samples
            .last()
            .is_none_or(|l| (&l.finalized, &l.heads, &l.running) != (&s.finalized, &s.heads, &s.running));
        if changed {
            self.samples.push(s);
        }
    }

    /// The last sample at or before `t` (the state of the cluster at `t`).
    pub fn at(&self, t: u64) -> Option<&Sample> {
        let i = self.samples.partition_point(|s| s.t <= t);
        i.checked_sub(1).map(|i| &self.samples[i])
    }

    /// Samples whose time lies in `[from, to]`, plus the state at `from`.
    pub fn between(&self, from: u64, to: u64) -> impl Iterator<Item = &Sample> {
        self.at(from).into_iter().chain(self.samples.iter().filter(move |s| s.t > from && s.t <= to))
    }
}

impl Sample {
    /// The highest finality index (epoch or height) any node reports.
    pub fn max_finalized(&self) -> u64 {
        self.finalized.iter().copied().max().unwrap_or(0)
    }
}
