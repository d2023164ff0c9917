//! Outbound links: one task and one bounded queue per peer.
//!
//! A full queue drops the message (the engine's sync repairs gaps) and counts
//! it; a failed call drops that message too. A link idle for `PING_EVERY`
//! sends a ping, so a dead or paused peer is noticed within a few seconds even
//! when nothing is gossiped. Up/down transitions are reported to the runtime.
//! Every message passes the fault shim first; a delayed message is sent by a
//! task of its own (at most `MAX_DELAYED` in flight per link, beyond that it
//! is dropped) so one slow link never stalls the messages behind it.

use super::shim::{Shim, Verdict};
use crate::consensus::{MsgKind, PeerId};
use devnet_proto::v1::{Envelope, MessageKind, p2p_client::P2pClient};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tonic::transport::{Channel, Endpoint};

const QUEUE: usize = 1024;
const MAX_DELAYED: usize = 1024;
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
    me: PeerId,
    queues: Vec<(PeerId, mpsc::Sender<Outbound>)>,
    events: mpsc::Sender<LinkEvent>,
    shim: Arc<Shim>,
    pub dropped: Arc<AtomicU64>,
}

impl Peers {
    /// Starts one link task per peer; link transitions go to `events`.
    pub fn start(me: PeerId, peers: &[PeerAddr], events: mpsc::Sender<LinkEvent>, shim: Arc<Shim>) -> Peers {
        let mut p = Peers { me, queues: Vec::new(), events, shim, dropped: Arc::new(AtomicU64::new(0)) };
        for peer in peers {
            p.add(peer.clone());
        }
        p
    }

    /// Starts a link to a peer that joined at run time (a twin); known peers are left alone.
    pub fn add(&mut self, peer: PeerAddr) {
        if self.queues.iter().any(|(p, _)| *p == peer.peer) {
            return;
        }
        let (tx, rx) = mpsc::channel(QUEUE);
        let link = Link { me: self.me, peer: peer.clone(), shim: self.shim.clone(), dropped: self.dropped.clone() };
        tokio::spawn(link.run(rx, self.events.clone()));
        self.queues.push((peer.peer, tx));
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

struct Link {
    me: PeerId,
    peer: PeerAddr,
    shim: Arc<Shim>,
    dropped: Arc<AtomicU64>,
}

impl Link {
    async fn run(self, mut rx: mpsc::Receiver<Outbound>, events: mpsc::Sender<LinkEvent>) {
        let client = P2pClient::new(channel(self.peer.addr))
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        let in_flight = Arc::new(tokio::sync::Semaphore::new(MAX_DELAYED));
        let mut up = false;
        loop {
            let (kind, envelope) = match tokio::time::timeout(PING_EVERY, rx.recv()).await {
                Ok(None) => return,
                Ok(Some((kind, bytes))) => {
                    let env = Envelope { from: self.me.0, kind: to_wire(kind) as i32, payload: bytes.as_ref().clone() };
                    (Some(kind), env)
                }
                Err(_) => (None, Envelope { from: self.me.0, kind: MessageKind::Ping as i32, payload: vec![] }),
            };
            let ok = match self.shim.outbound(self.me, self.peer.peer, kind) {
                Verdict::Drop => {
                    self.dropped.fetch_add(1, Ordering::Relaxed);
                    // A cut link looks like a dead peer; loss and filters leave liveness alone.
                    let cut = kind.is_none() || self.shim.outbound(self.me, self.peer.peer, None) == Verdict::Drop;
                    if !cut {
                        continue;
                    }
                    false
                }
                Verdict::DeliverAfter(delay) => {
                    match in_flight.clone().try_acquire_owned() {
                        Ok(permit) => {
                            let mut client = client.clone();
                            tokio::spawn(async move {
                                tokio::time::sleep(delay).await;
                                let _ = client.deliver(envelope).await;
                                drop(permit);
                            });
                        }
                        Err(_) => {
                            self.dropped.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    continue;
                }
                Verdict::Deliver => client.clone().deliver(envelope).await.is_ok(),
            };
            if !ok {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
            if ok != up {
                up = ok;
                let ev = if up { LinkEvent::Up(self.peer.peer) } else { LinkEvent::Down(self.peer.peer) };
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
}
