//! The validator set: the validator's index first, then the columns the
//! engine's description names (`super::cells` fills them: key, stake and
//! share, status, participation, last vote, proposals, and the engine's
//! own cells, such as each validator's votes as the selected node saw them).
//! Status is a word, so it reads without colour. A slashed validator's
//! participation is `-`: it no longer counts, whatever it still signs.
//!
//! The title says whose view the `Seen` cells are (`votes h13 r1 · seen by
//! n0`, or the last decided position's votes while the next has none), the
//! participation window when a column shows it, else the description's.
//!
//! Widths come from the cells (`super::columns`); what goes first when the
//! pane is narrow is each column's priority in the description.

use super::cells;
use super::columns::Column;
use super::table::{self, TableSpec};
use super::{Pane, UiState};
use crate::cluster::validators::PARTICIPATION_EPOCHS;
use crate::cluster::{ClusterView, NodeView};
use devnet_node::consensus::describe::{Seen, Source};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use unicode_width::UnicodeWidthStr;

/// What a validators pane shows: its title, its columns and their cells.
pub(super) struct ValidatorTable {
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Span<'static>>>,
}

pub(super) fn table_of(view: &ClusterView, ui: &UiState, now_ms: u64) -> ValidatorTable {
    let d = view.desc();
    let seen = cells::seen_by(view, ui);
    let index = Column { min: (d.validators.word.len() as u16).max(3), ..Column::kept(d.validators.word, 3, 0) };
    let columns = std::iter::once(index).chain(d.validators.columns.iter().map(Column::from_description)).collect();
    let rows = view
        .validators
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![Span::raw(format!("v{}", r.index))];
            row.extend(d.validators.columns.iter().map(|c| cells::validator_cell(view, ui, r, seen, c.source, now_ms)));
            row
        })
        .collect();
    ValidatorTable { title: title(view, seen), columns, rows }
}

fn title(view: &ClusterView, seen: Option<&NodeView>) -> String {
    let d = view.desc();
    let (a, r) = (d.axis.letter, d.round_letter);
    match seen.and_then(|n| n.detail.seen.map(|s| (n, s))) {
        Some((n, Seen { at, round: Some(round) })) => {
            format!("validators · votes {a}{at} {r}{round} · seen by {}", n.id)
        }
        // The pause after a decision: the next position has no votes yet.
        Some((n, Seen { at, round: None })) => {
            format!("validators · votes {a}{at} ({}) · seen by {}", d.finality.word, n.id)
        }
        None if d.validators.columns.iter().any(|c| c.source == Source::Participation) => {
            format!("validators · participation over {PARTICIPATION_EPOCHS} epochs")
        }
        // Cells seen by the selected node without a position to name (hotstuff's latest votes).
        None => match seen {
            Some(n) if d.validators.columns.iter().any(|c| matches!(c.source, Source::Seen(_))) => {
                format!("{} · seen by {}", d.validators.title, n.id)
            }
            _ => d.validators.title.to_string(),
        },
    }
}

/// The pane's width with every column and its title whole (the layout gives it this when it can).
pub fn width(view: &ClusterView, ui: &UiState) -> u16 {
    // Participation is at most 4 wide, under its header, whatever the slot.
    width_of(&table_of(view, ui, 0))
}

/// `width` of a table already built (a frame builds it once for both).
pub(super) fn width_of(t: &ValidatorTable) -> u16 {
    table::natural_width(&t.columns, &t.rows, "").max(t.title.width() as u16 + 4)
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState, now_ms: u64) {
    draw_table(frame, area, ui, table_of(view, ui, now_ms));
}

pub(super) fn draw_table(frame: &mut Frame, area: Rect, ui: &UiState, t: ValidatorTable) {
    let focused = ui.focus == Pane::Validators;
    let selected = focused.then_some(ui.validator_scroll);
    let spec = TableSpec { title: &t.title, focused, columns: &t.columns, rows: t.rows, selected, symbol: "" };
    table::draw(frame, area, spec);
}
