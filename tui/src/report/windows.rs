//! Fault windows for the report's plots, read off the run's samples: a
//! window is a stretch of consecutive samples in which one fault label (or a
//! process state other than running) is in force on a node.
//!
//! Rules:
//! - A window opens at the first sample showing the label and closes at the
//!   first sample without it (or at the last sample, when the run ended with
//!   it in force: `open_at_end`).
//! - Windows of the same label over the same stretch on several nodes are one
//!   window naming them all (`partition n0,n1,n2,n3`).
//! - Windows are lettered in the order they open, the shorter first when two
//!   open together (A, B, ... Z, AA, ...), and
//!   given a lane, the first whose last window has closed, so overlapping
//!   windows' letters do not sit on each other.
//!
//! Read off samples rather than paired from the fault lines: the samples say
//! what was in force, whatever the words were (`heal` ends a partition and
//! every cut; a crashed node that restarts by hand ends its crash).

use crate::run_record::samples::Sample;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    pub letter: String,
    pub label: String,
    pub nodes: Vec<String>,
    pub from_ms: u64,
    pub to_ms: u64,
    pub open_at_end: bool,
    pub lane: usize,
}

impl Window {
    /// `crashed n1`, `partition n0,n1,n2,n3`.
    pub fn title(&self) -> String {
        format!("{} {}", self.label, self.nodes.join(","))
    }
}

fn letter(mut i: usize) -> String {
    let mut s = vec![];
    loop {
        s.push((b'A' + (i % 26) as u8) as char);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.iter().rev().collect()
}

/// The windows of `samples`, in the order they open.
pub fn windows(samples: &[Sample]) -> Vec<Window> {
    // In time order, whatever order the file had (a hand-edited or damaged
    // file may not; found by the run_record fuzz target).
    let mut in_order: Vec<&Sample> = samples.iter().collect();
    in_order.sort_by_key(|s| s.t_ms);
    let samples = in_order;
    // (node, label) -> when it opened; closed ones as (label, from, to, open_at_end) -> nodes.
    let mut open: BTreeMap<(usize, String), u64> = BTreeMap::new();
    let mut closed: BTreeMap<(u64, u64, String, bool), Vec<usize>> = BTreeMap::new();
    for &s in &samples {
        for (i, n) in s.nodes.iter().enumerate() {
            for label in &n.faults {
                open.entry((i, label.clone())).or_insert(s.t_ms);
            }
        }
        let ended: Vec<(usize, String)> = open
            .keys()
            .filter(|(i, label)| s.nodes.get(*i).is_none_or(|n| !n.faults.contains(label)))
            .cloned()
            .collect();
        for key in ended {
            let from = open.remove(&key).unwrap_or(s.t_ms);
            closed.entry((from, s.t_ms, key.1, false)).or_default().push(key.0);
        }
    }
    let end = samples.last().map_or(0, |s| s.t_ms);
    for ((i, label), from) in open {
        closed.entry((from, end, label, true)).or_default().push(i);
    }
    let ids = |nodes: &[usize]| -> Vec<String> {
        let names = samples.last().map(|s| &s.nodes);
        nodes.iter().map(|i| names.and_then(|n| n.get(*i)).map_or(format!("n{i}"), |n| n.id.clone())).collect()
    };
    let mut lanes_end: Vec<u64> = vec![];
    closed
        .into_iter()
        .enumerate()
        .map(|(k, ((from, to, label, open_at_end), mut nodes))| {
            nodes.sort();
            let lane = lanes_end.iter().position(|e| *e <= from).unwrap_or(lanes_end.len());
            if lane == lanes_end.len() {
                lanes_end.push(to);
            } else {
                lanes_end[lane] = to;
            }
            Window { letter: letter(k), label, nodes: ids(&nodes), from_ms: from, to_ms: to, open_at_end, lane }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_record::samples::NodeSample;

    fn sample(t_ms: u64, faults: &[&[&str]]) -> Sample {
        let nodes = faults
            .iter()
            .enumerate()
            .map(|(i, f)| NodeSample {
                id: format!("n{i}"),
                faults: f.iter().map(|s| s.to_string()).collect(),
                ..Default::default()
            })
            .collect();
        Sample { t_ms, nodes, ..Default::default() }
    }

    #[test]
    fn a_label_held_over_samples_is_one_window_and_shared_stretches_merge() {
        let s = vec![
            sample(0, &[&[], &[], &[]]),
            sample(1_000, &[&["partition"], &["partition"], &["crashed"]]),
            sample(2_000, &[&["partition"], &["partition"], &["crashed"]]),
            sample(3_000, &[&[], &[], &["crashed"]]),
            sample(4_000, &[&[], &[], &["crashed"]]),
        ];
        let w = windows(&s);
        assert_eq!(w.len(), 2, "{w:#?}");
        assert_eq!((w[0].title(), w[0].from_ms, w[0].to_ms), ("partition n0,n1".into(), 1_000, 3_000));
        assert_eq!(
            (w[1].title(), w[1].from_ms, w[1].to_ms, w[1].open_at_end),
            ("crashed n2".into(), 1_000, 4_000, true)
        );
        assert_eq!((w[0].letter.as_str(), w[1].letter.as_str()), ("A", "B"));
        assert_eq!((w[0].lane, w[1].lane), (0, 1), "overlapping windows take different lanes");
    }

    #[test]
    fn samples_out_of_time_order_still_give_windows_that_open_before_they_close() {
        let s = vec![
            sample(8_295, &[&["isolated"], &["partition"]]),
            sample(1, &[&[], &[]]),
            sample(10_530, &[&[], &[]]),
            sample(9_397, &[&["isolated"], &["partition"]]),
        ];
        let w = windows(&s);
        assert_eq!(w.len(), 2, "{w:#?}");
        assert!(w.iter().all(|w| (w.from_ms, w.to_ms) == (8_295, 10_530)), "{w:#?}");
    }

    #[test]
    fn letters_go_on_past_z() {
        assert_eq!([letter(0), letter(25), letter(26), letter(27), letter(52)], ["A", "Z", "AA", "AB", "BA"]);
    }
}
