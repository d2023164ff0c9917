//! The orchestrator's own control endpoint: `devnet status`, `devnet inject`
//! and `devnet attach` reach the running `devnet` here, from another
//! terminal or another machine.
//!
//! Rules:
//! - It listens where `devnet up --control ADDR` (or `control = ...` in
//!   devnet.toml) says, 127.0.0.1 on a free port by default, and writes the
//!   address to `<cluster>/control.addr`. Only the devnet holding the
//!   cluster's lock writes that file, and it removes it only while it still
//!   names its own endpoint; a client checks the lock before trusting it.
//! - Always TLS (`tls`): the certificate is the cluster's own and clients
//!   pin it (`control.pem`). Every call needs the cluster token
//!   (`<cluster>/token`, mode 0600) as `authorization: Bearer <token>`; a
//!   wrong one is refused before anything is read or done.
//! - Requests are handed to the loop that owns the `Devnet`, so faults from
//!   here, from keys and from scenarios go through one executor, and a
//!   watch starts between two lines of the record, so it misses none and
//!   gets none twice.
//! - A watcher that falls `WATCH_QUEUE` lines behind is dropped, with a
//!   message saying so; a slow client never slows the devnet.

pub mod tls;

use crate::cluster_lock::{self, Probe};
use anyhow::Context;
use devnet_proto::v1 as pb;
use pb::orchestrator_client::OrchestratorClient;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_stream::{Stream, StreamExt as _};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint, Server};
use tonic::{Request, Response, Status};

/// Lines a watcher may fall behind before it is dropped.
pub const WATCH_QUEUE: usize = 65_536;
/// The most log lines one `NodeLog` call returns.
const MAX_LOG_LINES: u32 = 20_000;

/// What a new watcher gets: where the view starts, the record so far, and the lines to come.
pub struct WatchStart {
    pub start: pb::RunStart,
    pub history: Vec<String>,
    pub live: mpsc::Receiver<String>,
}

pub enum ControlReq {
    Status(oneshot::Sender<String>),
    Inject(Vec<String>, oneshot::Sender<Result<String, String>>),
    Watch(oneshot::Sender<Result<WatchStart, String>>),
}

struct Service {
    token: String,
    tx: mpsc::Sender<ControlReq>,
    logs: PathBuf,
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

fn gone() -> Status {
    Status::unavailable("devnet is shutting down")
}

type LineStream = Pin<Box<dyn Stream<Item = Result<pb::ClusterLine, Status>> + Send>>;

#[tonic::async_trait]
impl pb::orchestrator_server::Orchestrator for Service {
    async fn status(&self, req: Request<pb::ClusterStatusRequest>) -> Result<Response<pb::ClusterStatusReply>, Status> {
        self.authorize(&req)?;
        let (tx, rx) = oneshot::channel();
        self.tx.send(ControlReq::Status(tx)).await.map_err(|_| gone())?;
        Ok(Response::new(pb::ClusterStatusReply { json: rx.await.map_err(|_| gone())? }))
    }

    async fn inject(&self, req: Request<pb::InjectRequest>) -> Result<Response<pb::InjectReply>, Status> {
        self.authorize(&req)?;
        let (tx, rx) = oneshot::channel();
        self.tx.send(ControlReq::Inject(req.into_inner().words, tx)).await.map_err(|_| gone())?;
        match rx.await.map_err(|_| gone())? {
            Ok(message) => Ok(Response::new(pb::InjectReply { message })),
            Err(e) => Err(Status::invalid_argument(e)),
        }
    }

    type WatchStream = LineStream;

    async fn watch(&self, req: Request<pb::WatchClusterRequest>) -> Result<Response<LineStream>, Status> {
        self.authorize(&req)?;
        let (tx, rx) = oneshot::channel();
        self.tx.send(ControlReq::Watch(tx)).await.map_err(|_| gone())?;
        let w = rx.await.map_err(|_| gone())?.map_err(Status::failed_precondition)?;
        let line = |l: String| Ok(pb::ClusterLine { kind: Some(pb::cluster_line::Kind::Line(l)) });
        let first = pb::ClusterLine { kind: Some(pb::cluster_line::Kind::Start(w.start)) };
        let caught_up = pb::ClusterLine { kind: Some(pb::cluster_line::Kind::CaughtUp(true)) };
        let history = std::iter::once(Ok(first)).chain(w.history.into_iter().map(line)).chain([Ok(caught_up)]);
        let history = tokio_stream::iter(history);
        let live = tokio_stream::wrappers::ReceiverStream::new(w.live).map(line);
        Ok(Response::new(Box::pin(history.chain(live))))
    }

    async fn node_log(&self, req: Request<pb::NodeLogRequest>) -> Result<Response<pb::NodeLogReply>, Status> {
        self.authorize(&req)?;
        let r = req.into_inner();
        // An id names a file under logs/: letters, digits and '-' only, so no path leaves it.
        if r.node.is_empty() || !r.node.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Status::invalid_argument(format!("{:?} is not a node id (n0, n1-twin, ...)", r.node)));
        }
        let path = self.logs.join(format!("{}.log", r.node));
        if !path.is_file() {
            return Err(Status::not_found(format!("no log for node {}", r.node)));
        }
        let max_lines = r.max_lines.clamp(1, MAX_LOG_LINES) as usize;
        // Up to 2 MiB of file: read off the async workers.
        let lines = tokio::task::spawn_blocking(move || crate::app::tail_file(&path, 2 << 20, max_lines))
            .await
            .map_err(|_| Status::internal("reading the log failed"))?;
        Ok(Response::new(pb::NodeLogReply { lines }))
    }
}

/// Serves the endpoint on `listen` (port 0: a free one) with the cluster's
/// TLS certificate; returns its address and the server task.
pub async fn serve(
    listen: SocketAddr,
    cluster: &Path,
    token: String,
    tx: mpsc::Sender<ControlReq>,
) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    let tls = tls::server_config(cluster)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding the control endpoint to {listen}"))?;
    let addr = listener.local_addr()?;
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    let svc = pb::orchestrator_server::OrchestratorServer::new(Service { token, tx, logs: cluster.join("logs") })
        .max_decoding_message_size(1 << 16);
    let server = Server::builder().tls_config(tls).context("the control endpoint's TLS")?;
    let task = tokio::spawn(async move {
        let _ = server.timeout(Duration::from_secs(30)).add_service(svc).serve_with_incoming(incoming).await;
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

pub type Client = OrchestratorClient<InterceptedService<Channel, AuthInterceptor>>;

/// A client for the devnet running in `cluster_dir`. A `control.addr` whose
/// writer no longer holds the directory's lock is stale, and said to be.
pub async fn connect(cluster_dir: &Path) -> anyhow::Result<Client> {
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
    connect_to(addr.trim(), token.trim(), &cluster_dir.join(tls::CA_FILE))
        .await
        .with_context(|| format!("(the address is from {})", addr_file.display()))
}

/// A client for the devnet elsewhere whose control endpoint is at `addr`,
/// with the token in `token_file` and the certificate `cert`, else the
/// `control.pem` beside the token file (what `attach`, `status` and `inject`
/// take on their command lines).
pub async fn connect_remote(addr: &str, token_file: &Path, cert: Option<&Path>) -> anyhow::Result<Client> {
    let token =
        std::fs::read_to_string(token_file).with_context(|| format!("reading the token {}", token_file.display()))?;
    let beside = || token_file.parent().unwrap_or(Path::new(".")).join(tls::CA_FILE);
    let cert = cert.map_or_else(beside, Path::to_path_buf);
    connect_to(addr, token.trim(), &cert).await
}

/// A client for the devnet whose control endpoint is at `addr` (`host:port`),
/// trusting only the certificate in `ca_file` and sending `token`.
pub async fn connect_to(addr: &str, token: &str, ca_file: &Path) -> anyhow::Result<Client> {
    let tls = tls::client_config(ca_file)?;
    let channel = Endpoint::from_shared(format!("https://{addr}"))
        .with_context(|| format!("{addr:?} is not an address (expected HOST:PORT)"))?
        .tls_config(tls)?
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(30))
        .connect()
        .await
        .map_err(|e| {
            // tonic's error hides the cause (a refused certificate, a refused connection) in its sources.
            let mut why = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                why = format!("{why}: {s}");
                source = s.source();
            }
            anyhow::anyhow!("no devnet answers at {addr} with the certificate {} ({why})", ca_file.display())
        })?;
    Ok(OrchestratorClient::with_interceptor(channel, bearer(token)))
}
