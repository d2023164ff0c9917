//! Unit tests for the gasper engine, one file per concern, plus shared helpers.

mod codec;
mod engine;
mod ffg;
mod fork_choice;
mod missed;
mod slashing;

use super::Gasper;
use super::types::{Attestation, AttestationData, Block, BlockHeader, Body, Checkpoint};
use super::validators::{Validators, sign_attestation, sign_header};
use crate::chain::{ChainSpec, Hash32, SecretKey, ValidatorSpec};
use crate::consensus::Identity;
use crate::consensus::engine::*;
use std::collections::BTreeSet;

pub const SLOT_MS: u64 = 90;
pub const EPOCH_SLOTS: u64 = 4;

pub fn key(i: usize) -> SecretKey {
    SecretKey::from_seed([i as u8 + 1; 32])
}

pub fn spec(stakes: &[u64]) -> ChainSpec {
    ChainSpec {
        name: "unit".into(),
        consensus: "gasper".into(),
        slot_ms: SLOT_MS,
        epoch_slots: EPOCH_SLOTS,
        genesis_time_ms: 0,
        params: Default::default(),
        ledger: None,
        validators: stakes
            .iter()
            .enumerate()
            .map(|(i, s)| ValidatorSpec { pubkey: hex::encode(key(i).public().0), stake: *s })
            .collect(),
    }
}

pub const STAKES: [u64; 4] = [25, 25, 25, 25];

/// Node `i` of a 4-validator cluster, validating with key `i`.
pub fn engine(i: usize) -> Gasper {
    let identity =
        Identity { me: PeerId(i as u32), peers: (0..4).map(PeerId).collect(), validator: Some((i as u32, key(i))) };
    match Gasper::new(&spec(&STAKES), identity) {
        Ok(g) => g,
        Err(e) => panic!("engine: {e}"),
    }
}

pub fn validators() -> Validators {
    Validators::from_spec(&spec(&STAKES)).expect("validators")
}

pub fn genesis() -> Hash32 {
    super::genesis_hash(&spec(&STAKES).genesis_seed())
}

/// The proposer of `slot` on a chain where nobody is slashed.
pub fn proposer(slot: u64) -> u32 {
    validators().proposer(&spec(&STAKES).genesis_seed(), EPOCH_SLOTS, slot, &BTreeSet::new()).expect("proposer")
}

/// A correctly signed block by the slot's proposer.
/// A block of `body` on `parent`; a body without a state root gets the
/// genesis state's (right for any block that carries no transfers).
pub fn block(slot: u64, parent: Hash32, body: Body) -> Block {
    let p = proposer(slot);
    let genesis_root = crate::ledger::State::genesis(1000, 1_000_000_000).root();
    let body = if body.state_root == Hash32::ZERO { Body { state_root: genesis_root, ..body } } else { body };
    let header = BlockHeader { slot, proposer: p, parent, body_root: body.root() };
    Block { signed: sign_header(&key(p as usize), header), body }
}

pub fn att(v: u32, slot: u64, head: Hash32, source: Checkpoint, target: Checkpoint) -> Attestation {
    sign_attestation(&key(v as usize), v, AttestationData { slot, head, source, target })
}

pub fn cp(epoch: u64, root: Hash32) -> Checkpoint {
    Checkpoint { epoch, root }
}

pub fn msg(from: u32, m: &super::types::Message) -> Input {
    Input::Message { from: PeerId(from), kind: m.kind(), bytes: m.encode() }
}

pub fn events(fx: &[Effect]) -> Vec<&Event> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Report(ev) => Some(ev),
            _ => None,
        })
        .collect()
}

pub fn sends(fx: &[Effect], kind: MsgKind) -> usize {
    fx.iter().filter(|e| matches!(e, Effect::Send { kind: k, .. } if *k == kind)).count()
}

pub fn persisted(fx: &[Effect]) -> Vec<Record> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Persist(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}
