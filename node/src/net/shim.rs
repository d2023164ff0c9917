//! The fault shim: per directed link (from, to), rules that block, delay
//! (with jitter), drop with a probability, or drop chosen message kinds.
//!
//! Every node holds the rules of the links that touch it (set through
//! Control.SetLinks). Where each rule is enforced:
//! - on send (`outbound`): everything — block, kind filter, loss, delay;
//! - on receive (`inbound`): block and kind filter only. These are
//!   idempotent, so enforcing them twice changes nothing, and they hold even
//!   when the sender has not got the rules (say, just restarted). Loss and
//!   delay are applied once, by the sender, so they do not compound.
//!
//! Pings (liveness probes) obey `blocked` only: a cut link shows as a lost
//! peer, a lossy or filtered one does not.

use crate::consensus::{MsgKind, PeerId};
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, RwLock};
use std::time::Duration;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rule {
    pub blocked: bool,
    pub delay_ms: u64,
    pub jitter_ms: u64,
    /// Drop probability in [0, 1].
    pub loss: f64,
    pub drop_kinds: BTreeSet<MsgKind>,
}

#[derive(Debug, PartialEq)]
pub enum Verdict {
    Deliver,
    DeliverAfter(Duration),
    Drop,
}

pub struct Shim {
    rules: RwLock<BTreeMap<(PeerId, PeerId), Rule>>,
    rng: Mutex<rand::rngs::StdRng>,
    /// The node's pause (`freeze`): every sender and receiver waits on it.
    pub freeze: super::Freeze,
}

impl Default for Shim {
    fn default() -> Self {
        Shim {
            rules: RwLock::new(BTreeMap::new()),
            rng: Mutex::new(rand::rngs::StdRng::from_entropy()),
            freeze: super::Freeze::default(),
        }
    }
}

impl Shim {
    /// A shim whose loss and jitter draws follow `seed` (repeatable draws for one rule set).
    pub fn seeded(seed: u64) -> Shim {
        Shim { rng: Mutex::new(rand::rngs::StdRng::seed_from_u64(seed)), ..Shim::default() }
    }

    /// Replaces every rule (an empty list heals everything).
    pub fn set(&self, rules: BTreeMap<(PeerId, PeerId), Rule>) {
        *self.rules.write().unwrap_or_else(|e| e.into_inner()) = rules;
    }

    pub fn rules(&self) -> BTreeMap<(PeerId, PeerId), Rule> {
        self.rules.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn rule(&self, from: PeerId, to: PeerId) -> Option<Rule> {
        self.rules.read().unwrap_or_else(|e| e.into_inner()).get(&(from, to)).cloned()
    }

    /// What to do with a message about to leave on `from -> to`; `None` is a ping.
    pub fn outbound(&self, from: PeerId, to: PeerId, kind: Option<MsgKind>) -> Verdict {
        let Some(r) = self.rule(from, to) else { return Verdict::Deliver };
        if r.blocked {
            return Verdict::Drop;
        }
        let Some(kind) = kind else { return Verdict::Deliver };
        if r.drop_kinds.contains(&kind) {
            return Verdict::Drop;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        if r.loss > 0.0 && rng.gen_bool(r.loss.clamp(0.0, 1.0)) {
            return Verdict::Drop;
        }
        let jitter = if r.jitter_ms > 0 { rng.gen_range(0..=r.jitter_ms) } else { 0 };
        match r.delay_ms + jitter {
            0 => Verdict::Deliver,
            ms => Verdict::DeliverAfter(Duration::from_millis(ms)),
        }
    }

    /// Whether a message that arrived on `from -> to` may pass; `None` is a ping.
    pub fn inbound(&self, from: PeerId, to: PeerId, kind: Option<MsgKind>) -> bool {
        let Some(r) = self.rule(from, to) else { return true };
        !(r.blocked || kind.is_some_and(|k| r.drop_kinds.contains(&k)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shim(rule: Rule) -> Shim {
        let s = Shim::default();
        s.set(BTreeMap::from([((PeerId(0), PeerId(1)), rule)]));
        s
    }

    #[test]
    fn rules_apply_to_their_direction_only() {
        let s = shim(Rule { blocked: true, ..Default::default() });
        assert_eq!(s.outbound(PeerId(0), PeerId(1), Some(MsgKind::Block)), Verdict::Drop);
        assert_eq!(s.outbound(PeerId(0), PeerId(1), None), Verdict::Drop);
        assert!(!s.inbound(PeerId(0), PeerId(1), None));
        assert_eq!(s.outbound(PeerId(1), PeerId(0), Some(MsgKind::Block)), Verdict::Deliver);
        assert!(s.inbound(PeerId(1), PeerId(0), Some(MsgKind::Vote)));
        s.set(BTreeMap::new());
        assert_eq!(s.outbound(PeerId(0), PeerId(1), Some(MsgKind::Block)), Verdict::Deliver);
    }

    #[test]
    fn kind_filter_drops_only_that_kind_and_spares_pings() {
        let s = shim(Rule { drop_kinds: BTreeSet::from([MsgKind::Vote]), ..Default::default() });
        assert_eq!(s.outbound(PeerId(0), PeerId(1), Some(MsgKind::Vote)), Verdict::Drop);
        assert_eq!(s.outbound(PeerId(0), PeerId(1), Some(MsgKind::Block)), Verdict::Deliver);
        assert_eq!(s.outbound(PeerId(0), PeerId(1), None), Verdict::Deliver);
        assert!(!s.inbound(PeerId(0), PeerId(1), Some(MsgKind::Vote)));
        assert!(s.inbound(PeerId(0), PeerId(1), None));
    }

    #[test]
    fn delay_jitter_and_loss() {
        let s = shim(Rule { delay_ms: 100, jitter_ms: 20, ..Default::default() });
        for _ in 0..50 {
            match s.outbound(PeerId(0), PeerId(1), Some(MsgKind::Block)) {
                Verdict::DeliverAfter(d) => assert!((100..=120).contains(&(d.as_millis() as u64)), "{d:?}"),
                v => panic!("{v:?}"),
            }
        }
        let s = shim(Rule { loss: 1.0, ..Default::default() });
        assert_eq!(s.outbound(PeerId(0), PeerId(1), Some(MsgKind::Block)), Verdict::Drop);
        assert_eq!(s.outbound(PeerId(0), PeerId(1), None), Verdict::Deliver, "pings ignore loss");
        let s = shim(Rule { loss: 0.5, ..Default::default() });
        let dropped =
            (0..2000).filter(|_| s.outbound(PeerId(0), PeerId(1), Some(MsgKind::Vote)) == Verdict::Drop).count();
        assert!((800..1200).contains(&dropped), "{dropped} of 2000 dropped at p=0.5");
    }
}
