//! Sync as one-way messages (R14): `Status` announces a node's head and
//! finalized checkpoint; a node that sees a head it lacks asks with a
//! `SyncRequest` and the peer answers with a `SyncResponse` of blocks.
//!
//! - Unknown head close to ours (within one response): ask by root; the answer
//!   is that block and its ancestors, which also heals forks after a partition.
//! - Unknown head far ahead, or the peer finalized a block we lack (a
//!   restarted or long-partitioned node): ask by range from our finalized
//!   slot, 64 slots at a time, continuing after each response until the
//!   peer's head is known. The answer includes finalized blocks the peer has
//!   pruned from its tree (kept in its archive).
//! - Orphans (blocks whose parent is unknown) ask by root for the missing parent.

use super::engine::Gasper;
use super::types::{Block, MAX_SYNC_BLOCKS, Message, Status, SyncRequest};
use crate::consensus::common::inbound::reject;
use crate::consensus::engine::*;
use std::sync::Arc;

impl Gasper {
    pub(super) fn local_status(&self) -> Status {
        Status { head_slot: self.head.slot, head: self.head.hash, finalized: self.finalized }
    }

    pub(super) fn broadcast_status(&self, fx: &mut Vec<Effect>) {
        Self::send(fx, Dest::All, &Message::Status(self.local_status()));
    }

    fn root_slot(&self) -> u64 {
        self.tree.get(&self.tree.root()).map_or(0, |n| n.slot)
    }

    fn knows(&self, h: &crate::chain::Hash32) -> bool {
        self.tree.contains(h) || self.orphans.contains_key(h)
    }

    pub(super) fn on_status(&mut self, now: Millis, from: PeerId, st: Status, fx: &mut Vec<Effect>) {
        self.peer_status.insert(from, st);
        if self.knows(&st.head) {
            return;
        }
        // The peer finalized a block we lack: whatever fork we are on is
        // dead; fetch its canonical chain forward from our own root.
        let behind = st.finalized.epoch > self.finalized.epoch && !self.tree.contains(&st.finalized.root);
        if !behind && st.head_slot <= self.head.slot.saturating_add(MAX_SYNC_BLOCKS) {
            self.request(now, from, SyncRequest::ByRoot { root: st.head, count: MAX_SYNC_BLOCKS }, fx);
        } else {
            let from_slot = self.root_slot().saturating_add(1);
            let to_slot = from_slot.saturating_add(MAX_SYNC_BLOCKS - 1);
            self.request(now, from, SyncRequest::ByRange { from_slot, to_slot }, fx);
        }
    }

    /// Answer from our canonical chain (head chain, then finalized archive).
    pub(super) fn on_sync_request(&mut self, from: PeerId, req: SyncRequest, fx: &mut Vec<Effect>) {
        let blocks: Vec<Arc<Block>> = match req {
            SyncRequest::ByRange { from_slot, to_slot } => {
                if to_slot < from_slot {
                    reject(fx, from, "empty sync range".into());
                    return;
                }
                let to = to_slot.min(from_slot.saturating_add(MAX_SYNC_BLOCKS - 1));
                self.tree.range(&self.head.hash, from_slot, to, MAX_SYNC_BLOCKS)
            }
            SyncRequest::ByRoot { root, count } => self.tree.chain_ending_at(&root, count.min(MAX_SYNC_BLOCKS)),
        };
        // R13: a withholding node does not leak its private blocks through sync.
        let blocks: Vec<Block> =
            blocks.iter().filter(|b| !self.is_withheld(&b.hash())).map(|b| (**b).clone()).collect();
        if blocks.is_empty() {
            return;
        }
        Self::send(fx, Dest::Peer(from), &Message::SyncResponse(blocks));
    }

    pub(super) fn on_sync_response(&mut self, now: Millis, from: PeerId, blocks: Vec<Block>, fx: &mut Vec<Effect>) {
        let mut last_slot = 0;
        for b in blocks {
            last_slot = last_slot.max(b.slot());
            self.on_block(now, Some(from), Arc::new(b), false, fx);
        }
        // Continue a range sync while the peer's head is still out of reach.
        if let Some(st) = self.peer_status.get(&from).copied()
            && !self.knows(&st.head)
            && last_slot > 0
            && last_slot < st.head_slot
        {
            let from_slot = last_slot.saturating_add(1);
            let to_slot = from_slot.saturating_add(MAX_SYNC_BLOCKS - 1);
            self.request(now, from, SyncRequest::ByRange { from_slot, to_slot }, fx);
        }
    }
}
