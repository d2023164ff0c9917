//! Deterministic simulation of the real `pbft` engine on `simnet`: five
//! validators (stakes 10/25/20/25/20).
//!
//! - The main scenario: validator 0, the primary of view 0, equivocates
//!   throughout (conflicting pre-prepares, prepares and commits to each half
//!   of the peers), with partitions that heal, delays, drops, duplicates, and
//!   one to three crashes at any point of an effect batch with restarts from
//!   the persisted records.
//! - Twins: a sixth node holds validator 0's key (`Scenario.twins`); both of
//!   its processes are honest and sign without knowing of each other.
//! - A dead primary: validator 0 signs nothing for the whole run (`Silent`:
//!   to its peers a primary crashed from the start; simnet boots every node,
//!   so a silent one stands in for a node that never comes up). Views change
//!   and commits continue.
//!
//! Checked for every seed:
//! - safety: no two nodes ever commit different blocks at one sequence
//!   number (`sim_check`);
//! - protection: no honest validator is ever seen equivocating, across crashes;
//! - liveness: within `LIVE_MS` of the heal every honest node commits at
//!   least `LIVE_SEQS` sequence numbers past the best at the heal;
//! - accountability: every honest node reports the equivocator `Slashed`
//!   (Twins: whenever the twins were seen equivocating, which they are
//!   unless they happened to sign the same things all run).
//!
//! A failing seed prints `SIM_SEED=<seed> cargo test pbft_replay` (or
//! `pbft_twins_replay`, `pbft_dead_primary_replay`).

use crate::sim_check::Checker;
use crate::simnet::{Outcome, Scenario, Sim, assert_deterministic, key, replay, run, run_seeds, soak};
use devnet_node::chain::{ChainSpec, ValidatorSpec};
use devnet_node::consensus::engine::Behaviour;
use devnet_node::consensus::pbft::PbftParams;

const STAKES: [u64; 5] = [10, 25, 20, 25, 20];
const EQUIVOCATOR: usize = 0;
const CHAOS_MS: u64 = 2_500;
const LIVE_MS: u64 = 1_500;
const LIVE_SEQS: u64 = 3;
const END_MS: u64 = CHAOS_MS + LIVE_MS + 500;

pub fn spec() -> ChainSpec {
    ChainSpec {
        name: "sim".into(),
        consensus: "pbft".into(),
        slot_ms: 100,
        epoch_slots: 1,
        genesis_time_ms: 0,
        validators: STAKES
            .iter()
            .enumerate()
            .map(|(i, s)| ValidatorSpec { pubkey: hex::encode(key(i).public().0), stake: *s })
            .collect(),
        params: devnet_node::consensus::params::of(&PbftParams {
            checkpoint_interval: 4,
            watermark_window: 16,
            view_change_timeout_ms: 150,
            max_view_change_timeout_ms: 600,
            pacing_ms: 40,
        }),
        ledger: None,
    }
}

fn scenario(nodes: usize, twins: Vec<usize>, behaviours: Vec<(usize, Behaviour)>) -> Scenario {
    Scenario {
        spec: spec(),
        nodes,
        twins,
        behaviours,
        boot_inputs: Vec::new(),
        chaos_ms: CHAOS_MS,
        end_ms: END_MS,
        crashes: 1..=3,
        partitions: true,
        chaos_net: (0.1, 40),
        healed_net: (0.02, 15),
        max_skew: 20,
        probes: vec![CHAOS_MS, CHAOS_MS + LIVE_MS],
        checker: Checker::new(nodes, EQUIVOCATOR as u32),
        tx_every_ms: 40,
    }
}

/// Liveness and accountability for the honest nodes `honest`.
fn end_check(sim: &Sim, honest: &[usize], must_slash: bool) -> Result<(), String> {
    if std::env::var_os("SIM_TRACE").is_some() {
        for i in 0..sim.check.slashed_seen.len() {
            eprintln!("node {i}: {:?}", sim.engine(i).map(|e| e.status(sim.now)));
        }
    }
    let seq =
        |k: usize, i: usize| sim.probed.get(k).and_then(|row| row.get(i).cloned().flatten()).map(|s| s.finalized.epoch);
    let base = honest.iter().filter_map(|i| seq(0, *i)).max().unwrap_or(0);
    for &i in honest {
        let Some(h) = seq(1, i) else {
            return Err(format!("node {i} is down after the heal"));
        };
        if h < base + LIVE_SEQS {
            let now = sim.engine(i).map(|e| e.status(sim.now));
            return Err(format!(
                "LIVENESS: node {i} committed seq {h} {LIVE_MS}ms after the heal, best {base} at the heal \
                 (now {:?})",
                now.map(|s| (s.slot, s.epoch, s.finalized.epoch))
            ));
        }
        if must_slash && !sim.check.slashed_seen[i].contains(&(EQUIVOCATOR as u32)) {
            return Err(format!("ACCOUNTABILITY: node {i} never reported validator {EQUIVOCATOR} slashed"));
        }
    }
    Ok(())
}

const HONEST: [usize; 4] = [1, 2, 3, 4];

pub fn run_seed(seed: u64) -> Result<Outcome, String> {
    let sc = scenario(STAKES.len(), Vec::new(), vec![(EQUIVOCATOR, Behaviour::Equivocate)]);
    run(seed, sc, |sim| end_check(sim, &HONEST, true))
}

/// Twins: node 5 holds validator 0's key; both are honest processes.
pub fn run_twins(seed: u64) -> Result<Outcome, String> {
    let sc = scenario(STAKES.len() + 1, vec![EQUIVOCATOR], Vec::new());
    run(seed, sc, |sim| {
        let equivocated = sim.check.stats.get("EquivocationSeen").copied().unwrap_or(0) > 0;
        end_check(sim, &HONEST, equivocated)
    })
}

/// The primary of view 0 signs nothing all run: a view change, then commits.
pub fn run_dead_primary(seed: u64) -> Result<Outcome, String> {
    let mut sc = scenario(STAKES.len(), Vec::new(), vec![(0, Behaviour::Silent)]);
    sc.crashes = 0..=0;
    sc.partitions = false;
    run(seed, sc, |sim| {
        end_check(sim, &HONEST, false)?;
        if sim.check.stats.get("RoundFailed").copied().unwrap_or(0) == 0 {
            return Err("no view change with the primary of view 0 dead".into());
        }
        for i in HONEST {
            let Some(st) = sim.engine(i).map(|e| e.status(sim.now)) else { continue };
            if st.epoch == 0 || st.finalized.epoch < 10 {
                return Err(format!("node {i}: view {} and seq {} at the end", st.epoch, st.finalized.epoch));
            }
        }
        Ok(())
    })
}

#[test]
fn pbft_sim_seeds_000_049() {
    run_seeds("pbft", 0..50, run_seed);
}
#[test]
fn pbft_sim_seeds_050_099() {
    run_seeds("pbft", 50..100, run_seed);
}
#[test]
fn pbft_twins_sim_seeds_000_011() {
    run_seeds("pbft_twins", 0..12, run_twins);
}
#[test]
fn pbft_dead_primary_sim_seeds_000_003() {
    run_seeds("pbft_dead_primary", 0..4, run_dead_primary);
}

#[test]
fn pbft_replay() {
    replay(run_seed);
}
#[test]
fn pbft_twins_replay() {
    replay(run_twins);
}
#[test]
fn pbft_dead_primary_replay() {
    replay(run_dead_primary);
}

/// `SIM_SEEDS=N cargo test pbft_soak` runs N seeds of each scenario past the default sweep.
#[test]
fn pbft_soak() {
    soak("pbft", run_seed);
    soak("pbft_twins", run_twins);
}

#[test]
fn pbft_sim_is_deterministic() {
    assert_deterministic(&[3, 77], run_seed);
    assert_deterministic(&[5], run_twins);
}
