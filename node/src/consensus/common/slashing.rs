//! Evidence and slashing as the engines that slash by evidence committed on
//! one chain keep them: at most one piece of pending evidence per offender,
//! persisted when pooled; each slashed validator reported once per process.
//!
//! Rules: pooled evidence is persisted as `Table::Evidence`, key = the
//! offender's index (u32, big-endian), value = the evidence's canonical
//! bytes; evidence against a slashed validator is dropped from the pool;
//! `Event::Slashed` goes out once for each validator in the slashed set, in
//! index order, and again after a restart (the caller clears `reported`).
//! `EquivocationSeen` goes out once per key the engine names. Which
//! equivocations count as one, and whether pooled evidence is gossiped, are
//! each engine's own rules and stay there.

use crate::consensus::engine::{Effect, EquivocationKind, Event, Record, Table};
use std::collections::{BTreeMap, BTreeSet};

/// `EquivocationSeen` the first time `key` is seen; what makes two
/// equivocations one (the key) is the engine's rule.
pub fn report_equivocation<K: Ord>(
    seen: &mut BTreeSet<K>,
    key: K,
    validator: u32,
    kind: EquivocationKind,
    slot: u64,
    fx: &mut Vec<Effect>,
) {
    if seen.insert(key) {
        fx.push(Effect::Report(Event::EquivocationSeen { validator, kind, slot }));
    }
}

/// Pools checked evidence against `offender` unless some is pooled already,
/// persisting it (`encode` gives its bytes); the evidence if pooled now.
pub fn pool_evidence<'a, E>(
    pool: &'a mut BTreeMap<u32, E>,
    offender: u32,
    ev: E,
    encode: impl FnOnce(&E) -> Vec<u8>,
    fx: &mut Vec<Effect>,
) -> Option<&'a E> {
    if pool.contains_key(&offender) {
        return None;
    }
    let value = encode(&ev);
    fx.push(Effect::Persist(Record { table: Table::Evidence, key: offender.to_be_bytes().to_vec(), value }));
    Some(pool.entry(offender).or_insert(ev))
}

/// Evidence read back from the store joins the pool unless its offender is
/// slashed on the restored chain.
pub fn repool<E>(pool: &mut BTreeMap<u32, E>, slashed: &BTreeSet<u32>, evidence: Vec<E>, offender: impl Fn(&E) -> u32) {
    for ev in evidence {
        let v = offender(&ev);
        if !slashed.contains(&v) {
            pool.insert(v, ev);
        }
    }
}

/// After committed evidence slashed validators: pending evidence against
/// them is dropped and each newly slashed one reported.
pub fn settle<E>(
    slashed: &BTreeSet<u32>,
    reported: &mut BTreeSet<u32>,
    pool: &mut BTreeMap<u32, E>,
    fx: &mut Vec<Effect>,
) {
    pool.retain(|v, _| !slashed.contains(v));
    report_slashed(slashed, reported, fx);
}

/// `Event::Slashed` for each validator in `slashed` not reported yet.
pub fn report_slashed(slashed: &BTreeSet<u32>, reported: &mut BTreeSet<u32>, fx: &mut Vec<Effect>) {
    for v in slashed.difference(reported).copied().collect::<Vec<u32>>() {
        reported.insert(v);
        fx.push(Effect::Report(Event::Slashed { validator: v }));
    }
}
