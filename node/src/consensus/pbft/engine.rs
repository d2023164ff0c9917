//! `Pbft`: the node's state and the `Engine` impl that routes inputs. The
//! work lives in `normal` (R4-R7), `commit` (R7, R8), `viewchange` (R9-R11),
//! `receive` (checking messages, R14), `sign` (own messages under R15, R16),
//! `sync` (R12) and `persist`.

use super::params::PbftParams;
use super::protection::Protection;
use super::types::{Block, Cert, Evidence, Phase, ViewChange, Vote};
use super::validators::{SigChecker, Validators};
use super::wire::{Message, Status};
use crate::chain::{ChainSpec, Hash32, SecretKey};
use crate::consensus::Identity;
use crate::consensus::common::archive::{Archive, Numbered};
use crate::consensus::common::inbound::decode_or_reject;
use crate::consensus::common::slashing::report_slashed;
use crate::consensus::common::status::validator_rows;
use crate::consensus::engine::*;
use crate::ledger::{AccountView, State, TxError, TxId, TxLayer, TxStatus};
use std::collections::{BTreeMap, BTreeSet};

/// Committed blocks kept in memory to serve sync (R17); older ones stay only in the store.
pub(super) const ARCHIVE_MAX: usize = 16_384;
/// Message ids remembered for relay de-duplication (R17).
pub(super) const SEEN_MAX: usize = 8192;
/// How many views ahead of its own a node keeps messages for (R17).
pub(super) const FUTURE_VIEWS: u64 = 8;

/// Why this node is changing view (R9, R10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewChangeReason {
    /// Its view-change timer expired.
    Timer,
    /// f+1 of the stake asked for later views (R10).
    Joined,
}

pub(super) struct Committed {
    pub cert: Cert,
    pub hash: Hash32,
}

impl Numbered for Committed {
    fn number(&self) -> u64 {
        self.cert.block.seq
    }
}

pub struct Pbft {
    pub(super) params: PbftParams,
    pub(super) genesis: Hash32,
    pub(super) vals: Validators,
    pub(super) peers: Vec<PeerId>,
    pub(super) key: Option<(u32, SecretKey)>,
    pub(super) behaviour: Behaviour,

    // The committed chain (R1, R7) and its state (ledger).
    pub(super) chain: Archive<Committed>,
    pub(super) head: BlockRef,
    pub(super) slashed: BTreeSet<u32>,
    pub(super) reported_slashed: BTreeSet<u32>,
    pub(super) ledger: TxLayer,
    pub(super) state: State,
    /// Post-states of blocks found valid on the head, and blocks found invalid.
    pub(super) block_states: BTreeMap<Hash32, State>,
    pub(super) bad_blocks: BTreeSet<Hash32>,

    // The view (R3, R9-R11).
    pub(super) view: u64,
    pub(super) changing: Option<(u64, ViewChangeReason)>,
    /// Successive view changes since the last commit (R9: the timer doubles).
    pub(super) failed_views: u32,
    pub(super) timer_at: Millis,
    pub(super) started: bool,
    pub(super) propose_at: Millis,

    // The message log (R2-R8, R10).
    /// The first PRE-PREPARE seen per (view, seq), with its block.
    pub(super) pre_prepares: BTreeMap<(u64, u64), (Vote, Block)>,
    /// (view, seq, phase) -> each validator's first vote, and a different second one.
    pub(super) votes: BTreeMap<(u64, u64, Phase), BTreeMap<u32, Vec<Vote>>>,
    /// CHECKPOINTs above the stable one: seq -> validator -> vote.
    pub(super) checkpoints: BTreeMap<u64, BTreeMap<u32, Vote>>,
    pub(super) view_changes: BTreeMap<u64, BTreeMap<u32, ViewChange>>,
    /// (view, seq, phase) this node signed or sent in memory (the equivocator's too).
    pub(super) sent: BTreeSet<(u64, u64, Phase)>,
    pub(super) protection: Protection,
    pub(super) sigs: SigChecker,

    // Evidence (R14) and the network (R12, R17).
    pub(super) evidence: BTreeMap<u32, Evidence>,
    pub(super) seen_equivocations: BTreeSet<(u32, u64, u64)>,
    /// Own messages of the current view, sent again by the rebroadcast.
    pub(super) own: Vec<Message>,
    pub(super) own_checkpoint: Option<Vote>,
    pub(super) seen: BTreeSet<Hash32>,
    pub(super) peer_committed: BTreeMap<PeerId, u64>,
    pub(super) sync_asked: BTreeMap<PeerId, Millis>,
    pub(super) rebroadcast_at: Millis,
    /// Seq of the latest COMMIT seen per validator (status).
    pub(super) last_commit: BTreeMap<u32, u64>,
    pub(super) wake: Option<Millis>,
}

/// The genesis block's digest (R1).
pub fn genesis_hash(seed: &Hash32) -> Hash32 {
    Hash32::digest(&[b"devnet/v1/pbft/genesis", &seed.0])
}

impl Pbft {
    pub fn new(spec: &ChainSpec, identity: Identity) -> Result<Pbft, String> {
        let params = spec.params::<PbftParams>()?;
        let vals = Validators::from_spec(spec)?;
        identity.check_key("validator", |v| vals.key(v))?;
        let genesis = genesis_hash(&spec.genesis_seed());
        let ledger = TxLayer::new(spec)?;
        Ok(Pbft {
            params,
            genesis,
            vals,
            peers: identity.peers.into_iter().filter(|p| *p != identity.me).collect(),
            key: identity.validator,
            behaviour: Behaviour::Honest,
            chain: Archive::new(ARCHIVE_MAX),
            head: BlockRef { hash: genesis, slot: 0, height: 0 },
            slashed: BTreeSet::new(),
            reported_slashed: BTreeSet::new(),
            state: ledger.genesis(),
            ledger,
            block_states: BTreeMap::new(),
            bad_blocks: BTreeSet::new(),
            view: 0,
            changing: None,
            failed_views: 0,
            timer_at: 0,
            started: false,
            propose_at: 0,
            pre_prepares: BTreeMap::new(),
            votes: BTreeMap::new(),
            checkpoints: BTreeMap::new(),
            view_changes: BTreeMap::new(),
            sent: BTreeSet::new(),
            protection: Protection::new(genesis),
            sigs: SigChecker::default(),
            evidence: BTreeMap::new(),
            seen_equivocations: BTreeSet::new(),
            own: Vec::new(),
            own_checkpoint: None,
            seen: BTreeSet::new(),
            peer_committed: BTreeMap::new(),
            sync_asked: BTreeMap::new(),
            rebroadcast_at: 0,
            last_commit: BTreeMap::new(),
            wake: None,
        })
    }

    /// The last committed block (the genesis block before the first commit).
    pub fn head(&self) -> BlockRef {
        self.head
    }
    pub fn current_view(&self) -> u64 {
        self.view
    }
    pub fn protection(&self) -> &Protection {
        &self.protection
    }
    /// R8: the low watermark `h`, the last stable checkpoint.
    pub fn low_watermark(&self) -> u64 {
        self.protection.checkpoint.seq
    }
    pub fn high_watermark(&self) -> u64 {
        self.low_watermark().saturating_add(self.params.watermark_window)
    }
    /// R3: `seq` is within the watermarks `(h, h + L]`.
    pub(super) fn in_window(&self, seq: u64) -> bool {
        seq > self.low_watermark() && seq <= self.high_watermark()
    }

    /// The committed block at `seq`, if still in memory.
    pub fn committed_at(&self, seq: u64) -> Option<Hash32> {
        if seq == 0 {
            return Some(self.genesis);
        }
        self.chain.get(seq).map(|c| c.hash)
    }

    pub(super) fn me(&self) -> Option<u32> {
        self.key.as_ref().map(|(v, _)| *v)
    }

    /// R6: a validator's power on this chain (0 once slashed).
    pub(super) fn weight(&self, v: u32) -> u64 {
        if self.slashed.contains(&v) { 0 } else { self.vals.stake(v) }
    }

    /// The view this node is in, or is changing to.
    pub(super) fn target_view(&self) -> u64 {
        self.changing.map_or(self.view, |(t, _)| t)
    }

    pub(super) fn send(fx: &mut Vec<Effect>, to: Dest, msg: &Message) {
        fx.push(Effect::Send { to, kind: msg.kind(), bytes: msg.encode() });
    }

    /// R12: the repair rebroadcast's period.
    pub(super) fn rebroadcast_period(&self) -> Millis {
        (self.params.view_change_timeout_ms / 2).max(1)
    }

    pub(super) fn local_status(&self) -> Status {
        Status { committed: self.head.height, head: self.head.hash, view: self.view }
    }

    fn schedule(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        let mut next = self.rebroadcast_at.min(self.timer_at);
        if self.propose_at > now && self.changing.is_none() && self.me() == Some(self.vals.primary(self.view)) {
            next = next.min(self.propose_at);
        }
        if self.wake != Some(next) {
            self.wake = Some(next);
            fx.push(Effect::WakeAt(next));
        }
    }

    fn on_tick(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        if now >= self.timer_at {
            self.on_timer(now, fx);
        }
        if now >= self.rebroadcast_at {
            self.rebroadcast(fx);
            self.rebroadcast_at = now.saturating_add(self.rebroadcast_period());
        }
    }

    fn on_message(&mut self, now: Millis, from: PeerId, kind: MsgKind, bytes: &[u8], fx: &mut Vec<Effect>) {
        if kind == MsgKind::Tx {
            fx.extend(self.ledger.gossiped(now, from, bytes, &self.state));
            return;
        }
        let Some(msg) = decode_or_reject(from, kind, Message::decode(kind, bytes), fx) else { return };
        match msg {
            Message::PrePrepare { vote, block } => self.on_pre_prepare(now, from, vote, block, bytes, fx),
            Message::Vote(v) => self.on_vote(now, from, v, bytes, fx),
            Message::ViewChange(vc) => self.on_view_change(now, from, vc, bytes, fx),
            Message::NewView(nv) => self.on_new_view(now, Some(from), nv, bytes, fx),
            Message::Evidence(e) => self.on_evidence(Some(from), e, fx),
            Message::Status(s) => self.on_status(now, from, s, fx),
            Message::SyncRequest { from_seq } => self.on_sync_request(from, from_seq, fx),
            Message::SyncResponse(items) => self.on_sync_response(now, from, items, fx),
        }
    }
}

impl Engine for Pbft {
    fn name(&self) -> &'static str {
        "pbft"
    }

    fn restore(&mut self, records: Vec<Record>) -> Result<(), RestoreError> {
        self.restore_records(records)
    }

    fn handle(&mut self, now: Millis, input: Input) -> Vec<Effect> {
        let mut fx = Vec::new();
        self.ledger.tick(now);
        if let Input::Message { kind: MsgKind::Vote | MsgKind::Block, bytes, .. } = &input
            && self.seen.contains(&Hash32::digest(&[b"pbft-msg", bytes]))
        {
            // R17: a copy of a message already handled (most relays are).
            return fx;
        }
        match input {
            Input::Start => {
                report_slashed(&self.slashed, &mut self.reported_slashed, &mut fx);
                if !self.started {
                    self.started = true;
                    self.resume(now, &mut fx);
                }
                self.on_tick(now, &mut fx);
            }
            Input::Tick => self.on_tick(now, &mut fx),
            Input::Message { from, kind, bytes } => self.on_message(now, from, kind, &bytes, &mut fx),
            Input::PeerUp(p) => {
                let st = self.local_status();
                Self::send(&mut fx, Dest::Peer(p), &Message::Status(st));
            }
            Input::PeerDown(p) => {
                self.peer_committed.remove(&p);
            }
            Input::SetBehaviour(b) => self.behaviour = b,
            Input::SetHashrate { .. } => {}
            Input::SetCensorship(c) => self.ledger.censor = c,
        }
        self.progress(now, &mut fx);
        self.schedule(now, &mut fx);
        fx
    }

    fn status(&self, _now: Millis) -> EngineStatus {
        let validators = validator_rows(self.vals.len(), |v| self.vals.stake(v), &self.slashed, &self.last_commit);
        let fin = CheckpointRef { epoch: self.head.height, block: self.head };
        EngineStatus {
            slot: self.head.height.saturating_add(1),
            epoch: self.view,
            head: self.head,
            justified: fin,
            finalized: fin,
            validators,
            behaviour: self.behaviour,
            detail: super::describe::detail(&self.view(), self.head),
            txs: self.ledger.counters,
        }
    }

    fn recent_blocks(&self, limit: usize) -> Vec<BlockInfo> {
        self.chain.latest(limit).map(|c| self.block_info(c)).collect()
    }

    fn submit_tx(&mut self, now: Millis, bytes: &[u8]) -> (Result<TxId, TxError>, Vec<Effect>) {
        self.ledger.submit(now, bytes, &self.state)
    }

    fn tx_status(&self, id: &TxId) -> TxStatus {
        // R7: committed is final.
        self.ledger.status(id, self.head.height, |h| self.committed_at(h))
    }

    fn account(&self, index: u32) -> Option<AccountView> {
        self.ledger.account(index, &self.state, &self.state)
    }
}
