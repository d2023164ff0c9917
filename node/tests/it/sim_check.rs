//! The simulation's invariant checker: it watches every event of every node
//! and keeps what the end-of-run checks need.
//!
//! - Safety: each `Finalized` block is expanded to its ancestry (from the
//!   `BlockImported` events of all nodes); two nodes finalizing different
//!   blocks at one height is a violation.
//! - Accountability and protection: only the equivocator may be seen
//!   equivocating or be slashed; which nodes reported it slashed is kept.
//! - Honest traffic: the engine must reject nothing (all senders here are
//!   well-formed, even the equivocator).
//! - Determinism: a digest of every event with its time and node.

use devnet_node::chain::Hash32;
use devnet_node::consensus::engine::Event;
use std::collections::{BTreeMap, BTreeSet};

pub struct Checker {
    equivocator: u32,
    /// Every block any node imported: hash -> (parent, height).
    blocks: BTreeMap<Hash32, (Hash32, u64)>,
    /// Height -> the block finalized there (by anyone, via ancestry).
    finalized_at: BTreeMap<u64, Hash32>,
    pub slashed_seen: Vec<BTreeSet<u32>>,
    pub finalized_epoch: Vec<u64>,
    /// Deepest reorg each node reported (`HeadChanged.reorg_depth`).
    pub max_reorg: Vec<u64>,
    pub stats: BTreeMap<String, u64>,
    pub events: u64,
    digest: Vec<u8>,
    /// `SIM_TRACE=1`: print every event but attestations (for replays).
    trace: bool,
    /// Set by the harness: the network is split now / was last whole from.
    pub partitioned: bool,
    pub healed_at: u64,
    /// Probabilistic finality (pow): `Finalized` is only held to the safety
    /// rule when reported with the network whole for at least this long.
    /// `None` (BFT, gasper): always.
    pub finality_grace: Option<u64>,
    /// Per node: each transfer reported final, with the block it is final in.
    final_txs: Vec<BTreeMap<Hash32, Hash32>>,
}

impl Checker {
    pub fn new(nodes: usize, equivocator: u32) -> Self {
        Checker {
            equivocator,
            blocks: BTreeMap::new(),
            finalized_at: BTreeMap::new(),
            slashed_seen: vec![BTreeSet::new(); nodes],
            finalized_epoch: vec![0; nodes],
            max_reorg: vec![0; nodes],
            stats: BTreeMap::new(),
            events: 0,
            digest: Vec::new(),
            trace: std::env::var_os("SIM_TRACE").is_some(),
            partitioned: false,
            healed_at: 0,
            finality_grace: None,
            final_txs: vec![BTreeMap::new(); nodes],
        }
    }

    pub fn count(&mut self, what: &str) {
        *self.stats.entry(what.to_string()).or_insert(0) += 1;
    }

    pub fn digest(&self) -> Hash32 {
        Hash32::digest(&[&self.digest])
    }

    /// Record one event of node `i` at time `now`; `Err` on a violation.
    pub fn observe(&mut self, now: u64, i: usize, ev: &Event) -> Result<(), String> {
        self.events += 1;
        let line = format!("{now} {i} {ev:?}\n");
        let name = line.split([' ', '(', '{']).nth(2).unwrap_or("").to_string();
        self.count(&name);
        self.digest.extend_from_slice(line.as_bytes());
        if self.trace && !matches!(ev, Event::Attested { .. }) {
            eprint!("{line}");
        }
        if self.digest.len() > 1 << 16 {
            self.digest = Hash32::digest(&[&self.digest]).0.to_vec();
        }
        match ev {
            Event::HeadChanged { reorg_depth, .. } if *reorg_depth > 0 => {
                self.count("reorg");
                self.max_reorg[i] = self.max_reorg[i].max(*reorg_depth);
            }
            Event::BlockImported(info) => {
                self.blocks.insert(info.block.hash, (info.parent, info.block.height));
            }
            Event::Finalized(cp) => {
                self.finalized_epoch[i] = self.finalized_epoch[i].max(cp.epoch);
                let settled = |g: u64| !self.partitioned && now >= self.healed_at.saturating_add(g);
                if self.finality_grace.is_none_or(settled) {
                    self.check_finalized(i, cp.block.hash, cp.block.height)?;
                } else {
                    self.count("finalized while split (unchecked)");
                }
            }
            Event::TxsFinal { block, ids } => {
                for id in ids {
                    self.count("tx final");
                    match self.final_txs[i].insert(*id, block.hash) {
                        // pow's finality is probabilistic: a reverted k-deep
                        // block's transfers can be final again in another.
                        Some(b) if b != block.hash && self.finality_grace.is_none() => {
                            return Err(format!(
                                "LEDGER: node {i}: transfer {id} final in {b} and again in {}",
                                block.hash
                            ));
                        }
                        _ => {}
                    }
                }
            }
            Event::Slashed { validator } => {
                self.slashed_seen[i].insert(*validator);
                if *validator != self.equivocator {
                    return Err(format!("node {i} slashed honest validator {validator}"));
                }
            }
            Event::EquivocationSeen { validator, kind, slot } if *validator != self.equivocator => {
                // Slashing protection must hold across crashes at any point.
                return Err(format!("node {i} saw honest validator {validator} equivocate: {kind:?} at slot {slot}"));
            }
            Event::Rejected { from, reason } => {
                return Err(format!("node {i} rejected a message from {from:?}: {reason}"));
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether `a` is `b` or one of its ancestors, by the imported blocks.
    pub fn is_ancestor(&self, a: Hash32, b: Hash32) -> bool {
        let mut at = b;
        loop {
            if at == a {
                return true;
            }
            match self.blocks.get(&at) {
                Some((parent, _)) => at = *parent,
                None => return false,
            }
        }
    }

    /// Safety: the finalized block and its ancestors agree, height by height,
    /// with everything any node finalized before.
    fn check_finalized(&mut self, i: usize, hash: Hash32, height: u64) -> Result<(), String> {
        let (mut h, mut ht) = (hash, height);
        while ht > 0 {
            match self.finalized_at.get(&ht) {
                Some(x) if *x == h => return Ok(()),
                Some(x) => {
                    return Err(format!("SAFETY: node {i} finalized {h} at height {ht}, but {x} was finalized there"));
                }
                None => {
                    self.finalized_at.insert(ht, h);
                }
            }
            match self.blocks.get(&h) {
                Some((parent, bh)) if *bh == ht => {
                    h = *parent;
                    ht -= 1;
                }
                _ => return Ok(()),
            }
        }
        Ok(())
    }
}

#[test]
fn checker_catches_conflicting_finality() {
    use devnet_node::consensus::engine::{BlockInfo, BlockRef, CheckpointRef};
    let h = |b: u8| Hash32([b; 32]);
    let imported = |hash, parent, height| {
        Event::BlockImported(BlockInfo {
            block: BlockRef { hash, slot: height, height },
            parent,
            proposer: 1,
            attestations: 0,
            txs: 0,
        })
    };
    let fin = |hash, height| {
        Event::Finalized(CheckpointRef { epoch: height, block: BlockRef { hash, slot: height, height } })
    };
    let mut c = Checker::new(2, 0);
    // 1 <- 2 <- 3 on one branch, 1 <- 4 <- 5 on another.
    for ev in [imported(h(1), h(0), 1), imported(h(2), h(1), 2), imported(h(3), h(2), 3)] {
        c.observe(0, 0, &ev).unwrap();
    }
    for ev in [imported(h(4), h(1), 2), imported(h(5), h(4), 3)] {
        c.observe(0, 1, &ev).unwrap();
    }
    c.observe(1, 0, &fin(h(3), 3)).unwrap();
    c.observe(1, 1, &fin(h(1), 1)).unwrap();
    // Finalizing 5 conflicts with 3 at height 3; 4 conflicts with 2 through ancestry.
    assert!(c.observe(2, 1, &fin(h(5), 3)).is_err());
    let mut c2 = Checker::new(2, 0);
    for ev in [imported(h(1), h(0), 1), imported(h(2), h(1), 2), imported(h(4), h(1), 2), imported(h(5), h(4), 3)] {
        c2.observe(0, 0, &ev).unwrap();
    }
    c2.observe(1, 0, &fin(h(2), 2)).unwrap();
    assert!(c2.observe(1, 1, &fin(h(5), 3)).is_err(), "5's ancestor 4 conflicts with 2");
    assert!(c2.observe(1, 1, &Event::Slashed { validator: 1 }).is_err());
}
