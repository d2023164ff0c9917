//! Every column whole: the full dashboard at 160x48, 120x40, 100x30 and
//! 80x24 over a view with long content (slot past 10,000, faults with
//! amounts on every node, a Byzantine node, a slashed validator), as insta
//! snapshots, and checked as data at 160x48: each header and each fault
//! label appears whole, nothing is cut (`…`) or hidden.

use super::tests::{ev, render_at};
use super::*;
use crate::cluster::ClusterEvent;
use crate::faults::{FaultState, parse, words};
use devnet_proto::v1 as pb;

const SLOT: u64 = 10_400;
const NOW: u64 = SLOT * 1000 + 500;

fn render(view: &ClusterView, ui: &UiState, w: u16, h: u16) -> Vec<String> {
    render_at(view, ui, w, h, NOW)
}

fn screen(view: &ClusterView, ui: &UiState, w: u16, h: u16) -> String {
    render(view, ui, w, h).iter().map(|l| l.trim_end()).collect::<Vec<_>>().join("\n")
}

/// A hash that differs in its first bytes from slot to slot.
fn h(slot: u64) -> Vec<u8> {
    let x = (slot as u32).wrapping_mul(2_654_435_761).to_be_bytes();
    x.iter().cycle().take(32).copied().collect()
}

fn b(slot: u64) -> pb::BlockRef {
    pb::BlockRef { hash: h(slot), slot, height: slot - 2 }
}

/// 4 nodes at slot 10,400 (two empty slots long ago, so heights lag slots
/// by 2), finalized 16 slots back; n3 equivocates, is isolated and its
/// validator slashed; latency with jitter n0 -> n1, loss n1 -> n2, n2's
/// clock skewed.
pub(super) fn long_view() -> ClusterView {
    let mut v = crate::cluster::test_views::running("gasper", 1000, 8, 4);
    for slot in SLOT - 40..=SLOT {
        for n in 0..4 {
            let imported = pb::BlockImported {
                block: Some(b(slot)),
                parent: h(slot - 1),
                proposer: (slot % 4) as u32,
                attestations: 3,
                txs: 0,
            };
            v.apply(ev(n, pb::event::Kind::BlockImported(imported)), slot * 1000);
            if n < 3 {
                let att = pb::Attested { validator: n as u32, slot, ..Default::default() };
                v.apply(ev(n, pb::event::Kind::Attested(att)), slot * 1000);
            }
        }
    }
    let fin = SLOT - 16;
    for n in 0..4usize {
        let status = pb::NodeStatus {
            id: format!("n{n}"),
            slot: SLOT,
            head: Some(b(SLOT)),
            justified: Some(pb::Checkpoint { epoch: SLOT / 8 - 1, block: Some(b(SLOT - 8)) }),
            finalized: Some(pb::Checkpoint { epoch: fin / 8, block: Some(b(fin)) }),
            peers_up: if n == 3 { vec![] } else { (0..3).filter(|p| *p != n).map(|p| format!("n{p}")).collect() },
            validator: Some(n as u32),
            behaviour: if n == 3 { "equivocate".into() } else { "honest".into() },
            validators: (0..4)
                .map(|i| pb::ValidatorStatus {
                    index: i,
                    stake: 32,
                    last_attested_slot: Some(SLOT - u64::from(i == 3) * 20),
                    ..Default::default()
                })
                .collect(),
            // Validator i missed i proposals, as the gasper engine reports them.
            detail: Some(devnet_node::api::detail::to_pb(&devnet_node::consensus::gasper::describe::detail(
                &[0, 1, 2, 3],
                4,
            ))),
            ..Default::default()
        };
        v.apply(ClusterEvent::Status { node: n, status: Box::new(status) }, NOW - 300);
    }
    for (i, r) in v.validators.rows.iter_mut().enumerate() {
        r.key = format!("{:02x}", 0xa0 + i).repeat(4);
        r.proposed = 2600 - i as u64;
    }
    for (i, n) in v.nodes.iter_mut().enumerate() {
        n.reorgs = i as u64 * 3;
        n.deepest_reorg = i as u64;
    }
    v.apply(ev(0, pb::event::Kind::Slashed(pb::Slashed { validator: 3 })), NOW - 5_000);
    let mut faults = FaultState::new(4);
    for line in ["latency n0 n1 200ms --jitter 50ms", "loss n1 n2 30%", "partition isolate n3"] {
        assert!(faults.apply_links(&parse(&words(line), 4).unwrap()), "{line}");
    }
    faults.skew_ms[2] = 500;
    faults.behaviour[3] = ("equivocate".into(), 0);
    v.links = faults.links.clone();
    let ids: Vec<String> = v.nodes.iter().map(|n| n.id.clone()).collect();
    for (i, n) in v.nodes.iter_mut().enumerate() {
        n.faults = faults.labels(i, &ids);
    }
    v
}

#[test]
fn at_160x48_every_column_and_fault_label_is_whole() {
    let v = long_view();
    let lines = render(&v, &UiState::default(), 160, 48);
    let s = lines.join("\n");
    assert!(!s.contains('…') && !s.contains("hidden:") && !s.contains("rows "), "something does not fit:\n{s}");
    let header_of = |first: &str| lines.iter().find(|l| l.contains(first)).cloned().unwrap_or_default();
    let nodes = header_of("node state");
    for c in nodes::columns(&v) {
        assert!(nodes.contains(c.header), "nodes header lacks {}:\n{nodes}", c.header);
    }
    let vals = header_of("val key");
    for c in v.desc().validators.columns {
        assert!(vals.contains(c.header), "validators header lacks {}:\n{vals}", c.header);
    }
    for n in &v.nodes {
        let row = lines.iter().find(|l| l.contains(&format!(" {} ", n.id)) && l.contains("running")).unwrap();
        let labels = n.faults.join(", ");
        assert!(!labels.is_empty() && row.contains(&labels), "{} faults `{labels}` not whole:\n{row}", n.id);
        let head = format!("s{} h{} {}", n.head.slot, n.head.height, n.head.hash);
        assert!(row.contains(&head), "{} head `{head}` not whole:\n{row}", n.id);
    }
    let n1 = lines.iter().find(|l| l.contains(" n1 ")).unwrap();
    assert!(n1.contains("partition, lat 200±50ms, loss 30%"), "{n1}");
    let n3 = lines.iter().find(|l| l.contains(" n3 ") && l.contains("running")).unwrap();
    assert!(n3.contains("running byz:equivocate") && n3.contains("isolated, equivocate"), "{n3}");
    let v3 = lines.iter().find(|l| l.contains("│v3 ")).unwrap();
    assert!(!v3.contains("100%") && v3.contains(" - "), "a slashed validator has no participation:\n{v3}");
    let v0 = lines.iter().find(|l| l.contains("│v0 ")).unwrap();
    assert!(v0.contains("active") && v0.contains("100%"), "{v0}");
}

#[test]
fn narrower_terminals_hide_columns_by_priority_and_say_so() {
    let v = long_view();
    let s = screen(&v, &UiState::default(), 120, 40);
    assert!(s.contains("+3 hidden: peers, pool, reorgs"), "{s}");
    let vals = s.lines().find(|l| l.contains("val ")).unwrap();
    assert!(vals.contains("status") && vals.contains("share") && !vals.contains("stak"), "{vals}");
    assert!(!s.contains("acti…") && s.contains("active"), "{s}");
    let s = screen(&v, &UiState::default(), 80, 24);
    assert!(s.contains("+6 hidden: just., finalized, lag, peers, pool, reorgs"), "{s}");
}

#[test]
fn a_narrow_header_drops_the_least_telling_parts_and_keeps_finality_and_alarms() {
    let mut v = long_view();
    let header = |v: &ClusterView, ui: &UiState, w| render(v, ui, w, 24)[1].clone();
    let wide = header(&v, &UiState::default(), 160);
    assert!(wide.contains("devnet · gasper · slot 10400 · epoch 1300 [■·······] · nodes 4/4 up"), "{wide}");
    for w in [100, 80, 60] {
        let line = header(&v, &UiState::default(), w);
        assert!(line.contains("slot 10400") && line.contains("lag 16 slots"), "{w}: {line}");
        assert!(!line.contains("finaliz ") && !line.contains("la│"), "{w}: {line}");
    }
    let line = header(&v, &UiState::default(), 80);
    assert!(!line.contains('[') && line.contains("gasper"), "the epoch bar and the name go first: {line}");
    let frozen = UiState { frozen: true, ..Default::default() };
    let detail = "n0 and n1 finalized different blocks".into();
    v.alarms.push(crate::cluster::view::Alarm { kind: "safety".into(), detail, time_ms: NOW });
    let line = header(&v, &frozen, 120);
    assert!(line.contains("FROZEN (f)") && line.contains("ALARM SAFETY"), "{line}");
}

#[test]
fn the_dashboard_at_each_size() {
    let v = long_view();
    for (w, h) in [(160, 48), (120, 40), (100, 30), (80, 24)] {
        insta::assert_snapshot!(format!("long_{w}x{h}"), screen(&v, &UiState::default(), w, h));
    }
}

#[test]
fn below_the_minimum_the_frame_says_so() {
    let v = long_view();
    let s = screen(&v, &UiState::default(), 59, 20);
    assert!(s.contains("terminal too small (need 60x16, have 59x20)"), "{s}");
    assert_eq!(s.lines().filter(|l| !l.trim().is_empty()).count(), 1, "{s}");
    let s = screen(&v, &UiState::default(), 100, 15);
    assert!(s.contains("terminal too small (need 60x16, have 100x15)"), "{s}");
    let s = screen(&v, &UiState::default(), 60, 16);
    assert!(s.contains(" nodes ") && !s.contains("too small"), "{s}");
    assert_eq!(areas(Rect::new(0, 0, 59, 20), &v, &UiState::default()).panes, vec![]);
}

#[test]
fn the_footer_shows_the_focused_panes_keys() {
    let v = long_view();
    let lines = render(&v, &UiState::default(), 160, 48);
    assert!(lines[47].contains("c crash") && lines[47].contains("? help"), "{}", lines[47]);
    let ui = UiState { focus: Pane::Tree, ..Default::default() };
    let lines = render(&v, &ui, 80, 24);
    assert!(lines[23].contains("+- zoom") && lines[23].contains("q quit"), "{}", lines[23]);
}

#[test]
fn help_documents_every_fault_of_the_grammar() {
    let ui = UiState { help: true, ..Default::default() };
    let s = screen(&long_view(), &ui, 160, 48);
    for name in crate::faults::grammar::names() {
        let usage = crate::faults::grammar::usage(&name).unwrap();
        let forms = usage.split(" — ").next().unwrap();
        for form in forms.split(" | ") {
            assert!(s.contains(form), "help lacks `{form}`:\n{s}");
        }
    }
    assert!(s.contains("latency FROM TO DELAY [--jitter DURATION]"), "{s}");
}

#[test]
fn help_scrolls_to_its_last_fault_and_keeps_the_footer() {
    let mut ui = UiState { help: true, ..Default::default() };
    let s = screen(&long_view(), &ui, 100, 30);
    assert!(s.contains("show or hide this help") && !s.contains("load stop"), "{s}");
    for _ in 0..10 {
        ui.update(crate::keys::Action::PageDown, Bounds::default());
    }
    let lines = render(&long_view(), &ui, 100, 30);
    let s = lines.join("\n");
    assert!(s.contains("load stop") && !s.contains("show or hide this help"), "{s}");
    let last = lines.iter().rposition(|l| l.contains("load stop")).unwrap();
    assert_eq!(last, 27, "the last line sits at the bottom, not scrolled past:\n{s}");
    assert!(lines[29].contains("↑↓ scroll") && lines[29].contains("q quit"), "{}", lines[29]);
    assert!(ui.help_scroll <= super::help::line_count(), "{}", ui.help_scroll);
    ui.update(crate::keys::Action::Up, Bounds::default());
    assert!(ui.help && ui.selected == 0, "arrows scroll the help, not the nodes");
}
