//! `PbftView`: what the dashboard shows of this node's PBFT state, as plain
//! data (the engine's live detail; `EngineStatus.detail` stays `None`).

use super::engine::{Pbft, ViewChangeReason};
use super::types::Phase;
use crate::chain::Hash32;

/// How far this node is with the sequence number being decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqPhase {
    /// No PRE-PREPARE for it in this view yet.
    Waiting,
    /// Holds the view's PRE-PREPARE (a backup has sent its PREPARE).
    PrePrepared,
    /// Holds a prepared certificate and has sent its COMMIT (R6). Committed
    /// is never shown here: 2f+1 COMMITs execute the block at once (R7) and
    /// `seq` moves on; `last_committed` is the committed one.
    Prepared,
}

/// A view change this node has joined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ViewChangeProgress {
    pub to_view: u64,
    pub reason: ViewChangeReason,
    /// VIEW-CHANGE messages held for `to_view` (its own included).
    pub messages: usize,
}

/// One validator's PREPARE and COMMIT seen for `seq` in the current view
/// (their digests; `None`: none seen). An equivocator's first one is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeqVotes {
    pub validator: u32,
    pub prepare: Option<Hash32>,
    pub commit: Option<Hash32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PbftView {
    pub view: u64,
    /// The primary of `view` (R3).
    pub primary: u32,
    /// The sequence number being decided: the last committed + 1.
    pub seq: u64,
    pub phase: SeqPhase,
    pub last_committed: u64,
    /// `h` and `h + L` (R3, R8).
    pub low_watermark: u64,
    pub high_watermark: u64,
    /// The last stable checkpoint's sequence number (= `low_watermark`).
    pub stable_checkpoint: u64,
    pub view_change: Option<ViewChangeProgress>,
    /// The view-change timer's current period (R9: doubled per failed view, capped).
    pub view_change_timeout_ms: u64,
    /// One entry per validator, in index order.
    pub votes: Vec<SeqVotes>,
}

impl Pbft {
    /// The dashboard's facts about this node's PBFT state.
    pub fn view(&self) -> PbftView {
        let view = self.view;
        let seq = self.head.height.saturating_add(1);
        let first = |phase: Phase, v: u32| {
            self.votes.get(&(view, seq, phase)).and_then(|m| m.get(&v)).and_then(|vs| vs.first()).map(|x| x.data.digest)
        };
        let phase = if self.sent.contains(&(view, seq, Phase::Commit)) {
            SeqPhase::Prepared
        } else if self.pre_prepares.contains_key(&(view, seq)) {
            SeqPhase::PrePrepared
        } else {
            SeqPhase::Waiting
        };
        PbftView {
            view,
            primary: self.vals.primary(view),
            seq,
            phase,
            last_committed: self.head.height,
            low_watermark: self.low_watermark(),
            high_watermark: self.high_watermark(),
            stable_checkpoint: self.low_watermark(),
            view_change: self.changing.map(|(to_view, reason)| ViewChangeProgress {
                to_view,
                reason,
                messages: self.view_changes.get(&to_view).map_or(0, |m| m.len()),
            }),
            view_change_timeout_ms: self.params.timeout_after(self.failed_views),
            votes: (0..self.vals.len() as u32)
                .map(|v| SeqVotes { validator: v, prepare: first(Phase::Prepare, v), commit: first(Phase::Commit, v) })
                .collect(),
        }
    }
}
