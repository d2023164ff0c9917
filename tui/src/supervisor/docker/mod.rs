//! The docker backend: every node a container, on a bridge network of the
//! cluster's own, driven through the engine's API (`bollard`, no CLI).
//!
//! - Image: `devnet-node:<version>`, `FROM scratch` with the node binary and
//!   its shared libraries, built here when missing or stale (`image`).
//! - Network: `devnet-<cluster>`, a bridge on a /24 chosen for the cluster
//!   (`net`), so `nodes.json` names each node's IP before any container
//!   starts. Node *i* is `.(10+i)`, every node on the same ports. The
//!   orchestrator on the host reaches the containers' IPs directly through
//!   the bridge (Linux); a Docker engine in a VM (Docker Desktop) would not
//!   route them, and is not supported.
//! - Listening: a node binds the address `nodes.json` gives it, its
//!   container's IP, which exists inside the container's network namespace;
//!   so it listens where it is advertised and no separate listen address is
//!   passed (`devnet-node --listen` exists for a backend that must bind
//!   0.0.0.0 behind a published port).
//! - Files: the node reads the genesis, the node list, its key and the token
//!   bind-mounted read-only, and writes its store, bind-mounted read-write,
//!   each at the same path as on the host, so its arguments are the local
//!   backend's and a restarted container (or a later local run) reuses the
//!   same store. It runs as the owner of the cluster directory.
//! - Output: attached before each start and appended to `logs/nN.log`, so
//!   nothing is missed and nothing is written twice across restarts.
//! - Faults: crash = `docker kill` (SIGKILL), pause = `docker pause` (the
//!   cgroup freezer), resume = unpause, stop = `docker stop` with the grace,
//!   restart = start the same container again.
//! - Exits: a wait on each started container reports `Stopped` or
//!   `Crashed` like the local backend (exit code 137 reads `killed by signal 9`).
//!
//! Nothing outlives the devnet: `stop_all` removes every container and the
//! network. A `Drop` cannot await, so dropping the backend without
//! `stop_all` (a panic, an early return) removes them from a thread of its
//! own with its own runtime, and blocks until that is done. SIGINT, SIGTERM
//! and SIGHUP are caught while the backend lives: unless the caller handles
//! them itself (`headless` calls `supervisor::caller_handles_signals`), the containers
//! and the network are removed and the process exits as the signal would
//! have made it. A `devnet` killed with SIGKILL runs nothing; what it left
//! (labelled with the cluster directory) is removed by the next `up` of
//! that cluster, which says so.

pub mod image;
pub mod neighbours;
pub mod net;

use super::{Backend, BackendKind, BoxFuture, NodeAddrs, NodeCommand, ProcEvent, ProcState, Verbs};
use anyhow::{Context, bail};
use bollard::Docker;
use bollard::models::{
    ContainerCreateBody, EndpointIpamConfig, EndpointSettings, HostConfig, Ipam, IpamConfig, Mount, MountType,
    NetworkCreateRequest, NetworkingConfig,
};
use bollard::query_parameters::{
    AttachContainerOptions, CreateContainerOptions, KillContainerOptions, ListContainersOptions, ListNetworksOptions,
    RemoveContainerOptions, StopContainerOptions, WaitContainerOptions,
};
use net::Subnet;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_stream::StreamExt;

/// Label on the network and the containers: the cluster directory they belong to.
pub const LABEL_DIR: &str = "devnet.dir";
/// Label on the containers: their network's name.
pub const LABEL_NETWORK: &str = "devnet.network";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client of the engine at `$DOCKER_HOST` or the local socket, at an API
/// version both speak (the engine may be older than bollard).
pub async fn connect() -> anyhow::Result<Docker> {
    let host = std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let answer = async {
        let docker = Docker::connect_with_local_defaults()?.negotiate_version().await?;
        docker.ping().await?;
        Ok::<_, bollard::errors::Error>(docker)
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, answer).await {
        Ok(Ok(d)) => Ok(d),
        Ok(Err(e)) => bail!("no Docker engine answers at {host}: {e}"),
        Err(_) => bail!("no Docker engine answers at {host} within {CONNECT_TIMEOUT:?}"),
    }
}

struct Running {
    stopping: Arc<AtomicBool>,
    exited: JoinHandle<()>,
    pid: Option<u32>,
    paused: bool,
}

struct Node {
    command: NodeCommand,
    created: bool,
    running: Option<Running>,
}

pub struct DockerBackend {
    docker: Docker,
    cluster: String,
    root: PathBuf,
    network: String,
    subnet: Subnet,
    image: String,
    /// `uid:gid` of the cluster directory's owner.
    user: String,
    nodes: Vec<Node>,
    events: mpsc::Sender<ProcEvent>,
    /// Set once the containers and the network are gone.
    removed: bool,
    signals: Option<JoinHandle<()>>,
}

/// What `prepare` did besides making the network, for the user.
pub struct Prepared {
    pub backend: DockerBackend,
    pub built: Option<image::Built>,
    /// Containers a killed devnet of this cluster left behind, now removed.
    pub leftovers: usize,
}

impl DockerBackend {
    /// Connects, builds the image if needed, removes what a killed devnet of
    /// this cluster left, picks the subnet and creates the network. Nodes
    /// are then `add`ed with the addresses `new_node_addrs` gives.
    pub async fn prepare(
        cluster: &str,
        root: &Path,
        binary: &Path,
        events: mpsc::Sender<ProcEvent>,
    ) -> anyhow::Result<Prepared> {
        let docker = connect().await?;
        let built = image::ensure(&docker, binary).await?;
        let network = format!("devnet-{cluster}");
        let leftovers = clear_leftovers(&docker, &network, root).await?;
        let mut taken = net::host_routes(&std::fs::read_to_string("/proc/net/route").unwrap_or_default());
        for n in docker.list_networks(None::<ListNetworksOptions>).await.context("listing docker networks")? {
            let configs = n.ipam.and_then(|i| i.config).unwrap_or_default();
            taken.extend(configs.iter().filter_map(|c| net::parse(c.subnet.as_deref()?)));
        }
        let Some(subnet) = net::pick_subnet(cluster, &taken) else {
            bail!("no free /24 left in 10.213.0.0/16 for the docker network {network}");
        };
        let request = NetworkCreateRequest {
            name: network.clone(),
            driver: Some("bridge".into()),
            ipam: Some(Ipam {
                config: Some(vec![IpamConfig {
                    subnet: Some(subnet.0.to_string()),
                    gateway: Some(subnet.gateway().to_string()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            labels: Some(HashMap::from([(LABEL_DIR.to_string(), root.display().to_string())])),
            ..Default::default()
        };
        docker.create_network(request).await.with_context(|| format!("creating the docker network {network}"))?;
        let user = {
            use std::os::unix::fs::MetadataExt;
            let m = std::fs::metadata(root).with_context(|| format!("reading {}", root.display()))?;
            format!("{}:{}", m.uid(), m.gid())
        };
        let mut backend = DockerBackend {
            docker,
            cluster: cluster.to_string(),
            root: root.to_path_buf(),
            network,
            subnet,
            image: image::image_tag(),
            user,
            nodes: vec![],
            events,
            removed: false,
            signals: None,
        };
        backend.signals = Some(backend.catch_signals());
        Ok(Prepared { backend, built, leftovers })
    }

    pub fn network(&self) -> &str {
        &self.network
    }

    pub fn subnet(&self) -> Subnet {
        self.subnet
    }

    fn container(&self, node: usize) -> String {
        format!("devnet-{}-{}", self.cluster, self.nodes[node].command.id)
    }

    fn running(&self, node: usize) -> anyhow::Result<&Running> {
        match self.nodes.get(node).and_then(|n| n.running.as_ref()).filter(|r| !r.exited.is_finished()) {
            Some(r) => Ok(r),
            None => bail!("n{node} is not running"),
        }
    }

    /// How to create node `node`'s container (its store directory made first).
    fn container_body(&self, node: usize) -> anyhow::Result<ContainerCreateBody> {
        let cmd = &self.nodes[node].command;
        let Some(ip) = self.subnet.node_ip(node) else { bail!("no address left in {} for {}", self.subnet.0, cmd.id) };
        let bind = |p: &PathBuf, read_only| Mount {
            target: Some(p.display().to_string()),
            source: Some(p.display().to_string()),
            typ: Some(MountType::BIND),
            read_only: Some(read_only),
            ..Default::default()
        };
        let mut mounts: Vec<Mount> = cmd.reads.iter().map(|p| bind(p, true)).collect();
        for p in &cmd.writes {
            std::fs::create_dir_all(p).with_context(|| format!("creating {}", p.display()))?;
            mounts.push(bind(p, false));
        }
        let endpoint = EndpointSettings {
            ipam_config: Some(EndpointIpamConfig { ipv4_address: Some(ip.to_string()), ..Default::default() }),
            ..Default::default()
        };
        let labels = HashMap::from([
            (LABEL_DIR.to_string(), self.root.display().to_string()),
            (LABEL_NETWORK.to_string(), self.network.clone()),
        ]);
        Ok(ContainerCreateBody {
            image: Some(self.image.clone()),
            cmd: Some(cmd.args.clone()),
            user: Some(self.user.clone()),
            labels: Some(labels),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            env: std::env::var("RUST_LOG").ok().map(|l| vec![format!("RUST_LOG={l}")]),
            host_config: Some(HostConfig {
                mounts: Some(mounts),
                network_mode: Some(self.network.clone()),
                ..Default::default()
            }),
            networking_config: Some(NetworkingConfig {
                endpoints_config: Some(HashMap::from([(self.network.clone(), endpoint)])),
            }),
            ..Default::default()
        })
    }

    /// What starting node `node` needs, owned, so that several start at once.
    fn launch_plan(&self, node: usize) -> anyhow::Result<Launch> {
        if self.is_alive(node) {
            bail!("n{node} is already running");
        }
        let create = if self.nodes[node].created { None } else { Some(self.container_body(node)?) };
        Ok(Launch {
            docker: self.docker.clone(),
            node,
            name: self.container(node),
            log: self.nodes[node].command.log.clone(),
            events: self.events.clone(),
            create,
        })
    }

    /// Keeps what a launch did: the container exists once created, runs once started.
    fn launched(&mut self, node: usize, (created, run): (bool, anyhow::Result<Running>)) -> anyhow::Result<()> {
        self.nodes[node].created |= created;
        self.nodes[node].running = Some(run?);
        Ok(())
    }

    async fn start_node(&mut self, node: usize) -> anyhow::Result<()> {
        let plan = self.launch_plan(node)?;
        let done = launch(plan).await;
        self.launched(node, done)
    }

    /// Every node that is not running, launched at once: the engine sets up
    /// each container's network in a few hundred ms, one after another
    /// would add those up.
    async fn start_every_node(&mut self) -> anyhow::Result<()> {
        let plans: Vec<Launch> = (0..self.nodes.len())
            .filter(|i| !self.is_alive(*i))
            .map(|i| self.launch_plan(i))
            .collect::<Result<_, _>>()?;
        let launches: Vec<_> = plans.into_iter().map(|p| (p.node, tokio::spawn(launch(p)))).collect();
        let mut first_error = None;
        for (node, handle) in launches {
            let done = handle.await.unwrap_or_else(|e| (false, Err(anyhow::anyhow!("starting n{node}: {e}"))));
            if let Err(e) = self.launched(node, done) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    async fn stop_node(&mut self, node: usize, grace: Duration) -> anyhow::Result<()> {
        self.running(node)?;
        let name = self.container(node);
        let Some(r) = self.nodes[node].running.take() else { bail!("n{node} is not running") };
        r.stopping.store(true, Ordering::SeqCst);
        stop_container(&self.docker, &name, r.paused, grace).await;
        let mut exited = r.exited;
        if tokio::time::timeout(grace + Duration::from_secs(5), &mut exited).await.is_err() {
            let _ = self.docker.kill_container(&name, Some(sigkill())).await;
            let _ = exited.await;
        }
        Ok(())
    }

    async fn stop_everything(&mut self, grace: Duration) {
        let mut stops = vec![];
        for n in self.nodes.iter_mut() {
            let Some(r) = n.running.take() else { continue };
            r.stopping.store(true, Ordering::SeqCst);
            let name = format!("devnet-{}-{}", self.cluster, n.command.id);
            let docker = self.docker.clone();
            stops.push(tokio::spawn(async move {
                if !r.exited.is_finished() {
                    stop_container(&docker, &name, r.paused, grace).await;
                }
                let _ = tokio::time::timeout(grace + Duration::from_secs(5), r.exited).await;
            }));
        }
        for s in stops {
            let _ = s.await;
        }
        let names: Vec<String> = (0..self.nodes.len()).map(|i| self.container(i)).collect();
        remove_all(&self.docker, &names, &self.network).await;
        self.removed = true;
        if let Some(s) = self.signals.take() {
            s.abort();
        }
    }

    /// SIGINT, SIGTERM, SIGHUP: remove everything and exit, unless the caller handles them.
    fn catch_signals(&self) -> JoinHandle<()> {
        let (docker, network, root) = (self.docker.clone(), self.network.clone(), self.root.clone());
        super::exit_on_signals(move || {
            let (docker, network, root) = (docker.clone(), network.clone(), root.clone());
            async move {
                let names = containers_of(&docker, &network, &root).await;
                remove_all(&docker, &names, &network).await;
                eprintln!("devnet: interrupted; removed the containers and the docker network {network}");
            }
        })
    }
}

/// One node's start, owned (see `launch_plan`).
struct Launch {
    docker: Docker,
    node: usize,
    name: String,
    log: PathBuf,
    events: mpsc::Sender<ProcEvent>,
    /// The container to create first, if it does not exist yet.
    create: Option<ContainerCreateBody>,
}

/// Creates the container if needed, attaches its output to the log, starts
/// it and watches for its exit. The bool says whether it was created.
async fn launch(l: Launch) -> (bool, anyhow::Result<Running>) {
    let Launch { docker, node, name, log, events, create } = l;
    let created = create.is_some();
    if let Some(body) = create {
        let options = CreateContainerOptions { name: Some(name.clone()), ..Default::default() };
        if let Err(e) = docker.create_container(Some(options), body).await {
            return (false, Err(e).with_context(|| format!("creating container {name}")));
        }
    }
    let run = async {
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .await
            .with_context(|| format!("opening log {}", log.display()))?;
        // Attached before the start: the stream holds exactly this run's output.
        let options = AttachContainerOptions { stream: true, stdout: true, stderr: true, ..Default::default() };
        let mut attached =
            docker.attach_container(&name, Some(options)).await.with_context(|| format!("attaching to {name}"))?.output;
        let logging = tokio::spawn(async move {
            while let Some(Ok(chunk)) = attached.next().await {
                if file.write_all(&chunk.into_bytes()).await.is_err() {
                    return;
                }
            }
            let _ = file.flush().await;
        });
        if let Err(e) = docker.start_container(&name, None).await {
            logging.abort();
            return Err(e).with_context(|| format!("starting container {name}"));
        }
        let pid = docker
            .inspect_container(&name, None)
            .await
            .ok()
            .and_then(|c| c.state?.pid)
            .and_then(|p| u32::try_from(p).ok())
            .filter(|p| *p > 0);
        let stopping = Arc::new(AtomicBool::new(false));
        let (watcher, exit_events, asked) = (docker.clone(), events.clone(), stopping.clone());
        let exited = tokio::spawn(async move {
            let options = WaitContainerOptions { condition: "not-running".into() };
            let code = match watcher.wait_container(&name, Some(options)).next().await {
                Some(Ok(r)) => Ok(r.status_code),
                Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => Ok(code),
                Some(Err(e)) => Err(format!("wait failed: {e}")),
                None => Err("wait failed: no answer".to_string()),
            };
            // The output ends with the process; wait for the last lines.
            let _ = tokio::time::timeout(Duration::from_secs(2), logging).await;
            let state = if asked.load(Ordering::SeqCst) {
                ProcState::Stopped
            } else {
                ProcState::Crashed(code.map_or_else(|e| e, describe_exit))
            };
            let _ = exit_events.send(ProcEvent { node, state }).await;
        });
        let _ = events.try_send(ProcEvent { node, state: ProcState::Running });
        Ok(Running { stopping, exited, pid, paused: false })
    };
    (created, run.await)
}

fn sigkill() -> KillContainerOptions {
    KillContainerOptions { signal: "SIGKILL".into() }
}

/// `docker stop` with the grace (whole seconds, rounded up); a paused container is thawed first.
async fn stop_container(docker: &Docker, name: &str, paused: bool, grace: Duration) {
    if paused {
        let _ = docker.unpause_container(name).await;
    }
    let t = grace.as_secs() as i32 + i32::from(grace.subsec_nanos() > 0);
    let _ = docker.stop_container(name, Some(StopContainerOptions { t: Some(t), signal: None })).await;
}

/// How a container's exit code reads, as the local backend says it.
fn describe_exit(code: i64) -> String {
    match code {
        129..=159 => format!("killed by signal {}", code - 128),
        c => format!("exit code {c}"),
    }
}

/// The containers on `network` that belong to the cluster in `root`.
async fn containers_of(docker: &Docker, network: &str, root: &Path) -> Vec<String> {
    let filters = HashMap::from([(
        "label".to_string(),
        vec![format!("{LABEL_NETWORK}={network}"), format!("{LABEL_DIR}={}", root.display())],
    )]);
    let options = ListContainersOptions { all: true, filters: Some(filters), ..Default::default() };
    let list = docker.list_containers(Some(options)).await.unwrap_or_default();
    list.into_iter().filter_map(|c| c.names?.first().map(|n| n.trim_start_matches('/').to_string())).collect()
}

/// Removes `containers` (forced: running or paused) and then `network`; errors are ignored (gone already).
async fn remove_all(docker: &Docker, containers: &[String], network: &str) {
    for name in containers {
        let options = RemoveContainerOptions { force: true, v: true, ..Default::default() };
        let _ = docker.remove_container(name, Some(options)).await;
    }
    let _ = docker.remove_network(network).await;
}

/// Removes what a killed devnet of this cluster left on `network`. A network
/// of that name that belongs to another cluster directory whose devnet runs
/// is refused; one whose devnet is gone is removed.
async fn clear_leftovers(docker: &Docker, network: &str, root: &Path) -> anyhow::Result<usize> {
    let networks = docker.list_networks(None::<ListNetworksOptions>).await.context("listing docker networks")?;
    let Some(existing) = networks.into_iter().find(|n| n.name.as_deref() == Some(network)) else {
        return Ok(0);
    };
    let owner = existing.labels.unwrap_or_default().get(LABEL_DIR).cloned();
    let Some(owner) = owner else {
        bail!(
            "a docker network named {network} exists and is not devnet's; remove it or give this cluster another name"
        );
    };
    let owner = PathBuf::from(owner);
    if owner != root && crate::cluster_lock::probe(&owner).is_ok_and(|p| p.is_running()) {
        bail!(
            "the docker network {network} belongs to the devnet running in {}; stop it, or give this cluster another name",
            owner.display()
        );
    }
    let names = containers_of(docker, network, &owner).await;
    remove_all(docker, &names, network).await;
    Ok(names.len())
}

impl Backend for DockerBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Docker
    }
    fn verbs(&self) -> Verbs {
        Verbs { crash: "docker kill", pause: "docker pause", resume: "docker unpause", stop: "docker stop" }
    }
    fn len(&self) -> usize {
        self.nodes.len()
    }
    fn pid(&self, node: usize) -> Option<u32> {
        self.running(node).ok()?.pid
    }
    fn is_alive(&self, node: usize) -> bool {
        self.running(node).is_ok()
    }
    fn new_node_addrs(&self, index: usize) -> anyhow::Result<NodeAddrs> {
        match (self.subnet.grpc(index), self.subnet.metrics(index)) {
            (Some(grpc), metrics) => Ok(NodeAddrs { grpc, metrics }),
            _ => bail!("no address left in {} for node {index}", self.subnet.0),
        }
    }
    fn add(&mut self, command: NodeCommand) -> usize {
        self.nodes.push(Node { command, created: false, running: None });
        self.nodes.len() - 1
    }
    fn start(&mut self, node: usize) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(self.start_node(node))
    }
    fn start_all(&mut self) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(self.start_every_node())
    }
    fn crash(&mut self, node: usize) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async move {
            let paused = self.running(node)?.paused;
            let name = self.container(node);
            self.docker.kill_container(&name, Some(sigkill())).await.with_context(|| format!("killing {name}"))?;
            if paused {
                // The kill is delivered when the freezer lets go.
                let _ = self.docker.unpause_container(&name).await;
            }
            Ok(())
        })
    }
    fn pause(&mut self, node: usize) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async move {
            self.running(node)?;
            let name = self.container(node);
            self.docker.pause_container(&name).await.with_context(|| format!("pausing {name}"))?;
            if let Some(r) = self.nodes[node].running.as_mut() {
                r.paused = true;
            }
            let _ = self.events.try_send(ProcEvent { node, state: ProcState::Paused });
            Ok(())
        })
    }
    fn resume(&mut self, node: usize) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async move {
            self.running(node)?;
            let name = self.container(node);
            self.docker.unpause_container(&name).await.with_context(|| format!("unpausing {name}"))?;
            if let Some(r) = self.nodes[node].running.as_mut() {
                r.paused = false;
            }
            let _ = self.events.try_send(ProcEvent { node, state: ProcState::Running });
            Ok(())
        })
    }
    fn stop(&mut self, node: usize, grace: Duration) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(self.stop_node(node, grace))
    }
    fn stop_all(&mut self, grace: Duration) -> BoxFuture<'_, ()> {
        Box::pin(self.stop_everything(grace))
    }
}

impl Drop for DockerBackend {
    fn drop(&mut self) {
        if let Some(s) = self.signals.take() {
            s.abort();
        }
        if self.removed {
            return;
        }
        // No await here: a thread with its own runtime and its own connection
        // (this one's belongs to the runtime that may be going away) removes
        // everything, and the drop waits for it.
        let names: Vec<String> = (0..self.nodes.len()).map(|i| self.container(i)).collect();
        let network = self.network.clone();
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async {
                if let Ok(docker) = connect().await {
                    remove_all(&docker, &names, &network).await;
                }
            });
        });
        let _ = cleanup.join();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn exit_codes_read_as_the_local_backend_says_them() {
        assert_eq!(super::describe_exit(137), "killed by signal 9");
        assert_eq!(super::describe_exit(143), "killed by signal 15");
        assert_eq!(super::describe_exit(1), "exit code 1");
        assert_eq!(super::describe_exit(0), "exit code 0");
    }
}
