//! Outbound links: for each peer, a gossip link task (`link`) and a
//! liveness prober (`probe`), sharing one HTTP/2 connection.
//!
//! The runtime hands over everything one flush sends as an `Outbox`, grouped
//! per peer, so a peer's messages of one flush travel in one batch. The
//! queues are bounded: a full queue drops the messages (the engine's sync
//! repairs gaps) and counts them in `dropped`, as does every drop on the way
//! (shim, broken stream, full inbound queue at the receiver).

use super::link::Link;
use super::shim::Shim;
use crate::consensus::{MsgKind, PeerId};
use devnet_proto::v1::{MessageKind, p2p_client::P2pClient};
use prost::bytes::Bytes;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tonic::transport::{Channel, Endpoint};

/// Flushes waiting for one peer's link task.
const QUEUE: usize = 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
pub const MAX_MESSAGE_BYTES: usize = 8 << 20;
/// HTTP/2 flow-control windows: large enough that a busy gossip stream
/// rarely waits for a WINDOW_UPDATE.
pub const STREAM_WINDOW: u32 = 1 << 20;
pub const CONNECTION_WINDOW: u32 = 4 << 20;

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
        MsgKind::Tx => MessageKind::Tx,
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
        MessageKind::Tx => MsgKind::Tx,
        MessageKind::Ping | MessageKind::Unspecified => return None,
    })
}

/// One queued outbound message; the bytes are shared by every peer it goes to.
pub(super) type Outbound = (MsgKind, Bytes);

/// How long a relay may wait for this node's next message to the same peer
/// before it goes alone.
pub const RELAY_HOLD: Duration = Duration::from_millis(5);

/// What flushes send, grouped per peer in the order it was sent. Relays are
/// held (up to `RELAY_HOLD`) and leave ahead of the next message for their
/// peer, so gossip forwarding rides on frames that go anyway.
#[derive(Default)]
pub struct Outbox {
    now: BTreeMap<PeerId, Vec<Outbound>>,
    held: BTreeMap<PeerId, Vec<Outbound>>,
    held_since: Option<Instant>,
}

impl Outbox {
    pub fn push(&mut self, to: &[PeerId], kind: MsgKind, bytes: Vec<u8>) {
        Self::add(&mut self.now, to, kind, bytes);
    }

    pub fn hold(&mut self, to: &[PeerId], kind: MsgKind, bytes: Vec<u8>) {
        if !to.is_empty() {
            self.held_since.get_or_insert_with(Instant::now);
            Self::add(&mut self.held, to, kind, bytes);
        }
    }

    fn add(map: &mut BTreeMap<PeerId, Vec<Outbound>>, to: &[PeerId], kind: MsgKind, bytes: Vec<u8>) {
        let bytes = Bytes::from(bytes);
        for p in to {
            map.entry(*p).or_default().push((kind, bytes.clone()));
        }
    }

    /// When the oldest held relay must leave, if any is held.
    pub fn deadline(&self) -> Option<Instant> {
        self.held_since.map(|t| t + RELAY_HOLD)
    }

    /// What leaves now: every peer's pending messages with its held relays
    /// in front, and every held relay once the hold is over.
    fn take(&mut self) -> BTreeMap<PeerId, Vec<Outbound>> {
        let mut out = std::mem::take(&mut self.now);
        for (peer, items) in out.iter_mut() {
            if let Some(mut held) = self.held.remove(peer) {
                held.append(items);
                *items = held;
            }
        }
        if self.deadline().is_some_and(|t| t <= Instant::now()) {
            out.append(&mut self.held);
        }
        if self.held.is_empty() {
            self.held_since = None;
        }
        out
    }
}

/// Handles to every peer's link.
pub struct Peers {
    me: PeerId,
    queues: Vec<(PeerId, mpsc::Sender<Vec<Outbound>>)>,
    events: mpsc::Sender<LinkEvent>,
    shim: Arc<Shim>,
    pub dropped: Arc<AtomicU64>,
}

impl Peers {
    /// Starts the link and prober of every peer; link transitions go to
    /// `events`, drops are counted in `dropped`.
    pub fn start(
        me: PeerId,
        peers: &[PeerAddr],
        events: mpsc::Sender<LinkEvent>,
        shim: Arc<Shim>,
        dropped: Arc<AtomicU64>,
    ) -> Peers {
        let mut p = Peers { me, queues: Vec::new(), events, shim, dropped };
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
        let client = P2pClient::new(channel(peer.addr))
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        let (tx, rx) = mpsc::channel(QUEUE);
        let link = Link {
            me: self.me,
            peer: peer.peer,
            shim: self.shim.clone(),
            dropped: self.dropped.clone(),
            client: client.clone(),
        };
        tokio::spawn(link.run(rx));
        tokio::spawn(super::probe::run(self.me, peer.peer, client, self.shim.clone(), self.events.clone()));
        self.queues.push((peer.peer, tx));
    }

    pub fn ids(&self) -> Vec<PeerId> {
        self.queues.iter().map(|(p, _)| *p).collect()
    }

    /// Queues for each link what the outbox lets leave now; never blocks.
    pub fn flush(&self, outbox: &mut Outbox) {
        for (peer, items) in outbox.take() {
            let Some((_, q)) = self.queues.iter().find(|(p, _)| *p == peer) else { continue };
            let n = items.len() as u64;
            if q.try_send(items).is_err() {
                self.dropped.fetch_add(n, Ordering::Relaxed);
            }
        }
    }
}

fn channel(addr: SocketAddr) -> Channel {
    Endpoint::from_shared(format!("http://{addr}"))
        .expect("a socket address is a valid URI")
        .connect_timeout(CONNECT_TIMEOUT)
        .tcp_nodelay(true)
        .initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .connect_lazy()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(items: &[Outbound]) -> Vec<u8> {
        items.iter().map(|(_, b)| b[0]).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn relays_ride_ahead_of_the_next_message_or_leave_when_the_hold_ends() {
        let (a, b) = (PeerId(1), PeerId(2));
        let mut o = Outbox::default();
        o.hold(&[a, b], MsgKind::Vote, vec![1]);
        assert!(o.take().is_empty(), "a relay alone waits");
        o.push(&[a], MsgKind::Vote, vec![2]);
        let out = o.take();
        assert_eq!(kinds(&out[&a]), vec![1, 2], "held relay first, then the message it rides with");
        assert!(!out.contains_key(&b));
        assert!(o.deadline().is_some(), "b's relay is still held");
        tokio::time::advance(RELAY_HOLD).await;
        let out = o.take();
        assert_eq!(kinds(&out[&b]), vec![1]);
        assert!(o.deadline().is_none() && o.take().is_empty());
        o.hold(&[], MsgKind::Vote, vec![3]);
        assert!(o.deadline().is_none(), "a relay to nobody holds nothing");
    }
}
