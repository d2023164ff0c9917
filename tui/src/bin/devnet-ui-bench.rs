//! `make bench`, dashboard part: the cost of the ClusterView and of a frame at
//! scale, without a cluster.
//!
//! A view of 64 nodes is fed 10,000 blocks (a fork every 50 slots, 64
//! attestations per slot, every node reporting each block and a head change),
//! then frames are drawn on ratatui's TestBackend at 120x40 (compact layout)
//! and 250x70 (full layout) with the fork tree focused, and at 250x70
//! scrolled 5,000 slots back, also zoomed out to 16 slots per cell. The fork
//! tree pane is also drawn alone (its 250x24 area of the full layout).
//!
//! Then the same is measured on a view holding 100,000 blocks: 90,000 older
//! blocks (with their forks) reported by one node, then the same 10,000 slots
//! of full traffic, so the two views differ in the blocks held and nothing
//! on screen. The fork tree's cost should not grow with the blocks held.
//!
//! Figures are medians of `FRAMES` frames; each frame figure is followed by
//! its verdict against the target (issue 13: under 2 ms), computed from the
//! figure. Nothing is asserted: benchmarks report.

use devnet::cluster::{ClusterEvent, ClusterView};
use devnet::supervisor::{ProcEvent, ProcState};
use devnet::ui::{self, Pane, UiState};
use devnet_node::config::NodeEntry;
use devnet_proto::v1 as pb;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use std::time::Instant;

const NODES: usize = 64;
/// Slots of full traffic (every node reports every block).
const FULL_SLOTS: u64 = 10_000;
const SLOT_MS: u64 = 1000;
const FRAMES: usize = 100;
const TARGET_MS: f64 = 2.0;

fn hash(n: u64) -> Vec<u8> {
    let mut h = vec![0u8; 32];
    h[..8].copy_from_slice(&n.to_be_bytes());
    h[8] = 1;
    h
}

fn ev(node: usize, kind: pb::event::Kind) -> ClusterEvent {
    ClusterEvent::Node { node, event: pb::Event { seq: 0, slot: 0, time_ms: 0, kind: Some(kind) } }
}

fn block(slot: u64, n: u64, parent: u64) -> pb::event::Kind {
    pb::event::Kind::BlockImported(pb::BlockImported {
        block: Some(pb::BlockRef { hash: hash(n), slot, height: slot }),
        parent: hash(parent),
        proposer: (slot % NODES as u64) as u32,
        attestations: 64,
        txs: 0,
    })
}

/// A slot's events: its block and, every 50 slots, a side block; from every
/// node with a head change and an attestation each (`full`), or only the
/// blocks from node 0.
fn events_for_slot(slot: u64, full: bool) -> Vec<ClusterEvent> {
    let mut out = vec![];
    for node in 0..if full { NODES } else { 1 } {
        out.push(ev(node, block(slot, slot, slot - 1)));
        if slot.is_multiple_of(50) {
            out.push(ev(node, block(slot, slot + 1_000_000, slot - 1)));
        }
        if !full {
            continue;
        }
        let head = pb::BlockRef { hash: hash(slot), slot, height: slot };
        out.push(ev(
            node,
            pb::event::Kind::HeadChanged(pb::HeadChanged { head: Some(head), previous: None, reorg_depth: 0 }),
        ));
        let att = pb::Attested { validator: node as u32, slot, ..Default::default() };
        out.push(ev(node, pb::event::Kind::Attested(att)));
    }
    out
}

/// A view of `quiet_slots` slots reported by one node, then `FULL_SLOTS`
/// slots of full traffic; the mean cost of an event of the full part.
fn build_view(quiet_slots: u64) -> (ClusterView, f64) {
    let nodes: Vec<NodeEntry> = (0..NODES)
        .map(|i| NodeEntry {
            id: format!("n{i}"),
            addr: "127.0.0.1:1".parse().unwrap(),
            validator: Some(i as u32),
            metrics: None,
        })
        .collect();
    let mut view = ClusterView::new("bench", "gasper", SLOT_MS, 32, 0, &nodes);
    for i in 0..NODES {
        view.apply(ClusterEvent::Proc(ProcEvent { node: i, state: ProcState::Running }), 0);
    }
    for slot in 1..=quiet_slots {
        for e in events_for_slot(slot, false) {
            view.apply(e, slot * SLOT_MS + 500);
        }
    }
    let mut events = 0u64;
    let start = Instant::now();
    for slot in quiet_slots + 1..=quiet_slots + FULL_SLOTS {
        for e in events_for_slot(slot, true) {
            view.apply(e, slot * SLOT_MS + 500);
            events += 1;
        }
    }
    (view, start.elapsed().as_secs_f64() * 1e9 / events as f64)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Median ms of `FRAMES` draws of `draw` on a `w`x`h` TestBackend.
fn time_frames(w: u16, h: u16, mut draw: impl FnMut(&mut ratatui::Frame)) -> f64 {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    let mut times = vec![];
    for _ in 0..FRAMES {
        let s = Instant::now();
        t.draw(&mut draw).expect("draw");
        times.push(s.elapsed().as_secs_f64() * 1e3);
    }
    median(times)
}

fn report(label: &str, ms: f64) {
    let verdict = if ms < TARGET_MS { "met" } else { "MISSED" };
    println!("  {label}: {ms:.2} ms median of {FRAMES}");
    println!("    target < {TARGET_MS} ms: {verdict}");
}

fn tree_ui(back: u64, zoom: u64) -> UiState {
    let mut u = UiState { focus: Pane::Tree, ..Default::default() };
    u.tree.back = back;
    u.tree.zoom = zoom;
    u
}

fn measure(view: &ClusterView, now: u64) {
    let cases = [
        ("frame 120x40 (compact)", 120, 40, tree_ui(0, 1)),
        ("frame 250x70 (full)", 250, 70, tree_ui(0, 1)),
        ("frame 250x70, 5000 slots back", 250, 70, tree_ui(5000, 1)),
        ("frame 250x70, 5000 slots back, 16 slots/cell", 250, 70, tree_ui(5000, 16)),
    ];
    for (label, w, h, ui) in &cases {
        report(label, time_frames(*w, *h, |f| ui::draw(f, view, ui, now, &[])));
    }
    // Where a full frame's time goes: each pane alone, at its size in the
    // 250x70 layout (no verdicts: the target is the whole frame's).
    let full = ui::areas(Rect::new(0, 0, 250, 70), view, &cases[1].3);
    let mut parts = vec![];
    for (pane, r) in &full.panes {
        let ui = &cases[1].3;
        let ms = time_frames(r.width, r.height, |f| {
            let area = f.area();
            ui::draw_pane(f, *pane, area, view, ui, now)
        });
        parts.push(format!("{} {ms:.2}", pane.title()));
    }
    println!("  250x70 panes alone (ms): {}", parts.join(", "));
    // The fork tree pane alone, where the full layout puts it at 250x70.
    let Some((_, pane)) = full.panes.iter().find(|(p, _)| *p == Pane::Tree) else { return };
    for (back, zoom) in [(0, 1), (5000, 1), (5000, 16)] {
        let ui = tree_ui(back, zoom);
        let label =
            format!("fork tree pane alone ({}x{}), {back} slots back, {zoom} slot(s)/cell", pane.width, pane.height);
        let draw = |f: &mut ratatui::Frame| {
            let area = f.area();
            ui::fork_tree::draw(f, area, view, &ui, now)
        };
        report(&label, time_frames(pane.width, pane.height, draw));
    }
}

fn main() {
    println!("dashboard figures: {NODES} nodes; frames drawn on ratatui's TestBackend");
    for quiet in [0, 90_000] {
        let (view, per_event) = build_view(quiet);
        let now = (quiet + FULL_SLOTS) * SLOT_MS + 500;
        println!(
            "view holding {} blocks{}:",
            view.blocks.len(),
            if quiet > 0 { " (the oldest 90,000 slots reported by one node)" } else { "" }
        );
        println!(
            "  ClusterView update: {per_event:.0} ns per event (mean over the {FULL_SLOTS} slots of full traffic)"
        );
        measure(&view, now);
    }
}
