//! The nodes table: the node and its state (with Byzantine behaviour) first,
//! then the columns the engine's description names (`super::cells` fills
//! them: head, finality, lag, peers, mempool, reorgs, faults, and the
//! engine's own cells). States are words, so they read without colour.
//!
//! Widths come from the cells (`super::columns`). The node and its state
//! are never hidden; what goes first when the pane is narrow is each
//! column's priority in the description.

use super::columns::Column;
use super::table::{self, TableSpec};
use super::{Pane, UiState};
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

const NODE: Column = Column::kept("node", 4, 0);
const STATE: Column = Column::kept("state", 7, 3);

/// The columns: node, state, then the description's.
pub(super) fn columns(view: &ClusterView) -> Vec<Column> {
    let d = view.desc();
    [NODE, STATE].into_iter().chain(d.node_columns.iter().map(Column::from_description)).collect()
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState) {
    let columns = columns(view);
    let sources = view.desc().node_columns;
    let rows = view
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut row = vec![id_cell(ui, i, n), state_cell(view, ui, n)];
            row.extend(sources.iter().map(|c| super::cells::node_cell(view, ui, i, n, c.source)));
            row
        })
        .collect();
    let spec = TableSpec {
        title: "nodes",
        focused: ui.focus == Pane::Nodes,
        columns: &columns,
        rows,
        selected: Some(ui.selected),
        symbol: "▶ ",
    };
    table::draw(frame, area, spec);
}
