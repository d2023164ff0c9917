//! Rendering: pure functions of (`ClusterView`, `UiState`, now). Nothing here
//! talks gRPC or touches processes.
//!
//! Layout, top to bottom: header, nodes table, event log; `?` lays the help
//! overlay on top. Later panes (fork tree, validators, links) take the space
//! beside the log.

mod header;
mod help;
mod log;
mod nodes;
mod prompt;
pub mod state;

use crate::cluster::ClusterView;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
pub use state::{Pane, UiState};

pub fn draw(frame: &mut Frame, view: &ClusterView, ui: &UiState, now_ms: u64) {
    let table_height = (view.nodes.len() as u16 + 3).min(frame.area().height / 2);
    let [top, table, rest] =
        Layout::vertical([Constraint::Length(3), Constraint::Length(table_height), Constraint::Min(3)])
            .areas(frame.area());
    header::draw(frame, top, view, now_ms);
    nodes::draw(frame, table, view, ui);
    log::draw(frame, rest, view, ui);
    if let Some(text) = &ui.prompt {
        prompt::draw(frame, text);
    }
    if ui.help {
        help::draw(frame);
    }
}

/// Title style for a pane: highlighted when it has focus.
fn pane_block(title: &str, focused: bool) -> ratatui::widgets::Block<'_> {
    use ratatui::style::{Modifier, Style};
    use ratatui::widgets::{Block, BorderType};
    let block = Block::bordered().title(format!(" {title} "));
    if focused {
        block.border_type(BorderType::Thick).title_style(Style::new().add_modifier(Modifier::BOLD))
    } else {
        block
    }
}

#[cfg(test)]
mod tests;
