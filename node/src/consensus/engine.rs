//! The contract between an engine and whatever drives it (the tokio runtime in
//! a real node, the simulator in tests).
//!
//! Rules every engine follows and every driver relies on:
//! - `handle(now, input)` is deterministic: same state, same `now`, same input
//!   => same effects. No IO, no clocks, no unseeded randomness.
//! - `now` is milliseconds since genesis on the node's own clock (skew included).
//! - Effects are carried out in order. A `Persist` is durable before any later
//!   `Send` of the same batch leaves the process: engines emit the
//!   slashing-protection record *before* the message carrying the signature.
//! - `WakeAt(t)` asks for an `Input::Tick` at or after `t`; the driver may tick
//!   more often, and engines must tolerate ticks at any time.
//! - Malformed or invalid input never panics: it becomes `Event::Rejected`.

use crate::chain::Hash32;
use crate::chain::spec::ForkChoiceRule;
use crate::ledger::{AccountView, TxCounters, TxError, TxId, TxStatus};
use thiserror::Error;

pub type Millis = u64;

/// A peer as the driver numbers them (index into the cluster's node list).
/// Not a validator index: in a Twins setup two peers hold one validator key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerId(pub u32);

/// Coarse message kinds. The fault shim filters by these, and the wire carries
/// them beside the engine's own bytes. Engines map their messages onto them
/// (tendermint: proposals are `Block`, prevotes/precommits are `Vote`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MsgKind {
    Block,
    Vote,
    Evidence,
    Status,
    SyncRequest,
    SyncResponse,
    /// A transfer gossiped from a mempool (`ledger`).
    Tx,
}

impl MsgKind {
    pub const ALL: [MsgKind; 7] = [
        MsgKind::Block,
        MsgKind::Vote,
        MsgKind::Evidence,
        MsgKind::Status,
        MsgKind::SyncRequest,
        MsgKind::SyncResponse,
        MsgKind::Tx,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            MsgKind::Block => "block",
            MsgKind::Vote => "vote",
            MsgKind::Evidence => "evidence",
            MsgKind::Status => "status",
            MsgKind::SyncRequest => "sync-request",
            MsgKind::SyncResponse => "sync-response",
            MsgKind::Tx => "tx",
        }
    }
    /// The wire's `MessageKind` number (7 is the probe's, never an engine's).
    pub fn code(self) -> u32 {
        match self {
            MsgKind::Tx => 8,
            k => k as u32 + 1,
        }
    }
    pub fn from_code(c: u32) -> Option<MsgKind> {
        MsgKind::ALL.into_iter().find(|k| k.code() == c)
    }
}

/// Where a message goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dest {
    All,
    Peer(PeerId),
    Peers(Vec<PeerId>),
}

/// How the local validator behaves. Only `Honest` respects slashing protection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Behaviour {
    #[default]
    Honest,
    /// Double-propose in its slots and double-vote, sending each conflicting
    /// message to a different half of the peers, bypassing slashing protection.
    Equivocate,
    /// Sign nothing.
    Silent,
    /// Propose (within slashing protection) but publish each own block only
    /// `slots` slots later; attest honestly meanwhile. (pow: mine a private
    /// chain and publish it only once it leads the public one by `slots` blocks.)
    Withhold { slots: u64 },
    /// pow: selfish mining (Eyal and Sirer): keep found blocks private and
    /// release them to win races against the public chain. Other engines
    /// treat it as `Honest`.
    Selfish,
}

impl Behaviour {
    pub fn label(self) -> String {
        match self {
            Behaviour::Honest => "honest".into(),
            Behaviour::Equivocate => "equivocate".into(),
            Behaviour::Silent => "silent".into(),
            Behaviour::Withhold { slots } => format!("withhold {slots}"),
            Behaviour::Selfish => "selfish".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Input {
    /// First input after `restore`; engines announce themselves and set timers.
    Start,
    /// A timer asked for with `WakeAt` (or any other wake-up).
    Tick,
    Message {
        from: PeerId,
        kind: MsgKind,
        bytes: Vec<u8>,
    },
    PeerUp(PeerId),
    PeerDown(PeerId),
    SetBehaviour(Behaviour),
    /// pow: this node's hashrate, in percent of the cluster's genesis total
    /// hashrate (the `devnet inject hashrate n3 60%` fault). Other engines ignore it.
    SetHashrate {
        percent: u32,
    },
    /// Leave these senders' transfers out of own blocks (`ledger::Censorship`).
    SetCensorship(crate::ledger::Censorship),
}

/// Tables of the node's store. Engines choose keys and values; the store only
/// keeps bytes, crash-safely.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    Blocks,
    ForkChoice,
    Protection,
    Evidence,
}

impl Table {
    pub const ALL: [Table; 4] = [Table::Blocks, Table::ForkChoice, Table::Protection, Table::Evidence];
    pub fn name(self) -> &'static str {
        match self {
            Table::Blocks => "blocks",
            Table::ForkChoice => "fork_choice",
            Table::Protection => "slashing_protection",
            Table::Evidence => "evidence",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub table: Table,
    pub key: Vec<u8>,
    pub value: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct BlockRef {
    pub hash: Hash32,
    pub slot: u64,
    pub height: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CheckpointRef {
    pub epoch: u64,
    pub block: BlockRef,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockInfo {
    pub block: BlockRef,
    pub parent: Hash32,
    pub proposer: u32,
    pub attestations: u32,
    /// Transfers the block carries.
    pub txs: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EquivocationKind {
    DoubleProposal,
    DoubleVote,
    SurroundVote,
}

impl EquivocationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EquivocationKind::DoubleProposal => "double-proposal",
            EquivocationKind::DoubleVote => "double-vote",
            EquivocationKind::SurroundVote => "surround-vote",
        }
    }
}

/// What an engine reports; the node streams these to observers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    BlockImported(BlockInfo),
    HeadChanged {
        head: BlockRef,
        previous: BlockRef,
        reorg_depth: u64,
    },
    Justified(CheckpointRef),
    Finalized(CheckpointRef),
    Attested {
        validator: u32,
        slot: u64,
        head: Hash32,
        source_epoch: u64,
        target_epoch: u64,
    },
    EquivocationSeen {
        validator: u32,
        kind: EquivocationKind,
        slot: u64,
    },
    Slashed {
        validator: u32,
    },
    /// tendermint: this node left `round` of `height` without committing
    /// (a timeout or a skip to a later round); the fork-tree pane marks it.
    RoundFailed {
        height: u64,
        round: u64,
    },
    /// Transfers that joined the canonical chain in `block` (`ledger` T6).
    TxsIncluded {
        block: BlockRef,
        ids: Vec<TxId>,
    },
    /// Transfers that became final with `block`.
    TxsFinal {
        block: BlockRef,
        ids: Vec<TxId>,
    },
    /// Transfers of `block` gone from this node's view when the block left
    /// the canonical chain: not on the new chain and no longer valid (a
    /// conflicting transfer took their nonce).
    TxsReverted {
        block: BlockRef,
        ids: Vec<TxId>,
    },
    /// pow `Withhold`: this attacker released a private chain that spends,
    /// to `elsewhere`, the coins of `paid` (to `payee`), which the public
    /// chain held `k` deep.
    DoubleSpend {
        paid: TxId,
        spent: TxId,
        from: u32,
        payee: u32,
        elsewhere: u32,
        amount: u64,
    },
    /// A message that failed to decode or validate; never a crash.
    Rejected {
        from: Option<PeerId>,
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum Effect {
    Send {
        to: Dest,
        kind: MsgKind,
        bytes: Vec<u8>,
    },
    /// Gossip forwarded for others (a message first seen here): like `Send`,
    /// but the host may hold it briefly so it travels with this node's next
    /// message to that peer instead of on its own. Engines must not depend on
    /// when it arrives, any more than on a `Send` (the network may delay
    /// either); what is held is never lost to the hold.
    Relay {
        to: Dest,
        kind: MsgKind,
        bytes: Vec<u8>,
    },
    Persist(Record),
    WakeAt(Millis),
    Report(Event),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorStatus {
    pub index: u32,
    pub stake: u64,
    pub slashed: bool,
    /// Slot of the latest attestation this node has seen from it.
    pub last_attested_slot: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineStatus {
    pub slot: u64,
    pub epoch: u64,
    pub head: BlockRef,
    pub justified: CheckpointRef,
    pub finalized: CheckpointRef,
    pub validators: Vec<ValidatorStatus>,
    pub behaviour: Behaviour,
    /// What the engine shows in its own columns (`describe`).
    pub detail: crate::consensus::describe::Detail,
    /// Transactions through this node.
    pub txs: TxCounters,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TendermintStep {
    Propose,
    Prevote,
    Precommit,
}

impl TendermintStep {
    pub fn as_str(self) -> &'static str {
        match self {
            TendermintStep::Propose => "propose",
            TendermintStep::Prevote => "prevote",
            TendermintStep::Precommit => "precommit",
        }
    }
}

/// One signed vote as the dashboard shows it: its round and value (`None` = nil).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CastVote {
    pub round: u64,
    pub value: Option<Hash32>,
}

/// A validator's latest prevote and precommit seen at the current height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidatorVotes {
    pub validator: u32,
    pub prevote: Option<CastVote>,
    pub precommit: Option<CastVote>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TendermintDetail {
    /// The height being decided (last committed + 1).
    pub height: u64,
    pub round: u64,
    pub step: TendermintStep,
    pub locked_round: Option<u64>,
    pub valid_round: Option<u64>,
    /// One entry per validator, in index order.
    pub votes: Vec<ValidatorVotes>,
    /// The height `votes` are from: `height` once any vote for it is seen;
    /// until then the last committed height's (so the dashboard has votes
    /// to show during the commit pause, when the new height has none).
    pub votes_height: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PowDetail {
    /// Expected hashes per block at the tip (virtual; see the pow module doc).
    pub difficulty: u64,
    /// This node's hashrate in percent of the genesis total.
    pub hashrate_percent: u32,
    pub k: u64,
    pub fork_choice: ForkChoiceRule,
    /// Total work of the best chain.
    pub chain_work: u128,
    /// Blocks mined and not yet published (selfish / withhold).
    pub private_blocks: u64,
}

#[derive(Debug, Error)]
pub enum RestoreError {
    #[error("stored {table} record is corrupt: {detail}")]
    Corrupt { table: &'static str, detail: String },
}

/// A consensus engine. Object-safe so the runtime holds `Box<dyn Engine>`.
pub trait Engine: Send {
    /// The registry's name; `consensus::description(name)` is how it shows itself.
    fn name(&self) -> &'static str;
    /// Load persisted records (any order) before `Input::Start`.
    fn restore(&mut self, records: Vec<Record>) -> Result<(), RestoreError>;
    fn handle(&mut self, now: Millis, input: Input) -> Vec<Effect>;
    fn status(&self, now: Millis) -> EngineStatus;
    /// The most recent `limit` known blocks, oldest first (for observers that join late).
    fn recent_blocks(&self, limit: usize) -> Vec<BlockInfo>;
    /// A client's transfer (canonical bytes, `ledger` T2): admitted to the
    /// mempool and gossiped, or refused with the reason.
    fn submit_tx(&mut self, now: Millis, bytes: &[u8]) -> (Result<TxId, TxError>, Vec<Effect>);
    fn tx_status(&self, id: &TxId) -> TxStatus;
    fn account(&self, index: u32) -> Option<AccountView>;
}
