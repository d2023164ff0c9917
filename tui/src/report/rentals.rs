//! Hashrate rentals (pow, `rent NODE 60% --for 30s`) against the reorgs they
//! caused: for each rental, its node, share, start and end, and the deepest
//! reorg any node went through from its start until k blocks after its end
//! (the blocks a node holding k confirmations would have taken as final).
//!
//! Rules:
//! - A rental is a fault window whose label is `rent SHARE` (`windows`);
//!   read off the samples like every window.
//! - "k blocks after its end": until the first sample whose highest head
//!   is k above the highest head at the end; when the run ended before,
//!   until its last sample, and the row says so (`short`).
//! - A reorg counts from the sample after the rental's first one: the first
//!   carries reorgs from the second before the rental began.

use super::windows::Window;
use crate::run_record::samples::Sample;

#[derive(Clone, Debug, PartialEq)]
pub struct RentalReorgs {
    pub node: String,
    /// `60%`.
    pub share: String,
    pub from_ms: u64,
    pub to_ms: u64,
    /// Until when the reorgs were looked at (k blocks after `to_ms`).
    pub until_ms: u64,
    /// The run ended less than k blocks after the rental.
    pub short: bool,
    /// The deepest reorg in [from, until] and the node that went through it.
    pub deepest: Option<(u64, String)>,
}

fn highest_head(s: &Sample) -> u64 {
    s.nodes.iter().map(|n| n.head).max().unwrap_or(0)
}

/// The rentals among `windows`, each with the deepest reorg, `k` the pow
/// confirmations the cluster ran with.
pub fn rentals(samples: &[Sample], windows: &[Window], k: u64) -> Vec<RentalReorgs> {
    windows
        .iter()
        .filter_map(|w| Some((w, w.label.strip_prefix("rent ")?)))
        .map(|(w, share)| {
            let at_end = samples.iter().filter(|s| s.t_ms <= w.to_ms).map(highest_head).max().unwrap_or(0);
            let after = samples.iter().find(|s| s.t_ms >= w.to_ms && highest_head(s) >= at_end + k);
            let until_ms = after.or(samples.last()).map_or(w.to_ms, |s| s.t_ms);
            let deepest = samples
                .iter()
                .filter(|s| s.t_ms > w.from_ms && s.t_ms <= until_ms)
                .flat_map(|s| s.nodes.iter().map(|n| (n.reorg_depth, n.id.clone())))
                .filter(|(d, _)| *d > 0)
                .max_by_key(|(d, _)| *d);
            RentalReorgs {
                node: w.nodes.join(","),
                share: share.to_string(),
                from_ms: w.from_ms,
                to_ms: w.to_ms,
                until_ms,
                short: after.is_none(),
                deepest,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::windows::windows;
    use crate::run_record::samples::NodeSample;

    /// Two nodes; n1 rents from 1 s to 3 s; (head, reorg depth, faults) per node.
    fn sample(t_ms: u64, nodes: &[(u64, u64, &[&str])]) -> Sample {
        let nodes = nodes
            .iter()
            .enumerate()
            .map(|(i, (head, reorg_depth, faults))| NodeSample {
                id: format!("n{i}"),
                head: *head,
                reorg_depth: *reorg_depth,
                faults: faults.iter().map(|f| f.to_string()).collect(),
                ..Default::default()
            })
            .collect();
        Sample { t_ms, nodes, ..Default::default() }
    }

    #[test]
    fn the_deepest_reorg_from_the_start_until_k_blocks_after_the_end() {
        let rent: &[&str] = &["rent 60%"];
        let s = vec![
            sample(0, &[(1, 0, &[]), (1, 0, &[])]),
            sample(1_000, &[(2, 9, &[]), (2, 0, rent)]), // a reorg from before the rental
            sample(2_000, &[(4, 2, &[]), (4, 0, rent)]),
            sample(3_000, &[(6, 0, &[]), (6, 0, &[])]),   // ends at head 6
            sample(4_000, &[(7, 4, &[]), (7, 0, &[])]),   // within k = 3 blocks after
            sample(5_000, &[(9, 0, &[]), (9, 0, &[])]),   // 6 + 3: looked at until here
            sample(6_000, &[(10, 8, &[]), (10, 0, &[])]), // too late to count
        ];
        let r = rentals(&s, &windows(&s), 3);
        assert_eq!(r.len(), 1, "{r:#?}");
        assert_eq!((r[0].node.as_str(), r[0].share.as_str(), r[0].from_ms, r[0].to_ms), ("n1", "60%", 1_000, 3_000));
        assert_eq!((r[0].until_ms, r[0].short, r[0].deepest.clone()), (5_000, false, Some((4, "n0".into()))));
        // A run that ends before k blocks more: up to its end, and said.
        let r = rentals(&s[..5], &windows(&s[..5]), 3);
        assert_eq!((r[0].until_ms, r[0].short, r[0].deepest.clone()), (4_000, true, Some((4, "n0".into()))));
        // Other windows are no rentals.
        let s = vec![sample(0, &[(1, 0, &["hashrate 60%"]), (1, 0, &[])]), sample(1_000, &[(2, 3, &[]), (2, 0, &[])])];
        assert_eq!(rentals(&s, &windows(&s), 3), vec![]);
    }
}
