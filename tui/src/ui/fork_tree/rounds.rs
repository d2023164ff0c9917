//! Failed-round (or view) markers under a BFT engine's committed chain, in
//! the engine's round letter. Pure; drawing is `super`'s job.
//!
//! Rules:
//! - A height in the window with failed rounds gets a label in its column:
//!   `✗r0` when round 0 failed (the block was committed in round 1 or later),
//!   `✗r0-2` when rounds 0 to 2 failed (lowest to highest failed round). The
//!   height being decided gets its label too, so a stalled height shows its
//!   rounds piling up at the right edge.
//! - Labels are placed left to right, each on the first marker row where it
//!   keeps one blank cell to the label before it; labels that fit on no row
//!   are counted as hidden.

use crate::cluster::engine::FailedRounds;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    /// Row among the marker rows, from 0.
    pub row: usize,
    /// Character column (two per cell).
    pub x: usize,
    pub label: String,
}

/// `letter` is the engine's round letter (`r`, or `v` for views).
pub fn label(rounds: &std::collections::BTreeSet<u64>, letter: &str) -> String {
    match (rounds.first(), rounds.last()) {
        (Some(a), Some(b)) if a != b => format!("✗{letter}{a}-{b}"),
        (Some(a), _) => format!("✗{letter}{a}"),
        _ => String::new(),
    }
}

/// Markers for heights `from..=right` at `zoom` heights per cell, on at most
/// `rows` rows of `width` characters; also the number of labels left out.
pub fn place(
    failed: &FailedRounds,
    from: u64,
    right: u64,
    zoom: u64,
    rows: usize,
    width: usize,
    letter: &str,
) -> (Vec<Marker>, usize) {
    let mut ends = vec![0usize; rows];
    let mut out = vec![];
    let mut hidden = 0;
    for (height, rounds) in failed.heights(from, right) {
        let x = 2 * ((height - from) / zoom.max(1)) as usize;
        let label = label(rounds, letter);
        let len = label.chars().count();
        match (0..rows).find(|r| ends[*r] <= x && x + len <= width) {
            Some(row) => {
                ends[row] = x + len + 1;
                out.push(Marker { row, x, label });
            }
            None => hidden += 1,
        }
    }
    (out, hidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_stack_when_they_would_touch() {
        let mut f = FailedRounds::default();
        f.record(10, 0);
        f.record(11, 0);
        f.record(11, 1);
        f.record(15, 0);
        f.record(40, 0);
        let (m, hidden) = place(&f, 10, 30, 1, 2, 60, "r");
        // h10 at x0 ("✗r0" ends at 3), h11 at x2 overlaps: second row; h15 at x10 fits row 0.
        let got: Vec<(usize, usize, &str)> = m.iter().map(|m| (m.row, m.x, m.label.as_str())).collect();
        assert_eq!(got, vec![(0, 0, "✗r0"), (1, 2, "✗r0-1"), (0, 10, "✗r0")]);
        assert_eq!(hidden, 0);
        let (m, hidden) = place(&f, 10, 30, 1, 1, 60, "r");
        assert_eq!((m.len(), hidden), (2, 1));
    }
}
