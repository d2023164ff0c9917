//! Sync by messages (R13): `Status` announces the last committed height; a
//! node behind asks with `SyncRequest { from_height }` and gets committed
//! blocks with their certificates, which it verifies and applies in order.
//! A message for a later height also triggers a request to its sender.

use super::engine::Tendermint;
use super::types::{Block, Commit};
use super::wire::{MAX_SYNC_BLOCKS, Message, Status};
use crate::consensus::common::asks::may_ask;
use crate::consensus::common::inbound::reject;
use crate::consensus::engine::*;

impl Tendermint {
    /// Ask `peer` for the blocks after our head, at most once per propose timeout.
    pub(super) fn ask_sync(&mut self, now: Millis, peer: PeerId, fx: &mut Vec<Effect>) {
        if !may_ask(&mut self.sync_asked, peer, now, self.params.timeout_propose_ms) {
            return;
        }
        Self::send(fx, Dest::Peer(peer), &Message::SyncRequest { from_height: self.height });
    }

    pub(super) fn on_status(&mut self, now: Millis, from: PeerId, st: Status, fx: &mut Vec<Effect>) {
        self.peer_committed.insert(from, st.committed);
        if st.committed >= self.height {
            self.ask_sync(now, from, fx);
        }
    }

    pub(super) fn on_sync_request(&mut self, from: PeerId, from_height: u64, fx: &mut Vec<Effect>) {
        let items: Vec<(Block, Commit)> = self
            .chain
            .since(from_height, MAX_SYNC_BLOCKS as usize)
            .map(|c| (c.block.clone(), c.commit.clone()))
            .collect();
        if !items.is_empty() {
            Self::send(fx, Dest::Peer(from), &Message::SyncResponse(items));
        }
    }

    pub(super) fn on_sync_response(
        &mut self,
        now: Millis,
        from: PeerId,
        items: Vec<(Block, Commit)>,
        fx: &mut Vec<Effect>,
    ) {
        let mut applied = false;
        for (block, commit) in items {
            if block.height != self.height {
                continue; // already have it, or a gap: a stale or duplicated response
            }
            if block.parent != self.head.hash {
                let reason = format!("sync: block at height {} does not extend our committed head", block.height);
                return reject(fx, from, reason);
            }
            if let Err(reason) =
                self.verify_commit(&block, &commit).and_then(|()| self.execute_block(&block).map(|_| ()))
            {
                return reject(fx, from, reason);
            }
            self.apply_commit(now, block, commit, true, fx);
            applied = true;
        }
        // Keep going while the peer is still ahead.
        if applied && self.peer_committed.get(&from).is_some_and(|c| *c >= self.height) {
            self.sync_asked.remove(&from);
            self.ask_sync(now, from, fx);
        }
    }
}
