//! The node's own Control calls that stand in for what Kubernetes cannot
//! do to a process: freeze it (pause) and end it at once (crash). Both go
//! to the node's gRPC address as the orchestrator reaches it (its
//! port-forward), with the cluster token.

use crate::control::bearer;
use anyhow::Context;
use devnet_proto::v1 as pb;
use pb::control_client::ControlClient;
use std::net::SocketAddr;
use std::time::Duration;
use tonic::transport::Endpoint;

/// A port-forward opens a stream through the API server first: more than a loopback call.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

async fn client(addr: SocketAddr, token: &str) -> anyhow::Result<ControlClient<InterceptedChannel>> {
    let channel = Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(CALL_TIMEOUT)
        .timeout(CALL_TIMEOUT)
        .tcp_nodelay(true)
        .connect()
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    Ok(ControlClient::with_interceptor(channel, bearer(token)))
}

type InterceptedChannel =
    tonic::service::interceptor::InterceptedService<tonic::transport::Channel, crate::control::AuthInterceptor>;

/// Control.SetFrozen: the node's reply (`frozen`, `thawed`, ...).
pub async fn set_frozen(addr: SocketAddr, token: &str, frozen: bool) -> anyhow::Result<String> {
    let mut c = client(addr, token).await?;
    let r = c.set_frozen(pb::SetFrozenRequest { frozen }).await.map_err(|s| anyhow::anyhow!("{}", s.message()))?;
    Ok(r.into_inner().message)
}

/// Control.Crash: the node's reply, sent just before it exits.
pub async fn crash(addr: SocketAddr, token: &str) -> anyhow::Result<String> {
    let mut c = client(addr, token).await?;
    let r = c.crash(pb::CrashRequest {}).await.map_err(|s| anyhow::anyhow!("{}", s.message()))?;
    Ok(r.into_inner().message)
}
