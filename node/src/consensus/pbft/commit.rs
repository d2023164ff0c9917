//! Executing committed blocks strictly in sequence order (R7), checkpoints
//! and garbage collection (R8), slashing (R14).

use super::engine::{Committed, Pbft};
use super::types::{Block, Cert, CheckpointCert, Phase, Vote, encode_committed};
use crate::consensus::common::inbound::reject;
use crate::consensus::common::slashing::settle;
use crate::consensus::engine::*;

impl Pbft {
    /// R7: append the block at `head + 1` with its commit certificate: persist
    /// (`live`: decided here or synced now, not replayed from the store),
    /// execute, report, slash, checkpoint, and reset the view-change timer.
    pub(super) fn commit(&mut self, now: Millis, block: Block, votes: Vec<Vote>, live: bool, fx: &mut Vec<Effect>) {
        let hash = block.hash();
        let seq = block.seq;
        let cert = Cert { block, votes };
        if live {
            fx.push(Effect::Persist(Record {
                table: Table::Blocks,
                key: seq.to_be_bytes().to_vec(),
                value: encode_committed(&cert),
            }));
        }
        // Ledger T3: blocks were executed when checked; the store's are trusted.
        let state = match self.block_states.remove(&hash) {
            Some(s) => s,
            None => {
                let mut s = self.state.clone();
                if let Err((i, e)) = s.apply_all(&cert.block.txs) {
                    reject(fx, None, format!("committed block {seq}: transfer {i}: {e}"));
                }
                s
            }
        };
        self.state = state;
        self.block_states.clear();
        self.bad_blocks.clear();
        let previous = self.head;
        self.head = BlockRef { hash, slot: seq, height: seq };
        let committed = Committed { cert, hash };
        let info = self.block_info(&committed);
        let block = &committed.cert.block;
        self.ledger.included(&block.txs, crate::ledger::Inclusion { height: seq, block: hash }, &self.state);
        self.ledger.finalized(block.txs.len());
        fx.push(Effect::Report(Event::BlockImported(info)));
        fx.push(Effect::Report(Event::HeadChanged { head: self.head, previous, reorg_depth: 0 }));
        fx.push(Effect::Report(Event::Finalized(CheckpointRef { epoch: seq, block: self.head })));
        if !block.txs.is_empty() {
            let ids: Vec<_> = block.txs.iter().map(|t| t.id()).collect();
            fx.push(Effect::Report(Event::TxsIncluded { block: self.head, ids: ids.clone() }));
            fx.push(Effect::Report(Event::TxsFinal { block: self.head, ids }));
        }
        for ev in &block.evidence {
            self.slashed.insert(ev.offender()); // R14
        }
        settle(&self.slashed, &mut self.reported_slashed, &mut self.evidence, fx);
        self.chain.push(committed);
        // R9: progress resets the view-change timer and its doubling.
        self.failed_views = 0;
        self.timer_at = now.saturating_add(self.params.timeout_after(0));
        self.rebroadcast_at = now.saturating_add(self.rebroadcast_period());
        // R4: the next pre-prepare waits for the pacing (0: within this input).
        self.propose_at = now.saturating_add(self.params.pacing_ms);
        // Own messages for sequence numbers committed before this one are no longer owed.
        self.own.retain(|m| match m {
            super::wire::Message::Vote(v) => v.data.seq >= seq,
            super::wire::Message::PrePrepare { vote, .. } => vote.data.seq >= seq,
            _ => true,
        });
        if live && seq.is_multiple_of(self.params.checkpoint_interval) {
            self.sign_checkpoint(seq, hash, fx);
        }
    }

    pub(super) fn block_info(&self, c: &Committed) -> BlockInfo {
        BlockInfo {
            block: BlockRef { hash: c.hash, slot: c.cert.block.seq, height: c.cert.block.seq },
            parent: c.cert.block.parent,
            proposer: c.cert.block.proposer,
            attestations: c.cert.votes.len() as u32,
            txs: c.cert.block.txs.len() as u32,
        }
    }

    /// R8: a CHECKPOINT above the stable one; 2f+1 matching (genesis stake,
    /// as `verify_checkpoint` weighs them) make it stable.
    pub(super) fn add_checkpoint(&mut self, v: Vote) {
        let seq = v.data.seq;
        if seq <= self.low_watermark() || seq > self.high_watermark() {
            return;
        }
        let m = self.checkpoints.entry(seq).or_default();
        m.entry(v.validator).or_insert(v);
        let votes: Vec<Vote> = m.values().filter(|x| x.data.digest == v.data.digest).copied().collect();
        let power: u128 = votes.iter().map(|x| self.vals.stake(x.validator) as u128).sum();
        if self.vals.is_quorum(power) {
            self.set_stable(CheckpointCert { seq, digest: v.data.digest, votes });
        }
    }

    /// R8: a new stable checkpoint: `h` moves up, the log below it goes.
    pub(super) fn set_stable(&mut self, cp: CheckpointCert) {
        if cp.seq <= self.low_watermark() {
            return;
        }
        let h = cp.seq;
        self.protection.set_checkpoint(cp);
        self.pre_prepares.retain(|(_, s), _| *s > h);
        self.votes.retain(|(_, s, p), _| *s > h || *p == Phase::Checkpoint);
        self.checkpoints.retain(|s, _| *s > h);
        self.sent.retain(|(_, s, _)| *s > h);
    }
}
