//! Node detail overlay (Enter on a node): its status (with the engine's own
//! state for tendermint and pow), its recent events and the tail of its log file. The lines of the file are read by the app and
//! handed in; nothing here does IO.

use super::UiState;
use crate::cluster::ClusterView;
use devnet_node::consensus::EngineDetail;
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
    let opt = |r: Option<u64>| r.map_or("-".to_string(), |r| format!("r{r}"));
    match &n.detail {
        EngineDetail::None => {}
        EngineDetail::Tendermint(d) => lines.push(Line::raw(format!(
            "round      h{} r{} {} · locked {} · valid {}",
            d.height,
            d.round,
            d.step.as_str(),
            opt(d.locked_round),
            opt(d.valid_round)
        ))),
        EngineDetail::Pow(d) => lines.push(Line::raw(format!(
            "mining     hashrate {}% · difficulty {} · k {} · fork choice {} · work {} · private {}",
            d.hashrate_percent,
            super::pow::si(d.difficulty as u128),
            d.k,
            d.fork_choice.as_str(),
            super::pow::si(d.chain_work),
            d.private_blocks
        ))),
    }
    frame.render_widget(Paragraph::new(lines), status);
    let mine: Vec<Line> = {
        let all: Vec<_> = view.log.iter().filter(|e| e.node == Some(ui.selected)).collect();
        let keep = events.height.saturating_sub(1) as usize;
        all[all.len().saturating_sub(keep)..]
            .iter()
            .map(|e| super::log::line(ui, e, view.kind().slot_prefix()))
            .collect()
    };
    let mut ev = vec![Line::styled("recent events", bold)];
    ev.extend(mine);
    frame.render_widget(Paragraph::new(ev), events);
    let keep = tail.height.saturating_sub(1) as usize;
    let mut lines = vec![Line::styled("log file (tail)", bold)];
    lines.extend(log_tail[log_tail.len().saturating_sub(keep)..].iter().map(|l| Line::raw(l.clone())));
    frame.render_widget(Paragraph::new(lines), tail);
}
