//! The cluster every engine target runs: four validators with fixed keys
//! and one chain spec per engine, plus `simulate`, which runs four real
//! engines in one process (messages delivered at once, a transfer now and
//! then, one validator equivocating for a while, one cut off and healed, so
//! sync runs) so `write-seeds` can record what real nodes send and persist.

use devnet_node::chain::spec::{ForkChoiceRule, PowParams, TendermintParams};
use devnet_node::chain::{ChainSpec, SecretKey, ValidatorSpec};
use devnet_node::consensus::{self, Behaviour, params, Dest, Effect, Engine, Identity, Input, Millis, MsgKind, PeerId, Record};
use devnet_node::ledger::Transfer;
use devnet_node::ledger::accounts::account_key;
use std::collections::{BTreeSet, VecDeque};

pub const NODES: u32 = 4;
pub const ENGINES: [&str; 3] = ["gasper", "tendermint", "pow"];

/// How long `simulate` runs each engine: a few epochs, heights or blocks.
pub const SIM_MS: Millis = 2400;

pub fn key(i: u32) -> SecretKey {
    SecretKey::from_seed([i as u8 + 1; 32])
}

pub fn spec(engine: &str) -> ChainSpec {
    ChainSpec {
        name: "fuzz".into(),
        consensus: engine.into(),
        slot_ms: if engine == "gasper" { 90 } else { 100 },
        epoch_slots: if engine == "gasper" { 4 } else { 1 },
        genesis_time_ms: 0,
        validators: (0..NODES).map(|i| ValidatorSpec { pubkey: hex(&key(i).public().0), stake: 25 }).collect(),
        params: match engine {
            "tendermint" => params::of(&TendermintParams {
                timeout_propose_ms: 100,
                timeout_prevote_ms: 50,
                timeout_precommit_ms: 50,
                timeout_delta_ms: 10,
                timeout_commit_ms: 0,
            }),
            "pow" => params::of(&PowParams {
                block_ms: 100,
                k: 3,
                fork_choice: ForkChoiceRule::Heaviest,
                hashrate: vec![25; NODES as usize],
                retarget_window: 8,
                puzzle_bits: 4,
            }),
            _ => Default::default(),
        },
        ledger: None,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Node `me` of the cluster running `engine`; a validator with key `me`
/// when `validating`, else an observer (it signs nothing, so what it does
/// follows from its input alone).
pub fn engine(engine: &str, me: u32, validating: bool) -> Box<dyn Engine> {
    let identity = Identity {
        me: PeerId(me),
        peers: (0..NODES).map(PeerId).collect(),
        validator: validating.then(|| (me, key(me))),
    };
    match consensus::build(&spec(engine), identity) {
        Ok(e) => e,
        Err(e) => panic!("the fuzz cluster's {engine} spec is refused: {e}"),
    }
}

/// What `simulate` saw: every distinct message with its sender, receiver and
/// the time it was delivered, in delivery order, and what each node persisted.
#[derive(Default)]
pub struct Recording {
    pub delivered: Vec<Delivery>,
    pub persisted: Vec<Vec<Record>>,
}

pub struct Delivery {
    pub at: Millis,
    pub from: u32,
    pub to: u32,
    pub kind: MsgKind,
    pub bytes: Vec<u8>,
}

/// Runs four validators of `name` for `SIM_MS`, ticking every 10 ms.
pub fn simulate(name: &str) -> Recording {
    let mut nodes: Vec<Box<dyn Engine>> = (0..NODES).map(|i| engine(name, i, true)).collect();
    let mut rec = Recording { persisted: vec![Vec::new(); NODES as usize], ..Recording::default() };
    let mut queue = VecDeque::new();
    let mut seen = BTreeSet::new();
    let chain = spec(name).genesis_seed();
    let mut nonce = 0;
    for (i, n) in nodes.iter_mut().enumerate() {
        if let Err(e) = n.restore(Vec::new()) {
            panic!("restore of an empty store: {e}");
        }
        let fx = n.handle(0, Input::Start);
        route(i as u32, fx, &mut queue, &mut rec);
    }
    let mut now = 0;
    while now <= SIM_MS {
        if now == SIM_MS / 3 {
            let fx = nodes[3].handle(now, Input::SetBehaviour(Behaviour::Equivocate));
            route(3, fx, &mut queue, &mut rec);
        }
        if now == 2 * SIM_MS / 3 {
            let fx = nodes[3].handle(now, Input::SetBehaviour(Behaviour::Honest));
            route(3, fx, &mut queue, &mut rec);
        }
        if now % 200 == 100 {
            let from = nonce as u32 % 3;
            let t = Transfer::sign(&chain, &account_key(&chain, from), from, from + 1, 5, nonce / 3);
            nonce += 1;
            let (_, fx) = nodes[0].submit_tx(now, &t.encode());
            route(0, fx, &mut queue, &mut rec);
        }
        for (i, n) in nodes.iter_mut().enumerate() {
            let fx = n.handle(now, Input::Tick);
            route(i as u32, fx, &mut queue, &mut rec);
        }
        while let Some((from, to, kind, bytes)) = queue.pop_front() {
            if rec.delivered.len() > 50_000 {
                break;
            }
            // n2 is cut off for a while: on heal, it and the others sync.
            if (SIM_MS / 2..3 * SIM_MS / 4).contains(&now) && (from == 2 || to == 2) {
                continue;
            }
            let fx = nodes[to as usize].handle(now, Input::Message { from: PeerId(from), kind, bytes: bytes.clone() });
            route(to, fx, &mut queue, &mut rec);
            if seen.insert((to, bytes.clone())) {
                rec.delivered.push(Delivery { at: now, from, to, kind, bytes });
            }
        }
        now += 10;
    }
    rec
}

type Queue = VecDeque<(u32, u32, MsgKind, Vec<u8>)>;

fn route(from: u32, fx: Vec<Effect>, queue: &mut Queue, rec: &mut Recording) {
    for e in fx {
        match e {
            Effect::Send { to, kind, bytes } | Effect::Relay { to, kind, bytes } => {
                let peers = match to {
                    Dest::All => (0..NODES).filter(|p| *p != from).collect(),
                    Dest::Peer(p) => vec![p.0],
                    Dest::Peers(ps) => ps.into_iter().map(|p| p.0).collect(),
                };
                for p in peers.into_iter().filter(|p| *p != from && *p < NODES) {
                    queue.push_back((from, p, kind, bytes.clone()));
                }
            }
            Effect::Persist(r) => rec.persisted[from as usize].push(r),
            Effect::WakeAt(_) | Effect::Report(_) => {}
        }
    }
}
