//! Committing (R6, R10) and the head (R1): a committed block and its
//! uncommitted ancestors join the chain in order, are reported `Finalized`
//! with their transfers final, and evidence in them slashes.

use super::engine::{ARCHIVE_MAX, HotStuff};
use crate::chain::Hash32;
use crate::consensus::common::inbound::reject;
use crate::consensus::common::slashing::settle;
use crate::consensus::engine::*;

impl HotStuff {
    /// R6: commit `target` and every uncommitted block below it.
    pub(super) fn commit(&mut self, target: Hash32, fx: &mut Vec<Effect>) {
        if self.committed_set.contains(&target) {
            return;
        }
        let mut path = Vec::new();
        let mut at = target;
        while !self.committed_set.contains(&at) {
            path.push(at);
            match self.tree.get(&at) {
                Some(b) => at = b.parent,
                None => return,
            }
        }
        let (_, tip) = self.committed_head();
        if at != tip {
            // Only more than 1/3 of the stake equivocating can get here.
            let reason = format!("commit of {} conflicts with the committed chain", target.short());
            return reject(fx, None, reason);
        }
        for id in path.into_iter().rev() {
            let Some(b) = self.tree.get(&id) else { return };
            let (height, round) = (b.height, b.round);
            let offenders: Vec<u32> = b.evidence.iter().map(|e| e.offender()).collect();
            self.slashed.extend(offenders);
            self.committed.push_back((height, id));
            self.committed_set.insert(id);
            self.committed_round = round;
            let block = BlockRef { hash: id, slot: round, height };
            fx.push(Effect::Report(Event::Finalized(CheckpointRef { epoch: height, block })));
            fx.extend(self.ledger.move_final(id, &self.tree));
        }
        while self.committed.len() > ARCHIVE_MAX {
            if let Some((_, old)) = self.committed.pop_front() {
                self.committed_set.remove(&old);
                self.tree.blocks.remove(&old);
            }
        }
        settle(&self.slashed, &mut self.reported_slashed, &mut self.evidence, fx);
        let (height, tip) = self.committed_head();
        self.tree.prune(tip, height, &self.committed_set);
    }

    /// R1: the head follows the high QC's block; its transfers are included.
    pub(super) fn update_head(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        let new = self.high_qc.block();
        if new == self.head.hash {
            return;
        }
        let Some(b) = self.tree.get(&new) else { return };
        let head = BlockRef { hash: new, slot: b.round, height: b.height };
        let mut depth = 0;
        let mut at = self.head.hash;
        while !self.tree.extends(new, at) {
            depth += 1;
            match self.tree.get(&at) {
                Some(x) => at = x.parent,
                None => break,
            }
        }
        fx.extend(self.ledger.move_head(now, new, &self.tree));
        let previous = self.head;
        self.head = head;
        fx.push(Effect::Report(Event::HeadChanged { head, previous, reorg_depth: depth }));
        fx.push(Effect::Report(Event::Justified(CheckpointRef { epoch: head.slot, block: head })));
    }
}
