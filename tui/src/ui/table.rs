//! The nodes and validators tables, drawn one way: columns sized by
//! `columns::fit` from what is in them, cells cut with `…` where a column
//! had to be shortened, and the pane's top border saying, on the right, what
//! does not fit: `+2 hidden: peers, pool` for columns (`+2 hidden` when
//! the names do not fit beside the title, and then the title is cut before
//! the note), `rows 11-20 of 64` for rows (the window keeps the selected row in view, at the bottom edge
//! when it is below the first screenful, as ratatui scrolls).

use super::columns::{self, Column};
use super::pane_block;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, TableState};
use unicode_width::UnicodeWidthStr;

pub struct TableSpec<'a> {
    pub title: &'a str,
    pub focused: bool,
    pub columns: &'a [Column],
    pub rows: Vec<Vec<Span<'static>>>,
    pub selected: Option<usize>,
    /// Drawn before the selected row (and as blank before the others).
    pub symbol: &'static str,
}

const SPACING: u16 = 1;

/// The first row shown and how many fit, for `rows` rows under a header in `area`.
pub fn window(area: Rect, rows: usize, selected: Option<usize>) -> (usize, usize) {
    let body = area.height.saturating_sub(3) as usize;
    let first = selected.map_or(0, |s| (s.min(rows.saturating_sub(1)) + 1).saturating_sub(body));
    (first, body)
}

/// The table's width, borders included, with every column whole.
pub fn natural_width(columns: &[Column], rows: &[Vec<Span<'_>>], symbol: &str) -> u16 {
    let cells: u16 = columns::natural(columns, rows).iter().sum();
    cells + SPACING * (columns.len() as u16).saturating_sub(1) + symbol.width() as u16 + 2
}

pub fn draw(frame: &mut Frame, area: Rect, t: TableSpec) {
    let n = t.rows.len();
    let selected = t.selected.map(|s| s.min(n.saturating_sub(1)));
    let symbol_w = if selected.is_some() { t.symbol.width() as u16 } else { 0 };
    let avail = area.width.saturating_sub(2 + symbol_w);
    let widths = columns::fit(t.columns, &columns::natural(t.columns, &t.rows), avail, SPACING);
    let shown: Vec<(usize, u16)> = widths.iter().enumerate().filter_map(|(i, w)| w.map(|w| (i, w))).collect();
    let header = Row::new(shown.iter().map(|(i, w)| Cell::from(columns::clip(t.columns[*i].header, *w))))
        .style(Style::new().add_modifier(Modifier::BOLD));
    let (first, body) = window(area, n, selected);
    // Only the rows in the window become cells (widths came from them all).
    let rows = t.rows.iter().skip(first).take(body).map(|r| {
        Row::new(shown.iter().map(|(i, w)| {
            let s = r.get(*i).map_or(Span::raw(""), |s| Span::styled(columns::clip(&s.content, *w), s.style));
            Cell::from(s)
        }))
    });
    let rows_note = (n > body && body > 0).then(|| format!("rows {}-{} of {n}", first + 1, (first + body).min(n)));
    // The note goes right of the title and never over it: when both do not
    // fit, the hidden columns' names go first, then the title is cut.
    let hidden = columns::hidden_note(t.columns, &widths);
    let short = hidden.as_ref().map(|h| h.split(':').next().unwrap_or(h).to_string());
    let join = |h: &Option<String>| h.iter().chain(&rows_note).cloned().collect::<Vec<_>>().join(" · ");
    // Corners and a space each side of the title; with a note, its two
    // spaces and a border cell between the two.
    let room = |note: &str| area.width.saturating_sub(if note.is_empty() { 4 } else { 7 + note.width() as u16 });
    let mut note = join(&hidden);
    if t.title.width() > room(&note) as usize {
        note = join(&short);
    }
    let title = columns::clip(t.title, room(&note).max(5));
    let mut block = pane_block(&title, t.focused);
    if !note.is_empty() {
        block = block.title_top(Line::from(format!(" {note} ")).right_aligned());
    }
    let table = Table::new(rows, shown.iter().map(|(_, w)| Constraint::Length(*w)))
        .header(header)
        .column_spacing(SPACING)
        .block(block)
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .highlight_symbol(t.symbol);
    let mut state = TableState::default().with_selected(selected.map(|s| s - first));
    frame.render_stateful_widget(table, area, &mut state);
}
