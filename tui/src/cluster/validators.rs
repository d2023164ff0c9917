//! The validator set as the dashboard shows it: stake and share, status,
//! participation, last attestation, proposals made and missed.
//!
//! Rules:
//! - Keys and stakes come from the chain spec (`from_spec`); without a spec
//!   the rows are made from what nodes report in `Status`.
//! - Slashed: any node reports it (in `Status` or a `Slashed` event); it
//!   never goes back. Byzantine: the node signing for the validator reports a
//!   behaviour other than `honest`. Offline: that node's process is not
//!   running. Otherwise active.
//! - Participation: the share of the last `PARTICIPATION_EPOCHS` epochs'
//!   completed slots (at most `MAX_WINDOW`) for which an attestation by the
//!   validator was seen by any node. Attestations are deduplicated by slot.
//! - Proposals made: distinct blocks by the validator (first report of a hash).
//!   Missed proposals are the engine's to say (gasper reports them per
//!   validator in its status): no proposer draw runs here.

use devnet_node::chain::ChainSpec;
use devnet_proto::v1 as pb;
use std::collections::BTreeSet;

pub const PARTICIPATION_EPOCHS: u64 = 4;
pub const MAX_WINDOW: u64 = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValidatorStatus {
    Active,
    Slashed,
    Offline,
    Byzantine,
}

impl ValidatorStatus {
    pub fn label(self) -> &'static str {
        match self {
            ValidatorStatus::Active => "active",
            ValidatorStatus::Slashed => "slashed",
            ValidatorStatus::Offline => "offline",
            ValidatorStatus::Byzantine => "byzantine",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ValidatorRow {
    pub index: u32,
    /// First 8 hex digits of the public key, when the spec is known.
    pub key: String,
    pub stake: u64,
    pub slashed: bool,
    /// The node signing for this validator, if any.
    pub node: Option<usize>,
    /// Behaviour its node reports ("honest", "equivocate", ...); empty until known.
    pub behaviour: String,
    pub last_attested: Option<u64>,
    pub proposed: u64,
    /// Slots attested within the participation window.
    attested: BTreeSet<u64>,
}

#[derive(Clone, Debug, Default)]
pub struct ValidatorSet {
    pub rows: Vec<ValidatorRow>,
    epoch_slots: u64,
}

impl ValidatorSet {
    pub fn new(epoch_slots: u64, node_validators: &[Option<u32>]) -> Self {
        let mut s = ValidatorSet { epoch_slots: epoch_slots.max(1), ..Default::default() };
        for (node, v) in node_validators.iter().enumerate() {
            if let Some(v) = v {
                s.row_mut(*v).node = Some(node);
            }
        }
        s
    }

    /// Keys and stakes from the chain spec.
    pub fn with_spec(mut self, spec: &ChainSpec) -> Self {
        for (i, v) in spec.validators.iter().enumerate() {
            let row = self.row_mut(i as u32);
            row.key = v.pubkey.chars().take(8).collect();
            row.stake = v.stake;
        }
        self
    }

    fn row_mut(&mut self, v: u32) -> &mut ValidatorRow {
        let i = v as usize;
        while self.rows.len() <= i {
            let index = self.rows.len() as u32;
            self.rows.push(ValidatorRow { index, ..Default::default() });
        }
        &mut self.rows[i]
    }

    pub fn total_stake(&self) -> u64 {
        self.rows.iter().map(|r| r.stake).sum()
    }

    fn window(&self) -> u64 {
        (PARTICIPATION_EPOCHS * self.epoch_slots).clamp(1, MAX_WINDOW)
    }

    pub fn on_status(&mut self, node: usize, s: &pb::NodeStatus) {
        for v in &s.validators {
            let row = self.row_mut(v.index);
            row.stake = v.stake;
            row.slashed |= v.slashed;
            row.last_attested = row.last_attested.max(v.last_attested_slot);
        }
        if let Some(v) = s.validator {
            let row = self.row_mut(v);
            row.node = Some(node);
            row.behaviour.clone_from(&s.behaviour);
        }
    }

    /// `new_block` is true for the first report of a block's hash.
    pub fn on_event(&mut self, kind: &pb::event::Kind, new_block: bool) {
        use pb::event::Kind;
        match kind {
            Kind::BlockImported(b) if new_block => self.row_mut(b.proposer).proposed += 1,
            Kind::Attested(a) => {
                let row = self.row_mut(a.validator);
                row.last_attested = row.last_attested.max(Some(a.slot));
                row.attested.insert(a.slot);
            }
            Kind::Slashed(s) => self.row_mut(s.validator).slashed = true,
            _ => {}
        }
    }

    /// Advances time to `slot`: trims the participation windows.
    pub fn on_slot(&mut self, slot: u64) {
        let floor = slot.saturating_sub(self.window());
        for r in &mut self.rows {
            if r.attested.first().is_some_and(|s| *s < floor) {
                r.attested = r.attested.split_off(&floor);
            }
        }
    }

    /// Share of the completed slots of the window before `slot` that `v` attested, 0.0 to 1.0.
    pub fn participation(&self, v: u32, slot: u64) -> f64 {
        let Some(r) = self.rows.get(v as usize) else { return 0.0 };
        let lo = slot.saturating_sub(self.window());
        let span = slot - lo;
        if span == 0 {
            return 0.0;
        }
        // The window's count is what lies outside it taken from the whole:
        // `attested` is trimmed to about the window, so this counts a few
        // slots rather than every one in it (the validators pane asks per row
        // per frame).
        let inside = r.attested.len() - r.attested.range(..lo).count() - r.attested.range(slot..).count();
        inside as f64 / span as f64
    }

    pub fn status(&self, v: u32, node_running: impl Fn(usize) -> bool) -> ValidatorStatus {
        let Some(r) = self.rows.get(v as usize) else { return ValidatorStatus::Offline };
        if r.slashed {
            ValidatorStatus::Slashed
        } else if !r.behaviour.is_empty() && r.behaviour != "honest" {
            ValidatorStatus::Byzantine
        } else if r.node.is_some_and(|n| !node_running(n)) {
            ValidatorStatus::Offline
        } else {
            ValidatorStatus::Active
        }
    }
}

#[cfg(test)]
mod tests;
