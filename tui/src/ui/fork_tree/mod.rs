//! The fork tree pane: the recent block tree, time (slots) left to right, one
//! row per branch (`layout`), and the selected block's details on the right.
//!
//! Rules:
//! - The window (`window`): which slots are shown, never past genesis or the
//!   oldest held block. Only the window's blocks are read (the view's index by
//!   slot) and laid out, and chains reach the window by their skips, so a
//!   frame's cost follows what is on screen, not how many blocks are held.
//! - The trunk is the head held by the most nodes among heads descending from
//!   the highest finalized block (then the higher slot, then the larger hash),
//!   cut back to the window's right edge.
//! - A cell shows its most telling block: equivocation `✖` (two blocks by one
//!   proposer in one slot, red) over a node's head `◆` over finalized `█`
//!   (green) over justified `▓` (cyan) over a block `■`; blocks that no node's
//!   head descends from are orphaned: `□`, dimmed. Glyphs carry the meaning
//!   without colour. With `i`, cells show proposer indices instead.
//! - After each branch's newest block, the nodes whose head is on it
//!   (`n3@s17` when the head is not the branch's newest block).
//! - The selected block (reversed; its details on the right; what `y`
//!   copies) is the block nearest the cursor on the cursor's row, or the
//!   trunk's newest without a cursor. `selected_block` computes it from the
//!   view, the UI state and the pane's area, as drawing does: drawing
//!   records nothing.
//! - The axis, the pane's title, its legend and the selected block's
//!   details are in the engine's words (its description): slots (`s17`) on
//!   gasper's clock, heights (`h17`), sequence numbers (`#17`) or rounds
//!   (`r17`) elsewhere. Where the description says so, failed rounds (or
//!   views) are marked under their height (`rounds`); finalized shading is
//!   whatever the engine calls final (pow: the k-deep part of the chain).

mod layout;
#[cfg(test)]
mod layout_tests;
mod rounds;
#[cfg(test)]
mod tests;
pub mod window;

use super::{Pane, UiState, pane_block};
use crate::cluster::ClusterView;
use crate::cluster::view::BlockView;
use crate::words::plural;
use devnet_node::chain::Hash32;
pub use layout::{Lane, TreeBlock, TreeLayout, layout};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::collections::{BTreeMap, HashMap};
use window::{Geometry, Window, geometry};

/// The head the trunk is drawn to.
pub fn trunk_tip(view: &ClusterView) -> Option<Hash32> {
    let fin = view.finalized().block;
    let mut count: BTreeMap<(u64, Hash32), usize> = BTreeMap::new();
    for n in &view.nodes {
        if n.head.hash != Hash32::default() {
            *count.entry((n.head.slot, n.head.hash)).or_default() += 1;
        }
    }
    count
        .into_iter()
        .filter(|((_, h), _)| fin.height == 0 || view.ancestor_at(*h, fin.height) == Some(fin.hash))
        .max_by_key(|((slot, h), c)| (*c, *slot, *h))
        .map(|((_, h), _)| h)
}

/// What a block of the window is, as bits (`Marks::of`).
const FINALIZED: u8 = 1;
const JUSTIFIED: u8 = 2;
const LIVE: u8 = 4;
const EQUIVOCATING: u8 = 8;
const HEAD: u8 = 16;

/// Marks on the blocks of the window, by the block's index in `Tree::blocks`.
#[derive(Default)]
struct Marks {
    bits: Vec<u8>,
    /// The nodes whose head each block is. A hash map: only looked up.
    heads: HashMap<Hash32, Vec<usize>>,
}

impl Marks {
    fn of(&self, i: usize) -> u8 {
        self.bits.get(i).copied().unwrap_or(0)
    }
}

/// Marks `bit` on the window's blocks of `tip`'s chain, down to the window's
/// left edge or a block that has a bit of `stop` (its own included).
fn mark_chain(view: &ClusterView, tip: Hash32, w: &Window, lay: &TreeLayout, bits: &mut [u8], bit: u8, stop: u8) {
    let start = view.blocks.at_or_before_slot(tip, w.right).and_then(|b| lay.index.get(&b.block.hash));
    let mut cur = start.copied();
    while let Some(i) = cur {
        if bits[i] & (stop | bit) != 0 {
            return;
        }
        bits[i] |= bit;
        cur = lay.parent[i];
    }
}

/// `blocks`: the window's, in slot order, as laid out in `lay`.
fn marks(view: &ClusterView, blocks: &[&BlockView], lay: &TreeLayout, w: &Window) -> Marks {
    let mut m = Marks { bits: vec![0; blocks.len()], heads: HashMap::new() };
    let fin = view.finalized().block.hash;
    mark_chain(view, fin, w, lay, &mut m.bits, FINALIZED, 0);
    if let Some(j) = view.nodes.iter().map(|n| n.justified).max_by_key(|c| (c.epoch, c.block.height)) {
        mark_chain(view, j.block.hash, w, lay, &mut m.bits, JUSTIFIED, FINALIZED);
    }
    for (i, n) in view.nodes.iter().enumerate() {
        m.heads.entry(n.head.hash).or_default().push(i);
    }
    for head in m.heads.keys() {
        mark_chain(view, *head, w, lay, &mut m.bits, LIVE, 0);
        if let Some(i) = lay.index.get(head) {
            m.bits[*i] |= HEAD;
        }
    }
    // Two blocks by one proposer in one slot: the blocks of a slot are adjacent.
    let mut at = 0;
    for same_slot in blocks.chunk_by(|a, b| a.block.slot == b.block.slot) {
        for (k, b) in same_slot.iter().enumerate() {
            if same_slot.iter().any(|o| o.proposer == b.proposer && o.block.hash != b.block.hash) {
                m.bits[at + k] |= EQUIVOCATING;
            }
        }
        at += same_slot.len();
    }
    m
}

fn glyph(bits: u8, ui: &UiState) -> (char, Style, u8) {
    let t = ui.theme;
    if bits & EQUIVOCATING != 0 {
        ('✖', t.bad(), 5)
    } else if bits & HEAD != 0 {
        ('◆', Style::new().add_modifier(Modifier::BOLD), 4)
    } else if bits & FINALIZED != 0 {
        ('█', t.ok(), 3)
    } else if bits & JUSTIFIED != 0 {
        ('▓', t.info(), 2)
    } else if bits & LIVE != 0 {
        ('■', Style::new(), 1)
    } else {
        ('□', t.dim(), 0)
    }
}

/// A character grid over part of the frame's buffer: rows and columns from
/// the area's corner, anything outside it dropped.
struct Canvas<'b> {
    buf: &'b mut Buffer,
    area: Rect,
}

impl Canvas<'_> {
    fn put(&mut self, y: usize, x: usize, c: char, s: Style) {
        if x < self.area.width as usize && y < self.area.height as usize {
            let cell = &mut self.buf[(self.area.x + x as u16, self.area.y + y as u16)];
            cell.reset();
            cell.set_char(c).set_style(s);
        }
    }
    fn put_str(&mut self, y: usize, x: usize, text: &str, s: Style) {
        for (i, c) in text.chars().enumerate() {
            self.put(y, x + i, c, s);
        }
    }
    fn is_blank(&self, y: usize, x: usize) -> bool {
        x < self.area.width as usize
            && y < self.area.height as usize
            && self.buf[(self.area.x + x as u16, self.area.y + y as u16)].symbol() == " "
    }
}

/// Short name list: `n0 n1 n2`, or `n0…n9 (+54)` when long.
fn names(view: &ClusterView, nodes: &[usize]) -> String {
    let ids: Vec<&str> = nodes.iter().filter_map(|i| view.nodes.get(*i).map(|n| n.id.as_str())).collect();
    if ids.len() <= 6 { ids.join(" ") } else { format!("{} … {} ({} nodes)", ids[0], ids[ids.len() - 1], ids.len()) }
}

/// What the pane shows, worked out before anything is drawn.
struct Tree<'v> {
    win: Window,
    /// The window's blocks in slot order; the layout and the marks index them.
    blocks: Vec<&'v BlockView>,
    lay: TreeLayout,
    marks: Marks,
    /// The selected block's index.
    selected: Option<usize>,
    /// The first lane row shown: rows scroll to keep the cursor's row in view.
    offset: usize,
}

fn build<'v>(view: &'v ClusterView, ui: &UiState, g: &Geometry, now_ms: u64) -> Tree<'v> {
    let tv = &ui.tree;
    let win = window::window(view, tv, g.cells, now_ms);
    let blocks: Vec<&BlockView> = view.blocks.in_slots(win.from..=win.right).collect();
    let input: Vec<TreeBlock> =
        blocks.iter().map(|b| TreeBlock { hash: b.block.hash, parent: b.parent, slot: b.block.slot }).collect();
    let tip = trunk_tip(view).and_then(|h| view.blocks.at_or_before_slot(h, win.right)).map(|b| b.block.hash);
    let lay = layout(&input, tip, win.from, win.zoom);
    let marks = marks(view, &blocks, &lay, &win);
    let cursor_row = tv.cursor.map_or(0, |(_, r)| r.min(lay.rows.saturating_sub(1)));
    let selected = match tv.cursor {
        None => lay.lanes.first().and_then(|l| l.blocks.last().copied()),
        Some((cs, _)) => {
            let ccol = cs.saturating_sub(win.from) / win.zoom;
            // The nearest, then the lowest hash: the same block every frame.
            (0..blocks.len())
                .filter_map(|i| lay.place[i].filter(|(r, _)| *r == cursor_row).map(|(_, c)| (i, c)))
                .min_by_key(|(i, c)| (c.abs_diff(ccol), blocks[*i].block.hash))
                .map(|(i, _)| i)
        }
    };
    let offset = (cursor_row + 1).saturating_sub(g.rows);
    Tree { win, blocks, lay, marks, selected, offset }
}

/// The selected block of the fork tree drawn in `pane` (see the rules).
pub fn selected_block(view: &ClusterView, ui: &UiState, pane: Rect, now_ms: u64) -> Option<Hash32> {
    let t = build(view, ui, &geometry(pane)?, now_ms);
    t.selected.map(|i| t.blocks[i].block.hash)
}

/// The selected block on a terminal of `size`, where the layout shows the tree.
pub fn selected_on_screen(size: Rect, view: &ClusterView, ui: &UiState, now_ms: u64) -> Option<Hash32> {
    let (_, pane) = super::areas(size, view, ui).panes.into_iter().find(|(p, _)| *p == Pane::Tree)?;
    selected_block(view, ui, pane, now_ms)
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState, now_ms: u64) {
    let tv = &ui.tree;
    let g = geometry(area);
    let tree = g.map(|g| build(view, ui, &g, now_ms));
    let zoom = tv.zoom.max(1);
    let desc = view.desc();
    let (name, unit) = (desc.tree.title, desc.axis.word);
    let mut title = format!("{name} · {zoom} {unit}{}/cell", if zoom == 1 { "" } else { "s" });
    let back = tree.as_ref().map_or(tv.back.min(window::newest_slot(view, now_ms)), |t| t.win.back());
    if back > 0 {
        title.push_str(&format!(" · {back} {unit}s back"));
    }
    let p = &view.history.pruned;
    if p.blocks > 0 {
        title.push_str(&format!(" · {} pruned below h{} ({} orphaned)", p.blocks, p.below_height, p.orphaned));
    }
    frame.render_widget(pane_block(&title, ui.focus == Pane::Tree), area);
    let (Some(g), Some(t)) = (g, tree) else { return };
    let (lay, m, win, selected) = (&t.lay, &t.marks, &t.win, t.selected);
    let (rows_vis, offset, width) = (g.rows, t.offset, g.tree.width as usize);
    let lanes_area = Rect { height: rows_vis as u16, ..g.tree };
    let mut canvas = Canvas { buf: frame.buffer_mut(), area: lanes_area };
    for lane in &lay.lanes {
        if lane.row < offset || lane.row >= offset + rows_vis {
            continue;
        }
        let y = lane.row - offset;
        let live = lane.blocks.iter().any(|i| m.of(*i) & LIVE != 0);
        let line = if live { Style::new() } else { ui.theme.dim() };
        if let Some((frow, fcol)) = lane.fork
            && fcol < lane.first_col
        {
            canvas.put(y, 2 * fcol as usize, if frow < lane.row { '╰' } else { '╭' }, line);
            for x in 2 * fcol as usize + 1..2 * lane.first_col as usize {
                canvas.put(y, x, '─', line);
            }
            let (lo, hi) = if frow < lane.row { (frow + 1, lane.row) } else { (lane.row + 1, frow) };
            for r in lo.max(offset)..hi.min(offset + rows_vis) {
                if canvas.is_blank(r - offset, 2 * fcol as usize) {
                    canvas.put(r - offset, 2 * fcol as usize, '│', line);
                }
            }
        }
        for c in lane.first_col..=lane.last_col {
            canvas.put(y, 2 * c as usize, '─', line);
            if c < lane.last_col {
                canvas.put(y, 2 * c as usize + 1, '─', line);
            }
        }
        // Per cell, its most telling block (the newest among equals); a
        // lane's blocks are oldest first, so a cell's blocks are adjacent.
        let mut best: Vec<(u64, (char, Style, u8), usize)> = vec![];
        for &i in &lane.blocks {
            let Some((_, c)) = lay.place[i] else { continue };
            let g = glyph(m.of(i), ui);
            match best.last_mut() {
                Some(last) if last.0 == c => {
                    if g.2 >= last.1.2 {
                        *last = (c, g, i);
                    }
                }
                _ => best.push((c, g, i)),
            }
        }
        let sel_col = selected.and_then(|s| lay.place[s]).filter(|(r, _)| *r == lane.row).map(|(_, c)| c);
        for (c, (ch, mut st, _), i) in best {
            if Some(c) == sel_col {
                st = st.add_modifier(Modifier::REVERSED);
            }
            let x = 2 * c as usize;
            if tv.proposers {
                canvas.put_str(y, x, &format!("{:<2}", t.blocks[i].proposer % 100), st);
            } else {
                canvas.put(y, x, ch, st);
            }
        }
        // Head labels.
        let last = lane.blocks.last().copied();
        let mut labels = vec![];
        for &i in &lane.blocks {
            if m.of(i) & HEAD == 0 {
                continue;
            }
            let b = t.blocks[i];
            if let Some(nodes) = m.heads.get(&b.block.hash) {
                let s = names(view, nodes);
                if Some(i) == last {
                    labels.insert(0, s);
                } else {
                    labels.push(format!("{s}@{}{}", desc.axis.letter, b.block.slot));
                }
            }
        }
        if !labels.is_empty() {
            let bold = Style::new().add_modifier(Modifier::BOLD);
            canvas.put_str(y, 2 * lane.last_col as usize + 2, &labels.join(" "), bold);
        }
    }
    let mut hidden_rounds = 0;
    if desc.tree.failed_rounds {
        let top = lay.rows.saturating_sub(offset).max(1);
        let (ms, hidden) = rounds::place(
            &view.failed_rounds,
            win.from,
            win.right,
            zoom,
            rows_vis.saturating_sub(top),
            width,
            desc.round_letter,
        );
        for m in ms {
            canvas.put_str(top + m.row, m.x, &m.label, ui.theme.warn());
        }
        hidden_rounds = hidden;
    }
    // Axis: a slot label every 10 cells; at the floor of history, the first says what is there.
    canvas.area = Rect { y: g.tree.y + rows_vis as u16, height: 1, ..g.tree };
    let mut free_x = 0;
    let mut c = 0;
    while c < g.cells {
        let x = 2 * c as usize;
        if x >= free_x {
            let label = format!("╵{}{}", desc.axis.letter, win.from + c * win.zoom);
            canvas.put_str(0, x, &label, ui.theme.dim());
            free_x = x + label.chars().count();
            if let (0, Some(f)) = (c, win.at_floor) {
                canvas.put_str(0, free_x + 1, f.label(), Style::new().add_modifier(Modifier::BOLD));
                free_x += f.label().len() + 2;
            }
        }
        c += 10;
    }
    let hidden = lay.rows.saturating_sub(rows_vis);
    let mut legend = vec![Span::styled(desc.tree.legend, ui.theme.dim())];
    if hidden > 0 {
        legend.push(Span::raw(format!("  (+{hidden} rows, ↑↓)")));
    }
    if hidden_rounds > 0 {
        legend.push(Span::raw(format!("  (+{hidden_rounds} failed-round marks not shown)")));
    }
    let legend_area = Rect { y: g.tree.y + rows_vis as u16 + 1, height: 1, ..g.tree };
    frame.render_widget(Paragraph::new(Line::from(legend)), legend_area);
    if let Some(d) = g.detail {
        let sel = selected.map(|i| (t.blocks[i], m.of(i)));
        frame.render_widget(Paragraph::new(details(view, m, sel)), d);
    }
}

/// The selected block's details; `selected` is the block and its marks.
fn details(view: &ClusterView, m: &Marks, selected: Option<(&BlockView, u8)>) -> Vec<Line<'static>> {
    let Some((b, bits)) = selected else {
        return vec![Line::raw("│ no block selected")];
    };
    let h = b.block.hash;
    let state = if bits & EQUIVOCATING != 0 {
        "EQUIVOCATION"
    } else if bits & FINALIZED != 0 {
        "finalized"
    } else if bits & JUSTIFIED != 0 {
        "justified"
    } else if bits & LIVE != 0 {
        "live"
    } else {
        "orphaned"
    };
    let desc = view.desc();
    let state = match state {
        "finalized" => desc.finality.word,
        "justified" => desc.finality.justified.unwrap_or(state),
        s => s,
    };
    let holders: Vec<usize> = b.seen_by.iter().copied().collect();
    let mut lines = vec![
        Line::from(Span::styled("│ selected block", Style::new().add_modifier(Modifier::BOLD))),
        Line::raw(format!("│ hash     {}", b.block.hash)),
        Line::raw(format!("│ parent   {}", b.parent)),
    ];
    if desc.axis.clock {
        let epoch = if desc.epochs { format!(" (epoch {})", view.epoch_of(b.block.slot)) } else { String::new() };
        lines.push(Line::raw(format!("│ {:<8} {}{epoch}", desc.axis.word, b.block.slot)));
    }
    lines.push(Line::raw(format!("│ height   {}", b.block.height)));
    let t = desc.tree;
    lines.push(Line::raw(format!("│ {:<8} {}", t.proposer_word, view.validator_name(b.proposer))));
    match t.votes_word {
        Some(w) if t.votes_are_commit => lines.push(Line::raw(format!("│ commit   {}", plural(b.attestations, w)))),
        // The votes the block includes (cast in earlier slots), not the
        // votes for it: `attests 0` read as "unvoted".
        Some(w) => lines.push(Line::raw(format!("│ includes {}", plural(b.attestations, w)))),
        None => {}
    }
    if t.failed_rounds {
        let failed = rounds::label(&view.failed_rounds.at(b.block.height).collect(), desc.round_letter);
        let first = format!("{}0 {}", desc.round_letter, desc.finality.word);
        lines.push(Line::raw(format!(
            "│ {:<8} {}",
            format!("{}s", desc.round_word),
            if failed.is_empty() { &first } else { &failed }
        )));
    }
    if t.confirmations && bits & LIVE != 0 {
        let tip = view.nodes.iter().map(|n| n.head.height).max().unwrap_or(0);
        lines.push(Line::raw(format!("│ confirms {}", (tip + 1).saturating_sub(b.block.height))));
    }
    lines.extend([
        Line::raw(format!("│ state    {state}")),
        Line::raw(format!("│ held by  {}/{}", holders.len(), view.nodes.len())),
        Line::raw(format!("│   {}", names(view, &holders))),
    ]);
    if let Some(heads) = m.heads.get(&h) {
        lines.push(Line::raw(format!("│ head of  {}", names(view, heads))));
    }
    if state == "EQUIVOCATION" {
        lines.push(Line::styled(format!("│ {}", desc.tree.equivocation), Style::new().fg(Color::Red)));
    }
    lines
}
