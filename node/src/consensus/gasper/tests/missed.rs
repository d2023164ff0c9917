//! Missed proposals as a node reports them (`super::super::missed`).

use super::*;
use crate::consensus::describe::Value;

#[test]
fn empty_slots_are_charged_to_their_drawn_proposer() {
    // Node 0 alone: it proposes in its own slots; every other slot stays empty.
    let mut g = engine(0);
    let _ = g.handle(0, Input::Start);
    let last = 12;
    for slot in 1..=last {
        let _ = g.handle(slot * SLOT_MS, Input::Tick);
        let _ = g.handle(slot * SLOT_MS + SLOT_MS / 2, Input::Tick);
    }
    // Judged: slots 1 .. last - GRACE (the first tick, at slot 0, starts the count).
    let mut want = [0u64; 4];
    for slot in 1..last - super::super::missed::GRACE {
        let p = proposer(slot);
        if p != 0 {
            want[p as usize] += 1;
        }
    }
    let seen: Vec<u64> = g
        .status(last * SLOT_MS)
        .detail
        .validators
        .iter()
        .map(|row| match row[0].value {
            Value::Count(n) => n,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(seen, want.to_vec());
    assert!(want.iter().sum::<u64>() > 0, "some slot was another's: the test checks something");
}

#[test]
fn slots_a_paused_node_did_not_tick_through_are_not_charged() {
    let mut g = engine(0);
    let _ = g.handle(0, Input::Start);
    // Paused from slot 1 to slot 40: the next tick comes at slot 40.
    let _ = g.handle(40 * SLOT_MS, Input::Tick);
    for slot in 41..=44 {
        let _ = g.handle(slot * SLOT_MS, Input::Tick);
    }
    let total: u64 = g
        .status(44 * SLOT_MS)
        .detail
        .validators
        .iter()
        .map(|row| match row[0].value {
            Value::Count(n) => n,
            other => panic!("{other:?}"),
        })
        .sum();
    // Only slots 41 and 42 (44 - GRACE) can be judged, not the 39 slots of the pause.
    assert!(total <= 2, "charged {total} misses");
}
