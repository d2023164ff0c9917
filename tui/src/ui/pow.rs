//! Pow's nodes and miners panes, from each node's `PowDetail`.
//!
//! Rules:
//! - A block's slot is its height. A node's finalized block is its best-chain
//!   block with at least `k` confirmations, where confirmations =
//!   head height - block height + 1; `conf` shows that count over `k`, in
//!   the warning colour when below `k` (a node near genesis or just reorged).
//! - Nodes: head, the k-deep block's height and confirmations, hashrate share now, difficulty, private
//!   (withheld) blocks, reorgs as `count last/max depth`, peers, faults.
//!   A node without a detail yet shows `-`.
//! - Miners (the validators): genesis hashrate share (the stake is the share
//!   in percent), the share now as the miner's node reports it (warning
//!   colour when changed by a fault), status, blocks mined (distinct blocks
//!   seen with it as proposer) and private blocks.

use super::{UiState, nodes, validators};
use crate::cluster::{ClusterView, NodeView};
use devnet_node::consensus::{EngineDetail, PowDetail};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

pub fn detail(n: &NodeView) -> Option<&PowDetail> {
    match &n.detail {
        EngineDetail::Pow(d) => Some(d),
        _ => None,
    }
}

/// A count in at most 5 characters: `950`, `12.3k`, `4.1M`, `2.0G`.
pub fn si(x: u128) -> String {
    const UNITS: [(u128, &str); 5] =
        [(1_000_000_000_000_000, "P"), (1_000_000_000_000, "T"), (1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")];
    for (div, unit) in UNITS {
        if x >= div {
            return format!("{:.1}{unit}", x as f64 / div as f64);
        }
    }
    x.to_string()
}

/// Confirmations of the node's k-deep block.
pub fn confirmations(n: &NodeView) -> u64 {
    (n.head.height + 1).saturating_sub(n.finalized.block.height)
}

pub fn draw_nodes(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState) {
    let header = ["node", "state", "head", "k-deep conf", "hash%", "diff", "priv", "reorgs", "peers", "pool", "faults"];
    let rows = view.nodes.iter().enumerate().map(|(i, n)| {
        let d = detail(n);
        let conf = confirmations(n);
        let k = d.map_or(0, |d| d.k);
        let reorgs =
            if n.reorgs == 0 { "0".to_string() } else { format!("{} {}/{}", n.reorgs, n.last_reorg, n.deepest_reorg) };
        Row::new([
            nodes::id_cell(ui, i, n),
            nodes::state_cell(view, ui, n),
            Cell::from(format!("h{} {}", n.head.height, n.head.hash)),
            Cell::from(format!("h{} {}", n.finalized.block.height, d.map_or("-".into(), |_| format!("{conf}/{k}"))))
                .style(if conf < k { ui.theme.warn() } else { Default::default() }),
            Cell::from(d.map_or("-".into(), |d| format!("{}%", d.hashrate_percent))),
            Cell::from(d.map_or("-".into(), |d| si(d.difficulty as u128))),
            Cell::from(d.map_or("-".into(), |d| d.private_blocks.to_string()))
                .style(if d.is_some_and(|d| d.private_blocks > 0) { ui.theme.bad() } else { Default::default() }),
            Cell::from(reorgs),
            Cell::from(n.peers_up.len().to_string()),
            super::nodes::pool_cell(view, i),
            nodes::faults_cell(ui, n),
        ])
    });
    let widths = [
        Constraint::Length(5),
        Constraint::Length(16),
        Constraint::Length(13),
        Constraint::Length(11),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(4),
        Constraint::Length(7),
        Constraint::Length(5),
        Constraint::Length(4),
        Constraint::Min(0),
    ];
    nodes::draw_table(frame, area, view, ui, &header, rows.collect(), &widths);
}

pub fn draw_miners(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState) {
    let header = ["miner", "key", "genesis", "status", "now", "mined", "priv"];
    let rows = view.validators.rows.iter().map(|r| {
        let d = view.nodes.iter().find(|n| n.validator == Some(r.index)).and_then(detail);
        let [index, key, _stake, share, status] = validators::lead_cells(view, ui, r);
        let changed = d.is_some_and(|d| d.hashrate_percent as u64 != r.stake);
        Row::new([
            index,
            key,
            share,
            status,
            Cell::from(d.map_or("-".into(), |d| format!("{}%", d.hashrate_percent))).style(if changed {
                ui.theme.warn()
            } else {
                Default::default()
            }),
            Cell::from(r.proposed.to_string()),
            Cell::from(d.map_or("-".into(), |d| d.private_blocks.to_string())),
        ])
    });
    let widths = [
        Constraint::Length(5),
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Length(9),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(5),
    ];
    let title = "miners · hashrate in % of the genesis total";
    validators::draw_table(frame, area, ui, title, &header, rows.collect(), &widths);
}
