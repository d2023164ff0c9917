//! Inbound p2p: the `P2p.Deliver` handler. It checks the envelope's shape and
//! hands the payload to the runtime through a bounded queue; a full queue drops
//! the message (reported as `resource_exhausted` to the sender).

use super::peers::from_wire;
use super::shim::Shim;
use crate::consensus::{MsgKind, PeerId};
use devnet_proto::v1::{DeliverAck, Envelope, MessageKind, p2p_server::P2p};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::sync::mpsc;
use tonic::{Request, Response, Status};

#[derive(Debug)]
pub struct Inbound {
    pub from: PeerId,
    pub kind: MsgKind,
    pub bytes: Vec<u8>,
}

pub struct P2pService {
    pub me: PeerId,
    /// Number of known peer indices (grows when a twin joins).
    pub peer_count: Arc<AtomicU32>,
    pub shim: Arc<Shim>,
    pub inbound: mpsc::Sender<Inbound>,
}

#[tonic::async_trait]
impl P2p for P2pService {
    async fn deliver(&self, req: Request<Envelope>) -> Result<Response<DeliverAck>, Status> {
        let env = req.into_inner();
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
            return Ok(Response::new(DeliverAck {})); // kind filtered: dropped quietly
        }
        let Some(kind) = kind else {
            return Ok(Response::new(DeliverAck {})); // ping
        };
        let msg = Inbound { from, kind, bytes: env.payload };
        match self.inbound.try_send(msg) {
            Ok(()) => Ok(Response::new(DeliverAck {})),
            Err(mpsc::error::TrySendError::Full(_)) => Err(Status::resource_exhausted("inbound queue full")),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(Status::unavailable("node shutting down")),
        }
    }
}
