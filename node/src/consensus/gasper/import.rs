//! Receiving blocks, attestations and evidence: validation (R4), the import
//! pipeline with its pending and orphan pools (R4, R14), and the bookkeeping
//! every valid message feeds (fork choice R7, detection R10, persistence R15).

use super::engine::{Gasper, GasperBlocks, Held};
use super::slashing::verify_evidence;
use super::state::{Params, transition};
use super::types::{Attestation, Block, Evidence, MAX_SYNC_BLOCKS, Message, SyncRequest};
use crate::chain::Hash32;
use crate::consensus::common::asks::may_ask;
use crate::consensus::common::inbound::{self, reject};
use crate::consensus::common::slashing::{pool_evidence, report_equivocation};
use crate::consensus::engine::*;
use std::sync::Arc;

/// R18: blocks held until their slot.
pub(super) const MAX_PENDING: usize = 64;
/// R18: blocks held until their parent arrives.
pub(super) const MAX_ORPHANS: usize = 256;
/// R18: attestations kept for proposers.
pub(super) const MAX_POOL: usize = 2048;

impl Gasper {
    /// R4: a block from the network (or from our own store with `from = None`).
    pub(super) fn on_block(
        &mut self,
        now: Millis,
        from: Option<PeerId>,
        block: Arc<Block>,
        relay: bool,
        fx: &mut Vec<Effect>,
    ) {
        let hash = block.hash();
        let slot = block.slot();
        if self.tree.contains(&hash) || self.orphans.contains_key(&hash) || self.pending.contains_key(&(slot, hash)) {
            return;
        }
        let root_slot = self.tree.get(&self.tree.root()).map_or(0, |n| n.slot);
        if slot <= root_slot {
            return; // R4: cannot descend from the finalized block; old news.
        }
        // R4: the header signature first, so junk never enters a pool.
        if !self.sigs.check(&self.vals, &block.signed) {
            reject(fx, from, format!("block {hash}: bad proposer signature"));
            return;
        }
        if let Some(ev) = self.detector.observe_header(&block.signed) {
            self.on_evidence(ev, fx); // R10: double proposal
        }
        if slot > self.slot_at(now) {
            self.hold_pending(from, block);
            return;
        }
        if !self.tree.contains(&block.parent()) {
            self.hold_orphan(now, from, block, fx);
            return;
        }
        let mut work = vec![(from, block, relay)];
        while let Some((from, b, relay)) = work.pop() {
            match self.import(b.clone(), true, fx) {
                Ok(h) => {
                    if relay {
                        // R4: once, to the peers it did not come from (`common::inbound::relay`).
                        let m = Message::Block((*b).clone());
                        inbound::relay(&self.peers, from, m.kind(), &m.encode(), fx);
                    }
                    // R14: orphans waiting for this block.
                    let kids: Vec<Hash32> =
                        self.orphans.iter().filter(|(_, o)| o.block.parent() == h).map(|(k, _)| *k).collect();
                    for k in kids {
                        if let Some(o) = self.orphans.remove(&k) {
                            work.push((o.from, o.block, false));
                        }
                    }
                }
                Err(reason) => reject(fx, from, format!("block {}: {reason}", b.hash())),
            }
        }
    }

    /// R4, R8-R11: validate a block whose parent is known and add it to the tree.
    pub(super) fn import(&mut self, b: Arc<Block>, verify: bool, fx: &mut Vec<Effect>) -> Result<Hash32, String> {
        let hash = b.hash();
        let slot = b.slot();
        let parent_hash = b.parent();
        let es = self.epoch_slots;
        let parent = self.tree.get(&parent_hash).ok_or("unknown parent")?;
        if slot <= parent.slot {
            return Err(format!("slot {slot} not after parent slot {}", parent.slot));
        }
        let expected = self.vals.proposer(&self.seed, es, slot, &parent.state.slashed);
        if expected != Some(b.proposer()) {
            return Err(format!("proposer {} is not the proposer {expected:?} of slot {slot}", b.proposer()));
        }
        if b.signed.header.body_root != b.body.root() {
            return Err("body root does not match the body".into());
        }
        if verify {
            if !self.sigs.check(&self.vals, &b.signed) {
                return Err("bad proposer signature".into());
            }
            for a in &b.body.attestations {
                if !self.sigs.check(&self.vals, a) {
                    return Err(format!("bad signature on attestation by {}", a.validator));
                }
            }
            for ev in &b.body.evidence {
                verify_evidence(ev, &self.vals, &mut self.sigs)?;
            }
        }
        let tree = &self.tree;
        let checkpoint_root = |e: u64| {
            let start = e.checked_mul(es)?;
            if slot <= start { Some(hash) } else { tree.checkpoint(&parent_hash, e, es).map(|c| c.root) }
        };
        let params = Params { validators: &self.vals, epoch_slots: es };
        let state = transition(&parent.state, &b, &params, &checkpoint_root)?;
        // Ledger T3: its transfers on the parent's state give its state root.
        let height = parent.height + 1;
        let body = &b.body;
        self.ledger.execute(hash, height, &parent_hash, &body.txs, &body.state_root, &GasperBlocks(&self.tree))?;
        let node = self.tree.insert(b.clone(), state).ok_or("parent vanished")?;
        let info = BlockInfo {
            block: BlockRef { hash, slot, height: node.height },
            parent: parent_hash,
            proposer: b.proposer(),
            attestations: b.body.attestations.len() as u32,
            txs: b.body.txs.len() as u32,
        };
        fx.push(Effect::Persist(Record { table: Table::Blocks, key: hash.0.to_vec(), value: b.encode() }));
        fx.push(Effect::Report(Event::BlockImported(info)));
        for a in &b.body.attestations {
            self.observe_attestation(a, fx);
        }
        for ev in &b.body.evidence {
            self.on_evidence(ev.clone(), fx);
        }
        Ok(hash)
    }

    /// R4: hold an early block until its slot; when full, drop the latest.
    fn hold_pending(&mut self, from: Option<PeerId>, block: Arc<Block>) {
        self.pending.insert((block.slot(), block.hash()), Held { from, block });
        while self.pending.len() > MAX_PENDING {
            self.pending.pop_last();
        }
    }

    pub(super) fn release_pending(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        let slot = self.slot_at(now);
        let due: Vec<(u64, Hash32)> = self.pending.range(..=(slot, Hash32([0xff; 32]))).map(|(k, _)| *k).collect();
        for k in due {
            if let Some(h) = self.pending.remove(&k) {
                self.on_block(now, h.from, h.block, true, fx);
            }
        }
    }

    /// R14: keep a block whose parent is unknown and ask its sender for the
    /// missing ancestors. When full, drop the orphan farthest from connecting.
    fn hold_orphan(&mut self, now: Millis, from: Option<PeerId>, block: Arc<Block>, fx: &mut Vec<Effect>) {
        let mut missing = block.parent();
        self.orphans.insert(block.hash(), Held { from, block });
        while self.orphans.len() > MAX_ORPHANS {
            let far = self.orphans.iter().max_by_key(|(h, o)| (o.block.slot(), **h)).map(|(h, _)| *h);
            match far {
                Some(h) => self.orphans.remove(&h),
                None => break,
            };
        }
        let mut steps = 0;
        while let Some(o) = self.orphans.get(&missing) {
            missing = o.block.parent();
            steps += 1;
            if steps > MAX_ORPHANS {
                return;
            }
        }
        if let Some(peer) = from {
            self.request(now, peer, SyncRequest::ByRoot { root: missing, count: MAX_SYNC_BLOCKS }, fx);
        }
    }

    /// R14: send a sync request unless the same one went out within a slot.
    pub(super) fn request(&mut self, now: Millis, peer: PeerId, req: SyncRequest, fx: &mut Vec<Effect>) {
        let msg = Message::SyncRequest(req);
        let key = msg.encode();
        if !may_ask(&mut self.requested, key, now, self.slot_ms) {
            return;
        }
        Self::send(fx, Dest::Peer(peer), &msg);
    }

    /// R5, R7: an attestation from gossip.
    pub(super) fn on_gossip_attestation(&mut self, now: Millis, from: PeerId, a: Attestation, fx: &mut Vec<Effect>) {
        let d = &a.data;
        let cur = self.slot_at(now);
        if self.vals.key(a.validator).is_none()
            || d.target.epoch != super::state::ffg_epoch(d.slot, self.epoch_slots)
            || d.source.epoch > d.target.epoch
        {
            reject(fx, from, format!("malformed attestation by {}", a.validator));
            return;
        }
        // Too early or too old to matter: drop quietly (tolerate small skew).
        if d.slot > cur.saturating_add(1) || d.slot.saturating_add(2 * self.epoch_slots) < cur {
            return;
        }
        if self.seen_atts.contains(&(d.slot, a.id())) {
            return;
        }
        if !self.sigs.check(&self.vals, &a) {
            reject(fx, from, format!("bad signature on attestation by {}", a.validator));
            return;
        }
        self.observe_attestation(&a, fx);
        if !self.tree.contains(&d.head) && !self.orphans.contains_key(&d.head) {
            let root = d.head;
            self.request(now, from, SyncRequest::ByRoot { root, count: MAX_SYNC_BLOCKS }, fx);
        }
    }

    /// R7, R10, R15, R17: a valid attestation, from gossip or from a block.
    pub(super) fn observe_attestation(&mut self, a: &Attestation, fx: &mut Vec<Effect>) {
        let d = a.data;
        if !self.seen_atts.insert((d.slot, a.id())) {
            return;
        }
        fx.push(Effect::Report(Event::Attested {
            validator: a.validator,
            slot: d.slot,
            head: d.head,
            source_epoch: d.source.epoch,
            target_epoch: d.target.epoch,
        }));
        if let Some(ev) = self.detector.observe_attestation(a) {
            self.on_evidence(ev, fx);
        }
        if self.fc.on_attestation(a) {
            let key = a.validator.to_be_bytes().to_vec();
            fx.push(Effect::Persist(Record { table: Table::ForkChoice, key, value: a.encode() }));
        }
        if self.pool.len() < MAX_POOL {
            self.pool.insert((d.slot, a.validator, a.id()), *a);
        }
    }

    /// R10: evidence from gossip must verify before anything else.
    pub(super) fn on_gossip_evidence(&mut self, from: PeerId, ev: Evidence, fx: &mut Vec<Effect>) {
        match verify_evidence(&ev, &self.vals, &mut self.sigs) {
            Ok(_) => self.on_evidence(ev, fx),
            Err(e) => reject(fx, from, e),
        }
    }

    /// R10, R11: valid evidence (detected here, gossiped, or in a block).
    /// Reports the equivocation once per (slot, validator, kind); the first
    /// evidence against a validator is kept, persisted and gossiped, and from
    /// then on the validator weighs nothing in this node's fork choice.
    pub(super) fn on_evidence(&mut self, ev: Evidence, fx: &mut Vec<Effect>) {
        let Ok((v, kind)) = super::slashing::classify_evidence(&ev) else {
            return;
        };
        let slot = match &ev {
            Evidence::DoubleProposal(a, _) => a.header.slot,
            Evidence::ConflictingVotes(a, b) => a.data.slot.max(b.data.slot),
        };
        report_equivocation(&mut self.equivocations, (slot, v, kind as u8), v, kind, slot, fx);
        let Some(ev) = pool_evidence(&mut self.evidence, v, ev, Evidence::encode, fx) else { return };
        self.fc.slashed.insert(v);
        Self::send(fx, Dest::All, &Message::Evidence(ev.clone()));
    }

    /// R10: evidence not yet on our head chain goes out again each epoch, in
    /// case the first gossip was lost.
    pub(super) fn regossip_evidence(&mut self, fx: &mut Vec<Effect>) {
        let slashed = self.tree.get(&self.head.hash).map(|n| n.state.slashed.clone()).unwrap_or_default();
        for (v, ev) in &self.evidence {
            if !slashed.contains(v) {
                Self::send(fx, Dest::All, &Message::Evidence(ev.clone()));
            }
        }
    }
}
