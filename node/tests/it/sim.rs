//! Deterministic simulation of the real `gasper` engine: several nodes in one
//! process, a simulated clock (ms) with per-node skew, a simulated network
//! (seeded delay, drop, duplication, partitions), crashes at any point of an
//! effect batch and restarts from the persisted records, and one validator
//! that equivocates throughout.
//!
//! Each seed runs a chaos phase, then a healed phase (all nodes up, no
//! partitions, light loss), and checks (see `sim_check` for the running ones):
//! - safety: no two nodes ever finalize different blocks at one height;
//! - liveness: within `LIVENESS_EPOCHS` of the heal every honest node's
//!   finalized epoch is at least 2 above the best one at the heal;
//! - accountability: every honest node reports the equivocator `Slashed`,
//!   and no honest validator is ever seen equivocating.
//!
//! A failing seed prints `SIM_SEED=<seed> cargo test sim_replay`.

use crate::sim_check::Checker;
use devnet_node::chain::{ChainSpec, Hash32, SecretKey, ValidatorSpec};
use devnet_node::consensus::Identity;
use devnet_node::consensus::engine::*;
use devnet_node::consensus::gasper::Gasper;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

pub const SLOT_MS: u64 = 100;
pub const EPOCH_SLOTS: u64 = 4;
const STAKES: [u64; 5] = [10, 25, 20, 25, 20];
const EQUIVOCATOR: usize = 0;
const CHAOS_EPOCHS: u64 = 8;
const HEAL_EPOCHS: u64 = 10;
/// Liveness: within this many epochs of the heal, finality must advance by 2.
const LIVENESS_EPOCHS: u64 = 6;

fn key(i: usize) -> SecretKey {
    SecretKey::from_seed([i as u8 + 1; 32])
}

pub fn spec() -> ChainSpec {
    ChainSpec {
        name: "sim".into(),
        consensus: "gasper".into(),
        slot_ms: SLOT_MS,
        epoch_slots: EPOCH_SLOTS,
        genesis_time_ms: 0,
        tendermint: None,
        pow: None,
        validators: STAKES
            .iter()
            .enumerate()
            .map(|(i, s)| ValidatorSpec { pubkey: hex::encode(key(i).public().0), stake: *s })
            .collect(),
    }
}

enum Ev {
    Deliver { to: usize, from: usize, kind: MsgKind, bytes: Vec<u8> },
    Wake { node: usize, generation: u64 },
    Crash { node: usize },
    Restart { node: usize },
    Partition,
    Heal,
}

struct SimNode {
    engine: Option<Gasper>,
    /// How far this node's clock runs ahead of simulated time (ms).
    skew: u64,
    /// The node's durable store: what it persisted, in order.
    store: BTreeMap<(Table, Vec<u8>), Vec<u8>>,
    /// Bumped on crash and boot so timers of a dead incarnation never fire.
    generation: u64,
    /// The next crash happens inside the next effect batch, after this many effects.
    crash_mid_batch: Option<usize>,
}

pub struct Outcome {
    pub digest: Hash32,
    pub events: u64,
    pub finalized: Vec<u64>,
    /// How often each kind of event and fault happened (for `sim_replay`).
    pub stats: BTreeMap<String, u64>,
}

struct Sim {
    rng: ChaCha8Rng,
    nodes: Vec<SimNode>,
    queue: BTreeMap<(u64, u64), Ev>,
    seq: u64,
    now: u64,
    group: Vec<u8>,
    healed: bool,
    check: Checker,
    failure: Option<String>,
}

impl Sim {
    fn push(&mut self, at: u64, ev: Ev) {
        self.seq += 1;
        self.queue.insert((at, self.seq), ev);
    }

    fn fail(&mut self, msg: String) {
        if self.failure.is_none() {
            self.failure = Some(format!("t={}ms: {msg}", self.now));
        }
    }

    fn boot(&mut self, i: usize, records: Vec<Record>) {
        let n = self.nodes.len();
        let identity = Identity {
            me: PeerId(i as u32),
            peers: (0..n).filter(|j| *j != i).map(|j| PeerId(j as u32)).collect(),
            validator: Some((i as u32, key(i))),
        };
        let mut g = match Gasper::new(&spec(), identity) {
            Ok(g) => g,
            Err(e) => return self.fail(format!("node {i}: new: {e}")),
        };
        if let Err(e) = g.restore(records) {
            return self.fail(format!("node {i}: restore: {e}"));
        }
        self.nodes[i].engine = Some(g);
        self.nodes[i].generation += 1;
        if i == EQUIVOCATOR {
            self.input(i, Input::SetBehaviour(Behaviour::Equivocate));
        }
        self.input(i, Input::Start);
        for j in 0..n {
            if j != i && self.nodes[j].engine.is_some() {
                self.input(i, Input::PeerUp(PeerId(j as u32)));
                self.input(j, Input::PeerUp(PeerId(i as u32)));
            }
        }
    }

    fn input(&mut self, i: usize, input: Input) {
        let skew = self.nodes[i].skew;
        let Some(engine) = self.nodes[i].engine.as_mut() else {
            return;
        };
        let fx = engine.handle(self.now + skew, input);
        let cut = self.nodes[i].crash_mid_batch.take();
        let keep = cut.map_or(fx.len(), |c| c.min(fx.len()));
        for e in fx.into_iter().take(keep) {
            self.effect(i, e);
        }
        if cut.is_some() {
            self.crash(i);
        }
    }

    fn effect(&mut self, i: usize, e: Effect) {
        match e {
            Effect::Persist(r) => {
                self.nodes[i].store.insert((r.table, r.key), r.value);
            }
            Effect::WakeAt(t) => {
                let generation = self.nodes[i].generation;
                let at = t.saturating_sub(self.nodes[i].skew).max(self.now);
                self.push(at, Ev::Wake { node: i, generation });
            }
            Effect::Send { to, kind, bytes } => {
                self.check.count(&format!("send:{}", kind.as_str()));
                let n = self.nodes.len();
                let dests: Vec<usize> = match to {
                    Dest::All => (0..n).filter(|j| *j != i).collect(),
                    Dest::Peer(p) => vec![p.0 as usize],
                    Dest::Peers(ps) => ps.iter().map(|p| p.0 as usize).collect(),
                };
                let (drop_p, max_delay) = if self.healed { (0.02, 20) } else { (0.1, 80) };
                for d in dests {
                    if d >= n || d == i || self.group[i] != self.group[d] || self.rng.gen_bool(drop_p) {
                        continue;
                    }
                    let copies = if self.rng.gen_bool(0.02) { 2 } else { 1 };
                    for _ in 0..copies {
                        let at = self.now + self.rng.gen_range(1..=max_delay);
                        self.push(at, Ev::Deliver { to: d, from: i, kind, bytes: bytes.clone() });
                    }
                }
            }
            Effect::Report(ev) => {
                if let Err(e) = self.check.observe(self.now, i, &ev) {
                    self.fail(e);
                }
            }
        }
    }

    fn crash(&mut self, i: usize) {
        if self.nodes[i].engine.take().is_some() {
            self.check.count("crash");
            self.nodes[i].generation += 1;
            for j in 0..self.nodes.len() {
                if j != i {
                    self.input(j, Input::PeerDown(PeerId(i as u32)));
                }
            }
        }
    }

    fn step(&mut self, ev: Ev) {
        match ev {
            Ev::Deliver { to, from, kind, bytes } => {
                // A partition that started in flight also blocks delivery.
                if self.group[to] == self.group[from] {
                    self.input(to, Input::Message { from: PeerId(from as u32), kind, bytes });
                }
            }
            Ev::Wake { node, generation } => {
                if self.nodes[node].generation == generation {
                    self.input(node, Input::Tick);
                }
            }
            Ev::Crash { node } => {
                if self.nodes[node].engine.is_some() {
                    if self.rng.gen_bool(0.5) {
                        // Die inside the next batch of effects, at a random point.
                        self.nodes[node].crash_mid_batch = Some(self.rng.gen_range(0..6));
                    } else {
                        self.crash(node);
                    }
                }
            }
            Ev::Restart { node } => {
                if self.nodes[node].engine.is_some() {
                    self.crash(node); // a pending mid-batch crash never fired
                }
                self.nodes[node].crash_mid_batch = None;
                let records = self.nodes[node]
                    .store
                    .iter()
                    .map(|((t, k), v)| Record { table: *t, key: k.clone(), value: v.clone() })
                    .collect();
                self.boot(node, records);
            }
            Ev::Partition => {
                let n = self.nodes.len();
                self.group = (0..n).map(|_| u8::from(self.rng.gen_bool(0.35))).collect();
            }
            Ev::Heal => {
                self.healed = self.now >= CHAOS_EPOCHS * EPOCH_SLOTS * SLOT_MS;
                self.group = vec![0; self.nodes.len()];
            }
        }
    }

    fn finalized_epochs(&self) -> Vec<u64> {
        self.nodes.iter().map(|x| x.engine.as_ref().map_or(0, |e| e.finalized().epoch)).collect()
    }
}

/// Run one seed to the end; `Err` names the violated property.
pub fn run_seed(seed: u64) -> Result<Outcome, String> {
    let n = STAKES.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let nodes = (0..n)
        .map(|_| SimNode {
            engine: None,
            skew: rng.gen_range(0..=20),
            store: BTreeMap::new(),
            generation: 0,
            crash_mid_batch: None,
        })
        .collect();
    let mut sim = Sim {
        rng,
        nodes,
        queue: BTreeMap::new(),
        seq: 0,
        now: 0,
        group: vec![0; n],
        healed: false,
        check: Checker::new(n, EQUIVOCATOR as u32),
        failure: None,
    };
    let epoch_ms = SLOT_MS * EPOCH_SLOTS;
    let heal_at = CHAOS_EPOCHS * epoch_ms;
    let live_at = heal_at + LIVENESS_EPOCHS * epoch_ms;
    let end = (CHAOS_EPOCHS + HEAL_EPOCHS) * epoch_ms;

    // Chaos: partitions come and go; one to three crashes with restarts.
    let mut t = sim.rng.gen_range(0..epoch_ms);
    while t < heal_at {
        sim.push(t, Ev::Partition);
        let dur = sim.rng.gen_range(epoch_ms / 2..=2 * epoch_ms);
        sim.push((t + dur).min(heal_at), Ev::Heal);
        t += dur + sim.rng.gen_range(0..2 * epoch_ms);
    }
    for _ in 0..sim.rng.gen_range(1..=3) {
        let node = sim.rng.gen_range(0..n);
        let at = sim.rng.gen_range(SLOT_MS..heal_at - epoch_ms);
        let down = sim.rng.gen_range(SLOT_MS..=2 * epoch_ms);
        sim.push(at, Ev::Crash { node });
        sim.push((at + down).min(heal_at), Ev::Restart { node });
    }
    sim.push(heal_at, Ev::Heal);
    for i in 0..n {
        sim.boot(i, Vec::new());
    }

    let mut at_heal: Option<u64> = None;
    let mut at_live: Option<Vec<u64>> = None;
    while let Some(((at, _), ev)) = sim.queue.pop_first() {
        if at > end || sim.failure.is_some() {
            break;
        }
        if at >= heal_at && at_heal.is_none() {
            at_heal = Some(sim.check.finalized_epoch.iter().copied().max().unwrap_or(0));
        }
        if at >= live_at && at_live.is_none() {
            at_live = Some(sim.finalized_epochs());
        }
        sim.now = at;
        if at >= heal_at && matches!(ev, Ev::Crash { .. }) {
            continue; // the healed phase keeps every node up
        }
        sim.step(ev);
    }
    if let Some(f) = sim.failure {
        return Err(f);
    }
    let base = at_heal.unwrap_or(0);
    sim.check.stats.insert("finalized epoch at heal".into(), base);
    let at_live = at_live.unwrap_or_default();
    for i in (0..n).filter(|i| *i != EQUIVOCATOR) {
        let Some(engine) = sim.nodes[i].engine.as_ref() else {
            return Err(format!("node {i} is down at the end"));
        };
        let fin = at_live.get(i).copied().unwrap_or(0);
        if fin < base + 2 {
            return Err(format!(
                "LIVENESS: node {i} finalized epoch {fin} {LIVENESS_EPOCHS} epochs after the heal, {base} at the \
                 heal (now {}, head {:?})",
                engine.finalized().epoch,
                engine.head()
            ));
        }
        if !sim.check.slashed_seen[i].contains(&(EQUIVOCATOR as u32)) {
            return Err(format!("ACCOUNTABILITY: node {i} never reported validator {EQUIVOCATOR} slashed"));
        }
    }
    Ok(Outcome {
        digest: sim.check.digest(),
        events: sim.check.events,
        finalized: sim.finalized_epochs(),
        stats: std::mem::take(&mut sim.check.stats),
    })
}

/// Run seeds and fail with a replay line for each failing one.
pub fn run_seeds(seeds: impl Iterator<Item = u64>) {
    let mut failures = Vec::new();
    for seed in seeds {
        let r = std::panic::catch_unwind(|| run_seed(seed)).unwrap_or_else(|_| Err("panicked".into()));
        if let Err(e) = r {
            failures.push(format!("seed {seed}: {e}\n  replay: SIM_SEED={seed} cargo test sim_replay -- --nocapture"));
        }
    }
    assert!(failures.is_empty(), "{} failing seeds:\n{}", failures.len(), failures.join("\n"));
}
