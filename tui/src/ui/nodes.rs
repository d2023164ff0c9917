//! The nodes table: state (with Byzantine behaviour), head, justified,
//! finalized, lag, peers, mempool size, reorgs, and the faults in force on the node.
//! States are words, so they read without colour. Tendermint and pow draw
//! their own columns (`super::tendermint`, `super::pow`) in the same frame
//! (`draw_table`): node, state first, faults last.
//!
//! Widths come from the cells (`super::columns`). The node, its state and
//! its head are never hidden; when the pane is narrow the mempool, reorgs,
//! peers, justified and finalized columns go first, in that order, then the
//! lag, then the faults (shortened before they are hidden).

use super::columns::Column;
use super::table::{self, TableSpec};
use super::{Pane, UiState};
use crate::cluster::engine::EngineKind;
use crate::cluster::{ClusterView, NodeView};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;

/// The state word: process state, "no rpc" when the observer is not
/// connected, and the Byzantine behaviour the node reports.
pub fn state_text(view: &ClusterView, n: &NodeView) -> String {
    let mut s =
        if n.is_running() && !n.connected { "running (no rpc)".to_string() } else { n.state_label().to_string() };
    let behaviour = n.validator.and_then(|v| view.validators.rows.get(v as usize)).map_or("", |r| r.behaviour.as_str());
    if !behaviour.is_empty() && behaviour != "honest" {
        s.push_str(&format!(" byz:{behaviour}"));
    }
    s
}

pub(super) fn state_style(ui: &UiState, n: &NodeView) -> Style {
    let t = ui.theme;
    match n.state_label() {
        "running" if n.connected => t.ok(),
        "running" | "starting" => t.warn(),
        "paused" => t.info(),
        _ => t.bad(),
    }
}

/// The node's name, `*`-prefixed when marked.
pub(super) fn id_cell(ui: &UiState, i: usize, n: &NodeView) -> Span<'static> {
    Span::raw(if ui.marked.contains(&i) { format!("*{}", n.id) } else { n.id.clone() })
}

pub(super) fn state_cell(view: &ClusterView, ui: &UiState, n: &NodeView) -> Span<'static> {
    Span::styled(state_text(view, n), state_style(ui, n))
}

/// Transfers in the node's mempool.
pub(super) fn pool_cell(view: &ClusterView, i: usize) -> Span<'static> {
    let n = view.txs.nodes.get(i).map_or(0, |x| x.stats.mempool_txs);
    Span::raw(super::txs::short(n as f64))
}

pub(super) fn faults_cell(ui: &UiState, n: &NodeView) -> Span<'static> {
    Span::styled(n.faults.join(", "), ui.theme.warn())
}

pub(super) const COLUMNS: [Column; 10] = [
    Column::kept("node", 4, 0),
    Column::kept("state", 7, 3),
    Column::kept("head", 14, 1),
    Column::new("just.", 5, 5),
    Column::new("finalized", 10, 4),
    Column::new("lag", 3, 3),
    Column::new("peers", 5, 6),
    Column::new("pool", 4, 8),
    Column::new("reorgs", 6, 7),
    Column::new("faults", 12, 2),
];

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState) {
    let (columns, rows) = match view.kind() {
        EngineKind::Tendermint => super::tendermint::node_rows(view, ui),
        EngineKind::Pow => super::pow::node_rows(view, ui),
        EngineKind::Gasper => gasper_rows(view, ui),
    };
    let spec = TableSpec {
        title: "nodes",
        focused: ui.focus == Pane::Nodes,
        columns,
        rows,
        selected: Some(ui.selected),
        symbol: "▶ ",
    };
    table::draw(frame, area, spec);
}

/// The cells of the nodes table, one row per node.
pub(super) type NodeRows = (&'static [Column], Vec<Vec<Span<'static>>>);

fn gasper_rows(view: &ClusterView, ui: &UiState) -> NodeRows {
    let rows = view.nodes.iter().enumerate().map(|(i, n)| {
        vec![
            id_cell(ui, i, n),
            state_cell(view, ui, n),
            Span::raw(format!("s{} h{} {}", n.head.slot, n.head.height, n.head.hash)),
            Span::raw(format!("e{}", n.justified.epoch)),
            Span::raw(format!("e{} h{} {}", n.finalized.epoch, n.finalized.block.height, n.finalized.block.hash)),
            Span::raw(n.lag_slots().to_string()),
            Span::raw(n.peers_up.len().to_string()),
            pool_cell(view, i),
            Span::raw(if n.deepest_reorg > 0 {
                format!("{}/{}", n.reorgs, n.deepest_reorg)
            } else {
                n.reorgs.to_string()
            }),
            faults_cell(ui, n),
        ]
    });
    (&COLUMNS, rows.collect())
}
