//! Deterministic simulation of the real `hotstuff` engine on `simnet`, for
//! both commit rules (`commit_chain` 2 and 3):
//!
//! - chaos: five validators (stakes 10/25/20/25/20), validator 0
//!   equivocating throughout (twin proposals, split votes), partitions that
//!   heal, delays, drops, duplicates, one to three crashes at any point of
//!   an effect batch with restarts from the persisted records;
//! - Twins: four honest validators and a second process holding validator
//!   0's key (`Scenario.twins`), with the same faults; the checker's
//!   equivocator is the twinned validator;
//! - one of four validators down for the whole run (its node never exists).
//!
//! Checked for every seed:
//! - safety: no two nodes ever commit different blocks at one height (`sim_check`);
//! - protection: no honest validator is ever seen equivocating, across crashes;
//! - liveness: within `LIVE_MS` of the heal every honest node commits at
//!   least `LIVE_HEIGHTS` heights past the best height at the heal;
//! - accountability: every honest node reports validator 0 `Slashed`
//!   (Twins: whenever some node had slashed it `LIVE_MS / 2` after the heal);
//! - the ledger: supply conserved, equal final blocks hold equal states,
//!   transfers become final (`simnet::run`).
//!
//! A failing seed prints `SIM_SEED=<seed> cargo test hotstuff_replay`
//! (`SIM_CHAIN=2` or `3` picks the rule, 3 by default; `SIM_VARIANT=twins`
//! or `down` the scenario).

use crate::sim_check::Checker;
use crate::simnet::{Outcome, Scenario, Sim, assert_deterministic, key, replay, run, run_seeds, soak};
use devnet_node::chain::spec::{HotStuffParams, LedgerParams};
use devnet_node::chain::{ChainSpec, ValidatorSpec};
use devnet_node::consensus::engine::Behaviour;

const STAKES: [u64; 5] = [10, 25, 20, 25, 20];
const EQUAL: [u64; 4] = [25, 25, 25, 25];
const EQUIVOCATOR: usize = 0;
const CHAOS_MS: u64 = 1_500;
const LIVE_MS: u64 = 1_200;
const LIVE_HEIGHTS: u64 = 3;
const END_MS: u64 = CHAOS_MS + LIVE_MS + 300;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Chaos,
    Twins,
    /// One validator of four never runs.
    Down,
}

pub fn spec(chain: u8, stakes: &[u64]) -> ChainSpec {
    ChainSpec {
        name: "sim".into(),
        consensus: "hotstuff".into(),
        slot_ms: 100,
        epoch_slots: 1,
        genesis_time_ms: 0,
        validators: stakes
            .iter()
            .enumerate()
            .map(|(i, s)| ValidatorSpec { pubkey: hex::encode(key(i).public().0), stake: *s })
            .collect(),
        // Few accounts: the end-of-run ledger check derives every account's key.
        ledger: Some(LedgerParams { accounts: 32, ..LedgerParams::default() }),
        params: devnet_node::consensus::params::of(&HotStuffParams {
            commit_chain: chain,
            base_timeout_ms: 100,
            max_timeout_ms: 300,
            min_round_ms: 60,
        }),
    }
}

fn scenario(chain: u8, variant: Variant) -> Scenario {
    let base = Scenario {
        spec: spec(chain, &STAKES),
        nodes: STAKES.len(),
        twins: Vec::new(),
        behaviours: vec![(EQUIVOCATOR, Behaviour::Equivocate)],
        boot_inputs: Vec::new(),
        chaos_ms: CHAOS_MS,
        end_ms: END_MS,
        crashes: 1..=3,
        partitions: true,
        chaos_net: (0.1, 40),
        healed_net: (0.02, 15),
        max_skew: 20,
        probes: vec![CHAOS_MS, CHAOS_MS + LIVE_MS, CHAOS_MS + LIVE_MS / 2],
        checker: Checker::new(STAKES.len(), EQUIVOCATOR as u32),
        tx_every_ms: 100,
    };
    match variant {
        Variant::Chaos => base,
        Variant::Twins => Scenario {
            spec: spec(chain, &EQUAL),
            nodes: EQUAL.len() + 1,
            twins: vec![EQUIVOCATOR],
            behaviours: Vec::new(),
            checker: Checker::new(EQUAL.len() + 1, EQUIVOCATOR as u32),
            ..base
        },
        Variant::Down => Scenario {
            spec: spec(chain, &EQUAL),
            nodes: EQUAL.len() - 1,
            behaviours: Vec::new(),
            crashes: 0..=0,
            partitions: false,
            // No drops: this variant isolates the crashed leader (a dropped
            // proposal or vote costs a round anywhere; the chaos variants
            // have those).
            chaos_net: (0.0, 15),
            healed_net: (0.0, 15),
            checker: Checker::new(EQUAL.len() - 1, u32::MAX),
            ..base
        },
    }
}

/// The committed height node `i` reported at probe `k`.
fn committed(sim: &Sim, k: usize, i: usize) -> Option<u64> {
    sim.probed.get(k).and_then(|row| row.get(i).cloned().flatten()).map(|s| s.finalized.block.height)
}

pub fn run_seed(chain: u8, variant: Variant, seed: u64) -> Result<Outcome, String> {
    let sc = scenario(chain, variant);
    let nodes = sc.nodes;
    let name = match variant {
        Variant::Chaos => "chaos",
        Variant::Twins => "twins",
        Variant::Down => "down",
    };
    run(seed, sc, |sim| {
        if std::env::var_os("SIM_TRACE").is_some() {
            for i in 0..nodes {
                if let Some(e) = sim.engine(i) {
                    eprintln!("node {i}: {:?}", e.status(sim.now));
                }
            }
        }
        let honest: Vec<usize> = match variant {
            Variant::Chaos => (0..nodes).filter(|i| *i != EQUIVOCATOR).collect(),
            Variant::Twins => (0..nodes).filter(|i| *i != EQUIVOCATOR && *i != EQUAL.len()).collect(),
            Variant::Down => (0..nodes).collect(),
        };
        let base = (0..nodes).filter_map(|i| committed(sim, 0, i)).max().unwrap_or(0);
        let want = if variant == Variant::Down { (base + LIVE_HEIGHTS).max(6) } else { base + LIVE_HEIGHTS };
        for &i in &honest {
            let Some(h) = committed(sim, 1, i) else {
                return Err(format!("node {i} is down after the heal"));
            };
            if h < want {
                let now = sim.engine(i).map(|e| e.status(sim.now));
                return Err(format!(
                    "LIVENESS: node {i} committed height {h} {LIVE_MS}ms after the heal, wanted {want} \
                     (round, committed now: {:?})",
                    now.map(|s| (s.slot, s.finalized.block.height))
                ));
            }
        }
        let accountable = match variant {
            Variant::Chaos => true,
            // The twins conflict only by chance (both lead a round with
            // different mempools, or vote apart across a partition), maybe
            // just before the end: once any node has slashed the twinned
            // validator (probe 2), every honest node must by the end.
            Variant::Twins => sim.probed.get(2).is_some_and(|row| {
                row.iter().flatten().any(|s| s.validators.get(EQUIVOCATOR).is_some_and(|v| v.slashed))
            }),
            Variant::Down => false,
        };
        if accountable {
            for &i in &honest {
                if !sim.check.slashed_seen[i].contains(&(EQUIVOCATOR as u32)) {
                    return Err(format!("ACCOUNTABILITY: node {i} never reported validator {EQUIVOCATOR} slashed"));
                }
            }
        }
        Ok(())
    })
    .map_err(|e| format!("{e}\n  (with SIM_CHAIN={chain} SIM_VARIANT={name})"))
}

fn env_chain() -> u8 {
    std::env::var("SIM_CHAIN").ok().and_then(|s| s.parse().ok()).unwrap_or(3)
}

fn env_variant() -> Variant {
    match std::env::var("SIM_VARIANT").as_deref() {
        Ok("twins") => Variant::Twins,
        Ok("down") => Variant::Down,
        _ => Variant::Chaos,
    }
}

#[test]
fn hotstuff3_sim_seeds_000_099() {
    run_seeds("hotstuff", 0..100, |s| run_seed(3, Variant::Chaos, s));
}
#[test]
fn hotstuff2_sim_seeds_000_099() {
    run_seeds("hotstuff", 0..100, |s| run_seed(2, Variant::Chaos, s));
}
#[test]
fn hotstuff3_twins_seeds_000_019() {
    run_seeds("hotstuff", 0..20, |s| run_seed(3, Variant::Twins, s));
}
#[test]
fn hotstuff2_twins_seeds_000_019() {
    run_seeds("hotstuff", 0..20, |s| run_seed(2, Variant::Twins, s));
}

/// One validator of four never runs: round-robin gives it every fourth
/// round, and its predecessor's block is certified only through the votes
/// broadcast again with the timeouts (R7). Both rules keep committing.
#[test]
fn hotstuff_one_of_four_down_all_run_commits_for_both_rules() {
    for chain in [2, 3] {
        run_seeds("hotstuff", 0..3, |s| run_seed(chain, Variant::Down, s));
    }
}

#[test]
fn hotstuff_replay() {
    replay(|s| run_seed(env_chain(), env_variant(), s));
}

/// `SIM_SEEDS=N cargo test hotstuff_soak` runs N seeds past the default
/// sweep (`SIM_CHAIN`, `SIM_VARIANT` as for the replay).
#[test]
fn hotstuff_soak() {
    soak("hotstuff", |s| run_seed(env_chain(), env_variant(), s));
}

#[test]
fn hotstuff_sim_is_deterministic() {
    assert_deterministic(&[3, 77], |s| run_seed(3, Variant::Chaos, s));
    assert_deterministic(&[5], |s| run_seed(2, Variant::Twins, s));
}
