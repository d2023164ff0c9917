//! The scenario report's hashrate rentals (pow, `rent`): each rental's node,
//! share, start and end, and the deepest reorg any node went through from
//! its start until k blocks after its end, so a reader sees reorg depth
//! against rented share and time. The same rule as the run report's
//! (`report::rentals`), read off the scenario's timeline: "k blocks after"
//! is the first moment the highest head is k above the highest head at the
//! end (or the run's end, said as `short`).

use super::timeline::Timeline;
use crate::faults::rent::Rental;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RentalRow {
    pub node: String,
    pub percent: u32,
    /// Milliseconds since slot 0.
    pub from_ms: u64,
    pub to_ms: u64,
    pub until_ms: u64,
    pub short: bool,
    pub deepest_reorg: u64,
    pub deepest_on: Option<String>,
}

impl RentalRow {
    pub fn text(&self) -> String {
        let secs = |ms: u64| format!("{:.1}s", ms as f64 / 1000.0);
        let deepest = match &self.deepest_on {
            Some(n) => format!("deepest reorg {} ({n})", self.deepest_reorg),
            None => "no reorg".to_string(),
        };
        format!(
            "{} rented {}% from {} to {}: {deepest} until {}{}",
            self.node,
            self.percent,
            secs(self.from_ms),
            secs(self.to_ms),
            secs(self.until_ms),
            if self.short { " (the run ended before k blocks more)" } else { " (k blocks after)" }
        )
    }
}

fn highest(heads: &[(devnet_node::chain::Hash32, u64)]) -> u64 {
    heads.iter().map(|h| h.1).max().unwrap_or(0)
}

/// A row per rental; `genesis_ms` turns the rentals' unix times into the
/// timeline's, `end` is when the run ended (timeline time), `now_ms` the
/// unix time then (for rentals still in force).
pub fn rows(rentals: &[Rental], tl: &Timeline, genesis_ms: u64, end: u64, k: u64, ids: &[String]) -> Vec<RentalRow> {
    rentals
        .iter()
        .map(|r| {
            let from = r.from_ms.saturating_sub(genesis_ms);
            let to = r.ended_ms.map_or(end, |t| t.saturating_sub(genesis_ms)).min(end);
            let at_end = tl.at(to).map_or(0, |s| highest(&s.heads));
            let after = tl.samples.iter().find(|s| s.t >= to && highest(&s.heads) >= at_end + k);
            let until = after.map_or(end, |s| s.t);
            let deepest = tl.reorgs.iter().filter(|(t, _, _)| *t >= from && *t <= until).max_by_key(|(_, _, d)| *d);
            RentalRow {
                node: ids.get(r.node).cloned().unwrap_or_else(|| format!("n{}", r.node)),
                percent: r.percent,
                from_ms: from,
                to_ms: to,
                until_ms: until,
                short: after.is_none(),
                deepest_reorg: deepest.map_or(0, |d| d.2),
                deepest_on: deepest.map(|d| ids.get(d.1).cloned().unwrap_or_else(|| format!("n{}", d.1))),
            }
        })
        .collect()
}
