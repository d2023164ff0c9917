//! `HotStuffView`: what the dashboard can show of this engine, as plain
//! data (R15); `describe` turns it into the status's cells.

use super::engine::HotStuff;
use crate::chain::Hash32;

/// Blocks of the tree the view lists, most recent by round.
pub const VIEW_BLOCKS: usize = 16;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewBlock {
    pub round: u64,
    pub height: u64,
    pub hash: Hash32,
    pub parent: Hash32,
    pub proposer: u32,
    /// A QC for it is known here.
    pub certified: bool,
    /// It is the block the lock names: round `locked_round` on the head's chain.
    pub locked: bool,
    pub committed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HotStuffView {
    /// 2 or 3 (R6).
    pub commit_chain: u8,
    pub round: u64,
    /// The leader of `round` (`None` if every validator is slashed).
    pub leader: Option<u32>,
    pub high_qc_round: u64,
    pub high_qc_block: Hash32,
    /// The highest TC's round, if any.
    pub high_tc_round: Option<u64>,
    /// The lock (R5): the preferred round for 3-chain, the highest QC round for 2-chain.
    pub locked_round: u64,
    pub last_voted_round: u64,
    pub committed_round: u64,
    pub committed_height: u64,
    /// This round's local timeout has fired and the node is sending timeouts.
    pub timeout_in_progress: bool,
    /// The current round's timeout, pacing included (R8).
    pub timeout_ms: u64,
    /// Consecutive rounds left by a TC (R8's `k`).
    pub failed_rounds: u32,
    /// The most recent `VIEW_BLOCKS` blocks of the tree by round, oldest first.
    pub blocks: Vec<ViewBlock>,
    /// Each validator's latest vote round seen, in index order.
    pub latest_votes: Vec<(u32, Option<u64>)>,
}

impl HotStuff {
    pub fn view(&self) -> HotStuffView {
        let locked_round = if self.params.commit_chain == 3 {
            self.protection.preferred_round
        } else {
            self.protection.one_chain_round
        };
        let head_chain: Vec<(Hash32, u64)> = self.tree.ancestry(self.head.hash, VIEW_BLOCKS * 4);
        let locked_block = head_chain.iter().find(|(_, r)| *r == locked_round).map(|(h, _)| *h);
        let mut blocks: Vec<ViewBlock> = self
            .tree
            .blocks
            .iter()
            .map(|(id, e)| ViewBlock {
                round: e.block.round,
                height: e.block.height,
                hash: *id,
                parent: e.block.parent,
                proposer: e.block.proposer,
                certified: e.certified,
                locked: Some(*id) == locked_block,
                committed: self.committed_set.contains(id),
            })
            .collect();
        blocks.sort_by_key(|b| (b.round, b.hash));
        let skip = blocks.len().saturating_sub(VIEW_BLOCKS);
        let blocks = blocks.split_off(skip);
        let (committed_height, _) = self.committed_head();
        HotStuffView {
            commit_chain: self.params.commit_chain,
            round: self.pm.round,
            leader: self.leader(self.pm.round),
            high_qc_round: self.high_qc.round(),
            high_qc_block: self.high_qc.block(),
            high_tc_round: self.high_tc.as_ref().map(|t| t.round),
            locked_round,
            last_voted_round: self.protection.last_voted_round,
            committed_round: self.committed_round,
            committed_height,
            timeout_in_progress: self.pm.timed_out,
            timeout_ms: self.params.round_timeout(self.pm.failed),
            failed_rounds: self.pm.failed,
            blocks,
            latest_votes: (0..self.vals.len() as u32).map(|v| (v, self.latest_vote.get(&v).copied())).collect(),
        }
    }
}
