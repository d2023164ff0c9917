//! The event timeline: wall time, slot, a kind tag (so kinds read without
//! colour) and the text; newest at the bottom, scrollable, filtered by `/`
//! (case-insensitive substring of the tag or the text).

use super::{Pane, UiState, pane_block};
use crate::cluster::{ClusterView, LogEntry, LogKind};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn tag(kind: LogKind) -> &'static str {
    match kind {
        LogKind::Info => "info",
        LogKind::Finality => "final",
        LogKind::Process => "proc",
        LogKind::Warning => "warn",
        LogKind::Alarm => "ALARM",
        LogKind::Fault => "FAULT",
    }
}

fn style(ui: &UiState, kind: LogKind) -> Style {
    let t = ui.theme;
    match kind {
        LogKind::Info => Style::new(),
        LogKind::Finality => t.ok(),
        LogKind::Process => t.info(),
        LogKind::Warning => t.warn(),
        LogKind::Alarm => t.bad(),
        LogKind::Fault => t.fg(Color::Magenta).add_modifier(Modifier::BOLD),
    }
}

/// Wall time of day, UTC, `HH:MM:SS`.
pub fn clock(time_ms: u64) -> String {
    let s = time_ms / 1000 % 86_400;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

pub fn matches(e: &LogEntry, filter: &str) -> bool {
    if filter.is_empty() {
        return true;
    }
    let f = filter.to_lowercase();
    e.text.to_lowercase().contains(&f) || tag(e.kind).to_lowercase().contains(&f)
}

/// One entry; `prefix` is the view's slot letter (`s`, or `h` where slots are heights).
pub fn line(ui: &UiState, e: &LogEntry, prefix: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{} ", clock(e.time_ms)), ui.theme.dim()),
        Span::styled(format!("{prefix}{:<5} ", e.slot), ui.theme.dim()),
        Span::styled(format!("{:<5} ", tag(e.kind)), style(ui, e.kind)),
        Span::styled(e.text.clone(), style(ui, e.kind)),
    ])
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState) {
    let visible = area.height.saturating_sub(2) as usize;
    let shown: Vec<&LogEntry> = view.log.iter().filter(|e| matches(e, &ui.filter)).collect();
    let end = shown.len().saturating_sub(ui.log_scroll.min(shown.len().saturating_sub(visible)));
    let start = end.saturating_sub(visible);
    let lines: Vec<Line> = shown[start..end].iter().map(|e| line(ui, e, view.kind().slot_prefix())).collect();
    let mut title = "events".to_string();
    if ui.editing_filter || !ui.filter.is_empty() {
        let cursor = if ui.editing_filter { "▏" } else { "" };
        title.push_str(&format!(" · /{}{cursor} ({} of {})", ui.filter, shown.len(), view.log.len()));
    }
    if ui.log_scroll > 0 {
        title.push_str(&format!(" · scrolled {}", ui.log_scroll));
    }
    frame.render_widget(Paragraph::new(lines).block(pane_block(&title, ui.focus == Pane::Log)), area);
}
