//! Backends: the one owner of the nodes' processes, wherever they run.
//!
//! `Devnet`, the faults, scenarios and the dashboard hold a `Box<dyn Backend>`
//! and never ask which one runs. A backend starts, stops (with a grace),
//! kills, pauses and resumes nodes, adds one (a twin), says whether a node is
//! alive and where a new node will serve, and appends each node's output to
//! `logs/nN.log` in the cluster directory. Every backend reports what its
//! nodes do as `ProcEvent`s on the channel it was given, the same way:
//! `Running` when a start took, `Paused` when a pause took, `Running` again
//! on resume, and when the process ends `Stopped` if it was asked to stop,
//! else `Crashed` with how it ended (`killed by signal 9` for a crash).
//!
//! - `local` (`Supervisor`): child processes of `devnet` on loopback ports;
//!   crash is SIGKILL, pause SIGSTOP, resume SIGCONT, stop SIGTERM.
//! - `docker` (`DockerBackend`): one container per node on a bridge network
//!   of the cluster's own, each with its own IP; crash is `docker kill`
//!   (SIGKILL), pause `docker pause` (the cgroup freezer), stop `docker stop`.
//! - `kubernetes` (`KubeBackend`): one StatefulSet of one pod per node in a
//!   namespace of the cluster's own, each node at its Service's IP; crash is
//!   the node's Control.Crash then a pod delete, pause the node's own freeze
//!   (Control.SetFrozen), stop a scale to 0 (see `kubernetes` for why).
//!
//! Network faults are not here: they live in every node's fault shim and are
//! set over gRPC by address (`faults::apply`), so they work on any backend.

pub mod docker;
pub mod kubernetes;
mod local;

pub use docker::DockerBackend;
pub use kubernetes::KubeBackend;
pub use local::Supervisor;

use anyhow::{Context, bail};
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

static CALLER_HANDLES_SIGNALS: AtomicBool = AtomicBool::new(false);

/// Says that this process stops its devnet itself on SIGINT/SIGTERM
/// (`headless`), so a backend's own handler (docker, kubernetes: they
/// remove what they made and exit) leaves the signal to it.
pub fn caller_handles_signals() {
    CALLER_HANDLES_SIGNALS.store(true, Ordering::SeqCst);
}

/// While a backend lives, SIGINT, SIGTERM and SIGHUP run `cleanup` (remove
/// what it made) and exit as the signal would have, unless the caller
/// handles them itself (`caller_handles_signals`).
fn exit_on_signals<F, Fut>(cleanup: F) -> tokio::task::JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    use tokio::signal::unix::{SignalKind, signal};
    tokio::spawn(async move {
        let (Ok(mut int), Ok(mut term), Ok(mut hup)) =
            (signal(SignalKind::interrupt()), signal(SignalKind::terminate()), signal(SignalKind::hangup()))
        else {
            return;
        };
        loop {
            let signo = tokio::select! {
                _ = int.recv() => libc::SIGINT,
                _ = term.recv() => libc::SIGTERM,
                _ = hup.recv() => libc::SIGHUP,
            };
            if CALLER_HANDLES_SIGNALS.load(Ordering::SeqCst) {
                continue;
            }
            cleanup().await;
            std::process::exit(128 + signo);
        }
    })
}

/// A future a backend returns (object-safe async methods).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Which backend runs the nodes (`devnet up --backend`, `backend = ...` in devnet.toml).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BackendKind {
    #[default]
    Local,
    Docker,
    Kubernetes,
}

impl BackendKind {
    pub const NAMES: [&'static str; 3] = ["local", "docker", "kubernetes"];

    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Local => "local",
            BackendKind::Docker => "docker",
            BackendKind::Kubernetes => "kubernetes",
        }
    }

    pub fn parse(s: &str) -> Option<BackendKind> {
        match s {
            "local" => Some(BackendKind::Local),
            "docker" => Some(BackendKind::Docker),
            "kubernetes" => Some(BackendKind::Kubernetes),
            _ => None,
        }
    }
}

impl std::str::FromStr for BackendKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        BackendKind::parse(s).ok_or_else(|| format!("expected one of {}, found {s:?}", BackendKind::NAMES.join(", ")))
    }
}

/// What each process fault is on a backend, for the event log (`n2 killed (SIGKILL)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verbs {
    pub crash: &'static str,
    pub pause: &'static str,
    pub resume: &'static str,
    pub stop: &'static str,
}

/// Where a node serves: gRPC (p2p, Observer, Control) and Prometheus `/metrics`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeAddrs {
    pub grpc: SocketAddr,
    pub metrics: Option<SocketAddr>,
}

/// The nodes of one devnet, on some backend. Node indices are those of
/// `nodes.json`; `add` appends one.
pub trait Backend: Send + Sync {
    fn kind(&self) -> BackendKind;
    /// How this backend carries out each process fault.
    fn verbs(&self) -> Verbs;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The node's process id on this machine, while it runs (for CPU figures).
    fn pid(&self, node: usize) -> Option<u32>;
    /// True while the node's process exists (running or paused).
    fn is_alive(&self, node: usize) -> bool;
    /// Where a node added now, as index `index`, will serve (`add` then `start` it).
    fn new_node_addrs(&self, index: usize) -> anyhow::Result<NodeAddrs>;
    /// Adds a node (a twin) and returns its index; `start` runs it.
    fn add(&mut self, command: NodeCommand) -> usize;
    /// Starts node `node` (again, on its data directory, if it has exited).
    fn start(&mut self, node: usize) -> BoxFuture<'_, anyhow::Result<()>>;
    fn start_all(&mut self) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async move {
            for i in 0..self.len() {
                self.start(i).await?;
            }
            Ok(())
        })
    }
    /// Kills the node at once (SIGKILL), unannounced: its exit is reported as a crash.
    fn crash(&mut self, node: usize) -> BoxFuture<'_, anyhow::Result<()>>;
    /// Freezes the node with its sockets open, as a hung node is.
    fn pause(&mut self, node: usize) -> BoxFuture<'_, anyhow::Result<()>>;
    fn resume(&mut self, node: usize) -> BoxFuture<'_, anyhow::Result<()>>;
    /// Clean shutdown of one node (SIGTERM; SIGKILL after `grace`).
    fn stop(&mut self, node: usize, grace: Duration) -> BoxFuture<'_, anyhow::Result<()>>;
    /// Stops every node as `stop` does, then releases what the backend made
    /// for the cluster (docker: the containers and the network).
    fn stop_all(&mut self, grace: Duration) -> BoxFuture<'_, ()>;
}

/// What a node process is doing, as the supervisor sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProcState {
    Running,
    Paused,
    /// Exited without being asked to; the text says how.
    Crashed(String),
    /// Stopped on request.
    Stopped,
}

impl ProcState {
    pub fn label(&self) -> &'static str {
        match self {
            ProcState::Running => "running",
            ProcState::Paused => "paused",
            ProcState::Crashed(_) => "crashed",
            ProcState::Stopped => "stopped",
        }
    }
}

#[derive(Clone, Debug)]
pub struct ProcEvent {
    pub node: usize,
    pub state: ProcState,
}

/// How to start one node.
#[derive(Clone, Debug)]
pub struct NodeCommand {
    /// `n0`, `n1-twin`, ...
    pub id: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub log: PathBuf,
    /// Files the node reads (genesis, node list, its key, the token): a
    /// container gets them read-only at the same paths.
    pub reads: Vec<PathBuf>,
    /// Its store directory: a container gets it read-write at the same path.
    pub writes: Vec<PathBuf>,
}

/// Finds the `devnet-node` binary: `$DEVNET_NODE_BIN`, else beside this
/// executable (or one level up, where cargo puts test binaries' siblings).
pub fn node_binary() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("DEVNET_NODE_BIN") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().context("locating the devnet executable")?;
    let dir = exe.parent().context("devnet executable has no directory")?;
    for candidate in [dir.join("devnet-node"), dir.join("..").join("devnet-node")] {
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    bail!(
        "devnet-node binary not found beside {}; build it with `cargo build --workspace` or set DEVNET_NODE_BIN",
        exe.display()
    )
}
