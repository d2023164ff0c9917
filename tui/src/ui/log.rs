//! The event timeline: wall time, slot, a kind tag (so kinds read without
//! colour) and the text; newest at the bottom, scrollable, filtered by `/`
//! (case-insensitive substring of the tag or the text) and by severity (`s`
//! cycles all / warnings and up / faults, slashings, alarms). A folded line
//! (see `cluster::event_log`) starts with its count (`×12`); the full-screen
//! log (Enter) adds when it first happened.

use super::{Pane, UiState, pane_block};
use crate::cluster::{ClusterView, LogEntry, LogKind, Severity};
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
        LogKind::Slashing => "SLASH",
        LogKind::Alarm => "ALARM",
        LogKind::Fault => "FAULT",
    }
}

pub fn style(ui: &UiState, kind: LogKind) -> Style {
    let t = ui.theme;
    match kind {
        LogKind::Info => Style::new(),
        LogKind::Finality => t.ok(),
        LogKind::Process => t.info(),
        LogKind::Warning => t.warn(),
        LogKind::Slashing => t.warn().add_modifier(Modifier::BOLD),
        LogKind::Alarm => t.bad(),
        LogKind::Fault => t.fg(Color::Magenta).add_modifier(Modifier::BOLD),
    }
}

/// Wall time of day, UTC, `HH:MM:SS` (three divisions; not worth a date crate).
pub fn clock(time_ms: u64) -> String {
    let s = time_ms / 1000 % 86_400;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Whether the pane shows `e` under the text filter and the severity filter.
pub fn shown(e: &LogEntry, ui: &UiState) -> bool {
    ui.severity.admits(e.kind) && matches(e, &ui.filter)
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
        Span::styled(if e.count > 1 { format!("×{} ", e.count) } else { String::new() }, bold()),
        Span::styled(e.text.clone(), style(ui, e.kind)),
    ])
}

fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

/// ` ×12 since 17:37:20` for a folded line, nothing for a single one (the
/// full-screen log; the pane puts the count first, where it is not cut off).
pub fn repeats(e: &LogEntry) -> String {
    if e.count <= 1 { String::new() } else { format!(" ×{} since {}", e.count, clock(e.first_ms)) }
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState) {
    let visible = area.height.saturating_sub(2) as usize;
    let shown: Vec<&LogEntry> = view.log.iter().filter(|e| shown(e, ui)).collect();
    let end = shown.len().saturating_sub(ui.log_scroll.min(shown.len().saturating_sub(visible)));
    let start = end.saturating_sub(visible);
    let lines: Vec<Line> = shown[start..end].iter().map(|e| line(ui, e, view.desc().axis.letter)).collect();
    let mut title = "events".to_string();
    if ui.editing_filter || !ui.filter.is_empty() {
        let cursor = if ui.editing_filter { "▏" } else { "" };
        title.push_str(&format!(" · /{}{cursor} ({} of {})", ui.filter, shown.len(), view.log.len()));
    }
    if ui.severity != Severity::All {
        title.push_str(&format!(" · {} (s)", ui.severity.label()));
    }
    if ui.log_scroll > 0 {
        title.push_str(&format!(" · scrolled {}", ui.log_scroll));
    }
    frame.render_widget(Paragraph::new(lines).block(pane_block(&title, ui.focus == Pane::Log)), area);
}
