//! `HotStuff`: the node's state and the `Engine` impl that routes inputs.
//! The work lives in `receive` (checking messages, forming certificates),
//! `pacemaker` (what certificates do: locks, commits, rounds), `act` (own
//! proposals, votes and timeouts under protection), `evidence`, `commit`,
//! `sync`, `persist` and `view`.

use super::params::HotStuffParams;
use super::protection::Protection;
use super::tree::BlockTree;
use super::types::{Evidence, QuorumCert, SignedProposal, Timeout, TimeoutCert, Vote, VoteData};
use super::wire::Message;
use crate::chain::sig_cache::SigCache;
use crate::chain::{ChainSpec, Hash32, SecretKey, Signature};
use crate::consensus::Identity;
use crate::consensus::common::inbound::decode_or_reject;
use crate::consensus::common::slashing::report_slashed;
use crate::consensus::common::status::validator_rows;
use crate::consensus::engine::*;
use crate::consensus::tendermint::validators::ValidatorSet;
use crate::ledger::{AccountView, ForkLedger, TxError, TxId, TxLayer, TxStatus};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Committed blocks kept in memory to serve sync (R13); older ones stay only in the store.
pub(super) const ARCHIVE_MAX: usize = 16_384;
/// Rounds behind the current one whose votes and proposals are still
/// compared for equivocation (R10) and counted (R13).
pub(super) const PAST_ROUNDS: u64 = 64;
/// Rounds ahead of the current one whose votes and timeouts are kept (R13).
pub(super) const FUTURE_ROUNDS: u64 = 64;
/// Message ids remembered for relay de-duplication (R13).
pub(super) const SEEN_MAX: usize = 8192;
/// Messages waiting for a missing block, in all (R11, R13).
pub(super) const WAITING_MAX: usize = 256;

/// The pacemaker's state for the current round (R7, R8).
#[derive(Clone, Debug, Default)]
pub(super) struct Pacemaker {
    pub round: u64,
    pub entered_at: Millis,
    /// Consecutive rounds left by a TC rather than a QC (R8's `k`).
    pub failed: u32,
    pub deadline: Millis,
    /// The local timeout of this round has fired (R7).
    pub timed_out: bool,
    /// When this node, the round's leader, proposes (R8).
    pub propose_at: Option<Millis>,
}

pub struct HotStuff {
    pub(super) params: HotStuffParams,
    pub(super) genesis: Hash32,
    pub(super) vals: ValidatorSet,
    pub(super) peers: Vec<PeerId>,
    pub(super) self_peer: PeerId,
    pub(super) key: Option<(u32, SecretKey)>,
    pub(super) behaviour: Behaviour,

    // The tree, certificates and the committed chain (R2-R6).
    pub(super) tree: BlockTree,
    pub(super) high_qc: QuorumCert,
    pub(super) high_tc: Option<TimeoutCert>,
    /// The committed chain, oldest first: (height, id), from genesis (R6).
    pub(super) committed: VecDeque<(u64, Hash32)>,
    pub(super) committed_set: BTreeSet<Hash32>,
    pub(super) committed_round: u64,
    /// The canonical head: the block of `high_qc` (R1).
    pub(super) head: BlockRef,
    /// Validators slashed by evidence committed on the chain (R10).
    pub(super) slashed: BTreeSet<u32>,
    pub(super) reported_slashed: BTreeSet<u32>,

    pub(super) pm: Pacemaker,
    pub(super) started: bool,
    pub(super) protection: Protection,
    pub(super) sigs: SigCache,

    // Votes and timeouts being counted (R4, R7).
    pub(super) votes: BTreeMap<VoteData, BTreeMap<u32, Signature>>,
    pub(super) timeouts: BTreeMap<u64, BTreeMap<u32, Timeout>>,
    /// The first vote and proposal seen per (round, validator), for R10.
    pub(super) first_votes: BTreeMap<(u64, u32), Vote>,
    pub(super) first_proposals: BTreeMap<(u64, u32), SignedProposal>,
    /// R10: valid evidence not yet committed, one per offender.
    pub(super) evidence: BTreeMap<u32, Evidence>,
    pub(super) seen_equivocations: BTreeSet<(u32, u64)>,
    /// Latest round each validator was seen voting in (status, view).
    pub(super) latest_vote: BTreeMap<u32, u64>,

    // The network (R11-R13).
    pub(super) seen: BTreeSet<Hash32>,
    pub(super) seen_order: VecDeque<Hash32>,
    /// Messages waiting for a block not known yet, by that block's id.
    pub(super) waiting: BTreeMap<Hash32, Vec<(PeerId, MsgKind, Vec<u8>)>>,
    /// QCs formed here or received for a block not known yet.
    pub(super) pending_qcs: BTreeMap<Hash32, QuorumCert>,
    pub(super) asked: BTreeMap<Hash32, Millis>,
    pub(super) sync_sent: BTreeMap<PeerId, Millis>,
    pub(super) wake: Option<Millis>,

    // Transactions (ledger): the state of every recent block of the tree.
    pub(super) ledger: ForkLedger,
}

/// The genesis block's id (R1).
pub fn genesis_hash(seed: &Hash32) -> Hash32 {
    Hash32::digest(&[b"devnet/v1/hotstuff/genesis", &seed.0])
}

impl HotStuff {
    pub fn new(spec: &ChainSpec, identity: Identity) -> Result<HotStuff, String> {
        let params = spec.params::<HotStuffParams>()?;
        let vals = ValidatorSet::from_spec(spec)?;
        identity.check_key("validator", |v| vals.key(v))?;
        let genesis = genesis_hash(&spec.genesis_seed());
        let ledger = ForkLedger::new(TxLayer::new(spec)?, genesis);
        let head = BlockRef { hash: genesis, slot: 0, height: 0 };
        Ok(HotStuff {
            params,
            genesis,
            vals,
            self_peer: identity.me,
            peers: identity.peers.into_iter().filter(|p| *p != identity.me).collect(),
            key: identity.validator,
            behaviour: Behaviour::Honest,
            tree: BlockTree::new(genesis),
            high_qc: QuorumCert::genesis(genesis),
            high_tc: None,
            committed: VecDeque::from([(0, genesis)]),
            committed_set: BTreeSet::from([genesis]),
            committed_round: 0,
            head,
            slashed: BTreeSet::new(),
            reported_slashed: BTreeSet::new(),
            pm: Pacemaker { round: 1, ..Pacemaker::default() },
            started: false,
            protection: Protection::default(),
            sigs: SigCache::default(),
            votes: BTreeMap::new(),
            timeouts: BTreeMap::new(),
            first_votes: BTreeMap::new(),
            first_proposals: BTreeMap::new(),
            evidence: BTreeMap::new(),
            seen_equivocations: BTreeSet::new(),
            latest_vote: BTreeMap::new(),
            seen: BTreeSet::new(),
            seen_order: VecDeque::new(),
            waiting: BTreeMap::new(),
            pending_qcs: BTreeMap::new(),
            asked: BTreeMap::new(),
            sync_sent: BTreeMap::new(),
            wake: None,
            ledger,
        })
    }

    pub fn round(&self) -> u64 {
        self.pm.round
    }
    pub fn high_qc(&self) -> &QuorumCert {
        &self.high_qc
    }
    pub fn protection(&self) -> &Protection {
        &self.protection
    }
    /// The last committed block.
    pub fn committed_head(&self) -> (u64, Hash32) {
        self.committed.back().copied().unwrap_or((0, self.genesis))
    }

    /// R3: the leader of `round`: smooth weighted round robin over the
    /// stakes (`tendermint::validators`, the same cycle), position `round`,
    /// skipping validators slashed on this node's chain.
    pub fn leader(&self, round: u64) -> Option<u32> {
        self.vals.proposer(0, round, &self.slashed)
    }

    /// R10: a validator's voting power where this node counts votes (0 once slashed).
    pub(super) fn weight(&self, v: u32) -> u64 {
        if self.slashed.contains(&v) { 0 } else { self.vals.stake(v) }
    }

    pub(super) fn send(fx: &mut Vec<Effect>, to: Dest, msg: &Message) {
        fx.push(Effect::Send { to, kind: msg.kind(), bytes: msg.encode() });
    }

    /// R12: the peer that holds validator `v` (devnet numbers node `i` as
    /// validator `i`); `None` when that is this node or no peer.
    pub(super) fn peer_of(&self, v: u32) -> Option<PeerId> {
        self.peers.iter().copied().find(|p| p.0 == v)
    }

    pub(super) fn me(&self) -> Option<u32> {
        self.key.as_ref().map(|(v, _)| *v)
    }

    /// R13: remember a message id; true if it is new. Not
    /// `common::inbound::remember`: the oldest id goes first, not all at once.
    pub(super) fn first_sight(&mut self, id: Hash32) -> bool {
        if !self.seen.insert(id) {
            return false;
        }
        self.seen_order.push_back(id);
        if self.seen_order.len() > SEEN_MAX
            && let Some(old) = self.seen_order.pop_front()
        {
            self.seen.remove(&old);
        }
        true
    }

    fn schedule(&mut self, fx: &mut Vec<Effect>) {
        let mut next = self.pm.deadline;
        if let Some(t) = self.pm.propose_at {
            next = next.min(t);
        }
        if self.wake != Some(next) {
            self.wake = Some(next);
            fx.push(Effect::WakeAt(next));
        }
    }

    fn on_tick(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        if self.pm.propose_at.is_some_and(|t| t <= now) {
            self.pm.propose_at = None;
            self.propose(now, fx);
        }
        if self.pm.deadline <= now {
            self.local_timeout(now, fx);
        }
    }

    fn on_message(&mut self, now: Millis, from: PeerId, kind: MsgKind, bytes: &[u8], fx: &mut Vec<Effect>) {
        if kind == MsgKind::Tx {
            fx.extend(self.ledger.gossiped(now, from, bytes));
            return;
        }
        let Some(msg) = decode_or_reject(from, kind, Message::decode(kind, bytes), fx) else { return };
        match msg {
            Message::Proposal(p) => self.on_proposal(now, from, p, bytes, fx),
            Message::Vote(v) => self.on_vote(now, from, v, bytes, fx),
            Message::Timeout(t, tc) => self.on_timeout(now, from, t, tc, bytes, fx),
            Message::Evidence(e) => self.on_evidence(Some(from), e, fx),
            Message::SyncInfo(s) => self.on_sync_info(now, from, s, fx),
            Message::BlockRequest(id) => self.on_block_request(from, id, fx),
            Message::Blocks(blocks) => self.on_blocks(now, from, blocks, fx),
        }
    }
}

impl Engine for HotStuff {
    fn name(&self) -> &'static str {
        "hotstuff"
    }

    fn restore(&mut self, records: Vec<Record>) -> Result<(), RestoreError> {
        self.restore_records(records)
    }

    fn handle(&mut self, now: Millis, input: Input) -> Vec<Effect> {
        let mut fx = Vec::new();
        self.ledger.layer.tick(now);
        match input {
            Input::Start => {
                self.started = true;
                report_slashed(&self.slashed, &mut self.reported_slashed, &mut fx);
                self.broadcast_sync_info(&mut fx);
                self.enter_round(now, self.pm.round, false, &mut fx);
                self.resend_own(&mut fx);
                self.on_tick(now, &mut fx);
            }
            Input::Tick => {
                if self.started {
                    self.on_tick(now, &mut fx);
                }
            }
            Input::Message { from, kind, bytes } => self.on_message(now, from, kind, &bytes, &mut fx),
            Input::PeerUp(p) => {
                let msg = Message::SyncInfo(self.sync_info());
                Self::send(&mut fx, Dest::Peer(p), &msg);
            }
            Input::PeerDown(p) => {
                self.sync_sent.remove(&p);
            }
            Input::SetBehaviour(b) => self.behaviour = b,
            Input::SetHashrate { .. } => {}
            Input::SetCensorship(c) => self.ledger.layer.censor = c,
        }
        if self.started {
            // R8: with no pacing a leader proposes within the input that
            // made its round; the bound keeps a lone validator from spinning.
            for _ in 0..4 {
                if self.pm.propose_at.is_none_or(|t| t > now) {
                    break;
                }
                self.pm.propose_at = None;
                self.propose(now, &mut fx);
            }
            self.schedule(&mut fx);
        }
        fx
    }

    fn status(&self, _now: Millis) -> EngineStatus {
        let validators = validator_rows(self.vals.len(), |v| self.vals.stake(v), &self.slashed, &self.latest_vote);
        let (height, hash) = self.committed_head();
        let fin = BlockRef { hash, slot: self.committed_round, height };
        EngineStatus {
            slot: self.pm.round,
            epoch: self.pm.round,
            head: self.head,
            justified: CheckpointRef { epoch: self.high_qc.round(), block: self.head },
            finalized: CheckpointRef { epoch: height, block: fin },
            validators,
            behaviour: self.behaviour,
            detail: super::describe::detail(&self.view(), fin),
            txs: self.ledger.layer.counters,
        }
    }

    fn recent_blocks(&self, limit: usize) -> Vec<BlockInfo> {
        let mut all: Vec<(&Hash32, &super::tree::Entry)> = self.tree.blocks.iter().collect();
        all.sort_by_key(|(id, e)| (e.block.height, e.block.round, **id));
        let skip = all.len().saturating_sub(limit);
        all.into_iter()
            .skip(skip)
            .map(|(id, e)| BlockInfo {
                block: BlockRef { hash: *id, slot: e.block.round, height: e.block.height },
                parent: e.block.parent,
                proposer: e.block.proposer,
                attestations: e.block.qc.sigs.len() as u32,
                txs: e.block.txs.len() as u32,
            })
            .collect()
    }

    fn submit_tx(&mut self, now: Millis, bytes: &[u8]) -> (Result<TxId, TxError>, Vec<Effect>) {
        self.ledger.submit(now, bytes)
    }

    fn tx_status(&self, id: &TxId) -> TxStatus {
        self.ledger.status(id)
    }

    fn account(&self, index: u32) -> Option<AccountView> {
        self.ledger.account(index, &self.tree)
    }
}
