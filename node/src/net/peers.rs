//! Outbound links: one task and one bounded queue per peer.
//!
//! A full queue drops the message (the engine's sync repairs gaps) and counts
//! it; a failed call drops that message too. A link idle for `PING_EVERY`
//! sends a ping, so a dead or paused peer is noticed within a few seconds even
//! when nothing is gossiped. Up/down transitions are reported to the runtime.

use crate::consensus::{MsgKind, PeerId};
use devnet_proto::v1::{Envelope, MessageKind, p2p_client::P2pClient};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tonic::transport::{Channel, Endpoint};

const QUEUE: usize = 1024;
const PING_EVERY: Duration = Duration::from_millis(500);
const CALL_TIMEOUT: Duration = Duration::from_secs(2);
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
pub const MAX_MESSAGE_BYTES: usize = 8 << 20;

#[derive(Clone, Debug)]
pub struct PeerAddr {
    pub peer: PeerId,
    pub id: String,
    pub addr: SocketAddr,
}

#[derive(Debug)]
pub enum LinkEvent {
    Up(PeerId),
    Down(PeerId),
}

pub fn to_wire(kind: MsgKind) -> MessageKind {
    match kind {
        MsgKind::Block => MessageKind::Block,
        MsgKind::Vote => MessageKind::Vote,
        MsgKind::Evidence => MessageKind::Evidence,
        MsgKind::Status => MessageKind::Status,
        MsgKind::SyncRequest => MessageKind::SyncRequest,
        MsgKind::SyncResponse => MessageKind::SyncResponse,
    }
}

pub fn from_wire(kind: MessageKind) -> Option<MsgKind> {
    Some(match kind {
        MessageKind::Block => MsgKind::Block,
        MessageKind::Vote => MsgKind::Vote,
        MessageKind::Evidence => MsgKind::Evidence,
        MessageKind::Status => MsgKind::Status,
        MessageKind::SyncRequest => MsgKind::SyncRequest,
        MessageKind::SyncResponse => MsgKind::SyncResponse,
        MessageKind::Ping | MessageKind::Unspecified => return None,
    })
}

/// One queued outbound message; the bytes are shared by every peer it goes to.
type Outbound = (MsgKind, Arc<Vec<u8>>);

/// Handles to every peer's outbound queue.
pub struct Peers {
    queues: Vec<(PeerId, mpsc::Sender<Outbound>)>,
    pub dropped: Arc<AtomicU64>,
}

impl Peers {
    /// Starts one link task per peer; link transitions go to `events`.
    pub fn start(me: PeerId, peers: &[PeerAddr], events: mpsc::Sender<LinkEvent>) -> Peers {
        let dropped = Arc::new(AtomicU64::new(0));
        let queues = peers
            .iter()
            .map(|p| {
                let (tx, rx) = mpsc::channel(QUEUE);
                tokio::spawn(link(me, p.clone(), rx, events.clone(), dropped.clone()));
                (p.peer, tx)
            })
            .collect();
        Peers { queues, dropped }
    }

    pub fn ids(&self) -> Vec<PeerId> {
        self.queues.iter().map(|(p, _)| *p).collect()
    }

    /// Queues `bytes` for every peer in `to`; never blocks.
    pub fn send(&self, to: &[PeerId], kind: MsgKind, bytes: Vec<u8>) {
        let bytes = Arc::new(bytes);
        for (peer, q) in &self.queues {
            if to.contains(peer) && q.try_send((kind, bytes.clone())).is_err() {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

fn channel(addr: SocketAddr) -> Channel {
    Endpoint::from_shared(format!("http://{addr}"))
        .expect("a socket address is a valid URI")
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(CALL_TIMEOUT)
        .tcp_nodelay(true)
        .connect_lazy()
}

async fn link(
    me: PeerId,
    peer: PeerAddr,
    mut rx: mpsc::Receiver<Outbound>,
    events: mpsc::Sender<LinkEvent>,
    dropped: Arc<AtomicU64>,
) {
    let mut client = P2pClient::new(channel(peer.addr))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let mut up = false;
    loop {
        let next = tokio::time::timeout(PING_EVERY, rx.recv()).await;
        let envelope = match next {
            Ok(None) => return,
            Ok(Some((kind, bytes))) => {
                Envelope { from: me.0, kind: to_wire(kind) as i32, payload: bytes.as_ref().clone() }
            }
            Err(_) => Envelope { from: me.0, kind: MessageKind::Ping as i32, payload: vec![] },
        };
        let ok = client.deliver(envelope).await.is_ok();
        if !ok {
            dropped.fetch_add(1, Ordering::Relaxed);
        }
        if ok != up {
            up = ok;
            let ev = if up { LinkEvent::Up(peer.peer) } else { LinkEvent::Down(peer.peer) };
            if events.send(ev).await.is_err() {
                return;
            }
        }
        if !ok {
            // Back off a little so a dead peer does not spin this task.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
