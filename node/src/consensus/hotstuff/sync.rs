//! Catching up (R11, R12): `SyncInfo` carries a node's highest QC and TC
//! (on start, to a peer that comes up, and to a peer whose messages show
//! it behind); a QC or TC naming an unknown block makes the node ask the
//! sender for it by id, and the answer brings up to `MAX_SYNC_BLOCKS` of
//! its ancestry, parent first, checked link by link.

use super::engine::HotStuff;
use super::types::Block;
use super::wire::{MAX_SYNC_BLOCKS, Message, SyncInfo};
use crate::chain::Hash32;
use crate::consensus::common::asks::may_ask;
use crate::consensus::common::inbound::reject;
use crate::consensus::engine::*;

impl HotStuff {
    pub(super) fn sync_info(&self) -> SyncInfo {
        SyncInfo { high_qc: self.high_qc.clone(), high_tc: self.high_tc.clone() }
    }

    pub(super) fn broadcast_sync_info(&self, fx: &mut Vec<Effect>) {
        Self::send(fx, Dest::All, &Message::SyncInfo(self.sync_info()));
    }

    /// To a peer seen behind, at most once per base timeout.
    pub(super) fn send_sync_info(&mut self, now: Millis, to: PeerId, fx: &mut Vec<Effect>) {
        if to == self.self_peer || !may_ask(&mut self.sync_sent, to, now, self.params.base_timeout_ms) {
            return;
        }
        Self::send(fx, Dest::Peer(to), &Message::SyncInfo(self.sync_info()));
    }

    /// The pacemaker's certificates survive a restart (`Table::ForkChoice`).
    pub(super) fn persist_sync_info(&self, fx: &mut Vec<Effect>) {
        fx.push(Effect::Persist(Record {
            table: Table::ForkChoice,
            key: b"high".to_vec(),
            value: Message::SyncInfo(self.sync_info()).encode(),
        }));
    }

    pub(super) fn on_sync_info(&mut self, now: Millis, from: PeerId, s: SyncInfo, fx: &mut Vec<Effect>) {
        if let Err(reason) = self.checker().qc(&s.high_qc) {
            return reject(fx, from, format!("sync info: {reason}"));
        }
        if let Some(tc) = &s.high_tc
            && let Err(reason) = self.checker().tc(tc)
        {
            return reject(fx, from, format!("sync info: {reason}"));
        }
        let theirs = s.high_qc.round().max(s.high_tc.as_ref().map_or(0, |t| t.round)).saturating_add(1);
        if let Some(tc) = s.high_tc {
            self.observe_tc(now, tc, Some(from), fx);
        }
        self.observe_qc(now, s.high_qc, Some(from), fx);
        if theirs < self.pm.round {
            self.send_sync_info(now, from, fx);
        }
    }

    /// Ask `peer` for block `id`, at most once per base timeout per block.
    /// Not `may_ask`: the bound on `asked` is applied between the check and the insert.
    pub(super) fn request_block(&mut self, now: Millis, id: Hash32, peer: PeerId, fx: &mut Vec<Effect>) {
        if peer == self.self_peer
            || self.asked.get(&id).is_some_and(|t| now < t.saturating_add(self.params.base_timeout_ms))
        {
            return;
        }
        if self.asked.len() >= 1024 {
            self.asked.pop_first();
        }
        self.asked.insert(id, now);
        Self::send(fx, Dest::Peer(peer), &Message::BlockRequest(id));
    }

    pub(super) fn on_block_request(&mut self, from: PeerId, id: Hash32, fx: &mut Vec<Effect>) {
        let mut blocks = Vec::new();
        let mut at = id;
        while blocks.len() < MAX_SYNC_BLOCKS {
            let Some(b) = self.tree.get(&at) else { break };
            at = b.parent;
            blocks.push(b.clone());
        }
        if !blocks.is_empty() {
            blocks.reverse();
            Self::send(fx, Dest::Peer(from), &Message::Blocks(blocks));
        }
    }

    /// Blocks asked for: each must link to the one before (or to a known
    /// block), and the last must be one this node asked for.
    pub(super) fn on_blocks(&mut self, now: Millis, from: PeerId, blocks: Vec<Block>, fx: &mut Vec<Effect>) {
        let Some(last) = blocks.last() else { return };
        let last_id = last.hash();
        if !self.asked.contains_key(&last_id)
            && !self.pending_qcs.contains_key(&last_id)
            && !self.waiting.contains_key(&last_id)
        {
            return; // unasked, or answered already
        }
        for (k, b) in blocks.iter().enumerate() {
            let id = b.hash();
            if self.tree.contains(&id) {
                continue;
            }
            if !self.tree.contains(&b.parent) {
                // Deeper than one answer reaches: ask for the rest first.
                let msg = Message::Blocks(blocks[k..].to_vec());
                self.wait_for(now, b.parent, from, MsgKind::SyncResponse, msg.encode(), fx);
                return;
            }
            let checked = self
                .check_block_links(b)
                .and_then(|()| self.checker().qc(&b.qc))
                .and_then(|()| self.check_block_body(id, b));
            if let Err(reason) = checked {
                return reject(fx, from, format!("sync: block of round {}: {reason}", b.round));
            }
            let qc = b.qc.clone();
            self.insert_block(now, id, b.clone(), true, fx);
            self.observe_qc(now, qc, Some(from), fx);
        }
    }
}
