//! The view change (R9-R11; OSDI'99 §4.4 and §4.5.2): the timer, VIEW-CHANGE,
//! joining on f+1, NEW-VIEW built by the new primary and checked by every backup.

use super::certs::verify_checkpoint;
use super::engine::{Pbft, ViewChangeReason};
use super::newview::{Plan, compute};
use super::types::{NewView, Phase, ViewChange, Vote, VoteData};
use super::wire::Message;
use crate::consensus::common::inbound::reject;
use crate::consensus::engine::*;
use std::collections::BTreeSet;

impl Pbft {
    /// R9: the timer expired: the view (or the view change) failed; ask for the next one.
    pub(super) fn on_timer(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        let next = self.target_view().saturating_add(1);
        self.start_view_change(now, next, ViewChangeReason::Timer, fx);
    }

    /// R9, R10: leave the current view (or the view change under way) for
    /// `target`: report the failed view, double the timer, sign VIEW-CHANGE.
    pub(super) fn start_view_change(
        &mut self,
        now: Millis,
        target: u64,
        reason: ViewChangeReason,
        fx: &mut Vec<Effect>,
    ) {
        // R3: a slashed validator is never primary: views it would lead are skipped.
        let mut target = target;
        for _ in 0..self.vals.len() {
            if !self.slashed.contains(&self.vals.primary(target)) {
                break;
            }
            target = target.saturating_add(1);
        }
        if target <= self.target_view() {
            return;
        }
        let seq = self.head.height.saturating_add(1);
        fx.push(Effect::Report(Event::RoundFailed { height: seq, round: self.target_view() }));
        self.changing = Some((target, reason));
        self.failed_views = self.failed_views.saturating_add(1);
        self.timer_at = now.saturating_add(self.params.timeout_after(self.failed_views));
        let Some((me, key)) = self.key.clone() else { return };
        if self.behaviour == Behaviour::Silent || !self.protection.may_view_change(target) {
            return;
        }
        let vc = match &self.protection.view_change {
            Some(vc) if vc.new_view == target => vc.clone(),
            _ => {
                let h = self.low_watermark();
                let prepared = self.protection.prepared.range(h.saturating_add(1)..).map(|(_, c)| c.clone()).collect();
                ViewChange::sign(&key, me, target, self.protection.checkpoint.clone(), prepared)
            }
        };
        self.protection.view_change = Some(vc.clone());
        self.persist_protection(fx); // R15: before the signature leaves
        self.view_changes.entry(target).or_default().insert(me, vc.clone());
        self.send_own(&Message::ViewChange(vc), fx);
        self.try_new_view(now, target, fx);
    }

    /// A VIEW-CHANGE from a peer: checked (signature, checkpoint proof; the
    /// prepared entries are checked one by one when O is computed), kept,
    /// relayed; a peer asking for a view this node is already past gets the
    /// NEW-VIEW that started its view.
    pub(super) fn on_view_change(
        &mut self,
        now: Millis,
        from: PeerId,
        vc: ViewChange,
        bytes: &[u8],
        fx: &mut Vec<Effect>,
    ) {
        if self.vals.key(vc.validator).is_none() || !self.sigs.check(&self.vals, &vc) {
            return reject(fx, from, "view-change: bad signature".into());
        }
        if let Err(e) = verify_checkpoint(&vc.checkpoint, self.genesis, &self.vals, &mut self.sigs) {
            return reject(fx, from, format!("view-change: {e}"));
        }
        if vc.new_view <= self.view {
            if let Some(nv) = self.protection.new_view.clone().filter(|nv| nv.view == self.view) {
                Self::send(fx, Dest::Peer(from), &Message::NewView(nv));
            }
            return;
        }
        if vc.new_view > self.view.saturating_add(super::engine::FUTURE_VIEWS.saturating_mul(4)) {
            return; // R17: bounded
        }
        if !self.first_seen(bytes, from, MsgKind::Vote, fx) {
            return;
        }
        let target = vc.new_view;
        self.view_changes.entry(target).or_default().entry(vc.validator).or_insert(vc);
        self.join_if_behind(now, fx);
        self.try_new_view(now, target, fx);
    }

    /// R10: f+1 of the stake asked for views above this node's: join the
    /// smallest of the views they asked for.
    fn join_if_behind(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        let current = self.target_view();
        // Each validator's highest view asked for above ours.
        let mut asked: std::collections::BTreeMap<u32, u64> = std::collections::BTreeMap::new();
        for (view, m) in self.view_changes.range(current.saturating_add(1)..) {
            for v in m.keys() {
                asked.insert(*v, *view);
            }
        }
        let power: u128 = asked.keys().map(|v| self.vals.stake(*v) as u128).sum();
        if self.vals.is_one_third(power)
            && let Some(smallest) = asked.values().min().copied()
        {
            self.start_view_change(now, smallest, ViewChangeReason::Joined, fx);
        }
    }

    /// R11: the new primary, holding 2f+1 VIEW-CHANGEs for `view` (its own
    /// among them), computes O, pre-prepares it and sends NEW-VIEW.
    fn try_new_view(&mut self, now: Millis, view: u64, fx: &mut Vec<Effect>) {
        let Some((me, key)) = self.key.clone() else { return };
        if self.vals.primary(view) != me || self.changing.map(|(t, _)| t) != Some(view) {
            return;
        }
        let Some(m) = self.view_changes.get(&view) else { return };
        if !m.contains_key(&me) {
            return;
        }
        let power: u128 = m.keys().map(|v| self.vals.stake(*v) as u128).sum();
        if !self.vals.is_quorum(power) || self.behaviour == Behaviour::Silent {
            return;
        }
        let vcs: Vec<ViewChange> = m.values().cloned().collect();
        let plan = compute(&vcs, self.genesis, &self.vals, &mut self.sigs, self.params.watermark_window);
        let mut pre_prepares = Vec::new();
        self.protection.enter(view);
        for b in &plan.blocks {
            let data = VoteData { phase: Phase::PrePrepare, view, seq: b.seq, digest: b.hash() };
            self.protection.record(Phase::PrePrepare, view, b.seq, data.digest);
            self.protection.proposals.insert(b.seq, b.clone());
            pre_prepares.push(Vote::sign(&key, me, data));
        }
        let nv = NewView { view, view_changes: vcs, pre_prepares };
        self.protection.new_view = Some(nv.clone());
        self.persist_protection(fx); // R15: before the signatures leave
        self.send_own(&Message::NewView(nv.clone()), fx);
        self.enter_view(now, nv, plan, fx);
    }

    /// R11: a NEW-VIEW: V must hold 2f+1 of the stake in valid VIEW-CHANGEs
    /// for its view, and O must be exactly what this node computes from V,
    /// pre-prepared by the view's primary; else it is refused.
    pub(super) fn on_new_view(
        &mut self,
        now: Millis,
        from: Option<PeerId>,
        nv: NewView,
        bytes: &[u8],
        fx: &mut Vec<Effect>,
    ) {
        let resuming = from.is_none();
        if nv.view < self.view || (nv.view == self.view && !resuming) || nv.view == 0 {
            return;
        }
        let reject = |fx: &mut Vec<Effect>, reason: String| {
            if let Some(p) = from {
                reject(fx, p, format!("new-view {}: {reason}", nv.view));
            }
        };
        let mut who = BTreeSet::new();
        let mut power: u128 = 0;
        for vc in &nv.view_changes {
            if vc.new_view != nv.view || !who.insert(vc.validator) || !self.sigs.check(&self.vals, vc) {
                return reject(fx, "a view change is not a valid one for this view".into());
            }
            if let Err(e) = verify_checkpoint(&vc.checkpoint, self.genesis, &self.vals, &mut self.sigs) {
                return reject(fx, e);
            }
            power += self.vals.stake(vc.validator) as u128;
        }
        if !self.vals.is_quorum(power) {
            return reject(fx, "view changes hold less than 2/3 of the stake".into());
        }
        let plan = compute(&nv.view_changes, self.genesis, &self.vals, &mut self.sigs, self.params.watermark_window);
        if let Err(e) = self.check_o(&nv, &plan) {
            return reject(fx, e);
        }
        if let Some(p) = from
            && !self.first_seen(bytes, p, MsgKind::Block, fx)
        {
            return;
        }
        self.enter_view(now, nv, plan, fx);
    }

    /// R11: O pre-prepares exactly the plan's blocks, each signed by the primary.
    pub(super) fn check_o(&mut self, nv: &NewView, plan: &Plan) -> Result<(), String> {
        if nv.pre_prepares.len() != plan.blocks.len() {
            return Err(format!("O has {} entries, V gives {}", nv.pre_prepares.len(), plan.blocks.len()));
        }
        let primary = self.vals.primary(nv.view);
        for (pp, b) in nv.pre_prepares.iter().zip(&plan.blocks) {
            let want = VoteData { phase: Phase::PrePrepare, view: nv.view, seq: b.seq, digest: b.hash() };
            if pp.validator != primary || pp.data != want {
                return Err(format!("O at {} is not what V gives", b.seq));
            }
            if !self.sigs.check(&self.vals, pp) {
                return Err(format!("O at {}: bad signature", b.seq));
            }
        }
        Ok(())
    }

    /// R11: enter the view: the stable checkpoint of V, O's pre-prepares in
    /// the log, and for those already committed here the PREPARE and COMMIT
    /// that peers still deciding them need.
    fn enter_view(&mut self, now: Millis, nv: NewView, plan: Plan, fx: &mut Vec<Effect>) {
        let view = nv.view;
        self.view = view;
        self.changing = None;
        self.protection.enter(view);
        self.protection.new_view = Some(nv.clone());
        self.set_stable(plan.checkpoint.clone());
        self.view_changes.retain(|v, _| *v > view);
        self.sent.retain(|(v, _, _)| *v >= view);
        // R17: the log keeps two views below the current one (O carries what matters of older ones).
        self.pre_prepares.retain(|(v, _), _| v.saturating_add(2) >= view);
        self.votes.retain(|(v, _, p), _| v.saturating_add(2) >= view || *p == Phase::Checkpoint);
        self.own.clear();
        self.timer_at = now.saturating_add(self.params.timeout_after(self.failed_views));
        self.propose_at = now;
        for (pp, b) in nv.pre_prepares.iter().zip(plan.blocks) {
            if let Some(ev) = self.add_vote(*pp) {
                self.on_evidence(None, ev, fx);
            }
            let seq = b.seq;
            self.pre_prepares.entry((view, seq)).or_insert((*pp, b));
            if seq <= self.head.height && self.committed_at(seq) == Some(pp.data.digest) && self.in_window(seq) {
                if self.me() != Some(pp.validator) {
                    self.sign_vote(Phase::Prepare, view, seq, pp.data.digest, fx);
                }
                self.sign_vote(Phase::Commit, view, seq, pp.data.digest, fx);
            }
        }
        if self.me() == Some(self.vals.primary(view)) {
            // The primary's O pre-prepares travel in NEW-VIEW, which the rebroadcast re-sends.
            self.own.push(Message::NewView(nv));
        }
        if self.slashed.contains(&self.vals.primary(view)) {
            // R3: a slashed validator is never primary: its view fails at once.
            self.start_view_change(now, view.saturating_add(1), ViewChangeReason::Timer, fx);
        }
    }
}
