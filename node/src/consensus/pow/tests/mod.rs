//! Unit tests of the pow engine: the pieces (`rules`), one engine fed
//! crafted blocks (`engine`), and the Byzantine miners (`byzantine`).

mod byzantine;
mod engine;
mod rules;

use super::Pow;
use super::types::Block;
use crate::chain::spec::{ForkChoiceRule, PowParams};
use crate::chain::{ChainSpec, SecretKey, ValidatorSpec};
use crate::consensus::Identity;
use crate::consensus::engine::*;

pub(super) fn key(i: usize) -> SecretKey {
    SecretKey::from_seed([i as u8 + 1; 32])
}

pub(super) fn spec(rule: ForkChoiceRule) -> ChainSpec {
    ChainSpec {
        name: "pow-unit".into(),
        consensus: "pow".into(),
        slot_ms: 100,
        epoch_slots: 1,
        genesis_time_ms: 0,
        validators: (0..4).map(|i| ValidatorSpec { pubkey: hex::encode(key(i).public().0), stake: 1 }).collect(),
        params: crate::consensus::params::of(&PowParams {
            block_ms: 100,
            k: 3,
            fork_choice: rule,
            hashrate: vec![40, 20, 20, 20],
            retarget_window: 8,
            puzzle_bits: 4,
        }),
        ledger: None,
    }
}

pub(super) fn engine(i: usize, rule: ForkChoiceRule) -> Pow {
    let identity = Identity {
        me: PeerId(i as u32),
        peers: (0..4).map(|p| PeerId(p as u32)).collect(),
        validator: Some((i as u32, key(i))),
    };
    Pow::new(&spec(rule), identity).expect("engine")
}

/// A valid child of `parent` mined by `miner` at `ts`.
pub(super) fn child(e: &Pow, parent: &Block, miner: u32, ts: u64) -> Block {
    Block {
        parent: parent.id(),
        height: parent.height + 1,
        timestamp_ms: ts.max(parent.timestamp_ms),
        miner,
        difficulty: e.difficulty_after(parent),
        nonce: 0,
        state_root: parent.state_root,
        tx_root: crate::consensus::pow::types::tx_root(&[]),
        txs: Vec::new(),
    }
    .mine(4)
    .expect("4 bits")
}

pub(super) fn genesis(e: &Pow) -> Block {
    e.tree().get(&e.tree().genesis).expect("genesis").block.clone()
}

pub(super) fn deliver(e: &mut Pow, now: u64, from: u32, b: &Block) -> Vec<Effect> {
    e.handle(now, Input::Message { from: PeerId(from), kind: MsgKind::Block, bytes: b.encode() })
}

pub(super) fn sent_blocks(fx: &[Effect]) -> Vec<(Dest, Block)> {
    fx.iter()
        .filter_map(|f| match f {
            Effect::Send { to, kind: MsgKind::Block, bytes } => Some((to.clone(), Block::decode(bytes).ok()?)),
            _ => None,
        })
        .collect()
}

pub(super) fn detail(e: &Pow) -> PowDetail {
    e.detail()
}

/// Tick far enough ahead that the current attempt is found (one block).
pub(super) fn mine_one(e: &mut Pow, now: &mut u64) -> Vec<Effect> {
    *now += 1_000_000;
    e.handle(*now, Input::Tick)
}
