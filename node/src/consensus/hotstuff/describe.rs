//! How hotstuff shows itself (`describe`): rounds on the time axis (a round
//! without a block is a gap in the tree), committed blocks as finality,
//! and per node its round, leader, high QC, lock, last vote and timeout,
//! so the commit lag of a 3-chain against a 2-chain reads off the table.

use super::view::HotStuffView;
use crate::consensus::BlockRef;
use crate::consensus::describe::*;

const NODE_COLUMNS: [Column; 10] = [
    Column::kept("round", 5, 0, Source::Cell(0)),
    Column::new("leader", 6, 4, Source::Cell(1)),
    Column::kept("high QC", 7, 1, Source::Cell(2)),
    Column::new("locked", 6, 5, Source::Cell(3)),
    Column::new("voted", 5, 6, Source::Cell(4)),
    Column::new("timeout", 7, 7, Source::Cell(5)),
    Column::new("committed", 10, 3, Source::Cell(6)),
    Column::new("peers", 5, 8, Source::Peers),
    Column::new("pool", 4, 9, Source::Pool),
    Column::new("faults", 12, 2, Source::Faults),
];

const VALIDATOR_COLUMNS: [Column; 5] = [
    Column::new("key", 8, 4, Source::Key),
    Column::kept("share", 5, 3, Source::Share),
    Column::kept("status", 6, 1, Source::Status),
    Column::kept("last vote", 9, 0, Source::Seen(0)),
    Column::new("led", 4, 5, Source::Proposed),
];

pub const DESCRIPTION: Description = Description {
    engine: "hotstuff",
    axis: Axis { word: "round", letter: "r", clock: false },
    epochs: false,
    mined: false,
    finality: Finality {
        word: "committed",
        label: "committed",
        missing: "no commit",
        probabilistic: false,
        by_epoch: false,
        justified: Some("certified"),
    },
    headline: Headline::Height,
    trailer: Trailer::FailedRounds,
    lag: LagChart::FinalityLag,
    tree: TreePane {
        title: "block tree",
        legend: "█ committed ▓ certified (high QC) ■ block ◆ head □ orphaned ✖ equivocation",
        failed_rounds: false,
        proposer_word: "leader",
        votes_word: Some("vote"),
        votes_are_commit: false,
        confirmations: false,
        equivocation: "two blocks by one leader in one round",
    },
    node_columns: &NODE_COLUMNS,
    validators: ValidatorsPane { word: "val", title: "validators · latest vote round", columns: &VALIDATOR_COLUMNS },
    words: &[],
    facts: &[("commit chain ", 2)],
    round_word: "round",
    round_letter: "r",
    // A round per slot or so when healthy; a crashed leader costs a
    // timeout in each cycle of leaders.
    stall_slots: 8,
    stall_half_epochs: 0,
};

/// The cells of `DESCRIPTION`'s columns from the engine's view.
pub fn detail(v: &HotStuffView, committed: BlockRef) -> Detail {
    let at = |r: u64| Cell::plain(Value::At(r));
    Detail {
        // The round is the time axis itself: the header shows it as the position.
        at: None,
        cells: vec![
            Cell::toned(Value::At(v.round), if v.timeout_in_progress { Tone::Warn } else { Tone::Plain }),
            Cell::plain(v.leader.map_or(Value::Empty, Value::Validator)),
            at(v.high_qc_round),
            at(v.locked_round),
            at(v.last_voted_round),
            Cell::toned(Value::Millis(v.timeout_ms), if v.failed_rounds > 0 { Tone::Warn } else { Tone::Plain }),
            Cell::plain(Value::Block { height: committed.height, hash: committed.hash }),
        ],
        facts: vec![Cell::plain(Value::Count(v.commit_chain as u64))],
        validators: v
            .latest_votes
            .iter()
            .map(|(_, r)| {
                vec![match r {
                    // A vote more than a round behind is stale.
                    Some(r) => Cell::toned(Value::At(*r), if r + 1 < v.round { Tone::Dim } else { Tone::Plain }),
                    None => Cell::toned(Value::Empty, Tone::Dim),
                }]
            })
            .collect(),
        seen: None,
    }
}
