//! Status and sync (R12): every node announces its best tip now and then; a
//! peer with more work we do not know, or a block whose parent we lack, makes
//! us ask that peer for the missing blocks, walking back from the wanted one.

use super::engine::Pow;
use super::wire::{MAX_SYNC_BLOCKS, Message, Status};
use crate::chain::Hash32;
use crate::consensus::engine::*;

/// A peer is asked for the same block at most this often (ms).
const ASK_AGAIN_MS: u64 = 300;

impl Pow {
    pub(super) fn broadcast_status(&self, fx: &mut Vec<Effect>) {
        Self::send(fx, Dest::All, &Message::Status(self.local_status()));
    }

    pub(super) fn on_status(&mut self, now: Millis, from: PeerId, s: Status, fx: &mut Vec<Effect>) {
        let ours = self.tree.best_entry();
        let more = s.work > ours.work || s.height > ours.block.height;
        if more && !self.tree.contains(&s.head) {
            self.ask(now, from, s.head, fx);
        }
    }

    pub(super) fn ask(&mut self, now: Millis, peer: PeerId, want: Hash32, fx: &mut Vec<Effect>) {
        if let Some((asked, at)) = self.sync_asked.get(&peer)
            && *asked == want
            && now < at.saturating_add(ASK_AGAIN_MS)
        {
            return;
        }
        self.sync_asked.insert(peer, (want, now));
        Self::send(fx, Dest::Peer(peer), &Message::SyncRequest { want });
    }

    /// Up to `MAX_SYNC_BLOCKS` public blocks ending at `want`, oldest first.
    pub(super) fn on_sync_request(&self, from: PeerId, want: Hash32, fx: &mut Vec<Effect>) {
        let mut blocks = Vec::new();
        let mut at = want;
        while blocks.len() < MAX_SYNC_BLOCKS && at != self.genesis {
            let Some(e) = self.tree.get(&at) else { break };
            blocks.push(e.block.clone());
            at = e.block.parent;
        }
        if !blocks.is_empty() {
            blocks.reverse();
            Self::send(fx, Dest::Peer(from), &Message::SyncResponse(blocks));
        }
    }
}
