//! A random fault schedule, drawn from a seed: Jepsen's nemesis rhythm of
//! quiet, fault, heal, quiet, over the run, always ending healed.
//!
//! Rules:
//! - Episodes never overlap: each starts a fault, holds it for a while, and
//!   undoes it (`Fault::undo`) before the next one starts, so a schedule
//!   cut down by the shrinker is still a schedule that heals what it breaks.
//! - The fault kind is a weighted choice among the kinds (`KINDS`); its target is symbolic (one node, a minority, a majority, a
//!   validator) and is resolved when the episode is drawn, against the
//!   nodes the schedule has not made Byzantine yet. Nothing else changes a
//!   node between episodes, so resolving then is resolving at run time,
//!   and the same seed resolves the same way.
//! - Byzantine faults (equivocate, silent, withhold) stay within the fault
//!   budget: at most f = (n - 1) / 3 distinct validators over the whole run
//!   (a slashed validator stays slashed, so the budget is the run's, not an
//!   episode's).
//! - The last `settle` of the run is quiet, so the liveness check, which
//!   needs five epochs after the last change, is always judged.
//! - Draws come from ChaCha8 seeded with the seed, so a seed gives the same
//!   schedule on every machine and build of this file.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A fault on concrete nodes (indices), as an episode starts it.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    Crash(Vec<usize>),
    Pause(Vec<usize>),
    Partition(Vec<Vec<usize>>),
    Cut { from: usize, to: usize },
    Latency { from: Vec<usize>, to: Vec<usize>, ms: u64, jitter_ms: u64 },
    Loss { from: Vec<usize>, to: Vec<usize>, percent: u32 },
    Filter { from: Vec<usize>, to: Vec<usize>, kinds: &'static str },
    Skew { node: usize, ms: i64 },
    Equivocate(usize),
    Silent(usize),
    Withhold { node: usize, slots: u64 },
    DiskFull(Vec<usize>),
    DiskSlow { nodes: Vec<usize>, ms: u64 },
}

fn ids(nodes: &[usize]) -> String {
    nodes.iter().map(|n| format!("n{n}")).collect::<Vec<_>>().join(",")
}

impl Fault {
    /// The fault-language line that starts it.
    pub fn start(&self) -> String {
        match self {
            Fault::Crash(n) => format!("crash {}", ids(n)),
            Fault::Pause(n) => format!("pause {}", ids(n)),
            Fault::Partition(groups) => {
                format!("partition {}", groups.iter().map(|g| ids(g)).collect::<Vec<_>>().join("/"))
            }
            Fault::Cut { from, to } => format!("cut n{from} n{to}"),
            Fault::Latency { from, to, ms, jitter_ms } => {
                format!("latency {} {} {ms}ms --jitter {jitter_ms}ms", ids(from), ids(to))
            }
            Fault::Loss { from, to, percent } => format!("loss {} {} {percent}%", ids(from), ids(to)),
            Fault::Filter { from, to, kinds } => format!("filter {} {} {kinds}", ids(from), ids(to)),
            Fault::Skew { node, ms } => format!("skew n{node} {}{}ms", if *ms >= 0 { "+" } else { "" }, ms),
            Fault::Equivocate(n) => format!("equivocate n{n}"),
            Fault::Silent(n) => format!("silent n{n}"),
            Fault::Withhold { node, slots } => format!("withhold n{node} {slots}"),
            Fault::DiskFull(n) => format!("disk-full {}", ids(n)),
            Fault::DiskSlow { nodes, ms } => format!("disk-slow {} {ms}ms", ids(nodes)),
        }
    }

    /// The line that undoes it.
    pub fn undo(&self) -> String {
        match self {
            Fault::Crash(n) => format!("restart {}", ids(n)),
            Fault::Pause(n) => format!("resume {}", ids(n)),
            Fault::Partition(_) | Fault::Cut { .. } => "heal".into(),
            Fault::Latency { from, to, .. } | Fault::Loss { from, to, .. } | Fault::Filter { from, to, .. } => {
                format!("clear {} {}", ids(from), ids(to))
            }
            Fault::Skew { node, .. } => format!("skew n{node} 0"),
            Fault::Equivocate(n) | Fault::Silent(n) | Fault::Withhold { node: n, .. } => format!("honest n{n}"),
            Fault::DiskFull(n) | Fault::DiskSlow { nodes: n, .. } => format!("disk-ok {}", ids(n)),
        }
    }

    /// The validator it makes Byzantine, if any.
    pub fn byzantine(&self) -> Option<usize> {
        match self {
            Fault::Equivocate(n) | Fault::Silent(n) | Fault::Withhold { node: n, .. } => Some(*n),
            _ => None,
        }
    }

    /// The same fault on fewer nodes or groups, for the shrinker; empty when
    /// it cannot be narrowed.
    pub fn narrower(&self) -> Vec<Fault> {
        let fewer = |v: &Vec<usize>| -> Vec<Vec<usize>> {
            if v.len() < 2 {
                return vec![];
            }
            (0..v.len()).map(|i| v.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, x)| *x).collect()).collect()
        };
        match self {
            Fault::Crash(n) => fewer(n).into_iter().map(Fault::Crash).collect(),
            Fault::Pause(n) => fewer(n).into_iter().map(Fault::Pause).collect(),
            Fault::DiskFull(n) => fewer(n).into_iter().map(Fault::DiskFull).collect(),
            Fault::DiskSlow { nodes, ms } => {
                fewer(nodes).into_iter().map(|n| Fault::DiskSlow { nodes: n, ms: *ms }).collect()
            }
            Fault::Partition(groups) if groups.len() > 2 => (1..groups.len())
                .map(|i| {
                    let mut g = groups.clone();
                    let merged = g.remove(i);
                    g[0].extend(merged);
                    g[0].sort();
                    Fault::Partition(g)
                })
                .collect(),
            Fault::Latency { from, to, ms, jitter_ms } => {
                let a = fewer(from).into_iter().map(|f| Fault::Latency {
                    from: f,
                    to: to.clone(),
                    ms: *ms,
                    jitter_ms: *jitter_ms,
                });
                let b = fewer(to).into_iter().map(|t| Fault::Latency {
                    from: from.clone(),
                    to: t,
                    ms: *ms,
                    jitter_ms: *jitter_ms,
                });
                a.chain(b).collect()
            }
            Fault::Loss { from, to, percent } => {
                let a = fewer(from).into_iter().map(|f| Fault::Loss { from: f, to: to.clone(), percent: *percent });
                let b = fewer(to).into_iter().map(|t| Fault::Loss { from: from.clone(), to: t, percent: *percent });
                a.chain(b).collect()
            }
            Fault::Filter { from, to, kinds } => {
                let a = fewer(from).into_iter().map(|f| Fault::Filter { from: f, to: to.clone(), kinds });
                let b = fewer(to).into_iter().map(|t| Fault::Filter { from: from.clone(), to: t, kinds });
                a.chain(b).collect()
            }
            _ => vec![],
        }
    }
}

/// One fault held from `at_ms` for `for_ms`, then undone.
#[derive(Clone, Debug, PartialEq)]
pub struct Episode {
    pub at_ms: u64,
    pub for_ms: u64,
    pub fault: Fault,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub seed: u64,
    pub episodes: Vec<Episode>,
    /// The run's length: at least the last episode's end plus the quiet settle.
    pub duration_ms: u64,
    /// The quiet end of the run (`Shape::settle_ms`).
    pub settle_ms: u64,
}

/// What the schedule is drawn for.
#[derive(Clone, Debug)]
pub struct Shape {
    pub engine: String,
    pub nodes: usize,
    pub slot_ms: u64,
    pub epoch_slots: u64,
    /// The whole run, settle included.
    pub duration_ms: u64,
}

impl Shape {
    /// The quiet end: enough for the liveness check (five epochs, or five
    /// heights of slots for BFT and pow) and some more.
    pub fn settle_ms(&self) -> u64 {
        let epochs = crate::cluster::engine::description(&self.engine).epochs;
        let unit = if epochs { self.slot_ms * self.epoch_slots } else { self.slot_ms * 4 };
        (8 * unit).max(8_000)
    }
}

/// The fault kinds and their weights.
const KINDS: &[(&str, u32)] = &[
    ("crash", 5),
    ("pause", 3),
    ("partition", 5),
    ("cut", 2),
    ("latency", 3),
    ("loss", 3),
    ("filter", 2),
    ("skew", 2),
    ("equivocate", 2),
    ("silent", 1),
    ("withhold", 1),
    ("disk-full", 2),
    ("disk-slow", 2),
];

/// Who an episode hits.
#[derive(Clone, Copy, Debug)]
enum Target {
    One,
    Minority,
    Majority,
}

fn pick(rng: &mut ChaCha8Rng, target: Target, n: usize) -> Vec<usize> {
    let f = (n.saturating_sub(1) / 3).max(1);
    let size = match target {
        Target::One => 1,
        Target::Minority => rng.gen_range(1..=f),
        Target::Majority => rng.gen_range(n / 2 + 1..=n),
    };
    let mut all: Vec<usize> = (0..n).collect();
    let mut out = vec![];
    while out.len() < size.min(n) {
        out.push(all.remove(rng.gen_range(0..all.len())));
    }
    out.sort();
    out
}

/// `pick`, leaving at least one node out (the other end of a link fault).
fn pick_side(rng: &mut ChaCha8Rng, target: Target, n: usize) -> Vec<usize> {
    let mut side = pick(rng, target, n);
    if side.len() == n {
        side.remove(rng.gen_range(0..n));
    }
    side
}

fn rest(n: usize, taken: &[usize]) -> Vec<usize> {
    (0..n).filter(|i| !taken.contains(i)).collect()
}

/// Draws the schedule for `seed`.
pub fn generate(seed: u64, shape: &Shape) -> Schedule {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = shape.nodes.max(2);
    let budget = n.saturating_sub(1) / 3;
    let mut byzantine: Vec<usize> = vec![];
    let epoch_ms = shape.slot_ms * shape.epoch_slots.max(1);
    // Faults last one to four epochs (at least a second); quiet gaps half that.
    let span = |rng: &mut ChaCha8Rng, lo: u64, hi: u64| rng.gen_range(lo.max(1)..=hi.max(lo.max(1)));
    let end = shape.duration_ms.saturating_sub(shape.settle_ms());
    let mut t = span(&mut rng, epoch_ms, 2 * epoch_ms).max(1_000);
    let mut episodes = vec![];
    let total: u32 = KINDS.iter().map(|(_, w)| w).sum();
    loop {
        let hold = span(&mut rng, epoch_ms, 4 * epoch_ms).max(1_000);
        if t + hold > end {
            break;
        }
        let mut roll = rng.gen_range(0..total);
        let kind = KINDS
            .iter()
            .find(|(_, w)| {
                roll < *w || {
                    roll -= w;
                    false
                }
            })
            .map_or("crash", |(k, _)| *k);
        let target = match rng.gen_range(0..4) {
            0 | 1 => Target::One,
            2 => Target::Minority,
            _ => Target::Majority,
        };
        let pow = crate::cluster::engine::description(&shape.engine).mined;
        let fault = match kind {
            "crash" => Fault::Crash(pick(&mut rng, target, n)),
            "pause" => Fault::Pause(pick(&mut rng, target, n)),
            "partition" => {
                let side =
                    pick_side(&mut rng, if matches!(target, Target::Majority) { Target::Minority } else { target }, n);
                Fault::Partition(vec![rest(n, &side), side])
            }
            "cut" => {
                let a = rng.gen_range(0..n);
                let b = (a + rng.gen_range(1..n)) % n;
                Fault::Cut { from: a, to: b }
            }
            "latency" => {
                let from = pick_side(&mut rng, target, n);
                let ms = rng.gen_range(1..=4) * shape.slot_ms / 2;
                Fault::Latency { to: rest(n, &from), from, ms: ms.max(10), jitter_ms: ms.max(10) / 2 }
            }
            "loss" => {
                let from = pick_side(&mut rng, target, n);
                Fault::Loss { to: rest(n, &from), from, percent: rng.gen_range(1..=6) * 10 }
            }
            "filter" => {
                let from = pick_side(&mut rng, target, n);
                let kinds = ["vote", "block", "block,vote", "sync"][rng.gen_range(0..4)];
                Fault::Filter { to: rest(n, &from), from, kinds }
            }
            "disk-full" => Fault::DiskFull(pick(&mut rng, target, n)),
            "disk-slow" => Fault::DiskSlow { nodes: pick(&mut rng, target, n), ms: rng.gen_range(1..=4) * 25 },
            "skew" => {
                let ms = rng.gen_range(1..=4) as i64 * shape.slot_ms as i64 / 2;
                Fault::Skew { node: rng.gen_range(0..n), ms: if rng.gen_bool(0.5) { ms } else { -ms } }
            }
            byz => {
                // Within the budget: a validator already Byzantine, or a new one while f allows.
                let node = if byzantine.len() < budget && (byzantine.is_empty() || rng.gen_bool(0.5)) {
                    rest(n, &byzantine)[rng.gen_range(0..n - byzantine.len())]
                } else if let Some(b) = byzantine.first() {
                    *b
                } else {
                    // n < 4: no Byzantine budget at all; a crash instead.
                    episodes.push(Episode {
                        at_ms: t,
                        for_ms: hold,
                        fault: Fault::Crash(pick(&mut rng, Target::One, n)),
                    });
                    t += hold + span(&mut rng, epoch_ms / 2, 2 * epoch_ms).max(500);
                    continue;
                };
                if !byzantine.contains(&node) {
                    byzantine.push(node);
                }
                // pow draws silence only: PoW has no slashing, so an
                // equivocating miner can never be held to account, and its
                // withholding is a private branch that may revert k-deep
                // blocks by design (the selfish-mining lesson), not a failure.
                match byz {
                    _ if pow => Fault::Silent(node),
                    "equivocate" => Fault::Equivocate(node),
                    "silent" => Fault::Silent(node),
                    _ => Fault::Withhold { node, slots: rng.gen_range(1..=3) },
                }
            }
        };
        episodes.push(Episode { at_ms: t, for_ms: hold, fault });
        t += hold + span(&mut rng, epoch_ms / 2, 2 * epoch_ms).max(500);
    }
    Schedule { seed, episodes, duration_ms: shape.duration_ms, settle_ms: shape.settle_ms() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(engine: &str, nodes: usize) -> Shape {
        Shape { engine: engine.into(), nodes, slot_ms: 200, epoch_slots: 4, duration_ms: 120_000 }
    }

    #[test]
    fn a_seed_gives_the_same_schedule_and_seeds_differ() {
        let s = shape("gasper", 4);
        assert_eq!(generate(7, &s), generate(7, &s));
        assert_ne!(generate(7, &s), generate(8, &s));
        assert!(generate(7, &s).episodes.len() >= 10, "{:?}", generate(7, &s));
    }

    #[test]
    fn episodes_do_not_overlap_and_the_end_is_quiet() {
        for seed in 0..200 {
            for (engine, nodes) in [("gasper", 4), ("tendermint", 7), ("pow", 5), ("gasper", 2)] {
                let s = shape(engine, nodes);
                let sch = generate(seed, &s);
                let mut free = 0;
                for e in &sch.episodes {
                    assert!(e.at_ms >= free, "seed {seed}: overlap {sch:?}");
                    free = e.at_ms + e.for_ms;
                }
                assert!(free + s.settle_ms() <= s.duration_ms, "seed {seed}: no quiet end");
            }
        }
    }

    #[test]
    fn byzantine_faults_stay_within_the_budget() {
        for seed in 0..300 {
            for nodes in [2, 3, 4, 7, 10] {
                let sch = generate(seed, &shape("gasper", nodes));
                let mut byz: Vec<usize> = sch.episodes.iter().filter_map(|e| e.fault.byzantine()).collect();
                byz.sort();
                byz.dedup();
                assert!(byz.len() <= (nodes - 1) / 3, "seed {seed}, {nodes} nodes: {byz:?}");
            }
        }
    }

    #[test]
    fn every_fault_parses_and_is_undone_in_the_fault_language() {
        for seed in 0..100 {
            for engine in ["gasper", "tendermint", "pow"] {
                for e in generate(seed, &shape(engine, 4)).episodes {
                    for line in [e.fault.start(), e.fault.undo()] {
                        let fault = crate::faults::parse(&crate::faults::words(&line), 4)
                            .unwrap_or_else(|err| panic!("{line}: {err}"));
                        crate::faults::check_engine(&fault, engine).unwrap_or_else(|err| panic!("{line}: {err}"));
                    }
                }
            }
        }
    }

    #[test]
    fn pow_draws_no_equivocation_or_withholding() {
        for seed in 0..200 {
            for e in generate(seed, &shape("pow", 4)).episodes {
                assert!(!matches!(e.fault, Fault::Equivocate(_) | Fault::Withhold { .. }), "seed {seed}: {e:?}");
            }
        }
    }

    #[test]
    fn narrowing_keeps_the_kind_and_takes_one_away() {
        let f = Fault::Crash(vec![0, 2, 3]);
        assert_eq!(f.narrower(), vec![Fault::Crash(vec![2, 3]), Fault::Crash(vec![0, 3]), Fault::Crash(vec![0, 2])]);
        assert!(Fault::Crash(vec![1]).narrower().is_empty());
        let p = Fault::Partition(vec![vec![0], vec![1], vec![2, 3]]);
        assert_eq!(p.narrower()[0], Fault::Partition(vec![vec![0, 1], vec![2, 3]]));
    }
}
