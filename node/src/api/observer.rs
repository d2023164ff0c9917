//! The Observer service: `Status` reads the runtime's latest snapshot;
//! `Watch` asks the runtime for a subscription so replay and live events join
//! without a gap. A slow watcher lags: it skips events (visible as a jump in
//! `seq`) rather than slowing the node.

use devnet_proto::v1 as pb;
use std::pin::Pin;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status};

pub type EventStream = Pin<Box<dyn Stream<Item = Result<pb::Event, Status>> + Send>>;

/// A request for a Watch subscription, answered by the runtime.
pub struct Subscribe {
    pub replay: bool,
    pub reply: oneshot::Sender<(Vec<pb::Event>, broadcast::Receiver<pb::Event>)>,
}

pub struct ObserverService {
    pub status: watch::Receiver<pb::NodeStatus>,
    pub subscribe: mpsc::Sender<Subscribe>,
}

#[tonic::async_trait]
impl pb::observer_server::Observer for ObserverService {
    async fn status(&self, _: Request<pb::StatusRequest>) -> Result<Response<pb::NodeStatus>, Status> {
        Ok(Response::new(self.status.borrow().clone()))
    }

    type WatchStream = EventStream;

    async fn watch(&self, req: Request<pb::WatchRequest>) -> Result<Response<Self::WatchStream>, Status> {
        let (reply, rx) = oneshot::channel();
        let sub = Subscribe { replay: req.into_inner().replay, reply };
        let gone = || Status::unavailable("node shutting down");
        self.subscribe.send(sub).await.map_err(|_| gone())?;
        let (replay, live) = rx.await.map_err(|_| gone())?;
        let live = BroadcastStream::new(live).filter_map(|r| r.ok().map(Ok));
        let stream = tokio_stream::iter(replay.into_iter().map(Ok)).chain(live);
        Ok(Response::new(Box::pin(stream)))
    }
}
