//! JSON lines for headless mode: one object per node event, process change or
//! alarm, and the closing summary. Hashes are full hex; ids are `n0`, `n1`...

use super::view::ClusterView;
use devnet_proto::v1 as pb;
use serde::Serialize;
use serde_json::{Value, json};

fn hex32(b: &[u8]) -> String {
    hex::encode(b)
}

fn block(b: &Option<pb::BlockRef>) -> Value {
    match b {
        Some(b) => json!({"hash": hex32(&b.hash), "slot": b.slot, "height": b.height}),
        None => Value::Null,
    }
}

fn checkpoint(c: &pb::Checkpoint) -> Value {
    json!({"epoch": c.epoch, "block": block(&c.block)})
}

/// One node event as a JSON object with `type`, `node`, `seq`, `slot`, `time_ms`.
pub fn node_event(node: &str, e: &pb::Event) -> Value {
    use pb::event::Kind;
    let (ty, body) = match &e.kind {
        None => ("unknown", json!({})),
        Some(Kind::BlockImported(b)) => (
            "block_imported",
            json!({"block": block(&b.block), "parent": hex32(&b.parent), "proposer": b.proposer, "attestations": b.attestations, "txs": b.txs}),
        ),
        Some(Kind::HeadChanged(h)) => (
            "head_changed",
            json!({"head": block(&h.head), "previous": block(&h.previous), "reorg_depth": h.reorg_depth}),
        ),
        Some(Kind::Justified(c)) => ("justified", checkpoint(c)),
        Some(Kind::Finalized(c)) => ("finalized", checkpoint(c)),
        Some(Kind::Attested(a)) => (
            "attestation",
            json!({"validator": a.validator, "att_slot": a.slot, "head": hex32(&a.head), "source_epoch": a.source_epoch, "target_epoch": a.target_epoch}),
        ),
        Some(Kind::EquivocationSeen(q)) => {
            ("equivocation_seen", json!({"validator": q.validator, "kind": q.kind, "att_slot": q.slot}))
        }
        Some(Kind::Slashed(s)) => ("slashed", json!({"validator": s.validator})),
        Some(Kind::PeerUp(p)) => ("peer_up", json!({"peer": p.id})),
        Some(Kind::PeerDown(p)) => ("peer_down", json!({"peer": p.id})),
        Some(Kind::Rejected(r)) => ("rejected", json!({"from": r.from, "reason": r.reason})),
        Some(Kind::RoundFailed(r)) => ("round_failed", json!({"height": r.height, "round": r.round})),
        Some(Kind::TxsIncluded(t)) => ("txs_included", json!({"block": block(&t.block), "count": t.count})),
        Some(Kind::TxsFinal(t)) => ("txs_final", json!({"block": block(&t.block), "count": t.count})),
        Some(Kind::TxsReverted(t)) => (
            "txs_reverted",
            json!({"block": block(&t.block), "ids": t.ids.iter().map(|i| hex32(i)).collect::<Vec<_>>()}),
        ),
        Some(Kind::DoubleSpend(d)) => (
            "double_spend",
            json!({"paid": hex32(&d.paid), "spent": hex32(&d.spent), "from": d.from, "payee": d.payee,
                   "elsewhere": d.elsewhere, "amount": d.amount}),
        ),
    };
    let mut v = json!({"type": ty, "node": node, "seq": e.seq, "slot": e.slot, "time_ms": e.time_ms});
    if let (Value::Object(m), Value::Object(b)) = (&mut v, body) {
        m.extend(b);
    }
    v
}

#[derive(Serialize)]
pub struct NodeSummary {
    pub id: String,
    pub addr: String,
    pub state: String,
    pub head_slot: u64,
    pub head_height: u64,
    pub head_hash: String,
    pub justified_epoch: u64,
    pub finalized_epoch: u64,
    pub finalized_height: u64,
    pub finalized_hash: String,
    pub peers: usize,
    pub reorgs: u64,
    pub faults: Vec<String>,
    pub dropped_messages: u64,
    /// Transactions through the node: its `TxStats` (names as there).
    pub txs: Value,
    /// Messages and bytes to and from peers by kind, since the node started.
    pub traffic: Value,
}

/// The `{"type":"summary"}` line: the cluster as it is now.
pub fn summary(view: &ClusterView, now_ms: u64) -> Value {
    let nodes: Vec<NodeSummary> = view
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| NodeSummary {
            id: n.id.clone(),
            addr: n.addr.clone(),
            state: n.state_label().to_string(),
            head_slot: n.head.slot,
            head_height: n.head.height,
            head_hash: n.head.hash.to_hex(),
            justified_epoch: n.justified.epoch,
            finalized_epoch: n.finalized.epoch,
            finalized_height: n.finalized.block.height,
            finalized_hash: n.finalized.block.hash.to_hex(),
            peers: n.peers_up.len(),
            reorgs: n.reorgs,
            faults: n.faults.clone(),
            dropped_messages: n.dropped,
            txs: view.txs.nodes.get(i).map_or(Value::Null, |x| {
                let s = &x.stats;
                json!({"submitted": s.submitted, "admitted": s.admitted, "rejected": s.rejected,
                       "included": s.included, "finalized": s.finalized, "expired": s.expired,
                       "mempool_txs": s.mempool_txs, "mempool_bytes": s.mempool_bytes})
            }),
            traffic: view.txs.nodes.get(i).map_or(Value::Null, |x| {
                x.traffic
                    .iter()
                    .map(|t| {
                        (
                            t.kind.clone(),
                            json!({"messages_sent": t.messages_sent, "bytes_sent": t.bytes_sent,
                            "messages_received": t.messages_received, "bytes_received": t.bytes_received}),
                        )
                    })
                    .collect::<serde_json::Map<_, _>>()
                    .into()
            }),
        })
        .collect();
    let (offered, finalized) = view.txs.tps();
    let (per_block, fill) = view.txs.fullness();
    let load = view.txs.load.as_ref().map(|l| {
        json!({"rate": l.rate, "submitted": l.submitted, "final": l.final_, "p50_ms": l.p50_ms, "p99_ms": l.p99_ms})
    });
    json!({
        "type": "summary",
        "cluster": view.name,
        "engine": view.engine,
        "slot": view.current_slot(now_ms),
        "nodes": nodes,
        "txs": {"offered_tps": offered, "finalized_tps": finalized, "txs_per_block": per_block, "block_fill": fill, "load": load},
        "finality_stalled": view.finality_stall(now_ms).map(|st| json!({"for_ms": st.for_ms, "missing": st.missing})),
        "alarms": view.alarms,
    })
}
