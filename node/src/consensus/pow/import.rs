//! Checking and adding blocks (R3, R4, R8, R12), and what follows from the
//! best tip moving: `HeadChanged` with the reorg depth, and `Finalized` for
//! the block `k` confirmations deep (R9).

use super::engine::{FUTURE_MAX, ORPHANS_MAX, Pow};
use super::types::Block;
use super::wire::{Message, Status};
use crate::chain::Hash32;
use crate::consensus::common::inbound::{self, reject};
use crate::consensus::engine::*;

pub(super) fn info(hash: Hash32, b: &Block) -> BlockInfo {
    BlockInfo {
        block: BlockRef { hash, slot: b.height, height: b.height },
        parent: b.parent,
        proposer: b.miner,
        attestations: 0,
        txs: b.txs.len() as u32,
    }
}

impl Pow {
    /// R3, R4, R8: check a block against its parent; `Err` says why it is invalid.
    pub(super) fn check(&self, b: &Block, parent: &Block) -> Result<(), String> {
        if !b.meets_puzzle(self.params.puzzle_bits) {
            return Err(format!("block at height {} misses the {}-bit puzzle", b.height, self.params.puzzle_bits));
        }
        if b.miner as usize >= self.shares.len() {
            return Err(format!("block at height {}: unknown miner {}", b.height, b.miner));
        }
        if b.height != parent.height + 1 {
            return Err(format!("block at height {} on a parent at height {}", b.height, parent.height));
        }
        let want = self.difficulty_after(parent);
        if b.difficulty != want {
            return Err(format!("block at height {}: difficulty {} where {} is due", b.height, b.difficulty, want));
        }
        if b.timestamp_ms < parent.timestamp_ms {
            return Err(format!("block at height {}: timestamp before its parent's", b.height));
        }
        if b.tx_root != super::types::tx_root(&b.txs) {
            return Err(format!("block at height {}: tx_root does not match its transfers", b.height));
        }
        Ok(())
    }

    /// Ledger T3: the block's transfers on its parent's state give its state root.
    pub(super) fn execute(&mut self, hash: Hash32, b: &Block) -> Result<(), String> {
        let src = super::engine::Blocks { tree: &self.tree, branch: &self.branch };
        self.ledger
            .execute(hash, b.height, &b.parent, &b.txs, &b.state_root, &src)
            .map_err(|e| format!("block at height {}: {e}", b.height))
    }

    /// A block from a peer (`from`), from sync, or one we publish ourselves.
    /// `relay`: pass a new valid block on to the other peers.
    pub(super) fn on_block(&mut self, now: Millis, from: Option<PeerId>, b: Block, relay: bool, fx: &mut Vec<Effect>) {
        if let Some(hash) = self.import_one(now, from, b, relay, fx) {
            self.adopt_orphans(now, hash, fx);
        }
    }

    /// `on_block` without the orphans it unblocks; `Some` if the block was added.
    fn import_one(
        &mut self,
        now: Millis,
        from: Option<PeerId>,
        b: Block,
        relay: bool,
        fx: &mut Vec<Effect>,
    ) -> Option<Hash32> {
        let hash = b.id();
        if self.tree.contains(&hash) || self.orphans.contains_key(&hash) {
            return None;
        }
        if b.timestamp_ms > now.saturating_add(self.max_future_ms()) {
            // R8: too far ahead of our clock; held until it is not.
            if self.future.len() < FUTURE_MAX {
                self.future.insert((b.timestamp_ms, hash), (from.unwrap_or(PeerId(u32::MAX)), b));
            }
            return None;
        }
        let Some(parent) = self.tree.get(&b.parent).map(|e| e.block.clone()) else {
            self.keep_orphan(now, from, hash, b, fx);
            return None;
        };
        if let Err(reason) = self.check(&b, &parent).and_then(|()| self.execute(hash, &b)) {
            reject(fx, from, reason);
            return None;
        }
        self.add(hash, b.clone(), fx);
        if relay {
            let m = Message::Block(b);
            inbound::relay(&self.peers, from, m.kind(), &m.encode(), fx);
        }
        Some(hash)
    }

    /// Insert a checked block whose parent is in the tree: persist, report.
    pub(super) fn add(&mut self, hash: Hash32, b: Block, fx: &mut Vec<Effect>) {
        fx.push(Effect::Persist(Record { table: Table::Blocks, key: hash.0.to_vec(), value: b.encode() }));
        fx.push(Effect::Report(Event::BlockImported(info(hash, &b))));
        let seen = self.last_mined.entry(b.miner).or_insert(0);
        *seen = (*seen).max(b.height);
        self.tree.insert(hash, b);
        self.tree.prune();
    }

    /// R12: keep a block whose parent is unknown and ask its sender for the
    /// missing ancestors (the root of the orphan chain it belongs to).
    fn keep_orphan(&mut self, now: Millis, from: Option<PeerId>, hash: Hash32, b: Block, fx: &mut Vec<Effect>) {
        if self.orphans.len() >= ORPHANS_MAX {
            let Some(evict) = self.orphans.keys().next().copied() else { return };
            self.orphans.remove(&evict);
        }
        let mut want = b.parent;
        self.orphans.insert(hash, (from.unwrap_or(PeerId(u32::MAX)), b));
        while let Some((_, o)) = self.orphans.get(&want) {
            want = o.parent;
        }
        if let Some(peer) = from {
            self.ask(now, peer, want, fx);
        }
    }

    /// Orphans whose ancestors just arrived, checked and added in order.
    fn adopt_orphans(&mut self, now: Millis, parent: Hash32, fx: &mut Vec<Effect>) {
        let mut ready = vec![parent];
        while let Some(p) = ready.pop() {
            let kids: Vec<Hash32> = self.orphans.iter().filter(|(_, (_, b))| b.parent == p).map(|(h, _)| *h).collect();
            for h in kids {
                let Some((from, b)) = self.orphans.remove(&h) else { continue };
                let from = (from.0 != u32::MAX).then_some(from);
                if let Some(added) = self.import_one(now, from, b, false, fx) {
                    ready.push(added);
                }
            }
        }
    }

    /// R8: blocks held for their time, now due.
    pub(super) fn release_future(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        let horizon = now.saturating_add(self.max_future_ms());
        while let Some(entry) = self.future.first_entry() {
            if entry.key().0 > horizon {
                break;
            }
            let (from, b) = entry.remove();
            let from = (from.0 != u32::MAX).then_some(from);
            self.on_block(now, from, b, true, fx);
        }
    }

    pub(super) fn local_status(&self) -> Status {
        let best = self.tree.best_entry();
        Status { head: self.tree.best(), height: best.block.height, work: best.work }
    }

    /// R7, R9: report a new best tip (with how many blocks it unwinds) and a
    /// new k-deep block.
    pub(super) fn update_head(&mut self, fx: &mut Vec<Effect>) {
        let best = self.tree.best();
        if best != self.head.hash {
            let height = self.tree.best_entry().block.height;
            let fork = self.tree.common_ancestor(best, self.head.hash);
            let fork_height = self.tree.get(&fork).map_or(0, |e| e.block.height);
            let previous = self.head;
            self.head = BlockRef { hash: best, slot: height, height };
            let reorg_depth = previous.height.saturating_sub(fork_height);
            fx.push(Effect::Report(Event::HeadChanged { head: self.head, previous, reorg_depth }));
            let src = super::engine::Blocks { tree: &self.tree, branch: &self.branch };
            fx.extend(self.ledger.move_head(self.now, best, &src));
        }
        let fin_height = (self.head.height + 1).saturating_sub(self.params.k);
        let fin = self.tree.ancestor_at(self.head.hash, fin_height).unwrap_or(self.genesis);
        if fin != self.finalized.hash {
            self.finalized = BlockRef { hash: fin, slot: fin_height, height: fin_height };
            fx.push(Effect::Report(Event::Finalized(CheckpointRef { epoch: fin_height, block: self.finalized })));
            let src = super::engine::Blocks { tree: &self.tree, branch: &self.branch };
            fx.extend(self.ledger.move_final(fin, &src));
        }
    }
}
