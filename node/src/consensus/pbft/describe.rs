//! How pbft shows itself (`describe`): sequence numbers (`#12`) with views,
//! committed blocks as finality, per node its view, phase, view change in
//! progress and why, timer and stable checkpoint, and the PREPAREs and
//! COMMITs of the current sequence number as the node saw them.

use super::engine::ViewChangeReason;
use super::view::{PbftView, SeqPhase};
use crate::consensus::BlockRef;
use crate::consensus::describe::*;

/// Phases, by `Value::Word` index.
const WORDS: [&str; 5] = ["waiting", "pre-prepared", "prepared", "view change (timer)", "view change (joined)"];

const NODE_COLUMNS: [Column; 9] = [
    Column::kept("#/view", 6, 0, Source::Cell(0)),
    Column::kept("phase", 5, 1, Source::Cell(1)),
    Column::new("vc msgs", 7, 6, Source::Cell(2)),
    Column::new("timer", 5, 7, Source::Cell(3)),
    Column::new("checkpoint", 10, 5, Source::Cell(4)),
    Column::new("committed", 10, 4, Source::Cell(5)),
    Column::new("peers", 5, 8, Source::Peers),
    Column::new("pool", 4, 9, Source::Pool),
    Column::new("faults", 12, 2, Source::Faults),
];

const VALIDATOR_COLUMNS: [Column; 6] = [
    Column::new("key", 8, 4, Source::Key),
    Column::new("share", 5, 3, Source::Share),
    Column::kept("status", 6, 1, Source::Status),
    Column::kept("prepare", 7, 0, Source::Seen(0)),
    Column::kept("commit", 7, 0, Source::Seen(1)),
    Column::new("primary", 7, 5, Source::Proposed),
];

pub const DESCRIPTION: Description = Description {
    engine: "pbft",
    axis: Axis { word: "sequence", letter: "#", clock: false },
    epochs: false,
    mined: false,
    finality: Finality {
        word: "committed",
        label: "committed",
        missing: "no commit",
        probabilistic: false,
        by_epoch: false,
        justified: None,
    },
    headline: Headline::Position,
    trailer: Trailer::FailedRounds,
    lag: LagChart::SinceCommit,
    tree: TreePane {
        title: "committed chain",
        legend: "█ committed ◆ head ✗vN view N failed at that sequence number ✖ equivocation",
        failed_rounds: true,
        proposer_word: "primary",
        votes_word: Some("commit"),
        votes_are_commit: true,
        confirmations: false,
        equivocation: "two blocks by one primary at one sequence number",
    },
    node_columns: &NODE_COLUMNS,
    validators: ValidatorsPane {
        word: "val",
        title: "validators · no sequence state yet",
        columns: &VALIDATOR_COLUMNS,
    },
    words: &WORDS,
    facts: &[],
    round_word: "view",
    round_letter: "v",
    // A sequence number per slot or so; a view change costs its timer.
    stall_slots: 8,
    stall_half_epochs: 0,
};

fn phase(v: &PbftView) -> u8 {
    match (v.view_change, v.phase) {
        (Some(c), _) if c.reason == ViewChangeReason::Timer => 3,
        (Some(_), _) => 4,
        (None, SeqPhase::Waiting) => 0,
        (None, SeqPhase::PrePrepared) => 1,
        (None, SeqPhase::Prepared) => 2,
    }
}

/// The cells of `DESCRIPTION`'s columns from the engine's view.
pub fn detail(v: &PbftView, committed: BlockRef) -> Detail {
    let changing = v.view_change.is_some();
    let vote = |d: Option<crate::chain::Hash32>| match d {
        Some(d) => Cell::plain(Value::Vote { round: v.view, value: Some(d) }),
        None => Cell::toned(Value::Empty, Tone::Dim),
    };
    Detail {
        at: Some((v.seq, v.view)),
        cells: vec![
            Cell::toned(Value::Position { at: v.seq, round: v.view }, if changing { Tone::Warn } else { Tone::Plain }),
            Cell::toned(Value::Word(phase(v)), if changing { Tone::Warn } else { Tone::Plain }),
            match v.view_change {
                Some(c) => Cell::toned(Value::Count(c.messages as u64), Tone::Warn),
                None => Cell::plain(Value::Empty),
            },
            Cell::plain(Value::Millis(v.view_change_timeout_ms)),
            Cell::plain(Value::At(v.stable_checkpoint)),
            Cell::plain(Value::Block { height: committed.height, hash: committed.hash }),
        ],
        facts: vec![],
        validators: v.votes.iter().map(|s| vec![vote(s.prepare), vote(s.commit)]).collect(),
        seen: Some(Seen { at: v.seq, round: Some(v.view) }),
    }
}
