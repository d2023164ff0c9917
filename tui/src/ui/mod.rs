//! Rendering: pure functions of (`ClusterView`, `UiState`, now, the selected
//! node's log tail). Nothing here talks gRPC, touches processes or reads files.
//!
//! Layout (`areas`): the full layout from `FULL_WIDTH`x`FULL_HEIGHT` on shows
//! every pane: header; the nodes table across the whole width (it has the
//! most columns); fork tree (with the selected block's details); lag chart
//! over transactions | validators over links | events. The validators
//! column is as wide as its table wants, within two fifths of the width.
//! Below that, the compact layout shows the header, the nodes table and one
//! more pane: the focused one, or the fork tree while the nodes table has
//! focus; a tab line names the others. Both end in the footer of key hints
//! (`hints`). Below `MIN_WIDTH`x`MIN_HEIGHT` the frame only says so. `?`
//! lays the help on top, Enter the node detail; a full-screen log
//! (`viewer`) covers everything but the help.

mod cells;
mod columns;
mod commit_gap;
mod detail;
pub mod fork_tree;
mod header;
mod help;
mod hints;
mod lag;
pub mod links;
pub mod log;
pub mod mouse;
mod nodes;
mod prompt;
pub mod state;
mod table;
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
/// The compact layout's least: the header (3), a nodes table with two rows
/// (5), the tab line, a pane with four lines (6) and the footer; and the
/// nodes table's columns that are never hidden (node, state, head) whole.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// Where each pane goes; `None` for panes not shown.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Areas {
    pub header: Rect,
    pub tabs: Option<Rect>,
    pub panes: Vec<(Pane, Rect)>,
    pub footer: Rect,
}

pub fn too_small(size: Rect) -> bool {
    size.width < MIN_WIDTH || size.height < MIN_HEIGHT
}

pub fn areas(size: Rect, view: &ClusterView, ui: &UiState) -> Areas {
    areas_for(size, view, ui, || validators::width(view, ui))
}

/// `areas`, with the validators pane's natural width from `vals_width`
/// (asked only by the full layout).
fn areas_for(size: Rect, view: &ClusterView, ui: &UiState, vals_width: impl FnOnce() -> u16) -> Areas {
    if too_small(size) {
        return Areas::default();
    }
    let n = view.nodes.len() as u16;
    if size.width >= FULL_WIDTH && size.height >= FULL_HEIGHT {
        let rest = size.height - 4;
        let top_h = (n + 3).clamp(6, rest * 3 / 10);
        let tree_h = (rest - top_h) * 4 / 10;
        let [header, nodes, tree, bottom, footer] = Layout::vertical([
            Constraint::Length(3),
            Constraint::Length(top_h),
            Constraint::Length(tree_h),
            Constraint::Min(5),
            Constraint::Length(1),
        ])
        .areas(size);
        let vals_w = vals_width().clamp(36, size.width * 2 / 5);
        // The transactions pane's per-node lines are 32 wide.
        let [left, middle, log] = Layout::horizontal([
            Constraint::Length((size.width / 4).max(34)),
            Constraint::Length(vals_w),
            Constraint::Min(30),
        ])
        .areas(bottom);
        // The lag chart over the transactions pane (4 lines of figures, a
        // line per node, and the TPS sparkline).
        let txs_h = (n + 6).min(left.height / 2).max(left.height.saturating_sub(left.height * 6 / 10));
        let [lag, txs] = Layout::vertical([Constraint::Min(4), Constraint::Length(txs_h)]).areas(left);
        // Validators get what is left once the links pane has its borders,
        // column header, a row per node and two lines per side of a
        // partition (its legend goes first when the column is short).
        let sides = links::partition(view).len() as u16;
        let links_h = n + 3 + if sides > 1 { 2 * sides } else { 1 };
        let vals_h = (view.validators.rows.len() as u16 + 3).min(middle.height.saturating_sub(links_h)).max(5);
        let [vals, links] = Layout::vertical([Constraint::Length(vals_h), Constraint::Min(3)]).areas(middle);
        let panes = vec![
            (Pane::Nodes, nodes),
            (Pane::Tree, tree),
            (Pane::Lag, lag),
            (Pane::Txs, txs),
            (Pane::Validators, vals),
            (Pane::Links, links),
            (Pane::Log, log),
        ];
        return Areas { header, tabs: None, panes, footer };
    }
    let table_h = (n + 3).min(size.height.saturating_sub(5) / 2).max(3);
    let [header, table, tabs, main, footer] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(table_h),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(size);
    let shown = if ui.focus == Pane::Nodes { Pane::Tree } else { ui.focus };
    Areas { header, tabs: Some(tabs), panes: vec![(Pane::Nodes, table), (shown, main)], footer }
}

/// One pane in `area` (the frame draws each where `areas` puts it; the
/// dashboard bench times them one by one).
pub fn draw_pane(frame: &mut Frame, pane: Pane, area: Rect, view: &ClusterView, ui: &UiState, now_ms: u64) {
    match pane {
        Pane::Nodes => nodes::draw(frame, area, view, ui),
        Pane::Tree => fork_tree::draw(frame, area, view, ui, now_ms),
        Pane::Validators => validators::draw(frame, area, view, ui, now_ms),
        Pane::Lag => lag::draw(frame, area, view, ui),
        Pane::Txs => txs::draw(frame, area, view, ui),
        Pane::Links => links::draw(frame, area, view, ui),
        Pane::Log => log::draw(frame, area, view, ui),
    }
}

pub fn draw(frame: &mut Frame, view: &ClusterView, ui: &UiState, now_ms: u64, log_tail: &[String]) {
    let size = frame.area();
    if too_small(size) {
        let text = format!("terminal too small (need {MIN_WIDTH}x{MIN_HEIGHT}, have {}x{})", size.width, size.height);
        let [row] = Layout::vertical([Constraint::Length(1)]).flex(ratatui::layout::Flex::Center).areas(size);
        frame.render_widget(Paragraph::new(text).centered().wrap(ratatui::widgets::Wrap { trim: true }), row);
        return;
    }
    // The validators table sizes its pane and fills it: built once a frame.
    let mut vals = None;
    let a = areas_for(size, view, ui, || validators::width_of(vals.insert(validators::table_of(view, ui, now_ms))));
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
        if *pane == Pane::Validators
            && let Some(t) = vals.take()
        {
            validators::draw_table(frame, *r, ui, t);
        } else {
            draw_pane(frame, *pane, *r, view, ui, now_ms);
        }
    }
    hints::draw(frame, a.footer, ui, &view.engine);
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
        help::draw(frame, ui);
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
mod fit_tests;
#[cfg(test)]
mod tests;
