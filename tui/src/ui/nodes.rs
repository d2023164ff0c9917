//! The nodes table: state (with Byzantine behaviour), head, justified,
//! finalized, lag, peers, mempool size, reorgs, and the faults in force on the node.
//! States are words, so they read without colour. Tendermint and pow draw
//! their own columns (`super::tendermint`, `super::pow`) in the same frame
//! (`draw_table`): node, state first, faults last.

use super::{Pane, UiState, pane_block};
use crate::cluster::engine::EngineKind;
use crate::cluster::{ClusterView, NodeView};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Cell, Row, Table, TableState};

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
pub(super) fn id_cell(ui: &UiState, i: usize, n: &NodeView) -> Cell<'static> {
    Cell::from(if ui.marked.contains(&i) { format!("*{}", n.id) } else { n.id.clone() })
}

pub(super) fn state_cell(view: &ClusterView, ui: &UiState, n: &NodeView) -> Cell<'static> {
    Cell::from(state_text(view, n)).style(state_style(ui, n))
}

/// Transfers in the node's mempool.
pub(super) fn pool_cell(view: &ClusterView, i: usize) -> Cell<'static> {
    let n = view.txs.nodes.get(i).map_or(0, |x| x.stats.mempool_txs);
    Cell::from(super::txs::short(n as f64))
}

pub(super) fn faults_cell(ui: &UiState, n: &NodeView) -> Cell<'static> {
    Cell::from(n.faults.join(", ")).style(ui.theme.warn())
}

/// The table in the nodes pane's frame, with the selected node highlighted.
pub(super) fn draw_table<'a>(
    frame: &mut Frame,
    area: Rect,
    view: &ClusterView,
    ui: &UiState,
    header: &[&'a str],
    rows: Vec<Row<'a>>,
    widths: &[Constraint],
) {
    let header = Row::new(header.to_vec()).style(Style::new().add_modifier(Modifier::BOLD));
    let table = Table::new(rows, widths.to_vec())
        .header(header)
        .block(pane_block("nodes", ui.focus == Pane::Nodes))
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .highlight_symbol("▶ ");
    let mut state = TableState::default().with_selected(Some(ui.selected.min(view.nodes.len().saturating_sub(1))));
    frame.render_stateful_widget(table, area, &mut state);
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState) {
    match view.kind() {
        EngineKind::Tendermint => return super::tendermint::draw_nodes(frame, area, view, ui),
        EngineKind::Pow => return super::pow::draw_nodes(frame, area, view, ui),
        EngineKind::Gasper => {}
    }
    let header = ["node", "state", "head", "just.", "finalized", "lag", "peers", "pool", "reorgs", "faults"];
    let rows = view.nodes.iter().enumerate().map(|(i, n)| {
        Row::new([
            id_cell(ui, i, n),
            state_cell(view, ui, n),
            Cell::from(format!("s{} h{} {}", n.head.slot, n.head.height, n.head.hash)),
            Cell::from(format!("e{}", n.justified.epoch)),
            Cell::from(format!("e{} h{} {}", n.finalized.epoch, n.finalized.block.height, n.finalized.block.hash)),
            Cell::from(n.lag_slots().to_string()),
            Cell::from(n.peers_up.len().to_string()),
            pool_cell(view, i),
            Cell::from(if n.deepest_reorg > 0 {
                format!("{}/{}", n.reorgs, n.deepest_reorg)
            } else {
                n.reorgs.to_string()
            }),
            faults_cell(ui, n),
        ])
    });
    let widths = [
        Constraint::Length(5),
        Constraint::Length(16),
        Constraint::Length(17),
        Constraint::Length(5),
        Constraint::Length(18),
        Constraint::Length(4),
        Constraint::Length(5),
        Constraint::Length(4),
        Constraint::Length(6),
        Constraint::Min(0),
    ];
    draw_table(frame, area, view, ui, &header, rows.collect(), &widths);
}
