//! The figures of a load run and how they print. Latencies are kept as a
//! sorted `Vec<u32>` of microseconds (4 bytes a transfer, exact
//! percentiles, no histogram crate); percentiles are nearest-rank.

use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// A duration in ms, to the microsecond.
pub fn ms(d: Duration) -> f64 {
    d.as_micros() as f64 / 1000.0
}

/// `n` over `d` a second, to three decimals; 0 over no time.
pub fn per_sec(n: u64, d: Duration) -> f64 {
    if d.is_zero() { 0.0 } else { (n as f64 / d.as_secs_f64() * 1000.0).round() / 1000.0 }
}

/// The p-th percentile (0 < p <= 100) of ascending `sorted`, nearest rank:
/// the smallest value with at least p% of the values at or below it.
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
    /// The latest any send went out after its scheduled time.
    pub max_send_lag_ms: f64,
}

impl LoadReport {
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
        out.push(format!(
            "client: {} dropped at the in-flight bound, sends at most {:.1} ms behind schedule, drained {:.1} s",
            self.dropped_by_client,
            self.max_send_lag_ms,
            self.drain_ms / 1000.0
        ));
        out.join("\n")
    }
}
