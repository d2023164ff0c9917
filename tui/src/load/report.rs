//! The figures of a load run and how they print. Latencies are kept as a
//! sorted `Vec<u32>` of microseconds (4 bytes a transfer, exact
//! percentiles, no histogram crate); percentiles are nearest-rank.
//!
//! Per sending account (`BySender`, for censorship: whose transfers wait
//! longer) the submit→included latencies are kept too, at most
//! `SENDER_SAMPLES` an account (16 KiB): all of them up to that, beyond it
//! a uniform sample of all (reservoir sampling, seeded, so a run is
//! reproducible). The percentiles over a set of accounts weigh each
//! account's samples by how many latencies they stand for, so an account
//! over the cap counts as much as it sent; below the cap everywhere they
//! are the exact nearest-rank ones, as for the whole run.

use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Submit→included samples kept per sending account.
pub const SENDER_SAMPLES: usize = 4096;

/// A duration in ms, to the microsecond.
pub fn ms(d: Duration) -> f64 {
    d.as_micros() as f64 / 1000.0
}

/// `n` over `d` a second, to three decimals; 0 over no time.
pub fn per_sec(n: u64, d: Duration) -> f64 {
    if d.is_zero() { 0.0 } else { (n as f64 / d.as_secs_f64() * 1000.0).round() / 1000.0 }
}

/// The p-th percentile (0 < p <= 100) of ascending `sorted`, nearest rank:
/// the smallest value with at least p% of the values at or below it. Exact,
/// over every latency the run kept; `hdrhistogram` would approximate to
/// save memory a bounded run does not need.
pub fn percentile(sorted: &[u32], p: f64) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Latency percentiles in ms (null when nothing was measured).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Latency {
    pub count: usize,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

impl Latency {
    pub fn of(mut micros: Vec<u32>) -> Latency {
        micros.sort_unstable();
        let ms = |p| percentile(&micros, p).map(|us| f64::from(us) / 1000.0);
        Latency { count: micros.len(), p50: ms(50.0), p90: ms(90.0), p99: ms(99.0), max: ms(100.0) }
    }
}

/// One sending account's admitted transfers, how many were included, and
/// their submit→included latencies (µs; see the module doc for the cap).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SenderInclusion {
    pub admitted: u64,
    /// Counted as `LoadReport::included` counts (seen in a block, or found included at the end).
    pub included: u64,
    /// Latencies measured (inclusion seen on a watch stream); `samples` stands for these.
    pub measured: u64,
    /// The largest measured, µs (exact even past the cap).
    pub max_us: u32,
    samples: Vec<u32>,
}

/// splitmix64: the reservoir's seeded, reproducible choice.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl SenderInclusion {
    /// Adds one submit→included latency (µs): kept while under the cap,
    /// then it replaces a kept one with probability cap / measured (Algorithm R).
    pub fn measure(&mut self, us: u32) {
        let k = self.measured;
        self.measured += 1;
        self.max_us = self.max_us.max(us);
        if self.samples.len() < SENDER_SAMPLES {
            self.samples.push(us);
        } else {
            let j = mix(k) % (k + 1);
            if let Some(slot) = self.samples.get_mut(j as usize) {
                *slot = us;
            }
        }
    }

    /// This sender's submit→included percentiles.
    pub fn latency(&self) -> Latency {
        weighted(std::iter::once(self))
    }

    /// The latencies kept (all of them while `measured` is within the cap).
    pub fn samples(&self) -> &[u32] {
        &self.samples
    }

    /// How many latencies each kept sample stands for.
    fn weight(&self) -> f64 {
        if self.samples.is_empty() { 0.0 } else { self.measured as f64 / self.samples.len() as f64 }
    }
}

/// Per sending account, its inclusion figures; in JSON a compact list
/// `[{"account":3,"admitted":125,"included":120,"p50_ms":..,"p99_ms":..}]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BySender(pub BTreeMap<u32, SenderInclusion>);

impl BySender {
    pub fn entry(&mut self, account: u32) -> &mut SenderInclusion {
        self.0.entry(account).or_default()
    }

    /// Submit→included percentiles over the accounts `keep` picks,
    /// weighted as the module doc says; `count` is the latencies measured.
    pub fn latency(&self, keep: impl Fn(u32) -> bool) -> Latency {
        weighted(self.0.iter().filter(|(a, _)| keep(**a)).map(|(_, s)| s))
    }
}

/// Nearest-rank percentiles over the senders' samples, each weighing what it stands for.
fn weighted<'a>(senders: impl Iterator<Item = &'a SenderInclusion>) -> Latency {
    let mut all: Vec<(u32, f64)> = Vec::new();
    let (mut count, mut max) = (0u64, None::<u32>);
    for s in senders {
        let w = s.weight();
        all.extend(s.samples.iter().map(|us| (*us, w)));
        count += s.measured;
        if s.measured > 0 {
            max = max.max(Some(s.max_us));
        }
    }
    let Some(&(last, _)) = all.iter().max_by_key(|(us, _)| *us) else {
        return Latency { count: count as usize, ..Latency::default() };
    };
    all.sort_unstable_by_key(|(us, _)| *us);
    let total: f64 = all.iter().map(|(_, w)| w).sum();
    let ms = |us: u32| f64::from(us) / 1000.0;
    let at = |p: f64| {
        let want = (p / 100.0) * total;
        let mut cum = 0.0;
        let hit = all.iter().find(|(_, w)| {
            cum += w;
            cum >= want
        });
        Some(ms(hit.map_or(last, |(us, _)| *us)))
    };
    Latency { count: count as usize, p50: at(50.0), p90: at(90.0), p99: at(99.0), max: max.map(ms) }
}

impl Serialize for BySender {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Row {
            account: u32,
            admitted: u64,
            included: u64,
            p50_ms: Option<f64>,
            p99_ms: Option<f64>,
        }
        let mut seq = ser.serialize_seq(Some(self.0.len()))?;
        for (&account, s) in &self.0 {
            let l = s.latency();
            seq.serialize_element(&Row {
                account,
                admitted: s.admitted,
                included: s.included,
                p50_ms: l.p50,
                p99_ms: l.p99,
            })?;
        }
        seq.end()
    }
}

/// Refusals at submission with one reason word and status code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    pub reason: &'static str,
    pub code: &'static str,
    pub count: u64,
}

/// Everything a run reports. Every transfer that was sent lands in one
/// bucket: submitted = admitted + rejected, and admitted = final +
/// included_not_final + pending_at_end + expired +
/// rejected_after_admission + lost. Transfers the in-flight bound kept from
/// being sent are `dropped_by_client`, outside `submitted`. Durations are ms.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LoadReport {
    pub engine: String,
    pub nodes: Vec<String>,
    pub accounts: u32,
    /// Target rate, transfers a second.
    pub rate: f64,
    /// From the first send time to when sending stopped.
    pub window_ms: f64,
    /// How long it then waited for outstanding transfers.
    pub drain_ms: f64,
    /// Stopped early by Ctrl-C.
    pub interrupted: bool,
    /// Transfers whose send time came during the window.
    pub scheduled: u64,
    pub dropped_by_client: u64,
    pub submitted: u64,
    pub admitted: u64,
    pub rejected: u64,
    pub rejected_by_reason: Vec<ReasonCount>,
    /// Admitted transfers seen in a block of the canonical chain at some point.
    pub included: u64,
    #[serde(rename = "final")]
    pub final_: u64,
    pub included_not_final: u64,
    pub pending_at_end: u64,
    pub expired: u64,
    /// Admitted, then dropped by the node (its reason, e.g. another transfer
    /// with the same nonce was included).
    pub rejected_after_admission: u64,
    pub rejected_after_admission_by_reason: BTreeMap<String, u64>,
    /// Admitted, then unknown to the node (or no node answered at the end).
    pub lost: u64,
    /// scheduled / window.
    pub offered_tps: f64,
    /// final / (last finalization - first submit).
    pub finalized_tps: f64,
    /// Finalizations seen within the window / window.
    pub finalized_tps_window: f64,
    pub latency_included_ms: Latency,
    pub latency_final_ms: Latency,
    /// Per sending account, its inclusion figures (`included_latency_of`).
    pub by_sender: BySender,
    /// The latest any transfer came due after its scheduled time.
    pub max_send_lag_ms: f64,
    /// `SubmitTransactions` calls the transfers went in.
    pub submit_calls: u64,
    /// The longest a transfer waited from coming due to its call leaving (batching and signing).
    pub max_batch_wait_ms: f64,
}

impl LoadReport {
    /// Submit→included latency over the transfers of `accounts`.
    pub fn included_latency_of(&self, accounts: &BTreeSet<u32>) -> Latency {
        self.by_sender.latency(|a| accounts.contains(&a))
    }

    /// Submit→included latency over every other sender's transfers.
    pub fn included_latency_excluding(&self, accounts: &BTreeSet<u32>) -> Latency {
        self.by_sender.latency(|a| !accounts.contains(&a))
    }

    /// The accounting identities; an error names the one that fails.
    pub fn check(&self) -> Result<(), String> {
        let by_reason: u64 = self.rejected_by_reason.iter().map(|r| r.count).sum();
        let after: u64 = self.rejected_after_admission_by_reason.values().sum();
        let ends = self.final_
            + self.included_not_final
            + self.pending_at_end
            + self.expired
            + self.rejected_after_admission
            + self.lost;
        let checks = [
            (self.submitted == self.admitted + self.rejected, "submitted = admitted + rejected"),
            (self.rejected == by_reason, "rejected = sum of rejected_by_reason"),
            (
                self.admitted == ends,
                "admitted = final + included_not_final + pending_at_end + expired + rejected_after_admission + lost",
            ),
            (self.rejected_after_admission == after, "rejected_after_admission = sum of its reasons"),
            (self.scheduled == self.submitted + self.dropped_by_client, "scheduled = submitted + dropped_by_client"),
            (self.included >= self.final_ + self.included_not_final, "included >= final + included_not_final"),
        ];
        match checks.iter().find(|(ok, _)| !ok) {
            Some((_, what)) => Err(format!("accounting does not add up: {what} fails in {self:?}")),
            None => Ok(()),
        }
    }

    /// One JSON object: `{"type":"load", ...}`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("type".into(), "load".into());
        }
        v
    }

    /// The fastest and slowest sender by submit→included p50, when two or more were measured.
    fn sender_spread(&self) -> Option<String> {
        let p50s: Vec<(u32, f64)> =
            self.by_sender.0.iter().filter_map(|(&a, s)| s.latency().p50.map(|p| (a, p))).collect();
        let fastest = p50s.iter().min_by(|x, y| x.1.total_cmp(&y.1))?;
        let slowest = p50s.iter().max_by(|x, y| x.1.total_cmp(&y.1))?;
        (p50s.len() >= 2).then(|| {
            format!(
                "  by sender, submit→included p50 from {:.1} ms (account {}) to {:.1} ms (account {}) over {} senders",
                fastest.1,
                fastest.0,
                slowest.1,
                slowest.0,
                p50s.len()
            )
        })
    }

    pub fn to_text(&self) -> String {
        let mut out = Vec::new();
        out.push(format!(
            "load{}: {} transfers at {}/s for {:.1} s to {} from {} accounts ({})",
            if self.interrupted { " (interrupted)" } else { "" },
            self.scheduled,
            self.rate,
            self.window_ms / 1000.0,
            self.nodes.join(","),
            self.accounts,
            self.engine
        ));
        out.push(format!(
            "submitted {} (offered {:.1}/s): admitted {}, rejected {}",
            self.submitted, self.offered_tps, self.admitted, self.rejected
        ));
        if !self.rejected_by_reason.is_empty() {
            let r: Vec<String> =
                self.rejected_by_reason.iter().map(|r| format!("{} {} ({})", r.reason, r.count, r.code)).collect();
            out.push(format!("  rejected: {}", r.join(", ")));
        }
        out.push(format!(
            "admitted {}: final {}, included not final {}, pending at end {}, expired {}, rejected after admission {}, lost {}",
            self.admitted,
            self.final_,
            self.included_not_final,
            self.pending_at_end,
            self.expired,
            self.rejected_after_admission,
            self.lost
        ));
        if !self.rejected_after_admission_by_reason.is_empty() {
            let r: Vec<String> =
                self.rejected_after_admission_by_reason.iter().map(|(why, n)| format!("{n}: {why}")).collect();
            out.push(format!("  rejected after admission: {}", r.join("; ")));
        }
        out.push(format!("included {}", self.included));
        out.push(format!(
            "finalized {:.1} tx/s (first submit to last finalization), {:.1} tx/s within the load window",
            self.finalized_tps, self.finalized_tps_window
        ));
        out.push(format!("{:<18}{:>9}{:>9}{:>9}{:>9}{:>8}", "latency (ms)", "p50", "p90", "p99", "max", "n"));
        for (name, l) in [("submit→included", &self.latency_included_ms), ("submit→final", &self.latency_final_ms)]
        {
            let f = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.1}"));
            out.push(format!(
                "  {:<16}{:>9}{:>9}{:>9}{:>9}{:>8}",
                name,
                f(l.p50),
                f(l.p90),
                f(l.p99),
                f(l.max),
                l.count
            ));
        }
        if let Some(line) = self.sender_spread() {
            out.push(line);
        }
        out.push(format!(
            "client: {} dropped at the in-flight bound, sends at most {:.1} ms behind schedule, {} submit calls (waiting at most {:.1} ms), drained {:.1} s",
            self.dropped_by_client,
            self.max_send_lag_ms,
            self.submit_calls,
            self.max_batch_wait_ms,
            self.drain_ms / 1000.0
        ));
        out.join("\n")
    }
}
