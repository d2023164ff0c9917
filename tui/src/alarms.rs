//! The always-on checks of a running devnet, raised as alarms in the view
//! (dashboard header, headless summary, `devnet status`); safety is checked
//! in `ClusterView` itself as blocks finalize. Here, on every event:
//!
//! - accountability: a validator made to equivocate (or twinned) must be
//!   reported slashed by every honest running node within the bound of the
//!   fault; otherwise an alarm names the nodes that have not.
//! - liveness: while at least 2/3 of the stake is honest, running and in one
//!   connected group, the highest finalized epoch must advance at least once
//!   per bound (counted from when that condition began); an alarm is raised
//!   once per stall.
//!
//! The bound is `BOUND_EPOCHS` epochs but never under `MIN_BOUND_MS` of wall
//! time: with 100 ms slots, six epochs are 2.4 s, and a loaded machine can
//! stall processes that long without anything being wrong with the protocol.

use crate::cluster::ClusterView;
use crate::faults::FaultState;

pub const BOUND_EPOCHS: u64 = 6;
pub const MIN_BOUND_MS: u64 = 15_000;

#[derive(Debug, Default)]
pub struct Watchdog {
    /// Highest finalized epoch seen and when it was first seen.
    finality: (u64, u64),
    /// Since when 2/3 of the stake has been honest, running and connected.
    healthy_since: Option<u64>,
    stall_raised: bool,
}

impl Watchdog {
    pub fn check(&mut self, view: &mut ClusterView, faults: &FaultState, stakes: &[u64], now: u64) {
        let epoch_ms = (view.slot_ms * view.epoch_slots).max(1);
        let bound = (BOUND_EPOCHS * epoch_ms).max(MIN_BOUND_MS);
        let validators = stakes.len();
        let honest_now: Vec<bool> = (0..view.nodes.len())
            .map(|i| {
                i < validators
                    && faults.behaviour[i].0 == "honest"
                    && !faults.equivocating.contains_key(&(i as u32))
                    && view.nodes[i].is_running()
            })
            .collect();
        let honest = |i: usize| honest_now[i];

        for (&v, &since) in &faults.equivocating {
            if now < since + bound {
                continue;
            }
            let missing: Vec<String> = (0..view.nodes.len())
                .filter(|i| honest(*i) && !view.nodes[*i].slashed_seen.contains(&v))
                .map(|i| view.nodes[i].id.clone())
                .collect();
            if !missing.is_empty() {
                let detail = format!(
                    "validator {v} equivocates but is not slashed after {} s on {}",
                    bound / 1000,
                    missing.join(", ")
                );
                view.raise("accountability", detail, now);
            }
        }

        let fin = view.finalized().epoch;
        if fin > self.finality.0 || self.finality.1 == 0 {
            self.finality = (fin, now);
            self.stall_raised = false;
        }
        let total: u64 = stakes.iter().sum();
        let connected: u64 = faults
            .components()
            .iter()
            .map(|g| g.iter().filter(|i| honest(**i)).map(|i| stakes[*i]).sum::<u64>())
            .max()
            .unwrap_or(0);
        if 3 * connected >= 2 * total {
            let since = *self.healthy_since.get_or_insert(now);
            let from = since.max(self.finality.1);
            if !self.stall_raised && now > from + bound {
                self.stall_raised = true;
                let detail = format!(
                    "finality stuck at epoch {fin} for {} although {connected} of {total} stake is honest, running and connected",
                    crate::words::plural((now - from) / epoch_ms, "epoch")
                );
                view.raise("liveness", detail, now);
            }
        } else {
            self.healthy_since = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ClusterEvent;
    use crate::supervisor::{ProcEvent, ProcState};

    fn setup() -> (ClusterView, FaultState) {
        // 1 s slots, 4-slot epochs: an epoch is 4 s, the bound 6 epochs = 24 s.
        let mut v = ClusterView::new("t", "gasper", 1000, 4, 0, &crate::cluster::test_views::entries(4));
        for i in 0..4 {
            v.apply(ClusterEvent::Proc(ProcEvent { node: i, state: ProcState::Running }), 0);
        }
        (v, FaultState::new(4))
    }

    #[test]
    fn a_stall_with_two_thirds_connected_raises_liveness_once() {
        let (mut v, f) = setup();
        let mut w = Watchdog::default();
        w.check(&mut v, &f, &[1, 1, 1, 1], 1);
        w.check(&mut v, &f, &[1, 1, 1, 1], 20_000);
        assert!(v.alarms.is_empty(), "5 epochs is within the bound");
        w.check(&mut v, &f, &[1, 1, 1, 1], 26_000);
        w.check(&mut v, &f, &[1, 1, 1, 1], 50_000);
        assert_eq!(v.alarms.iter().filter(|a| a.kind == "liveness").count(), 1);
    }

    #[test]
    fn an_even_split_is_no_liveness_failure() {
        let (mut v, mut f) = setup();
        f.apply_links(&crate::faults::parse(&crate::faults::words("partition n0,n1/n2,n3"), 4).unwrap());
        let mut w = Watchdog::default();
        for t in [1, 20_000, 50_000, 90_000] {
            w.check(&mut v, &f, &[1, 1, 1, 1], t);
        }
        assert!(v.alarms.is_empty(), "{:?}", v.alarms);
    }

    #[test]
    fn an_unslashed_equivocator_raises_accountability() {
        let (mut v, mut f) = setup();
        f.equivocating.insert(3, 0);
        let mut w = Watchdog::default();
        for n in 0..2 {
            v.nodes[n].slashed_seen.insert(3);
        }
        w.check(&mut v, &f, &[1, 1, 1, 1], 100);
        assert!(v.alarms.is_empty());
        w.check(&mut v, &f, &[1, 1, 1, 1], 25_000);
        let a = v.alarms.iter().find(|a| a.kind == "accountability").expect("alarm");
        assert!(a.detail.ends_with("on n2"), "{}", a.detail);
        v.nodes[2].slashed_seen.insert(3);
        let before = v.alarms.len();
        w.check(&mut v, &f, &[1, 1, 1, 1], 26_000);
        assert_eq!(v.alarms.iter().filter(|a| a.kind == "accountability").count(), 1);
        assert!(v.alarms.len() <= before + 1);
    }
}
