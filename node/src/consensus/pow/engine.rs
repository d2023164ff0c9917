//! `Pow`: the node's state and the `Engine` impl that routes inputs. The work
//! lives in `import` (checking and adding blocks, head and finality),
//! `miner` (mining and the Byzantine strategies), `sync` and `persist`.

use super::difficulty::{genesis_difficulty, next_difficulty};
use super::tree::Tree;
use super::types::Block;
use super::wire::Message;
use crate::chain::spec::PowParams;
use crate::chain::{ChainSpec, Hash32};
use crate::consensus::Identity;
use crate::consensus::common::inbound::decode_or_reject;
use crate::consensus::engine::*;
use crate::ledger::{AccountView, BlockSource, ForkLedger, Transfer, TxError, TxId, TxLayer, TxStatus};
use std::collections::BTreeMap;

/// Blocks whose parent is unknown, kept while their ancestors are fetched (R12).
pub(super) const ORPHANS_MAX: usize = 4096;
/// Blocks from too far in the future, kept until their time (R8).
pub(super) const FUTURE_MAX: usize = 1024;

/// The miner's current attempt: the parent it mines on and when it finds a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Attempt {
    pub parent: Hash32,
    pub found_at: Millis,
}

/// A Byzantine miner's own branch (R10, R11): blocks extending `base` (a tree
/// block), oldest first, with whether each is published yet.
#[derive(Default)]
pub(super) struct Branch {
    pub base: Option<Hash32>,
    pub blocks: Vec<(Hash32, Block, bool)>,
    /// Selfish: our published branch ties the public one (Eyal and Sirer's state 0').
    pub race: bool,
}

pub struct Pow {
    pub(super) params: PowParams,
    pub(super) genesis: Hash32,
    /// Genesis hashrate share per miner, percent.
    pub(super) shares: Vec<u32>,
    pub(super) peers: Vec<PeerId>,
    pub(super) miner: Option<u32>,
    pub(super) behaviour: Behaviour,
    pub(super) percent: u32,

    pub(super) tree: Tree,
    pub(super) head: BlockRef,
    pub(super) finalized: BlockRef,
    pub(super) branch: Branch,
    pub(super) attempt: Option<Attempt>,
    /// Best public height when the Byzantine miner last reacted (R10).
    pub(super) public_seen: u64,
    /// Draws made so far: mixed into each draw's seed.
    pub(super) draws: u64,

    pub(super) orphans: BTreeMap<Hash32, (PeerId, Block)>,
    pub(super) future: BTreeMap<(u64, Hash32), (PeerId, Block)>,
    pub(super) sync_asked: BTreeMap<PeerId, (Hash32, Millis)>,
    pub(super) status_at: Millis,
    /// Height of the latest block seen from each miner.
    pub(super) last_mined: BTreeMap<u32, u64>,
    pub(super) wake: Option<Millis>,
    /// Transactions on the best chain (ledger T6); `now` of the input being handled.
    pub(super) ledger: ForkLedger,
    pub(super) now: Millis,
    /// R11: the payment this attacker made on the public chain and the
    /// private transfer that spends the same coins elsewhere.
    pub(super) payment: Option<(Transfer, Transfer)>,
}

/// The blocks the ledger can ask about: the tree's and the private branch's.
pub(super) struct Blocks<'a> {
    pub tree: &'a Tree,
    pub branch: &'a Branch,
}

impl Blocks<'_> {
    fn block(&self, h: &Hash32) -> Option<&Block> {
        self.tree
            .get(h)
            .map(|e| &e.block)
            .or_else(|| self.branch.blocks.iter().find(|(x, _, _)| x == h).map(|(_, b, _)| b))
    }
}

impl BlockSource for Blocks<'_> {
    fn parent(&self, h: &Hash32) -> Option<Hash32> {
        self.block(h).map(|b| b.parent)
    }
    fn height(&self, h: &Hash32) -> Option<u64> {
        self.block(h).map(|b| b.height)
    }
    fn txs(&self, h: &Hash32) -> Option<&[Transfer]> {
        self.block(h).map(|b| b.txs.as_slice())
    }
}

/// The genesis block (R2): mixes in the cluster's genesis seed.
pub fn genesis_block(spec: &ChainSpec, params: &PowParams) -> Block {
    let seed = spec.genesis_seed();
    let ledger = spec.ledger();
    Block {
        parent: seed,
        height: 0,
        timestamp_ms: 0,
        miner: u32::MAX,
        difficulty: genesis_difficulty(params.block_ms),
        nonce: 0,
        state_root: crate::ledger::State::genesis(ledger.accounts, ledger.balance).root(),
        tx_root: super::types::tx_root(&[]),
        txs: Vec::new(),
    }
}

/// Each miner's genesis share in percent: the spec's list, or equal shares
/// (the remainder going to the first miners) when it is empty.
pub fn genesis_shares(params: &PowParams, miners: usize) -> Result<Vec<u32>, String> {
    if !params.hashrate.is_empty() {
        if params.hashrate.len() != miners {
            return Err(format!("pow.hashrate has {} entries for {miners} miners", params.hashrate.len()));
        }
        return Ok(params.hashrate.clone());
    }
    Ok(super::equal_shares(miners))
}

impl Pow {
    pub fn new(spec: &ChainSpec, identity: Identity) -> Result<Pow, String> {
        let params = spec.params::<PowParams>()?;
        let keys = spec.validator_keys()?;
        identity.check_key("miner", |v| keys.get(v as usize).map(|(pk, _)| pk))?;
        let shares = genesis_shares(&params, keys.len())?;
        let miner = identity.validator.as_ref().map(|(v, _)| *v);
        let genesis_block = genesis_block(spec, &params);
        let tree = Tree::new(genesis_block, params.fork_choice);
        let genesis = tree.genesis;
        let at_genesis = BlockRef { hash: genesis, slot: 0, height: 0 };
        let ledger = ForkLedger::new(TxLayer::new(spec)?, genesis);
        Ok(Pow {
            percent: miner.map_or(0, |m| shares[m as usize]),
            params,
            genesis,
            shares,
            peers: identity.peers.into_iter().filter(|p| *p != identity.me).collect(),
            miner,
            behaviour: Behaviour::Honest,
            tree,
            head: at_genesis,
            finalized: at_genesis,
            branch: Branch::default(),
            attempt: None,
            public_seen: 0,
            draws: 0,
            orphans: BTreeMap::new(),
            future: BTreeMap::new(),
            sync_asked: BTreeMap::new(),
            status_at: 0,
            last_mined: BTreeMap::new(),
            wake: None,
            ledger,
            now: 0,
            payment: None,
        })
    }

    pub fn head(&self) -> BlockRef {
        self.head
    }
    pub fn tree(&self) -> &Tree {
        &self.tree
    }
    pub fn hashrate(&self) -> u32 {
        self.percent
    }

    pub(super) fn send(fx: &mut Vec<Effect>, to: Dest, msg: &Message) {
        fx.push(Effect::Send { to, kind: msg.kind(), bytes: msg.encode() });
    }

    /// A block by id: in the tree, or on our own unpublished branch.
    pub(super) fn lookup(&self, h: &Hash32) -> Option<&Block> {
        self.tree
            .get(h)
            .map(|e| &e.block)
            .or_else(|| self.branch.blocks.iter().find(|(x, _, _)| x == h).map(|(_, b, _)| b))
    }

    /// R4: the difficulty a child of `parent` must carry.
    pub(super) fn difficulty_after(&self, parent: &Block) -> u64 {
        let height = parent.height + 1;
        let w = self.params.retarget_window;
        if !height.is_multiple_of(w) {
            return parent.difficulty;
        }
        let mut first = parent;
        while first.height > height - w {
            match self.lookup(&first.parent) {
                Some(b) => first = b,
                None => break,
            }
        }
        next_difficulty(height, w, self.params.block_ms, parent.difficulty, first.timestamp_ms, parent.timestamp_ms)
    }

    /// R8: how far ahead of our clock a block's timestamp may be.
    pub(super) fn max_future_ms(&self) -> u64 {
        self.params.block_ms.saturating_mul(12).max(1000)
    }

    fn status_period(&self) -> u64 {
        self.params.block_ms.saturating_mul(4).max(500)
    }

    fn schedule(&mut self, fx: &mut Vec<Effect>) {
        let mut next = self.status_at;
        if let Some(a) = self.attempt {
            next = next.min(a.found_at);
        }
        if let Some(((ts, _), _)) = self.future.first_key_value() {
            next = next.min(ts.saturating_sub(self.max_future_ms()));
        }
        if self.wake != Some(next) {
            self.wake = Some(next);
            fx.push(Effect::WakeAt(next));
        }
    }

    fn on_tick(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        self.release_future(now, fx);
        if self.attempt.is_some_and(|a| a.found_at <= now) {
            self.found(now, fx);
        }
        if now >= self.status_at {
            self.broadcast_status(fx);
            self.status_at = now.saturating_add(self.status_period());
        }
    }

    pub(super) fn blocks(&self) -> Blocks<'_> {
        Blocks { tree: &self.tree, branch: &self.branch }
    }

    fn on_message(&mut self, now: Millis, from: PeerId, kind: MsgKind, bytes: &[u8], fx: &mut Vec<Effect>) {
        if kind == MsgKind::Tx {
            fx.extend(self.ledger.gossiped(now, from, bytes));
            return;
        }
        let Some(msg) = decode_or_reject(from, kind, Message::decode(kind, bytes), fx) else { return };
        match msg {
            Message::Block(b) => self.on_block(now, Some(from), b, true, fx),
            Message::Status(s) => self.on_status(now, from, s, fx),
            Message::SyncRequest { want } => self.on_sync_request(from, want, fx),
            Message::SyncResponse(blocks) => {
                for b in blocks {
                    self.on_block(now, Some(from), b, false, fx);
                }
            }
        }
    }

    pub(super) fn detail(&self) -> PowDetail {
        let best = self.tree.best_entry();
        PowDetail {
            difficulty: self.difficulty_after(&best.block),
            hashrate_percent: self.percent,
            k: self.params.k,
            fork_choice: self.params.fork_choice,
            chain_work: best.work,
            private_blocks: self.branch.blocks.iter().filter(|(_, _, published)| !published).count() as u64,
        }
    }
}

impl Engine for Pow {
    fn name(&self) -> &'static str {
        "pow"
    }

    fn restore(&mut self, records: Vec<Record>) -> Result<(), RestoreError> {
        self.restore_records(records)
    }

    fn handle(&mut self, now: Millis, input: Input) -> Vec<Effect> {
        let mut fx = Vec::new();
        self.now = now;
        self.ledger.layer.tick(now);
        match input {
            Input::Start => self.on_tick(now, &mut fx),
            Input::Tick => self.on_tick(now, &mut fx),
            Input::Message { from, kind, bytes } => self.on_message(now, from, kind, &bytes, &mut fx),
            Input::PeerUp(p) => Self::send(&mut fx, Dest::Peer(p), &Message::Status(self.local_status())),
            Input::PeerDown(p) => {
                self.sync_asked.remove(&p);
            }
            Input::SetBehaviour(b) => self.set_behaviour(now, b, &mut fx),
            Input::SetHashrate { percent } => {
                self.percent = if self.miner.is_some() { percent } else { 0 };
                self.attempt = None;
            }
            Input::SetCensorship(c) => self.ledger.layer.censor = c,
        }
        self.update_head(&mut fx);
        self.react(now, &mut fx);
        self.update_head(&mut fx);
        self.plan_attempt(now);
        self.schedule(&mut fx);
        fx
    }

    fn status(&self, _now: Millis) -> EngineStatus {
        let validators = self
            .shares
            .iter()
            .enumerate()
            .map(|(i, s)| ValidatorStatus {
                index: i as u32,
                stake: *s as u64,
                slashed: false,
                last_attested_slot: self.last_mined.get(&(i as u32)).copied(),
            })
            .collect();
        let fin = CheckpointRef { epoch: self.finalized.height, block: self.finalized };
        EngineStatus {
            slot: self.head.height + 1,
            epoch: (self.head.height + 1) / self.params.retarget_window,
            head: self.head,
            justified: fin,
            finalized: fin,
            validators,
            behaviour: self.behaviour,
            detail: super::describe::detail(
                &self.detail(),
                self.head,
                self.finalized,
                self.miner.and_then(|m| self.shares.get(m as usize)).map(|s| *s as u64),
            ),
            txs: self.ledger.layer.counters,
        }
    }

    fn recent_blocks(&self, limit: usize) -> Vec<BlockInfo> {
        let mut all: Vec<(u64, u64, Hash32)> =
            self.tree.iter().filter(|(h, _)| **h != self.genesis).map(|(h, e)| (e.block.height, e.seq, *h)).collect();
        all.sort();
        let skip = all.len().saturating_sub(limit);
        all[skip..].iter().filter_map(|(_, _, h)| self.tree.get(h).map(|e| super::import::info(*h, &e.block))).collect()
    }

    fn submit_tx(&mut self, now: Millis, bytes: &[u8]) -> (Result<TxId, TxError>, Vec<Effect>) {
        self.ledger.submit(now, bytes)
    }

    fn tx_status(&self, id: &TxId) -> TxStatus {
        // R9: final is k deep on the best chain.
        self.ledger.status(id)
    }

    fn account(&self, index: u32) -> Option<AccountView> {
        self.ledger.account(index, &self.blocks())
    }
}
