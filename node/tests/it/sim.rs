//! Deterministic simulation of the real `gasper` engine on `simnet`: five
//! validators (stakes 10/25/20/25/20) in one process, a simulated clock with
//! per-node skew, a seeded network (delay, drop, duplication, partitions),
//! crashes at any point of an effect batch and restarts from the persisted
//! records, and validator 0 equivocating throughout.
//!
//! Each seed runs a chaos phase of `CHAOS_EPOCHS`, then a healed phase (all
//! nodes up, no partitions, light loss), and checks (see `sim_check` for the
//! running ones):
//! - safety: no two nodes ever finalize different blocks at one height;
//! - liveness: within `LIVENESS_EPOCHS` of the heal every honest node's
//!   finalized epoch is at least 2 above the best one at the heal;
//! - accountability: every honest node reports the equivocator `Slashed`,
//!   and no honest validator is ever seen equivocating.
//!
//! A failing seed prints `SIM_SEED=<seed> cargo test sim_replay`.

use crate::sim_check::Checker;
use crate::simnet::{Outcome, Scenario, key, run};
use devnet_node::chain::{ChainSpec, ValidatorSpec};
use devnet_node::consensus::engine::Behaviour;

pub const SLOT_MS: u64 = 100;
pub const EPOCH_SLOTS: u64 = 4;
const EPOCH_MS: u64 = SLOT_MS * EPOCH_SLOTS;
const STAKES: [u64; 5] = [10, 25, 20, 25, 20];
const EQUIVOCATOR: usize = 0;
const CHAOS_EPOCHS: u64 = 8;
const HEAL_EPOCHS: u64 = 10;
/// Liveness: within this many epochs of the heal, finality must advance by 2.
const LIVENESS_EPOCHS: u64 = 6;

pub fn spec() -> ChainSpec {
    ChainSpec {
        name: "sim".into(),
        consensus: "gasper".into(),
        slot_ms: SLOT_MS,
        epoch_slots: EPOCH_SLOTS,
        genesis_time_ms: 0,
        params: Default::default(),
        ledger: None,
        validators: STAKES
            .iter()
            .enumerate()
            .map(|(i, s)| ValidatorSpec { pubkey: hex::encode(key(i).public().0), stake: *s })
            .collect(),
    }
}

fn scenario() -> Scenario {
    let heal = CHAOS_EPOCHS * EPOCH_MS;
    Scenario {
        spec: spec(),
        nodes: STAKES.len(),
        twins: Vec::new(),
        behaviours: vec![(EQUIVOCATOR, Behaviour::Equivocate)],
        boot_inputs: Vec::new(),
        chaos_ms: heal,
        end_ms: (CHAOS_EPOCHS + HEAL_EPOCHS) * EPOCH_MS,
        crashes: 1..=3,
        partitions: true,
        chaos_net: (0.1, 80),
        healed_net: (0.02, 20),
        max_skew: 20,
        probes: vec![heal, heal + LIVENESS_EPOCHS * EPOCH_MS],
        checker: Checker::new(STAKES.len(), EQUIVOCATOR as u32),
        tx_every_ms: 25,
    }
}

/// Run one seed to the end; `Err` names the violated property.
pub fn run_seed(seed: u64) -> Result<Outcome, String> {
    run(seed, scenario(), |sim| {
        let epoch = |k: usize, i: usize| {
            sim.probed.get(k).and_then(|row| row.get(i).cloned().flatten()).map(|s| s.finalized.epoch)
        };
        let base = (0..STAKES.len()).filter_map(|i| epoch(0, i)).max().unwrap_or(0);
        for i in (0..STAKES.len()).filter(|i| *i != EQUIVOCATOR) {
            let Some(now) = sim.engine(i).map(|e| e.status(sim.now)) else {
                return Err(format!("node {i} is down at the end"));
            };
            let fin = epoch(1, i).unwrap_or(0);
            if fin < base + 2 {
                return Err(format!(
                    "LIVENESS: node {i} finalized epoch {fin} {LIVENESS_EPOCHS} epochs after the heal, {base} at the \
                     heal (now {}, head {:?})",
                    now.finalized.epoch, now.head
                ));
            }
            if !sim.check.slashed_seen[i].contains(&(EQUIVOCATOR as u32)) {
                return Err(format!("ACCOUNTABILITY: node {i} never reported validator {EQUIVOCATOR} slashed"));
            }
        }
        Ok(())
    })
}
