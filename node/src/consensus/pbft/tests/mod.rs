//! Unit tests for the pbft engine: quorums and parameters, the NEW-VIEW
//! computation as data, codecs, and scripts on real engines (a small
//! in-memory cluster that delivers every message at once).

mod cluster;
mod codec;
mod newview;
mod protocol;

use super::Pbft;
use super::params::PbftParams;
use super::types::{Block, Cert, CheckpointCert, Phase, ViewChange, Vote, VoteData};
use crate::chain::{ChainSpec, Hash32, SecretKey, ValidatorSpec};
use crate::consensus::Identity;
use crate::consensus::engine::*;

pub const STAKES: [u64; 4] = [25, 25, 25, 25];

pub fn key(i: usize) -> SecretKey {
    SecretKey::from_seed([i as u8 + 1; 32])
}

pub fn params() -> PbftParams {
    PbftParams {
        checkpoint_interval: 2,
        watermark_window: 4,
        view_change_timeout_ms: 100,
        max_view_change_timeout_ms: 400,
        pacing_ms: 10,
    }
}

pub fn spec_with(stakes: &[u64], p: PbftParams) -> ChainSpec {
    ChainSpec {
        name: "unit".into(),
        consensus: "pbft".into(),
        slot_ms: 100,
        epoch_slots: 1,
        genesis_time_ms: 0,
        validators: stakes
            .iter()
            .enumerate()
            .map(|(i, s)| ValidatorSpec { pubkey: hex::encode(key(i).public().0), stake: *s })
            .collect(),
        params: crate::consensus::params::of(&p),
        ledger: None,
    }
}

pub fn spec() -> ChainSpec {
    spec_with(&STAKES, params())
}

pub fn engine(i: usize) -> Pbft {
    engine_with(i, params())
}

pub fn engine_with(i: usize, p: PbftParams) -> Pbft {
    let identity =
        Identity { me: PeerId(i as u32), peers: (0..4).map(PeerId).collect(), validator: Some((i as u32, key(i))) };
    Pbft::new(&spec_with(&STAKES, p), identity).expect("engine")
}

pub fn genesis() -> Hash32 {
    super::genesis_hash(&spec().genesis_seed())
}

pub fn vote(v: usize, phase: Phase, view: u64, seq: u64, digest: Hash32) -> Vote {
    Vote::sign(&key(v), v as u32, VoteData { phase, view, seq, digest })
}

/// A prepared certificate for `block` in `view`: the primary's pre-prepare and `backups`' prepares.
pub fn prepared(block: &Block, view: u64, backups: &[usize]) -> Cert {
    let d = block.hash();
    let primary = (view % 4) as usize;
    let mut votes = vec![vote(primary, Phase::PrePrepare, view, block.seq, d)];
    votes.extend(backups.iter().map(|b| vote(*b, Phase::Prepare, view, block.seq, d)));
    Cert { block: block.clone(), votes }
}

pub fn block(seq: u64, parent: Hash32, proposer: u32) -> Block {
    // An empty block of the genesis state: no transfers, the genesis root.
    let root = crate::ledger::TxLayer::new(&spec()).expect("ledger").genesis().root();
    Block { seq, parent, proposer, evidence: Vec::new(), state_root: root, txs: Vec::new() }
}

pub fn view_change(v: usize, new_view: u64, prepared: Vec<Cert>) -> ViewChange {
    ViewChange::sign(&key(v), v as u32, new_view, CheckpointCert::genesis(genesis()), prepared)
}

pub fn events(fx: &[Effect]) -> Vec<Event> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Report(ev) => Some(ev.clone()),
            _ => None,
        })
        .collect()
}

pub fn rejected(fx: &[Effect]) -> bool {
    events(fx).iter().any(|e| matches!(e, Event::Rejected { .. }))
}
