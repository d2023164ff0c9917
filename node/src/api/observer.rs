//! The Observer service: `Status` asks the runtime for a snapshot (built
//! when asked, so it is never stale and costs nothing between calls);
//! `Watch` asks the runtime for a subscription so replay and live events join
//! without a gap. A slow watcher lags: it skips events (visible as a jump in
//! `seq`) rather than slowing the node. Live events leave in bursts
//! (`Bursts`): the first event of a burst waits up to `COALESCE` for the
//! ones that follow it, so a node committing hundreds of heights a second
//! sends its watcher a frame per burst, not per event.

use devnet_proto::v1 as pb;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::time::Sleep;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status};

/// The longest a live event waits for others to share its frame.
const COALESCE: Duration = Duration::from_millis(10);
/// Events released at once at most.
const MAX_BURST: usize = 256;

pub type EventStream = Pin<Box<dyn Stream<Item = Result<pb::Event, Status>> + Send>>;

/// A request for a Watch subscription, answered by the runtime.
pub struct Subscribe {
    pub replay: bool,
    /// Keep transfer ids in `TxsIncluded` / `TxsFinal` (else only counts).
    pub tx_ids: bool,
    pub reply: oneshot::Sender<(Vec<pb::Event>, broadcast::Receiver<pb::Event>)>,
}

/// A request for a status snapshot, answered by the runtime.
pub type StatusRequest = oneshot::Sender<pb::NodeStatus>;

pub struct ObserverService {
    /// The engine's description (`Describe`), constant for the node.
    pub description: pb::Description,
    pub status: mpsc::Sender<StatusRequest>,
    pub subscribe: mpsc::Sender<Subscribe>,
}

#[tonic::async_trait]
impl pb::observer_server::Observer for ObserverService {
    async fn status(&self, _: Request<pb::StatusRequest>) -> Result<Response<pb::NodeStatus>, Status> {
        let (reply, rx) = oneshot::channel();
        let gone = || Status::unavailable("node shutting down");
        self.status.send(reply).await.map_err(|_| gone())?;
        Ok(Response::new(rx.await.map_err(|_| gone())?))
    }

    async fn describe(&self, _: Request<pb::DescribeRequest>) -> Result<Response<pb::Description>, Status> {
        Ok(Response::new(self.description.clone()))
    }

    type WatchStream = EventStream;

    async fn watch(&self, req: Request<pb::WatchRequest>) -> Result<Response<Self::WatchStream>, Status> {
        let (reply, rx) = oneshot::channel();
        let req = req.into_inner();
        let (replay_wanted, tx_ids) = (req.replay, req.tx_ids);
        let sub = Subscribe { replay: replay_wanted, tx_ids, reply };
        let gone = || Status::unavailable("node shutting down");
        self.subscribe.send(sub).await.map_err(|_| gone())?;
        let (replay, live) = rx.await.map_err(|_| gone())?;
        let live = Bursts { live: BroadcastStream::new(live), held: VecDeque::new(), wait: None, release: false };
        let live = live.map(move |e| e.map(|e| if tx_ids { e } else { without_tx_ids(e) }));
        let stream = tokio_stream::iter(replay.into_iter().map(Ok)).chain(live);
        Ok(Response::new(Box::pin(stream)))
    }
}

/// The event with any transfer ids dropped (their count stays).
fn without_tx_ids(mut e: pb::Event) -> pb::Event {
    match &mut e.kind {
        Some(pb::event::Kind::TxsIncluded(t)) => t.ids.clear(),
        Some(pb::event::Kind::TxsFinal(t)) => t.ids.clear(),
        _ => {}
    }
    e
}

/// Live events, released in bursts of up to `MAX_BURST`, each at most
/// `COALESCE` after its first event arrived. Lagged gaps are skipped.
struct Bursts {
    live: BroadcastStream<pb::Event>,
    held: VecDeque<pb::Event>,
    wait: Option<Pin<Box<Sleep>>>,
    /// Handing out the held burst; `live` is not read meanwhile.
    release: bool,
}

impl Stream for Bursts {
    type Item = Result<pb::Event, Status>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.release {
                if let Some(e) = this.held.pop_front() {
                    return Poll::Ready(Some(Ok(e)));
                }
                this.release = false;
            }
            let mut ended = false;
            while this.held.len() < MAX_BURST {
                match Pin::new(&mut this.live).poll_next(cx) {
                    Poll::Ready(Some(Ok(e))) => this.held.push_back(e),
                    Poll::Ready(Some(Err(_lagged))) => {}
                    Poll::Ready(None) => {
                        ended = true;
                        break;
                    }
                    Poll::Pending => break,
                }
            }
            if this.held.is_empty() {
                return if ended { Poll::Ready(None) } else { Poll::Pending };
            }
            let full = ended || this.held.len() >= MAX_BURST;
            let wait = this.wait.get_or_insert_with(|| Box::pin(tokio::time::sleep(COALESCE)));
            if full || wait.as_mut().poll(cx).is_ready() {
                this.wait = None;
                this.release = true;
                continue;
            }
            return Poll::Pending;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64) -> pb::Event {
        pb::Event { seq, ..Default::default() }
    }

    #[tokio::test(start_paused = true)]
    async fn events_leave_in_order_in_bursts_at_most_coalesce_late() {
        let (tx, rx) = broadcast::channel(1024);
        let mut s = Bursts { live: BroadcastStream::new(rx), held: VecDeque::new(), wait: None, release: false };
        let start = tokio::time::Instant::now();
        for i in 0..3 {
            tx.send(event(i)).unwrap();
        }
        let first = s.next().await.unwrap().unwrap();
        assert_eq!(first.seq, 0);
        assert_eq!(start.elapsed(), COALESCE, "the burst waited its full window");
        assert_eq!(s.next().await.unwrap().unwrap().seq, 1);
        assert_eq!(s.next().await.unwrap().unwrap().seq, 2);
        for i in 3..3 + MAX_BURST as u64 {
            tx.send(event(i)).unwrap();
        }
        let t = tokio::time::Instant::now();
        assert_eq!(s.next().await.unwrap().unwrap().seq, 3);
        assert_eq!(t.elapsed(), Duration::ZERO, "a full burst leaves at once");
        drop(tx);
        let rest: Vec<u64> = s.map(|e| e.unwrap().seq).collect().await;
        assert_eq!(rest, (4..3 + MAX_BURST as u64).collect::<Vec<_>>());
    }
}
