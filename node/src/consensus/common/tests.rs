use super::archive::{Archive, Numbered};
use super::asks::may_ask;
use super::inbound::{decode_or_reject, relay, remember};
use super::slashing::{pool_evidence, report_slashed, settle};
use super::stake::{is_one_third, is_quorum, total_stake};
use crate::chain::Hash32;
use crate::chain::codec::DecodeError;
use crate::consensus::engine::*;
use std::collections::{BTreeMap, BTreeSet};

struct At(u64);
impl Numbered for At {
    fn number(&self) -> u64 {
        self.0
    }
}

#[test]
fn the_archive_keeps_the_last_entries_and_finds_them_by_number() {
    let mut a = Archive::new(3);
    assert!(a.get(1).is_none() && a.since(1, 8).next().is_none());
    for n in 1..=5 {
        a.push(At(n));
    }
    let numbers = |it: &mut dyn Iterator<Item = &At>| it.map(|e| e.0).collect::<Vec<_>>();
    assert_eq!((a.get(2).map(|e| e.0), a.get(3).map(|e| e.0), a.get(6).map(|e| e.0)), (None, Some(3), None));
    assert_eq!(numbers(&mut a.since(1, 8)), [3, 4, 5]);
    assert_eq!(numbers(&mut a.since(4, 8)), [4, 5]);
    assert_eq!(numbers(&mut a.since(4, 1)), [4]);
    assert_eq!(numbers(&mut a.latest(2)), [4, 5]);
}

#[test]
fn a_message_that_does_not_decode_is_rejected_naming_its_kind() {
    let mut fx = Vec::new();
    let bad: Result<(), _> = Err(DecodeError::Trailing { trailing: 2 });
    assert!(decode_or_reject(PeerId(3), MsgKind::Vote, bad, &mut fx).is_none());
    assert!(matches!(&fx[..], [Effect::Report(Event::Rejected { from: Some(PeerId(3)), reason })]
        if reason == "vote: 2 unexpected trailing bytes"));
    assert_eq!(decode_or_reject(PeerId(3), MsgKind::Vote, Ok(7), &mut fx), Some(7));
    assert_eq!(fx.len(), 1);
}

#[test]
fn relays_go_to_the_other_peers_and_ids_are_remembered_within_a_bound() {
    let mut fx = Vec::new();
    relay(&[PeerId(1), PeerId(2)], PeerId(1), MsgKind::Vote, b"m", &mut fx);
    relay(&[PeerId(1)], PeerId(1), MsgKind::Vote, b"m", &mut fx);
    assert!(matches!(&fx[..], [Effect::Relay { to: Dest::Peers(p), .. }] if p == &[PeerId(2)]));
    let mut seen = BTreeSet::new();
    assert!(remember(&mut seen, 2, Hash32::digest(&[b"a"])));
    assert!(!remember(&mut seen, 2, Hash32::digest(&[b"a"])));
    assert!(remember(&mut seen, 2, Hash32::digest(&[b"b"])));
    assert!(remember(&mut seen, 2, Hash32::digest(&[b"c"])));
    assert_eq!(seen.len(), 1);
}

#[test]
fn evidence_is_pooled_once_per_offender_and_slashing_reported_once() {
    let mut pool = BTreeMap::new();
    let mut fx = Vec::new();
    assert_eq!(pool_evidence(&mut pool, 2, "first", |e| e.as_bytes().to_vec(), &mut fx), Some(&"first"));
    assert_eq!(pool_evidence(&mut pool, 2, "second", |e| e.as_bytes().to_vec(), &mut fx), None);
    assert!(matches!(&fx[..], [Effect::Persist(Record { table: Table::Evidence, key, value })]
        if key == &2u32.to_be_bytes() && value == b"first"));
    let (slashed, mut reported) = (BTreeSet::from([2, 5]), BTreeSet::new());
    let mut fx = Vec::new();
    settle(&slashed, &mut reported, &mut pool, &mut fx);
    report_slashed(&slashed, &mut reported, &mut fx);
    assert!(pool.is_empty());
    let reports: Vec<u32> = fx
        .iter()
        .filter_map(|e| if let Effect::Report(Event::Slashed { validator }) = e { Some(*validator) } else { None })
        .collect();
    assert_eq!(reports, [2, 5]);
}

#[test]
fn asks_wait_a_period_per_key() {
    let mut asked = BTreeMap::new();
    assert!(may_ask(&mut asked, 'p', 100, 50));
    assert!(!may_ask(&mut asked, 'p', 149, 50));
    assert!(may_ask(&mut asked, 'q', 149, 50));
    assert!(may_ask(&mut asked, 'p', 150, 50));
}

#[test]
fn stake_totals_are_checked_and_thresholds_are_strict() {
    assert_eq!(total_stake([1, 2, 3]), Ok(6));
    assert_eq!(total_stake([1, 0]), Err("validator 1: stake must be positive".into()));
    assert_eq!(total_stake([u64::MAX, 1]), Err("total stake overflows u64".into()));
    assert!(!is_quorum(2, 3) && is_quorum(3, 3) && is_quorum(u64::MAX as u128, u64::MAX));
    assert!(!is_one_third(1, 3) && is_one_third(2, 3));
}
