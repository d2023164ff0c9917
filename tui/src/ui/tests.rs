//! Frames rendered on ratatui's TestBackend from a ClusterView built by
//! applying recorded events; compared line by line.

use super::*;
use crate::cluster::ClusterEvent;
use crate::supervisor::{ProcEvent, ProcState};
use devnet_node::config::NodeEntry;
use devnet_proto::v1 as pb;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn sample_view() -> ClusterView {
    let nodes: Vec<NodeEntry> = (0..4)
        .map(|i| NodeEntry { id: format!("n{i}"), addr: "127.0.0.1:1".parse().unwrap(), validator: Some(i) })
        .collect();
    // Genesis at t=0, 1 s slots, 4-slot epochs.
    let mut v = ClusterView::new("devnet", "gasper", 1000, 4, 0, &nodes);
    for i in 0..4 {
        v.apply(ClusterEvent::Proc(ProcEvent { node: i, state: ProcState::Running }), 0);
        v.apply(ClusterEvent::Connected { node: i }, 0);
    }
    let b = |slot, height, byte: u8| pb::BlockRef { hash: vec![byte; 32], slot, height };
    let status = pb::NodeStatus {
        id: "n0".into(),
        slot: 13,
        head: Some(b(13, 13, 0xab)),
        justified: Some(pb::Checkpoint { epoch: 2, block: Some(b(8, 8, 0x08)) }),
        finalized: Some(pb::Checkpoint { epoch: 1, block: Some(b(4, 4, 0x04)) }),
        peers_up: vec!["n1".into(), "n2".into(), "n3".into()],
        ..Default::default()
    };
    v.apply(ClusterEvent::Status { node: 0, status }, 13_500);
    let fin = pb::event::Kind::Finalized(pb::Checkpoint { epoch: 1, block: Some(b(4, 4, 0x04)) });
    v.apply(ClusterEvent::Node { node: 0, event: pb::Event { seq: 1, slot: 10, time_ms: 0, kind: Some(fin) } }, 10_000);
    v.apply(ClusterEvent::Proc(ProcEvent { node: 3, state: ProcState::Crashed("killed by signal 9".into()) }), 12_000);
    v
}

fn render(view: &ClusterView, ui: &UiState, w: u16, h: u16) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, view, ui, 13_500)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>()).collect()
}

#[test]
fn dashboard_shows_header_nodes_and_events() {
    let lines = render(&sample_view(), &UiState::default(), 120, 30);
    let screen = lines.join("\n");
    assert!(lines[1].contains("devnet · gasper · slot 13 · epoch 3 [■■··]"), "{}", lines[1]);
    assert!(lines[1].contains("nodes 3/4 up · finalized e1 h4 · lag 9 slots"), "{}", lines[1]);
    let n0 = lines.iter().find(|l| l.contains("▶ n0")).expect("selected n0 row");
    assert!(n0.contains("running") && n0.contains("s13 h13 abababab") && n0.contains("e1 h4 04040404"), "{n0}");
    let n3 = lines.iter().find(|l| l.contains(" n3 ")).expect("n3 row");
    assert!(n3.contains("crashed"), "{n3}");
    assert!(screen.contains("epoch 1 finalized (04040404, height 4) first at n0"), "{screen}");
    assert!(screen.contains("n3 crashed (killed by signal 9)"), "{screen}");
}

#[test]
fn help_overlay_lists_every_key() {
    let ui = UiState { help: true, ..Default::default() };
    let screen = render(&sample_view(), &ui, 120, 30).join("\n");
    for (k, what) in crate::keys::HELP {
        assert!(screen.contains(k) && screen.contains(what), "missing {k}: {what}\n{screen}");
    }
}

#[test]
fn safety_alarm_shows_in_the_header() {
    let mut v = sample_view();
    v.alarms.push(crate::cluster::Alarm { kind: "safety".into(), detail: "n0 vs n1".into(), time_ms: 0 });
    let lines = render(&v, &UiState::default(), 160, 30);
    assert!(lines[1].contains("ALARM SAFETY: n0 vs n1"), "{}", lines[1]);
}

#[test]
fn small_terminals_do_not_panic() {
    for (w, h) in [(20, 5), (40, 10), (80, 24), (1, 1)] {
        render(&sample_view(), &UiState { help: true, ..Default::default() }, w, h);
    }
}
