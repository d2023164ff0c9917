//! Engine types -> protobuf messages for the Observer service.

use crate::consensus::{
    BlockRef, CastVote, CheckpointRef, EngineDetail, EngineStatus, Event, PowDetail, TendermintDetail,
};
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
        tendermint: match &s.detail {
            EngineDetail::Tendermint(d) => Some(tendermint(d)),
            _ => None,
        },
        pow: match &s.detail {
            EngineDetail::Pow(d) => Some(pow(d)),
            _ => None,
        },
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

fn vote(v: &CastVote) -> pb::TendermintVote {
    pb::TendermintVote { round: v.round, value: v.value.map(|h| h.0.to_vec()).unwrap_or_default() }
}

pub fn tendermint(d: &TendermintDetail) -> pb::TendermintStatus {
    pb::TendermintStatus {
        height: d.height,
        round: d.round,
        step: d.step.as_str().to_string(),
        locked_round: d.locked_round,
        valid_round: d.valid_round,
        votes: d
            .votes
            .iter()
            .map(|v| pb::TendermintVotes {
                validator: v.validator,
                prevote: v.prevote.as_ref().map(vote),
                precommit: v.precommit.as_ref().map(vote),
            })
            .collect(),
        votes_height: d.votes_height,
    }
}

pub fn pow(d: &PowDetail) -> pb::PowStatus {
    pb::PowStatus {
        difficulty: d.difficulty,
        hashrate_percent: d.hashrate_percent,
        k: d.k,
        fork_choice: d.fork_choice.as_str().to_string(),
        chain_work: d.chain_work.to_be_bytes().to_vec(),
        private_blocks: d.private_blocks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::Hash32;
    use crate::chain::spec::ForkChoiceRule;
    use crate::consensus::{Behaviour, TendermintStep, ValidatorVotes};

    fn engine_status(detail: EngineDetail) -> EngineStatus {
        EngineStatus {
            slot: 5,
            epoch: 1,
            head: BlockRef::default(),
            justified: CheckpointRef::default(),
            finalized: CheckpointRef::default(),
            validators: vec![],
            behaviour: Behaviour::Honest,
            detail,
            txs: TxCounters::default(),
        }
    }

    #[test]
    fn tendermint_detail_is_carried_with_nil_votes_empty() {
        let d = TendermintDetail {
            height: 5,
            round: 1,
            step: TendermintStep::Prevote,
            locked_round: Some(0),
            valid_round: None,
            votes: vec![ValidatorVotes {
                validator: 2,
                prevote: Some(CastVote { round: 1, value: None }),
                precommit: Some(CastVote { round: 0, value: Some(Hash32([7; 32])) }),
            }],
            votes_height: 5,
        };
        let s = status("n0", "tendermint", &engine_status(EngineDetail::Tendermint(d)), vec![], Some(0), 1000, 4);
        assert!(s.pow.is_none());
        let t = s.tendermint.expect("tendermint status");
        assert_eq!(
            (t.height, t.round, t.step.as_str(), t.locked_round, t.valid_round),
            (5, 1, "prevote", Some(0), None)
        );
        let v = &t.votes[0];
        assert_eq!(v.validator, 2);
        assert_eq!(v.prevote, Some(pb::TendermintVote { round: 1, value: vec![] }));
        assert_eq!(v.precommit, Some(pb::TendermintVote { round: 0, value: vec![7; 32] }));
    }

    #[test]
    fn pow_detail_is_carried_with_work_big_endian() {
        let d = PowDetail {
            difficulty: 4096,
            hashrate_percent: 60,
            k: 6,
            fork_choice: ForkChoiceRule::Ghost,
            chain_work: (1u128 << 64) + 3,
            private_blocks: 2,
        };
        let s = status("n3", "pow", &engine_status(EngineDetail::Pow(d)), vec![], Some(3), 1000, 4);
        assert!(s.tendermint.is_none());
        let p = s.pow.expect("pow status");
        assert_eq!((p.difficulty, p.hashrate_percent, p.k, p.fork_choice.as_str()), (4096, 60, 6, "ghost"));
        assert_eq!(u128::from_be_bytes(p.chain_work.try_into().unwrap()), (1u128 << 64) + 3);
        assert_eq!(p.private_blocks, 2);
        let none = status("n0", "gasper", &engine_status(EngineDetail::None), vec![], None, 1000, 4);
        assert!(none.tendermint.is_none() && none.pow.is_none());
    }
}
