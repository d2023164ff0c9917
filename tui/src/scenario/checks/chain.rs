//! Checks about chains rather than checkpoints, written so one scenario reads
//! the same under every engine: reorgs, reverted k-deep blocks (pow's
//! probabilistic finality), commits during a split, and who made the blocks
//! of the best chain.

use super::{CheckResult, Context, secs};
use crate::faults::Fault;
use devnet_node::consensus::pow::PowParams;
use std::collections::BTreeSet;
use std::time::Duration;

/// `(passed, detail)`, or an error that fails the check with its text.
type Verdict = Result<(bool, String), String>;

impl Context<'_> {
    /// The view's times are unix ms; the timeline's are ms since slot 0.
    fn since_genesis(&self, unix_ms: u64) -> u64 {
        unix_ms.saturating_sub(self.view.genesis_ms)
    }

    fn id(&self, node: usize) -> &str {
        self.view.nodes.get(node).map_or("?", |n| n.id.as_str())
    }

    pub(super) fn judge_reorg(&self, depth: u64, node: Option<usize>, after: Option<usize>) -> Verdict {
        let t0 = self.start(after)?;
        let seen = self.timeline.reorgs.iter().filter(|(t, n, _)| *t >= t0 && node.is_none_or(|w| w == *n));
        let deepest = seen.clone().max_by_key(|(_, _, d)| *d);
        let count = seen.count();
        let whom = node.map_or("any node".to_string(), |n| self.id(n).to_string());
        Ok(match deepest {
            Some((t, n, d)) => (
                *d >= depth,
                format!(
                    "max reorg depth {d} ({} at {}; {count} reorgs on {whom} since {}), wanted at least {depth}",
                    self.id(*n),
                    secs(*t),
                    secs(t0)
                ),
            ),
            None => (false, format!("no reorg on {whom} since {}, wanted one at least {depth} deep", secs(t0))),
        })
    }

    /// Distinct k-deep blocks reverted at or after `t0`, and the nodes that saw it.
    pub(crate) fn reverted_since(&self, t0: u64) -> (usize, BTreeSet<usize>) {
        let mut blocks = BTreeSet::new();
        let mut nodes = BTreeSet::new();
        for r in self.view.reverts.iter().filter(|r| self.since_genesis(r.time_ms) >= t0) {
            blocks.extend(r.blocks.iter().copied());
            nodes.insert(r.node);
        }
        (blocks.len(), nodes)
    }

    /// A node the scenario gave a majority of the hashrate, with its share.
    fn attacker(&self) -> Option<(usize, u32)> {
        let stepped = self.scenario.steps.iter().rev().find_map(|s| match &s.fault {
            Fault::Hashrate { node, percent } if *percent > 50 => Some((*node, *percent)),
            _ => None,
        });
        let genesis = self
            .scenario
            .devnet
            .params::<PowParams>()
            .and_then(|p| p.hashrate.iter().enumerate().find(|(_, h)| **h > 50).map(|(i, h)| (i, *h)));
        stepped.or(genesis)
    }

    fn k(&self) -> String {
        self.scenario.devnet.params::<PowParams>().map_or("?".into(), |p| p.k.to_string())
    }

    pub(super) fn judge_final_reverted(&self, by: u64, after: Option<usize>) -> Verdict {
        let t0 = self.start(after)?;
        let (n, nodes) = self.reverted_since(t0);
        let on = nodes.iter().map(|i| self.id(*i)).collect::<Vec<_>>().join(", ");
        let k = self.k();
        let detail = match (n, self.attacker()) {
            (0, _) => format!("no k-deep block (k = {k}) was reverted since {}, wanted at least {by}", secs(t0)),
            (n, Some((a, pct))) => format!(
                "the attacker ({}, {pct}% of the hashrate) reverted {n} k-deep blocks (k = {k}; seen on {on}): \
                 PoW allows this with a majority of hashrate",
                self.id(a)
            ),
            (n, None) => format!(
                "{n} k-deep blocks (k = {k}) were reverted (seen on {on}): PoW finality is probabilistic, \
                 k confirmations make a revert unlikely, not impossible"
            ),
        };
        Ok((n as u64 >= by, detail))
    }

    pub(super) fn judge_no_commits(&self, during: usize, grace: Duration) -> Verdict {
        let u = self.unit();
        let ta = self.start(Some(during))?;
        let tb = self.next_fault_step(during);
        let from = ta + grace.as_millis() as u64;
        let name = &self.scenario.steps[during].name;
        if from >= tb {
            return Ok((
                false,
                format!("step {name:?} lasts {}, not longer than the grace {}", secs(tb - ta), secs(from - ta)),
            ));
        }
        let f0 = self.timeline.at(from).map_or(0, |s| s.max_finalized());
        let moved = self.timeline.between(from, tb).find(|s| s.max_finalized() > f0);
        Ok(match moved {
            None => (
                true,
                format!(
                    "highest finalized {u} stayed {f0} from {} to {} ({} without a commit)",
                    secs(from),
                    secs(tb),
                    secs(tb - from)
                ),
            ),
            Some(s) => (
                false,
                format!("finalized {u} {f0} -> {} at {} while {name:?} was in force", s.max_finalized(), secs(s.t)),
            ),
        })
    }

    /// The head most running nodes share (ties: the highest).
    fn common_head(&self) -> Option<devnet_node::chain::Hash32> {
        let mut count: std::collections::BTreeMap<_, (usize, u64)> = Default::default();
        for n in self.view.nodes.iter().filter(|n| n.is_running()) {
            let e = count.entry(n.head.hash).or_insert((0, n.head.height));
            e.0 += 1;
        }
        count.into_iter().max_by_key(|(_, (c, h))| (*c, *h)).map(|(hash, _)| hash)
    }

    pub(super) fn judge_chain_share(&self, node: usize, after: Option<usize>) -> Verdict {
        let t0 = self.start(after)?;
        let floor = self.timeline.at(t0).map_or(0, |s| s.heads.iter().map(|h| h.1).max().unwrap_or(0));
        let Some(validator) = self.view.nodes[node].validator else {
            return Ok((false, format!("{} holds no validator key", self.id(node))));
        };
        let Some(mut cur) = self.common_head() else {
            return Ok((false, "no running node to read the best chain from".into()));
        };
        let (mut total, mut mine) = (0u64, 0u64);
        while let Some(b) = self.view.blocks.get(&cur) {
            if b.block.height <= floor {
                break;
            }
            total += 1;
            mine += u64::from(b.proposer == validator);
            cur = b.parent;
        }
        if total == 0 {
            return Ok((false, format!("the best chain has no blocks above height {floor} to judge by")));
        }
        let share = |a: u64, b: u64| 100.0 * a as f64 / b.max(1) as f64;
        let of = match self.faults.hashrate.get(node) {
            Some(h) => format!("{h}% of the hashrate"),
            None => {
                let stakes = &self.scenario.devnet.stake;
                let total_stake: u64 = stakes.iter().sum();
                format!("{:.0}% of the stake", share(stakes.get(node).copied().unwrap_or(0), total_stake))
            }
        };
        let how = &self.faults.behaviour[node].0;
        Ok((
            true,
            format!(
                "{} ({how} at the end) made {mine} of the best chain's {total} blocks above height {floor} ({:.0}%) with {of}",
                self.id(node),
                share(mine, total)
            ),
        ))
    }

    /// pow's always-on check: no k-deep block reverted, unless the scenario says so.
    pub(super) fn kdeep_finality(&self) -> CheckResult {
        let name = "k-deep finality (probabilistic)".to_string();
        let alarms: Vec<&str> =
            self.view.alarms.iter().filter(|a| a.kind == "reverted").map(|a| a.detail.as_str()).collect();
        let expected = self.scenario.expects.iter().any(|e| matches!(e.check, super::Check::FinalReverted { .. }));
        let (n, _) = self.reverted_since(0);
        let k = self.k();
        let (passed, detail) = match (alarms.is_empty(), expected) {
            (true, _) => {
                (true, format!("no k-deep block (k = {k}) was reverted and no two nodes held conflicting ones"))
            }
            (false, true) => (
                true,
                format!(
                    "{n} k-deep blocks reverted, which the scenario expects (`final_reverted`): PoW finality is probabilistic"
                ),
            ),
            (false, false) => (
                false,
                format!(
                    "{} (PoW allows this; this run did not expect it: {} observation{} in all)",
                    alarms[0],
                    alarms.len(),
                    if alarms.len() == 1 { "" } else { "s" }
                ),
            ),
        };
        CheckResult { name, passed, detail }
    }
}
