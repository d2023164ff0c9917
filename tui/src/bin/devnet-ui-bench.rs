//! `make bench`, dashboard part: the cost of the ClusterView and of a frame at
//! scale, without a cluster. A view of 64 nodes is fed 10,000 blocks (a fork
//! every 50 slots, 64 attestations per slot, every node reporting each block
//! and a head change), then frames are drawn on ratatui's TestBackend at
//! 120x40 (compact layout) and 250x70 (full layout) with the fork tree
//! focused, and at 250x70 scrolled 5,000 slots back and zoomed out to 16
//! slots per cell. Figures are medians; nothing is asserted.

use devnet::cluster::{ClusterEvent, ClusterView};
use devnet::supervisor::{ProcEvent, ProcState};
use devnet::ui::{self, Pane, UiState};
use devnet_node::config::NodeEntry;
use devnet_proto::v1 as pb;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::Instant;

const NODES: usize = 64;
const BLOCKS: u64 = 10_000;
const SLOT_MS: u64 = 1000;

fn hash(n: u64) -> Vec<u8> {
    let mut h = vec![0u8; 32];
    h[..8].copy_from_slice(&n.to_be_bytes());
    h[8] = 1;
    h
}

fn ev(node: usize, kind: pb::event::Kind) -> ClusterEvent {
    ClusterEvent::Node { node, event: pb::Event { seq: 0, slot: 0, time_ms: 0, kind: Some(kind) } }
}

fn events_for_slot(slot: u64) -> Vec<ClusterEvent> {
    let mut out = vec![];
    let block = |n: u64, parent: u64| {
        pb::event::Kind::BlockImported(pb::BlockImported {
            block: Some(pb::BlockRef { hash: hash(n), slot, height: slot }),
            parent: hash(parent),
            proposer: (slot % NODES as u64) as u32,
            attestations: 64,
            txs: 0,
        })
    };
    for node in 0..NODES {
        out.push(ev(node, block(slot, slot - 1)));
        if slot.is_multiple_of(50) {
            out.push(ev(node, block(slot + 1_000_000, slot - 1)));
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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
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
    let mut events = 0u64;
    let start = Instant::now();
    for slot in 1..=BLOCKS {
        for e in events_for_slot(slot) {
            view.apply(e, slot * SLOT_MS + 500);
            events += 1;
        }
    }
    let per_event = start.elapsed().as_secs_f64() * 1e9 / events as f64;
    let now = BLOCKS * SLOT_MS + 500;
    println!("dashboard figures: {NODES} nodes, {} blocks held, {events} events applied", view.blocks.len());
    println!("  ClusterView update: {per_event:.0} ns per event (mean over all events)");
    let cases = [
        ("120x40 (compact)", 120, 40, UiState { focus: Pane::Tree, ..Default::default() }),
        ("250x70 (full)", 250, 70, UiState { focus: Pane::Tree, ..Default::default() }),
        ("250x70, 5000 slots back, 16 slots/cell", 250, 70, {
            let mut u = UiState { focus: Pane::Tree, ..Default::default() };
            u.tree.back = 5000;
            u.tree.zoom = 16;
            u
        }),
    ];
    for (label, w, h, ui) in cases {
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("test backend");
        let mut times = vec![];
        for _ in 0..30 {
            let s = Instant::now();
            t.draw(|f| ui::draw(f, &view, &ui, now, &[])).expect("draw");
            times.push(s.elapsed().as_secs_f64() * 1e3);
        }
        println!("  frame {label}: {:.2} ms median of 30", median(times));
    }
}
