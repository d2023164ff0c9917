//! The kubernetes backend: every node a StatefulSet of one pod in the
//! cluster's own namespace, driven through the API (`kube`, server-side
//! apply as the field manager `devnet`; no kubectl).
//!
//! - Objects (`manifests`): the namespace `devnet-<cluster>`; per node a
//!   Service, a Secret and a StatefulSet of one replica (stable pod
//!   `<node>-0`, its store on the claim `store-<node>-0`); one ConfigMap of
//!   the genesis and the node list. `devnet manifests` writes the same
//!   objects as YAML.
//! - Image: `devnet-node:<version>`, the docker backend's image (`devnet
//!   image`), pulled `IfNotPresent`: no registry has it, so it must be
//!   loaded into the cluster's nodes first (`kind load docker-image`, `k3s
//!   ctr images import`, `minikube image load`). A pod that cannot get it
//!   fails `up` at once with those commands in the error.
//! - Addresses: `nodes.json` must name every node before any starts, and a
//!   pod's IP is known only once it runs (and changes when it is
//!   recreated). So the Services are created first, the ClusterIP each one
//!   was given is read back, and the node list the pods read names those:
//!   a node binds 0.0.0.0 in its pod (`--listen`, `--metrics-listen`) and is
//!   reached by its peers at its Service's IP, which outlives its pods.
//! - Reaching the nodes (`forward`): `devnet` runs outside the cluster and
//!   cannot route to ClusterIPs, so every node's gRPC and metrics ports get
//!   a loopback port-forward through the API server. The cluster
//!   directory's `nodes.json` (what the dashboard, `devnet tx` and `devnet
//!   load` read) names those loopback ports; the ConfigMap's names the
//!   Services.
//! - Faults: crash = Control.Crash (the node ends itself at once with exit
//!   137 and no shutdown, see below), then the StatefulSet scaled to 0 so
//!   that it stays down, then its pod deleted with grace 0; restart = scale
//!   to 1: the same pod name, the same claim, the same store. Stop = scale
//!   to 0 and delete the pod with the grace (SIGTERM, the node stops
//!   cleanly). Pause = Control.SetFrozen: Kubernetes has no pause (no
//!   SIGSTOP through the API, no cgroup freezer) and the image is FROM
//!   scratch, with no shell for zombienet's FIFO wrapper; the node freezes
//!   itself instead, sockets open and nothing processed (`devnet_node::net::freeze`).
//!   Network faults are the nodes' shims, as on every backend.
//! - Why crash is not just a pod delete: the kubelet stops a container with
//!   SIGTERM and sends SIGKILL only after a grace of at least two seconds,
//!   whatever the delete asked, and a node stops cleanly on SIGTERM within
//!   milliseconds: a deleted pod is a clean stop, not a crash. The node
//!   ends itself first; if it does not answer, the delete still takes it
//!   down, and the crash's text says the call was unanswered.
//! - Events (`watch`, `pods`): one watcher of the namespace's pods reports
//!   `Running` when a pod is Ready, `Stopped`/`Crashed` when its run ends
//!   (a container the kubelet restarts reads as a crash, then running
//!   again), and follows each run's output into `logs/nN.log` (`logs`).
//! - `start_all` waits until every pod is Ready, and fails early when a pod
//!   cannot start (no image, not schedulable, crash loop). Later starts
//!   return once the scale is accepted; the watcher says when the node runs.
//!
//! Nothing outlives the devnet: `stop_all` deletes the namespace, which
//! takes every object and the stores with it (a resumed cluster's nodes
//! start on empty stores: the next `up` says so). Dropped without
//! `stop_all`, the backend deletes the namespace from a thread of its own;
//! SIGINT, SIGTERM and SIGHUP do the same, as with docker. A namespace a
//! killed `devnet` of this cluster directory left is deleted by the next
//! `up`, which waits until it is gone; one that belongs to another
//! directory, or is not devnet's, is refused.
//!
//! Not supported here: twins (`equivocate --twin`), whose Service would
//! have to exist before the orchestrator can say where it listens.

mod cluster;
pub mod files;
pub mod forward;
mod logs;
pub mod manifests;
mod node_control;
pub mod pods;
mod watch;
pub mod written;

#[cfg(test)]
mod tests;

pub use cluster::{KUBECONFIG_ENV, connect};

use super::{Backend, BackendKind, BoxFuture, NodeAddrs, NodeCommand, ProcEvent, ProcState, Verbs};
use anyhow::{Context, bail};
use cluster::{apply, clear_leftover, delete_namespace, grace_seconds};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod, Secret, Service};
use kube::api::{DeleteParams, Patch, PatchParams};
use kube::{Api, Client};
use manifests::{MANAGER, NodeSpec};
use pods::Asked;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long `start_all` waits for every pod to be Ready (a first pod may
/// wait for its volume to be provisioned).
const READY_TIMEOUT: Duration = Duration::from_secs(180);
/// Past the grace, how long a stop waits for the pod to be gone.
const GONE_MARGIN: Duration = Duration::from_secs(15);
/// How long `stop_all` waits for the namespace to be gone.
const NAMESPACE_GONE: Duration = Duration::from_secs(90);

/// How `devnet` reaches the nodes' gRPC and metrics ports.
pub enum Reach {
    /// A loopback port-forward per node and port (`forward`).
    PortForward,
    /// These addresses, node by node (tests: servers standing in for the nodes).
    Given(Vec<NodeAddrs>),
}

struct Node {
    command: NodeCommand,
    /// Its Secret and StatefulSet exist.
    created: bool,
}

pub struct KubeBackend {
    client: Client,
    cluster: String,
    namespace: String,
    image: String,
    /// Each node's Service IP: its address inside the cluster.
    service_ips: Vec<IpAddr>,
    /// Where `devnet` reaches each node.
    reach: Vec<NodeAddrs>,
    _forwards: Vec<forward::Forward>,
    nodes: Vec<Node>,
    files_applied: bool,
    token: Option<String>,
    shared: Arc<watch::Shared>,
    events: mpsc::Sender<ProcEvent>,
    watcher: Option<JoinHandle<()>>,
    signals: Option<JoinHandle<()>>,
    /// Set once the namespace is deleted.
    removed: bool,
    /// Whether a drop without `stop_all` may connect again to delete the namespace.
    cleanup_on_drop: bool,
}

/// What `prepare` did besides making the namespace, for the user.
pub struct Prepared {
    pub backend: KubeBackend,
    /// A namespace a killed devnet of this cluster left, now deleted.
    pub removed_leftover: bool,
}

impl KubeBackend {
    /// Connects, removes what a killed devnet of this cluster left, creates
    /// the namespace and one Service per node in `ids`, and opens the
    /// port-forwards. Nodes are then `add`ed with the addresses
    /// `new_node_addrs` gives.
    pub async fn prepare(
        cluster: &str,
        root: &Path,
        ids: &[String],
        events: mpsc::Sender<ProcEvent>,
    ) -> anyhow::Result<Prepared> {
        manifests::check_cluster_name(cluster).map_err(anyhow::Error::msg)?;
        let client = connect().await?;
        let mut p = Self::prepare_with(client, cluster, root, ids, events, Reach::PortForward).await?;
        p.backend.cleanup_on_drop = true;
        p.backend.signals = Some(p.backend.catch_signals());
        Ok(p)
    }

    /// `prepare` on a client already made, reaching the nodes as `reach` says.
    pub async fn prepare_with(
        client: Client,
        cluster: &str,
        root: &Path,
        ids: &[String],
        events: mpsc::Sender<ProcEvent>,
        reach: Reach,
    ) -> anyhow::Result<Prepared> {
        manifests::check_cluster_name(cluster).map_err(anyhow::Error::msg)?;
        let namespace = manifests::namespace_name(cluster);
        let dir = root.display().to_string();
        let removed_leftover = clear_leftover(&client, &namespace, &dir).await?;
        let namespaces: Api<Namespace> = Api::all(client.clone());
        apply(&namespaces, &namespace, &manifests::namespace(cluster, Some(&dir))).await?;
        let shared = watch::Shared::new();
        let selector = format!("{}={cluster}", manifests::LABEL_INSTANCE);
        let watcher =
            watch::spawn(Api::namespaced(client.clone(), &namespace), selector, shared.clone(), events.clone());
        let services: Api<Service> = Api::namespaced(client.clone(), &namespace);
        let mut service_ips = Vec::with_capacity(ids.len());
        for id in ids {
            let node = NodeSpec { id: id.clone(), args: vec![], service_ip: None };
            let made = apply(&services, id, &manifests::service(cluster, &node)).await?;
            let ip = made.spec.and_then(|s| s.cluster_ip).unwrap_or_default();
            let Ok(ip) = ip.parse::<IpAddr>() else {
                bail!(
                    "the Service {id} in {namespace} got no cluster IP (found {ip:?}); its node would have no address"
                )
            };
            service_ips.push(ip);
        }
        let (reach, forwards) = match reach {
            Reach::Given(addrs) => (addrs, vec![]),
            Reach::PortForward => {
                let pods: Api<Pod> = Api::namespaced(client.clone(), &namespace);
                let (mut addrs, mut forwards) = (vec![], vec![]);
                for id in ids {
                    let pod = manifests::pod_name(id);
                    let grpc = forward::open(pods.clone(), pod.clone(), files::GRPC_PORT).await?;
                    let metrics = forward::open(pods.clone(), pod, files::METRICS_PORT).await?;
                    addrs.push(NodeAddrs { grpc: grpc.addr, metrics: Some(metrics.addr) });
                    forwards.extend([grpc, metrics]);
                }
                (addrs, forwards)
            }
        };
        let backend = KubeBackend {
            client,
            cluster: cluster.to_string(),
            namespace,
            image: super::docker::image::image_tag(),
            service_ips,
            reach,
            _forwards: forwards,
            nodes: vec![],
            files_applied: false,
            token: None,
            shared,
            events,
            watcher: Some(watcher),
            signals: None,
            removed: false,
            cleanup_on_drop: false,
        };
        Ok(Prepared { backend, removed_leftover })
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    fn id(&self, node: usize) -> &str {
        &self.nodes[node].command.id
    }

    fn alive(&self, node: usize) -> anyhow::Result<()> {
        if node < self.nodes.len() && self.shared.tracker().is_alive(node) {
            Ok(())
        } else {
            bail!("n{node} is not running")
        }
    }

    /// The ConfigMap (genesis, the pods' node list); the token file, read once (as shipped: the Secrets hold it verbatim).
    async fn apply_files(&mut self) -> anyhow::Result<()> {
        if self.files_applied {
            return Ok(());
        }
        let Some(first) = self.nodes.first() else { bail!("no nodes to start") };
        let cmd = files::pod_command(&first.command)?;
        let host: devnet_node::config::ClusterNodes = devnet_node::config::read_json(&cmd.nodes)?;
        let nodes = files::in_cluster_nodes(&host, &self.service_ips)?;
        let contents = manifests::Contents {
            genesis: files::read(&cmd.genesis)?,
            nodes: serde_json::to_string_pretty(&nodes)?,
            token: files::read(&cmd.token)?,
            keys: vec![],
        };
        let maps: Api<ConfigMap> = Api::namespaced(self.client.clone(), &self.namespace);
        apply(&maps, manifests::FILES_CONFIG_MAP, &manifests::files_config_map(&self.cluster, &contents)).await?;
        self.token = Some(contents.token);
        self.files_applied = true;
        Ok(())
    }

    /// A node's Secret and StatefulSet (one replica: it starts).
    async fn create_node(&mut self, node: usize) -> anyhow::Result<()> {
        let cmd = files::pod_command(&self.nodes[node].command)?;
        let key = cmd.key.as_deref().map(files::read).transpose()?;
        let id = self.id(node).to_string();
        let token = self.token.clone().unwrap_or_default();
        let secrets: Api<Secret> = Api::namespaced(self.client.clone(), &self.namespace);
        let secret = manifests::secret(&self.cluster, &id, &token, key.as_deref());
        apply(&secrets, &manifests::secret_name(&id), &secret).await?;
        let spec = NodeSpec { id: id.clone(), args: cmd.args, service_ip: None };
        let sets: Api<StatefulSet> = Api::namespaced(self.client.clone(), &self.namespace);
        apply(&sets, &id, &manifests::stateful_set(&self.cluster, &self.image, &spec)).await?;
        self.nodes[node].created = true;
        Ok(())
    }

    async fn scale(&self, node: usize, replicas: i32) -> anyhow::Result<()> {
        let id = self.id(node);
        let sets: Api<StatefulSet> = Api::namespaced(self.client.clone(), &self.namespace);
        let patch = serde_json::json!({"spec": {"replicas": replicas}});
        let params = PatchParams { field_manager: Some(MANAGER.into()), ..Default::default() };
        sets.patch_scale(id, &params, &Patch::Merge(&patch))
            .await
            .with_context(|| format!("scaling the StatefulSet {id} to {replicas}"))?;
        Ok(())
    }

    /// Deletes the node's pod with `grace` seconds; one already gone is fine.
    async fn delete_pod(&self, node: usize, grace: u32) -> anyhow::Result<()> {
        let name = manifests::pod_name(self.id(node));
        let pods: Api<Pod> = Api::namespaced(self.client.clone(), &self.namespace);
        let params = DeleteParams { grace_period_seconds: Some(grace), ..Default::default() };
        match pods.delete(&name, &params).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.is_not_found() => Ok(()),
            Err(e) => Err(e).with_context(|| format!("deleting the pod {name}")),
        }
    }

    /// Waits until `done` holds for the tracker, or `limit` passes (false).
    async fn wait_for(&self, limit: Duration, mut done: impl FnMut(&pods::Tracker) -> bool) -> bool {
        let mut changes = self.shared.changes();
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if done(&self.shared.tracker()) {
                return true;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                _ => return done(&self.shared.tracker()),
            }
        }
    }

    async fn start_node(&mut self, node: usize) -> anyhow::Result<()> {
        if node >= self.nodes.len() {
            bail!("no node {node}");
        }
        if self.shared.tracker().is_alive(node) {
            bail!("n{node} is already running");
        }
        self.apply_files().await?;
        if self.nodes[node].created {
            self.scale(node, 1).await?;
        } else {
            self.create_node(node).await?;
        }
        self.shared.tracker().ask(node, Asked::Nothing);
        Ok(())
    }

    /// Starts every node that is not running and waits until all are Ready.
    async fn start_every_node(&mut self) -> anyhow::Result<()> {
        for node in 0..self.nodes.len() {
            if !self.shared.tracker().is_alive(node) {
                self.start_node(node).await?;
            }
        }
        let n = self.nodes.len();
        let mut stuck = None;
        let ready = self
            .wait_for(READY_TIMEOUT, |t| {
                stuck = (0..n).find_map(|i| t.pod(i).and_then(|p| p.problem.clone()).map(|p| (i, p)));
                stuck.is_some() || (0..n).all(|i| t.is_up(i))
            })
            .await;
        if let Some((node, problem)) = stuck {
            let hint = if problem.contains("Image") {
                let image = &self.image;
                format!(
                    "; the cluster's nodes need the image {image}, which no registry has: build it with `devnet \
                     image`, then load it (kind: `kind load docker-image {image}`; k3s: `docker save {image} | \
                     sudo k3s ctr images import -`; minikube: `minikube image load {image}`)"
                )
            } else {
                String::new()
            };
            bail!("the pod of {} cannot start: {problem}{hint}", self.id(node));
        }
        if !ready {
            let tracker = self.shared.tracker();
            let waiting: Vec<String> = (0..n)
                .filter(|i| !tracker.is_up(*i))
                .map(|i| match tracker.pod(i) {
                    None => format!("{}: no pod yet", self.id(i)),
                    Some(_) => format!("{}: pod {} not ready", self.id(i), manifests::pod_name(self.id(i))),
                })
                .collect();
            bail!(
                "the nodes' pods were not Ready within {READY_TIMEOUT:?} ({}); `kubectl -n {} describe pods` says why",
                waiting.join(", "),
                self.namespace
            );
        }
        Ok(())
    }

    async fn crash_node(&mut self, node: usize) -> anyhow::Result<()> {
        self.alive(node)?;
        let token = self.token.clone().unwrap_or_default();
        // Asked before the call: the watcher may see the exit before the reply.
        let text = "killed: Control.Crash (exit 137, no shutdown), then its pod deleted with grace 0";
        self.shared.tracker().ask(node, Asked::Crash(text.into()));
        if let Err(e) = node_control::crash(self.reach[node].grpc, token.trim()).await {
            let text = format!(
                "pod deleted with grace 0 (Control.Crash unanswered: {e:#}; the kubelet sent SIGTERM before SIGKILL)"
            );
            self.shared.tracker().reword_crash(node, text);
        }
        self.scale(node, 0).await?;
        self.delete_pod(node, 0).await
    }

    async fn set_frozen(&mut self, node: usize, frozen: bool) -> anyhow::Result<()> {
        self.alive(node)?;
        let token = self.token.clone().unwrap_or_default();
        node_control::set_frozen(self.reach[node].grpc, token.trim(), frozen)
            .await
            .with_context(|| format!("{}: Control.SetFrozen {frozen}", self.id(node)))?;
        let state = if frozen { ProcState::Paused } else { ProcState::Running };
        let _ = self.events.try_send(ProcEvent { node, state });
        Ok(())
    }

    async fn stop_node(&mut self, node: usize, grace: Duration) -> anyhow::Result<()> {
        self.alive(node)?;
        self.shared.tracker().ask(node, Asked::Stop);
        self.scale(node, 0).await?;
        self.delete_pod(node, grace_seconds(grace)).await?;
        if !self.wait_for(grace + GONE_MARGIN, |t| t.pod(node).is_none()).await {
            bail!("the pod of {} was still there {:?} after its stop", self.id(node), grace + GONE_MARGIN);
        }
        Ok(())
    }

    async fn stop_everything(&mut self, grace: Duration) {
        {
            let mut tracker = self.shared.tracker();
            for node in 0..self.nodes.len() {
                if tracker.is_alive(node) {
                    tracker.ask(node, Asked::Stop);
                }
            }
        }
        let gone = delete_namespace(&self.client, &self.namespace, grace_seconds(grace), grace + NAMESPACE_GONE).await;
        if gone.is_ok_and(|g| g) {
            // The watch reports each pod's end before it stops.
            let n = self.nodes.len();
            self.wait_for(Duration::from_secs(5), |t| (0..n).all(|i| t.pod(i).is_none())).await;
        }
        self.removed = true;
        if let Some(w) = self.watcher.take() {
            w.abort();
        }
        if let Some(s) = self.signals.take() {
            s.abort();
        }
    }

    /// SIGINT, SIGTERM, SIGHUP: delete the namespace and exit, unless the caller handles them.
    fn catch_signals(&self) -> JoinHandle<()> {
        let (client, namespace) = (self.client.clone(), self.namespace.clone());
        super::exit_on_signals(move || {
            let (client, namespace) = (client.clone(), namespace.clone());
            async move {
                let _ = delete_namespace(&client, &namespace, 0, Duration::ZERO).await;
                eprintln!("devnet: interrupted; deleting the kubernetes namespace {namespace}");
            }
        })
    }
}

impl Backend for KubeBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Kubernetes
    }
    fn verbs(&self) -> Verbs {
        Verbs {
            crash: "Control.Crash + pod delete",
            pause: "Control.SetFrozen",
            resume: "Control.SetFrozen false",
            stop: "scale to 0",
        }
    }
    fn len(&self) -> usize {
        self.nodes.len()
    }
    fn pid(&self, _node: usize) -> Option<u32> {
        None
    }
    fn is_alive(&self, node: usize) -> bool {
        self.alive(node).is_ok()
    }
    fn new_node_addrs(&self, index: usize) -> anyhow::Result<NodeAddrs> {
        match self.reach.get(index) {
            Some(a) if index >= self.nodes.len() => Ok(*a),
            _ => bail!("the kubernetes backend runs the nodes it was prepared with; it cannot add a node (no twins)"),
        }
    }
    fn add(&mut self, command: NodeCommand) -> usize {
        self.shared.add(command.id.clone(), command.log.clone());
        self.nodes.push(Node { command, created: false });
        self.nodes.len() - 1
    }
    fn start(&mut self, node: usize) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(self.start_node(node))
    }
    fn start_all(&mut self) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(self.start_every_node())
    }
    fn crash(&mut self, node: usize) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(self.crash_node(node))
    }
    fn pause(&mut self, node: usize) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(self.set_frozen(node, true))
    }
    fn resume(&mut self, node: usize) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(self.set_frozen(node, false))
    }
    fn stop(&mut self, node: usize, grace: Duration) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(self.stop_node(node, grace))
    }
    fn stop_all(&mut self, grace: Duration) -> BoxFuture<'_, ()> {
        Box::pin(self.stop_everything(grace))
    }
}

impl Drop for KubeBackend {
    fn drop(&mut self) {
        if let Some(w) = self.watcher.take() {
            w.abort();
        }
        if let Some(s) = self.signals.take() {
            s.abort();
        }
        if self.removed || !self.cleanup_on_drop {
            return;
        }
        // No await here: a thread with its own runtime and its own client
        // (this one's runs on the runtime that may be going away) deletes
        // the namespace, and the drop waits for the request, not for the
        // namespace to be gone.
        let namespace = self.namespace.clone();
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async {
                if let Ok(client) = connect().await {
                    let _ = delete_namespace(&client, &namespace, 0, Duration::ZERO).await;
                }
            });
        });
        let _ = cleanup.join();
    }
}
