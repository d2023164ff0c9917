//! The header: cluster, engine, slot and epoch (with progress through the
//! epoch), nodes up, finalized checkpoint, finality lag, FROZEN when the view
//! is frozen, and the latest alarm in red (reversed without colour).

use super::UiState;
use crate::cluster::ClusterView;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState, now_ms: u64) {
    let slot = view.current_slot(now_ms);
    let epoch = view.epoch_of(slot);
    let in_epoch = slot % view.epoch_slots.max(1);
    let bar: String = (0..view.epoch_slots.min(32)).map(|i| if i <= in_epoch { '■' } else { '·' }).collect();
    let fin = view.finalized();
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut spans = vec![
        Span::styled(format!(" {} ", view.name), bold),
        Span::raw(format!("· {} · ", view.engine)),
        Span::raw(format!("slot {slot} · epoch {epoch} ")),
        Span::raw(format!("[{bar}] · ")),
        Span::raw(format!("nodes {}/{} up · ", view.nodes_up(), view.nodes.len())),
        Span::raw(format!("finalized e{} h{} · ", fin.epoch, fin.block.height)),
        Span::raw(format!("lag {} slots", view.finality_lag(now_ms))),
    ];
    if ui.frozen {
        spans.push(Span::styled(" · FROZEN (f)", bold.add_modifier(Modifier::REVERSED)));
    }
    if let Some(a) = view.alarms.last() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!(" ALARM {}: {} ", a.kind.to_uppercase(), a.detail), ui.theme.alarm()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).block(Block::bordered().title(" devnet · ? keys ")), area);
}
