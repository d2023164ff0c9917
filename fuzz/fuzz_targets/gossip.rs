//! The gossip envelope, taken the way a node takes it: a peer's `Batch`
//! (protobuf, decoded with prost as tonic decodes it), each envelope checked
//! by the p2p service (`P2pService::accept`: sender index, message kind,
//! fault rules) and queued, then handed to a validator's engine as the
//! runtime hands it over. The node is n0 of the fuzz cluster (`cluster`),
//! just started at `SIM_MS`, so the seeds' real messages (`write-seeds`)
//! reach the engines' validation, import and sync paths.
//!
//! Input: an engine selector byte, then the batch. Checks: nothing panics
//! (hostile input must never crash a node); an envelope is refused only for
//! a sender that is not a peer or a kind that does not exist, and the
//! refusal says which; whatever is queued is a peer's and reaches the engine.

#![no_main]

use devnet_fuzz::cluster::{self, NODES, SIM_MS};
use devnet_node::consensus::{Input, PeerId};
use devnet_node::net::{P2pService, Shim};
use devnet_proto::v1::{Batch, MessageKind};
use libfuzzer_sys::fuzz_target;
use prost::Message;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64};

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else { return };
    let Ok(batch) = Batch::decode(bytes) else { return };
    let name = cluster::ENGINES[which as usize % cluster::ENGINES.len()];
    let (inbound, mut queued) = tokio::sync::mpsc::channel(4);
    let service = P2pService {
        me: PeerId(0),
        peer_count: Arc::new(AtomicU32::new(NODES)),
        shim: Arc::new(Shim::seeded(0)),
        inbound,
        dropped: Arc::new(AtomicU64::new(0)),
    };
    let mut node = cluster::engine(name, 0, true);
    if let Err(e) = node.restore(Vec::new()) {
        panic!("restore of an empty store: {e}");
    }
    let _ = node.handle(SIM_MS, Input::Start);
    for env in batch.envelopes {
        let (from, kind) = (env.from, env.kind);
        if let Err(status) = service.accept(env) {
            let message = status.message();
            if from == 0 || from >= NODES {
                assert!(message.contains("sender"), "refused sender {from}: {message}");
            } else {
                assert!(MessageKind::try_from(kind).is_err(), "refused a peer's {kind}: {message}");
                assert!(message.contains("kind"), "refused kind {kind}: {message}");
            }
        }
        while let Ok(m) = queued.try_recv() {
            assert!(m.from.0 != 0 && m.from.0 < NODES, "queued a message from {:?}", m.from);
            let _ = node.handle(SIM_MS, Input::Message { from: m.from, kind: m.kind, bytes: m.bytes });
        }
    }
    let _ = node.handle(SIM_MS + 50, Input::Tick);
    let _ = node.status(SIM_MS + 50);
    let _ = node.recent_blocks(16);
});
