//! The orchestrator's own control endpoint: `devnet status` and
//! `devnet inject` from another terminal reach the running `devnet` here.
//!
//! It listens on 127.0.0.1 (a free port), writes its address to
//! `<cluster>/control.addr`, and needs the cluster token (`<cluster>/token`,
//! mode 0600) as `authorization: Bearer <token>`. Requests are handed to the
//! loop that owns the `Devnet`, so faults from here, from keys and from
//! scenarios go through one executor. Only the devnet holding the cluster's
//! lock writes `control.addr`, and it removes the file only while it still
//! names its own endpoint; a client checks the lock before trusting the file.

use crate::cluster_lock::{self, Probe};
use anyhow::Context;
use devnet_proto::v1 as pb;
use pb::orchestrator_client::OrchestratorClient;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint, Server};
use tonic::{Request, Response, Status};

pub enum ControlReq {
    Status(oneshot::Sender<String>),
    Inject(Vec<String>, oneshot::Sender<Result<String, String>>),
}

struct Service {
    token: String,
    tx: mpsc::Sender<ControlReq>,
}

impl Service {
    fn authorize<T>(&self, req: &Request<T>) -> Result<(), Status> {
        let given = req.metadata().get("authorization").and_then(|v| v.to_str().ok());
        match given.and_then(|v| v.strip_prefix("Bearer ")) {
            Some(t) if t == self.token => Ok(()),
            _ => Err(Status::unauthenticated("missing or wrong cluster token")),
        }
    }
}

#[tonic::async_trait]
impl pb::orchestrator_server::Orchestrator for Service {
    async fn status(&self, req: Request<pb::ClusterStatusRequest>) -> Result<Response<pb::ClusterStatusReply>, Status> {
        self.authorize(&req)?;
        let (tx, rx) = oneshot::channel();
        let gone = || Status::unavailable("devnet is shutting down");
        self.tx.send(ControlReq::Status(tx)).await.map_err(|_| gone())?;
        Ok(Response::new(pb::ClusterStatusReply { json: rx.await.map_err(|_| gone())? }))
    }

    async fn inject(&self, req: Request<pb::InjectRequest>) -> Result<Response<pb::InjectReply>, Status> {
        self.authorize(&req)?;
        let (tx, rx) = oneshot::channel();
        let gone = || Status::unavailable("devnet is shutting down");
        self.tx.send(ControlReq::Inject(req.into_inner().words, tx)).await.map_err(|_| gone())?;
        match rx.await.map_err(|_| gone())? {
            Ok(message) => Ok(Response::new(pb::InjectReply { message })),
            Err(e) => Err(Status::invalid_argument(e)),
        }
    }
}

/// Serves the endpoint; returns its address and the server task.
pub async fn serve(token: String, tx: mpsc::Sender<ControlReq>) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding the control endpoint")?;
    let addr = listener.local_addr()?;
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    let svc =
        pb::orchestrator_server::OrchestratorServer::new(Service { token, tx }).max_decoding_message_size(1 << 16);
    let task = tokio::spawn(async move {
        let _ = Server::builder().timeout(Duration::from_secs(30)).add_service(svc).serve_with_incoming(incoming).await;
    });
    Ok((addr, task))
}

pub type AuthInterceptor = Box<dyn FnMut(Request<()>) -> Result<Request<()>, Status> + Send>;

/// An interceptor adding `authorization: Bearer <token>` to every call.
pub fn bearer(token: &str) -> AuthInterceptor {
    let value: tonic::metadata::MetadataValue<_> =
        format!("Bearer {token}").parse().unwrap_or_else(|_| tonic::metadata::MetadataValue::from_static(""));
    Box::new(move |mut req: Request<()>| {
        req.metadata_mut().insert("authorization", value.clone());
        Ok(req)
    })
}

/// A client for the devnet running in `cluster_dir`. A `control.addr` whose
/// writer no longer holds the directory's lock is stale, and said to be.
pub async fn connect(
    cluster_dir: &Path,
) -> anyhow::Result<OrchestratorClient<InterceptedService<Channel, AuthInterceptor>>> {
    let addr_file = cluster_dir.join("control.addr");
    let addr = std::fs::read_to_string(&addr_file).with_context(|| {
        format!(
            "no running devnet found: cannot read {} (is `devnet up` running? `devnet ls` lists the clusters)",
            addr_file.display()
        )
    })?;
    if let Probe::Stopped { last } = cluster_lock::probe(cluster_dir).unwrap_or(Probe::Running { owner: None }) {
        let from = last.map_or_else(|| "from an older devnet".to_string(), |o| format!("from pid {}", o.pid));
        anyhow::bail!("the devnet in {} is not running (stale control.addr {from})", cluster_dir.display());
    }
    let token_file = cluster_dir.join("token");
    let token = std::fs::read_to_string(&token_file).with_context(|| format!("reading {}", token_file.display()))?;
    let channel = Endpoint::from_shared(format!("http://{}", addr.trim()))?
        .connect_timeout(Duration::from_secs(1))
        .timeout(Duration::from_secs(30))
        .connect()
        .await
        .with_context(|| format!("no running devnet answers at {} (from {})", addr.trim(), addr_file.display()))?;
    Ok(OrchestratorClient::with_interceptor(channel, bearer(token.trim())))
}
