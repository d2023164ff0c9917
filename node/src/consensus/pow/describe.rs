//! How pow shows itself (`describe`): heights, `k`-deep blocks as
//! (probabilistic) finality, hashrate, difficulty and withheld blocks per
//! node, and for each miner the share of hashrate its own node reports.

use crate::chain::spec::ForkChoiceRule;
use crate::consensus::describe::*;
use crate::consensus::{BlockRef, PowDetail};

/// The fork choice rules, by `Value::Word` index.
const WORDS: [&str; 3] = ["longest", "heaviest", "ghost"];

const NODE_COLUMNS: [Column; 9] = [
    Column::kept("head", 12, 1, Source::Head),
    Column::new("k-deep conf", 8, 3, Source::Cell(0)),
    Column::new("hash%", 5, 4, Source::Cell(1)),
    Column::new("diff", 4, 7, Source::Cell(2)),
    Column::new("priv", 4, 8, Source::Cell(3)),
    Column::new("reorgs", 6, 6, Source::ReorgsLast),
    Column::new("peers", 5, 9, Source::Peers),
    Column::new("pool", 4, 10, Source::Pool),
    Column::new("faults", 12, 2, Source::Faults),
];

const MINER_COLUMNS: [Column; 6] = [
    Column::new("key", 8, 5, Source::Key),
    Column::kept("genesis", 7, 0, Source::Share),
    Column::kept("status", 6, 1, Source::Status),
    Column::kept("now", 4, 0, Source::Own(4)),
    Column::new("mined", 5, 4, Source::Proposed),
    Column::new("priv", 4, 6, Source::Own(3)),
];

pub const DESCRIPTION: Description = Description {
    engine: "pow",
    axis: Axis { word: "height", letter: "h", clock: false },
    epochs: false,
    mined: true,
    finality: Finality {
        word: "k deep",
        label: "k-deep",
        missing: "no new k-deep block",
        probabilistic: true,
        by_epoch: false,
        justified: None,
    },
    headline: Headline::Height,
    trailer: Trailer::DeepestReorg,
    lag: LagChart::FinalityLag,
    tree: TreePane {
        title: "block tree",
        legend: "█ k deep ■ block ◆ head □ orphaned (reorged away) ✖ two blocks by one miner",
        failed_rounds: false,
        proposer_word: "miner",
        votes_word: None,
        votes_are_commit: false,
        confirmations: true,
        equivocation: "two blocks by one proposer in one height",
    },
    node_columns: &NODE_COLUMNS,
    validators: ValidatorsPane {
        word: "miner",
        title: "miners · hashrate in % of the genesis total",
        columns: &MINER_COLUMNS,
    },
    words: &WORDS,
    facts: &[("k=", 2), ("fork choice ", 4), ("difficulty ", 4)],
    round_word: "round",
    round_letter: "r",
    // Blocks arrive as a Poisson process with a mean of one slot; a gap of
    // eight means happens about once in 3,000 blocks.
    stall_slots: 8,
    stall_half_epochs: 0,
};

fn rule(r: ForkChoiceRule) -> u8 {
    match r {
        ForkChoiceRule::Longest => 0,
        ForkChoiceRule::Heaviest => 1,
        ForkChoiceRule::Ghost => 2,
    }
}

/// The cells of `DESCRIPTION`'s columns. Cell 4 is the hashrate share for
/// the miners pane ("now"), in the warning tone when a fault changed it
/// from `genesis_percent`.
pub fn detail(d: &PowDetail, head: BlockRef, finalized: BlockRef, genesis_percent: Option<u64>) -> Detail {
    let have = (head.height + 1).saturating_sub(finalized.height);
    let changed = genesis_percent.is_some_and(|g| g != d.hashrate_percent as u64);
    Detail {
        at: None,
        cells: vec![
            Cell::toned(
                Value::Confirmed { height: finalized.height, have, need: d.k },
                if have < d.k { Tone::Warn } else { Tone::Plain },
            ),
            Cell::plain(Value::Percent(d.hashrate_percent)),
            Cell::plain(Value::Si(d.difficulty as u128)),
            Cell::toned(Value::Count(d.private_blocks), if d.private_blocks > 0 { Tone::Bad } else { Tone::Plain }),
            Cell::toned(Value::Percent(d.hashrate_percent), if changed { Tone::Warn } else { Tone::Plain }),
        ],
        facts: vec![
            Cell::plain(Value::Count(d.k)),
            Cell::plain(Value::Word(rule(d.fork_choice))),
            Cell::plain(Value::Si(d.difficulty as u128)),
        ],
        validators: vec![],
        seen: None,
    }
}
