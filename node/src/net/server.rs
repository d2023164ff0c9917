//! Inbound p2p: the `P2p` service. `Deliver` takes one message (or a ping);
//! `Gossip` takes a peer's long-lived stream of batches. Both check each
//! envelope's shape and the fault shim's receive rules, then hand the payload
//! to the runtime through one bounded queue. A full queue drops the message:
//! `Deliver` answers `resource_exhausted`, a gossip message is counted in
//! `dropped` (a stream has no answer per message). A bad envelope inside a
//! batch is dropped alone; the rest of the batch still counts.

use super::peers::from_wire;
use super::shim::Shim;
use crate::consensus::{MsgKind, PeerId};
use devnet_proto::v1::{Batch, DeliverAck, Envelope, GossipAck, MessageKind, p2p_server::P2p};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

#[derive(Debug)]
pub struct Inbound {
    pub from: PeerId,
    pub kind: MsgKind,
    pub bytes: Vec<u8>,
}

#[derive(Clone)]
pub struct P2pService {
    pub me: PeerId,
    /// Number of known peer indices (grows when a twin joins).
    pub peer_count: Arc<AtomicU32>,
    pub shim: Arc<Shim>,
    pub inbound: mpsc::Sender<Inbound>,
    /// Gossip messages dropped because the inbound queue was full.
    pub dropped: Arc<AtomicU64>,
}

impl P2pService {
    /// Checks one envelope and queues it for the runtime (pings stop here).
    /// Public for the gossip fuzz target, which feeds it decoded batches.
    pub fn accept(&self, env: Envelope) -> Result<(), Status> {
        if env.from >= self.peer_count.load(Ordering::Relaxed) || env.from == self.me.0 {
            return Err(Status::invalid_argument(format!("unknown sender index {}", env.from)));
        }
        let Ok(kind) = MessageKind::try_from(env.kind) else {
            return Err(Status::invalid_argument(format!("unknown message kind {}", env.kind)));
        };
        let from = PeerId(env.from);
        let kind = from_wire(kind);
        if !self.shim.inbound(from, self.me, None) {
            // A cut link: the sender should see the peer as unreachable.
            return Err(Status::unavailable("link blocked by fault rules"));
        }
        if !self.shim.inbound(from, self.me, kind) {
            return Ok(()); // kind filtered: dropped quietly
        }
        let Some(kind) = kind else {
            return Ok(()); // ping
        };
        match self.inbound.try_send(Inbound { from, kind, bytes: env.payload.into() }) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => Err(Status::resource_exhausted("inbound queue full")),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(Status::unavailable("node shutting down")),
        }
    }
}

#[tonic::async_trait]
impl P2p for P2pService {
    async fn deliver(&self, req: Request<Envelope>) -> Result<Response<DeliverAck>, Status> {
        self.shim.freeze.thawed().await;
        self.accept(req.into_inner()).map(|()| Response::new(DeliverAck {}))
    }

    type GossipStream = ReceiverStream<Result<GossipAck, Status>>;

    /// Reads the stream in a task of its own, so the call returns at once
    /// (the server's request timeout covers only that) and lasts as long as
    /// the sender keeps it open.
    async fn gossip(&self, req: Request<Streaming<Batch>>) -> Result<Response<Self::GossipStream>, Status> {
        let mut batches = req.into_inner();
        let (done, acks) = mpsc::channel(1);
        let service = self.clone();
        tokio::spawn(async move {
            loop {
                // A frozen node reads nothing: the stream's window fills and the sender waits.
                service.shim.freeze.thawed().await;
                let Ok(Some(batch)) = batches.message().await else { break };
                for env in batch.envelopes {
                    if let Err(e) = service.accept(env)
                        && e.code() == tonic::Code::ResourceExhausted
                    {
                        service.dropped.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            drop(done);
        });
        Ok(Response::new(ReceiverStream::new(acks)))
    }
}
