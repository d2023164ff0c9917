//! The validator set: index, short key, stake and share, status, participation
//! over the last epochs, last attestation, proposals made and missed.
//! Status is a word, so it reads without colour. A slashed validator's
//! participation is `-`: it no longer counts, whatever it still signs.
//! Tendermint and pow draw their own columns (`super::tendermint`,
//! `super::pow`) with the same first five (`lead_cells`).
//!
//! Widths come from the cells (`super::columns`); when the pane is narrow
//! the missed and made proposals go first, then the stake (the share says
//! it), the key and the last attestation. Index, share, status and
//! participation stay.

use super::columns::Column;
use super::table::{self, TableSpec};
use super::{Pane, UiState};
use crate::cluster::ClusterView;
use crate::cluster::engine::EngineKind;
use crate::cluster::validators::{PARTICIPATION_EPOCHS, ValidatorRow, ValidatorStatus};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use unicode_width::UnicodeWidthStr;

/// The first columns every engine shows: index, key, stake, share, status.
pub(super) fn lead_cells(view: &ClusterView, ui: &UiState, r: &ValidatorRow) -> [Span<'static>; 5] {
    let t = ui.theme;
    let vs = &view.validators;
    let total = vs.total_stake().max(1);
    let running = |n: usize| view.nodes.get(n).is_some_and(|n| n.is_running());
    let status = vs.status(r.index, running);
    let style = match status {
        ValidatorStatus::Active => t.ok(),
        ValidatorStatus::Offline => t.warn(),
        ValidatorStatus::Slashed | ValidatorStatus::Byzantine => t.bad(),
    };
    [
        Span::raw(format!("v{}", r.index)),
        Span::raw(r.key.clone()),
        Span::raw(r.stake.to_string()),
        Span::raw(format!("{:.1}%", r.stake as f64 * 100.0 / total as f64)),
        Span::styled(status.label(), style),
    ]
}

/// What a validators pane shows: its title, its columns and their cells.
pub(super) struct ValidatorTable {
    pub title: String,
    pub columns: &'static [Column],
    pub rows: Vec<Vec<Span<'static>>>,
}

pub(super) fn table_of(view: &ClusterView, ui: &UiState, now_ms: u64) -> ValidatorTable {
    match view.kind() {
        EngineKind::Tendermint => super::tendermint::validators(view, ui),
        EngineKind::Pow => super::pow::miners(view, ui),
        EngineKind::Gasper => gasper(view, ui, now_ms),
    }
}

/// The pane's width with every column and its title whole (the layout gives it this when it can).
pub fn width(view: &ClusterView, ui: &UiState) -> u16 {
    // Participation is at most 4 wide, under its header, whatever the slot.
    width_of(&table_of(view, ui, 0))
}

/// `width` of a table already built (a frame builds it once for both).
pub(super) fn width_of(t: &ValidatorTable) -> u16 {
    table::natural_width(t.columns, &t.rows, "").max(t.title.width() as u16 + 4)
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState, now_ms: u64) {
    draw_table(frame, area, ui, table_of(view, ui, now_ms));
}

pub(super) fn draw_table(frame: &mut Frame, area: Rect, ui: &UiState, t: ValidatorTable) {
    let focused = ui.focus == Pane::Validators;
    let selected = focused.then_some(ui.validator_scroll);
    let spec = TableSpec { title: &t.title, focused, columns: t.columns, rows: t.rows, selected, symbol: "" };
    table::draw(frame, area, spec);
}

pub(super) const COLUMNS: [Column; 9] = [
    Column::kept("val", 3, 0),
    Column::new("key", 8, 5),
    Column::new("stake", 5, 6),
    Column::kept("share", 5, 0),
    Column::kept("status", 6, 1),
    Column::kept("part.", 5, 0),
    Column::new("last att", 8, 4),
    Column::new("prop", 4, 7),
    Column::new("miss", 4, 8),
];

fn gasper(view: &ClusterView, ui: &UiState, now_ms: u64) -> ValidatorTable {
    let t = ui.theme;
    let slot = view.current_slot(now_ms);
    let vs = &view.validators;
    let rows = vs.rows.iter().map(|r| {
        let part = vs.participation(r.index, slot);
        let [a, b, c, d, e] = lead_cells(view, ui, r);
        let part = if r.slashed {
            Span::styled("-", t.dim())
        } else {
            Span::styled(format!("{:>3.0}%", part * 100.0), if part < 2.0 / 3.0 { t.warn() } else { Style::new() })
        };
        vec![
            a,
            b,
            c,
            d,
            e,
            part,
            Span::raw(r.last_attested.map_or("-".into(), |s| format!("s{s}"))),
            Span::raw(r.proposed.to_string()),
            Span::raw(r.missed.to_string()),
        ]
    });
    let title = format!("validators · participation over {PARTICIPATION_EPOCHS} epochs");
    ValidatorTable { title, columns: &COLUMNS, rows: rows.collect() }
}
