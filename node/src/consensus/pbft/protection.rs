//! R15: what the local validator signed, persisted (`Table::Protection`,
//! key "local") before the `Send` that carries the signature. It never signs
//! two different digests for one (phase, view, seq), never signs in a view
//! below its own, nor in a view it has asked to leave; a restarted node
//! resumes its view (or its view change) and, asked again, signs the same
//! digest again (ed25519 is deterministic: an identical message).
//!
//! The record also keeps what the protocol must not forget across a crash:
//! the prepared certificates behind its COMMITs (the P set of R10: a replica
//! that lost them could help a NEW-VIEW drop a committed block), the last
//! stable checkpoint, its last VIEW-CHANGE, its own proposal of the view and
//! the NEW-VIEW that started the view (both sent again after a restart).

use super::types::{Block, Cert, CheckpointCert, NewView, Phase, ViewChange, decode_all, encode_with, get_flag};
use crate::chain::Hash32;
use crate::chain::codec::{DecodeError, Reader, Writer};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Protection {
    pub view: u64,
    /// The last VIEW-CHANGE signed, while its `new_view` is above `view`.
    pub view_change: Option<ViewChange>,
    /// What was signed in `view`: (seq, phase) -> digest.
    pub signed: BTreeMap<(u64, Phase), Hash32>,
    /// The blocks this validator pre-prepared in `view`, by seq.
    pub proposals: BTreeMap<u64, Block>,
    /// The NEW-VIEW that started `view` (none for view 0).
    pub new_view: Option<NewView>,
    /// Prepared certificates above the stable checkpoint: the highest view per seq.
    pub prepared: BTreeMap<u64, Cert>,
    pub checkpoint: CheckpointCert,
}

impl Protection {
    pub fn new(genesis: Hash32) -> Protection {
        Protection {
            view: 0,
            view_change: None,
            signed: BTreeMap::new(),
            proposals: BTreeMap::new(),
            new_view: None,
            prepared: BTreeMap::new(),
            checkpoint: CheckpointCert::genesis(genesis),
        }
    }

    /// The view this validator has asked to move to, if any.
    pub fn leaving_for(&self) -> Option<u64> {
        self.view_change.as_ref().map(|vc| vc.new_view).filter(|t| *t > self.view)
    }

    /// Move to `view` if it is later; never back.
    pub fn enter(&mut self, view: u64) {
        if view > self.view {
            self.view = view;
            self.signed.clear();
            self.proposals.clear();
            self.new_view = None;
            if self.leaving_for().is_none() {
                self.view_change = None;
            }
        }
    }

    /// R15: `digest` may be signed for (phase, view, seq).
    pub fn may_sign(&self, phase: Phase, view: u64, seq: u64, digest: Hash32) -> bool {
        if self.leaving_for().is_some_and(|t| view < t) {
            return false;
        }
        match view.cmp(&self.view) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Equal => self.signed.get(&(seq, phase)).is_none_or(|d| *d == digest),
            std::cmp::Ordering::Less => false,
        }
    }

    /// What was signed for (phase, view, seq), if anything.
    pub fn signed(&self, phase: Phase, view: u64, seq: u64) -> Option<Hash32> {
        if view != self.view {
            return None;
        }
        self.signed.get(&(seq, phase)).copied()
    }

    pub fn record(&mut self, phase: Phase, view: u64, seq: u64, digest: Hash32) {
        self.enter(view);
        self.signed.insert((seq, phase), digest);
    }

    /// R15: a VIEW-CHANGE to `target` may be signed (again, if it is the last one).
    pub fn may_view_change(&self, target: u64) -> bool {
        target > self.view && self.view_change.as_ref().is_none_or(|vc| target >= vc.new_view)
    }

    /// R8: forget what the stable checkpoint `cp` covers.
    pub fn set_checkpoint(&mut self, cp: CheckpointCert) {
        if cp.seq > self.checkpoint.seq {
            let h = cp.seq;
            self.prepared.retain(|s, _| *s > h);
            self.signed.retain(|(s, _), _| *s > h);
            self.proposals.retain(|s, _| *s > h);
            self.checkpoint = cp;
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        encode_with(|w| {
            w.u64(self.view);
            put_opt(w, &self.view_change, |w, vc| vc.write(w));
            let signed: Vec<_> = self.signed.iter().collect();
            w.list(&signed, |w, ((seq, phase), d)| {
                let v = super::types::VoteData { phase: *phase, view: self.view, seq: *seq, digest: **d };
                v.write(w);
            });
            let proposals: Vec<&Block> = self.proposals.values().collect();
            w.list(&proposals, |w, b| b.write(w));
            put_opt(w, &self.new_view, |w, nv| nv.write(w));
            let prepared: Vec<&Cert> = self.prepared.values().collect();
            w.list(&prepared, |w, c| c.write(w));
            self.checkpoint.write(w);
        })
    }

    pub fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        decode_all(b, |r| {
            let view = r.u64()?;
            let view_change = get_opt(r, ViewChange::read)?;
            let signed =
                r.list(super::types::VoteData::read)?.into_iter().map(|d| ((d.seq, d.phase), d.digest)).collect();
            let proposals = r.list(Block::read)?.into_iter().map(|b| (b.seq, b)).collect();
            let new_view = get_opt(r, NewView::read)?;
            let prepared = r.list(Cert::read)?.into_iter().map(|c| (c.block.seq, c)).collect();
            let checkpoint = CheckpointCert::read(r)?;
            Ok(Protection { view, view_change, signed, proposals, new_view, prepared, checkpoint })
        })
    }
}

fn put_opt<T>(w: &mut Writer, v: &Option<T>, f: impl FnOnce(&mut Writer, &T)) {
    match v {
        Some(x) => {
            w.u8(1);
            f(w, x);
        }
        None => {
            w.u8(0);
        }
    }
}

fn get_opt<T>(
    r: &mut Reader<'_>,
    f: impl FnOnce(&mut Reader<'_>) -> Result<T, DecodeError>,
) -> Result<Option<T>, DecodeError> {
    Ok(if get_flag(r)? { Some(f(r)?) } else { None })
}
