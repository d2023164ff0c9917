//! `ForkLedger`: the ledger of an engine whose blocks form a tree that can
//! reorg (pow, gasper). Every block is executed when it is imported, on its
//! parent's state (T3); the state of each recent block is kept, and a state
//! that is not kept any more is rebuilt by replaying blocks from the nearest
//! ancestor whose state is (the genesis state is always kept). When the head
//! moves, the blocks that left the canonical chain give their transfers back
//! to the mempool and the blocks that joined it take theirs out (T6); when
//! finality moves, the transfers of the blocks it passes are final.

use super::layer::TxLayer;
use super::state::State;
use super::transfer::Transfer;
use super::{Inclusion, TxId, TxStatus};
use crate::chain::Hash32;
use crate::consensus::{BlockRef, Effect, Event, Millis};
use std::collections::BTreeMap;

/// States kept for blocks at most this many heights below the head (and
/// the finalized block's, and genesis's); older ones are replayed when asked for.
pub const KEEP_HEIGHTS: u64 = 256;

/// What the engine's block tree tells the ledger about a block.
pub trait BlockSource {
    fn parent(&self, h: &Hash32) -> Option<Hash32>;
    fn height(&self, h: &Hash32) -> Option<u64>;
    /// The block's transfers (`None`: not a known block).
    fn txs(&self, h: &Hash32) -> Option<&[Transfer]>;
    fn slot(&self, h: &Hash32) -> Option<u64> {
        self.height(h)
    }
}

pub struct ForkLedger {
    pub layer: TxLayer,
    genesis: Hash32,
    states: BTreeMap<Hash32, (u64, State)>,
    head: Hash32,
    head_state: State,
    finalized: (Hash32, u64),
    /// The canonical block at each height from `KEEP_HEIGHTS` below the
    /// finalized block (or the head, if lower) to the head; below that, an
    /// indexed inclusion is taken as canonical (a reorg that deep reverts
    /// finality itself).
    canonical: BTreeMap<u64, Hash32>,
}

impl ForkLedger {
    pub fn new(layer: TxLayer, genesis: Hash32) -> ForkLedger {
        let state = layer.genesis();
        let mut states = BTreeMap::new();
        states.insert(genesis, (0, state.clone()));
        ForkLedger {
            layer,
            genesis,
            states,
            head: genesis,
            head_state: state,
            finalized: (genesis, 0),
            canonical: BTreeMap::from([(0, genesis)]),
        }
    }

    /// The canonical head's state: what blocks are built on and the mempool admits against.
    pub fn head_state(&self) -> &State {
        &self.head_state
    }

    /// A client's transfer, admitted against the head's state (`TxLayer::submit`).
    pub fn submit(&mut self, now: Millis, bytes: &[u8]) -> (Result<TxId, super::TxError>, Vec<Effect>) {
        let state = self.head_state.clone();
        self.layer.submit(now, bytes, &state)
    }

    /// A peer's transfer, admitted against the head's state (`TxLayer::gossiped`).
    pub fn gossiped(&mut self, now: Millis, from: crate::consensus::PeerId, bytes: &[u8]) -> Option<Effect> {
        let state = self.head_state.clone();
        self.layer.gossiped(now, from, bytes, &state)
    }

    /// The state after block `h`, rebuilt if it is no longer kept.
    pub fn state_of(&self, h: &Hash32, src: &impl BlockSource) -> Option<State> {
        let mut path = Vec::new();
        let mut at = *h;
        let base = loop {
            if let Some((_, s)) = self.states.get(&at) {
                break s.clone();
            }
            path.push(at);
            at = src.parent(&at)?;
        };
        let mut state = base;
        for b in path.iter().rev() {
            // Replayed blocks were executed when imported; the store is trusted.
            state.apply_all(src.txs(b)?).ok()?;
        }
        Some(state)
    }

    /// T3, T4: a block on `parent` carrying `txs` must end at `root`. On
    /// success the state is kept for the block `hash`.
    pub fn execute(
        &mut self,
        hash: Hash32,
        height: u64,
        parent: &Hash32,
        txs: &[Transfer],
        root: &Hash32,
        src: &impl BlockSource,
    ) -> Result<(), String> {
        if self.states.contains_key(&hash) {
            return Ok(());
        }
        let pre = self.state_of(parent, src).ok_or("the parent's state is unknown")?;
        let post = self.layer.execute(&pre, txs)?;
        if post.root() != *root {
            return Err(format!("state root {} is not the root its transfers give", root.short()));
        }
        self.states.insert(hash, (height, post));
        if self.states.len() as u64 > 4 * KEEP_HEIGHTS {
            // A long import (a restore, a sync) keeps the recent states only.
            let floor = height.saturating_sub(KEEP_HEIGHTS);
            let (genesis, fin) = (self.genesis, self.finalized.0);
            self.states.retain(|h, (x, _)| *x >= floor || *h == genesis || *h == fin);
        }
        Ok(())
    }

    /// The transfers and state root of a block built on `parent` (not the head:
    /// a private or equivocating branch), or an empty block's.
    pub fn build_on(&self, parent: &Hash32, src: &impl BlockSource) -> (Vec<Transfer>, Hash32) {
        self.build_with(parent, src, None)
    }

    /// As `build_on`, with `first` leading the block and its sender's other
    /// transfers left out (a double spend's private half).
    pub fn build_with(
        &self,
        parent: &Hash32,
        src: &impl BlockSource,
        first: Option<Transfer>,
    ) -> (Vec<Transfer>, Hash32) {
        let Some(pre) = self.state_of(parent, src) else { return (Vec::new(), Hash32::ZERO) };
        self.layer.build(&pre, first)
    }

    fn block_ref(h: &Hash32, src: &impl BlockSource) -> BlockRef {
        BlockRef { hash: *h, slot: src.slot(h).unwrap_or(0), height: src.height(h).unwrap_or(0) }
    }

    /// The canonical head moved to `new` (T6): effects report the transfers
    /// that joined the chain.
    pub fn move_head(&mut self, now: Millis, new: Hash32, src: &impl BlockSource) -> Vec<Effect> {
        let mut fx = Vec::new();
        if new == self.head {
            return fx;
        }
        let Some(new_state) = self.state_of(&new, src) else { return fx };
        // Walk both tips down to their common ancestor.
        let (mut a, mut b) = (self.head, new);
        let (mut left, mut joined) = (Vec::new(), Vec::new());
        let h = |x: &Hash32| src.height(x).unwrap_or(0);
        while a != b {
            if h(&a) >= h(&b) && a != self.genesis {
                left.push(a);
                let Some(p) = src.parent(&a) else { break };
                a = p;
            } else {
                joined.push(b);
                let Some(p) = src.parent(&b) else { break };
                b = p;
            }
        }
        let fork_height = h(&b);
        self.canonical.retain(|height, _| *height <= fork_height);
        for blk in joined.iter().rev() {
            let height = h(blk);
            self.canonical.insert(height, *blk);
            let Some(txs) = src.txs(blk) else { continue };
            if txs.is_empty() {
                continue;
            }
            let state = self.state_of(blk, src).unwrap_or_else(|| new_state.clone());
            self.layer.included(txs, Inclusion { height, block: *blk }, &state);
            let ids: Vec<TxId> = txs.iter().map(|t| t.id()).collect();
            fx.push(Effect::Report(Event::TxsIncluded { block: Self::block_ref(blk, src), ids }));
        }
        for blk in &left {
            if let Some(txs) = src.txs(blk) {
                let txs = txs.to_vec();
                let ids = self.layer.reverted(now, &txs, blk, &new_state);
                if !ids.is_empty() {
                    fx.push(Effect::Report(Event::TxsReverted { block: Self::block_ref(blk, src), ids }));
                }
            }
        }
        self.head = new;
        self.head_state = new_state;
        self.prune();
        fx
    }

    /// Finality moved to `fin` on the canonical chain: the transfers of the
    /// blocks it passed are final.
    pub fn move_final(&mut self, fin: Hash32, src: &impl BlockSource) -> Vec<Effect> {
        let mut fx = Vec::new();
        let Some(height) = src.height(&fin) else { return fx };
        if fin == self.finalized.0 {
            return fx;
        }
        let mut passed = Vec::new();
        let mut at = fin;
        while at != self.finalized.0 && src.height(&at).is_some_and(|x| x > self.finalized.1) {
            passed.push(at);
            let Some(p) = src.parent(&at) else { break };
            at = p;
        }
        for blk in passed.iter().rev() {
            let Some(txs) = src.txs(blk) else { continue };
            if txs.is_empty() {
                continue;
            }
            self.layer.finalized(txs.len());
            let ids: Vec<TxId> = txs.iter().map(|t| t.id()).collect();
            fx.push(Effect::Report(Event::TxsFinal { block: Self::block_ref(blk, src), ids }));
        }
        if let Some(s) = self.state_of(&fin, src) {
            self.states.insert(fin, (height, s));
        }
        self.finalized = (fin, height);
        fx
    }

    fn prune(&mut self) {
        let head_height = self.canonical.last_key_value().map_or(0, |(h, _)| *h);
        let floor = head_height.saturating_sub(KEEP_HEIGHTS);
        let canonical_floor = self.finalized.1.min(head_height).saturating_sub(KEEP_HEIGHTS);
        if self.canonical.first_key_value().is_some_and(|(h, _)| *h + KEEP_HEIGHTS < canonical_floor) {
            self.canonical = self.canonical.split_off(&canonical_floor);
        }
        let (genesis, fin) = (self.genesis, self.finalized.0);
        if self.states.len() as u64 > 2 * KEEP_HEIGHTS {
            self.states.retain(|h, (height, _)| *height >= floor || *h == genesis || *h == fin);
        }
    }

    pub fn status(&self, id: &TxId) -> TxStatus {
        let floor = self.canonical.first_key_value().map_or(0, |(h, _)| *h);
        self.layer.status(id, self.finalized.1, |h| {
            if h < floor { self.layer.index.included(id).map(|i| i.block) } else { self.canonical.get(&h).copied() }
        })
    }

    pub fn account(&self, index: u32, src: &impl BlockSource) -> Option<super::AccountView> {
        let fin = self.state_of(&self.finalized.0, src)?;
        self.layer.account(index, &fin, &self.head_state)
    }
}
