//! Shrinking a failing schedule to a smaller one that still fails, as
//! QuickCheck and Jepsen do: propose smaller candidates, keep the first one
//! that still fails, start again from it; stop when none does or the run
//! budget is spent. Pure: the caller runs each candidate and reports.
//!
//! Candidates, smallest first: the same episodes moved up so that each
//! starts `GAP_MS` after the one before (the first at `GAP_MS`), when that
//! moves anything; without the first or the second half of the episodes
//! (when there are more than two); without one episode; with one episode
//! held half as long (not under a second); with one episode's fault on
//! fewer nodes (`Fault::narrower`). A candidate's run ends `settle_ms` after
//! its last episode, so dropping and moving up episodes shortens the run,
//! and every later candidate runs faster.

use super::schedule::{Episode, Schedule};

/// A fault is held at least this long in a shrunk schedule.
const MIN_HOLD_MS: u64 = 1_000;
/// Quiet before each episode of a moved-up schedule.
const GAP_MS: u64 = 1_000;

fn with(s: &Schedule, episodes: Vec<Episode>) -> Schedule {
    let last = episodes.iter().map(|e| e.at_ms + e.for_ms).max().unwrap_or(0);
    Schedule { seed: s.seed, duration_ms: last + s.settle_ms, settle_ms: s.settle_ms, episodes }
}

/// The smaller schedules to try after `s`, smallest first.
pub fn candidates(s: &Schedule) -> Vec<Schedule> {
    let e = &s.episodes;
    let mut out = vec![];
    let mut at = 0;
    let packed: Vec<Episode> = e
        .iter()
        .map(|x| {
            at += GAP_MS;
            let moved = Episode { at_ms: at.min(x.at_ms), ..x.clone() };
            at = moved.at_ms + moved.for_ms;
            moved
        })
        .collect();
    if packed != *e {
        out.push(with(s, packed));
    }
    if e.len() > 2 {
        let mid = e.len() / 2;
        out.push(with(s, e[mid..].to_vec()));
        out.push(with(s, e[..mid].to_vec()));
    }
    for i in 0..e.len() {
        let mut fewer = e.clone();
        fewer.remove(i);
        out.push(with(s, fewer));
    }
    for i in 0..e.len() {
        if e[i].for_ms / 2 >= MIN_HOLD_MS {
            let mut shorter = e.clone();
            shorter[i].for_ms /= 2;
            out.push(with(s, shorter));
        }
    }
    for i in 0..e.len() {
        for f in e[i].fault.narrower() {
            let mut narrower = e.clone();
            narrower[i].fault = f;
            out.push(with(s, narrower));
        }
    }
    out
}

/// Where a shrink is: the smallest failing schedule so far and what to try next.
pub struct Shrinker {
    best: Schedule,
    queue: std::collections::VecDeque<Schedule>,
    /// Candidates run so far.
    pub runs: usize,
}

impl Shrinker {
    pub fn new(failing: Schedule) -> Shrinker {
        let queue = candidates(&failing).into();
        Shrinker { best: failing, queue, runs: 0 }
    }

    /// The next candidate to run, or `None` when nothing smaller is left.
    pub fn next_candidate(&mut self) -> Option<Schedule> {
        let c = self.queue.pop_front()?;
        self.runs += 1;
        Some(c)
    }

    /// What running `candidate` showed: when it still fails it becomes the
    /// best, and the search starts again from it.
    pub fn report(&mut self, candidate: Schedule, still_fails: bool) {
        if still_fails {
            self.queue = candidates(&candidate).into();
            self.best = candidate;
        }
    }

    pub fn best(&self) -> &Schedule {
        &self.best
    }
}

#[cfg(test)]
mod tests {
    use super::super::schedule::{Fault, Shape, generate};
    use super::*;

    fn failing_schedule() -> Schedule {
        let shape = Shape { engine: "gasper".into(), nodes: 7, slot_ms: 200, epoch_slots: 4, duration_ms: 200_000 };
        let mut s = generate(11, &shape);
        // A bug that needs n2 and n5 crashed together, however long.
        s.episodes[6].fault = Fault::Crash(vec![1, 2, 4, 5]);
        s.episodes[6].for_ms = 8_000;
        s
    }

    fn fails(s: &Schedule) -> bool {
        s.episodes.iter().any(|e| matches!(&e.fault, Fault::Crash(n) if n.contains(&2) && n.contains(&5)))
    }

    #[test]
    fn shrinks_to_the_one_episode_that_matters_on_the_fewest_nodes() {
        let s = failing_schedule();
        assert!(s.episodes.len() > 20 && fails(&s));
        let mut sh = Shrinker::new(s);
        while let Some(c) = sh.next_candidate() {
            let f = fails(&c);
            sh.report(c, f);
        }
        let best = sh.best();
        assert_eq!(best.episodes.len(), 1, "{best:?}");
        assert_eq!(best.episodes[0].fault, Fault::Crash(vec![2, 5]));
        let hold = best.episodes[0].for_ms;
        assert!((MIN_HOLD_MS..2 * MIN_HOLD_MS).contains(&hold), "held as short as halving allows: {hold}");
        assert_eq!(best.episodes[0].at_ms, GAP_MS, "moved up to the start");
        assert_eq!(best.duration_ms, GAP_MS + hold + best.settle_ms);
        assert!(sh.runs < 200, "{} runs", sh.runs);
    }

    #[test]
    fn a_schedule_nothing_smaller_of_which_fails_stays() {
        let s = failing_schedule();
        let mut sh = Shrinker::new(s.clone());
        while let Some(c) = sh.next_candidate() {
            sh.report(c, false);
        }
        assert_eq!(sh.best(), &s);
    }
}
