//! Figures of one scenario run that compare across engines (`devnet
//! compare`): when finality first came, how long it stalled while the fault
//! was in force, how deep nodes reorged after heal, and what finality was
//! lost. "Finality" is each engine's own: a finalized checkpoint (gasper), a
//! committed height (tendermint), a block k deep (pow).
//!
//! The fault window runs from the first fault step (a `load` step is
//! traffic, not a fault) to the first `heal` after it (or the end of the
//! run when nothing heals).
//!
//! When the scenario runs a load (`load 500/s`), its report is here too,
//! with the two figures the comparison shows: finalized TPS (final
//! transfers over first submit to last finalization) and p99 submit→final.
//! With several loads in one run, the last one's.

use super::checks::Context;
use super::timeline::Timeline;
use crate::faults::Fault;
use crate::load::LoadReport;
use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// Ms from slot 0 to the first finalized block on any node.
    pub first_finality_ms: Option<u64>,
    /// The fault window, ms since slot 0.
    pub fault_window_ms: Option<(u64, u64)>,
    /// Longest time within the fault window the highest finalized height (epoch for gasper) did not advance.
    pub longest_stall_ms: Option<u64>,
    /// Deepest reorg any node made after the heal step.
    pub reorg_depth_after_heal: Option<u64>,
    /// Safety alarms (conflicting finalization).
    pub safety_violations: usize,
    /// k-deep blocks reverted (pow; `None` for engines whose finality is final).
    pub kdeep_reverted: Option<usize>,
    /// Highest finalized height (any node) at the end.
    pub finalized_height: u64,
    /// Under the scenario's load: final transfers a second.
    pub finalized_tps: Option<f64>,
    /// Under the scenario's load: p99 of submit→final, ms.
    pub p99_final_ms: Option<f64>,
    /// The load's whole report (accounting and latencies).
    pub load: Option<LoadReport>,
}

impl Metrics {
    pub fn of(ctx: &Context) -> Metrics {
        let tl = ctx.timeline;
        let steps = &ctx.scenario.steps;
        let start = steps
            .iter()
            .zip(&tl.steps)
            .filter(|(s, _)| !matches!(s.fault, Fault::Load(_)))
            .filter_map(|(_, t)| *t)
            .min();
        let heal = steps
            .iter()
            .zip(&tl.steps)
            .filter_map(|(s, t)| t.filter(|t| matches!(s.fault, Fault::Heal) && start.is_some_and(|a| *t > a)))
            .min();
        let window = start.map(|a| (a, heal.unwrap_or(ctx.end).max(a)));
        Metrics {
            first_finality_ms: tl.samples.iter().find(|s| s.max_finalized() > 0).map(|s| s.t),
            fault_window_ms: window,
            longest_stall_ms: window.map(|(a, b)| longest_stall(tl, a, b)),
            reorg_depth_after_heal: heal
                .map(|h| tl.reorgs.iter().filter(|(t, _, _)| *t >= h).map(|(_, _, d)| *d).max().unwrap_or(0)),
            safety_violations: ctx.view.alarms.iter().filter(|a| a.kind == "safety").count(),
            kdeep_reverted: ctx.view.probabilistic().then(|| ctx.reverted_since(0).0),
            finalized_height: ctx.view.nodes.iter().map(|n| n.finalized.block.height).max().unwrap_or(0),
            ..Default::default()
        }
    }

    /// Adds the run's load, if it ran one.
    pub fn with_load(self, load: Option<LoadReport>) -> Metrics {
        Metrics {
            finalized_tps: load.as_ref().map(|l| l.finalized_tps),
            p99_final_ms: load.as_ref().and_then(|l| l.latency_final_ms.p99),
            load,
            ..self
        }
    }
}

/// The longest stretch of `[from, to]` in which the highest finality index did not grow.
pub fn longest_stall(tl: &Timeline, from: u64, to: u64) -> u64 {
    let mut best = tl.at(from).map_or(0, |s| s.max_finalized());
    let mut last = from;
    let mut longest = 0;
    for s in tl.samples.iter().filter(|s| s.t > from && s.t <= to) {
        if s.max_finalized() > best {
            best = s.max_finalized();
            longest = longest.max(s.t - last);
            last = s.t;
        }
    }
    longest.max(to.saturating_sub(last))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::timeline::Sample;

    fn tl(points: &[(u64, u64)]) -> Timeline {
        let mut t = Timeline::new(0);
        t.samples = points
            .iter()
            .map(|(t, f)| Sample { t: *t, finalized: vec![*f], heads: vec![Default::default()], running: vec![true] })
            .collect();
        t
    }

    #[test]
    fn stall_is_the_longest_gap_between_advances_inside_the_window() {
        // Advances at 1s, 2s, 9s, 10s; the window 1.5s..9.5s stalls from 2s to 9s.
        let t = tl(&[(1000, 1), (2000, 2), (9000, 3), (10_000, 4)]);
        assert_eq!(longest_stall(&t, 1500, 9500), 7000);
        // No advance at all: the whole window.
        assert_eq!(longest_stall(&t, 2500, 8500), 6000);
        // The stall up to the window's end counts too.
        assert_eq!(longest_stall(&t, 500, 3000), 1000);
    }
}
