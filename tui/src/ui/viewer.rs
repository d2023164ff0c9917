//! The full-screen log (lazydocker's log view): the event log (Enter on the
//! events pane) or a node's log file (`o`), over the whole terminal.
//!
//! Rules:
//! - Long lines wrap at the pane's width (cut into rows by display width,
//!   so nothing is lost off the right edge).
//! - `scroll` counts rows up from the newest; 0 follows: new lines appear at
//!   the bottom as they come. Scrolling past the oldest row stops there.
//! - The event log shows what the events pane shows (its text and severity
//!   filters), folded lines with their counts.
//! - The file's lines are read by the app and handed in; nothing here does IO.

use super::state::{Viewer, ViewerSource};
use super::{UiState, log};
use crate::cluster::ClusterView;
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph};
use unicode_width::UnicodeWidthChar;

/// Cuts `text` into rows of at most `width` display columns. Hand-written:
/// ratatui's `Paragraph` wraps, but tells how many rows that takes only
/// behind its unstable `unstable-rendered-line-info` feature, and scrolling
/// needs the count.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows = vec![];
    let mut row = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width && !row.is_empty() {
            rows.push(std::mem::take(&mut row));
            used = 0;
        }
        row.push(c);
        used += w;
    }
    rows.push(row);
    rows
}

/// The rows to show: `visible` rows ending `scroll` rows above the newest
/// (clamped so the window never runs past the oldest row).
pub fn window<T>(rows: &[T], visible: usize, scroll: usize) -> (&[T], usize) {
    let scroll = scroll.min(rows.len().saturating_sub(visible));
    let end = rows.len() - scroll;
    (&rows[end.saturating_sub(visible)..end], scroll)
}

pub fn draw(frame: &mut Frame, v: Viewer, view: &ClusterView, ui: &UiState, file_lines: &[String]) {
    let area = frame.area();
    frame.render_widget(Clear, area);
    let width = area.width.saturating_sub(2) as usize;
    let visible = area.height.saturating_sub(2) as usize;
    let (name, rows): (String, Vec<(String, Style)>) = match v.source {
        ViewerSource::Events => {
            let prefix = view.desc().axis.letter;
            let rows = view
                .log
                .iter()
                .filter(|e| log::shown(e, ui))
                .flat_map(|e| {
                    let text = format!(
                        "{} {prefix}{:<5} {:<5} {}{}",
                        log::clock(e.time_ms),
                        e.slot,
                        log::tag(e.kind),
                        e.text,
                        log::repeats(e)
                    );
                    let style = log::style(ui, e.kind);
                    wrap(&text, width).into_iter().map(move |r| (r, style))
                })
                .collect();
            let mut name = "events".to_string();
            if !ui.filter.is_empty() {
                name.push_str(&format!(" · /{}", ui.filter));
            }
            name.push_str(&format!(" · {} (s)", ui.severity.label()));
            (name, rows)
        }
        ViewerSource::NodeLog(i) => {
            let id = view.nodes.get(i).map_or(format!("n{i}"), |n| n.id.clone());
            let rows = file_lines.iter().flat_map(|l| wrap(l, width)).map(|r| (r, Style::new())).collect();
            (format!("{id} log file"), rows)
        }
    };
    let (shown, scroll) = window(&rows, visible, v.scroll);
    let place = if scroll == 0 { "following".to_string() } else { format!("{scroll} rows up · End follows") };
    let title = format!(" {name} · {} rows · {place} · ↑↓ PgUp PgDn Home End · Esc close ", rows.len());
    let lines: Vec<Line> = shown.iter().map(|(t, s)| Line::styled(t.clone(), *s)).collect();
    frame.render_widget(Paragraph::new(lines).block(Block::bordered().title(title)), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_without_losing_characters() {
        let text = "n0 saw double-vote by validator 3 at slot 4512 ×400 since 17:37:20";
        let rows = wrap(text, 20);
        assert!(rows.iter().all(|r| r.chars().count() <= 20), "{rows:?}");
        assert_eq!(rows.concat(), text);
        assert_eq!(wrap("", 10), vec![String::new()]);
    }

    #[test]
    fn the_window_follows_and_stops_at_the_oldest_row() {
        let rows: Vec<u32> = (0..100).collect();
        assert_eq!(window(&rows, 10, 0).0, &rows[90..]);
        assert_eq!(window(&rows, 10, 5).0, &rows[85..95]);
        let (oldest, scroll) = window(&rows, 10, usize::MAX / 2);
        assert_eq!((oldest, scroll), (&rows[..10], 90));
        assert_eq!(window(&rows[..3], 10, 7).0, &rows[..3]);
    }
}
