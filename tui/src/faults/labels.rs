//! What is in force on one node, as short labels with their amounts, for
//! the nodes table, `devnet status` and the JSON summary:
//! `isolated`, `partition`, `cut n0→n1`, `lat 200±50ms`, `loss 30%`,
//! `drop vote`, `skew +500ms`, `hashrate 60%`, `censor 3,5`, `withhold 3`,
//! `equivocate`.
//!
//! Rules:
//! - A link rule shows on both of its nodes (the sender and the receiver).
//! - Cut links: `isolated` when the node reaches nobody, `partition` when it
//!   is in one of several groups (the links pane names the sides and their
//!   stake), else the one-way cuts touching it (`cut n0→n1`, up to two, then
//!   `cut 3 links`).
//! - Amounts: one value when every link touching the node has the same, else
//!   the range over them (`lat 100-300ms`, `loss 10-30%`); a latency's
//!   jitter is the widest one, shown when the delays agree.

use super::state::FaultState;
use crate::cluster::LinkView;

fn range<T: PartialOrd + Copy>(mut xs: Vec<T>) -> Option<(T, T)> {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    Some((*xs.first()?, *xs.last()?))
}

fn percent(p: f64) -> String {
    let x = p * 100.0;
    if (x - x.round()).abs() < 0.05 { format!("{x:.0}") } else { format!("{x:.1}") }
}

impl FaultState {
    /// Short labels of what is in force on `node`; `ids` names the nodes.
    pub fn labels(&self, node: usize, ids: &[String]) -> Vec<String> {
        let id = |i: usize| ids.get(i).cloned().unwrap_or_else(|| format!("n{i}"));
        let n = self.len();
        let touching: Vec<(usize, usize, &LinkView)> = (0..n)
            .filter(|j| *j != node)
            .flat_map(|j| [(node, j), (j, node)])
            .map(|(a, b)| (a, b, &self.links[a][b]))
            .filter(|(_, _, l)| !l.is_ok())
            .collect();
        let mut out = vec![];
        let mut cut_pairs: Vec<(usize, usize)> =
            touching.iter().filter(|(_, _, l)| l.blocked).map(|(a, b, _)| (*a, *b)).collect();
        cut_pairs.sort();
        let cuts: Vec<String> = cut_pairs.iter().map(|(a, b)| format!("{}→{}", id(*a), id(*b))).collect();
        if !cuts.is_empty() {
            let group = self.components().into_iter().find(|g| g.contains(&node)).unwrap_or_default();
            out.push(match group.len() {
                1 => "isolated".to_string(),
                g if g < n => "partition".to_string(),
                _ if cuts.len() <= 2 => format!("cut {}", cuts.join(",")),
                _ => format!("cut {} links", cuts.len()),
            });
        }
        let delays: Vec<(u64, u64)> = touching
            .iter()
            .filter(|(_, _, l)| l.delay_ms > 0 || l.jitter_ms > 0)
            .map(|(_, _, l)| (l.delay_ms, l.jitter_ms))
            .collect();
        if let Some((lo, hi)) = range(delays.iter().map(|d| d.0).collect()) {
            // The widest jitter when the delays agree.
            let jitter = delays.iter().map(|d| d.1).max().unwrap_or(0);
            out.push(match (lo == hi, jitter) {
                (true, 0) => format!("lat {lo}ms"),
                (true, j) => format!("lat {lo}±{j}ms"),
                (false, _) => format!("lat {lo}-{hi}ms"),
            });
        }
        let losses: Vec<f64> = touching.iter().map(|(_, _, l)| l.loss).filter(|p| *p > 0.0).collect();
        if let Some((lo, hi)) = range(losses) {
            out.push(if lo == hi {
                format!("loss {}%", percent(lo))
            } else {
                format!("loss {}-{}%", percent(lo), percent(hi))
            });
        }
        let mut kinds: Vec<&str> =
            touching.iter().flat_map(|(_, _, l)| l.drop_kinds.iter().map(|k| k.as_str())).collect();
        kinds.sort();
        kinds.dedup();
        if !kinds.is_empty() {
            out.push(format!("drop {}", kinds.join(",")));
        }
        if self.skew_ms[node] != 0 {
            out.push(format!("skew {:+}ms", self.skew_ms[node]));
        }
        if let (Some(now), Some(was)) = (self.hashrate.get(node), self.genesis_hashrate.get(node)) {
            // A rental is its own label, so the report can find its window.
            if self.renting().contains(&node) {
                out.push(format!("rent {now}%"));
            } else if now != was {
                out.push(format!("hashrate {now}%"));
            }
        }
        match &self.censor[node] {
            None => out.push("censor all".to_string()),
            Some(a) if !a.is_empty() => {
                out.push(format!("censor {}", a.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",")))
            }
            Some(_) => {}
        }
        match self.disk.get(node) {
            Some((true, _)) => out.push("disk full".to_string()),
            Some((false, slow)) if !slow.is_zero() => out.push(format!("disk slow {}ms", slow.as_millis())),
            _ => {}
        }
        let (b, slots) = &self.behaviour[node];
        match b.as_str() {
            "honest" => {}
            "withhold" => out.push(format!("withhold {slots}")),
            other => out.push(other.to_string()),
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::parse::{parse, words};

    fn after(lines: &[&str]) -> FaultState {
        let mut s = FaultState::new(4);
        for l in lines {
            assert!(s.apply_links(&parse(&words(l), 4).unwrap()), "{l}");
        }
        s
    }

    fn labels(s: &FaultState, node: usize) -> Vec<String> {
        let ids: Vec<String> = (0..4).map(|i| format!("n{i}")).collect();
        s.labels(node, &ids)
    }

    #[test]
    fn cut_links_say_isolated_partition_or_which_direction() {
        let s = after(&["partition isolate n3"]);
        assert_eq!(labels(&s, 3), vec!["isolated"]);
        assert_eq!(labels(&s, 0), vec!["partition"]);
        let s = after(&["partition halves"]);
        assert_eq!(labels(&s, 1), vec!["partition"]);
        let s = after(&["cut n0 n1"]);
        assert_eq!(labels(&s, 0), vec!["cut n0→n1"]);
        assert_eq!(labels(&s, 1), vec!["cut n0→n1"]);
        assert_eq!(labels(&s, 2), Vec::<String>::new());
        // Still one group, through n3.
        let s = after(&["cut n0 n1", "cut n1 n0", "cut n0 n2"]);
        assert_eq!(labels(&s, 0), vec!["cut 3 links"]);
        assert_eq!(labels(&s, 1), vec!["cut n0→n1,n1→n0"]);
        assert_eq!(labels(&s, 2), vec!["cut n0→n2"]);
    }

    #[test]
    fn link_rules_carry_their_amounts() {
        let s = after(&["latency n0 n1 200ms --jitter 50ms", "loss n1 n2 30%", "filter n2 n3 vote"]);
        assert_eq!(labels(&s, 0), vec!["lat 200±50ms"]);
        assert_eq!(labels(&s, 1), vec!["lat 200±50ms", "loss 30%"]);
        assert_eq!(labels(&s, 2), vec!["loss 30%", "drop vote"]);
        let s = after(&["latency n0 n1 100ms", "latency n2 n0 300ms", "loss n0 n3 0.125", "loss n3 n0 0.5"]);
        assert_eq!(labels(&s, 0), vec!["lat 100-300ms", "loss 12.5-50%"]);
        assert_eq!(labels(&s, 1), vec!["lat 100ms"]);
    }

    #[test]
    fn node_faults_carry_their_amounts() {
        let mut s = FaultState::new(4).with_hashrate(vec![25; 4]);
        s.skew_ms[2] = 500;
        s.skew_ms[1] = -2000;
        s.behaviour[3] = ("withhold".into(), 3);
        s.behaviour[0] = ("equivocate".into(), 0);
        s.set_hashrate(3, 60).unwrap();
        assert_eq!(labels(&s, 2), vec!["skew +500ms", "hashrate 13%"]);
        assert_eq!(labels(&s, 1), vec!["skew -2000ms", "hashrate 13%"]);
        assert_eq!(labels(&s, 3), vec!["hashrate 60%", "withhold 3"]);
        assert_eq!(labels(&s, 0), vec!["hashrate 14%", "equivocate"]);
        s.set_hashrate(3, 25).unwrap();
        s.rent(3, 60, std::time::Duration::from_secs(30), 0).unwrap();
        assert_eq!(labels(&s, 3), vec!["rent 60%", "withhold 3"]);
    }
}
