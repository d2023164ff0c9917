//! One task per node: dial its Observer, follow `Watch` (with replay, so a
//! reconnect catches up), and poll `Status` every `STATUS_EVERY`. Everything
//! goes to one bounded channel; when the consumer is slow, watchers wait
//! (backpressure) rather than buffer without bound. A lost connection is
//! retried every `RETRY` for as long as the task lives.

use super::view::ClusterEvent;
use devnet_node::config::NodeEntry;
use devnet_proto::v1 as pb;
use devnet_proto::v1::observer_client::ObserverClient;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tonic::transport::Endpoint;

const STATUS_EVERY: Duration = Duration::from_millis(500);
const RETRY: Duration = Duration::from_millis(200);

pub fn spawn_watchers(nodes: &[NodeEntry], tx: mpsc::Sender<ClusterEvent>) -> Vec<JoinHandle<()>> {
    nodes.iter().enumerate().map(|(i, n)| spawn_watcher(i, n, tx.clone())).collect()
}

pub fn spawn_watcher(node: usize, entry: &NodeEntry, tx: mpsc::Sender<ClusterEvent>) -> JoinHandle<()> {
    tokio::spawn(watch_node(node, entry.addr.to_string(), tx))
}

async fn watch_node(node: usize, addr: String, tx: mpsc::Sender<ClusterEvent>) {
    let endpoint = match Endpoint::from_shared(format!("http://{addr}")) {
        Ok(e) => e.connect_timeout(Duration::from_millis(500)).tcp_nodelay(true),
        Err(_) => return,
    };
    loop {
        if let Ok(channel) = endpoint.connect().await {
            let mut client = ObserverClient::new(channel);
            if let Ok(resp) = client.watch(pb::WatchRequest { replay: true, tx_ids: false }).await {
                if tx.send(ClusterEvent::Connected { node }).await.is_err() {
                    return;
                }
                let mut stream = resp.into_inner();
                let mut tick = tokio::time::interval(STATUS_EVERY);
                loop {
                    tokio::select! {
                        msg = stream.message() => match msg {
                            Ok(Some(event)) => {
                                if tx.send(ClusterEvent::Node { node, event }).await.is_err() {
                                    return;
                                }
                            }
                            _ => break,
                        },
                        _ = tick.tick() => {
                            let call = client.status(pb::StatusRequest {});
                            if let Ok(Ok(s)) = tokio::time::timeout(STATUS_EVERY * 2, call).await {
                                let ev = ClusterEvent::Status { node, status: Box::new(s.into_inner()) };
                                if tx.send(ev).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                }
                if tx.send(ClusterEvent::Disconnected { node }).await.is_err() {
                    return;
                }
            }
        }
        tokio::time::sleep(RETRY).await;
    }
}
