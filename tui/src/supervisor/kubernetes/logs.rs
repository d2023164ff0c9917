//! Each run of a node's container, its output appended to `logs/nN.log`
//! as the other backends do.
//!
//! The pod watcher starts one follower per run (pod uid and restart count)
//! once its container has started; the API server's log stream for a
//! running container starts at that run's first line and ends with it, so
//! nothing is missed and nothing is written twice across restarts.

use super::manifests::CONTAINER;
use futures::AsyncReadExt;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::LogParams;
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;

/// Appends `pod`'s container output to `log` until the run ends.
pub async fn follow(pods: Api<Pod>, pod: String, log: PathBuf) {
    let params = LogParams { container: Some(CONTAINER.into()), follow: true, ..Default::default() };
    let Ok(stream) = pods.log_stream(&pod, &params).await else { return };
    let Ok(mut file) = tokio::fs::OpenOptions::new().create(true).append(true).open(&log).await else { return };
    let mut stream = std::pin::pin!(stream);
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 || file.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = file.flush().await;
}
