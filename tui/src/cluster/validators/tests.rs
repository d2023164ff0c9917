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
        tendermint: None,
        pow: None,
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
fn empty_slots_are_charged_to_the_drawn_proposer() {
    let sp = spec(4);
    let vals = Validators::from_spec(&sp).unwrap();
    let proposer = |slot| vals.proposer(&sp.genesis_seed(), 4, slot, &BTreeSet::new()).unwrap();
    let mut s = set(4);
    s.on_slot(0);
    // Blocks at slots 1..=9 except 5; proposals counted once per block.
    for slot in (1..10).filter(|s| *s != 5) {
        s.on_event(&block(slot, proposer(slot)), true);
        s.on_event(&block(slot, proposer(slot)), false);
    }
    s.on_slot(12);
    let missed: Vec<u64> = s.rows.iter().map(|r| r.missed).collect();
    let mut expect = vec![0; 4];
    // Slots 1..10 are judged (12 - MISS_GRACE); 5 and the empty 9.. none: only 5 is empty below 10.
    expect[proposer(5) as usize] += 1;
    assert_eq!(missed, expect);
    assert_eq!(s.rows.iter().map(|r| r.proposed).sum::<u64>(), 8);
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
