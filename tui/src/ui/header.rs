//! The header: cluster, engine, where the cluster is, nodes up, finality,
//! `finality stalled 19 s (no commit)` (in the engine's own word, see
//! `cluster::stall`) while finality has stopped, FROZEN when the view is
//! frozen, and the latest alarm in red (reversed
//! without colour). Where the cluster is, per engine:
//! - gasper: slot and epoch (with progress through the epoch), finalized
//!   checkpoint and finality lag in slots;
//! - tendermint: the highest height any node is deciding and the highest
//!   round reached at it, the last committed height, rounds failed so far;
//! - pow: the height being mined, `k`, the fork choice rule and the
//!   difficulty (as the first node with a detail reports them), the highest
//!   k-deep block and the deepest reorg any node went through.

use super::UiState;
use crate::cluster::ClusterView;
use crate::cluster::engine::EngineKind;
use crate::words::plural;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

fn gasper(view: &ClusterView, now_ms: u64) -> (String, String) {
    let slot = view.current_slot(now_ms);
    let epoch = view.epoch_of(slot);
    let in_epoch = slot % view.epoch_slots.max(1);
    let bar: String = (0..view.epoch_slots.min(32)).map(|i| if i <= in_epoch { '■' } else { '·' }).collect();
    let fin = view.finalized();
    (
        format!("slot {slot} · epoch {epoch} [{bar}]"),
        format!("finalized e{} h{} · lag {}", fin.epoch, fin.block.height, plural(view.finality_lag(now_ms), "slot")),
    )
}

fn tendermint(view: &ClusterView) -> (String, String) {
    let details = view.nodes.iter().filter_map(super::tendermint::detail);
    let (height, round) = details.map(|d| (d.height, d.round)).max().unwrap_or((view.current_slot(0), 0));
    (
        format!("height {height} round {round}"),
        format!("committed h{} · {}", view.finalized().block.height, rounds_failed(view.failed_rounds.total())),
    )
}

fn rounds_failed(n: usize) -> String {
    format!("{} failed", plural(n as u64, "round"))
}

fn pow(view: &ClusterView) -> (String, String) {
    let mut at = format!("height {}", view.current_slot(0));
    if let Some(d) = view.nodes.iter().find_map(super::pow::detail) {
        at.push_str(&format!(
            " · k={} · fork choice {} · difficulty {}",
            d.k,
            d.fork_choice.as_str(),
            super::pow::si(d.difficulty as u128)
        ));
    }
    let fin = view.nodes.iter().map(|n| n.finalized.block.height).max().unwrap_or(0);
    let reorg = view.nodes.iter().map(|n| n.deepest_reorg).max().unwrap_or(0);
    (at, format!("k-deep h{fin} · deepest reorg {reorg}"))
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState, now_ms: u64) {
    let (at, finality) = match view.kind() {
        EngineKind::Gasper => gasper(view, now_ms),
        EngineKind::Tendermint => tendermint(view),
        EngineKind::Pow => pow(view),
    };
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut spans = vec![
        Span::styled(format!(" {} ", view.name), bold),
        Span::raw(format!("· {} · ", view.engine)),
        Span::raw(format!("{at} · ")),
        Span::raw(format!("nodes {}/{} up · ", view.nodes_up(), view.nodes.len())),
        Span::raw(finality),
    ];
    if let Some(st) = view.finality_stall(now_ms) {
        let text = format!(" finality stalled {} ({}) ", crate::cluster::stall::human(st.for_ms), st.missing);
        spans.push(Span::raw(" "));
        spans.push(Span::styled(text, ui.theme.alarm()));
    }
    if ui.frozen {
        spans.push(Span::styled(" · FROZEN (f)", bold.add_modifier(Modifier::REVERSED)));
    }
    if let Some(a) = view.alarms.last() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!(" ALARM {}: {} ", a.kind.to_uppercase(), a.detail), ui.theme.alarm()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).block(Block::bordered().title(" devnet · ? keys ")), area);
}
