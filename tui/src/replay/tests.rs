use super::*;
use crate::cluster::test_views::entries;
use crate::cluster::{ClusterEvent, LogKind, json};
use crate::supervisor::{ProcEvent, ProcState};
use devnet_node::chain::Hash32;
use devnet_proto::v1 as pb;

const START: u64 = 1_000_000;

fn hash(n: u64) -> Vec<u8> {
    let mut h = [0u8; 32];
    h[..8].copy_from_slice(&(n + 1).to_be_bytes());
    h.to_vec()
}

fn block(n: u64) -> Option<pb::BlockRef> {
    Some(pb::BlockRef { hash: hash(n), slot: n, height: n })
}

fn node_line(at_ms: u64, node: usize, seq: u64, kind: pb::event::Kind) -> Line {
    let event = pb::Event { seq, slot: 0, time_ms: 0, kind: Some(kind) };
    Line { at_ms, item: Recorded::Cluster(ClusterEvent::Node { node, event }) }
}

/// Two nodes building a chain one block per 250 ms for 40 s, finalizing
/// every 8 blocks; node 1 crashes at 12 s and comes back at 20 s; a fault
/// line and its labels at 12 s.
fn recorded() -> Vec<Line> {
    let mut lines = vec![];
    for node in 0..2 {
        let item = Recorded::Cluster(ClusterEvent::Proc(ProcEvent { node, state: ProcState::Running }));
        lines.push(Line { at_ms: START, item });
        lines.push(Line { at_ms: START, item: Recorded::Cluster(ClusterEvent::Connected { node }) });
    }
    let mut seq = [0u64; 2];
    for n in 1..=160u64 {
        let t = START + n * 250;
        if t == START + 12_000 {
            let text = "crash n1: n1 killed (SIGKILL)".to_string();
            lines.push(Line { at_ms: t, item: Recorded::Log { node: Some(1), kind: LogKind::Fault, text } });
            lines.push(Line {
                at_ms: t,
                item: Recorded::Faults { labels: vec![vec![], vec!["crashed".into()]], links: vec![] },
            });
            let crashed = ProcState::Crashed("killed by signal 9".into());
            lines.push(Line {
                at_ms: t,
                item: Recorded::Cluster(ClusterEvent::Proc(ProcEvent { node: 1, state: crashed })),
            });
        }
        if t == START + 20_000 {
            lines.push(Line {
                at_ms: t,
                item: Recorded::Cluster(ClusterEvent::Proc(ProcEvent { node: 1, state: ProcState::Running })),
            });
            seq[1] = 0;
        }
        let down = (START + 12_000..START + 20_000).contains(&t);
        for (node, s) in seq.iter_mut().enumerate() {
            if node == 1 && down {
                continue;
            }
            *s += 1;
            let imported =
                pb::BlockImported { block: block(n), parent: hash(n - 1), proposer: 0, attestations: 0, txs: 0 };
            lines.push(node_line(t, node, *s, pb::event::Kind::BlockImported(imported)));
            *s += 1;
            let head = pb::HeadChanged { head: block(n), previous: block(n - 1), reorg_depth: 0 };
            lines.push(node_line(t, node, *s, pb::event::Kind::HeadChanged(head)));
            if n % 8 == 0 {
                *s += 1;
                let cp = pb::Checkpoint { epoch: n / 8, block: block(n - 8) };
                lines.push(node_line(t, node, *s, pb::event::Kind::Finalized(cp)));
            }
        }
    }
    lines
}

fn replay() -> Replay {
    let view = ClusterView::new("t", "gasper", 250, 8, START, &entries(2));
    Replay::from_lines("/nowhere".into(), START, view, recorded())
}

/// The parts of the view a person reads, at the replay's moment.
fn seen(r: &Replay) -> String {
    let mut s = json::summary(&r.view, r.now_ms());
    s["log"] = r.view.log.iter().map(|e| e.text.clone()).collect::<Vec<_>>().into();
    s.to_string()
}

#[test]
fn going_back_shows_what_going_forward_to_the_same_moment_showed() {
    let mut forward = replay();
    let mut at = vec![];
    for t in [5_000, 13_000, 25_000, 39_000] {
        forward.seek(t);
        at.push((t, seen(&forward)));
    }
    let mut r = replay();
    r.seek(40_000);
    for (t, expected) in at.iter().rev() {
        r.seek(*t);
        assert_eq!(&seen(&r), expected, "back to {t} ms");
    }
    r.seek(13_000);
    assert_eq!(r.view.nodes[1].state_label(), "crashed", "the crash at 12 s is in force at 13 s");
    assert_eq!(r.view.nodes[1].faults, ["crashed"]);
    r.seek(21_000);
    assert_eq!(r.view.nodes[1].state_label(), "running");
    assert_eq!(r.view.nodes[0].head.height, 84, "a block every 250 ms");
}

#[test]
fn the_end_is_the_last_line_and_faults_are_found_both_ways() {
    let mut r = replay();
    assert_eq!(r.duration_ms(), 40_000);
    r.seek(99_000);
    assert_eq!(r.position_ms(), 40_000, "clamped to the run");
    assert_eq!(r.view.nodes[0].head.height, 160);
    assert_eq!(r.view.nodes[0].head.hash, Hash32::from_slice(&hash(160)).unwrap());
    assert_eq!(r.next_fault(0), Some(12_000));
    assert_eq!(r.next_fault(12_000), None);
    assert_eq!(r.previous_fault(30_000), Some(12_000));
    assert_eq!(r.previous_fault(12_000), None);
}
