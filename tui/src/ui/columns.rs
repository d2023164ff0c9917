//! Table columns sized from their content, and what to give up first when
//! the pane is too narrow. Pure: text in, widths out.
//!
//! Rules:
//! - A column's natural width is the widest of its header and its cells
//!   (display width, so `→` and `±` count one).
//! - When every column fits at its natural width, that is what it gets; the
//!   space left over stays empty at the right.
//! - When they do not fit, columns give up space one at a time in order of
//!   `priority`, the highest number first (right to left among equals): a
//!   column is shortened toward its `min` when that is enough, else hidden
//!   whole, before the next column gives anything. A `kept` column is never
//!   hidden: in its turn it is shortened to its `min` and the next one
//!   goes on, so the columns that name a row stay.
//! - A shortened cell ends in `…`, so it never reads as whole; the table
//!   says which columns are hidden (`hidden_note`).
//!
//! Hand-written: ratatui's layout solver spreads space over constraints but
//! cannot hide a column by priority or report what it cut, which is what a
//! reader of the table needs to know.

use ratatui::text::Span;
use unicode_width::UnicodeWidthStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub header: &'static str,
    /// The narrowest it may be shortened to (with `…`).
    pub min: u16,
    /// Higher numbers give up their space first.
    pub priority: u8,
    /// Never hidden, only shortened.
    pub kept: bool,
}

impl Column {
    /// A column that is hidden when shortening it to `min` is not enough
    /// (engines' columns come from their descriptions; this is for tests).
    #[cfg(test)]
    pub const fn new(header: &'static str, min: u16, priority: u8) -> Column {
        Column { header, min, priority, kept: false }
    }

    /// An engine's column as its description states it.
    pub const fn from_description(c: &devnet_node::consensus::describe::Column) -> Column {
        Column { header: c.header, min: c.min, priority: c.priority, kept: c.kept }
    }

    /// A column that is never hidden.
    pub const fn kept(header: &'static str, min: u16, priority: u8) -> Column {
        Column { header, min, priority, kept: true }
    }
}

/// Each column's width, `None` when hidden, for `avail` cells of width with
/// `spacing` between shown columns.
pub fn fit(cols: &[Column], natural: &[u16], avail: u16, spacing: u16) -> Vec<Option<u16>> {
    let mut order: Vec<usize> = (0..cols.len()).collect();
    // Highest priority number first; among equals, the rightmost first.
    order.sort_by(|a, b| cols[*b].priority.cmp(&cols[*a].priority).then(b.cmp(a)));
    let mut w: Vec<Option<u16>> = natural.iter().map(|n| Some(*n)).collect();
    let mut shown = cols.len() as u32;
    let need = natural.iter().map(|n| *n as u32).sum::<u32>() + spacing as u32 * shown.saturating_sub(1);
    let mut over = need.saturating_sub(avail as u32);
    for &i in &order {
        if over == 0 {
            break;
        }
        let width = natural[i] as u32;
        let cut = width.saturating_sub(cols[i].min.min(natural[i]) as u32).min(over);
        if over > cut && !cols[i].kept && shown > 1 {
            w[i] = None;
            shown -= 1;
            over = over.saturating_sub(width + spacing as u32);
        } else {
            w[i] = Some((width - cut) as u16);
            over -= cut;
        }
    }
    w
}

/// Natural widths: the widest of each column's header and cells.
pub fn natural(cols: &[Column], rows: &[Vec<Span<'_>>]) -> Vec<u16> {
    cols.iter()
        .enumerate()
        .map(|(i, c)| {
            let cells = rows.iter().filter_map(|r| r.get(i)).map(|s| s.content.width());
            cells.chain([c.header.width()]).max().unwrap_or(0) as u16
        })
        .collect()
}

/// `text` cut to `width` columns, ending in `…` when it was cut (borrowed
/// when it fits, as most cells do).
pub fn clip(text: &str, width: u16) -> std::borrow::Cow<'_, str> {
    let width = width as usize;
    if text.width() <= width {
        return text.into();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out.into()
}

/// `+2 hidden: peers, pool`, or `None` when every column is shown.
pub fn hidden_note(cols: &[Column], widths: &[Option<u16>]) -> Option<String> {
    let hidden: Vec<&str> = cols.iter().zip(widths).filter(|(_, w)| w.is_none()).map(|(c, _)| c.header).collect();
    (!hidden.is_empty()).then(|| format!("+{} hidden: {}", hidden.len(), hidden.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: [Column; 4] = [
        Column::kept("node", 4, 0),
        Column::new("state", 5, 1),
        Column::new("peers", 5, 3),
        Column::new("faults", 6, 2),
    ];

    #[test]
    fn natural_widths_when_they_fit() {
        assert_eq!(fit(&COLS, &[4, 7, 5, 20], 39, 1), vec![Some(4), Some(7), Some(5), Some(20)]);
        assert_eq!(fit(&COLS, &[4, 7, 5, 20], 100, 1), vec![Some(4), Some(7), Some(5), Some(20)]);
    }

    #[test]
    fn the_highest_priority_number_goes_first_and_is_hidden_before_the_next_is_shortened() {
        // 3 too wide: peers (priority 3) cannot be shortened, so it is hidden; faults stays whole.
        assert_eq!(fit(&COLS, &[4, 7, 5, 20], 36, 1), vec![Some(4), Some(7), None, Some(20)]);
        // 9 too wide: peers hidden, then faults gives the 3 still missing.
        assert_eq!(fit(&COLS, &[4, 7, 5, 20], 30, 1), vec![Some(4), Some(7), None, Some(17)]);
        // faults at its min would still not fit: hidden too.
        assert_eq!(fit(&COLS, &[4, 7, 5, 20], 18, 1), vec![Some(4), Some(7), None, None]);
        assert_eq!(fit(&COLS, &[4, 7, 5, 20], 10, 1), vec![Some(4), Some(5), None, None]);
        // A kept column is never hidden, even when it does not fit.
        assert_eq!(fit(&COLS, &[4, 7, 5, 20], 8, 1), vec![Some(4), None, None, None]);
        assert_eq!(fit(&COLS, &[4, 7, 5, 20], 2, 1), vec![Some(4), None, None, None]);
        assert_eq!(hidden_note(&COLS, &[Some(4), Some(5), None, None]).as_deref(), Some("+2 hidden: peers, faults"));
        assert_eq!(hidden_note(&COLS, &[Some(4); 4]), None);
    }

    #[test]
    fn a_kept_column_is_shortened_in_its_turn_and_the_next_goes_on() {
        let cols = [Column::kept("state", 7, 3), Column::new("lag", 3, 4), Column::new("faults", 6, 2)];
        // lag goes, then state gives what it can (22 -> 7), then faults.
        assert_eq!(fit(&cols, &[22, 3, 20], 30, 1), vec![Some(9), None, Some(20)]);
        assert_eq!(fit(&cols, &[22, 3, 20], 20, 1), vec![Some(7), None, Some(12)]);
    }

    #[test]
    fn among_equal_priorities_the_rightmost_goes_first() {
        let cols = [Column::new("a", 1, 1), Column::new("b", 1, 1), Column::new("c", 1, 1)];
        assert_eq!(fit(&cols, &[3, 3, 3], 8, 1), vec![Some(3), Some(3), None]);
        assert_eq!(fit(&cols, &[3, 3, 3], 9, 1), vec![Some(3), Some(3), Some(1)]);
    }

    #[test]
    fn clipped_text_ends_in_an_ellipsis() {
        assert_eq!(clip("lat 200±50ms", 12), "lat 200±50ms");
        assert_eq!(clip("lat 200±50ms", 8), "lat 200…");
        assert_eq!(clip("cut n0→n1", 5), "cut …");
        assert_eq!(clip("abc", 0), "");
    }

    #[test]
    fn natural_widths_count_display_width() {
        let rows = vec![vec![Span::raw("n0"), Span::raw("ok"), Span::raw("3"), Span::raw("cut n0→n1")]];
        assert_eq!(natural(&COLS, &rows), vec![4, 5, 5, 9]);
    }
}
