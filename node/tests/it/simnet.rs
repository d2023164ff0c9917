//! A deterministic simulation harness for any `Engine` (built by
//! `consensus::build` from the spec): nodes in one process, a simulated clock
//! (ms) with per-node skew, a seeded network (delay, drop, duplication,
//! partitions), crashes at any point of an effect batch with restarts from
//! the persisted records, and Byzantine behaviours set at boot.
//!
//! Persistence follows the real store (`devnet_node::store`): a slashing
//! protection record makes itself and every record persisted before it
//! durable the moment it is persisted; any other record becomes durable then
//! or when `DURABLE_MS` of simulated time have passed since the oldest one
//! waiting, and a crash before that loses it, as SIGKILL does.
//!
//! The gasper and tendermint simulations (`sim`, `sim_tendermint`) are
//! scenarios on it; the invariant checker is `sim_check::Checker`.

use crate::sim_check::Checker;
use devnet_node::chain::{ChainSpec, Hash32, SecretKey};
use devnet_node::consensus::engine::*;
use devnet_node::consensus::{Identity, build};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// The real store's `DURABLE_EVERY`, in simulated ms.
const DURABLE_MS: u64 = devnet_node::store::DURABLE_EVERY.as_millis() as u64;

pub fn key(i: usize) -> SecretKey {
    SecretKey::from_seed([i as u8 + 1; 32])
}

/// What one seed runs.
pub struct Scenario {
    pub spec: ChainSpec,
    pub nodes: usize,
    /// Twins: node `validators + k` holds the key of validator `twins[k]`,
    /// as a second honest process with the same identity would (Twins,
    /// Bano et al. 2020). `nodes` counts them; the checker's equivocator
    /// should be the twinned validator, since its two processes sign
    /// conflicting messages without knowing of each other.
    pub twins: Vec<usize>,
    /// Behaviour set on every boot, by node.
    pub behaviours: Vec<(usize, Behaviour)>,
    /// Inputs given on every boot after `Start` (e.g. hashrates), by node.
    pub boot_inputs: Vec<(usize, Input)>,
    /// Faults (partitions, crashes) happen before this time; then the network heals.
    pub chaos_ms: u64,
    pub end_ms: u64,
    pub crashes: std::ops::RangeInclusive<u32>,
    pub partitions: bool,
    /// (drop probability, max delay ms) during chaos and after the heal.
    pub chaos_net: (f64, u64),
    pub healed_net: (f64, u64),
    pub max_skew: u64,
    /// Times at which `probe` is called with the statuses of all nodes.
    pub probes: Vec<u64>,
    pub checker: Checker,
    /// A transfer is submitted to a random node this often (0: never).
    pub tx_every_ms: u64,
}

/// Senders the simulated clients pay from (the first accounts of the genesis).
pub const TX_SENDERS: u32 = 8;

enum Ev {
    Deliver {
        to: usize,
        from: usize,
        kind: MsgKind,
        bytes: Vec<u8>,
    },
    Wake {
        node: usize,
        generation: u64,
    },
    Crash {
        node: usize,
    },
    Restart {
        node: usize,
    },
    Partition,
    Heal,
    Probe(usize),
    /// A client submits a transfer to this node (ledger).
    Submit(usize),
}

struct SimNode {
    engine: Option<Box<dyn Engine>>,
    skew: u64,
    store: BTreeMap<(Table, Vec<u8>), Vec<u8>>,
    /// Persisted but not durable yet, and since when the oldest waits.
    unwritten: Vec<Record>,
    unwritten_since: u64,
    generation: u64,
    crash_mid_batch: Option<usize>,
}

impl SimNode {
    fn persist(&mut self, now: u64, r: Record) {
        if self.unwritten.is_empty() {
            self.unwritten_since = now;
        }
        let guard = r.table == Table::Protection;
        self.unwritten.push(r);
        if guard {
            self.make_durable();
        }
    }

    fn make_durable(&mut self) {
        for r in self.unwritten.drain(..) {
            self.store.insert((r.table, r.key), r.value);
        }
    }

    /// What the real store's periodic `sync` does.
    fn sync_if_due(&mut self, now: u64) {
        if !self.unwritten.is_empty() && now >= self.unwritten_since + DURABLE_MS {
            self.make_durable();
        }
    }
}

pub struct Sim {
    sc: Scenario,
    rng: ChaCha8Rng,
    nodes: Vec<SimNode>,
    queue: BTreeMap<(u64, u64), Ev>,
    seq: u64,
    pub now: u64,
    group: Vec<u8>,
    healed: bool,
    pub check: Checker,
    failure: Option<String>,
    /// Statuses at each probe time (`None` for a node that is down).
    pub probed: Vec<Vec<Option<EngineStatus>>>,
}

pub struct Outcome {
    pub digest: Hash32,
    pub events: u64,
    pub stats: BTreeMap<String, u64>,
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

    pub fn partitioned(&self) -> bool {
        self.group.iter().any(|g| *g != self.group[0])
    }

    /// The validator node `i` signs as: its own index, or a twin's original.
    fn validator_of(&self, i: usize) -> (u32, SecretKey) {
        let validators = self.nodes.len() - self.sc.twins.len();
        let v = if i < validators { i } else { self.sc.twins[i - validators] };
        (v as u32, key(v))
    }

    fn boot(&mut self, i: usize, records: Vec<Record>) {
        let n = self.nodes.len();
        let identity = Identity {
            me: PeerId(i as u32),
            peers: (0..n).filter(|j| *j != i).map(|j| PeerId(j as u32)).collect(),
            validator: Some(self.validator_of(i)),
        };
        let mut e = match build(&self.sc.spec, identity) {
            Ok(e) => e,
            Err(e) => return self.fail(format!("node {i}: build: {e}")),
        };
        if let Err(e) = e.restore(records) {
            return self.fail(format!("node {i}: restore: {e}"));
        }
        self.nodes[i].engine = Some(e);
        self.nodes[i].generation += 1;
        let behaviours: Vec<Behaviour> = self.sc.behaviours.iter().filter(|(n, _)| *n == i).map(|(_, b)| *b).collect();
        for b in behaviours {
            self.input(i, Input::SetBehaviour(b));
        }
        let inputs: Vec<Input> = self.sc.boot_inputs.iter().filter(|(n, _)| *n == i).map(|(_, x)| x.clone()).collect();
        for x in inputs {
            self.input(i, x);
        }
        self.input(i, Input::Start);
        for j in 0..n {
            if j != i && self.nodes[j].engine.is_some() {
                self.input(i, Input::PeerUp(PeerId(j as u32)));
                self.input(j, Input::PeerUp(PeerId(i as u32)));
            }
        }
    }

    pub fn input(&mut self, i: usize, input: Input) {
        let skew = self.nodes[i].skew;
        let Some(engine) = self.nodes[i].engine.as_mut() else {
            return;
        };
        let fx = engine.handle(self.now + skew, input);
        let now = self.now;
        self.nodes[i].sync_if_due(now);
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
                let now = self.now;
                self.nodes[i].persist(now, r);
            }
            Effect::WakeAt(t) => {
                let generation = self.nodes[i].generation;
                let at = t.saturating_sub(self.nodes[i].skew).max(self.now);
                self.push(at, Ev::Wake { node: i, generation });
            }
            // The simulated network delays every message at random, which
            // covers what a host's hold of a relay can do.
            Effect::Send { to, kind, bytes } | Effect::Relay { to, kind, bytes } => {
                self.check.count(&format!("send:{}", kind.as_str()));
                let n = self.nodes.len();
                let dests: Vec<usize> = match to {
                    Dest::All => (0..n).filter(|j| *j != i).collect(),
                    Dest::Peer(p) => vec![p.0 as usize],
                    Dest::Peers(ps) => ps.iter().map(|p| p.0 as usize).collect(),
                };
                let (drop_p, max_delay) = if self.healed { self.sc.healed_net } else { self.sc.chaos_net };
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
            if !self.nodes[i].unwritten.is_empty() {
                self.check.count("crash lost records");
            }
            self.nodes[i].unwritten.clear();
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
                        self.nodes[node].crash_mid_batch = Some(self.rng.gen_range(0..6));
                    } else {
                        self.crash(node);
                    }
                }
            }
            Ev::Restart { node } => {
                if self.nodes[node].engine.is_some() {
                    self.crash(node);
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
                self.check.partitioned = self.partitioned();
            }
            Ev::Heal => {
                self.healed = self.now >= self.sc.chaos_ms;
                self.group = vec![0; self.nodes.len()];
                self.check.partitioned = false;
                self.check.healed_at = self.now;
            }
            Ev::Submit(node) => self.submit(node),
            Ev::Probe(k) => {
                let now = self.now;
                let row = self.nodes.iter().map(|x| x.engine.as_ref().map(|e| e.status(now + x.skew))).collect();
                if self.probed.len() <= k {
                    self.probed.resize(k + 1, Vec::new());
                }
                self.probed[k] = row;
            }
        }
    }

    /// A client's transfer to node `i`: from a random sender at the nonce
    /// that node says is next, to a random account.
    fn submit(&mut self, i: usize) {
        let chain = self.sc.spec.genesis_seed();
        let accounts = self.sc.spec.ledger().accounts;
        let from = self.rng.gen_range(0..TX_SENDERS.min(accounts));
        let to = self.rng.gen_range(0..accounts);
        let amount = self.rng.gen_range(1..=10);
        let Some(next) = self.engine(i).and_then(|e| e.account(from)).map(|a| a.next_nonce) else { return };
        let key = devnet_node::ledger::accounts::account_key(&chain, from);
        let tx = devnet_node::ledger::Transfer::sign(&chain, &key, from, to, amount, next);
        let skew = self.nodes[i].skew;
        let Some(engine) = self.nodes[i].engine.as_mut() else { return };
        let (result, fx) = engine.submit_tx(self.now + skew, &tx.encode());
        match result {
            Ok(_) => self.check.count("tx admitted"),
            Err(e) => self.check.count(&format!("tx refused: {}", e.reason())),
        }
        for e in fx {
            self.effect(i, e);
        }
    }

    pub fn engine(&self, i: usize) -> Option<&dyn Engine> {
        self.nodes.get(i)?.engine.as_deref()
    }
}

/// Run one seed of `sc`; `Err` names the violated property. `end_check` sees the finished sim.
pub fn run(seed: u64, mut sc: Scenario, end_check: impl FnOnce(&Sim) -> Result<(), String>) -> Result<Outcome, String> {
    let n = sc.nodes;
    let check = std::mem::replace(&mut sc.checker, Checker::new(0, 0));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let nodes = (0..n)
        .map(|_| SimNode {
            engine: None,
            skew: rng.gen_range(0..=sc.max_skew),
            store: BTreeMap::new(),
            unwritten: Vec::new(),
            unwritten_since: 0,
            generation: 0,
            crash_mid_batch: None,
        })
        .collect();
    let (chaos, end) = (sc.chaos_ms, sc.end_ms);
    let mut sim = Sim {
        check,
        sc,
        rng,
        nodes,
        queue: BTreeMap::new(),
        seq: 0,
        now: 0,
        group: vec![0; n],
        healed: false,
        failure: None,
        probed: Vec::new(),
    };
    let unit = (chaos / 8).max(1);
    if sim.sc.partitions {
        let mut t = sim.rng.gen_range(0..unit);
        while t < chaos {
            sim.push(t, Ev::Partition);
            let dur = sim.rng.gen_range(unit / 2..=2 * unit);
            sim.push((t + dur).min(chaos), Ev::Heal);
            t += dur + sim.rng.gen_range(0..2 * unit);
        }
    }
    let crashes = sim.rng.gen_range(sim.sc.crashes.clone());
    for _ in 0..crashes {
        let node = sim.rng.gen_range(0..n);
        let at = sim.rng.gen_range(unit / 4..chaos - unit);
        let down = sim.rng.gen_range(unit / 4..=2 * unit);
        sim.push(at, Ev::Crash { node });
        sim.push((at + down).min(chaos), Ev::Restart { node });
    }
    sim.push(chaos, Ev::Heal);
    if sim.sc.tx_every_ms > 0 {
        let mut t = sim.sc.tx_every_ms;
        while t < end {
            let node = sim.rng.gen_range(0..n);
            sim.push(t, Ev::Submit(node));
            t += sim.sc.tx_every_ms;
        }
    }
    for (k, t) in sim.sc.probes.clone().into_iter().enumerate() {
        sim.push(t, Ev::Probe(k));
    }
    for i in 0..n {
        sim.boot(i, Vec::new());
    }
    while let Some(((at, _), ev)) = sim.queue.pop_first() {
        if at > end || sim.failure.is_some() {
            break;
        }
        sim.now = at;
        if at >= chaos && matches!(ev, Ev::Crash { .. }) {
            continue;
        }
        sim.step(ev);
    }
    if let Some(f) = sim.failure.take() {
        return Err(f);
    }
    end_check(&sim)?;
    check_ledgers(&sim)?;
    if sim.sc.tx_every_ms > 0 && !sim.check.stats.contains_key("tx final") {
        return Err("LIVENESS: transfers were submitted all run and none became final".into());
    }
    Ok(Outcome { digest: sim.check.digest(), events: sim.check.events, stats: std::mem::take(&mut sim.check.stats) })
}

/// Run seeds; fail with a replay line for each failing one.
/// With more than `PROGRESS_EVERY` seeds (a soak), says how far it is as it
/// goes and sums up at the end: the line the README records.
pub fn run_seeds(name: &str, seeds: impl Iterator<Item = u64>, one: impl Fn(u64) -> Result<Outcome, String>) {
    const PROGRESS_EVERY: usize = 1000;
    let seeds: Vec<u64> = seeds.collect();
    let started = std::time::Instant::now();
    let mut failures = Vec::new();
    for (k, &seed) in seeds.iter().enumerate() {
        if k > 0 && k % PROGRESS_EVERY == 0 {
            eprintln!("{name}: {k} of {} seeds, {} failed, {:.0?}", seeds.len(), failures.len(), started.elapsed());
        }
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| one(seed)))
            .unwrap_or_else(|_| Err("panicked".into()));
        if let Err(e) = r {
            let failure =
                format!("seed {seed}: {e}\n  replay: SIM_SEED={seed} cargo test {name}_replay -- --nocapture");
            if seeds.len() > PROGRESS_EVERY {
                eprintln!("{name}: {failure}");
            }
            failures.push(failure);
        }
    }
    if seeds.len() > PROGRESS_EVERY {
        let (first, last) = (seeds[0], seeds[seeds.len() - 1]);
        eprintln!(
            "{name}: {} seeds ({first}..={last}), {} failed, in {:.0?}",
            seeds.len(),
            failures.len(),
            started.elapsed()
        );
    }
    assert!(failures.is_empty(), "{} failing seeds:\n{}", failures.len(), failures.join("\n"));
}

/// `SIM_SEED=N cargo test <name>_replay -- --nocapture`: one seed with its stats.
pub fn replay(one: impl Fn(u64) -> Result<Outcome, String>) {
    let Ok(seed) = std::env::var("SIM_SEED") else {
        return;
    };
    let seed: u64 = seed.parse().expect("SIM_SEED must be a u64");
    match one(seed) {
        Ok(o) => {
            println!("seed {seed}: ok, {} events, digest {}", o.events, o.digest.to_hex());
            for (k, v) in &o.stats {
                println!("  {k}: {v}");
            }
        }
        Err(e) => panic!("seed {seed}: {e}"),
    }
}

/// `SIM_SEEDS=N cargo test <name>_soak` runs N seeds past the default sweep.
pub fn soak(name: &str, one: impl Fn(u64) -> Result<Outcome, String>) {
    let n: u64 = std::env::var("SIM_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    run_seeds(name, 1_000_000..1_000_000 + n, one);
}

/// Each seed run twice produces the same events, in the same order.
pub fn assert_deterministic(seeds: &[u64], one: impl Fn(u64) -> Result<Outcome, String>) {
    for &seed in seeds {
        let a = one(seed).map(|o| (o.digest, o.events));
        let b = one(seed).map(|o| (o.digest, o.events));
        assert_eq!(a, b, "seed {seed} replayed differently");
    }
}

/// Ledger invariants at the end of a run: every live node's final state
/// conserves the total supply, and nodes at the same finalized block hold the
/// same final state (the state root is in every block, so equal finalized
/// blocks must mean equal accounts; this checks the execution behind it).
fn check_ledgers(sim: &Sim) -> Result<(), String> {
    let params = sim.sc.spec.ledger();
    let supply = params.accounts as u128 * params.balance as u128;
    let mut by_final: BTreeMap<Hash32, (usize, Vec<(u64, u64)>)> = BTreeMap::new();
    for i in 0..sim.nodes.len() {
        let Some(e) = sim.engine(i) else { continue };
        let fin = e.status(sim.now).finalized.block.hash;
        let accounts: Vec<(u64, u64)> =
            (0..params.accounts).map(|a| e.account(a).map_or((0, 0), |v| (v.final_balance, v.final_nonce))).collect();
        let total: u128 = accounts.iter().map(|(b, _)| *b as u128).sum();
        if total != supply {
            return Err(format!("LEDGER: node {i}'s final state holds {total}, genesis funded {supply}"));
        }
        match by_final.get(&fin) {
            Some((j, other)) if *other != accounts => {
                return Err(format!("LEDGER: nodes {j} and {i} finalized {fin} with different account states"));
            }
            Some(_) => {}
            None => {
                by_final.insert(fin, (i, accounts));
            }
        }
    }
    Ok(())
}
