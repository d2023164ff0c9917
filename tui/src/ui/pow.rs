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

use super::columns::Column;
use super::{UiState, nodes, validators};
use crate::cluster::{ClusterView, NodeView};
use devnet_node::consensus::{EngineDetail, PowDetail};
use ratatui::style::Style;
use ratatui::text::Span;

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

pub(super) fn node_rows(view: &ClusterView, ui: &UiState) -> nodes::NodeRows {
    let rows = view.nodes.iter().enumerate().map(|(i, n)| {
        let d = detail(n);
        let conf = confirmations(n);
        let k = d.map_or(0, |d| d.k);
        let reorgs =
            if n.reorgs == 0 { "0".to_string() } else { format!("{} {}/{}", n.reorgs, n.last_reorg, n.deepest_reorg) };
        vec![
            nodes::id_cell(ui, i, n),
            nodes::state_cell(view, ui, n),
            Span::raw(format!("h{} {}", n.head.height, n.head.hash)),
            Span::styled(
                format!("h{} {}", n.finalized.block.height, d.map_or("-".into(), |_| format!("{conf}/{k}"))),
                if conf < k { ui.theme.warn() } else { Style::new() },
            ),
            Span::raw(d.map_or("-".into(), |d| format!("{}%", d.hashrate_percent))),
            Span::raw(d.map_or("-".into(), |d| si(d.difficulty as u128))),
            Span::styled(
                d.map_or("-".into(), |d| d.private_blocks.to_string()),
                if d.is_some_and(|d| d.private_blocks > 0) { ui.theme.bad() } else { Style::new() },
            ),
            Span::raw(reorgs),
            Span::raw(n.peers_up.len().to_string()),
            super::nodes::pool_cell(view, i),
            nodes::faults_cell(ui, n),
        ]
    });
    (&NODE_COLUMNS, rows.collect())
}

/// Hidden first: pool, peers, priv, diff, reorgs, hash%, k-deep; then the faults.
const NODE_COLUMNS: [Column; 11] = [
    Column::kept("node", 4, 0),
    Column::kept("state", 7, 3),
    Column::kept("head", 12, 1),
    Column::new("k-deep conf", 8, 3),
    Column::new("hash%", 5, 4),
    Column::new("diff", 4, 7),
    Column::new("priv", 4, 8),
    Column::new("reorgs", 6, 6),
    Column::new("peers", 5, 9),
    Column::new("pool", 4, 10),
    Column::new("faults", 12, 2),
];

/// Hidden first: priv, the key, mined.
const MINER_COLUMNS: [Column; 7] = [
    Column::kept("miner", 5, 0),
    Column::new("key", 8, 5),
    Column::kept("genesis", 7, 0),
    Column::kept("status", 6, 1),
    Column::kept("now", 4, 0),
    Column::new("mined", 5, 4),
    Column::new("priv", 4, 6),
];

pub(super) fn miners(view: &ClusterView, ui: &UiState) -> validators::ValidatorTable {
    let rows = view.validators.rows.iter().map(|r| {
        let d = view.nodes.iter().find(|n| n.validator == Some(r.index)).and_then(detail);
        let [index, key, _stake, share, status] = validators::lead_cells(view, ui, r);
        let changed = d.is_some_and(|d| d.hashrate_percent as u64 != r.stake);
        vec![
            index,
            key,
            share,
            status,
            Span::styled(
                d.map_or("-".into(), |d| format!("{}%", d.hashrate_percent)),
                if changed { ui.theme.warn() } else { Style::new() },
            ),
            Span::raw(r.proposed.to_string()),
            Span::raw(d.map_or("-".into(), |d| d.private_blocks.to_string())),
        ]
    });
    let title = "miners · hashrate in % of the genesis total".to_string();
    validators::ValidatorTable { title, columns: &MINER_COLUMNS, rows: rows.collect() }
}
