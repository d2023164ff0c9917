//! The pane over long histories: scrolled back it stops at genesis or at the
//! oldest held block (keys as data, then the frame), and the block it shows
//! selected is the one `selected_block` (what `y` copies) names.

use super::*;
use crate::cluster::ClusterEvent;
use crate::keys::Action;
use crate::supervisor::{ProcEvent, ProcState};
use crate::ui::state::TreeView;
use devnet_node::config::NodeEntry;
use devnet_proto::v1 as pb;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Slot `n`'s block (and, from 1,000,000 on, side blocks).
fn hash(n: u64) -> Vec<u8> {
    let mut h = vec![7u8; 32];
    h[..8].copy_from_slice(&n.to_le_bytes());
    h
}

fn ev(node: usize, kind: pb::event::Kind) -> ClusterEvent {
    ClusterEvent::Node { node, event: pb::Event { seq: 1, slot: 0, time_ms: 0, kind: Some(kind) } }
}

fn bref(n: u64, slot: u64) -> pb::BlockRef {
    pb::BlockRef { hash: hash(n), slot, height: slot }
}

/// Slot `slot`'s proposer is `slot % 4`; a side block's, the next one's.
fn import(v: &mut ClusterView, node: usize, n: u64, parent: u64, slot: u64) {
    let proposer = ((slot + (n >= 1_000_000) as u64) % 4) as u32;
    let b = pb::BlockImported { block: Some(bref(n, slot)), parent: hash(parent), proposer, attestations: 4, txs: 0 };
    v.apply(ev(node, pb::event::Kind::BlockImported(b)), slot * 1000);
}

/// Four nodes on one chain of `slots` blocks (1 s slots, 4-slot epochs), with
/// a one-block fork at slot 5 held by n3; finalized at `finalized` (which
/// prunes what is more than `KEEP_BELOW_FINALIZED` below it).
fn chain_view(slots: u64, finalized: Option<u64>) -> ClusterView {
    let nodes: Vec<NodeEntry> = (0..4)
        .map(|i| NodeEntry {
            id: format!("n{i}"),
            addr: format!("127.0.0.1:{}", 7000 + i).parse().unwrap(),
            validator: Some(i),
            metrics: None,
        })
        .collect();
    let mut v = ClusterView::new("devnet", "gasper", 1000, 4, 0, &nodes);
    for i in 0..4 {
        v.apply(ClusterEvent::Proc(ProcEvent { node: i, state: ProcState::Running }), 0);
    }
    for slot in 1..=slots {
        for n in 0..4 {
            import(&mut v, n, slot, slot - 1, slot);
        }
    }
    import(&mut v, 3, 1_000_005, 4, 5);
    for n in 0..4 {
        let head = pb::HeadChanged { head: Some(bref(slots, slots)), previous: None, reorg_depth: 0 };
        v.apply(ev(n, pb::event::Kind::HeadChanged(head)), slots * 1000);
        if let Some(f) = finalized {
            let c = pb::Checkpoint { epoch: f / 4, block: Some(bref(f, f)) };
            v.apply(ev(n, pb::event::Kind::Finalized(c)), slots * 1000);
        }
    }
    v
}

/// The tree's lane rows and its axis, at 160x48 (the fork tree pane is rows 16..32).
fn tree_rows(view: &ClusterView, ui: &UiState, now: u64) -> (Vec<String>, String) {
    let lines = render_at(view, ui, now);
    let top = lines.iter().position(|l| l.contains("fork tree ·")).expect("fork tree pane");
    let legend = lines.iter().position(|l| l.contains("█ finalized")).expect("legend");
    (lines[top + 1..legend - 1].to_vec(), lines[legend - 1].clone())
}

/// The whole frame at 160x48 and the clock at `now`, line by line.
fn render_at(view: &ClusterView, ui: &UiState, now: u64) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(160, 48)).unwrap();
    t.draw(|f| crate::ui::draw(f, view, ui, now, &[])).unwrap();
    let buf = t.backend().buffer();
    (0..48).map(|y| (0..160).map(|x| buf[(x, y)].symbol()).collect::<String>()).collect()
}

#[test]
fn scrolling_back_past_genesis_stops_with_genesis_at_the_left_edge() {
    let v = chain_view(200, None);
    let now = 200_000;
    let b = crate::app::bounds(&v, now, 160);
    let mut ui = UiState { focus: Pane::Tree, ..Default::default() };
    for _ in 0..100 {
        ui.update(Action::Earlier, b);
    }
    // 160 columns: 49 cells, so the window is slots 0..=48.
    assert_eq!(ui.tree.back, TreeView::AT_FLOOR, "Earlier stops where genesis reaches the left edge");
    let (rows, axis) = tree_rows(&v, &ui, now);
    assert!(rows[0].starts_with("┃  ■─■") && !rows[0].contains('◆'), "the chain fills the screen\n{}", rows.join("\n"));
    assert!(axis.contains("╵s0 genesis") && axis.contains("╵s20"), "{axis}");
    let s = render_at(&v, &ui, now).join("\n");
    assert!(s.contains("fork tree · 1 slot/cell · 152 slots back"), "{s}");
    // Time moves on: the left edge stays at genesis.
    let (_, axis) = tree_rows(&v, &ui, now + 30_000);
    assert!(axis.contains("╵s0 genesis"), "{axis}");
    // Further back than the keys allow (a wider terminal earlier): still clamped.
    ui.tree.back = 10_000;
    let (rows, axis) = tree_rows(&v, &ui, now);
    assert!(rows[0].matches('■').count() >= 40, "{}", rows.join("\n"));
    assert!(axis.contains("╵s0 genesis"), "{axis}");
}

#[test]
fn scrolling_back_past_pruned_blocks_stops_at_the_oldest_held() {
    let v = chain_view(400, Some(396));
    let oldest = 396 - crate::cluster::prune::KEEP_BELOW_FINALIZED;
    assert_eq!(v.blocks.oldest().map(|b| b.block.slot), Some(oldest));
    let now = 400_000;
    let mut ui = UiState { focus: Pane::Tree, ..Default::default() };
    for _ in 0..100 {
        ui.update(Action::Earlier, crate::app::bounds(&v, now, 160));
    }
    assert_eq!(ui.tree.back, TreeView::AT_FLOOR);
    let s = render_at(&v, &ui, now).join("\n");
    assert!(s.contains(&format!("· {} slots back", 400 - (oldest + 48))), "{s}");
    let (rows, axis) = tree_rows(&v, &ui, now);
    assert!(rows[0].starts_with("┃█") && rows[0].matches('█').count() >= 40, "{}", rows.join("\n"));
    assert!(axis.contains(&format!("╵s{oldest} oldest held")), "{axis}");
    // Live, the left edge is not the floor and says nothing.
    let (_, axis) = tree_rows(&v, &UiState::default(), now);
    assert!(!axis.contains("oldest held") && !axis.contains("genesis"), "{axis}");
}

#[test]
fn the_block_shown_selected_is_the_one_y_copies() {
    let v = chain_view(12, None);
    let now = 12_000;
    let size = Rect::new(0, 0, 160, 48);
    let b = crate::app::bounds(&v, now, 160);
    let mut ui = UiState { focus: Pane::Tree, ..Default::default() };
    let steps =
        [None, Some(Action::Left), Some(Action::Left), Some(Action::Down), Some(Action::Left), Some(Action::Up)];
    let mut seen = std::collections::BTreeSet::new();
    for step in steps {
        if let Some(a) = step {
            ui.update(a, b);
        }
        let selected = selected_on_screen(size, &v, &ui, now).expect("a block is selected");
        seen.insert(selected);
        let lines = render_at(&v, &ui, now);
        let shown = lines.iter().find_map(|l| l.split("│ hash     ").nth(1)).expect("detail pane");
        let shown = shown.split_whitespace().next().unwrap_or_default();
        assert!(selected.to_hex().starts_with(shown), "{step:?}: shows {shown}, selected {selected}");
        let (what, text) = crate::app::selection(&v, &ui, now, size).expect("something to copy");
        assert_eq!((what.as_str(), text), ("block hash", selected.to_hex()));
    }
    assert!(seen.contains(&Hash32::from_slice(&hash(1_000_005)).unwrap()), "the cursor reached the fork");
    assert!(seen.len() >= 4, "{seen:?}");
    // Elsewhere, or over the node detail, `y` copies the selected node's address.
    ui.focus = Pane::Nodes;
    let copied = crate::app::selection(&v, &ui, now, size);
    assert_eq!(copied, Some(("n0's address".to_string(), "127.0.0.1:7000".to_string())));
}
