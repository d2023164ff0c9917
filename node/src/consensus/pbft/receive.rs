//! Checking what arrives (R2, R14, R17): phase messages are verified,
//! stored within the watermarks and a few views ahead, and relayed once;
//! a validator's second, different message for one (phase, view, seq) is
//! evidence.

use super::certs::verify_evidence;
use super::engine::{FUTURE_VIEWS, Pbft, SEEN_MAX};
use super::types::{Block, Evidence, Phase, Vote};
use super::wire::Message;
use crate::chain::Hash32;
use crate::consensus::common::inbound::{reject, relay, remember};
use crate::consensus::common::slashing::{pool_evidence, report_equivocation};
use crate::consensus::engine::*;

impl Pbft {
    /// Relay a first-seen message, as received, to everyone but its sender (R17).
    pub(super) fn first_seen(&mut self, bytes: &[u8], from: PeerId, kind: MsgKind, fx: &mut Vec<Effect>) -> bool {
        if !remember(&mut self.seen, SEEN_MAX, Hash32::digest(&[b"pbft-msg", bytes])) {
            return false;
        }
        relay(&self.peers, from, kind, bytes, fx);
        true
    }

    /// R17: views kept: from two below this node's to `FUTURE_VIEWS` above.
    fn view_kept(&self, view: u64) -> bool {
        view.saturating_add(2) >= self.view && view <= self.view.saturating_add(FUTURE_VIEWS)
    }

    /// Keep a vote; a second, different one for its (phase, view, seq) is evidence (R14).
    pub(super) fn add_vote(&mut self, v: Vote) -> Option<Evidence> {
        let m = self.votes.entry((v.data.view, v.data.seq, v.data.phase)).or_default();
        let mine = m.entry(v.validator).or_default();
        if mine.iter().any(|p| p.data == v.data) {
            return None;
        }
        if v.data.phase == Phase::Commit {
            let last = self.last_commit.entry(v.validator).or_insert(0);
            *last = (*last).max(v.data.seq);
        }
        let mine =
            self.votes.entry((v.data.view, v.data.seq, v.data.phase)).or_default().entry(v.validator).or_default();
        match mine.first().copied() {
            Some(first) => {
                if mine.len() < 2 {
                    mine.push(v);
                }
                Some(Evidence { a: first, b: v })
            }
            None => {
                mine.push(v);
                None
            }
        }
    }

    /// A message for a sequence number beyond the next: ask its sender for the blocks we lack (R12).
    fn ahead(&mut self, now: Millis, seq: u64, from: PeerId, fx: &mut Vec<Effect>) {
        if seq > self.head.height.saturating_add(1) {
            self.ask_sync(now, from, fx);
        }
    }

    pub(super) fn on_pre_prepare(
        &mut self,
        now: Millis,
        from: PeerId,
        vote: Vote,
        block: Block,
        bytes: &[u8],
        fx: &mut Vec<Effect>,
    ) {
        let d = vote.data;
        if vote.validator != self.vals.primary(d.view) {
            return reject(fx, from, format!("pre-prepare: {} is not the primary of view {}", vote.validator, d.view));
        }
        if d.digest != block.hash() || d.seq != block.seq {
            return reject(fx, from, "pre-prepare: the block does not match its digest".into());
        }
        if self.slashed.contains(&vote.validator) || !self.in_window(d.seq) || !self.view_kept(d.view) {
            return;
        }
        if !self.sigs.check(&self.vals, &vote) {
            return reject(fx, from, "pre-prepare: bad signature".into());
        }
        if !self.first_seen(bytes, from, MsgKind::Block, fx) {
            return;
        }
        self.ahead(now, d.seq, from, fx);
        if let Some(ev) = self.add_vote(vote) {
            self.on_evidence(None, ev, fx);
        }
        self.pre_prepares.entry((d.view, d.seq)).or_insert((vote, block));
    }

    pub(super) fn on_vote(&mut self, now: Millis, from: PeerId, v: Vote, bytes: &[u8], fx: &mut Vec<Effect>) {
        if self.vals.key(v.validator).is_none() {
            return reject(fx, from, format!("vote: unknown validator {}", v.validator));
        }
        if self.slashed.contains(&v.validator) {
            return;
        }
        let d = v.data;
        if d.phase == Phase::Checkpoint {
            if d.view != 0 || d.seq == 0 || !d.seq.is_multiple_of(self.params.checkpoint_interval) {
                return reject(fx, from, "checkpoint: not at a checkpoint".into());
            }
            if d.seq <= self.low_watermark() || d.seq > self.high_watermark() {
                return;
            }
        } else if !self.in_window(d.seq) || !self.view_kept(d.view) {
            return;
        }
        if !self.sigs.check(&self.vals, &v) {
            return reject(fx, from, format!("{}: bad signature", d.phase.as_str()));
        }
        if !self.first_seen(bytes, from, MsgKind::Vote, fx) {
            return;
        }
        self.ahead(now, d.seq, from, fx);
        if d.phase == Phase::Checkpoint {
            return self.add_checkpoint(v);
        }
        if let Some(ev) = self.add_vote(v) {
            self.on_evidence(None, ev, fx);
        }
    }

    /// R14: valid evidence against a validator not yet slashed is reported,
    /// persisted, pooled for inclusion and (when found here) gossiped.
    pub(super) fn on_evidence(&mut self, from: Option<PeerId>, ev: Evidence, fx: &mut Vec<Effect>) {
        let (offender, kind, seq) = match verify_evidence(&ev, &self.vals, &mut self.sigs) {
            Ok(x) => x,
            Err(e) => {
                if let Some(p) = from {
                    reject(fx, p, e);
                }
                return;
            }
        };
        if self.slashed.contains(&offender) {
            return;
        }
        report_equivocation(&mut self.seen_equivocations, (offender, seq, kind as u64), offender, kind, seq, fx);
        if pool_evidence(&mut self.evidence, offender, ev, Evidence::encode, fx).is_some() && from.is_none() {
            Self::send(fx, Dest::All, &Message::Evidence(ev));
        }
    }
}
