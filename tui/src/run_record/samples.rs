//! `metrics.jsonl`: the figures of a run sampled once a second (`EVERY_MS`),
//! what `devnet report` plots. One `Sample` per line.
//!
//! Rules:
//! - `t_ms` counts from the run's start; `slot` is the cluster's current
//!   slot (a height for engines whose slots are heights).
//! - Per node: its process state (`-` before the supervisor reported it),
//!   head and finalized heights and slots, its finality lag in slots (the
//!   cluster's current slot minus the slot of the node's finalized block,
//!   so a BFT node that stops finalizing falls behind too, where head minus
//!   finalized would stay 0; none while its process is not running),
//!   reorgs so far, the deepest reorg it went through since the previous
//!   sample (0: none; filled in by `RunRecord`, which sees every event),
//!   transfers it holds final, and the labels of the faults
//!   in force on it (a process that is not running adds its state, so a
//!   crash shows as a fault window).
//! - Cluster-wide: failed tendermint rounds seen so far (distinct heights
//!   and rounds), the running load's figures, and the alarms raised so far.

use crate::cluster::ClusterView;
use crate::cluster::txs::LoadFigures;
use serde::{Deserialize, Serialize};

pub const EVERY_MS: u64 = 1_000;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeSample {
    pub id: String,
    pub state: String,
    pub head: u64,
    pub head_slot: u64,
    pub finalized: u64,
    pub finalized_slot: u64,
    pub lag: Option<u64>,
    pub reorgs: u64,
    /// The deepest reorg since the previous sample (absent in older records: 0).
    #[serde(default)]
    pub reorg_depth: u64,
    pub txs_final: u64,
    pub faults: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub t_ms: u64,
    pub slot: u64,
    pub nodes: Vec<NodeSample>,
    pub failed_rounds: u64,
    pub load: Option<LoadFigures>,
    pub alarms: u64,
}

impl Sample {
    /// The view at `now_ms`, for a run that started at `started_ms`.
    pub fn of(view: &ClusterView, started_ms: u64, now_ms: u64, failed_rounds: u64) -> Sample {
        let slot = view.current_slot(now_ms);
        let nodes = view
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let state = n.process.as_ref().map_or("-", |p| p.label()).to_string();
                let mut faults = n.faults.clone();
                if n.process.is_some() && !n.is_running() {
                    faults.insert(0, state.clone());
                }
                NodeSample {
                    id: n.id.clone(),
                    state,
                    head: n.head.height,
                    head_slot: n.head.slot,
                    finalized: n.finalized.block.height,
                    finalized_slot: n.finalized.block.slot,
                    lag: n.is_running().then(|| slot.saturating_sub(n.finalized.block.slot)),
                    reorgs: n.reorgs,
                    reorg_depth: 0,
                    txs_final: view.txs.nodes.get(i).map_or(0, |t| t.stats.finalized),
                    faults,
                }
            })
            .collect();
        Sample {
            t_ms: now_ms.saturating_sub(started_ms),
            slot,
            nodes,
            failed_rounds,
            load: view.txs.load.clone(),
            alarms: view.alarms.len() as u64,
        }
    }
}
