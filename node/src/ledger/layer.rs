//! `TxLayer`: what an engine embeds to carry transactions. It holds the
//! accounts' keys, the mempool and the index, and answers the engine's
//! questions (is this block's list valid on that state, what goes in my
//! block, what became of this id); the engine decides when a block is
//! canonical and when it is final, and keeps the states of its blocks.

use super::accounts::Accounts;
use super::index::{Inclusion, Outcome, TxIndex};
use super::mempool::{Mempool, PoolLimits};
use super::state::State;
use super::transfer::{Transfer, TxError, TxId};
use crate::chain::ChainSpec;
use crate::chain::Hash32;
use crate::chain::spec::LedgerParams;
use crate::consensus::{Effect, Event, Millis, PeerId};

/// What became of a transfer, as far as this node knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxStatus {
    Unknown,
    Pending,
    Included { height: u64, block: Hash32, final_: bool },
    Expired,
    Rejected(String),
}

/// An account as a client asks for it: at the final state and counting the
/// mempool's pending transfers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountView {
    pub index: u32,
    pub public_key: [u8; 32],
    pub final_balance: u64,
    pub final_nonce: u64,
    pub pending_balance: u64,
    pub next_nonce: u64,
}

/// Running totals for the dashboard and `/metrics`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TxCounters {
    /// Client submissions (admitted or not); `admitted` counts peers' too.
    pub submitted: u64,
    pub admitted: u64,
    pub rejected: u64,
    pub included: u64,
    pub finalized: u64,
    pub expired: u64,
    pub mempool_txs: u64,
    pub mempool_bytes: u64,
}

/// Whose transfers this node leaves out of the blocks it builds (the
/// `censor` behaviour); it still votes for others' blocks that carry them.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Censorship {
    #[default]
    None,
    All,
    Accounts(std::collections::BTreeSet<u32>),
}

impl Censorship {
    pub fn censors(&self, sender: u32) -> bool {
        match self {
            Censorship::None => false,
            Censorship::All => true,
            Censorship::Accounts(a) => a.contains(&sender),
        }
    }
    pub fn label(&self) -> String {
        match self {
            Censorship::None => "none".into(),
            Censorship::All => "all".into(),
            Censorship::Accounts(a) => a.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(","),
        }
    }
}

pub struct TxLayer {
    pub accounts: Accounts,
    pub censor: Censorship,
    pub params: LedgerParams,
    pub pool: Mempool,
    pub index: TxIndex,
    pub counters: TxCounters,
}

impl TxLayer {
    pub fn new(spec: &ChainSpec) -> Result<TxLayer, String> {
        let params = spec.ledger();
        params.check().map_err(|e| format!("ledger: {e}"))?;
        Ok(TxLayer {
            accounts: Accounts::from_spec(spec),
            censor: Censorship::None,
            pool: Mempool::new(PoolLimits::from_params(&params)),
            params,
            index: TxIndex::default(),
            counters: TxCounters::default(),
        })
    }

    pub fn genesis(&self) -> State {
        State::genesis(self.params.accounts, self.params.balance)
    }

    /// T2: the sender's signature over this chain's transfer bytes.
    pub fn verify(&self, t: &Transfer) -> Result<(), TxError> {
        if t.from >= self.accounts.count() {
            return Err(TxError::UnknownAccount(t.from));
        }
        let msg = Transfer::signing_bytes(self.accounts.chain(), t.from, t.to, t.amount, t.nonce);
        if self.accounts.verify(t.from, &msg, &t.signature) { Ok(()) } else { Err(TxError::BadSignature(t.from)) }
    }

    /// A transfer from a client or a peer: decode, verify, admit (T5).
    /// A client's refusal is remembered so `status` can say why.
    pub fn admit(&mut self, now: Millis, bytes: &[u8], state: &State, client: bool) -> Result<Transfer, TxError> {
        if client {
            self.counters.submitted += 1;
        }
        let t = match Transfer::decode(bytes) {
            Ok(t) => t,
            Err(e) => {
                self.counters.rejected += 1;
                return Err(TxError::Malformed(e.to_string()));
            }
        };
        let id = t.id();
        // A peer's copy of a transfer already seen (pending, included or
        // expired) is refused before its signature costs a check; a
        // client's goes on to the nonce checks, whose answer says more.
        if self.pool.contains(&id) || (!client && self.pool.seen(&id)) {
            return Err(TxError::Duplicate);
        }
        let r = self.verify(&t).and_then(|()| self.pool.admit(now, t, id, state, true));
        match &r {
            Ok(()) => self.counters.admitted += 1,
            Err(e) => {
                self.counters.rejected += 1;
                if client && self.index.included(&id).is_none() {
                    self.index.set_outcome(id, Outcome::Rejected(e.to_string()));
                }
            }
        }
        self.sync_gauges();
        r.map(|()| t)
    }

    /// A client's transfer (`Engine::submit_tx`): admitted against `state`
    /// and, once admitted, gossiped to every peer.
    pub fn submit(&mut self, now: Millis, bytes: &[u8], state: &State) -> (Result<TxId, TxError>, Vec<Effect>) {
        match self.admit(now, bytes, state, true) {
            Ok(t) => {
                let send = Effect::Send {
                    to: crate::consensus::Dest::All,
                    kind: crate::consensus::MsgKind::Tx,
                    bytes: t.encode(),
                };
                (Ok(t.id()), vec![send])
            }
            Err(e) => (Err(e), Vec::new()),
        }
    }

    /// A transfer from a peer. What an honest peer can cause (a duplicate, a
    /// nonce raced by another transfer, a full pool) passes in silence; a
    /// malformed or forged transfer is reported.
    pub fn gossiped(&mut self, now: Millis, from: PeerId, bytes: &[u8], state: &State) -> Option<Effect> {
        match self.admit(now, bytes, state, false) {
            Err(e @ (TxError::Malformed(_) | TxError::BadSignature(_) | TxError::UnknownAccount(_))) => {
                Some(Effect::Report(Event::Rejected { from: Some(from), reason: format!("tx: {e}") }))
            }
            _ => None,
        }
    }

    /// T3: `txs` on `parent` gives the returned state, or the block is invalid.
    /// Transfers held in the mempool verified on admission; others are checked here.
    pub fn execute(&self, parent: &State, txs: &[Transfer]) -> Result<State, String> {
        if txs.len() > self.params.max_block_txs as usize {
            return Err(format!("{} transfers, more than max_block_txs {}", txs.len(), self.params.max_block_txs));
        }
        let mut state = parent.clone();
        for (i, t) in txs.iter().enumerate() {
            if !self.pool.contains(&t.id()) {
                self.verify(t).map_err(|e| format!("transfer {i}: {e}"))?;
            }
            state.apply(t).map_err(|e| format!("transfer {i}: {e}"))?;
        }
        Ok(state)
    }

    /// What this node puts in a block built on `state` (T5).
    pub fn reap(&self, state: &State) -> Vec<Transfer> {
        self.pool.reap(state, self.params.max_block_txs as usize, |from| self.censor.censors(from))
    }

    /// The transfers and state root of a block this node builds on `pre`:
    /// `first` (a double spend's private half) leading, with its sender's
    /// other transfers left out, then the mempool's (T5). A reaped list
    /// always applies; were it ever not to, the block goes out empty.
    pub fn build(&self, pre: &State, first: Option<Transfer>) -> (Vec<Transfer>, Hash32) {
        let mut txs: Vec<Transfer> = first.into_iter().collect();
        let skip = first.map(|t| t.from);
        let room = (self.params.max_block_txs as usize).saturating_sub(txs.len());
        txs.extend(self.pool.reap(pre, room, |from| Some(from) == skip || self.censor.censors(from)));
        match self.execute(pre, &txs) {
            Ok(post) => (txs, post.root()),
            Err(_) => (Vec::new(), pre.root()),
        }
    }

    /// A block with `txs` joined the canonical chain, giving `state`.
    pub fn included(&mut self, txs: &[Transfer], at: Inclusion, state: &State) {
        for t in txs {
            self.index.include(t.id(), at);
        }
        self.counters.included += txs.len() as u64;
        for id in self.pool.on_block(txs, state) {
            self.index.set_outcome(id, Outcome::Rejected("another transfer with its nonce was included".into()));
        }
        self.sync_gauges();
    }

    /// A block with `txs` became final.
    pub fn finalized(&mut self, count: usize) {
        self.counters.finalized += count as u64;
    }

    /// A block with `txs` left the canonical chain (T6): its transfers go
    /// back to the mempool if they still apply on the new head's `state`.
    /// Returns the ids of those that are gone: on neither the new chain nor
    /// the mempool (a conflicting transfer took their nonce: a double spend).
    pub fn reverted(&mut self, now: Millis, txs: &[Transfer], block: &Hash32, state: &State) -> Vec<TxId> {
        let mut gone = Vec::new();
        for t in txs {
            let id = t.id();
            self.index.exclude(&id, block);
            self.counters.included = self.counters.included.saturating_sub(1);
            if self.index.included(&id).is_none() && self.pool.admit(now, *t, id, state, false).is_err() {
                self.index.set_outcome(id, Outcome::Rejected("reverted: a conflicting transfer took its nonce".into()));
                gone.push(id);
            }
        }
        self.sync_gauges();
        gone
    }

    /// Expires what waited too long.
    pub fn tick(&mut self, now: Millis) {
        for id in self.pool.expire(now) {
            self.index.set_outcome(id, Outcome::Expired);
            self.counters.expired += 1;
        }
        self.sync_gauges();
    }

    /// `final_height`: the highest height this engine calls final on the
    /// canonical chain; `canonical(h)`: the canonical block at height `h`.
    pub fn status(&self, id: &TxId, final_height: u64, canonical: impl Fn(u64) -> Option<Hash32>) -> TxStatus {
        if self.pool.contains(id) {
            return TxStatus::Pending;
        }
        if let Some(i) = self.index.included(id) {
            let on_chain = canonical(i.height) == Some(i.block);
            if on_chain {
                return TxStatus::Included { height: i.height, block: i.block, final_: i.height <= final_height };
            }
        }
        match self.index.outcome(id) {
            Some(Outcome::Expired) => TxStatus::Expired,
            Some(Outcome::Rejected(r)) => TxStatus::Rejected(r.clone()),
            None => TxStatus::Unknown,
        }
    }

    pub fn account(&self, index: u32, final_state: &State, head: &State) -> Option<AccountView> {
        let f = final_state.account(index)?;
        let public_key = self.accounts.public(index)?.0;
        Some(AccountView {
            index,
            public_key,
            final_balance: f.balance,
            final_nonce: f.nonce,
            pending_balance: self.pool.available(index, head),
            next_nonce: self.pool.next_nonce(index, head),
        })
    }

    fn sync_gauges(&mut self) {
        self.counters.mempool_txs = self.pool.len() as u64;
        self.counters.mempool_bytes = self.pool.bytes();
    }
}
