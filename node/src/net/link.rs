//! One outbound gossip link: a task per peer that takes the runtime's
//! messages for that peer, passes each through the fault shim, and writes
//! what may leave onto one long-lived `Gossip` stream, a batch per wake-up.
//!
//! Rules:
//! - Never blocks the runtime: its queue to the link is bounded, and so is
//!   the stream's; a full queue drops the batch and counts it in `dropped`.
//! - One batch carries everything that was queued when the link woke, up to
//!   `MAX_BATCH` messages or `MAX_BATCH_BYTES`, in the order sent: under load
//!   many messages share one HTTP/2 frame and one syscall.
//! - A delayed message (a latency fault) waits in the link's own bounded
//!   delay queue (`MAX_DELAYED`; beyond it the message is dropped) and leaves
//!   when due, so a slow link never stalls the messages behind it.
//! - A broken stream (the peer died or restarted, the connection broke) is
//!   opened again for the next batch, at most once per `RECONNECT`; batches
//!   in between are dropped and counted: the engines' sync repairs gaps.
//!
//! Whether the peer is up is not this task's business: `probe` decides it.

use super::peers::{Outbound, to_wire};
use super::shim::{Shim, Verdict};
use crate::consensus::PeerId;
use devnet_proto::v1::{Batch, Envelope, p2p_client::P2pClient};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Channel;

const MAX_BATCH: usize = 256;
const MAX_BATCH_BYTES: usize = 1 << 20;
const MAX_DELAYED: usize = 1024;
/// Batches waiting for the stream (a paused peer reads nothing).
const STREAM_QUEUE: usize = 256;
const RECONNECT: Duration = Duration::from_millis(100);

pub(super) struct Link {
    pub me: PeerId,
    pub peer: PeerId,
    pub shim: Arc<Shim>,
    pub dropped: Arc<AtomicU64>,
    pub client: P2pClient<Channel>,
}

/// An open Gossip stream: where batches go, and whether it still runs.
struct Open {
    tx: mpsc::Sender<Batch>,
    alive: Arc<AtomicBool>,
}

impl Link {
    pub(super) async fn run(self, mut rx: mpsc::Receiver<Vec<Outbound>>) {
        let mut stream: Option<Open> = None;
        let mut retry_at = Instant::now();
        let mut delayed: BTreeMap<(Instant, u64), Envelope> = BTreeMap::new();
        let mut seq = 0u64;
        loop {
            self.shim.freeze.thawed().await;
            let due = delayed.first_key_value().map(|((t, _), _)| *t);
            let mut ready = Vec::new();
            tokio::select! {
                got = rx.recv() => {
                    let Some(first) = got else { return };
                    self.admit(first, &mut ready, &mut delayed, &mut seq);
                    while ready.len() < MAX_BATCH
                        && let Ok(more) = rx.try_recv()
                    {
                        self.admit(more, &mut ready, &mut delayed, &mut seq);
                    }
                }
                // Frozen while waiting: what is delayed stays until the thaw.
                _ = self.shim.freeze.frozen() => continue,
                _ = tokio::time::sleep_until(due.unwrap_or_else(Instant::now)), if due.is_some() => {
                    let now = Instant::now();
                    while let Some(e) = delayed.first_entry()
                        && e.key().0 <= now
                    {
                        ready.push(e.remove());
                    }
                }
            }
            for batch in chunks(ready) {
                self.push(&mut stream, &mut retry_at, batch);
            }
        }
    }

    /// The shim's verdict on each message: leave now, wait, or drop.
    fn admit(
        &self,
        items: Vec<Outbound>,
        ready: &mut Vec<Envelope>,
        delayed: &mut BTreeMap<(Instant, u64), Envelope>,
        seq: &mut u64,
    ) {
        for (kind, bytes) in items {
            let env = || Envelope { from: self.me.0, kind: to_wire(kind) as i32, payload: bytes.clone() };
            match self.shim.outbound(self.me, self.peer, Some(kind)) {
                Verdict::Deliver => ready.push(env()),
                Verdict::DeliverAfter(d) if delayed.len() < MAX_DELAYED => {
                    *seq += 1;
                    delayed.insert((Instant::now() + d, *seq), env());
                }
                Verdict::DeliverAfter(_) | Verdict::Drop => {
                    self.dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    fn push(&self, stream: &mut Option<Open>, retry_at: &mut Instant, envelopes: Vec<Envelope>) {
        let n = envelopes.len() as u64;
        if stream.as_ref().is_none_or(|s| !s.alive.load(Ordering::Relaxed)) {
            let now = Instant::now();
            if now < *retry_at {
                self.dropped.fetch_add(n, Ordering::Relaxed);
                return;
            }
            *retry_at = now + RECONNECT;
            *stream = Some(self.open());
        }
        let Some(open) = stream else { return };
        if open.tx.try_send(Batch { envelopes }).is_err() {
            self.dropped.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Starts a Gossip call; it runs until the server or the connection ends it.
    fn open(&self) -> Open {
        let (tx, rx) = mpsc::channel(STREAM_QUEUE);
        let alive = Arc::new(AtomicBool::new(true));
        let flag = alive.clone();
        let mut client = self.client.clone();
        tokio::spawn(async move {
            if let Ok(response) = client.gossip(ReceiverStream::new(rx)).await {
                let mut acks = response.into_inner();
                while let Ok(Some(_)) = acks.message().await {}
            }
            flag.store(false, Ordering::Relaxed);
        });
        Open { tx, alive }
    }
}

/// Whether the messages fit one batch as they are (the common wake-up).
fn fits_one_batch(envelopes: &[Envelope]) -> bool {
    !envelopes.is_empty()
        && envelopes.len() <= MAX_BATCH
        && envelopes.iter().map(|e| e.payload.len()).sum::<usize>() <= MAX_BATCH_BYTES
}

/// Splits messages into batches within the count and byte bounds (a single
/// message larger than the byte bound goes alone).
fn chunks(envelopes: Vec<Envelope>) -> Vec<Vec<Envelope>> {
    if fits_one_batch(&envelopes) {
        return vec![envelopes];
    }
    let mut out: Vec<Vec<Envelope>> = Vec::new();
    let mut bytes = 0;
    for e in envelopes {
        let size = e.payload.len();
        match out.last_mut() {
            Some(last) if last.len() < MAX_BATCH && bytes + size <= MAX_BATCH_BYTES => {
                bytes += size;
                last.push(e);
            }
            _ => {
                bytes = size;
                out.push(vec![e]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(size: usize) -> Envelope {
        Envelope { from: 0, kind: 1, payload: vec![0; size].into() }
    }

    #[test]
    fn batches_keep_order_and_respect_both_bounds() {
        let many: Vec<Envelope> = (0..MAX_BATCH + 3).map(|i| Envelope { from: i as u32, ..env(1) }).collect();
        let out = chunks(many);
        assert_eq!(out.iter().map(Vec::len).collect::<Vec<_>>(), vec![MAX_BATCH, 3]);
        let order: Vec<u32> = out.iter().flatten().map(|e| e.from).collect();
        assert_eq!(order, (0..MAX_BATCH as u32 + 3).collect::<Vec<_>>());
        let big = chunks(vec![env(10), env(MAX_BATCH_BYTES), env(10), env(10)]);
        assert_eq!(big.iter().map(Vec::len).collect::<Vec<_>>(), vec![1, 1, 2]);
        assert!(chunks(vec![]).is_empty());
        // The shortcut inside `chunks` takes only wake-ups the general path would leave whole.
        for case in [vec![env(1)], vec![env(10); MAX_BATCH + 1], vec![env(MAX_BATCH_BYTES), env(1)], vec![]] {
            assert_eq!(fits_one_batch(&case), chunks(case.clone()).len() == 1);
        }
    }
}
