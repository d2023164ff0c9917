use super::*;
use devnet_node::chain::ValidatorSpec;

fn spec(n: usize) -> ChainSpec {
    ChainSpec {
        name: "t".into(),
        consensus: "gasper".into(),
        slot_ms: 100,
        epoch_slots: 4,
        genesis_time_ms: 0,
        validators: (0..n).map(|i| ValidatorSpec { pubkey: format!("{:064x}", i + 1), stake: 32 }).collect(),
        params: Default::default(),
        ledger: None,
    }
}

fn set(n: usize) -> ValidatorSet {
    let nodes: Vec<Option<u32>> = (0..n as u32).map(Some).collect();
    ValidatorSet::new(4, &nodes).with_spec(&spec(n))
}

fn attested(v: u32, slot: u64) -> pb::event::Kind {
    pb::event::Kind::Attested(pb::Attested { validator: v, slot, ..Default::default() })
}

fn block(slot: u64, proposer: u32) -> pb::event::Kind {
    pb::event::Kind::BlockImported(pb::BlockImported {
        block: Some(pb::BlockRef { hash: vec![slot as u8; 32], slot, height: slot }),
        proposer,
        ..Default::default()
    })
}

#[test]
fn participation_counts_distinct_slots_in_the_window() {
    let mut s = set(2);
    s.on_slot(0);
    for slot in 0..16 {
        s.on_event(&attested(0, slot), false);
        s.on_event(&attested(0, slot), false);
        if slot % 2 == 0 {
            s.on_event(&attested(1, slot), false);
        }
    }
    s.on_slot(16);
    assert_eq!(s.participation(0, 16), 1.0);
    assert_eq!(s.participation(1, 16), 0.5);
    assert_eq!(s.rows[1].last_attested, Some(14));
    // Nothing new for a whole window: participation falls to zero.
    s.on_slot(40);
    assert_eq!(s.participation(0, 40), 0.0);
}

#[test]
fn proposals_are_counted_once_per_block() {
    let mut s = set(4);
    for slot in 1..10 {
        s.on_event(&block(slot, (slot % 4) as u32), true);
        s.on_event(&block(slot, (slot % 4) as u32), false);
    }
    assert_eq!(s.rows.iter().map(|r| r.proposed).collect::<Vec<_>>(), vec![2, 3, 2, 2]);
}

#[test]
fn status_prefers_slashed_then_byzantine_then_offline() {
    let mut s = set(3);
    s.on_event(&pb::event::Kind::Slashed(pb::Slashed { validator: 0 }), false);
    let st = pb::NodeStatus { validator: Some(1), behaviour: "equivocate".into(), ..Default::default() };
    s.on_status(1, &st);
    let running = |n: usize| n != 2 && n != 0;
    assert_eq!(s.status(0, running), ValidatorStatus::Slashed);
    assert_eq!(s.status(1, running), ValidatorStatus::Byzantine);
    assert_eq!(s.status(2, running), ValidatorStatus::Offline);
    assert_eq!(s.rows[0].key, "00000000");
    assert_eq!(s.total_stake(), 96);
}
