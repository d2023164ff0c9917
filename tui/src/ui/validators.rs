//! The validator set: index, short key, stake and share, status, participation
//! over the last epochs, last attestation, proposals made and missed.
//! Status is a word, so it reads without colour. Tendermint and pow draw
//! their own columns (`super::tendermint`, `super::pow`) with the same
//! first five (`lead_cells`).

use super::{Pane, UiState, pane_block};
use crate::cluster::ClusterView;
use crate::cluster::engine::EngineKind;
use crate::cluster::validators::{PARTICIPATION_EPOCHS, ValidatorRow, ValidatorStatus};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Cell, Row, Table, TableState};

/// The first columns every engine shows: index, key, stake, share, status.
pub(super) fn lead_cells(view: &ClusterView, ui: &UiState, r: &ValidatorRow) -> [Cell<'static>; 5] {
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
        Cell::from(format!("v{}", r.index)),
        Cell::from(r.key.clone()),
        Cell::from(r.stake.to_string()),
        Cell::from(format!("{:.1}%", r.stake as f64 * 100.0 / total as f64)),
        Cell::from(status.label()).style(style),
    ]
}

/// The table in the validators pane's frame; a row is highlighted while the pane has focus.
pub(super) fn draw_table<'a>(
    frame: &mut Frame,
    area: Rect,
    ui: &UiState,
    title: &str,
    header: &[&'a str],
    rows: Vec<Row<'a>>,
    widths: &[Constraint],
) {
    let n = rows.len();
    let header = Row::new(header.to_vec()).style(Style::new().add_modifier(Modifier::BOLD));
    let table = Table::new(rows, widths.to_vec())
        .header(header)
        .block(pane_block(title, ui.focus == Pane::Validators))
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    let sel = (ui.focus == Pane::Validators).then_some(ui.validator_scroll.min(n.saturating_sub(1)));
    let mut state = TableState::default().with_selected(sel);
    frame.render_stateful_widget(table, area, &mut state);
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState, now_ms: u64) {
    match view.kind() {
        EngineKind::Tendermint => return super::tendermint::draw_validators(frame, area, view, ui),
        EngineKind::Pow => return super::pow::draw_miners(frame, area, view, ui),
        EngineKind::Gasper => {}
    }
    let t = ui.theme;
    let slot = view.current_slot(now_ms);
    let vs = &view.validators;
    let header = ["val", "key", "stake", "share", "status", "part.", "last att", "prop", "miss"];
    let rows = vs.rows.iter().map(|r| {
        let part = vs.participation(r.index, slot);
        let [a, b, c, d, e] = lead_cells(view, ui, r);
        Row::new([
            a,
            b,
            c,
            d,
            e,
            Cell::from(format!("{:>3.0}%", part * 100.0)).style(if part < 2.0 / 3.0 { t.warn() } else { Style::new() }),
            Cell::from(r.last_attested.map_or("-".into(), |s| format!("s{s}"))),
            Cell::from(r.proposed.to_string()),
            Cell::from(r.missed.to_string()),
        ])
    });
    let widths = [
        Constraint::Length(4),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(9),
        Constraint::Length(5),
        Constraint::Length(8),
        Constraint::Length(5),
        Constraint::Length(5),
    ];
    let title = format!("validators · participation over {PARTICIPATION_EPOCHS} epochs");
    draw_table(frame, area, ui, &title, &header, rows.collect(), &widths);
}
