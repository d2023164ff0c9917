//! The fork tree pane: the recent block tree, time (slots) left to right, one
//! row per branch (`layout`), and the selected block's details on the right.
//!
//! Rules:
//! - The window ends at the newest slot (cluster clock or newest head) minus
//!   `TreeView::back`, moved so the cursor stays inside; `zoom` slots per cell.
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
//! - Engines whose slots are heights (tendermint, pow) read the same tree
//!   with heights on the axis (`h17`). Tendermint's pane is the committed
//!   chain, with failed rounds marked under their height (`rounds`); pow's
//!   finalized shading is the k-deep part of the chain.

mod layout;
#[cfg(test)]
mod layout_tests;
mod rounds;

use super::{Pane, UiState, pane_block};
use crate::cluster::ClusterView;
use crate::cluster::engine::EngineKind;
use crate::cluster::view::BlockView;
use crate::words::plural;
use devnet_node::chain::Hash32;
pub use layout::{Lane, TreeBlock, TreeLayout, layout};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::collections::{BTreeMap, BTreeSet};

const DETAIL_WIDTH: u16 = 36;

/// The head the trunk is drawn to.
pub fn trunk_tip(view: &ClusterView) -> Option<Hash32> {
    let fin = view.finalized().block;
    let mut count: BTreeMap<(u64, Hash32), usize> = BTreeMap::new();
    for n in &view.nodes {
        if n.head.hash == Hash32::default() {
            continue;
        }
        let on_fin = fin.height == 0 || view.ancestor_at(n.head.hash, fin.height) == Some(fin.hash);
        if on_fin {
            *count.entry((n.head.slot, n.head.hash)).or_default() += 1;
        }
    }
    count.into_iter().max_by_key(|((slot, h), c)| (*c, *slot, *h)).map(|((_, h), _)| h)
}

/// Marks on the blocks of the window.
#[derive(Default)]
struct Marks {
    finalized: BTreeSet<Hash32>,
    justified: BTreeSet<Hash32>,
    live: BTreeSet<Hash32>,
    equivocating: BTreeSet<Hash32>,
    heads: BTreeMap<Hash32, Vec<usize>>,
}

fn walk_back(view: &ClusterView, from: Hash32, floor_slot: u64, set: &mut BTreeSet<Hash32>, stop: &BTreeSet<Hash32>) {
    let mut cur = view.blocks.get(&from);
    while let Some(b) = cur {
        if b.block.slot < floor_slot || stop.contains(&b.block.hash) || !set.insert(b.block.hash) {
            return;
        }
        cur = view.blocks.get(&b.parent);
    }
}

fn marks(view: &ClusterView, window: &[&BlockView], from_slot: u64) -> Marks {
    let mut m = Marks::default();
    let none = BTreeSet::new();
    walk_back(view, view.finalized().block.hash, from_slot, &mut m.finalized, &none);
    if let Some(j) = view.nodes.iter().map(|n| n.justified).max_by_key(|c| (c.epoch, c.block.height)) {
        walk_back(view, j.block.hash, from_slot, &mut m.justified, &m.finalized);
    }
    for (i, n) in view.nodes.iter().enumerate() {
        m.heads.entry(n.head.hash).or_default().push(i);
        walk_back(view, n.head.hash, from_slot, &mut m.live, &none);
    }
    let mut by_proposer: BTreeMap<(u64, u32), Vec<Hash32>> = BTreeMap::new();
    for b in window {
        by_proposer.entry((b.block.slot, b.proposer)).or_default().push(b.block.hash);
    }
    m.equivocating = by_proposer.into_values().filter(|v| v.len() > 1).flatten().collect();
    m
}

fn glyph(m: &Marks, h: &Hash32, ui: &UiState) -> (char, Style, u8) {
    let t = ui.theme;
    if m.equivocating.contains(h) {
        ('✖', t.bad(), 5)
    } else if m.heads.contains_key(h) {
        ('◆', Style::new().add_modifier(Modifier::BOLD), 4)
    } else if m.finalized.contains(h) {
        ('█', t.ok(), 3)
    } else if m.justified.contains(h) {
        ('▓', t.info(), 2)
    } else if m.live.contains(h) {
        ('■', Style::new(), 1)
    } else {
        ('□', t.dim(), 0)
    }
}

struct Grid {
    cells: Vec<Vec<(char, Style)>>,
    width: usize,
}

impl Grid {
    fn new(rows: usize, width: usize) -> Grid {
        Grid { cells: vec![vec![(' ', Style::new()); width]; rows], width }
    }
    fn put(&mut self, y: usize, x: usize, c: char, s: Style) {
        if let Some(cell) = self.cells.get_mut(y).and_then(|r| r.get_mut(x)) {
            *cell = (c, s);
        }
    }
    fn put_str(&mut self, y: usize, x: usize, text: &str, s: Style) {
        for (i, c) in text.chars().enumerate() {
            if x + i < self.width {
                self.put(y, x + i, c, s);
            }
        }
    }
    fn is_blank(&self, y: usize, x: usize) -> bool {
        self.cells.get(y).and_then(|r| r.get(x)).is_some_and(|c| c.0 == ' ')
    }
    fn lines(self) -> Vec<Line<'static>> {
        self.cells
            .into_iter()
            .map(|row| Line::from(row.into_iter().map(|(c, s)| Span::styled(c.to_string(), s)).collect::<Vec<_>>()))
            .collect()
    }
}

/// Short name list: `n0 n1 n2`, or `n0…n9 (+54)` when long.
fn names(view: &ClusterView, nodes: &[usize]) -> String {
    let ids: Vec<&str> = nodes.iter().filter_map(|i| view.nodes.get(*i).map(|n| n.id.as_str())).collect();
    if ids.len() <= 6 { ids.join(" ") } else { format!("{} … {} ({} nodes)", ids[0], ids[ids.len() - 1], ids.len()) }
}

fn legend(kind: EngineKind) -> &'static str {
    match kind {
        EngineKind::Gasper => "█ finalized ▓ justified ■ block ◆ head □ orphaned ✖ equivocation",
        EngineKind::Tendermint => "█ committed ◆ head ✗rN round N failed at that height ✖ equivocation",
        EngineKind::Pow => "█ k deep ■ block ◆ head □ orphaned (reorged away) ✖ two blocks by one miner",
    }
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState, now_ms: u64) {
    let tv = &ui.tree;
    let zoom = tv.zoom.max(1);
    let kind = view.kind();
    let (name, unit) = match kind {
        EngineKind::Gasper => ("fork tree", "slot"),
        EngineKind::Tendermint => ("committed chain", "height"),
        EngineKind::Pow => ("block tree", "height"),
    };
    let mut title = format!("{name} · {zoom} {unit}{}/cell", if zoom == 1 { "" } else { "s" });
    if tv.back > 0 {
        title.push_str(&format!(" · {} {unit}s back", tv.back));
    }
    let p = &view.history.pruned;
    if p.blocks > 0 {
        title.push_str(&format!(" · {} pruned below h{} ({} orphaned)", p.blocks, p.below_height, p.orphaned));
    }
    let block = pane_block(&title, ui.focus == Pane::Tree);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (tree_area, detail_area) = if inner.width >= 90 {
        let [a, b] = Layout::horizontal([Constraint::Min(40), Constraint::Length(DETAIL_WIDTH)]).areas(inner);
        (a, Some(b))
    } else {
        (inner, None)
    };
    if tree_area.height < 3 || tree_area.width < 8 {
        return;
    }
    let width = tree_area.width as usize;
    let margin = (width / 4).min(24);
    let cells = ((width - margin) / 2).max(1) as u64;
    let span = cells * zoom;
    let newest = view.nodes.iter().map(|n| n.head.slot).max().unwrap_or(0).max(view.current_slot(now_ms));
    let mut right = newest.saturating_sub(tv.back);
    if let Some((cs, _)) = tv.cursor {
        if cs > right {
            right = cs;
        } else if cs + span <= right {
            right = cs + span / 2;
        }
    }
    let from = (right + 1).saturating_sub(span);
    let window: Vec<&BlockView> =
        view.blocks.values().filter(|b| b.block.slot >= from && b.block.slot <= right).collect();
    let input: Vec<TreeBlock> =
        window.iter().map(|b| TreeBlock { hash: b.block.hash, parent: b.parent, slot: b.block.slot }).collect();
    let mut tip = trunk_tip(view);
    while let Some(b) = tip.and_then(|h| view.blocks.get(&h)).filter(|b| b.block.slot > right) {
        tip = Some(b.parent);
    }
    let lay = layout(&input, tip, from, zoom);
    let m = marks(view, &window, from);

    // The selected block: nearest the cursor on its row, or the trunk's newest.
    let rows_vis = (tree_area.height as usize - 2).max(1);
    let cursor_row = tv.cursor.map_or(0, |(_, r)| r.min(lay.rows.saturating_sub(1)));
    let selected = match tv.cursor {
        None => lay.lanes.first().and_then(|l| l.blocks.last().copied()),
        Some((cs, _)) => {
            let ccol = cs.saturating_sub(from) / zoom;
            lay.place
                .iter()
                .filter(|(_, (r, _))| *r == cursor_row)
                .min_by_key(|(_, (_, c))| c.abs_diff(ccol))
                .map(|(h, _)| *h)
        }
    };
    ui.drawn_block.set(selected);
    let offset = (cursor_row + 1).saturating_sub(rows_vis);
    let mut g = Grid::new(rows_vis, width);
    for lane in &lay.lanes {
        if lane.row < offset || lane.row >= offset + rows_vis {
            continue;
        }
        let y = lane.row - offset;
        let live = lane.blocks.iter().any(|h| m.live.contains(h));
        let line = if live { Style::new() } else { ui.theme.dim() };
        if let Some((frow, fcol)) = lane.fork
            && fcol < lane.first_col
        {
            g.put(y, 2 * fcol as usize, if frow < lane.row { '╰' } else { '╭' }, line);
            for x in 2 * fcol as usize + 1..2 * lane.first_col as usize {
                g.put(y, x, '─', line);
            }
            let (lo, hi) = if frow < lane.row { (frow + 1, lane.row) } else { (lane.row + 1, frow) };
            for r in lo.max(offset)..hi.min(offset + rows_vis) {
                if g.is_blank(r - offset, 2 * fcol as usize) {
                    g.put(r - offset, 2 * fcol as usize, '│', line);
                }
            }
        }
        for c in lane.first_col..=lane.last_col {
            g.put(y, 2 * c as usize, '─', line);
            if c < lane.last_col {
                g.put(y, 2 * c as usize + 1, '─', line);
            }
        }
        let mut best: BTreeMap<u64, (u8, Hash32)> = BTreeMap::new();
        for h in &lane.blocks {
            let c = lay.place[h].1;
            let rank = glyph(&m, h, ui).2;
            if best.get(&c).is_none_or(|(r, _)| rank >= *r) {
                best.insert(c, (rank, *h));
            }
        }
        let sel_col = selected.and_then(|s| lay.place.get(&s)).filter(|(r, _)| *r == lane.row).map(|(_, c)| *c);
        for (c, (_, h)) in &best {
            let (ch, mut st, _) = glyph(&m, h, ui);
            if Some(*c) == sel_col {
                st = st.add_modifier(Modifier::REVERSED);
            }
            let x = 2 * *c as usize;
            if tv.proposers {
                let p = view.blocks.get(h).map_or(0, |b| b.proposer);
                g.put_str(y, x, &format!("{:<2}", p % 100), st);
            } else {
                g.put(y, x, ch, st);
            }
        }
        // Head labels.
        let last = lane.blocks.last().copied();
        let mut labels = vec![];
        for h in &lane.blocks {
            if let Some(nodes) = m.heads.get(h) {
                let s = names(view, nodes);
                if Some(*h) == last {
                    labels.insert(0, s);
                } else {
                    let slot = view.blocks.get(h).map_or(0, |b| b.block.slot);
                    labels.push(format!("{s}@{}{slot}", view.kind().slot_prefix()));
                }
            }
        }
        if !labels.is_empty() {
            g.put_str(y, 2 * lane.last_col as usize + 2, &labels.join(" "), Style::new().add_modifier(Modifier::BOLD));
        }
    }
    let mut hidden_rounds = 0;
    if kind == EngineKind::Tendermint {
        let top = lay.rows.saturating_sub(offset).max(1);
        let (ms, hidden) = rounds::place(&view.failed_rounds, from, right, zoom, rows_vis.saturating_sub(top), width);
        for m in ms {
            g.put_str(top + m.row, m.x, &m.label, ui.theme.warn());
        }
        hidden_rounds = hidden;
    }
    let mut lines = g.lines();
    // Axis: a slot label every 10 cells.
    let mut axis = Grid::new(1, width);
    let step = 10;
    let mut c = 0;
    while c < cells {
        let label = format!("╵{}{}", kind.slot_prefix(), from + c * zoom);
        axis.put_str(0, 2 * c as usize, &label, ui.theme.dim());
        c += step;
    }
    lines.extend(axis.lines());
    let hidden = lay.rows.saturating_sub(rows_vis);
    let mut legend = vec![Span::styled(legend(kind), ui.theme.dim())];
    if hidden > 0 {
        legend.push(Span::raw(format!("  (+{hidden} rows, ↑↓)")));
    }
    if hidden_rounds > 0 {
        legend.push(Span::raw(format!("  (+{hidden_rounds} failed-round marks not shown)")));
    }
    lines.push(Line::from(legend));
    frame.render_widget(Paragraph::new(lines), tree_area);
    if let Some(d) = detail_area {
        frame.render_widget(Paragraph::new(details(view, &m, selected)), d);
    }
}

fn details(view: &ClusterView, m: &Marks, selected: Option<Hash32>) -> Vec<Line<'static>> {
    let Some(b) = selected.and_then(|h| view.blocks.get(&h)) else {
        return vec![Line::raw("│ no block selected")];
    };
    let h = b.block.hash;
    let state = if m.equivocating.contains(&h) {
        "EQUIVOCATION"
    } else if m.finalized.contains(&h) {
        "finalized"
    } else if m.justified.contains(&h) {
        "justified"
    } else if m.live.contains(&h) {
        "live"
    } else {
        "orphaned"
    };
    let kind = view.kind();
    let state = match (kind, state) {
        (EngineKind::Tendermint, "finalized") => "committed",
        (EngineKind::Pow, "finalized") => "k deep",
        (_, s) => s,
    };
    let holders: Vec<usize> = b.seen_by.iter().copied().collect();
    let mut lines = vec![
        Line::from(Span::styled("│ selected block", Style::new().add_modifier(Modifier::BOLD))),
        Line::raw(format!("│ hash     {}", b.block.hash)),
        Line::raw(format!("│ parent   {}", b.parent)),
    ];
    if kind == EngineKind::Gasper {
        lines.push(Line::raw(format!("│ slot     {} (epoch {})", b.block.slot, view.epoch_of(b.block.slot))));
    }
    lines.push(Line::raw(format!("│ height   {}", b.block.height)));
    match kind {
        EngineKind::Gasper => {
            lines.push(Line::raw(format!("│ proposer {}", view.validator_name(b.proposer))));
            // The attestations the block includes (votes cast in earlier
            // slots), not the votes for it: `attests 0` read as "unvoted".
            lines.push(Line::raw(format!("│ includes {}", plural(b.attestations, "attestation"))));
        }
        EngineKind::Tendermint => {
            lines.push(Line::raw(format!("│ proposer {}", view.validator_name(b.proposer))));
            lines.push(Line::raw(format!("│ commit   {}", plural(b.attestations, "precommit"))));
            let failed = rounds::label(&view.failed_rounds.at(b.block.height).collect());
            lines.push(Line::raw(format!("│ rounds   {}", if failed.is_empty() { "r0 committed" } else { &failed })));
        }
        EngineKind::Pow => {
            lines.push(Line::raw(format!("│ miner    {}", view.validator_name(b.proposer))));
            let tip = view.nodes.iter().map(|n| n.head.height).max().unwrap_or(0);
            if m.live.contains(&h) {
                lines.push(Line::raw(format!("│ confirms {}", (tip + 1).saturating_sub(b.block.height))));
            }
        }
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
        let what = if kind == EngineKind::Gasper { "slot" } else { "height" };
        lines.push(Line::styled(format!("│ two blocks by one proposer in one {what}"), Style::new().fg(Color::Red)));
    }
    lines
}
