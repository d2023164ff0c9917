//! Transaction figures of the cluster, as the nodes report them: each
//! node's counters and traffic from its `Status`, block fullness from
//! `BlockImported`, and rates over time from one sample a second.
//!
//! Rules:
//! - Rates are differences of consecutive samples (orchestrator clock), per
//!   node and clipped at zero, so a node that restarts (its counters start
//!   over) adds nothing for that second instead of a negative rate.
//! - Offered TPS is the sum over nodes of client submissions a second;
//!   finalized TPS is the fastest node's finalized transfers a second (every
//!   node finalizes the same transfers; the fastest is the cluster's pace).
//! - At most `TX_SAMPLES` samples and `RECENT_BLOCKS` block sizes are kept.
//! - Latency is not a node's to know (the node that finalizes a transfer
//!   does not know when a client sent it): it comes from a load generator
//!   run by this devnet (`load`), when one runs.

use devnet_node::chain::Hash32;
use devnet_proto::v1 as pb;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub const TX_SAMPLES: usize = 600;
pub const RECENT_BLOCKS: usize = 64;
/// Samples (seconds) the current TPS is taken over.
pub const TPS_WINDOW: usize = 3;
/// Reverted transfer ids remembered (they come only from double spends).
pub const REVERTED_MAX: usize = 10_000;

/// A pow attacker's double spend, as it reported releasing it.
#[derive(Clone, Debug, PartialEq)]
pub struct DoubleSpendSeen {
    pub time_ms: u64,
    pub node: usize,
    pub paid: Hash32,
    pub spent: Hash32,
    pub from: u32,
    pub payee: u32,
    pub elsewhere: u32,
    pub amount: u64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeTxs {
    pub stats: pb::TxStats,
    pub traffic: Vec<pb::KindTraffic>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TxSample {
    pub time_ms: u64,
    pub submitted: Vec<u64>,
    pub finalized: Vec<u64>,
    pub bytes_sent: Vec<u64>,
    pub messages_sent: Vec<u64>,
}

/// Figures of a load this devnet runs (from the load generator). Kept as
/// they are in a run's record (`run_record`): `final` on the wire.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct LoadFigures {
    pub rate: f64,
    pub submitted: u64,
    #[serde(rename = "final")]
    pub final_: u64,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

#[derive(Clone, Debug, Default)]
pub struct TxFigures {
    pub max_block_txs: u32,
    pub nodes: Vec<NodeTxs>,
    pub samples: VecDeque<TxSample>,
    recent_blocks: VecDeque<u32>,
    pub load: Option<LoadFigures>,
    pub double_spends: Vec<DoubleSpendSeen>,
    /// Transfer id -> the nodes that saw it reverted (`TxsReverted`).
    pub reverted: BTreeMap<Hash32, BTreeSet<usize>>,
}

/// Per-node differences between two counters, clipped at zero.
fn deltas(new: &[u64], old: &[u64]) -> impl Iterator<Item = u64> {
    new.iter().zip(old).map(|(n, o)| n.saturating_sub(*o))
}

impl TxFigures {
    pub fn new(nodes: usize) -> TxFigures {
        TxFigures { nodes: vec![NodeTxs::default(); nodes], ..Default::default() }
    }

    pub fn on_status(&mut self, node: usize, s: &pb::NodeStatus) {
        if self.nodes.len() <= node {
            self.nodes.resize(node + 1, NodeTxs::default());
        }
        self.nodes[node] = NodeTxs { stats: s.txs.unwrap_or_default(), traffic: s.traffic.clone() };
    }

    pub fn on_reverted(&mut self, node: usize, ids: &[Vec<u8>]) {
        for id in ids {
            let Some(id) = Hash32::from_slice(id) else { continue };
            if self.reverted.len() >= REVERTED_MAX && !self.reverted.contains_key(&id) {
                continue;
            }
            self.reverted.entry(id).or_default().insert(node);
        }
    }

    /// A block first seen, with this many transfers.
    pub fn on_block(&mut self, txs: u32) {
        if self.recent_blocks.len() == RECENT_BLOCKS {
            self.recent_blocks.pop_front();
        }
        self.recent_blocks.push_back(txs);
    }

    /// Takes a sample if a second has passed since the last one.
    pub fn sample(&mut self, now_ms: u64) {
        if self.samples.back().is_some_and(|s| now_ms < s.time_ms + 1000) {
            return;
        }
        if self.samples.len() == TX_SAMPLES {
            self.samples.pop_front();
        }
        let sum = |f: fn(&pb::KindTraffic) -> u64, n: &NodeTxs| n.traffic.iter().map(f).sum::<u64>();
        self.samples.push_back(TxSample {
            time_ms: now_ms,
            submitted: self.nodes.iter().map(|n| n.stats.submitted).collect(),
            finalized: self.nodes.iter().map(|n| n.stats.finalized).collect(),
            bytes_sent: self.nodes.iter().map(|n| sum(|t| t.bytes_sent, n)).collect(),
            messages_sent: self.nodes.iter().map(|n| sum(|t| t.messages_sent, n)).collect(),
        });
    }

    /// (offered, finalized) transfers a second between samples `i - 1` and `i`.
    fn rates_at(&self, i: usize) -> Option<(f64, f64)> {
        self.rates_between(i.checked_sub(1)?, i)
    }

    /// (offered, finalized) transfers a second from sample `from` to sample `to`.
    fn rates_between(&self, from: usize, to: usize) -> Option<(f64, f64)> {
        let (a, b) = (self.samples.get(from)?, self.samples.get(to)?);
        let dt = (b.time_ms.saturating_sub(a.time_ms)) as f64 / 1000.0;
        if dt <= 0.0 {
            return None;
        }
        let offered: u64 = deltas(&b.submitted, &a.submitted).sum();
        let fin = deltas(&b.finalized, &a.finalized).max().unwrap_or(0);
        Some((offered as f64 / dt, fin as f64 / dt))
    }

    /// The (offered, finalized) TPS over the last `TPS_WINDOW` samples; zeros
    /// before two. Node statuses arrive on their own schedule, so one second
    /// can hold two of a node's updates and the next none: a few seconds
    /// together read steady.
    pub fn tps(&self) -> (f64, f64) {
        let Some(last) = self.samples.len().checked_sub(1) else { return (0.0, 0.0) };
        self.rates_between(last.saturating_sub(TPS_WINDOW), last).unwrap_or((0.0, 0.0))
    }

    /// The last `n` (offered, finalized) TPS, oldest first.
    pub fn tps_series(&self, n: usize) -> Vec<(f64, f64)> {
        let len = self.samples.len();
        (len.saturating_sub(n).max(1)..len).filter_map(|i| self.rates_at(i)).collect()
    }

    /// Bytes and messages each node sent in the last second.
    pub fn traffic_rates(&self) -> Vec<(f64, f64)> {
        let len = self.samples.len();
        let (Some(a), Some(b)) = (len.checked_sub(2).and_then(|i| self.samples.get(i)), self.samples.back()) else {
            return vec![(0.0, 0.0); self.nodes.len()];
        };
        let dt = (b.time_ms.saturating_sub(a.time_ms)).max(1) as f64 / 1000.0;
        deltas(&b.bytes_sent, &a.bytes_sent)
            .zip(deltas(&b.messages_sent, &a.messages_sent))
            .map(|(by, m)| (by as f64 / dt, m as f64 / dt))
            .collect()
    }

    /// Mean transfers per recent block, and that as a share of `max_block_txs`.
    pub fn fullness(&self) -> (f64, f64) {
        if self.recent_blocks.is_empty() {
            return (0.0, 0.0);
        }
        let mean = self.recent_blocks.iter().map(|t| *t as f64).sum::<f64>() / self.recent_blocks.len() as f64;
        (mean, if self.max_block_txs == 0 { 0.0 } else { mean / self.max_block_txs as f64 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(submitted: u64, finalized: u64) -> pb::NodeStatus {
        pb::NodeStatus { txs: Some(pb::TxStats { submitted, finalized, ..Default::default() }), ..Default::default() }
    }

    #[test]
    fn rates_sum_offered_take_the_fastest_finalizer_and_ignore_restarts() {
        let mut f = TxFigures::new(2);
        f.on_status(0, &status(100, 50));
        f.on_status(1, &status(100, 40));
        f.sample(1000);
        f.sample(1500); // within the second: no new sample
        f.on_status(0, &status(300, 250));
        f.on_status(1, &status(5, 240)); // n1 restarted: its submissions start over
        f.sample(2000);
        assert_eq!(f.samples.len(), 2);
        assert_eq!(f.tps(), (200.0, 200.0));
        assert_eq!(f.tps_series(10), vec![(200.0, 200.0)]);
    }

    #[test]
    fn fullness_is_the_mean_of_recent_blocks_against_the_limit() {
        let mut f = TxFigures { max_block_txs: 100, ..TxFigures::new(1) };
        assert_eq!(f.fullness(), (0.0, 0.0));
        for t in [10, 30] {
            f.on_block(t);
        }
        assert_eq!(f.fullness(), (20.0, 0.2));
        for _ in 0..RECENT_BLOCKS {
            f.on_block(100);
        }
        assert_eq!(f.fullness(), (100.0, 1.0), "only the recent blocks count");
    }
}
