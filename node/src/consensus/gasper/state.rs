//! Per-block chain state and the state transition (Casper FFG, R8-R11).
//!
//! A block's state is a pure function of its parent's state and the block's
//! body, so every node holding the same chain computes the same justified and
//! finalized checkpoints and the same slashed set. Signatures are checked
//! before the transition (`import`); here only the accounting happens.

use super::slashing::classify_evidence;
use super::types::{Block, Checkpoint};
use super::validators::Validators;
use crate::chain::Hash32;
use std::collections::{BTreeMap, BTreeSet};

/// Stake behind one FFG link, each validator counted once.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Tally {
    pub stake: u64,
    pub voters: BTreeSet<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainState {
    pub slot: u64,
    /// The justified checkpoint with the highest epoch on this chain.
    pub justified: Checkpoint,
    pub finalized: Checkpoint,
    /// Every justified checkpoint on this chain at or above `finalized`: valid FFG sources.
    pub justified_set: BTreeSet<Checkpoint>,
    pub slashed: BTreeSet<u32>,
    /// Stake per (source, target) link, for targets of the last two epochs.
    pub links: BTreeMap<(Checkpoint, Checkpoint), Tally>,
}

impl ChainState {
    /// R1: the genesis checkpoint (epoch 0, genesis) is justified and finalized.
    pub fn genesis(genesis: Hash32) -> Self {
        let cp = Checkpoint { epoch: 0, root: genesis };
        ChainState {
            slot: 0,
            justified: cp,
            finalized: cp,
            justified_set: BTreeSet::from([cp]),
            slashed: BTreeSet::new(),
            links: BTreeMap::new(),
        }
    }

    /// True if `v` voted the link (used by the proposer to skip counted votes).
    pub fn counted(&self, source: &Checkpoint, target: &Checkpoint, v: u32) -> bool {
        self.links.get(&(*source, *target)).is_some_and(|t| t.voters.contains(&v))
    }
}

/// R5: the target epoch an attestation of `slot` carries: the slot's epoch,
/// except in an epoch's first slot (when epochs have more than one), which
/// repeats the previous epoch's FFG vote: the epoch's boundary block may
/// still be in flight then, and a target signed without it would bind the
/// validator's FFG vote for the whole epoch to the wrong block.
pub fn ffg_epoch(slot: u64, epoch_slots: u64) -> u64 {
    let es = epoch_slots.max(1);
    let epoch = slot / es;
    if es > 1 && slot.is_multiple_of(es) { epoch.saturating_sub(1) } else { epoch }
}

/// What the transition needs to know about the chain the new block extends.
pub struct Params<'a> {
    pub validators: &'a Validators,
    pub epoch_slots: u64,
}

/// R8-R11: apply `block` (already signature-checked) to its parent's state.
/// `checkpoint_root(e)` answers: which block is epoch `e`'s checkpoint on the
/// new block's chain. Errors make the block invalid.
pub fn transition(
    parent: &ChainState,
    block: &Block,
    p: &Params<'_>,
    checkpoint_root: &dyn Fn(u64) -> Option<Hash32>,
) -> Result<ChainState, String> {
    let es = p.epoch_slots.max(1);
    let slot = block.slot();
    let epoch = slot / es;
    let mut st = parent.clone();
    st.slot = slot;

    // R10/R11: evidence slashes its offender from this block on.
    for ev in &block.body.evidence {
        let (v, _kind) = classify_evidence(ev)?;
        if p.validators.key(v).is_none() {
            return Err(format!("evidence names unknown validator {v}"));
        }
        if !st.slashed.insert(v) {
            return Err(format!("evidence against validator {v}, already slashed"));
        }
        let stake = p.validators.stake(v);
        for tally in st.links.values_mut() {
            if tally.voters.remove(&v) {
                tally.stake = tally.stake.checked_sub(stake).ok_or("tally underflow")?;
            }
        }
    }

    // R8: tally each included attestation's FFG link once per validator.
    for a in &block.body.attestations {
        let d = &a.data;
        if p.validators.key(a.validator).is_none() {
            return Err(format!("attestation by unknown validator {}", a.validator));
        }
        if d.slot >= slot {
            return Err(format!("attestation for slot {} in block of slot {slot}", d.slot));
        }
        if d.target.epoch != ffg_epoch(d.slot, es) {
            return Err("attestation target epoch does not match its slot".into());
        }
        if d.target.epoch != epoch && d.target.epoch.checked_add(1) != Some(epoch) {
            return Err("attestation target epoch is neither this nor the previous epoch".into());
        }
        let counts = !st.slashed.contains(&a.validator)
            && d.source.epoch < d.target.epoch
            && st.justified_set.contains(&d.source)
            && checkpoint_root(d.target.epoch) == Some(d.target.root);
        if !counts {
            continue;
        }
        let tally = st.links.entry((d.source, d.target)).or_default();
        if tally.voters.insert(a.validator) {
            tally.stake = tally.stake.checked_add(p.validators.stake(a.validator)).ok_or("stake overflow")?;
        }
    }

    // R8/R9: links at 2/3 justify their target and may finalize their source.
    let links: Vec<_> = st.links.iter().map(|(k, t)| (*k, t.stake)).collect();
    for ((source, target), stake) in links {
        if !p.validators.is_supermajority(stake) {
            continue;
        }
        st.justified_set.insert(target);
        if target.epoch > st.justified.epoch {
            st.justified = target;
        }
        if source.epoch.checked_add(1) == Some(target.epoch) && source.epoch > st.finalized.epoch {
            st.finalized = source;
        }
    }

    // R18: forget links no block of this chain can add to, and sources below finality.
    st.links.retain(|(_, t), _| t.epoch.saturating_add(1) >= epoch);
    let fin = st.finalized.epoch;
    st.justified_set.retain(|c| c.epoch >= fin);
    Ok(st)
}
