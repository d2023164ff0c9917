//! The validator set: index, short key, stake and share, status, participation
//! over the last epochs, last attestation, proposals made and missed.
//! Status is a word, so it reads without colour.

use super::{Pane, UiState, pane_block};
use crate::cluster::ClusterView;
use crate::cluster::validators::{PARTICIPATION_EPOCHS, ValidatorStatus};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Cell, Row, Table, TableState};

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState, now_ms: u64) {
    let t = ui.theme;
    let slot = view.current_slot(now_ms);
    let vs = &view.validators;
    let total = vs.total_stake().max(1);
    let header = Row::new(["val", "key", "stake", "share", "status", "part.", "last att", "prop", "miss"])
        .style(Style::new().add_modifier(Modifier::BOLD));
    let running = |n: usize| view.nodes.get(n).is_some_and(|n| n.is_running());
    let rows = vs.rows.iter().map(|r| {
        let status = vs.status(r.index, running);
        let style = match status {
            ValidatorStatus::Active => t.ok(),
            ValidatorStatus::Offline => t.warn(),
            ValidatorStatus::Slashed | ValidatorStatus::Byzantine => t.bad(),
        };
        let part = vs.participation(r.index, slot);
        Row::new([
            Cell::from(format!("v{}", r.index)),
            Cell::from(r.key.clone()),
            Cell::from(r.stake.to_string()),
            Cell::from(format!("{:.1}%", r.stake as f64 * 100.0 / total as f64)),
            Cell::from(status.label()).style(style),
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
    let table = Table::new(rows, widths)
        .header(header)
        .block(pane_block(&title, ui.focus == Pane::Validators))
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    let sel = (ui.focus == Pane::Validators).then_some(ui.validator_scroll.min(vs.rows.len().saturating_sub(1)));
    let mut state = TableState::default().with_selected(sel);
    frame.render_stateful_widget(table, area, &mut state);
}
