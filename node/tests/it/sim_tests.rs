//! The gasper simulation's entry points: the default seed sweep (split so the
//! test harness runs parts in parallel), the replay of one seed, a soak run,
//! and a determinism check.

use crate::sim::run_seed;
use crate::simnet::{replay, run_seeds};

const SEEDS_PER_PART: u64 = 50;

fn part(k: u64) {
    run_seeds("sim", k * SEEDS_PER_PART..(k + 1) * SEEDS_PER_PART, run_seed);
}

#[test]
fn sim_seeds_000_049() {
    part(0);
}
#[test]
fn sim_seeds_050_099() {
    part(1);
}
#[test]
fn sim_seeds_100_149() {
    part(2);
}
#[test]
fn sim_seeds_150_199() {
    part(3);
}

/// `SIM_SEED=N cargo test sim_replay -- --nocapture` replays one seed and prints its stats.
#[test]
fn sim_replay() {
    replay(run_seed);
}

/// `SIM_SEEDS=N cargo test sim_soak` runs N seeds past the default sweep.
#[test]
fn sim_soak() {
    let n: u64 = std::env::var("SIM_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    run_seeds("sim", 1_000_000..1_000_000 + n, run_seed);
}

#[test]
fn sim_is_deterministic() {
    for seed in [7, 1234] {
        let a = run_seed(seed).map(|o| (o.digest, o.events));
        let b = run_seed(seed).map(|o| (o.digest, o.events));
        assert_eq!(a, b, "seed {seed} replayed differently");
    }
}
