//! The fork tree's window: where the pane's parts go, which slots it shows,
//! and how far back history reaches. Pure.
//!
//! Rules:
//! - Inside its border the pane is the tree and, from 90 columns on, the
//!   selected block's details (`DETAIL_WIDTH` columns) on the right. The
//!   tree has `cells` columns of two characters, after a margin on the right
//!   for head labels (a quarter of its width, at most 24); its last two rows
//!   are the axis and the legend.
//! - The right edge is the newest slot (cluster clock or newest head) minus
//!   `TreeView::back`, moved so the cursor stays inside; `zoom` slots per
//!   cell. It never goes so far back that the left edge passes the floor of
//!   history: slot 0 (genesis) while the oldest held block is at height 1 or
//!   below, else the oldest held block's slot (older blocks were pruned). So
//!   scrolling back stops with genesis or the oldest held block at the left
//!   edge, which then says so, and the tree never scrolls to an empty
//!   screen. Scrolled back that far (`TreeView::AT_FLOOR`), the window stays
//!   there while new slots come.
//! - The tree spans the terminal's width in both layouts, so `cells_at_width`
//!   tells key handling (`Bounds`) how many cells the window has without a
//!   frame.

use crate::cluster::ClusterView;
use crate::ui::state::TreeView;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Block;

pub const DETAIL_WIDTH: u16 = 36;

/// Where the tree and the details go inside the pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub tree: Rect,
    pub detail: Option<Rect>,
    /// Columns of the time axis (two characters each).
    pub cells: u64,
    /// Rows for lanes, above the axis and the legend.
    pub rows: usize,
}

/// The pane's geometry; `None` when too small for a tree.
pub fn geometry(pane: Rect) -> Option<Geometry> {
    let inner = Block::bordered().inner(pane);
    let (tree, detail) = if inner.width >= 90 {
        let [a, b] = Layout::horizontal([Constraint::Min(40), Constraint::Length(DETAIL_WIDTH)]).areas(inner);
        (a, Some(b))
    } else {
        (inner, None)
    };
    if tree.height < 3 || tree.width < 8 {
        return None;
    }
    let width = tree.width as usize;
    let margin = (width / 4).min(24);
    let cells = ((width - margin) / 2).max(1) as u64;
    Some(Geometry { tree, detail, cells, rows: (tree.height as usize - 2).max(1) })
}

/// The window's cells when the tree pane is `width` columns wide (0 when it
/// is too narrow for a tree).
pub fn cells_at_width(width: u16) -> u64 {
    geometry(Rect::new(0, 0, width, 10)).map_or(0, |g| g.cells)
}

/// What is at the floor of history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Floor {
    Genesis,
    /// Blocks below the oldest held one were pruned.
    OldestHeld,
}

impl Floor {
    pub fn label(self) -> &'static str {
        match self {
            Floor::Genesis => "genesis",
            Floor::OldestHeld => "oldest held",
        }
    }
}

/// The slot the window's left edge may not pass, and what is there.
pub fn floor(view: &ClusterView) -> (u64, Floor) {
    match view.blocks.oldest() {
        Some(b) if b.block.height > 1 => (b.block.slot, Floor::OldestHeld),
        _ => (0, Floor::Genesis),
    }
}

/// The newest slot: the cluster's clock or the newest head, whichever is later.
pub fn newest_slot(view: &ClusterView, now_ms: u64) -> u64 {
    view.nodes.iter().map(|n| n.head.slot).max().unwrap_or(0).max(view.current_slot(now_ms))
}

/// The slots shown: `from..=right`, `zoom` per cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub from: u64,
    pub right: u64,
    pub zoom: u64,
    pub newest: u64,
    /// Set when scrolled back to the floor: the left edge is there.
    pub at_floor: Option<Floor>,
}

impl Window {
    /// Slots between the newest slot and the right edge.
    pub fn back(&self) -> u64 {
        self.newest.saturating_sub(self.right)
    }
}

pub fn window(view: &ClusterView, tv: &TreeView, cells: u64, now_ms: u64) -> Window {
    let zoom = tv.zoom.max(1);
    let span = cells.max(1) * zoom;
    let newest = newest_slot(view, now_ms);
    let mut right = newest.saturating_sub(tv.back);
    if let Some((cs, _)) = tv.cursor {
        if cs > right {
            right = cs;
        } else if cs + span <= right {
            right = cs + span / 2;
        }
    }
    let (floor_slot, floor) = floor(view);
    right = right.max((floor_slot + span - 1).min(newest));
    let from = (right + 1).saturating_sub(span);
    let at_floor = (right < newest && from <= floor_slot).then_some(floor);
    Window { from, right, zoom, newest, at_floor }
}
