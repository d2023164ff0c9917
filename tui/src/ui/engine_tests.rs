//! Tendermint and pow screens from synthetic `ClusterView`s (the events and
//! statuses those engines send), checked for content and as insta snapshots.

use super::tests::{bref, ev, hash, import, render, screen};
use super::*;
use crate::cluster::ClusterEvent;
use devnet_node::chain::Hash32;
use devnet_node::chain::spec::ForkChoiceRule;
use devnet_node::consensus::{BlockRef, CastVote, PowDetail, TendermintDetail, TendermintStep, ValidatorVotes};
use devnet_proto::v1 as pb;

fn view(engine: &str) -> ClusterView {
    crate::cluster::test_views::running(engine, 1000, 4, 4)
}

fn round_failed(node: usize, height: u64, round: u64) -> ClusterEvent {
    ev(node, pb::event::Kind::RoundFailed(pb::RoundFailed { height, round }))
}

fn vote(round: u64, value: Option<u8>) -> Option<CastVote> {
    Some(CastVote { round, value: value.map(|b| Hash32::from_slice(&hash(b)).unwrap()) })
}

/// The status detail a node of `engine` sends, as its engine builds it.
fn wire(detail: devnet_node::consensus::describe::Detail) -> Option<pb::Detail> {
    Some(devnet_node::api::detail::to_pb(&detail))
}

/// Heights 1..=12 committed everywhere (block byte = height); height 5
/// needed round 1, height 9 round 2; height 13 is in round 1 on n0-n2 after
/// round 0 failed, and n3 (cut off) is still in round 0.
fn tendermint_view() -> ClusterView {
    let mut v = view("tendermint");
    for h in 1..=12u8 {
        for n in 0..4 {
            v.apply(import(n, h as u64, h, h - 1, (h % 4) as u32), h as u64 * 1000);
        }
    }
    for (height, round) in [(5, 0), (9, 0), (9, 1), (13, 0)] {
        for n in 0..3 {
            v.apply(round_failed(n, height, round), 12_000);
        }
    }
    for n in 0..4 {
        let (round, step, locked) =
            if n < 3 { (1, TendermintStep::Prevote, Some(0)) } else { (0, TendermintStep::Propose, None) };
        let votes = (0..4u32)
            .map(|i| match (n, i) {
                (3, _) | (_, 3) => ValidatorVotes { validator: i, prevote: None, precommit: None },
                (_, 2) => ValidatorVotes { validator: i, prevote: vote(1, None), precommit: vote(0, None) },
                _ => ValidatorVotes { validator: i, prevote: vote(1, Some(13)), precommit: vote(0, None) },
            })
            .collect();
        let status = pb::NodeStatus {
            id: format!("n{n}"),
            engine: "tendermint".into(),
            slot: 13,
            epoch: round,
            head: Some(bref(12, 12, 12)),
            justified: Some(pb::Checkpoint { epoch: 12, block: Some(bref(12, 12, 12)) }),
            finalized: Some(pb::Checkpoint { epoch: 12, block: Some(bref(12, 12, 12)) }),
            peers_up: if n < 3 { (0..3).filter(|p| *p != n).map(|p| format!("n{p}")).collect() } else { vec![] },
            validator: Some(n as u32),
            behaviour: "honest".into(),
            validators: (0..4)
                .map(|i| pb::ValidatorStatus {
                    index: i,
                    stake: 32,
                    last_attested_slot: Some(12),
                    ..Default::default()
                })
                .collect(),
            detail: wire(devnet_node::consensus::tendermint::describe::detail(
                &TendermintDetail {
                    height: 13,
                    round,
                    step,
                    locked_round: locked,
                    valid_round: locked,
                    votes,
                    votes_height: 13,
                },
                BlockRef { hash: Hash32::from_slice(&hash(12)).unwrap(), slot: 12, height: 12 },
            )),
            ..Default::default()
        };
        v.apply(ClusterEvent::Status { node: n, status: Box::new(status) }, 13_000);
    }
    let fin = pb::event::Kind::Finalized(pb::Checkpoint { epoch: 12, block: Some(bref(12, 12, 12)) });
    v.apply(ev(0, fin), 12_000);
    v.nodes[3].faults.push("partitioned".into());
    v
}

#[test]
fn tendermint_shows_rounds_steps_votes_and_failed_rounds() {
    let v = tendermint_view();
    let lines = render(&v, &UiState::default(), 160, 48);
    let s = lines.join("\n");
    assert!(lines[1].contains("devnet · tendermint · height 13 round 1 · nodes 4/4 up"), "{}", lines[1]);
    assert!(lines[1].contains("committed h12 · 4 rounds failed"), "{}", lines[1]);
    let row = |id: &str| lines.iter().find(|l| l.contains(&format!("┃  {id} ")) || l.contains(&format!("┃▶ {id} ")));
    let row = |id: &str| row(id).cloned().unwrap_or_default();
    assert!(row("n0").contains("h13/r1") && row("n0").contains("prevote") && row("n0").contains("L0 V0"), "{s}");
    assert!(row("n3").contains("h13/r0") && row("n3").contains("propose") && row("n3").contains("L- V-"), "{s}");
    assert!(row("n0").contains("h12 0c0c0c0c"), "{s}");
    assert!(s.contains("votes h13 r1 · seen by n0"), "{s}");
    let val = |i: u32| lines.iter().find(|l| l.contains(&format!("│v{i} "))).cloned().unwrap_or_default();
    assert!(val(0).contains("r1 0d0d0d0d") && val(0).contains("r0 nil"), "{}", val(0));
    assert!(val(2).contains("r1 nil"), "{}", val(2));
    assert!(val(3).contains("–"), "{}", val(3));
    assert!(s.contains("committed chain · 1 height/cell"), "{s}");
    assert!(s.contains("✗r0") && s.contains("✗r0-1"), "{s}");
    assert!(s.contains("╵h0"), "{s}");
    // Failed rounds fold into one line with a count: the newest, first at n0.
    assert!(s.contains("×4 height 13 round 0 failed, first at n0"), "{s}");
    assert_eq!(s.matches("failed, first at").count(), 1, "{s}");
    assert!(!s.contains("first at n1"), "{s}");
    assert!(s.contains("height 12 committed (0c0c0c0c) first at n0"), "{s}");
    let s = screen(&v, &UiState::default(), 160, 48);
    assert!(!s.contains('…') && !s.contains("hidden"), "every column whole:\n{s}");
    insta::assert_snapshot!("tendermint_160x48", s);
}

#[test]
fn tendermint_votes_follow_the_selected_node() {
    let v = tendermint_view();
    let ui = UiState { selected: 3, ..Default::default() };
    let s = screen(&v, &ui, 160, 48);
    assert!(s.contains("votes h13 r0 · seen by n3"), "{s}");
    let s = screen(&v, &UiState { selected: 3, detail: true, ..Default::default() }, 120, 40);
    assert!(s.contains("engine     h/r h13/r0 · step propose · lock L- V- · committed h12 0c0c0c0c"), "{s}");
    insta::assert_snapshot!("tendermint_compact_100x30", screen(&v, &UiState::default(), 100, 30));
}

/// Main chain 1..=14 (byte = height) held by n0-n2; n3 (40% hashrate after
/// a fault, selfish) forked at 10 and holds a private 11'-12' (0x8b, 0x8c);
/// n2 was reorged 2 deep earlier. k = 6.
fn pow_view() -> ClusterView {
    let mut v = view("pow");
    for h in 1..=14u8 {
        for n in 0..4 {
            if n < 3 || h <= 10 {
                v.apply(import(n, h as u64, h, h - 1, (h % 3) as u32), h as u64 * 1000);
            }
        }
    }
    v.apply(import(3, 11, 0x8b, 10, 3), 11_000);
    v.apply(import(3, 12, 0x8c, 0x8b, 3), 12_000);
    let head = |b: pb::BlockRef, prev: pb::BlockRef, depth| {
        pb::event::Kind::HeadChanged(pb::HeadChanged { head: Some(b), previous: Some(prev), reorg_depth: depth })
    };
    v.apply(ev(2, head(bref(12, 12, 12), bref(11, 11, 0x7b), 2)), 12_000);
    for n in 0..4usize {
        let (head, k_deep) =
            if n < 3 { (bref(14, 14, 14), bref(9, 9, 9)) } else { (bref(12, 12, 0x8c), bref(7, 7, 7)) };
        let block =
            |b: &pb::BlockRef| BlockRef { hash: Hash32::from_slice(&b.hash).unwrap(), slot: b.slot, height: b.height };
        let (head_ref, k_deep_ref) = (block(&head), block(&k_deep));
        let status = pb::NodeStatus {
            id: format!("n{n}"),
            engine: "pow".into(),
            slot: head.height + 1,
            epoch: 0,
            head: Some(head),
            justified: Some(pb::Checkpoint { epoch: k_deep.height, block: Some(k_deep.clone()) }),
            finalized: Some(pb::Checkpoint { epoch: k_deep.height, block: Some(k_deep) }),
            peers_up: if n < 3 { (0..3).filter(|p| *p != n).map(|p| format!("n{p}")).collect() } else { vec![] },
            validator: Some(n as u32),
            behaviour: if n == 3 { "selfish".into() } else { "honest".into() },
            validators: (0..4).map(|i| pb::ValidatorStatus { index: i, stake: 25, ..Default::default() }).collect(),
            detail: wire(devnet_node::consensus::pow::describe::detail(
                &PowDetail {
                    difficulty: 40_960,
                    hashrate_percent: if n == 3 { 40 } else { 20 },
                    k: 6,
                    fork_choice: ForkChoiceRule::Heaviest,
                    chain_work: 40_960u128 * head_height(n),
                    private_blocks: if n == 3 { 2 } else { 0 },
                },
                head_ref,
                k_deep_ref,
                Some(25),
            )),
            ..Default::default()
        };
        v.apply(ClusterEvent::Status { node: n, status: Box::new(status) }, 14_000);
    }
    v.nodes[3].faults.push("hashrate 40%".into());
    v
}

fn head_height(n: usize) -> u128 {
    if n < 3 { 14 } else { 12 }
}

#[test]
fn pow_shows_hashrate_confirmations_difficulty_and_forks() {
    let v = pow_view();
    let lines = render(&v, &UiState::default(), 160, 48);
    let s = lines.join("\n");
    assert!(
        lines[1].contains("devnet · pow · height 15 · k=6 · fork choice heaviest · difficulty 41.0k"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("k-deep h9 · deepest reorg 2"), "{}", lines[1]);
    let row = |id: &str| lines.iter().find(|l| l.contains(&format!("┃  {id} ")) || l.contains(&format!("┃▶ {id} ")));
    let row = |id: &str| row(id).cloned().unwrap_or_default();
    assert!(row("n0").contains("h14 0e0e0e0e") && row("n0").contains("h9 6/6"), "{s}");
    assert!(row("n0").contains("41.0k"), "{s}");
    assert!(row("n3").contains("byz:self") && row("n3").contains("40%") && row("n3").contains("h12 8c8c8c8c"), "{s}");
    assert!(row("n2").contains("1 2/2"), "{}", row("n2"));
    assert!(s.contains("miners · hashrate in % of the genesis total"), "{s}");
    let miner = |i: u32| lines.iter().find(|l| l.contains(&format!("│v{i} "))).cloned().unwrap_or_default();
    assert!(miner(3).contains("25.0%") && miner(3).contains("40%"), "{}", miner(3));
    assert!(s.contains("block tree · 1 height/cell") && s.contains("◆ n3"), "{s}");
    assert!(s.contains("n2 reorg depth 2 to height 12"), "{s}");
    let s = screen(&v, &UiState { selected: 3, detail: true, ..Default::default() }, 120, 40);
    assert!(
        s.contains("engine     k-deep conf h7 6/6 · hash% 40% · diff 41.0k · priv 2 · k=6 · fork choice heaviest"),
        "{s}"
    );
    let s = screen(&v, &UiState::default(), 160, 48);
    assert!(!s.contains('…') && !s.contains("hidden") && row("n3").contains("hashrate 40%"), "{s}");
    insta::assert_snapshot!("pow_160x48", s);
}
