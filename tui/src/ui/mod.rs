//! Rendering: pure functions of (`ClusterView`, `UiState`, now, the selected
//! node's log tail). Nothing here talks gRPC, touches processes or reads files.
//!
//! Layout (`areas`): the full layout from `FULL_WIDTH`x`FULL_HEIGHT` on shows
//! every pane: header; nodes | validators; fork tree (with the selected
//! block's details); lag chart over transactions | links | events. Below that, the compact
//! layout shows the header, the nodes table and one more pane: the focused
//! one, or the fork tree while the nodes table has focus; a tab line names
//! the others. `?` lays the help on top, Enter the node detail; a full-screen log
//! (`viewer`) covers everything but the help.

mod commit_gap;
mod detail;
pub mod fork_tree;
mod header;
mod help;
mod lag;
pub mod links;
pub mod log;
pub mod mouse;
mod nodes;
mod pow;
mod prompt;
pub mod state;
mod tendermint;
pub mod theme;
pub mod txs;
mod validators;
pub mod viewer;

use crate::cluster::ClusterView;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
pub use state::{Bounds, Pane, UiState};

pub const FULL_WIDTH: u16 = 120;
pub const FULL_HEIGHT: u16 = 40;

/// Where each pane goes; `None` for panes not shown.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Areas {
    pub header: Rect,
    pub tabs: Option<Rect>,
    pub panes: Vec<(Pane, Rect)>,
}

pub fn areas(size: Rect, view: &ClusterView, ui: &UiState) -> Areas {
    let n = view.nodes.len() as u16;
    if size.width >= FULL_WIDTH && size.height >= FULL_HEIGHT {
        let rest = size.height - 3;
        let top_h = (n.max(view.validators.rows.len() as u16) + 3).clamp(6, rest * 3 / 10);
        let tree_h = (rest - top_h) * 5 / 10;
        let [header, top, tree, bottom] = Layout::vertical([
            Constraint::Length(3),
            Constraint::Length(top_h),
            Constraint::Length(tree_h),
            Constraint::Min(5),
        ])
        .areas(size);
        let [nodes, vals] = Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(top);
        let [left, links, log] = Layout::horizontal([
            Constraint::Percentage(30),
            Constraint::Length((n + 10).clamp(36, size.width / 3)),
            Constraint::Min(30),
        ])
        .areas(bottom);
        // The lag chart over the transactions pane (4 lines of figures, a
        // line per node, and the TPS sparkline).
        let txs_h = (n + 6).min(left.height / 2).max(left.height.saturating_sub(left.height * 6 / 10));
        let [lag, txs] = Layout::vertical([Constraint::Min(4), Constraint::Length(txs_h)]).areas(left);
        let panes = vec![
            (Pane::Nodes, nodes),
            (Pane::Validators, vals),
            (Pane::Tree, tree),
            (Pane::Lag, lag),
            (Pane::Txs, txs),
            (Pane::Links, links),
            (Pane::Log, log),
        ];
        return Areas { header, tabs: None, panes };
    }
    let table_h = (n + 3).min(size.height.saturating_sub(4) / 3).max(3);
    let [header, table, tabs, main] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(table_h),
        Constraint::Length(1),
        Constraint::Min(3),
    ])
    .areas(size);
    let shown = if ui.focus == Pane::Nodes { Pane::Tree } else { ui.focus };
    Areas { header, tabs: Some(tabs), panes: vec![(Pane::Nodes, table), (shown, main)] }
}

pub fn draw(frame: &mut Frame, view: &ClusterView, ui: &UiState, now_ms: u64, log_tail: &[String]) {
    let a = areas(frame.area(), view, ui);
    header::draw(frame, a.header, view, ui, now_ms);
    if let Some(t) = a.tabs {
        let shown = a.panes.last().map(|p| p.0);
        let mut spans = vec![Span::raw(" ")];
        for p in &Pane::ORDER[1..] {
            let s = if Some(*p) == shown { Style::new().add_modifier(Modifier::REVERSED) } else { Style::new() };
            spans.push(Span::styled(format!(" {} ", p.title()), s));
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled("(Tab)", Style::new().add_modifier(Modifier::DIM)));
        frame.render_widget(Paragraph::new(Line::from(spans)), t);
    }
    for (pane, r) in &a.panes {
        match pane {
            Pane::Nodes => nodes::draw(frame, *r, view, ui),
            Pane::Tree => fork_tree::draw(frame, *r, view, ui, now_ms),
            Pane::Validators => validators::draw(frame, *r, view, ui, now_ms),
            Pane::Lag => lag::draw(frame, *r, view, ui),
            Pane::Txs => txs::draw(frame, *r, view, ui),
            Pane::Links => links::draw(frame, *r, view, ui),
            Pane::Log => log::draw(frame, *r, view, ui),
        }
    }
    if let Some(bar) = &ui.prompt {
        prompt::draw(frame, bar, ui.theme);
    }
    if ui.detail {
        detail::draw(frame, view, ui, log_tail);
    }
    if let Some(v) = ui.viewer {
        viewer::draw(frame, v, view, ui, log_tail);
    }
    if ui.help {
        help::draw(frame);
    }
}

/// Title style for a pane: highlighted when it has focus.
fn pane_block(title: &str, focused: bool) -> ratatui::widgets::Block<'_> {
    use ratatui::widgets::{Block, BorderType};
    let block = Block::bordered().title(format!(" {title} "));
    if focused {
        block.border_type(BorderType::Thick).title_style(Style::new().add_modifier(Modifier::BOLD))
    } else {
        block
    }
}

#[cfg(test)]
mod engine_tests;
#[cfg(test)]
mod tests;
