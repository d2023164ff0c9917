//! What became of each transfer: when it was sent, the node's reply, the
//! first time any node reported it included, and when it became final on
//! the node it was sent to. Pure bookkeeping (times are passed in), shared
//! behind a mutex by the sender tasks and the watch streams.
//!
//! A sender registers a transfer (its id is computed locally) before the
//! submit call leaves, so no inclusion event can come first. A final event
//! counts from the transfer's own node; from any node once that node's
//! stream ended or skipped events (a gap in `seq`), since then its own
//! report may never come.

use super::report::{Latency, LoadReport, ReasonCount, ms, per_sec};
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
    sent: Instant,
    reply: Reply,
    included: Option<Instant>,
    final_own: Option<Instant>,
    final_any: Option<Instant>,
    end: Option<EndState>,
}

#[derive(Debug)]
pub struct Tracker {
    records: Vec<Record>,
    by_id: HashMap<Hash32, usize>,
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

impl Tracker {
    pub fn new(nodes: usize) -> Tracker {
        Tracker { records: Vec::new(), by_id: HashMap::new(), unreliable: vec![false; nodes], replies: 0 }
    }

    pub fn sent(&mut self, id: Hash32, node: usize, at: Instant) {
        // A reused nonce can give a refused transfer's id again; the new send is the one to follow.
        self.by_id.insert(id, self.records.len());
        self.records.push(Record {
            node,
            sent: at,
            reply: Reply::Waiting,
            included: None,
            final_own: None,
            final_any: None,
            end: None,
        });
    }

    pub fn replied(&mut self, id: &Hash32, reply: Reply) {
        if let Some(&i) = self.by_id.get(id)
            && self.records[i].reply == Reply::Waiting
        {
            self.records[i].reply = reply;
            self.replies += 1;
        }
    }

    /// Replies received so far (each sent transfer gets exactly one).
    pub fn replies(&self) -> u64 {
        self.replies
    }

    pub fn included(&mut self, ids: &[Vec<u8>], at: Instant) {
        for i in self.known(ids) {
            self.records[i].included.get_or_insert(at);
        }
    }

    pub fn finalized(&mut self, node: usize, ids: &[Vec<u8>], at: Instant) {
        for i in self.known(ids) {
            let r = &mut self.records[i];
            r.included.get_or_insert(at);
            r.final_any.get_or_insert(at);
            if r.node == node {
                r.final_own.get_or_insert(at);
            }
        }
    }

    pub fn unreliable(&mut self, node: usize) {
        if let Some(u) = self.unreliable.get_mut(node) {
            *u = true;
        }
    }

    fn known(&self, ids: &[Vec<u8>]) -> Vec<usize> {
        ids.iter().filter_map(|b| Hash32::from_slice(b)).filter_map(|id| self.by_id.get(&id).copied()).collect()
    }

    fn final_at(&self, r: &Record) -> Option<Instant> {
        r.final_own.or_else(|| r.final_any.filter(|_| self.unreliable.get(r.node).copied().unwrap_or(true)))
    }

    /// Admitted transfers not yet final, with their node.
    pub fn unresolved(&self) -> Vec<(Hash32, usize)> {
        let mut out: Vec<(Hash32, usize)> = self
            .by_id
            .iter()
            .filter(|&(_, &i)| {
                let r = &self.records[i];
                r.reply == Reply::Admitted && r.end.is_none() && self.final_at(r).is_none()
            })
            .map(|(id, &i)| (*id, self.records[i].node))
            .collect();
        out.sort_unstable();
        out
    }

    /// Transfers still waiting for a reply or for finality.
    pub fn outstanding(&self) -> usize {
        self.records.iter().filter(|r| r.reply == Reply::Waiting).count() + self.unresolved().len()
    }

    pub fn settle(&mut self, id: &Hash32, end: EndState) {
        if let Some(&i) = self.by_id.get(id) {
            self.records[i].end = Some(end);
        }
    }

    /// Fills the counts and latencies of `report` (the run fills the rest).
    pub fn tally(&self, w: Window, report: &mut LoadReport) {
        let micros = |a: Instant, b: Instant| b.saturating_duration_since(a).as_micros().min(u32::MAX as u128) as u32;
        let mut rejected: BTreeMap<(&'static str, &'static str), u64> = BTreeMap::new();
        let (mut to_included, mut to_final) = (Vec::new(), Vec::new());
        let mut last_final: Option<Instant> = None;
        let mut final_in_window = 0;
        let first_sent = self.records.iter().map(|r| r.sent).min();
        for r in &self.records {
            report.submitted += 1;
            let refusal = match &r.reply {
                Reply::Admitted => None,
                Reply::Refused(f) => Some((f.word, f.code)),
                // Every submit call ends (it has a deadline); this is the honest bucket if one did not.
                Reply::Waiting => Some(("other", "no_reply")),
            };
            if let Some(key) = refusal {
                report.rejected += 1;
                *rejected.entry(key).or_default() += 1;
                continue;
            }
            report.admitted += 1;
            if let Some(at) = r.included {
                to_included.push(micros(r.sent, at));
            }
            let seen_included = r.included.is_some();
            if let Some(at) = self.final_at(r) {
                report.final_ += 1;
                report.included += 1;
                to_final.push(micros(r.sent, at));
                last_final = last_final.max(Some(at));
                final_in_window += u64::from(at <= w.end);
                continue;
            }
            let end = r.end.clone().unwrap_or(EndState::Lost);
            let included_now = matches!(end, EndState::Final | EndState::Included);
            report.included += u64::from(seen_included || included_now);
            match end {
                EndState::Final => {
                    report.final_ += 1;
                    last_final = last_final.max(Some(w.settled));
                }
                EndState::Included => report.included_not_final += 1,
                EndState::Pending => report.pending_at_end += 1,
                EndState::Expired => report.expired += 1,
                EndState::Rejected(why) => {
                    report.rejected_after_admission += 1;
                    *report.rejected_after_admission_by_reason.entry(why).or_default() += 1;
                }
                EndState::Lost => report.lost += 1,
            }
        }
        report.rejected_by_reason =
            rejected.into_iter().map(|((reason, code), count)| ReasonCount { reason, code, count }).collect();
        report.latency_included_ms = Latency::of(to_included);
        report.latency_final_ms = Latency::of(to_final);
        let window = w.end.saturating_duration_since(w.start);
        report.window_ms = ms(window);
        report.offered_tps = per_sec(report.scheduled, window);
        report.finalized_tps_window = per_sec(final_in_window, window);
        if let (Some(first), Some(last)) = (first_sent, last_final) {
            report.finalized_tps = per_sec(report.final_, last.saturating_duration_since(first));
        }
    }
}
