//! How tendermint shows itself (`describe`): heights with rounds, commits as
//! finality, the step and lock per node, each validator's latest prevote and
//! precommit as the node saw them.

use crate::consensus::describe::*;
use crate::consensus::{CastVote, TendermintDetail, TendermintStep};

const STEPS: [&str; 3] = ["propose", "prevote", "precommit"];

const NODE_COLUMNS: [Column; 7] = [
    Column::kept("h/r", 6, 0, Source::Cell(0)),
    Column::kept("step", 4, 1, Source::Cell(1)),
    Column::new("lock", 5, 5, Source::Cell(2)),
    Column::new("committed", 10, 4, Source::Cell(3)),
    Column::new("peers", 5, 6, Source::Peers),
    Column::new("pool", 4, 7, Source::Pool),
    Column::new("faults", 12, 2, Source::Faults),
];

const VALIDATOR_COLUMNS: [Column; 6] = [
    Column::new("key", 8, 4, Source::Key),
    Column::new("share", 5, 3, Source::Share),
    Column::kept("status", 6, 1, Source::Status),
    Column::kept("prevote", 7, 0, Source::Seen(0)),
    Column::kept("precommit", 7, 0, Source::Seen(1)),
    Column::new("last pc", 7, 5, Source::LastVote),
];

pub const DESCRIPTION: Description = Description {
    engine: "tendermint",
    axis: Axis { word: "height", letter: "h", clock: false },
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
        legend: "█ committed ◆ head ✗rN round N failed at that height ✖ equivocation",
        failed_rounds: true,
        proposer_word: "proposer",
        votes_word: Some("precommit"),
        votes_are_commit: true,
        confirmations: false,
        equivocation: "two blocks by one proposer in one height",
    },
    node_columns: &NODE_COLUMNS,
    validators: ValidatorsPane { word: "val", title: "validators · no round state yet", columns: &VALIDATOR_COLUMNS },
    words: &STEPS,
    facts: &[],
    round_word: "round",
    round_letter: "r",
    // A height every slot or so, and a failed round costs about one more.
    stall_slots: 5,
    stall_half_epochs: 0,
};

fn step(s: TendermintStep) -> u8 {
    match s {
        TendermintStep::Propose => 0,
        TendermintStep::Prevote => 1,
        TendermintStep::Precommit => 2,
    }
}

/// A vote of an earlier round than the one shown is stale (dimmed); a nil
/// vote is a warning.
fn vote(v: Option<CastVote>, round: u64) -> Cell {
    let Some(v) = v else { return Cell::toned(Value::Empty, Tone::Dim) };
    let tone = if v.round < round {
        Tone::Dim
    } else if v.value.is_none() {
        Tone::Warn
    } else {
        Tone::Plain
    };
    Cell::toned(Value::Vote { round: v.round, value: v.value }, tone)
}

/// The cells of `DESCRIPTION`'s columns, from the engine's round state and
/// its last committed block.
pub fn detail(d: &TendermintDetail, committed: crate::consensus::BlockRef) -> Detail {
    let settled = d.votes_height != d.height;
    // Votes of an earlier round are dimmed; for the last committed height
    // that is any round before the one that decided it.
    let round =
        if settled { d.votes.iter().filter_map(|v| v.precommit.map(|c| c.round)).max().unwrap_or(0) } else { d.round };
    Detail {
        at: Some((d.height, d.round)),
        cells: vec![
            Cell::toned(
                Value::Position { at: d.height, round: d.round },
                if d.round > 0 { Tone::Warn } else { Tone::Plain },
            ),
            Cell::plain(Value::Word(step(d.step))),
            Cell::plain(Value::Lock { locked: d.locked_round, valid: d.valid_round }),
            Cell::plain(Value::Block { height: committed.height, hash: committed.hash }),
        ],
        facts: vec![],
        validators: d.votes.iter().map(|v| vec![vote(v.prevote, round), vote(v.precommit, round)]).collect(),
        seen: Some(Seen { at: d.votes_height, round: (!settled).then_some(d.round) }),
    }
}
