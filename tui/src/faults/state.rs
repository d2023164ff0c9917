//! The faults in force, as the orchestrator set them: link rules per directed
//! pair, clock skew and behaviour per node. This is the source of truth that
//! is pushed to nodes (again whenever a node comes back, since a restarted
//! node starts with none) and shown in the nodes table (`labels`) and the
//! links pane.
//!
//! Partitions and shapes set exactly which links are blocked (replacing any
//! earlier partition); `cut` adds one blocked direction; `heal` clears every
//! link rule but leaves skew and behaviour alone.
//!
//! Hashrate (pow) is kept as every validator's share of the cluster's
//! hashrate in whole percent, adding up to 100: `hashrate n3 60%` gives n3
//! 60% and the others share the remaining 40% in their current proportions
//! (largest remainder), so the total, and with it the block interval, stays
//! as the difficulty expects. Each node is told its own share (a percentage
//! of the genesis total, which is what `Input::SetHashrate` takes).
//! Rented hashrate (`rent`), taken back by the orchestrator, is in `rent`.

use super::parse::{Fault, LinkChange, Shape};
use crate::cluster::LinkView;
use devnet_node::consensus::MsgKind;
use devnet_proto::v1 as pb;
use std::collections::BTreeSet;

#[derive(Clone, Debug, PartialEq)]
pub struct FaultState {
    /// `links[from][to]`.
    pub links: Vec<Vec<LinkView>>,
    pub skew_ms: Vec<i64>,
    /// Behaviour name ("honest", "equivocate", ...) and, for withhold, slots.
    pub behaviour: Vec<(String, u64)>,
    /// Per node: the senders it censors (`None`: all), or nothing to censor (`Some([])`).
    pub censor: Vec<Option<Vec<u32>>>,
    /// Validators made to equivocate (or twinned), with when (unix ms); they stay
    /// Byzantine for the accountability check even after `honest`.
    pub equivocating: std::collections::BTreeMap<u32, u64>,
    /// pow: each validator's share of the hashrate in percent (empty on other engines).
    pub hashrate: Vec<u32>,
    /// pow: the shares in genesis, to know which nodes must be told again after a restart.
    pub genesis_hashrate: Vec<u32>,
    /// Per node: the storage fault in force (full, and the delay before each write).
    pub disk: Vec<(bool, std::time::Duration)>,
    /// pow: every hashrate rental, the ones in force and the ended (`rent`).
    pub rentals: Vec<super::rent::Rental>,
}

fn kind_from_label(k: &str) -> Option<MsgKind> {
    MsgKind::ALL.into_iter().find(|m| m.as_str() == k)
}

impl FaultState {
    pub fn new(n: usize) -> FaultState {
        FaultState {
            links: vec![vec![LinkView::default(); n]; n],
            skew_ms: vec![0; n],
            behaviour: vec![("honest".into(), 0); n],
            censor: vec![Some(Vec::new()); n],
            equivocating: Default::default(),
            hashrate: vec![],
            genesis_hashrate: vec![],
            disk: vec![(false, std::time::Duration::ZERO); n],
            rentals: vec![],
        }
    }

    /// With pow's genesis hashrate shares (one per validator).
    pub fn with_hashrate(mut self, shares: Vec<u32>) -> FaultState {
        self.genesis_hashrate = shares.clone();
        self.hashrate = shares;
        self
    }

    /// Gives validator `node` `percent` of the hashrate and rescales the others
    /// to share the rest; returns the nodes whose share changed.
    pub fn set_hashrate(&mut self, node: usize, percent: u32) -> Result<Vec<usize>, String> {
        let n = self.hashrate.len();
        if node >= n {
            return Err(format!("n{node} is not a miner of this cluster (miners: n0..n{})", n.saturating_sub(1)));
        }
        let percent = percent.min(100);
        let rest = 100 - percent;
        let others: Vec<usize> = (0..n).filter(|i| *i != node).collect();
        let total: u32 = others.iter().map(|i| self.hashrate[*i]).sum();
        // Weights: current shares, or equal ones when the others have none.
        let weight = |i: usize| if total == 0 { 1 } else { self.hashrate[i] };
        let wsum: u32 = others.iter().map(|i| weight(*i)).sum();
        let mut new = self.hashrate.clone();
        new[node] = percent;
        if wsum > 0 {
            let exact: Vec<(usize, u32, u32)> =
                others.iter().map(|&i| (i, rest * weight(i) / wsum, rest * weight(i) % wsum)).collect();
            for (i, q, _) in &exact {
                new[*i] = *q;
            }
            let mut left = rest - exact.iter().map(|(_, q, _)| q).sum::<u32>();
            let mut by_remainder = exact.clone();
            by_remainder.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
            for (i, _, _) in by_remainder {
                if left == 0 {
                    break;
                }
                new[i] += 1;
                left -= 1;
            }
        } else {
            new[node] = 100;
        }
        let changed = (0..n).filter(|i| new[*i] != self.hashrate[*i]).collect();
        self.hashrate = new;
        Ok(changed)
    }

    pub fn len(&self) -> usize {
        self.links.len()
    }

    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// A node joined (a twin).
    pub fn add_node(&mut self) {
        let n = self.len() + 1;
        for row in &mut self.links {
            row.push(LinkView::default());
        }
        self.links.push(vec![LinkView::default(); n]);
        self.skew_ms.push(0);
        self.behaviour.push(("honest".into(), 0));
        self.censor.push(Some(Vec::new()));
        self.disk.push((false, std::time::Duration::ZERO));
    }

    /// Which directed pairs a partition or shape blocks.
    pub fn blocked_pairs(fault: &Fault, n: usize) -> Option<BTreeSet<(usize, usize)>> {
        let across = |groups: &[Vec<usize>]| {
            let mut set = BTreeSet::new();
            for (a, ga) in groups.iter().enumerate() {
                for (b, gb) in groups.iter().enumerate() {
                    if a != b {
                        set.extend(ga.iter().flat_map(|i| gb.iter().map(move |j| (*i, *j))));
                    }
                }
            }
            set
        };
        let split = |k: usize| vec![(0..k).collect::<Vec<_>>(), (k..n).collect()];
        Some(match fault {
            Fault::Partition(groups) => across(groups),
            Fault::Shape(Shape::Isolate(k)) => across(&[vec![*k], (0..n).filter(|i| i != k).collect()]),
            Fault::Shape(Shape::Halves) => across(&split(n / 2)),
            Fault::Shape(Shape::Majority) => across(&split(n / 2 + 1)),
            Fault::Shape(Shape::Bridge) => {
                let b = n / 2;
                across(&[(0..b).collect(), (b + 1..n).collect()])
            }
            Fault::Shape(Shape::Ring) => {
                let near = |i: usize, j: usize| (i + 1) % n == j || (j + 1) % n == i;
                (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).filter(|(i, j)| i != j && !near(*i, *j)).collect()
            }
            _ => return None,
        })
    }

    /// Applies a network fault; returns false for faults that are not about links.
    pub fn apply_links(&mut self, fault: &Fault) -> bool {
        let n = self.len();
        if let Some(pairs) = Self::blocked_pairs(fault, n) {
            for (i, row) in self.links.iter_mut().enumerate() {
                for (j, l) in row.iter_mut().enumerate() {
                    l.blocked = i != j && pairs.contains(&(i, j));
                }
            }
            return true;
        }
        match fault {
            Fault::Cut { from, to } if from != to => self.links[*from][*to].blocked = true,
            Fault::Heal => self.links = vec![vec![LinkView::default(); n]; n],
            Fault::Link { from, to, change } => {
                for i in from {
                    for j in to.iter().filter(|j| *j != i) {
                        change_link(&mut self.links[*i][*j], change);
                    }
                }
            }
            _ => return false,
        }
        true
    }

    /// The rules node `node` must enforce: every non-default link touching it.
    pub fn rules_for(&self, node: usize) -> Vec<pb::LinkRule> {
        let mut out = vec![];
        for (i, row) in self.links.iter().enumerate() {
            for (j, l) in row.iter().enumerate() {
                if (i == node || j == node) && !l.is_ok() {
                    out.push(pb::LinkRule {
                        from: i as u32,
                        to: j as u32,
                        blocked: l.blocked,
                        delay_ms: l.delay_ms,
                        jitter_ms: l.jitter_ms,
                        loss: l.loss,
                        drop_kinds: l
                            .drop_kinds
                            .iter()
                            .filter_map(|k| kind_from_label(k))
                            .map(|k| devnet_node::net::peers::to_wire(k) as i32)
                            .collect(),
                    });
                }
            }
        }
        out
    }

    /// Groups of nodes that reach each other both ways (connected components).
    pub fn components(&self) -> Vec<Vec<usize>> {
        let n = self.len();
        let mut seen = vec![false; n];
        let mut out = vec![];
        for start in 0..n {
            if seen[start] {
                continue;
            }
            let mut group = vec![];
            let mut stack = vec![start];
            seen[start] = true;
            while let Some(i) = stack.pop() {
                group.push(i);
                for (j, seen_j) in seen.iter_mut().enumerate() {
                    if !*seen_j && !self.links[i][j].blocked && !self.links[j][i].blocked {
                        *seen_j = true;
                        stack.push(j);
                    }
                }
            }
            group.sort();
            out.push(group);
        }
        out
    }
}

fn change_link(l: &mut LinkView, c: &LinkChange) {
    if c.clear {
        *l = LinkView::default();
        return;
    }
    if let Some((d, j)) = c.delay {
        l.delay_ms = d.as_millis() as u64;
        l.jitter_ms = j.as_millis() as u64;
    }
    if let Some(p) = c.loss {
        l.loss = p;
    }
    if let Some(k) = &c.drop_kinds {
        l.drop_kinds = k.iter().map(|k| k.as_str().to_string()).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::parse::{parse, words};

    fn state_after(lines: &[&str]) -> FaultState {
        let mut s = FaultState::new(4);
        for l in lines {
            assert!(s.apply_links(&parse(&words(l), 4).unwrap()), "{l}");
        }
        s
    }

    #[test]
    fn partitions_set_exactly_their_cuts() {
        let s = state_after(&["partition n0,n1/n2,n3"]);
        assert_eq!(s.components(), vec![vec![0, 1], vec![2, 3]]);
        assert!(s.links[0][2].blocked && s.links[2][0].blocked && !s.links[0][1].blocked);
        // A new partition replaces the old one.
        let s = state_after(&["partition n0,n1/n2,n3", "partition isolate n3"]);
        assert_eq!(s.components(), vec![vec![0, 1, 2], vec![3]]);
        let s = state_after(&["partition majority"]);
        assert_eq!(s.components(), vec![vec![0, 1, 2], vec![3]]);
        let s = state_after(&["partition ring"]);
        assert!(s.links[0][2].blocked && s.links[1][3].blocked && !s.links[0][3].blocked);
        assert_eq!(s.components(), vec![vec![0, 1, 2, 3]], "a ring stays connected through neighbours");
        let s = state_after(&["partition bridge"]);
        assert!(s.links[0][3].blocked && !s.links[0][2].blocked && !s.links[2][3].blocked);
    }

    #[test]
    fn hashrate_shares_always_add_up_to_100() {
        let mut s = FaultState::new(4).with_hashrate(vec![25; 4]);
        assert_eq!(s.set_hashrate(3, 60), Ok(vec![0, 1, 2, 3]));
        assert_eq!(s.hashrate, vec![14, 13, 13, 60]);
        // The others keep their proportions.
        let mut s = FaultState::new(4).with_hashrate(vec![40, 20, 20, 20]);
        s.set_hashrate(3, 60).unwrap();
        assert_eq!(s.hashrate, vec![20, 10, 10, 60]);
        s.set_hashrate(3, 100).unwrap();
        assert_eq!(s.hashrate, vec![0, 0, 0, 100]);
        // Nobody else mines: the rest is shared equally.
        s.set_hashrate(3, 10).unwrap();
        assert_eq!(s.hashrate, vec![30, 30, 30, 10]);
        assert_eq!(s.set_hashrate(3, 10), Ok(vec![]));
        assert!(FaultState::new(4).set_hashrate(1, 50).unwrap_err().contains("not a miner"));
    }

    #[test]
    fn one_way_cut_heal_and_link_rules() {
        let s = state_after(&["cut n0 n1"]);
        assert!(s.links[0][1].blocked && !s.links[1][0].blocked);
        assert_eq!(s.rules_for(1).len(), 1);
        assert_eq!(s.rules_for(2).len(), 0);
        let s = state_after(&["latency n0 * 200ms --jitter 20ms", "filter n2 n3 vote"]);
        assert_eq!((s.links[0][3].delay_ms, s.links[0][3].jitter_ms), (200, 20));
        assert!(s.links[0][0].is_ok());
        let rules = s.rules_for(2);
        let rule = rules.iter().find(|r| r.from == 2).unwrap();
        assert_eq!((rule.from, rule.to, rule.drop_kinds.clone()), (2, 3, vec![pb::MessageKind::Vote as i32]));
        let s = state_after(&["latency n0 * 200ms", "loss n1 n2 0.5", "cut n3 n0", "heal"]);
        assert!(s.links.iter().flatten().all(|l| l.is_ok()));
    }
}
