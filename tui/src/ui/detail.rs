//! Node detail overlay (Enter on a node): its status (with the engine's own
//! cells and facts, each under its column's header), its recent events and the tail of its log file. The lines of the file are read by the app and
//! handed in; nothing here does IO.

use super::UiState;
use crate::cluster::ClusterView;
use crate::cluster::NodeView;
use devnet_node::consensus::describe::Source;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph};

pub fn draw(frame: &mut Frame, view: &ClusterView, ui: &UiState, log_tail: &[String]) {
    let Some(n) = view.nodes.get(ui.selected) else { return };
    let area = frame.area().inner(Margin { horizontal: 2, vertical: 1 });
    frame.render_widget(Clear, area);
    let block = Block::bordered().title(format!(" node {} · ↑↓ other node · Esc close ", n.id));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [status, events, tail] =
        Layout::vertical([Constraint::Length(9), Constraint::Percentage(40), Constraint::Min(3)]).areas(inner);
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let behaviour = n.validator.and_then(|v| view.validators.rows.get(v as usize)).map_or("", |r| r.behaviour.as_str());
    let mut lines = vec![
        Line::raw(format!("address    {}   validator {}", n.addr, n.validator.map_or("-".into(), |v| format!("v{v}")))),
        Line::raw(format!(
            "state      {}{}{}",
            n.state_label(),
            if n.connected { ", observer connected" } else { ", observer not connected" },
            if behaviour.is_empty() { String::new() } else { format!(", behaviour {behaviour}") }
        )),
        Line::raw(format!("slot       {}   head s{} h{} {}", n.slot, n.head.slot, n.head.height, n.head.hash)),
        Line::raw(format!("justified  e{} ({})", n.justified.epoch, n.justified.block.hash)),
        Line::raw(format!(
            "finalized  e{} h{} ({})   lag {}",
            n.finalized.epoch,
            n.finalized.block.height,
            n.finalized.block.hash,
            crate::words::plural(n.lag_slots(), "slot")
        )),
        Line::raw(format!("peers      {} up: {}", n.peers_up.len(), n.peers_up.join(" "))),
        Line::raw(format!("reorgs     {} (deepest {})", n.reorgs, n.deepest_reorg)),
        Line::raw(format!("faults     {}", if n.faults.is_empty() { "none".into() } else { n.faults.join(", ") })),
    ];
    if let Some(engine) = engine_line(view, n) {
        lines.push(Line::raw(engine));
    }
    frame.render_widget(Paragraph::new(lines), status);
    let mine: Vec<Line> = {
        let all: Vec<_> = view.log.iter().filter(|e| e.node == Some(ui.selected)).collect();
        let keep = events.height.saturating_sub(1) as usize;
        all[all.len().saturating_sub(keep)..].iter().map(|e| super::log::line(ui, e, view.desc().axis.letter)).collect()
    };
    let mut ev = vec![Line::styled("recent events", bold)];
    ev.extend(mine);
    frame.render_widget(Paragraph::new(ev), events);
    let keep = tail.height.saturating_sub(1) as usize;
    let mut lines = vec![Line::styled("log file (tail)", bold)];
    lines.extend(log_tail[log_tail.len().saturating_sub(keep)..].iter().map(|l| Line::raw(l.clone())));
    frame.render_widget(Paragraph::new(lines), tail);
}

/// `engine     h/r h13/r1 · step prevote · lock L0 V0`: the engine's own
/// cells under their headers, then its header facts; `None` when it sent none.
fn engine_line(view: &ClusterView, n: &NodeView) -> Option<String> {
    let d = view.desc();
    let cells = d.node_columns.iter().filter_map(|c| match c.source {
        Source::Cell(k) => {
            n.detail.cells.get(k as usize).map(|x| format!("{} {}", c.header, super::cells::text(d, &x.value)))
        }
        _ => None,
    });
    let facts =
        d.facts.iter().zip(&n.detail.facts).map(|((l, _), x)| format!("{l}{}", super::cells::text(d, &x.value)));
    let parts: Vec<String> = cells.chain(facts).collect();
    (!parts.is_empty()).then(|| format!("engine     {}", parts.join(" · ")))
}
