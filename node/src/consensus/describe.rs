//! How an engine presents itself to whoever watches it: the words, marks and
//! table columns of the dashboard, and the live cells that fill them. The
//! dashboard draws from this and never names an engine.
//!
//! Rules:
//! - A `Description` is constant for an engine (`<engine>::describe::
//!   DESCRIPTION`, found by name with `consensus::description`); what changes while
//!   the engine runs travels as `Detail` in each status: plain values
//!   (`Value`) with a tone, never pre-formatted text, so an observer lays
//!   them out to its own width and colours.
//! - Columns name their source. `Source::Cell(i)` is the i-th of the node's
//!   own `Detail::cells` (in the nodes table), `Source::Own(i)` the same cell
//!   of the node that signs for the validator (in the validators table),
//!   `Source::Seen(i)` the i-th cell of the validator's row in the selected
//!   node's `Detail::validators` (what that node saw the validator do). The
//!   other sources are what any observer derives from the common status and
//!   event stream (head, finality, lag, peers, reorgs, stake, attestations
//!   seen, blocks seen by proposer): no engine logic runs outside the engine.
//! - Words are the engine's own: the time axis (`slot`, `height`, `view`,
//!   `round`) with its one-letter prefix, what finality is called and
//!   whether it is probabilistic, whether `justified` means anything.

use crate::chain::Hash32;

/// What a block's `slot` counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Axis {
    /// `slot`, `height`, `sequence`.
    pub word: &'static str,
    /// The letter before a number on the axis: `s12`, `h12`.
    pub letter: &'static str,
    /// Whether `slot` is wall-clock time (slots pass with or without blocks)
    /// rather than the block's height.
    pub clock: bool,
}

/// What finality is called and how it comes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finality {
    /// As a state: `finalized`, `committed`, `k deep`.
    pub word: &'static str,
    /// Before a height in the header and the log: `k-deep h12`.
    pub label: &'static str,
    /// As what is missing while it stalls: `no finalized epoch`.
    pub missing: &'static str,
    /// Finality comes as confirmations pile up (pow), never as a certificate.
    pub probabilistic: bool,
    /// Finality is by epoch checkpoint (gasper): the finalized checkpoint's
    /// epoch is shown beside its block.
    pub by_epoch: bool,
    /// What `justified` is called when it means something (a block one
    /// step from finality: gasper's justified checkpoint, hotstuff's
    /// certified block); `None` when it is the finalized block itself.
    pub justified: Option<&'static str>,
}

/// What the lag pane plots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LagChart {
    /// Head minus finalized, per node, on the time axis.
    FinalityLag,
    /// Time since each node's last commit (BFT: finality is every block).
    SinceCommit,
}

/// Where the cluster stands, in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Headline {
    /// Time axis, epoch and a bar of the epoch's slots (gasper).
    SlotEpoch,
    /// The highest `Detail::at` any node reports (`height 12 round 1`),
    /// else the highest head.
    Position,
    /// The height being built (head + 1).
    Height,
}

/// What follows finality in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trailer {
    /// Finality lag on the time axis.
    Lag,
    /// Rounds that failed (`Event::RoundFailed`), all nodes together.
    FailedRounds,
    /// The deepest reorg any node went through.
    DeepestReorg,
}

/// The fork-tree pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreePane {
    /// `fork tree`, `committed chain`, `block tree`.
    pub title: &'static str,
    pub legend: &'static str,
    /// Failed rounds are marked under their height (`✗r1`).
    pub failed_rounds: bool,
    /// How the selected block's details name its signer and its votes.
    pub proposer_word: &'static str,
    /// `attestation` (the block includes N), `precommit` (its commit has N),
    /// or `None` when blocks carry no votes.
    pub votes_word: Option<&'static str>,
    /// The block's own votes are its commit certificate (`commit N
    /// precommits`) rather than votes it includes for earlier blocks.
    pub votes_are_commit: bool,
    /// Show how many blocks are on top of a live block (`confirms`).
    pub confirmations: bool,
    /// What a double proposal is in the details: `two blocks by one
    /// proposer in one slot`.
    pub equivocation: &'static str,
}

/// Where a column's cells come from (see the module rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Cell(u8),
    Own(u8),
    Seen(u8),
    /// Nodes: head as `s12 h10 hash` on a clock axis, `h10 hash` otherwise.
    Head,
    /// Nodes: the justified checkpoint's epoch.
    Justified,
    /// Nodes: the finalized block (`e2 h8 hash` when finality is by epoch).
    Finalized,
    /// Nodes: head minus finalized on the time axis.
    Lag,
    Peers,
    /// Nodes: transfers in the mempool.
    Pool,
    /// Nodes: reorgs as `count/deepest`.
    Reorgs,
    /// Nodes: reorgs as `count last/deepest`.
    ReorgsLast,
    Faults,
    /// Validators: the first hex digits of the key.
    Key,
    Stake,
    /// Validators: stake in percent of the total.
    Share,
    /// Validators: active, offline, byzantine or slashed.
    Status,
    /// Validators: attestations seen in the last epochs' slots.
    Participation,
    /// Validators: the time-axis position of its latest vote any node saw.
    LastVote,
    /// Validators: distinct blocks seen with it as proposer.
    Proposed,
}

/// One column: header, the narrowest it may be shortened to, and how soon
/// it gives up its space (higher first); a kept column is never hidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub header: &'static str,
    pub min: u16,
    pub priority: u8,
    pub kept: bool,
    pub source: Source,
}

impl Column {
    pub const fn new(header: &'static str, min: u16, priority: u8, source: Source) -> Column {
        Column { header, min, priority, kept: false, source }
    }
    pub const fn kept(header: &'static str, min: u16, priority: u8, source: Source) -> Column {
        Column { header, min, priority, kept: true, source }
    }
}

/// The validators pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidatorsPane {
    /// The first column's header and the word in titles: `val`, `miner`.
    pub word: &'static str,
    /// The title when no per-node view (`Detail::seen`) is shown.
    pub title: &'static str,
    /// The columns after index and status-lead (`val`, `key`, ...), in order.
    pub columns: &'static [Column],
}

/// Everything an observer needs to draw an engine it has never heard of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Description {
    pub engine: &'static str,
    pub axis: Axis,
    /// Gasper's epochs: the header shows the epoch and its progress.
    pub epochs: bool,
    /// Blocks are mined by hashrate: the `hashrate` and `selfish` faults
    /// mean something (the `m` and `e` keys offer them).
    pub mined: bool,
    pub finality: Finality,
    pub headline: Headline,
    pub trailer: Trailer,
    pub lag: LagChart,
    pub tree: TreePane,
    /// The nodes table's columns after the node and its state.
    pub node_columns: &'static [Column],
    pub validators: ValidatorsPane,
    /// Names of `Value::Word` values, by index.
    pub words: &'static [&'static str],
    /// Header facts after the headline: the text before each of
    /// `Detail::facts` (`k=`, `fork choice `), with how soon it is dropped
    /// from a narrow header (higher first).
    pub facts: &'static [(&'static str, u8)],
    /// A round (or view): `round`, and the letter before its number, `r`.
    pub round_word: &'static str,
    pub round_letter: &'static str,
    /// Finality has stalled after this long without it (then never less
    /// than a second): `slots` plus `half_epochs` half epochs.
    pub stall_slots: u64,
    pub stall_half_epochs: u64,
}

impl Description {
    /// The stall threshold in ms for a cluster's slot and epoch length.
    pub fn stall_ms(&self, slot_ms: u64, epoch_slots: u64) -> u64 {
        let slot = slot_ms.max(1);
        (slot * self.stall_slots + slot * epoch_slots.max(1) * self.stall_half_epochs / 2).max(1000)
    }
}

/// How a cell should read: plain, or drawn down (stale), as a warning, or as
/// something wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Plain,
    Dim,
    Warn,
    Bad,
}

/// One live value; the observer formats it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Value {
    /// Nothing (yet): `-`.
    #[default]
    Empty,
    Count(u64),
    /// A whole percentage: `25%`.
    Percent(u32),
    /// A large count in at most five characters: `12.3k`.
    Si(u128),
    /// A position on the time axis and a round there: `h12/r1`.
    Position {
        at: u64,
        round: u64,
    },
    /// A position on the time axis alone: `h12`.
    At(u64),
    /// Locked and valid rounds: `L0 V-`.
    Lock {
        locked: Option<u64>,
        valid: Option<u64>,
    },
    /// A vote: its round and what it is for (`None`: nil); `–` when absent
    /// is `Empty`.
    Vote {
        round: u64,
        value: Option<Hash32>,
    },
    /// A block `h12 abcd1234`.
    Block {
        height: u64,
        hash: Hash32,
    },
    /// A block and its confirmations over the depth that makes it final:
    /// `h12 3/6`.
    Confirmed {
        height: u64,
        have: u64,
        need: u64,
    },
    /// One of the engine's words, by index into `Description::words`: a
    /// step, a phase, a fork choice rule.
    Word(u8),
    /// A validator: `v2`.
    Validator(u32),
    /// A length of time: `800 ms`, `12 s`.
    Millis(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Cell {
    pub value: Value,
    pub tone: Tone,
}

impl Cell {
    pub fn plain(value: Value) -> Cell {
        Cell { value, tone: Tone::Plain }
    }
    pub fn toned(value: Value, tone: Tone) -> Cell {
        Cell { value, tone }
    }
}

/// Where the votes a node shows for the validators were cast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    pub at: u64,
    /// The round being voted in; `None` once `at` is settled (the votes
    /// are the last decided position's, shown while the next has none).
    pub round: Option<u64>,
}

/// The live part: what this node's engine shows in its columns.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Detail {
    /// The position this node is deciding and its round there (BFT).
    pub at: Option<(u64, u64)>,
    /// The node's own cells (`Source::Cell`, `Source::Own`).
    pub cells: Vec<Cell>,
    /// Values of `Description::facts`, in order.
    pub facts: Vec<Cell>,
    /// Per validator, in index order, what this node saw it do
    /// (`Source::Seen`); empty when the engine shows nothing per validator.
    pub validators: Vec<Vec<Cell>>,
    /// Where `validators` were seen.
    pub seen: Option<Seen>,
}

const UNKNOWN_NODE_COLUMNS: [Column; 7] = [
    Column::kept("head", 14, 1, Source::Head),
    Column::new("finalized", 10, 4, Source::Finalized),
    Column::new("lag", 3, 3, Source::Lag),
    Column::new("peers", 5, 6, Source::Peers),
    Column::new("pool", 4, 8, Source::Pool),
    Column::new("reorgs", 6, 7, Source::Reorgs),
    Column::new("faults", 12, 2, Source::Faults),
];

const UNKNOWN_VALIDATOR_COLUMNS: [Column; 5] = [
    Column::new("key", 8, 5, Source::Key),
    Column::new("stake", 5, 6, Source::Stake),
    Column::kept("share", 5, 0, Source::Share),
    Column::kept("status", 6, 1, Source::Status),
    Column::new("prop", 4, 7, Source::Proposed),
];

/// For an engine name no registry entry has (a record from a newer build,
/// say): only what every engine reports, on a height axis.
pub const UNKNOWN: Description = Description {
    engine: "unknown",
    axis: Axis { word: "height", letter: "h", clock: false },
    epochs: false,
    mined: false,
    finality: Finality {
        word: "finalized",
        label: "finalized",
        missing: "nothing finalized",
        probabilistic: false,
        by_epoch: false,
        justified: None,
    },
    headline: Headline::Height,
    trailer: Trailer::Lag,
    lag: LagChart::FinalityLag,
    tree: TreePane {
        title: "block tree",
        legend: "█ finalized ■ block ◆ head □ orphaned ✖ equivocation",
        failed_rounds: false,
        proposer_word: "proposer",
        votes_word: None,
        votes_are_commit: false,
        confirmations: false,
        equivocation: "two blocks by one proposer at one height",
    },
    node_columns: &UNKNOWN_NODE_COLUMNS,
    validators: ValidatorsPane { word: "val", title: "validators", columns: &UNKNOWN_VALIDATOR_COLUMNS },
    words: &[],
    facts: &[],
    round_word: "round",
    round_letter: "r",
    stall_slots: 8,
    stall_half_epochs: 0,
};
