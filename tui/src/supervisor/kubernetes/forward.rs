//! How `devnet`, outside the cluster, reaches each node: a loopback
//! listener per node and port, each connection carried to the node's pod
//! through the API server's port-forward (what `kubectl port-forward`
//! does, through kube's client, not the CLI).
//!
//! Why port-forward: it needs nothing but the kubeconfig that already
//! drives the backend, works wherever the API server is reachable (a laptop
//! outside a cloud cluster included) and exposes nothing beyond the
//! cluster; a NodePort would need the nodes' addresses routable from here
//! and would open every node's gRPC on every cluster node. The cost is a
//! hop through the API server, which the dashboard's few long-lived streams
//! and the fault calls do not notice.
//!
//! Each accepted connection opens its own forward to the pod by name
//! (`n0-0`), so a node restarted in a new pod of the same name is reached
//! again by the next connection; a connection made while the node has no
//! pod is closed at once, and the cluster module retries as it does for a
//! stopped local node. Accepted sockets get TCP_NODELAY.

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// A listening forward; dropping it closes the listener and every connection.
pub struct Forward {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Forward {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Listens on a free loopback port and forwards each connection to `port` of `pod`.
pub async fn open(pods: Api<Pod>, pod: String, port: u16) -> std::io::Result<Forward> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        // Owned here: aborting the accept loop drops every connection with it.
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((socket, _)) = accepted else { continue };
                    let _ = socket.set_nodelay(true);
                    connections.spawn(carry(pods.clone(), pod.clone(), port, socket));
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    });
    Ok(Forward { addr, task })
}

/// One connection, both ways, until either side closes it.
async fn carry(pods: Api<Pod>, pod: String, port: u16, mut socket: tokio::net::TcpStream) {
    let Ok(mut forwarder) = pods.portforward(&pod, &[port]).await else { return };
    let Some(mut upstream) = forwarder.take_stream(port) else { return };
    let _ = tokio::io::copy_bidirectional(&mut socket, &mut upstream).await;
    drop(upstream);
    let _ = forwarder.join().await;
}
