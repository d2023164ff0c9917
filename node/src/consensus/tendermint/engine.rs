//! `Tendermint`: the node's state and the `Engine` impl that routes inputs.
//! The work lives in `algorithm` (the paper's Algorithm 1), `receive`
//! (checking messages), `sign` (own messages under protection), `commit`,
//! `sync` and `persist`.

use super::protection::Protection;
use super::types::{Block, Commit, Evidence, Proposal, VoteType};
use super::validators::{SigChecker, ValidatorSet};
use super::votes::HeightVotes;
use super::wire::Message;
use crate::chain::spec::TendermintParams;
use crate::chain::{ChainSpec, Hash32, SecretKey};
use crate::consensus::Identity;
use crate::consensus::common::archive::{Archive, Numbered};
use crate::consensus::common::inbound::decode_or_reject;
use crate::consensus::common::slashing::report_slashed;
use crate::consensus::common::status::validator_rows;
use crate::consensus::engine::*;
use crate::ledger::{AccountView, State, TxError, TxId, TxLayer, TxStatus};
use std::collections::{BTreeMap, BTreeSet};

/// Committed blocks kept in memory to serve sync (R14); older ones stay only in the store.
pub(super) const ARCHIVE_MAX: usize = 16_384;
/// Messages kept for heights not reached yet (R14).
pub(super) const FUTURE_MAX: usize = 1024;
/// How many heights ahead a message may be and still be kept.
pub(super) const FUTURE_HEIGHTS: u64 = 2;
/// Message ids remembered for relay de-duplication (R14).
pub(super) const SEEN_MAX: usize = 8192;
/// Surplus prevotes held unchecked at most (R16).
pub(super) const SURPLUS_MAX: usize = 64;

/// Timers of Algorithm 1 (L57, L61, L65).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Timeout {
    Propose,
    Prevote,
    Precommit,
}

/// "For the first time" markers of L34, L36 and L47, per round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Once {
    L34,
    L36,
    L47,
}

pub(super) struct Committed {
    pub block: Block,
    pub hash: Hash32,
    pub commit: Commit,
}

impl Numbered for Committed {
    fn number(&self) -> u64 {
        self.block.height
    }
}

pub struct Tendermint {
    pub(super) params: TendermintParams,
    pub(super) genesis: Hash32,
    pub(super) vals: ValidatorSet,
    pub(super) peers: Vec<PeerId>,
    pub(super) key: Option<(u32, SecretKey)>,
    pub(super) behaviour: Behaviour,

    // The committed chain (R8).
    pub(super) chain: Archive<Committed>,
    pub(super) head: BlockRef,
    /// Validators slashed by evidence committed on the chain (R11).
    pub(super) slashed: BTreeSet<u32>,
    pub(super) reported_slashed: BTreeSet<u32>,

    // The height being decided (R1, R5-R7).
    pub(super) height: u64,
    pub(super) round: u64,
    pub(super) step: TendermintStep,
    /// False during the commit pause (R9) and before `Start`.
    pub(super) started: bool,
    pub(super) start_at: Option<Millis>,
    pub(super) locked: Option<(u64, Block)>,
    pub(super) valid: Option<(u64, Block)>,
    /// The prevotes behind `valid` (sent with a re-proposal, R4).
    pub(super) pol: Vec<super::types::Vote>,
    /// The first proposal seen from the proposer of each round.
    pub(super) proposals: BTreeMap<u64, Proposal>,
    /// R4: ids of this height's proposed blocks that are valid.
    pub(super) valid_ids: BTreeSet<Hash32>,
    pub(super) votes: HeightVotes,
    /// The last committed height's votes and proposals, kept to catch an
    /// equivocation whose second half arrives late (R10).
    pub(super) prev_votes: HeightVotes,
    pub(super) prev_proposals: BTreeMap<u64, Proposal>,
    /// Surplus prevotes held unchecked, and when they are checked (R16).
    pub(super) surplus: Vec<(PeerId, super::types::Vote, Vec<u8>)>,
    pub(super) surplus_at: Option<Millis>,
    pub(super) fired: BTreeSet<(u64, Once)>,
    pub(super) timeouts: BTreeSet<(Millis, Timeout, u64)>,

    // Own messages, evidence, and the network (R10, R12-R14).
    pub(super) protection: Protection,
    pub(super) sigs: SigChecker,
    /// R10: valid evidence not yet committed, one per offender.
    pub(super) evidence: BTreeMap<u32, Evidence>,
    pub(super) seen_equivocations: BTreeSet<(u32, u64, u64)>,
    /// Own messages of the last rounds of this height, by round, sent again on each rebroadcast (R13).
    pub(super) own: Vec<(u64, Message)>,
    pub(super) seen: BTreeSet<Hash32>,
    pub(super) future: BTreeMap<(u64, Hash32), (PeerId, MsgKind, Vec<u8>)>,
    pub(super) peer_committed: BTreeMap<PeerId, u64>,
    pub(super) sync_asked: BTreeMap<PeerId, Millis>,
    pub(super) rebroadcast_at: Millis,
    /// Height of the latest precommit seen per validator (status).
    pub(super) last_precommit: BTreeMap<u32, u64>,
    /// The votes of the last committed height, for the dashboard (status only).
    pub(super) last_votes: (u64, Vec<ValidatorVotes>),
    pub(super) wake: Option<Millis>,

    // Transactions (ledger): the mempool and index, the committed state, and
    // the states that this height's valid proposals would give.
    pub(super) ledger: TxLayer,
    pub(super) state: State,
    pub(super) proposed_states: BTreeMap<Hash32, State>,
}

/// The genesis block's id (R1).
pub fn genesis_hash(seed: &Hash32) -> Hash32 {
    Hash32::digest(&[b"devnet/v1/tendermint/genesis", &seed.0])
}

impl Tendermint {
    pub fn new(spec: &ChainSpec, identity: Identity) -> Result<Tendermint, String> {
        let params = spec.params::<TendermintParams>()?;
        let vals = ValidatorSet::from_spec(spec)?;
        identity.check_key("validator", |v| vals.key(v))?;
        let genesis = genesis_hash(&spec.genesis_seed());
        let ledger = TxLayer::new(spec)?;
        Ok(Tendermint {
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
            height: 1,
            round: 0,
            step: TendermintStep::Propose,
            started: false,
            start_at: None,
            locked: None,
            valid: None,
            pol: Vec::new(),
            proposals: BTreeMap::new(),
            valid_ids: BTreeSet::new(),
            votes: HeightVotes::default(),
            prev_votes: HeightVotes::default(),
            prev_proposals: BTreeMap::new(),
            surplus: Vec::new(),
            surplus_at: None,
            fired: BTreeSet::new(),
            timeouts: BTreeSet::new(),
            protection: Protection::default(),
            sigs: SigChecker::default(),
            evidence: BTreeMap::new(),
            seen_equivocations: BTreeSet::new(),
            own: Vec::new(),
            seen: BTreeSet::new(),
            future: BTreeMap::new(),
            peer_committed: BTreeMap::new(),
            sync_asked: BTreeMap::new(),
            rebroadcast_at: 0,
            last_precommit: BTreeMap::new(),
            last_votes: (0, Vec::new()),
            wake: None,
            state: ledger.genesis(),
            ledger,
            proposed_states: BTreeMap::new(),
        })
    }

    /// The last committed block (the genesis block before the first commit).
    pub fn head(&self) -> BlockRef {
        self.head
    }
    pub fn height(&self) -> u64 {
        self.height
    }
    pub fn round(&self) -> u64 {
        self.round
    }
    pub fn protection(&self) -> &Protection {
        &self.protection
    }
    /// The committed block at `height`, if still in memory.
    pub fn committed_at(&self, height: u64) -> Option<Hash32> {
        if height == 0 {
            return Some(self.genesis);
        }
        self.chain.get(height).map(|c| c.hash)
    }

    /// R6: a validator's voting power on this chain (0 once slashed).
    pub(super) fn weight(&self, v: u32) -> u64 {
        if self.slashed.contains(&v) { 0 } else { self.vals.stake(v) }
    }

    pub(super) fn send(fx: &mut Vec<Effect>, to: Dest, msg: &Message) {
        fx.push(Effect::Send { to, kind: msg.kind(), bytes: msg.encode() });
    }

    /// R9: the timeout of `kind` at `round` grows linearly with the round.
    pub(super) fn timeout_ms(&self, kind: Timeout, round: u64) -> u64 {
        let base = match kind {
            Timeout::Propose => self.params.timeout_propose_ms,
            Timeout::Prevote => self.params.timeout_prevote_ms,
            Timeout::Precommit => self.params.timeout_precommit_ms,
        };
        base.saturating_add(self.params.timeout_delta_ms.saturating_mul(round))
    }

    fn schedule(&mut self, fx: &mut Vec<Effect>) {
        let mut next = self.rebroadcast_at;
        if let Some(t) = self.start_at {
            next = next.min(t);
        }
        if let Some((t, _, _)) = self.timeouts.first() {
            next = next.min(*t);
        }
        if let Some(t) = self.surplus_at {
            next = next.min(t);
        }
        if self.wake != Some(next) {
            self.wake = Some(next);
            fx.push(Effect::WakeAt(next));
        }
    }

    /// R16: how long a surplus prevote waits before it is checked.
    pub(super) fn surplus_delay(&self) -> Millis {
        (self.params.timeout_prevote_ms / 2).clamp(1, 20)
    }

    /// R13: how long a height may go without a commit before the node sends its messages again.
    pub(super) fn rebroadcast_period(&self) -> Millis {
        self.params.timeout_propose_ms.saturating_add(self.params.timeout_prevote_ms)
    }

    /// R9: starts the height once its commit pause is over; true if it did.
    fn start_if_due(&mut self, now: Millis, fx: &mut Vec<Effect>) -> bool {
        if self.start_at.is_none_or(|t| t > now) {
            return false;
        }
        self.start_at = None;
        self.started = true;
        self.start_round(now, self.round, fx);
        true
    }

    fn on_tick(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        self.start_if_due(now, fx);
        if self.surplus_at.is_some_and(|t| t <= now) {
            self.release_surplus(fx);
        }
        while let Some(&(at, kind, round)) = self.timeouts.first() {
            if at > now {
                break;
            }
            self.timeouts.pop_first();
            self.on_timeout(now, kind, round, fx);
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
            Message::Proposal(p) => self.on_proposal(now, from, p, bytes, fx),
            Message::Vote(v) => self.on_vote(now, from, v, bytes, fx),
            Message::Evidence(e) => self.on_evidence(Some(from), e, fx),
            Message::Status(s) => self.on_status(now, from, s, fx),
            Message::SyncRequest { from_height } => self.on_sync_request(from, from_height, fx),
            Message::SyncResponse(items) => self.on_sync_response(now, from, items, fx),
        }
    }

    /// Each validator's latest prevote and precommit at the current height.
    pub(super) fn vote_rows(&self) -> Vec<ValidatorVotes> {
        let cast = |v: Option<&super::types::Vote>| v.map(|v| CastVote { round: v.data.round, value: v.data.value });
        (0..self.vals.len() as u32)
            .map(|v| ValidatorVotes {
                validator: v,
                prevote: cast(self.votes.latest(v, VoteType::Prevote)),
                precommit: cast(self.votes.latest(v, VoteType::Precommit)),
            })
            .collect()
    }

    pub(super) fn detail(&self) -> TendermintDetail {
        let mut votes = self.vote_rows();
        let mut votes_height = self.height;
        let none_yet = votes.iter().all(|v| v.prevote.is_none() && v.precommit.is_none());
        if none_yet && self.last_votes.0 > 0 {
            (votes_height, votes) = self.last_votes.clone();
        }
        TendermintDetail {
            height: self.height,
            round: self.round,
            step: self.step,
            locked_round: self.locked.as_ref().map(|(r, _)| *r),
            valid_round: self.valid.as_ref().map(|(r, _)| *r),
            votes,
            votes_height,
        }
    }
}

impl Engine for Tendermint {
    fn name(&self) -> &'static str {
        "tendermint"
    }

    fn restore(&mut self, records: Vec<Record>) -> Result<(), RestoreError> {
        self.restore_records(records)
    }

    fn handle(&mut self, now: Millis, input: Input) -> Vec<Effect> {
        let mut fx = Vec::new();
        self.ledger.tick(now);
        if let Input::Message { kind: MsgKind::Vote | MsgKind::Block, bytes, .. } = &input
            && self.seen.contains(&Hash32::digest(&[b"tm-msg", bytes]))
        {
            // R13: a copy of a proposal or vote already handled at this height
            // (most relays are): nothing about it can have changed.
            return fx;
        }
        match input {
            Input::Start => {
                report_slashed(&self.slashed, &mut self.reported_slashed, &mut fx);
                self.broadcast_status(&mut fx);
                if !self.started && self.start_at.is_none() {
                    self.started = true;
                    self.start_round(now, self.round, &mut fx); // L10
                    self.resume_signed(&mut fx);
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
        // A decision with no commit pause starts the next height now (R9);
        // messages kept for it may decide that one too, hence the loop, which
        // the bound keeps from ever spinning.
        for _ in 0..FUTURE_HEIGHTS + 2 {
            if !self.start_if_due(now, &mut fx) {
                break;
            }
            self.progress(now, &mut fx);
        }
        self.schedule(&mut fx);
        fx
    }

    fn status(&self, _now: Millis) -> EngineStatus {
        let validators = validator_rows(self.vals.len(), |v| self.vals.stake(v), &self.slashed, &self.last_precommit);
        let fin = CheckpointRef { epoch: self.head.height, block: self.head };
        EngineStatus {
            slot: self.height,
            epoch: self.round,
            head: self.head,
            justified: fin,
            finalized: fin,
            validators,
            behaviour: self.behaviour,
            detail: super::describe::detail(&self.detail(), self.head),
            txs: self.ledger.counters,
        }
    }

    fn recent_blocks(&self, limit: usize) -> Vec<BlockInfo> {
        self.chain
            .latest(limit)
            .map(|c| BlockInfo {
                block: BlockRef { hash: c.hash, slot: c.block.height, height: c.block.height },
                parent: c.block.parent,
                proposer: c.block.proposer,
                attestations: c.commit.precommits.len() as u32,
                txs: c.block.txs.len() as u32,
            })
            .collect()
    }

    fn submit_tx(&mut self, now: Millis, bytes: &[u8]) -> (Result<TxId, TxError>, Vec<Effect>) {
        self.ledger.submit(now, bytes, &self.state)
    }

    fn tx_status(&self, id: &TxId) -> TxStatus {
        // R1: committed is final.
        self.ledger.status(id, self.head.height, |h| self.committed_at(h))
    }

    fn account(&self, index: u32) -> Option<AccountView> {
        self.ledger.account(index, &self.state, &self.state)
    }
}
