//! Catching up (R12): `Status` announces the last committed block; a node
//! behind (or one that sees messages for later sequence numbers) asks with
//! `SyncRequest` and gets committed blocks with their commit certificates,
//! which it verifies and executes in order.

use super::certs::{CertKind, verify_cert};
use super::engine::Pbft;
use super::types::Cert;
use super::wire::{MAX_SYNC_BLOCKS, Message, Status};
use crate::consensus::common::asks::may_ask;
use crate::consensus::common::inbound::reject;
use crate::consensus::engine::*;

impl Pbft {
    /// Ask `peer` for the blocks after our head, at most once per rebroadcast period.
    pub(super) fn ask_sync(&mut self, now: Millis, peer: PeerId, fx: &mut Vec<Effect>) {
        let period = self.rebroadcast_period();
        if !may_ask(&mut self.sync_asked, peer, now, period) {
            return;
        }
        Self::send(fx, Dest::Peer(peer), &Message::SyncRequest { from_seq: self.head.height.saturating_add(1) });
    }

    pub(super) fn on_status(&mut self, now: Millis, from: PeerId, st: Status, fx: &mut Vec<Effect>) {
        self.peer_committed.insert(from, st.committed);
        if st.committed > self.head.height {
            self.ask_sync(now, from, fx);
        }
        // A peer in an earlier view (a restart, a lost NEW-VIEW) gets the one that started ours.
        if st.view < self.view
            && let Some(nv) = self.protection.new_view.clone().filter(|nv| nv.view == self.view)
        {
            Self::send(fx, Dest::Peer(from), &Message::NewView(nv));
        }
        // A peer behind us learns it, and asks.
        if st.committed < self.head.height {
            Self::send(fx, Dest::Peer(from), &Message::Status(self.local_status()));
        }
    }

    pub(super) fn on_sync_request(&mut self, from: PeerId, from_seq: u64, fx: &mut Vec<Effect>) {
        let items: Vec<Cert> = self.chain.since(from_seq, MAX_SYNC_BLOCKS as usize).map(|c| c.cert.clone()).collect();
        if !items.is_empty() {
            Self::send(fx, Dest::Peer(from), &Message::SyncResponse(items));
        }
    }

    /// R12: each block must be the next one, extend the head, carry a valid
    /// commit certificate (COMMITs of one view, unslashed validators, more
    /// than 2/3 of the stake) and execute to its state root.
    pub(super) fn on_sync_response(&mut self, now: Millis, from: PeerId, items: Vec<Cert>, fx: &mut Vec<Effect>) {
        let mut applied = false;
        for cert in items {
            if cert.block.seq != self.head.height.saturating_add(1) {
                continue; // already have it, or a gap: a stale or duplicated response
            }
            let slashed = self.slashed.clone();
            let weight = |v: u32| if slashed.contains(&v) { 0 } else { self.vals.stake(v) };
            match verify_cert(&cert, &self.vals, &mut self.sigs, weight) {
                Ok((_, _, CertKind::Committed)) => {}
                Ok(_) => return reject(fx, from, "sync: a prepared certificate is not a commit".into()),
                Err(e) => return reject(fx, from, format!("sync: {e}")),
            }
            if let Err(e) = self.check_block(&cert.block) {
                return reject(fx, from, format!("sync: {e}"));
            }
            self.block_ok(&cert.block);
            self.commit(now, cert.block, cert.votes, true, fx);
            applied = true;
        }
        if applied && self.peer_committed.get(&from).is_some_and(|c| *c > self.head.height) {
            self.sync_asked.remove(&from);
            self.ask_sync(now, from, fx);
        }
    }
}
