//! Proposals missed, as this node saw them: a slot `GRACE` slots past with
//! no block of that slot in the tree is charged to its proposer (R2, drawn
//! among the validators the head's state has not slashed).
//!
//! Counted from the engine's start (not persisted: a restarted node counts
//! from its restart), only slots after the one it started in, and at most
//! `WINDOW` slots back after a long gap, so the cost is bounded.

use super::engine::Gasper;

/// Slots a block may be late before its slot counts as missed.
pub const GRACE: u64 = 2;
/// Slots judged at most in one go.
const WINDOW: u64 = 256;

#[derive(Clone, Debug, Default)]
pub struct Missed {
    /// Per validator index.
    pub counts: Vec<u64>,
    /// The next slot to judge; `None` before the first tick.
    next: Option<u64>,
}

impl Gasper {
    /// Judge the slots up to `slot - GRACE`.
    pub(super) fn judge_missed(&mut self, slot: u64) {
        let Some(next) = self.missed.next else {
            self.missed.next = Some(slot + 1);
            return;
        };
        let until = slot.saturating_sub(GRACE);
        if until <= next {
            return;
        }
        let slashed = self.tree.get(&self.head.hash).map(|n| n.state.slashed.clone()).unwrap_or_default();
        for s in next.max(until.saturating_sub(WINDOW))..until {
            if s > 0
                && !self.tree.has_slot(s)
                && let Some(p) = self.vals.proposer(&self.seed, self.epoch_slots, s, &slashed)
            {
                let counts = &mut self.missed.counts;
                if counts.len() <= p as usize {
                    counts.resize(p as usize + 1, 0);
                }
                counts[p as usize] += 1;
            }
        }
        self.missed.next = Some(until);
    }
}
