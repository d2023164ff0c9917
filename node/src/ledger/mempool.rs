//! One node's mempool (T5): bounded, per-sender nonce queues, dedupe, a
//! time-to-live and a deterministic reap order. Signatures are checked by
//! the caller before `admit`: everything held here is known to verify.

use super::state::State;
use super::transfer::{TRANSFER_BYTES, Transfer, TxError, TxId};
use crate::consensus::Millis;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};

/// How far past a sender's next nonce a transfer may be and still wait.
pub const MAX_NONCE_GAP: u64 = 64;
/// Ids remembered for dedupe, newest kept.
pub const SEEN_MAX: usize = 100_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolLimits {
    pub max_txs: usize,
    pub max_bytes: u64,
    pub ttl_ms: Millis,
}

impl PoolLimits {
    pub fn from_params(p: &crate::chain::spec::LedgerParams) -> PoolLimits {
        PoolLimits { max_txs: p.mempool_txs as usize, max_bytes: p.mempool_bytes, ttl_ms: p.tx_ttl_ms }
    }
}

#[derive(Clone, Debug)]
struct Entry {
    tx: Transfer,
    id: TxId,
    /// Arrival order: reaping takes the oldest executable head first.
    seq: u64,
    expires: Millis,
}

pub struct Mempool {
    limits: PoolLimits,
    senders: BTreeMap<u32, BTreeMap<u64, Entry>>,
    ids: BTreeMap<TxId, (u32, u64)>,
    expiry: BTreeSet<(Millis, TxId)>,
    seen: BTreeSet<TxId>,
    seen_order: VecDeque<TxId>,
    seq: u64,
    bytes: u64,
}

impl Mempool {
    pub fn new(limits: PoolLimits) -> Mempool {
        Mempool {
            limits,
            senders: BTreeMap::new(),
            ids: BTreeMap::new(),
            expiry: BTreeSet::new(),
            seen: BTreeSet::new(),
            seen_order: VecDeque::new(),
            seq: 0,
            bytes: 0,
        }
    }
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
    pub fn contains(&self, id: &TxId) -> bool {
        self.ids.contains_key(id)
    }
    /// Seen before (pending, included or refused for a reason that lasts).
    pub fn seen(&self, id: &TxId) -> bool {
        self.seen.contains(id)
    }
    pub fn remember(&mut self, id: TxId) {
        if self.seen.insert(id) {
            self.seen_order.push_back(id);
            while self.seen_order.len() > SEEN_MAX {
                if let Some(old) = self.seen_order.pop_front() {
                    self.seen.remove(&old);
                }
            }
        }
    }

    /// What `from` has pending below `nonce`: the amount they spend.
    fn spend_below(&self, from: u32, nonce: u64) -> u128 {
        self.senders.get(&from).map_or(0, |q| q.range(..nonce).map(|(_, e)| e.tx.amount as u128).sum())
    }

    /// The sender's next nonce counting its pending transfers that follow on
    /// from the state without a gap (what a client should sign next).
    pub fn next_nonce(&self, from: u32, state: &State) -> u64 {
        let mut n = state.account(from).map_or(0, |a| a.nonce);
        if let Some(q) = self.senders.get(&from) {
            while q.contains_key(&n) {
                n += 1;
            }
        }
        n
    }
    /// The balance left to `from` after its pending transfers.
    pub fn available(&self, from: u32, state: &State) -> u64 {
        let bal = state.account(from).map_or(0, |a| a.balance) as u128;
        bal.saturating_sub(self.spend_below(from, u64::MAX)) as u64
    }

    /// Admits a transfer whose signature verified (T5). `check_seen: false`
    /// re-admits a transfer that a reorg took out of the chain (T6).
    pub fn admit(
        &mut self,
        now: Millis,
        tx: Transfer,
        id: TxId,
        state: &State,
        check_seen: bool,
    ) -> Result<(), TxError> {
        if self.ids.contains_key(&id) {
            return Err(TxError::Duplicate);
        }
        let from = state.account(tx.from).ok_or(TxError::UnknownAccount(tx.from))?;
        state.account(tx.to).ok_or(TxError::UnknownAccount(tx.to))?;
        if tx.amount == 0 {
            return Err(TxError::ZeroAmount);
        }
        if tx.nonce < from.nonce {
            return Err(TxError::NonceTooLow { from: tx.from, got: tx.nonce, next: from.nonce });
        }
        if tx.nonce > from.nonce.saturating_add(MAX_NONCE_GAP) {
            return Err(TxError::NonceTooHigh {
                from: tx.from,
                got: tx.nonce,
                next: from.nonce,
                max_gap: MAX_NONCE_GAP,
            });
        }
        // After the nonce checks, so a replay of an included transfer says its nonce is used.
        if check_seen && self.seen.contains(&id) {
            return Err(TxError::Duplicate);
        }
        if self.senders.get(&tx.from).is_some_and(|q| q.contains_key(&tx.nonce)) {
            return Err(TxError::NonceTaken { from: tx.from, nonce: tx.nonce });
        }
        let spent = self.spend_below(tx.from, tx.nonce);
        if spent + tx.amount as u128 > from.balance as u128 {
            let available = (from.balance as u128).saturating_sub(spent) as u64;
            return Err(TxError::Overdraft { from: tx.from, available, amount: tx.amount });
        }
        if self.ids.len() >= self.limits.max_txs {
            return Err(TxError::Full("transaction count"));
        }
        if self.bytes + TRANSFER_BYTES as u64 > self.limits.max_bytes {
            return Err(TxError::Full("bytes"));
        }
        self.seq += 1;
        let expires = now.saturating_add(self.limits.ttl_ms);
        let entry = Entry { tx, id, seq: self.seq, expires };
        self.senders.entry(tx.from).or_default().insert(tx.nonce, entry);
        self.ids.insert(id, (tx.from, tx.nonce));
        self.expiry.insert((expires, id));
        self.bytes += TRANSFER_BYTES as u64;
        self.remember(id);
        Ok(())
    }

    fn remove(&mut self, from: u32, nonce: u64) -> Option<Entry> {
        let q = self.senders.get_mut(&from)?;
        let e = q.remove(&nonce)?;
        if q.is_empty() {
            self.senders.remove(&from);
        }
        self.ids.remove(&e.id);
        self.expiry.remove(&(e.expires, e.id));
        self.bytes -= TRANSFER_BYTES as u64;
        Some(e)
    }

    /// Drops what has waited longer than the time-to-live; returns their ids.
    pub fn expire(&mut self, now: Millis) -> Vec<TxId> {
        let due: Vec<TxId> = self.expiry.iter().take_while(|(t, _)| *t <= now).map(|(_, id)| *id).collect();
        for id in &due {
            if let Some((from, nonce)) = self.ids.get(id).copied() {
                self.remove(from, nonce);
            }
        }
        due
    }

    /// Up to `max` transfers for a block on `state` (T5): every sender's
    /// executable head, oldest arrival first; each sender in nonce order
    /// while its spend stays within its balance at `state`. Senders for
    /// which `skip` holds are left out (censorship).
    pub fn reap(&self, state: &State, max: usize, skip: impl Fn(u32) -> bool) -> Vec<Transfer> {
        let mut heap = BinaryHeap::new();
        let mut cursor: BTreeMap<u32, (u64, u128)> = BTreeMap::new();
        for (from, q) in self.senders.iter().filter(|(from, _)| !skip(**from)) {
            let Some(acc) = state.account(*from) else { continue };
            if let Some(e) = q.get(&acc.nonce) {
                heap.push(Reverse((e.seq, *from)));
                cursor.insert(*from, (acc.nonce, acc.balance as u128));
            }
        }
        let mut out = Vec::new();
        while out.len() < max {
            let Some(Reverse((_, from))) = heap.pop() else { break };
            let Some((nonce, left)) = cursor.get_mut(&from) else { continue };
            let Some(e) = self.senders.get(&from).and_then(|q| q.get(nonce)) else { continue };
            if e.tx.amount as u128 > *left {
                continue;
            }
            *left -= e.tx.amount as u128;
            out.push(e.tx);
            *nonce += 1;
            if let Some(next) = self.senders.get(&from).and_then(|q| q.get(nonce)) {
                heap.push(Reverse((next.seq, from)));
            }
        }
        out
    }

    /// A block committed (or joined the canonical chain) with `txs`, giving
    /// `state` (T5): they leave, and so does every pending transfer of a
    /// sender they touched whose nonce is now used. Returns the ids of those
    /// others (replaced: another transfer took their nonce).
    pub fn on_block(&mut self, txs: &[Transfer], state: &State) -> Vec<TxId> {
        let mut dropped = Vec::new();
        let senders: BTreeSet<u32> = txs.iter().map(|t| t.from).collect();
        for t in txs {
            let id = t.id();
            self.remember(id);
            if let Some((from, nonce)) = self.ids.get(&id).copied() {
                self.remove(from, nonce);
            }
        }
        for from in senders {
            let next = state.account(from).map_or(0, |a| a.nonce);
            let stale: Vec<u64> =
                self.senders.get(&from).map(|q| q.range(..next).map(|(n, _)| *n).collect()).unwrap_or_default();
            for n in stale {
                if let Some(e) = self.remove(from, n) {
                    dropped.push(e.id);
                }
            }
        }
        dropped
    }
}
