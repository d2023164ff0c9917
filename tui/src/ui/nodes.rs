//! The nodes table: state, head, justified, finalized, lag, peers, reorgs.

use super::{Pane, UiState, pane_block};
use crate::cluster::{ClusterView, NodeView};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Cell, Row, Table, TableState};

fn state_style(n: &NodeView) -> Style {
    match n.state_label() {
        "running" if n.connected => Style::new().fg(Color::Green),
        "running" | "starting" => Style::new().fg(Color::Yellow),
        "paused" => Style::new().fg(Color::Cyan),
        _ => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState) {
    let header = Row::new(["node", "state", "head", "justified", "finalized", "lag", "peers", "reorgs", "faults"])
        .style(Style::new().add_modifier(Modifier::BOLD));
    let rows = view.nodes.iter().enumerate().map(|(i, n)| {
        let state = if n.is_running() && !n.connected { "running (no rpc)" } else { n.state_label() };
        Row::new([
            Cell::from(if ui.marked.contains(&i) { format!("*{}", n.id) } else { n.id.clone() }),
            Cell::from(state).style(state_style(n)),
            Cell::from(format!("s{} h{} {}", n.head.slot, n.head.height, n.head.hash)),
            Cell::from(format!("e{}", n.justified.epoch)),
            Cell::from(format!("e{} h{} {}", n.finalized.epoch, n.finalized.block.height, n.finalized.block.hash)),
            Cell::from(n.lag_slots().to_string()),
            Cell::from(n.peers_up.len().to_string()),
            Cell::from(if n.deepest_reorg > 0 {
                format!("{} (max {})", n.reorgs, n.deepest_reorg)
            } else {
                n.reorgs.to_string()
            }),
            Cell::from(n.faults.join(", ")).style(Style::new().fg(Color::Magenta)),
        ])
    });
    let widths = [
        Constraint::Length(9),
        Constraint::Length(16),
        Constraint::Length(24),
        Constraint::Length(9),
        Constraint::Length(22),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(10),
        Constraint::Min(10),
    ];
    let table = Table::new(rows, widths)
        .header(header)
        .block(pane_block("nodes", ui.focus == Pane::Nodes))
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .highlight_symbol("▶ ");
    let mut state = TableState::default().with_selected(Some(ui.selected.min(view.nodes.len().saturating_sub(1))));
    frame.render_stateful_widget(table, area, &mut state);
}
