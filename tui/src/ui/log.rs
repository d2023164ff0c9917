//! The event log: newest at the bottom, scrollable, coloured by kind.

use super::{Pane, UiState, pane_block};
use crate::cluster::{ClusterView, LogKind};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn style(kind: LogKind) -> Style {
    match kind {
        LogKind::Info => Style::new(),
        LogKind::Finality => Style::new().fg(Color::Green),
        LogKind::Process => Style::new().fg(Color::Cyan),
        LogKind::Fault => Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
        LogKind::Warning => Style::new().fg(Color::Yellow),
        LogKind::Alarm => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    }
}

/// Wall time of day, UTC, `HH:MM:SS`.
pub fn clock(time_ms: u64) -> String {
    let s = time_ms / 1000 % 86_400;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState) {
    let visible = area.height.saturating_sub(2) as usize;
    let end = view.log.len().saturating_sub(ui.log_scroll.min(view.log.len().saturating_sub(visible)));
    let start = end.saturating_sub(visible);
    let lines: Vec<Line> = view
        .log
        .range(start..end)
        .map(|e| {
            Line::from(vec![
                Span::styled(format!("{} ", clock(e.time_ms)), Style::new().add_modifier(Modifier::DIM)),
                Span::styled(format!("s{:<5} ", e.slot), Style::new().add_modifier(Modifier::DIM)),
                Span::styled(e.text.clone(), style(e.kind)),
            ])
        })
        .collect();
    let title = if ui.log_scroll > 0 { format!("events (scrolled {})", ui.log_scroll) } else { "events".into() };
    frame.render_widget(Paragraph::new(lines).block(pane_block(&title, ui.focus == Pane::Log)), area);
}
