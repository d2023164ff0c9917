//! One task per target node following `Watch{replay: false, tx_ids: true}`
//! into the tracker. The subscription is made before the first send (the
//! call returns once the node has subscribed us), so no inclusion of a load
//! transfer can be missed for want of a stream. A stream that ends or skips
//! events marks its node unreliable, and is not reopened: events missed in
//! between would be gone anyway, and the end-of-run status query covers them.

use super::tracker::Tracker;
use crate::node_client::stream_channel;
use anyhow::Context;
use devnet_node::config::NodeEntry;
use devnet_proto::v1 as pb;
use pb::observer_client::ObserverClient;
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tonic::Streaming;

/// Subscribes to `entry`'s events; the stream is live when this returns.
pub async fn subscribe(entry: &NodeEntry) -> anyhow::Result<Streaming<pb::Event>> {
    let mut client = ObserverClient::new(stream_channel(entry).await?);
    let resp = client.watch(pb::WatchRequest { replay: false, tx_ids: true }).await;
    Ok(resp.with_context(|| format!("watching {} at {}", entry.id, entry.addr))?.into_inner())
}

pub fn follow(node: usize, mut stream: Streaming<pb::Event>, tracker: Arc<Mutex<Tracker>>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut last_seq: Option<u64> = None;
        while let Ok(Some(event)) = stream.message().await {
            let at = Instant::now();
            let gap = last_seq.is_some_and(|s| event.seq != s + 1);
            last_seq = Some(event.seq);
            let mut t = super::lock(&tracker);
            if gap {
                t.unreliable(node);
            }
            match &event.kind {
                Some(pb::event::Kind::TxsIncluded(x)) => t.included(&x.ids, at),
                Some(pb::event::Kind::TxsFinal(x)) => t.finalized(node, &x.ids, at),
                _ => {}
            }
        }
        super::lock(&tracker).unreliable(node);
    })
}
