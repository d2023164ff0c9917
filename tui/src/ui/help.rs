//! The `?` overlay: every key, from the same table the key mapping uses
//! (`keys::HELP`), each action's key as remapped in `keys.toml`, and every fault with its arguments, from the one fault
//! grammar (`faults::grammar`, the clap subcommands `devnet inject` takes),
//! so neither list is a copy that can drift.
//!
//! A fault's forms are one a line (`partition GROUPS...`, `partition
//! isolate NODE`, ...), whole; what the fault does follows its first form,
//! cut with `…` where the box ends (`devnet inject FAULT --help` has it
//! all). From `SIDE_BY_SIDE` columns on, keys and faults sit side by side;
//! below that they are one list. ↑ ↓ PgUp PgDn scroll what does not fit
//! (`UiState::help_scroll`).

use super::{UiState, columns};
use crate::faults::grammar;
use crate::keymap::{default_key, key_label};
use crate::keys::{HELP, HelpRow};
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

const KEYS_WIDTH: u16 = 74;
pub const SIDE_BY_SIDE: u16 = 150;
const FAULTS_TITLE: &str = " faults · `devnet inject`, `:` and scenario steps · NODES is n1, n1,n2 or all ";

/// The keys of a help row as the user has them: `c / r / p`, `↑ ↓`, `+ - (] [)`.
pub fn row_keys(ui: &UiState, row: &HelpRow) -> String {
    let labels: Vec<String> =
        row.0.iter().filter_map(|n| default_key(n)).map(|k| key_label(ui.keys.key_for(k))).collect();
    let sep = if labels.iter().all(|l| l.width() == 1) && row.0.len() == 2 { " " } else { " / " };
    let keys = labels.join(sep);
    match row.1 {
        "" => keys,
        fixed if fixed.starts_with("Ctrl") => format!("{keys}, {fixed}"),
        fixed => format!("{keys} ({fixed})"),
    }
}

fn key_lines(ui: &UiState) -> Vec<Line<'static>> {
    HELP.iter()
        .map(|row| {
            Line::from(vec![
                Span::styled(format!(" {:<18}", row_keys(ui, row)), Style::new().add_modifier(Modifier::BOLD)),
                Span::raw(row.2),
            ])
        })
        .collect()
}

/// A line per form of each fault: the form (bold), then, on its first
/// form, what the fault does (dimmed), all within `width` columns.
pub fn fault_lines(width: u16) -> Vec<Line<'static>> {
    let mut out = vec![];
    for usage in grammar::names().iter().filter_map(|name| grammar::usage(name)) {
        let (forms, about) = usage.split_once(" — ").unwrap_or((&usage, ""));
        for (i, form) in forms.split(" | ").enumerate() {
            let form = format!(" {form}");
            let room = (width as usize).saturating_sub(form.width() + 2) as u16;
            let about = if i == 0 && room > 1 { format!("  {}", columns::clip(about, room)) } else { String::new() };
            out.push(Line::from(vec![
                Span::styled(form, Style::new().add_modifier(Modifier::BOLD)),
                Span::styled(about, Style::new().add_modifier(Modifier::DIM)),
            ]));
        }
    }
    out
}

/// How many lines the help has at most (the one-list form, with its two heading lines).
pub fn line_count() -> usize {
    HELP.len() + 2 + fault_lines(KEYS_WIDTH).len()
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [r] = Layout::vertical([Constraint::Length(height.min(area.height))]).flex(Flex::Center).areas(area);
    let [r] = Layout::horizontal([Constraint::Length(width.min(area.width))]).flex(Flex::Center).areas(r);
    r
}

/// Scrolled no further than the last line at the bottom of `height` rows (borders included).
fn scrolled(lines: Vec<Line<'static>>, scroll: usize, height: u16, title: &str) -> Paragraph<'static> {
    let scroll = scroll.min(lines.len().saturating_sub(height.saturating_sub(2) as usize)) as u16;
    Paragraph::new(lines).scroll((scroll, 0)).block(Block::bordered().title(title.to_string()))
}

pub fn draw(frame: &mut Frame, ui: &UiState) {
    // The footer's hints stay in view below.
    let full = frame.area();
    let full = Rect { height: full.height.saturating_sub(1), ..full };
    let keys = key_lines(ui);
    if full.width >= SIDE_BY_SIDE {
        let faults_w = (full.width - KEYS_WIDTH - 2).min(96);
        let faults = fault_lines(faults_w - 2);
        let height = (faults.len().max(keys.len()) as u16 + 2).min(full.height);
        let area = centered(full, KEYS_WIDTH + faults_w, height);
        let [k, f] = Layout::horizontal([Constraint::Length(KEYS_WIDTH), Constraint::Min(0)]).areas(area);
        let k = Rect { height: (keys.len() as u16 + 2).min(k.height), ..k };
        frame.render_widget(Clear, area);
        frame.render_widget(Paragraph::new(keys).block(Block::bordered().title(" keys ")), k);
        frame.render_widget(scrolled(faults, ui.help_scroll, f.height, FAULTS_TITLE), f);
        return;
    }
    let mut lines = keys;
    lines.push(Line::default());
    lines.push(Line::styled(FAULTS_TITLE.trim().to_string(), Style::new().add_modifier(Modifier::BOLD)));
    let width = (KEYS_WIDTH + 6).min(full.width);
    lines.extend(fault_lines(width - 2));
    let area = centered(full, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, area);
    frame.render_widget(scrolled(lines, ui.help_scroll, area.height, " keys and faults · ↑↓ scroll "), area);
}
