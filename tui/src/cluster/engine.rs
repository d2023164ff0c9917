//! What only one engine reports, as plain data for the dashboard: each node's
//! latest `EngineDetail` (decoded from `NodeStatus.tendermint` / `.pow`) and
//! the rounds that failed at each height (tendermint `RoundFailed` events).
//!
//! Rules:
//! - The engine is named by the cluster (`devnet.toml`'s `consensus`);
//!   `EngineKind` is what the UI branches on. Unknown names draw as gasper.
//! - A node's detail is replaced by each `Status`; a status without one
//!   leaves `EngineDetail::None`. Statuses are polled while heads arrive as
//!   events, so when a tendermint node's head reaches the height its detail
//!   is deciding, the detail moves on as the engine does (R1): the next
//!   height, round 0, propose, no lock; the votes it held are kept as the
//!   last committed height's (`votes_height`), as the engine reports them. Malformed fields (an unknown step or fork
//!   choice, a short hash or work) decode to defaults, never an error.
//! - Failed rounds are the union over all nodes (a round one node left
//!   without a commit is a failed round of the cluster's run), kept for the
//!   newest `FAILED_HEIGHTS` heights and pruned with the blocks.
//! - For tendermint and pow a block's `slot` is its height, so the view's
//!   "current slot" of those engines is the height being decided or mined.

use devnet_node::chain::Hash32;
use devnet_node::chain::spec::ForkChoiceRule;
use devnet_node::consensus::{CastVote, EngineDetail, PowDetail, TendermintDetail, TendermintStep, ValidatorVotes};
use devnet_proto::v1 as pb;
use std::collections::{BTreeMap, BTreeSet};

/// Heights whose failed rounds are kept.
pub const FAILED_HEIGHTS: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineKind {
    Gasper,
    Tendermint,
    Pow,
}

impl EngineKind {
    pub fn from_name(name: &str) -> EngineKind {
        match name {
            "tendermint" => EngineKind::Tendermint,
            "pow" => EngineKind::Pow,
            _ => EngineKind::Gasper,
        }
    }
    /// Whether a block's `slot` is wall-clock time (gasper) or its height.
    pub fn slots_are_heights(self) -> bool {
        self != EngineKind::Gasper
    }
    /// The letter before a slot number in labels: `s12` or `h12`.
    pub fn slot_prefix(self) -> &'static str {
        if self.slots_are_heights() { "h" } else { "s" }
    }
}

fn hash(b: &[u8]) -> Option<Hash32> {
    Hash32::from_slice(b)
}

fn step(s: &str) -> TendermintStep {
    match s {
        "prevote" => TendermintStep::Prevote,
        "precommit" => TendermintStep::Precommit,
        _ => TendermintStep::Propose,
    }
}

fn vote(v: &Option<pb::TendermintVote>) -> Option<CastVote> {
    v.as_ref().map(|v| CastVote { round: v.round, value: hash(&v.value) })
}

fn tendermint(t: &pb::TendermintStatus) -> TendermintDetail {
    TendermintDetail {
        height: t.height,
        round: t.round,
        step: step(&t.step),
        locked_round: t.locked_round,
        valid_round: t.valid_round,
        votes: t
            .votes
            .iter()
            .map(|v| ValidatorVotes {
                validator: v.validator,
                prevote: vote(&v.prevote),
                precommit: vote(&v.precommit),
            })
            .collect(),
        votes_height: t.votes_height,
    }
}

fn pow(p: &pb::PowStatus) -> PowDetail {
    PowDetail {
        difficulty: p.difficulty,
        hashrate_percent: p.hashrate_percent,
        k: p.k,
        fork_choice: match p.fork_choice.as_str() {
            "longest" => ForkChoiceRule::Longest,
            "ghost" => ForkChoiceRule::Ghost,
            _ => ForkChoiceRule::Heaviest,
        },
        chain_work: <[u8; 16]>::try_from(p.chain_work.as_slice()).map(u128::from_be_bytes).unwrap_or(0),
        private_blocks: p.private_blocks,
    }
}

/// The engine detail a `Status` carries.
pub fn detail_of(s: &pb::NodeStatus) -> EngineDetail {
    match (&s.tendermint, &s.pow) {
        (Some(t), _) => EngineDetail::Tendermint(tendermint(t)),
        (None, Some(p)) => EngineDetail::Pow(pow(p)),
        (None, None) => EngineDetail::None,
    }
}

/// A tendermint node committed `height`: its round state moves to the next
/// height, and the votes it held become the last committed height's (as the
/// engine reports them during the commit pause).
pub fn committed(detail: &mut EngineDetail, height: u64) {
    if let EngineDetail::Tendermint(d) = detail
        && d.height <= height
    {
        *d = TendermintDetail {
            height: height + 1,
            round: 0,
            step: TendermintStep::Propose,
            locked_round: None,
            valid_round: None,
            votes: std::mem::take(&mut d.votes),
            votes_height: d.votes_height,
        };
    }
}

/// Rounds left without a commit, by height.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FailedRounds {
    by_height: BTreeMap<u64, BTreeSet<u64>>,
}

impl FailedRounds {
    /// Whether this is the first report of that round.
    pub fn record(&mut self, height: u64, round: u64) -> bool {
        let new = self.by_height.entry(height).or_default().insert(round);
        while self.by_height.len() > FAILED_HEIGHTS {
            self.by_height.pop_first();
        }
        new
    }
    /// The failed rounds of `height`, lowest first.
    pub fn at(&self, height: u64) -> impl Iterator<Item = u64> + '_ {
        self.by_height.get(&height).into_iter().flatten().copied()
    }
    /// Heights in `lo..=hi` with at least one failed round.
    pub fn heights(&self, lo: u64, hi: u64) -> impl Iterator<Item = (u64, &BTreeSet<u64>)> + '_ {
        self.by_height.range(lo..=hi.max(lo)).map(|(h, r)| (*h, r))
    }
    /// Failed rounds in all kept heights.
    pub fn total(&self) -> usize {
        self.by_height.values().map(|r| r.len()).sum()
    }
    pub fn prune_below(&mut self, height: u64) {
        self.by_height = self.by_height.split_off(&height);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_details_decode_and_malformed_fields_default() {
        let s = pb::NodeStatus {
            tendermint: Some(pb::TendermintStatus {
                height: 9,
                round: 2,
                step: "precommit".into(),
                locked_round: Some(1),
                votes: vec![pb::TendermintVotes {
                    validator: 0,
                    prevote: Some(pb::TendermintVote { round: 2, value: vec![5; 32] }),
                    precommit: Some(pb::TendermintVote { round: 1, value: vec![] }),
                }],
                ..Default::default()
            }),
            ..Default::default()
        };
        let EngineDetail::Tendermint(t) = detail_of(&s) else { panic!("tendermint") };
        assert_eq!(
            (t.height, t.round, t.step, t.locked_round, t.valid_round),
            (9, 2, TendermintStep::Precommit, Some(1), None)
        );
        assert_eq!(t.votes[0].prevote, Some(CastVote { round: 2, value: Some(Hash32([5; 32])) }));
        assert_eq!(t.votes[0].precommit, Some(CastVote { round: 1, value: None }));

        let s = pb::NodeStatus {
            pow: Some(pb::PowStatus { fork_choice: "???".into(), chain_work: vec![1, 2], k: 6, ..Default::default() }),
            ..Default::default()
        };
        let EngineDetail::Pow(p) = detail_of(&s) else { panic!("pow") };
        assert_eq!((p.fork_choice, p.chain_work, p.k), (ForkChoiceRule::Heaviest, 0, 6));
        assert_eq!(detail_of(&pb::NodeStatus::default()), EngineDetail::None);
    }

    #[test]
    fn a_commit_moves_a_stale_round_state_to_the_next_height() {
        let vote = Some(CastVote { round: 1, value: None });
        let mut d = EngineDetail::Tendermint(TendermintDetail {
            height: 5,
            round: 1,
            step: TendermintStep::Precommit,
            locked_round: Some(1),
            valid_round: Some(1),
            votes: vec![ValidatorVotes { validator: 0, prevote: vote, precommit: vote }],
            votes_height: 5,
        });
        committed(&mut d, 4);
        assert!(matches!(&d, EngineDetail::Tendermint(t) if t.height == 5 && t.round == 1));
        committed(&mut d, 5);
        let EngineDetail::Tendermint(t) = &d else { panic!() };
        assert_eq!((t.height, t.round, t.step, t.locked_round), (6, 0, TendermintStep::Propose, None));
        assert_eq!(t.votes, vec![ValidatorVotes { validator: 0, prevote: vote, precommit: vote }]);
        assert_eq!(t.votes_height, 5, "the votes shown are now the last committed height's");
    }

    #[test]
    fn failed_rounds_are_a_bounded_union_by_height() {
        let mut f = FailedRounds::default();
        assert!(f.record(3, 1));
        assert!(f.record(3, 0));
        assert!(!f.record(3, 0));
        f.record(7, 0);
        assert_eq!(f.at(3).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(f.heights(4, 10).map(|(h, _)| h).collect::<Vec<_>>(), vec![7]);
        assert_eq!(f.total(), 3);
        f.prune_below(4);
        assert_eq!(f.at(3).count(), 0);
        for h in 0..(FAILED_HEIGHTS as u64 + 10) {
            f.record(h, 0);
        }
        assert_eq!(f.total(), FAILED_HEIGHTS);
        assert_eq!(f.at(0).count(), 0);
    }
}
