//! "Finality stalled": how long the cluster's highest finalized block has
//! not moved up, once that is longer than the engine ever takes when healthy.
//!
//! Rules:
//! - Time runs from the last time the highest finalized block of any node
//!   moved up (`ClusterView::last_final_ms`), or from genesis before the
//!   first one.
//! - The threshold is the engine's own rhythm, with slack for a loaded
//!   machine: gasper finalizes an epoch per epoch (and first after two), so
//!   three and a half epochs; tendermint commits a height every slot or so,
//!   and a failed round costs about one more, so five slots; pow's blocks
//!   arrive as a Poisson process with a mean of one slot, and a gap of eight
//!   means happens about once in 3,000 blocks. Never under one second.
//! - Each engine says it in its own word: no finalized epoch, no commit,
//!   no new k-deep block.

use super::engine::EngineKind;
use super::view::ClusterView;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stall {
    /// How long finality has not moved, ms.
    pub for_ms: u64,
    /// The engine's word for what is missing.
    pub missing: &'static str,
}

impl ClusterView {
    /// How long without finality counts as stalled, ms.
    pub fn stall_threshold_ms(&self) -> u64 {
        let slot = self.slot_ms.max(1);
        let t = match self.kind() {
            EngineKind::Gasper => slot * self.epoch_slots.max(1) * 7 / 2,
            EngineKind::Tendermint => slot * 5,
            EngineKind::Pow => slot * 8,
        };
        t.max(1000)
    }

    /// `Some` while finality has not moved for longer than the threshold.
    pub fn finality_stall(&self, now_ms: u64) -> Option<Stall> {
        if self.genesis_ms == 0 || now_ms < self.genesis_ms {
            return None;
        }
        let since = self.last_final_ms.unwrap_or(self.genesis_ms);
        let for_ms = now_ms.saturating_sub(since);
        let missing = match self.kind() {
            EngineKind::Gasper => "no finalized epoch",
            EngineKind::Tendermint => "no commit",
            EngineKind::Pow => "no new k-deep block",
        };
        (for_ms > self.stall_threshold_ms()).then_some(Stall { for_ms, missing })
    }
}

/// `19 s`, `2 min 5 s`, `350 ms`: a stall's length for the header.
/// Not `humantime::format_duration`, which prints every unit (`19s 350ms 12us`).
pub fn human(ms: u64) -> String {
    match ms {
        0..1000 => format!("{ms} ms"),
        1000..60_000 => format!("{} s", ms / 1000),
        _ => format!("{} min {} s", ms / 60_000, ms / 1000 % 60),
    }
}
