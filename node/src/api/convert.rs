//! Engine types -> protobuf messages for the Observer service.

use crate::consensus::{BlockRef, CheckpointRef, EngineStatus, Event};
use crate::ledger::TxCounters;
use devnet_proto::v1 as pb;

pub fn block_ref(b: &BlockRef) -> pb::BlockRef {
    pb::BlockRef { hash: b.hash.0.to_vec(), slot: b.slot, height: b.height }
}

pub fn checkpoint(c: &CheckpointRef) -> pb::Checkpoint {
    pb::Checkpoint { epoch: c.epoch, block: Some(block_ref(&c.block)) }
}

pub fn event_kind(ev: &Event, peer_name: impl Fn(u32) -> String) -> pb::event::Kind {
    use pb::event::Kind;
    match ev {
        Event::BlockImported(b) => Kind::BlockImported(pb::BlockImported {
            block: Some(block_ref(&b.block)),
            parent: b.parent.0.to_vec(),
            proposer: b.proposer,
            attestations: b.attestations,
            txs: b.txs,
        }),
        Event::TxsIncluded { block, ids } => Kind::TxsIncluded(pb::TxsIncluded {
            block: Some(block_ref(block)),
            count: ids.len() as u32,
            ids: ids.iter().map(|i| i.0.to_vec()).collect(),
        }),
        Event::TxsReverted { block, ids } => Kind::TxsReverted(pb::TxsReverted {
            block: Some(block_ref(block)),
            ids: ids.iter().map(|i| i.0.to_vec()).collect(),
        }),
        Event::DoubleSpend { paid, spent, from, payee, elsewhere, amount } => Kind::DoubleSpend(pb::DoubleSpend {
            paid: paid.0.to_vec(),
            spent: spent.0.to_vec(),
            from: *from,
            payee: *payee,
            elsewhere: *elsewhere,
            amount: *amount,
        }),
        Event::TxsFinal { block, ids } => Kind::TxsFinal(pb::TxsFinal {
            block: Some(block_ref(block)),
            count: ids.len() as u32,
            ids: ids.iter().map(|i| i.0.to_vec()).collect(),
        }),
        Event::HeadChanged { head, previous, reorg_depth } => Kind::HeadChanged(pb::HeadChanged {
            head: Some(block_ref(head)),
            previous: Some(block_ref(previous)),
            reorg_depth: *reorg_depth,
        }),
        Event::Justified(c) => Kind::Justified(checkpoint(c)),
        Event::Finalized(c) => Kind::Finalized(checkpoint(c)),
        Event::Attested { validator, slot, head, source_epoch, target_epoch } => Kind::Attested(pb::Attested {
            validator: *validator,
            slot: *slot,
            head: head.0.to_vec(),
            source_epoch: *source_epoch,
            target_epoch: *target_epoch,
        }),
        Event::EquivocationSeen { validator, kind, slot } => Kind::EquivocationSeen(pb::EquivocationSeen {
            validator: *validator,
            kind: kind.as_str().to_string(),
            slot: *slot,
        }),
        Event::Slashed { validator } => Kind::Slashed(pb::Slashed { validator: *validator }),
        Event::RoundFailed { height, round } => Kind::RoundFailed(pb::RoundFailed { height: *height, round: *round }),
        Event::Rejected { from, reason } => Kind::Rejected(pb::Rejected {
            from: from.map(|p| peer_name(p.0)).unwrap_or_default(),
            reason: reason.clone(),
        }),
    }
}

pub fn status(
    id: &str,
    engine: &str,
    s: &EngineStatus,
    peers_up: Vec<String>,
    validator: Option<u32>,
    slot_ms: u64,
    epoch_slots: u64,
) -> pb::NodeStatus {
    pb::NodeStatus {
        id: id.to_string(),
        engine: engine.to_string(),
        slot: s.slot,
        epoch: s.epoch,
        head: Some(block_ref(&s.head)),
        justified: Some(checkpoint(&s.justified)),
        finalized: Some(checkpoint(&s.finalized)),
        peers_up,
        validator,
        validators: s
            .validators
            .iter()
            .map(|v| pb::ValidatorStatus {
                index: v.index,
                stake: v.stake,
                slashed: v.slashed,
                last_attested_slot: v.last_attested_slot,
            })
            .collect(),
        behaviour: s.behaviour.label(),
        slot_ms,
        epoch_slots,
        detail: Some(super::detail::to_pb(&s.detail)),
        txs: Some(tx_stats(&s.txs)),
        traffic: Vec::new(),
        skew_ms: 0,
        dropped_messages: 0,
        seq: 0,
    }
}

pub fn tx_stats(c: &TxCounters) -> pb::TxStats {
    pb::TxStats {
        admitted: c.admitted,
        rejected: c.rejected,
        included: c.included,
        finalized: c.finalized,
        expired: c.expired,
        mempool_txs: c.mempool_txs,
        mempool_bytes: c.mempool_bytes,
        submitted: c.submitted,
    }
}
