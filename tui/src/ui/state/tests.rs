use super::*;

const B: Bounds = Bounds { nodes: 4, validators: 4, newest_slot: 100, oldest_slot: 0, tree_cells: 0 };

#[test]
fn selection_stays_in_range_and_focus_cycles() {
    let mut s = UiState::default();
    s.update(Action::Up, B);
    assert_eq!(s.selected, 0);
    for _ in 0..10 {
        s.update(Action::Down, B);
    }
    assert_eq!(s.selected, 3);
    s.update(Action::PrevPane, B);
    assert_eq!(s.focus, Pane::Log);
    s.update(Action::Up, B);
    assert_eq!((s.selected, s.log_scroll), (3, 1));
    s.update(Action::NextPane, B);
    assert_eq!(s.focus, Pane::Nodes);
    for p in &Pane::ORDER[1..] {
        s.update(Action::NextPane, B);
        assert_eq!(s.focus, *p);
    }
    s.update(Action::ToggleHelp, B);
    assert!(s.help);
    s.update(Action::Back, B);
    assert!(!s.help);
    s.update(Action::Quit, B);
    assert!(s.quit);
}

#[test]
fn fork_tree_cursor_zoom_and_history() {
    let mut s = UiState { focus: Pane::Tree, ..Default::default() };
    s.update(Action::Left, B);
    assert_eq!(s.tree.cursor, Some((99, 0)));
    s.update(Action::Down, B);
    s.update(Action::ZoomOut, B);
    s.update(Action::ZoomOut, B);
    assert_eq!(s.tree.zoom, 4);
    s.update(Action::Right, B);
    s.update(Action::Right, B);
    assert_eq!(s.tree.cursor, Some((100, 1)), "the cursor stops at the newest slot");
    for _ in 0..10 {
        s.update(Action::ZoomOut, B);
    }
    assert_eq!(s.tree.zoom, MAX_ZOOM);
    s.update(Action::ZoomIn, B);
    assert_eq!(s.tree.zoom, MAX_ZOOM / 2);
    s.tree.zoom = 1;
    s.update(Action::Earlier, B);
    assert_eq!((s.tree.back, s.tree.cursor), (10, None));
    for _ in 0..20 {
        s.update(Action::Earlier, B);
    }
    assert_eq!(s.tree.back, TreeView::AT_FLOOR, "cannot scroll before slot 0");
    s.update(Action::Later, B);
    assert_eq!(s.tree.back, 90);
    s.update(Action::Latest, B);
    assert_eq!(s.tree.back, 0);
    s.update(Action::ToggleProposers, B);
    assert!(s.tree.proposers);
}

#[test]
fn filter_detail_and_freeze() {
    let mut s = UiState::default();
    s.update(Action::StartFilter, B);
    assert_eq!(s.mode(), Mode::Filter);
    for c in "reorg".chars() {
        s.update(Action::FilterChar(c), B);
    }
    s.update(Action::FilterBackspace, B);
    s.update(Action::FilterDone, B);
    assert_eq!((s.filter.as_str(), s.mode()), ("reor", Mode::Normal));
    s.update(Action::StartFilter, B);
    s.update(Action::FilterCancel, B);
    assert_eq!(s.filter, "");
    s.update(Action::Open, B);
    assert_eq!(s.mode(), Mode::Detail);
    s.update(Action::Down, B);
    assert_eq!(s.selected, 1);
    s.update(Action::Back, B);
    assert_eq!(s.mode(), Mode::Normal);
    s.focus = Pane::Log;
    s.update(Action::Open, B);
    assert!(!s.detail, "enter opens a detail only from the nodes table");
    assert_eq!(s.mode(), Mode::Viewer, "enter on events opens them full screen");
    s.update(Action::Up, B);
    s.update(Action::PageUp, B);
    assert_eq!(s.viewer.map(|v| v.scroll), Some(21));
    s.update(Action::Latest, B);
    assert_eq!(s.viewer.map(|v| v.scroll), Some(0), "End follows again");
    assert_eq!(s.log_scroll, 0, "the viewer scrolls itself, not the pane");
    s.update(Action::Back, B);
    assert_eq!(s.mode(), Mode::Normal);
    s.update(Action::OpenNodeLog, B);
    assert_eq!(s.viewer.map(|v| v.source), Some(super::ViewerSource::NodeLog(1)));
    s.update(Action::Back, B);
    s.update(Action::Freeze, B);
    assert!(s.frozen);
    s.update(Action::Freeze, B);
    assert!(!s.frozen);
}

#[test]
fn history_stops_with_the_oldest_held_block_at_the_left_edge() {
    // 20 cells: at 1 slot per cell the window is slots 40..=59 when scrolled
    // back furthest, 41 slots back from 100.
    let b = Bounds { oldest_slot: 40, tree_cells: 20, ..B };
    let mut s = UiState { focus: Pane::Tree, ..Default::default() };
    for _ in 0..20 {
        s.update(Action::Earlier, b);
    }
    assert_eq!(s.tree.back, TreeView::AT_FLOOR, "stays at the floor as time moves on");
    s.update(Action::Later, b);
    assert_eq!(s.tree.back, 31, "the first step forward moves at once");
    s.update(Action::Later, b);
    s.update(Action::Later, b);
    assert_eq!(s.tree.back, 11);
    s.update(Action::Earlier, b);
    assert_eq!(s.tree.back, 21);
    s.update(Action::ZoomOut, b);
    assert_eq!(s.tree.back, TreeView::AT_FLOOR, "zoomed out, 21 slots back passes the floor");
    s.update(Action::Latest, b);
    s.tree.zoom = 1;
    for _ in 0..100 {
        s.update(Action::Left, b);
    }
    assert_eq!(s.tree.cursor, Some((40, 0)), "the cursor stops at the oldest held slot");
}
