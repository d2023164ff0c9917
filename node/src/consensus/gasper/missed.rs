//! Proposals missed, as this node saw them: a slot `GRACE` slots past with
//! no block of that slot in the tree is charged to its proposer (R2, drawn
//! among the validators the head's state has not slashed).
//!
//! Counted from the engine's start (not persisted: a restarted node counts
//! from its restart), only slots after the one it started in. Slots the
//! node was not ticking through (paused, frozen: its ticks jump more than
//! `GRACE` slots) are not judged, since it could not have seen their
//! blocks in time. It is this node's view: a node cut off from a proposer
//! counts that proposer's slots as missed.

use super::engine::Gasper;

/// Slots a block may be late before its slot counts as missed.
pub const GRACE: u64 = 2;

#[derive(Clone, Debug, Default)]
pub struct Missed {
    /// Per validator index.
    pub counts: Vec<u64>,
    /// The next slot to judge; `None` before the first tick.
    next: Option<u64>,
    /// The slot of the previous tick.
    last_tick: u64,
}

impl Gasper {
    /// Judge the slots up to `slot - GRACE`.
    pub(super) fn judge_missed(&mut self, slot: u64) {
        let last_tick = std::mem::replace(&mut self.missed.last_tick, slot);
        let Some(next) = self.missed.next else {
            self.missed.next = Some(slot + 1);
            return;
        };
        let until = slot.saturating_sub(GRACE);
        if slot > last_tick + GRACE {
            // The node was not running through those slots: judge from here on.
            self.missed.next = Some(next.max(slot + 1));
            return;
        }
        if until <= next {
            return;
        }
        let slashed = self.tree.get(&self.head.hash).map(|n| n.state.slashed.clone()).unwrap_or_default();
        for s in next..until {
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
