//! "Finality stalled": how long the cluster's highest finalized block has
//! not moved up, once that is longer than the engine ever takes when healthy.
//!
//! Rules:
//! - Time runs from the last time the highest finalized block of any node
//!   moved up (`ClusterView::last_final_ms`), or from genesis before the
//!   first one.
//! - The threshold is the engine's own rhythm, with slack for a loaded
//!   machine, as its description states it (`Description::stall_ms`; each
//!   engine's `describe` module says why its figure). Never under one second.
//! - Each engine says it in its own word (`Finality::missing`): no finalized
//!   epoch, no commit, no new k-deep block.

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
        self.desc().stall_ms(self.slot_ms, self.epoch_slots)
    }

    /// `Some` while finality has not moved for longer than the threshold.
    pub fn finality_stall(&self, now_ms: u64) -> Option<Stall> {
        if self.genesis_ms == 0 || now_ms < self.genesis_ms {
            return None;
        }
        let since = self.last_final_ms.unwrap_or(self.genesis_ms);
        let for_ms = now_ms.saturating_sub(since);
        let missing = self.desc().finality.missing;
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
