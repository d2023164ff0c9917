//! Unit tests for the tendermint engine as scripts: feed messages to one
//! node, read back what it signs, persists and reports.

mod algorithm;
mod codec;
mod safety;

use super::Tendermint;
use super::types::{Block, Proposal, ProposalData, SignedProposal, Vote, VoteData, VoteType};
use super::validators::ValidatorSet;
use super::wire::Message;
use crate::chain::spec::TendermintParams;
use crate::chain::{ChainSpec, Hash32, SecretKey, ValidatorSpec};
use crate::consensus::Identity;
use crate::consensus::engine::*;
use std::collections::BTreeSet;

pub const STAKES: [u64; 4] = [25, 25, 25, 25];

pub fn key(i: usize) -> SecretKey {
    SecretKey::from_seed([i as u8 + 1; 32])
}

pub fn spec() -> ChainSpec {
    ChainSpec {
        name: "unit".into(),
        consensus: "tendermint".into(),
        slot_ms: 100,
        epoch_slots: 1,
        genesis_time_ms: 0,
        validators: STAKES
            .iter()
            .enumerate()
            .map(|(i, s)| ValidatorSpec { pubkey: hex::encode(key(i).public().0), stake: *s })
            .collect(),
        params: crate::consensus::params::of(&TendermintParams {
            timeout_propose_ms: 100,
            timeout_prevote_ms: 50,
            timeout_precommit_ms: 50,
            timeout_delta_ms: 10,
            timeout_commit_ms: 0,
        }),
        ledger: None,
    }
}

pub fn engine(i: usize) -> Tendermint {
    let identity =
        Identity { me: PeerId(i as u32), peers: (0..4).map(PeerId).collect(), validator: Some((i as u32, key(i))) };
    Tendermint::new(&spec(), identity).expect("engine")
}

pub fn proposer(height: u64, round: u64) -> u32 {
    ValidatorSet::from_spec(&spec()).expect("vals").proposer(height, round, &BTreeSet::new()).expect("proposer")
}

/// A validator other than `not` that is not the proposer of (height, round).
pub fn node_not_proposing(height: u64, round: u64) -> usize {
    (0..4).find(|i| *i as u32 != proposer(height, round)).expect("someone")
}

pub fn genesis() -> Hash32 {
    super::genesis_hash(&spec().genesis_seed())
}

pub fn block(height: u64, parent: Hash32, graffiti: u64) -> Block {
    let state_root = crate::ledger::State::genesis(1000, 1_000_000_000).root();
    Block { height, parent, proposer: proposer(height, 0), graffiti, evidence: Vec::new(), state_root, txs: Vec::new() }
}

pub fn proposal(height: u64, round: u64, b: &Block, pol_round: Option<u64>, pol: Vec<Vote>) -> Message {
    let p = proposer(height, round);
    let data = ProposalData { height, round, pol_round, block: b.hash() };
    Message::Proposal(Proposal { signed: SignedProposal::sign(&key(p as usize), p, data), block: b.clone(), pol })
}

pub fn vote(v: u32, kind: VoteType, height: u64, round: u64, value: Option<Hash32>) -> Vote {
    Vote::sign(&key(v as usize), v, VoteData { kind, height, round, value })
}

pub fn msg(from: u32, m: &Message) -> Input {
    Input::Message { from: PeerId(from), kind: m.kind(), bytes: m.encode() }
}

pub fn vmsg(v: &Vote) -> Input {
    msg(v.validator, &Message::Vote(*v))
}

pub fn events(fx: &[Effect]) -> Vec<&Event> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Report(ev) => Some(ev),
            _ => None,
        })
        .collect()
}

/// The votes this node signed in `fx` (sent to everyone).
pub fn signed_votes(fx: &[Effect]) -> Vec<Vote> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send { to: Dest::All, kind: MsgKind::Vote, bytes } => match Message::decode(MsgKind::Vote, bytes) {
                Ok(Message::Vote(v)) => Some(v),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

pub fn persisted(fx: &[Effect]) -> Vec<Record> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Persist(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}
