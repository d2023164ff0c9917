//! `Gasper`: the node's state and the `Engine` impl that routes inputs (R16, R17).
//! The work itself lives in `import` (blocks, votes, evidence), `duties`
//! (proposing, attesting), `sync` and `persist`.

use super::fork_choice::ForkChoice;
use super::slashing::{Detector, Protection};
use super::tree::BlockTree;
use super::types::{Attestation, Block, Checkpoint, Evidence, Message, Status};
use super::validators::{SigChecker, Validators};
use crate::chain::{ChainSpec, Hash32, SecretKey};
use crate::consensus::Identity;
use crate::consensus::common::inbound::decode_or_reject;
use crate::consensus::engine::*;
use crate::ledger::{AccountView, BlockSource, ForkLedger, Transfer, TxError, TxId, TxLayer, TxStatus};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A block that arrived before its parent (R14), or before its slot (R4).
pub(super) struct Held {
    pub from: Option<PeerId>,
    pub block: Arc<Block>,
}

/// The gasper engine for one node.
pub struct Gasper {
    pub(super) slot_ms: u64,
    pub(super) epoch_slots: u64,
    pub(super) seed: Hash32,
    pub(super) vals: Validators,
    pub(super) peers: Vec<PeerId>,
    pub(super) key: Option<(u32, SecretKey)>,
    pub(super) behaviour: Behaviour,

    pub(super) tree: BlockTree,
    pub(super) fc: ForkChoice,
    pub(super) head: BlockRef,
    pub(super) justified: Checkpoint,
    pub(super) finalized: Checkpoint,
    pub(super) reported_slashed: BTreeSet<u32>,

    pub(super) sigs: SigChecker,
    pub(super) detector: Detector,
    pub(super) protection: Protection,
    /// R10: one piece of valid evidence per offender.
    pub(super) evidence: BTreeMap<u32, Evidence>,
    pub(super) equivocations: BTreeSet<(u64, u32, u8)>,

    /// R6: attestations a proposer may include, by (slot, validator, id).
    pub(super) pool: BTreeMap<(u64, u32, Hash32), Attestation>,
    pub(super) seen_atts: BTreeSet<(u64, Hash32)>,
    pub(super) pending: BTreeMap<(u64, Hash32), Held>,
    pub(super) orphans: BTreeMap<Hash32, Held>,
    /// Sync requests recently sent, by request bytes, with the time sent.
    pub(super) requested: BTreeMap<Vec<u8>, Millis>,
    pub(super) peer_status: BTreeMap<PeerId, Status>,

    /// R13: own blocks held back by `Withhold`, with the slot they are released at.
    pub(super) withheld: Vec<(u64, Arc<Block>)>,
    pub(super) proposed_slot: Option<u64>,
    pub(super) attested_slot: Option<u64>,
    pub(super) status_epoch: Option<u64>,
    pub(super) wake: Option<Millis>,
    /// Transactions on the head's chain (ledger T6); `now` of the input being handled.
    pub(super) ledger: ForkLedger,
    pub(super) now: Millis,
    /// Proposals missed as this node saw them (`super::missed`).
    pub(super) missed: super::missed::Missed,
}

/// The block tree as the ledger asks about it.
pub(super) struct GasperBlocks<'a>(pub &'a BlockTree);

impl BlockSource for GasperBlocks<'_> {
    fn parent(&self, h: &Hash32) -> Option<Hash32> {
        self.0.get(h).map(|n| n.parent)
    }
    fn height(&self, h: &Hash32) -> Option<u64> {
        self.0.get(h).map(|n| n.height)
    }
    fn slot(&self, h: &Hash32) -> Option<u64> {
        self.0.get(h).map(|n| n.slot)
    }
    fn txs(&self, h: &Hash32) -> Option<&[Transfer]> {
        let n = self.0.get(h)?;
        Some(n.block.as_ref().map_or(&[][..], |b| b.body.txs.as_slice()))
    }
}

/// The genesis block's hash (R1): derived from the spec's genesis seed.
pub fn genesis_hash(seed: &Hash32) -> Hash32 {
    Hash32::digest(&[b"devnet/v1/gasper/genesis", &seed.0])
}

impl Gasper {
    pub fn new(spec: &ChainSpec, identity: Identity) -> Result<Gasper, String> {
        if spec.slot_ms < 3 {
            return Err("slot_ms must be at least 3".into());
        }
        if spec.epoch_slots == 0 {
            return Err("epoch_slots must be positive".into());
        }
        let vals = Validators::from_spec(spec)?;
        identity.check_key("validator", |v| vals.key(v))?;
        let seed = spec.genesis_seed();
        let genesis = genesis_hash(&seed);
        let cp = Checkpoint { epoch: 0, root: genesis };
        Ok(Gasper {
            slot_ms: spec.slot_ms,
            epoch_slots: spec.epoch_slots,
            seed,
            vals,
            peers: identity.peers.into_iter().filter(|p| *p != identity.me).collect(),
            key: identity.validator,
            behaviour: Behaviour::Honest,
            tree: BlockTree::new(genesis),
            fc: ForkChoice::default(),
            head: BlockRef { hash: genesis, slot: 0, height: 0 },
            justified: cp,
            finalized: cp,
            reported_slashed: BTreeSet::new(),
            sigs: SigChecker::default(),
            detector: Detector::default(),
            protection: Protection::default(),
            evidence: BTreeMap::new(),
            equivocations: BTreeSet::new(),
            pool: BTreeMap::new(),
            seen_atts: BTreeSet::new(),
            pending: BTreeMap::new(),
            orphans: BTreeMap::new(),
            requested: BTreeMap::new(),
            peer_status: BTreeMap::new(),
            withheld: Vec::new(),
            proposed_slot: None,
            attested_slot: None,
            status_epoch: None,
            wake: None,
            ledger: ForkLedger::new(TxLayer::new(spec)?, genesis),
            now: 0,
            missed: Default::default(),
        })
    }

    /// R1: the slot at `now`.
    pub(super) fn slot_at(&self, now: Millis) -> u64 {
        now / self.slot_ms
    }
    pub(super) fn epoch_of(&self, slot: u64) -> u64 {
        slot / self.epoch_slots
    }

    pub fn head(&self) -> BlockRef {
        self.head
    }
    pub fn finalized(&self) -> Checkpoint {
        self.finalized
    }
    pub fn protection(&self) -> Protection {
        self.protection
    }

    pub(super) fn block_ref(&self, h: &Hash32) -> BlockRef {
        match self.tree.get(h) {
            Some(n) => BlockRef { hash: n.hash, slot: n.slot, height: n.height },
            None => BlockRef { hash: *h, slot: 0, height: 0 },
        }
    }

    pub(super) fn checkpoint_ref(&self, c: &Checkpoint) -> CheckpointRef {
        CheckpointRef { epoch: c.epoch, block: self.block_ref(&c.root) }
    }

    pub(super) fn send(fx: &mut Vec<Effect>, to: Dest, msg: &Message) {
        fx.push(Effect::Send { to, kind: msg.kind(), bytes: msg.encode() });
    }

    /// R7, R9, R11, R17: recompute the head; report head changes, justification,
    /// finalization (and prune below it) and newly slashed validators.
    pub(super) fn update_head(&mut self, fx: &mut Vec<Effect>) {
        let justified = ForkChoice::justified(&self.tree);
        let new = self.fc.head(&self.tree, &self.vals, justified);
        if new != self.head.hash {
            let reorg_depth = self.tree.reorg_depth(&self.head.hash, &new);
            let head = self.block_ref(&new);
            fx.push(Effect::Report(Event::HeadChanged { head, previous: self.head, reorg_depth }));
            self.head = head;
            fx.extend(self.ledger.move_head(self.now, new, &GasperBlocks(&self.tree)));
        }
        let Some(node) = self.tree.get(&new) else {
            return;
        };
        let (j, f) = (node.state.justified, node.state.finalized);
        // Not `common::slashing::report_slashed`: the set is the head state's,
        // read before `prune` below may drop that state, and reported after.
        let newly_slashed: Vec<u32> = node.state.slashed.difference(&self.reported_slashed).copied().collect();
        if j.epoch > self.justified.epoch {
            self.justified = j;
            fx.push(Effect::Report(Event::Justified(self.checkpoint_ref(&j))));
        }
        if f.epoch > self.finalized.epoch {
            self.finalized = f;
            fx.push(Effect::Report(Event::Finalized(self.checkpoint_ref(&f))));
            fx.extend(self.ledger.move_final(f.root, &GasperBlocks(&self.tree)));
            self.prune();
        }
        for v in newly_slashed {
            self.reported_slashed.insert(v);
            fx.push(Effect::Report(Event::Slashed { validator: v }));
        }
    }

    /// R18: drop everything below the finalized checkpoint.
    fn prune(&mut self) {
        self.tree.prune(&self.finalized.root);
        let root_slot = self.tree.get(&self.tree.root()).map_or(0, |n| n.slot);
        let fin_epoch = self.finalized.epoch;
        let fin_slot = fin_epoch.saturating_mul(self.epoch_slots);
        self.detector.prune(fin_slot, fin_epoch);
        self.orphans.retain(|_, h| h.block.slot() > root_slot);
        self.pending.retain(|(s, _), _| *s > root_slot);
    }

    /// R16: ask for a tick at the attestation time, else at the next slot start.
    fn schedule(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        let slot = self.slot_at(now);
        let start = slot.saturating_mul(self.slot_ms);
        let attest_at = start.saturating_add(self.slot_ms / 3);
        let next = if now < attest_at && self.attested_slot != Some(slot) {
            attest_at
        } else {
            start.saturating_add(self.slot_ms)
        };
        if self.wake != Some(next) {
            self.wake = Some(next);
            fx.push(Effect::WakeAt(next));
        }
    }

    /// R5, R6, R14, R16: everything that happens because time passed.
    fn on_tick(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        let slot = self.slot_at(now);
        let epoch = self.epoch_of(slot);
        self.release_pending(now, fx);
        self.release_withheld(slot, fx);
        if self.status_epoch != Some(epoch) {
            self.status_epoch = Some(epoch);
            self.broadcast_status(fx);
            self.regossip_evidence(fx);
        }
        if self.proposed_slot != Some(slot) {
            self.proposed_slot = Some(slot);
            self.update_head(fx);
            self.propose(slot, fx);
        }
        let attest_at = slot.saturating_mul(self.slot_ms).saturating_add(self.slot_ms / 3);
        if now >= attest_at && self.attested_slot != Some(slot) {
            self.attested_slot = Some(slot);
            self.update_head(fx);
            self.attest(slot, fx);
        }
        self.housekeeping(slot);
        self.judge_missed(slot);
    }

    /// R18: forget attestations and requests too old to matter.
    fn housekeeping(&mut self, slot: u64) {
        let epoch = self.epoch_of(slot);
        let min_slot = epoch.saturating_sub(1).saturating_mul(self.epoch_slots);
        self.pool.retain(|(s, _, _), _| *s >= min_slot);
        self.seen_atts.retain(|(s, _)| *s >= min_slot);
        self.equivocations.retain(|(s, _, _)| *s >= min_slot);
        let horizon = slot.saturating_sub(4).saturating_mul(self.slot_ms);
        self.requested.retain(|_, t| *t >= horizon);
    }

    fn on_message(&mut self, now: Millis, from: PeerId, kind: MsgKind, bytes: &[u8], fx: &mut Vec<Effect>) {
        if kind == MsgKind::Tx {
            fx.extend(self.ledger.gossiped(now, from, bytes));
            return;
        }
        let Some(msg) = decode_or_reject(from, kind, Message::decode(kind, bytes), fx) else { return };
        match msg {
            Message::Block(b) => self.on_block(now, Some(from), Arc::new(b), true, fx),
            Message::Vote(a) => self.on_gossip_attestation(now, from, a, fx),
            Message::Evidence(e) => self.on_gossip_evidence(from, e, fx),
            Message::Status(s) => self.on_status(now, from, s, fx),
            Message::SyncRequest(r) => self.on_sync_request(from, r, fx),
            Message::SyncResponse(blocks) => self.on_sync_response(now, from, blocks, fx),
        }
    }
}

impl Engine for Gasper {
    fn name(&self) -> &'static str {
        "gasper"
    }

    fn restore(&mut self, records: Vec<Record>) -> Result<(), RestoreError> {
        self.restore_records(records)
    }

    fn handle(&mut self, now: Millis, input: Input) -> Vec<Effect> {
        let mut fx = Vec::new();
        self.now = now;
        self.ledger.layer.tick(now);
        match input {
            Input::Start => {
                self.broadcast_status(&mut fx);
                self.on_tick(now, &mut fx);
            }
            Input::Tick => self.on_tick(now, &mut fx),
            Input::Message { from, kind, bytes } => self.on_message(now, from, kind, &bytes, &mut fx),
            Input::PeerUp(p) => {
                let st = self.local_status();
                Self::send(&mut fx, Dest::Peer(p), &Message::Status(st));
            }
            Input::PeerDown(p) => {
                self.peer_status.remove(&p);
            }
            Input::SetBehaviour(b) => self.behaviour = b,
            Input::SetHashrate { .. } => {}
            Input::SetCensorship(c) => self.ledger.layer.censor = c,
        }
        self.update_head(&mut fx);
        self.schedule(now, &mut fx);
        fx
    }

    fn status(&self, now: Millis) -> EngineStatus {
        let slot = self.slot_at(now);
        let head_slashed = self.tree.get(&self.head.hash).map(|n| &n.state.slashed);
        let validators = (0..self.vals.len() as u32)
            .map(|v| ValidatorStatus {
                index: v,
                stake: self.vals.stake(v),
                slashed: self.fc.slashed.contains(&v) || head_slashed.is_some_and(|s| s.contains(&v)),
                last_attested_slot: self.fc.latest.get(&v).map(|m| m.slot),
            })
            .collect();
        EngineStatus {
            slot,
            epoch: self.epoch_of(slot),
            head: self.head,
            justified: self.checkpoint_ref(&self.justified),
            finalized: self.checkpoint_ref(&self.finalized),
            validators,
            behaviour: self.behaviour,
            detail: super::describe::detail(&self.missed.counts, self.vals.len()),
            txs: self.ledger.layer.counters,
        }
    }

    fn recent_blocks(&self, limit: usize) -> Vec<BlockInfo> {
        let mut out: Vec<BlockInfo> = self
            .tree
            .by_slot()
            .rev()
            .filter_map(|n| {
                let b = n.block.as_ref()?;
                Some(BlockInfo {
                    block: BlockRef { hash: n.hash, slot: n.slot, height: n.height },
                    parent: n.parent,
                    proposer: b.proposer(),
                    attestations: b.body.attestations.len() as u32,
                    txs: b.body.txs.len() as u32,
                })
            })
            .take(limit)
            .collect();
        out.reverse();
        out
    }

    fn submit_tx(&mut self, now: Millis, bytes: &[u8]) -> (Result<TxId, TxError>, Vec<Effect>) {
        self.ledger.submit(now, bytes)
    }

    fn tx_status(&self, id: &TxId) -> TxStatus {
        // R9: final once the finalized checkpoint's block is at or above it.
        self.ledger.status(id)
    }

    fn account(&self, index: u32) -> Option<AccountView> {
        self.ledger.account(index, &GasperBlocks(&self.tree))
    }
}
