//! A tiny in-memory cluster for scripts: four engines, messages delivered
//! in order with no delay, a clock moved by hand, a store per node.

use super::*;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// One node's records, as its store keeps them.
type Store = BTreeMap<(Table, Vec<u8>), Vec<u8>>;

pub struct Cluster {
    pub nodes: Vec<Option<Pbft>>,
    pub now: u64,
    queue: VecDeque<(usize, usize, MsgKind, Vec<u8>)>,
    pub events: Vec<(usize, Event)>,
    pub store: Vec<Store>,
    wake: Vec<Option<u64>>,
    /// Nodes cut off from everyone (their messages are lost both ways).
    pub cut: BTreeSet<usize>,
    params: PbftParams,
}

impl Cluster {
    pub fn new(n: usize) -> Cluster {
        Self::with(n, params())
    }

    pub fn with(n: usize, p: PbftParams) -> Cluster {
        let mut c = Cluster {
            params: p,
            nodes: (0..n).map(|_| None).collect(),
            now: 0,
            queue: VecDeque::new(),
            events: Vec::new(),
            store: vec![BTreeMap::new(); n],
            wake: vec![None; n],
            cut: BTreeSet::new(),
        };
        for i in 0..n {
            c.boot(i);
        }
        c
    }

    pub fn boot(&mut self, i: usize) {
        let mut e = engine_with(i, self.params.clone());
        let records =
            self.store[i].iter().map(|((t, k), v)| Record { table: *t, key: k.clone(), value: v.clone() }).collect();
        e.restore(records).expect("restore");
        self.nodes[i] = Some(e);
        self.input(i, Input::Start);
    }

    pub fn crash(&mut self, i: usize) {
        self.nodes[i] = None;
        self.wake[i] = None;
    }

    pub fn node(&self, i: usize) -> &Pbft {
        self.nodes[i].as_ref().expect("node up")
    }

    pub fn input(&mut self, i: usize, input: Input) {
        let now = self.now;
        let Some(e) = self.nodes[i].as_mut() else { return };
        let fx = e.handle(now, input);
        self.apply(i, fx);
    }

    pub fn apply(&mut self, i: usize, fx: Vec<Effect>) {
        let n = self.nodes.len();
        for e in fx {
            match e {
                Effect::Send { to, kind, bytes } | Effect::Relay { to, kind, bytes } => {
                    let dests: Vec<usize> = match to {
                        Dest::All => (0..n).filter(|j| *j != i).collect(),
                        Dest::Peer(p) => vec![p.0 as usize],
                        Dest::Peers(ps) => ps.iter().map(|p| p.0 as usize).collect(),
                    };
                    for d in dests {
                        if d != i && !self.cut.contains(&i) && !self.cut.contains(&d) {
                            self.queue.push_back((d, i, kind, bytes.clone()));
                        }
                    }
                }
                Effect::Persist(r) => {
                    self.store[i].insert((r.table, r.key), r.value);
                }
                Effect::WakeAt(t) => self.wake[i] = Some(t),
                Effect::Report(ev) => self.events.push((i, ev)),
            }
        }
    }

    /// Deliver until the network is quiet (bounded).
    pub fn deliver(&mut self) {
        self.deliver_n(100_000);
    }

    pub fn deliver_n(&mut self, n: usize) {
        for _ in 0..n {
            let Some((to, from, kind, bytes)) = self.queue.pop_front() else { return };
            if self.cut.contains(&to) || self.cut.contains(&from) {
                continue;
            }
            self.input(to, Input::Message { from: PeerId(from as u32), kind, bytes });
        }
    }

    /// Move the clock `ms` forward 1 ms at a time, ticking due nodes and delivering.
    pub fn run(&mut self, ms: u64) {
        for _ in 0..ms {
            self.now += 1;
            for i in 0..self.nodes.len() {
                if self.wake[i].is_some_and(|t| t <= self.now) {
                    self.wake[i] = None;
                    self.input(i, Input::Tick);
                }
            }
            self.deliver();
        }
    }

    pub fn head(&self, i: usize) -> u64 {
        self.node(i).head().height
    }

    pub fn saw(&self, f: impl Fn(&Event) -> bool) -> bool {
        self.events.iter().any(|(_, e)| f(e))
    }
}
