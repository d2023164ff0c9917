//! How gasper shows itself (`describe`): wall-clock slots in epochs,
//! justified and finalized checkpoints, participation, and the proposals
//! each validator missed as the selected node saw them (`missed`).

use crate::consensus::describe::*;

const NODE_COLUMNS: [Column; 8] = [
    Column::kept("head", 14, 1, Source::Head),
    Column::new("just.", 5, 5, Source::Justified),
    Column::new("finalized", 10, 4, Source::Finalized),
    Column::new("lag", 3, 3, Source::Lag),
    Column::new("peers", 5, 6, Source::Peers),
    Column::new("pool", 4, 8, Source::Pool),
    Column::new("reorgs", 6, 7, Source::Reorgs),
    Column::new("faults", 12, 2, Source::Faults),
];

const VALIDATOR_COLUMNS: [Column; 8] = [
    Column::new("key", 8, 5, Source::Key),
    Column::new("stake", 5, 6, Source::Stake),
    Column::kept("share", 5, 0, Source::Share),
    Column::kept("status", 6, 1, Source::Status),
    Column::kept("part.", 5, 0, Source::Participation),
    Column::new("last att", 8, 4, Source::LastVote),
    Column::new("prop", 4, 7, Source::Proposed),
    Column::new("miss", 4, 8, Source::Seen(0)),
];

pub const DESCRIPTION: Description = Description {
    engine: "gasper",
    axis: Axis { word: "slot", letter: "s", clock: true },
    epochs: true,
    mined: false,
    finality: Finality {
        word: "finalized",
        label: "finalized",
        missing: "no finalized epoch",
        probabilistic: false,
        by_epoch: true,
        justified: Some("justified"),
    },
    headline: Headline::SlotEpoch,
    trailer: Trailer::Lag,
    lag: LagChart::FinalityLag,
    tree: TreePane {
        title: "fork tree",
        legend: "█ finalized ▓ justified ■ block ◆ head □ orphaned ✖ equivocation",
        failed_rounds: false,
        proposer_word: "proposer",
        votes_word: Some("attestation"),
        votes_are_commit: false,
        confirmations: false,
        equivocation: "two blocks by one proposer in one slot",
    },
    node_columns: &NODE_COLUMNS,
    validators: ValidatorsPane { word: "val", title: "validators", columns: &VALIDATOR_COLUMNS },
    words: &[],
    facts: &[],
    round_word: "round",
    round_letter: "r",
    // An epoch finalizes per epoch (the first after two): three and a half.
    stall_slots: 0,
    stall_half_epochs: 7,
};

/// Each validator's missed proposals (`super::missed`).
pub fn detail(missed: &[u64], validators: usize) -> Detail {
    Detail {
        validators: (0..validators)
            .map(|v| vec![Cell::plain(Value::Count(missed.get(v).copied().unwrap_or(0)))])
            .collect(),
        ..Detail::default()
    }
}
