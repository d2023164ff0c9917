//! The gasper simulation's entry points: the default seed sweep (split so the
//! test harness runs parts in parallel), the replay of one seed, a soak run,
//! and a determinism check.

use crate::sim::run_seed;
use crate::simnet::{assert_deterministic, replay, run_seeds, soak};

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
    soak("sim", run_seed);
}

#[test]
fn sim_is_deterministic() {
    assert_deterministic(&[7, 1234], run_seed);
}
