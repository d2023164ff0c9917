//! Mouse, where it is natural: a left click focuses the pane under the
//! pointer and, in the nodes table, selects the clicked node; the wheel
//! scrolls the focused pane as ↑/↓ do. Pure: hit-testing uses the same
//! `areas` the frame is drawn with, so clicks always match what is shown.

use super::{Areas, Pane, UiState};
use crate::keys::Action;
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

/// Applies a click to `ui`; returns the action a wheel turn stands for.
pub fn on_mouse(ev: MouseEvent, areas: &Areas, ui: &mut UiState, nodes: usize) -> Option<Action> {
    match ev.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            let hit = areas.panes.iter().find(|(_, r)| {
                ev.column >= r.x && ev.column < r.x + r.width && ev.row >= r.y && ev.row < r.y + r.height
            });
            if let Some((pane, r)) = hit {
                ui.focus = *pane;
                // Rows: border, header, then one row per node from the
                // first one the table shows.
                let (first, _) = super::table::window(*r, nodes, Some(ui.selected));
                let row = first + ev.row.saturating_sub(r.y + 2) as usize;
                if *pane == Pane::Nodes && ev.row >= r.y + 2 && ev.row + 1 < r.y + r.height && row < nodes {
                    ui.selected = row;
                }
            }
            None
        }
        MouseEventKind::ScrollUp => Some(Action::Up),
        MouseEventKind::ScrollDown => Some(Action::Down),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyModifiers;
    use ratatui::layout::Rect;

    fn click(column: u16, row: u16) -> MouseEvent {
        MouseEvent { kind: MouseEventKind::Down(MouseButton::Left), column, row, modifiers: KeyModifiers::NONE }
    }

    #[test]
    fn clicks_focus_panes_and_select_nodes() {
        let areas = Areas {
            header: Rect::new(0, 0, 100, 3),
            tabs: None,
            panes: vec![(Pane::Nodes, Rect::new(0, 3, 50, 8)), (Pane::Log, Rect::new(50, 3, 50, 8))],
            footer: Rect::new(0, 11, 100, 1),
        };
        let mut ui = UiState { focus: Pane::Log, ..Default::default() };
        assert_eq!(on_mouse(click(10, 7), &areas, &mut ui, 4), None);
        assert_eq!((ui.focus, ui.selected), (Pane::Nodes, 2), "row 7 is the third node under border and header");
        on_mouse(click(10, 4), &areas, &mut ui, 4);
        assert_eq!(ui.selected, 2, "the header row selects nothing");
        on_mouse(click(10, 10), &areas, &mut ui, 4);
        assert_eq!(ui.selected, 2, "below the last node selects nothing");
        on_mouse(click(60, 5), &areas, &mut ui, 4);
        assert_eq!(ui.focus, Pane::Log);
        // 64 nodes in 5 rows, n12 selected: rows 8-12 are shown, so the
        // first row is n8.
        ui.focus = Pane::Nodes;
        ui.selected = 12;
        on_mouse(click(10, 5), &areas, &mut ui, 64);
        assert_eq!(ui.selected, 8, "clicks count from the first row shown");
        let wheel = MouseEvent { kind: MouseEventKind::ScrollDown, column: 0, row: 0, modifiers: KeyModifiers::NONE };
        assert_eq!(on_mouse(wheel, &areas, &mut ui, 4), Some(Action::Down));
    }
}
