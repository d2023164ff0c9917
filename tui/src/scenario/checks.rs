//! Evaluating a scenario's expectations and the always-on checks over the
//! recorded timeline. Every check yields a name, a verdict and a detail with
//! the heights, epochs and times it looked at.
//!
//! Always-on checks, added to every run:
//! - safety: no two nodes finalized conflicting blocks (the view's alarm);
//! - pow only, k-deep finality: no k-deep block was reverted (the view's
//!   `reverted` alarms). PoW allows it, so it is an observation rather than
//!   a safety violation, but it fails a run unless the scenario expects it
//!   with `final_reverted`;
//! - accountability: every validator made to equivocate (or twinned) is
//!   slashed on every honest running node by the end;
//! - liveness: when the run ends at least 5 epochs after its last step, with
//!   2/3 of the stake honest, running and connected, the highest finalized
//!   epoch advances between 2 epochs after the last step and the end. When
//!   those conditions do not hold the check says why it was not judged.

mod chain;
mod txs;

use super::file::{Check, Scenario};
use super::timeline::Timeline;
use crate::cluster::ClusterView;
use crate::faults::{Fault, FaultState};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckResult {
    pub name: String,
    pub passed: bool,
    pub detail: String,
}

fn secs(ms: u64) -> String {
    format!("{:.2}s", ms as f64 / 1000.0)
}

pub struct Context<'a> {
    pub scenario: &'a Scenario,
    pub timeline: &'a Timeline,
    pub view: &'a ClusterView,
    pub faults: &'a FaultState,
    /// Run end, ms since slot 0.
    pub end: u64,
    /// The reports of the loads the run ran, in order.
    pub loads: &'a [crate::load::LoadReport],
}

impl Context<'_> {
    fn epoch_ms(&self) -> u64 {
        self.scenario.devnet.slot_ms * self.scenario.devnet.epoch_slots
    }

    /// When the first fault step after step `i` ran (or the run's end).
    /// A `load` step is not a fault: it neither ends a fault's window nor
    /// counts as the last change for liveness.
    pub(super) fn next_fault_step(&self, i: usize) -> u64 {
        let fault_steps = self.timeline.steps.iter().zip(&self.scenario.steps).skip(i + 1);
        fault_steps.filter(|(_, s)| !matches!(s.fault, Fault::Load(_))).find_map(|(t, _)| *t).unwrap_or(self.end)
    }

    /// The time a check counts from: its step's time, or slot 0.
    pub(super) fn start(&self, after: Option<usize>) -> Result<u64, String> {
        match after {
            None => Ok(0),
            Some(i) => {
                self.timeline.steps[i].ok_or_else(|| format!("step {:?} never ran", self.scenario.steps[i].name))
            }
        }
    }

    /// Validators made Byzantine by the scenario (equivocate, or a twin of theirs).
    fn byzantine(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self
            .scenario
            .steps
            .iter()
            .filter_map(|s| match &s.fault {
                Fault::Behaviour { node, name, .. } if name == "equivocate" => Some(*node as u32),
                Fault::Twin(node) => Some(*node as u32),
                _ => None,
            })
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Nodes that are honest (not Byzantine, not a twin) and running now.
    pub(super) fn honest_running(&self) -> Vec<usize> {
        let validators = self.scenario.devnet.nodes;
        let byz = self.byzantine();
        (0..self.view.nodes.len())
            .filter(|i| *i < validators && !byz.contains(&(*i as u32)) && self.faults.behaviour[*i].0 == "honest")
            .filter(|i| self.view.nodes[*i].is_running())
            .collect()
    }

    pub fn evaluate(&self, check: &Check) -> (bool, String) {
        match self.judge(check) {
            Ok(r) => r,
            Err(e) => (false, e),
        }
    }

    /// What the finality index counts: epochs for gasper, heights otherwise.
    pub(super) fn unit(&self) -> &'static str {
        if crate::cluster::engine::description(&self.scenario.devnet.consensus).finality.by_epoch {
            "epoch"
        } else {
            "height"
        }
    }

    fn judge(&self, check: &Check) -> Result<(bool, String), String> {
        let tl = self.timeline;
        let u = self.unit();
        Ok(match check {
            Check::FinalizedAdvances { after, by, within } => {
                let t0 = self.start(*after)?;
                let f0 = tl.at(t0).map_or(0, |s| s.max_finalized());
                let deadline = t0 + within.as_millis() as u64;
                match tl.between(t0, deadline).find(|s| s.max_finalized() >= f0 + by) {
                    Some(s) => (
                        true,
                        format!(
                            "finalized {u} {f0} -> {} at {} ({} after {})",
                            s.max_finalized(),
                            secs(s.t),
                            secs(s.t - t0),
                            secs(t0)
                        ),
                    ),
                    None => {
                        let f1 = tl.at(deadline.min(self.end)).map_or(0, |s| s.max_finalized());
                        (
                            false,
                            format!(
                                "finalized {u} {f0} -> {f1} by {}, wanted +{by} within {}",
                                secs(deadline.min(self.end)),
                                secs(within.as_millis() as u64)
                            ),
                        )
                    }
                }
            }
            Check::FinalityStalls { during } => {
                let ta = self.start(Some(*during))?;
                let tb = self.next_fault_step(*during);
                let from = ta + 2 * self.epoch_ms();
                if from >= tb {
                    return Ok((
                        false,
                        format!(
                            "the stall window is empty: step {:?} lasts {} but the check starts 2 epochs ({}) in",
                            self.scenario.steps[*during].name,
                            secs(tb - ta),
                            secs(2 * self.epoch_ms())
                        ),
                    ));
                }
                let f_from = tl.at(from).map_or(0, |s| s.max_finalized());
                let f_to = tl.at(tb).map_or(0, |s| s.max_finalized());
                let held = f_to == f_from;
                (held, format!("highest finalized {u} {f_from} at {} and {f_to} at {}", secs(from), secs(tb)))
            }
            Check::Slashed { validator, after, within } => {
                let t0 = self.start(*after)?;
                let deadline = t0 + within.as_millis() as u64;
                let honest = self.honest_running();
                let mut missing = vec![];
                let mut latest = t0;
                for n in &honest {
                    match tl.slashed.iter().find(|(_, node, v)| node == n && v == validator) {
                        Some((t, _, _)) if *t <= deadline => latest = latest.max(*t),
                        _ => missing.push(self.view.nodes[*n].id.clone()),
                    }
                }
                if honest.is_empty() {
                    (false, "no honest node is running to judge by".into())
                } else if missing.is_empty() {
                    (
                        true,
                        format!(
                            "validator {validator} slashed on all {} honest nodes by {}",
                            honest.len(),
                            secs(latest)
                        ),
                    )
                } else {
                    (
                        false,
                        format!(
                            "validator {validator} not slashed within {} on: {}",
                            secs(within.as_millis() as u64),
                            missing.join(", ")
                        ),
                    )
                }
            }
            Check::ReorgAtMost { depth, after } => {
                let t0 = self.start(*after)?;
                let deepest = tl.reorgs.iter().filter(|(t, _, _)| *t >= t0).max_by_key(|(_, _, d)| *d);
                match deepest {
                    Some((t, n, d)) if d > depth => {
                        let deep = crate::words::plural(*d, "block");
                        (false, format!("{} reorged {deep} deep at {}", self.view.nodes[*n].id, secs(*t)))
                    }
                    Some((t, n, d)) => {
                        (true, format!("deepest reorg {d} ({} at {})", self.view.nodes[*n].id, secs(*t)))
                    }
                    None => (true, "no reorgs".into()),
                }
            }
            Check::Reorg { depth, node, after } => self.judge_reorg(*depth, *node, *after)?,
            Check::FinalReverted { by, after } => self.judge_final_reverted(*by, *after)?,
            Check::NoCommitsDuring { during, grace } => self.judge_no_commits(*during, *grace)?,
            Check::ChainShare { node, after } => self.judge_chain_share(*node, *after)?,
            Check::DoubleSpend { after } => self.judge_double_spend(*after)?,
            Check::Censorship { node, after } => self.judge_censorship(*node, *after)?,
            Check::AllHeadsAgree { after, within } => {
                let t0 = self.start(*after)?;
                let deadline = t0 + within.as_millis() as u64;
                let agree = tl.between(t0, deadline).find(|s| {
                    let mut heads = s.heads.iter().zip(&s.running).filter(|(_, r)| **r).map(|(h, _)| h.0);
                    heads.next().is_some_and(|first| heads.all(|h| h == first))
                });
                match agree {
                    Some(s) => (true, format!("all running nodes on one head at {}", secs(s.t.max(t0)))),
                    None => (
                        false,
                        format!("running nodes never shared a head between {} and {}", secs(t0), secs(deadline)),
                    ),
                }
            }
            Check::NodeCaughtUp { node, after, within } => {
                let t0 = self.start(*after)?;
                let deadline = t0 + within.as_millis() as u64;
                let caught = tl.between(t0, deadline).find(|s| {
                    let others = (0..s.finalized.len()).filter(|i| i != node && s.running[*i]);
                    let (f, h) = others.fold((0, 0), |(f, h), i| (f.max(s.finalized[i]), h.max(s.heads[i].1)));
                    s.running[*node] && s.finalized[*node] >= f && s.heads[*node].1 + 1 >= h
                });
                let id = &self.view.nodes[*node].id;
                match caught {
                    Some(s) => (
                        true,
                        format!(
                            "{id} at finalized {u} {} and height {} at {}",
                            s.finalized[*node],
                            s.heads[*node].1,
                            secs(s.t)
                        ),
                    ),
                    None => (false, format!("{id} did not catch up between {} and {}", secs(t0), secs(deadline))),
                }
            }
        })
    }

    /// The checks every run gets.
    pub fn always_on(&self) -> Vec<CheckResult> {
        let mut out = vec![];
        if self.view.probabilistic() {
            out.push(self.kdeep_finality());
        }
        let safety =
            self.view.alarms.iter().filter(|a| a.kind == "safety").map(|a| a.detail.clone()).collect::<Vec<_>>();
        out.push(CheckResult {
            name: "safety".into(),
            passed: safety.is_empty(),
            detail: if safety.is_empty() {
                "no two nodes finalized conflicting blocks".into()
            } else {
                safety.join("; ")
            },
        });
        out.push(self.honest_not_slashed());
        for v in self.byzantine() {
            let (passed, detail) = self.evaluate(&Check::Slashed {
                validator: v,
                after: None,
                within: std::time::Duration::from_millis(self.end),
            });
            out.push(CheckResult { name: format!("accountability (validator {v})"), passed, detail });
        }
        out.push(self.liveness());
        out
    }

    /// No validator the run did not make Byzantine was slashed: slashing
    /// protection held through every crash, restart and partition.
    fn honest_not_slashed(&self) -> CheckResult {
        let byz = self.byzantine();
        let slashed: Vec<String> = (self.view.validators.rows.iter())
            .filter(|r| r.slashed && !byz.contains(&r.index))
            .map(|r| self.view.validator_name(r.index))
            .collect();
        CheckResult {
            name: "honest validators not slashed".into(),
            passed: slashed.is_empty(),
            detail: if slashed.is_empty() {
                "no validator was slashed that the run did not make equivocate".into()
            } else {
                format!("slashed without an injected equivocation: {}", slashed.join(", "))
            },
        }
    }

    fn liveness(&self) -> CheckResult {
        let name = "liveness".to_string();
        let u = self.unit();
        let last = (self.timeline.steps.iter().zip(&self.scenario.steps))
            .filter(|(_, s)| !matches!(s.fault, Fault::Load(_)))
            .filter_map(|(t, _)| *t)
            .max()
            .unwrap_or(0);
        let stakes = &self.scenario.devnet.stake;
        let total: u64 = stakes.iter().sum();
        let honest = self.honest_running();
        let connected = self
            .faults
            .components()
            .iter()
            .map(|g| g.iter().filter(|i| honest.contains(i)).map(|i| stakes[*i]).sum::<u64>())
            .max()
            .unwrap_or(0);
        if self.end < last + 5 * self.epoch_ms() {
            return CheckResult {
                name,
                passed: true,
                detail: format!(
                    "not judged: the run ends {} after its last step, under 5 epochs",
                    secs(self.end.saturating_sub(last))
                ),
            };
        }
        if 3 * connected < 2 * total {
            return CheckResult {
                name,
                passed: true,
                detail: format!(
                    "not judged: at the end only {connected} of {total} stake is honest, running and connected (under 2/3)"
                ),
            };
        }
        let from = last + 2 * self.epoch_ms();
        let f0 = self.timeline.at(from).map_or(0, |s| s.max_finalized());
        let f1 = self.timeline.at(self.end).map_or(0, |s| s.max_finalized());
        CheckResult {
            name,
            passed: f1 > f0,
            detail: format!("highest finalized {u} {f0} at {} -> {f1} at the end ({})", secs(from), secs(self.end)),
        }
    }
}
