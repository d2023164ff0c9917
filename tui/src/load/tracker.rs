//! What became of each transfer: when it was sent, the node's reply, the
//! first time any node reported it included, and when it became final on
//! the node it was sent to. Pure bookkeeping (times are passed in), shared
//! behind a mutex by the sender tasks and the watch streams.
//!
//! A batch task registers its transfers (ids computed locally) before the
//! submit call leaves, so no inclusion event can come first. A final event
//! counts from the transfer's own node; from any node once that node's
//! stream ended or skipped events (a gap in `seq`), since then its own
//! report may never come.
//!
//! A transfer whose fate is settled (refused, or admitted and final) is
//! folded into running totals and forgotten, so a load left running (the
//! dashboard's) keeps a record only per open transfer, plus 16 bytes per
//! final one for its latencies and finalization time, and at most
//! `report::SENDER_SAMPLES` latencies per sending account. Open records
//! are folded the same way at the end (`tally`).

use super::report::{BySender, Latency, LoadReport, ReasonCount, ms, per_sec};
use crate::node_client::Refusal;
use devnet_node::chain::Hash32;
use std::collections::{BTreeMap, HashMap};
use tokio::time::Instant;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Waiting,
    Admitted,
    Refused(Refusal),
}

/// Where an admitted transfer not seen final stood when the run asked its node at the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndState {
    Final,
    Included,
    Pending,
    Expired,
    Rejected(String),
    /// Unknown to the node, or no node answered.
    Lost,
}

#[derive(Clone, Debug)]
struct Record {
    node: usize,
    /// The sending account.
    from: u32,
    sent: Instant,
    reply: Reply,
    included: Option<Instant>,
    final_own: Option<Instant>,
    final_any: Option<Instant>,
    end: Option<EndState>,
}

/// The totals of folded transfers; the same fields `tally` reports.
#[derive(Clone, Debug, Default)]
struct Totals {
    submitted: u64,
    admitted: u64,
    rejected: BTreeMap<(&'static str, &'static str), u64>,
    included: u64,
    final_: u64,
    included_not_final: u64,
    pending_at_end: u64,
    expired: u64,
    rejected_after_admission: u64,
    rejected_after_admission_by_reason: BTreeMap<String, u64>,
    lost: u64,
    to_included: Vec<u32>,
    to_final: Vec<u32>,
    /// Per sending account: its included transfers and their submit→included latencies.
    by_sender: BySender,
    /// Each final transfer's finalization, µs after the first send (for the in-window count).
    final_at: Vec<u64>,
    last_final: Option<Instant>,
}

#[derive(Debug)]
pub struct Tracker {
    open: HashMap<Hash32, Record>,
    totals: Totals,
    first_sent: Option<Instant>,
    /// Per node: its stream ended or skipped events.
    unreliable: Vec<bool>,
    replies: u64,
}

/// The run's clock marks the report needs.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// The schedule's start.
    pub start: Instant,
    /// When sending stopped.
    pub end: Instant,
    /// When the end-of-run status queries were answered.
    pub settled: Instant,
}

/// What the tracker knows so far, cheaply: transfers sent, final, and the
/// submit→final percentiles of the final ones (ms).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Live {
    pub submitted: u64,
    pub final_: u64,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

/// The live figures from `Tracker::live_parts`: nearest-rank percentiles
/// (as `report::percentile`) by two linear selections, no sort.
pub fn live(submitted: u64, final_: u64, mut latencies: Vec<u32>) -> Live {
    let n = latencies.len();
    let rank = |p: f64| ((p / 100.0 * n as f64).ceil() as usize).clamp(1, n.max(1)) - 1;
    let (p50, p99) = if n == 0 {
        (None, None)
    } else {
        let i99 = rank(99.0);
        let (left, at99, _) = latencies.select_nth_unstable(i99);
        let p99 = *at99;
        let i50 = rank(50.0);
        let p50 = if i50 < i99 { *left.select_nth_unstable(i50).1 } else { p99 };
        (Some(p50), Some(p99))
    };
    let ms = |us: Option<u32>| us.map(|us| f64::from(us) / 1000.0);
    Live { submitted, final_, p50_ms: ms(p50), p99_ms: ms(p99) }
}

fn micros(a: Instant, b: Instant) -> u32 {
    b.saturating_duration_since(a).as_micros().min(u32::MAX as u128) as u32
}

impl Tracker {
    pub fn new(nodes: usize) -> Tracker {
        Tracker {
            open: HashMap::new(),
            totals: Totals::default(),
            first_sent: None,
            unreliable: vec![false; nodes],
            replies: 0,
        }
    }

    /// Transfer `id` from account `from`, sent to `node` at `at` (the moment it came due).
    pub fn sent(&mut self, id: Hash32, node: usize, from: u32, at: Instant) {
        self.first_sent = Some(self.first_sent.map_or(at, |f| f.min(at)));
        let record = Record {
            node,
            from,
            sent: at,
            reply: Reply::Waiting,
            included: None,
            final_own: None,
            final_any: None,
            end: None,
        };
        // The same id again (a reused nonce re-signing the same transfer) is a new send; the old one is folded as it stands.
        if let Some(old) = self.open.insert(id, record) {
            let first = self.first_sent.unwrap_or(at);
            let final_at = self.final_at(&old);
            fold(&mut self.totals, &old, final_at, first, at);
        }
    }

    pub fn replied(&mut self, id: &Hash32, reply: Reply) {
        if let Some(r) = self.open.get_mut(id)
            && r.reply == Reply::Waiting
        {
            r.reply = reply;
            self.replies += 1;
            self.fold_if_settled(id);
        }
    }

    /// Replies received so far (each sent transfer gets exactly one).
    pub fn replies(&self) -> u64 {
        self.replies
    }

    pub fn included(&mut self, ids: &[Vec<u8>], at: Instant) {
        for id in ids.iter().filter_map(|b| Hash32::from_slice(b)) {
            if let Some(r) = self.open.get_mut(&id) {
                r.included.get_or_insert(at);
            }
        }
    }

    pub fn finalized(&mut self, node: usize, ids: &[Vec<u8>], at: Instant) {
        for id in ids.iter().filter_map(|b| Hash32::from_slice(b)) {
            let Some(r) = self.open.get_mut(&id) else { continue };
            r.included.get_or_insert(at);
            r.final_any.get_or_insert(at);
            if r.node == node {
                r.final_own.get_or_insert(at);
            }
            self.fold_if_settled(&id);
        }
    }

    pub fn unreliable(&mut self, node: usize) {
        let Some(u) = self.unreliable.get_mut(node) else { return };
        if *u {
            return;
        }
        *u = true;
        // Finals other nodes reported for this node's transfers count now.
        let ids: Vec<Hash32> =
            self.open.iter().filter(|(_, r)| r.node == node && r.final_any.is_some()).map(|(id, _)| *id).collect();
        for id in ids {
            self.fold_if_settled(&id);
        }
    }

    fn final_at(&self, r: &Record) -> Option<Instant> {
        r.final_own.or_else(|| r.final_any.filter(|_| self.unreliable.get(r.node).copied().unwrap_or(true)))
    }

    /// Folds a refused transfer, or an admitted one now final.
    fn fold_if_settled(&mut self, id: &Hash32) {
        let Some(r) = self.open.get(id) else { return };
        let final_at = self.final_at(r);
        let settled = match r.reply {
            Reply::Refused(_) => true,
            Reply::Admitted => final_at.is_some(),
            Reply::Waiting => false,
        };
        if settled && let Some(r) = self.open.remove(id) {
            let first = self.first_sent.unwrap_or(r.sent);
            fold(&mut self.totals, &r, final_at, first, r.sent);
        }
    }

    /// Admitted transfers not yet final, with their node.
    pub fn unresolved(&self) -> Vec<(Hash32, usize)> {
        let mut out: Vec<(Hash32, usize)> = self
            .open
            .iter()
            .filter(|(_, r)| r.reply == Reply::Admitted && r.end.is_none() && self.final_at(r).is_none())
            .map(|(id, r)| (*id, r.node))
            .collect();
        out.sort_unstable();
        out
    }

    /// Transfers still waiting for a reply or for finality.
    pub fn outstanding(&self) -> usize {
        self.open
            .values()
            .filter(|r| match r.reply {
                Reply::Waiting => true,
                Reply::Admitted => r.end.is_none() && self.final_at(r).is_none(),
                Reply::Refused(_) => false,
            })
            .count()
    }

    pub fn settle(&mut self, id: &Hash32, end: EndState) {
        if let Some(r) = self.open.get_mut(id) {
            r.end = Some(end);
        }
    }

    /// Sent so far, final so far, and a copy of the final ones' submit→final
    /// latencies (µs), for `live`: the copy is made under the lock, the
    /// selection outside it.
    pub fn live_parts(&self) -> (u64, u64, Vec<u32>) {
        (self.totals.submitted + self.open.len() as u64, self.totals.final_, self.totals.to_final.clone())
    }

    /// Fills the counts and latencies of `report` (the run fills the rest).
    pub fn tally(&self, w: Window, report: &mut LoadReport) {
        let mut t = self.totals.clone();
        let first = self.first_sent.unwrap_or(w.start);
        for r in self.open.values() {
            fold(&mut t, r, self.final_at(r), first, w.settled);
        }
        report.submitted = t.submitted;
        report.admitted = t.admitted;
        report.rejected = t.rejected.values().sum();
        report.rejected_by_reason =
            t.rejected.into_iter().map(|((reason, code), count)| ReasonCount { reason, code, count }).collect();
        report.included = t.included;
        report.final_ = t.final_;
        report.included_not_final = t.included_not_final;
        report.pending_at_end = t.pending_at_end;
        report.expired = t.expired;
        report.rejected_after_admission = t.rejected_after_admission;
        report.rejected_after_admission_by_reason = t.rejected_after_admission_by_reason;
        report.lost = t.lost;
        report.latency_included_ms = Latency::of(t.to_included);
        report.latency_final_ms = Latency::of(t.to_final);
        report.by_sender = t.by_sender;
        let window = w.end.saturating_duration_since(w.start);
        let end_us = w.end.saturating_duration_since(first).as_micros() as u64;
        let final_in_window = t.final_at.iter().filter(|at| **at <= end_us).count() as u64;
        report.window_ms = ms(window);
        report.offered_tps = per_sec(report.scheduled, window);
        report.finalized_tps_window = per_sec(final_in_window, window);
        if let (Some(first), Some(last)) = (self.first_sent, t.last_final) {
            report.finalized_tps = per_sec(report.final_, last.saturating_duration_since(first));
        }
    }
}

/// Adds one transfer to the totals: `final_at` is when it counts as final
/// (if seen), `first` the first send, `settled` when an `EndState::Final`
/// from the end-of-run query was learnt.
fn fold(t: &mut Totals, r: &Record, final_at: Option<Instant>, first: Instant, settled: Instant) {
    t.submitted += 1;
    let refusal = match &r.reply {
        Reply::Admitted => None,
        Reply::Refused(f) => Some((f.word, f.code)),
        // Every submit call ends (it has a deadline); this is the honest bucket if one did not.
        Reply::Waiting => Some(("other", "no_reply")),
    };
    if let Some(key) = refusal {
        *t.rejected.entry(key).or_default() += 1;
        return;
    }
    t.admitted += 1;
    let sender = t.by_sender.entry(r.from);
    sender.admitted += 1;
    if let Some(at) = r.included {
        let us = micros(r.sent, at);
        t.to_included.push(us);
        sender.measure(us);
    }
    if let Some(at) = final_at {
        sender.included += 1;
        t.final_ += 1;
        t.included += 1;
        t.to_final.push(micros(r.sent, at));
        t.final_at.push(at.saturating_duration_since(first).as_micros() as u64);
        t.last_final = t.last_final.max(Some(at));
        return;
    }
    let end = r.end.clone().unwrap_or(EndState::Lost);
    let included_now = matches!(end, EndState::Final | EndState::Included);
    let included = u64::from(r.included.is_some() || included_now);
    t.included += included;
    t.by_sender.entry(r.from).included += included;
    match end {
        EndState::Final => {
            t.final_ += 1;
            t.last_final = t.last_final.max(Some(settled));
        }
        EndState::Included => t.included_not_final += 1,
        EndState::Pending => t.pending_at_end += 1,
        EndState::Expired => t.expired += 1,
        EndState::Rejected(why) => {
            t.rejected_after_admission += 1;
            *t.rejected_after_admission_by_reason.entry(why).or_default() += 1;
        }
        EndState::Lost => t.lost += 1,
    }
}
