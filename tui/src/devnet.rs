//! A running devnet: the cluster directory, the backend that runs its node
//! processes (`supervisor`: local processes, docker containers or kubernetes pods), the watchers, the faults in force, the orchestrator's control
//! endpoint, and the `ClusterView` they feed. Headless mode, the dashboard and
//! the scenario runner all drive one of these; none of them touches processes
//! or gRPC directly.

use crate::alarms::Watchdog;
use crate::cluster::{ClusterEvent, ClusterView, json, watch};
use crate::cluster_dir::ClusterDir;
use crate::config::DevnetConfig;
use crate::control::{self, ControlReq};
use crate::faults::FaultState;
use crate::load::in_devnet::DevnetLoads;
use crate::metrics::ClusterMetrics;
use crate::run_record::stream::Recorded;
use crate::run_record::{self, RunRecord, RunSetup};
use crate::supervisor::{
    Backend, BackendKind, DockerBackend, KubeBackend, NodeAddrs, NodeCommand, Supervisor, node_binary,
};
use devnet_node::consensus::pow::{PowParams, equal_shares};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const EVENT_QUEUE: usize = 8192;
pub const STOP_GRACE: Duration = Duration::from_secs(3);

pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

pub struct Devnet {
    pub dir: ClusterDir,
    /// Runs the nodes; nothing else here asks which backend it is.
    pub backend: Box<dyn Backend>,
    pub events: mpsc::Receiver<ClusterEvent>,
    /// Requests from `devnet status` / `devnet inject` in other terminals.
    pub control: mpsc::Receiver<ControlReq>,
    /// Where the control endpoint listens (what this devnet wrote to `control.addr`).
    control_addr: SocketAddr,
    pub view: ClusterView,
    pub faults: FaultState,
    pub(crate) token: String,
    pub(crate) program: PathBuf,
    pub(crate) event_tx: mpsc::Sender<ClusterEvent>,
    /// Seeds node i's fault shim with `seed + i` (scenarios' `seed`).
    pub(crate) seed: Option<u64>,
    /// A transfer load this devnet runs (`load 500/s`), and stopped ones still draining.
    pub(crate) loads: DevnetLoads,
    watchdog: Watchdog,
    metrics: ClusterMetrics,
    tasks: Vec<JoinHandle<()>>,
    /// Where a `devnet up` session records its faults (`run_record`).
    pub(crate) record: Option<RunRecord>,
}

impl Devnet {
    /// Prepares the cluster directory, starts every node and connects to them.
    pub async fn up(cfg: &DevnetConfig, data_dir: &Path, fresh: bool) -> anyhow::Result<Devnet> {
        Self::up_seeded(cfg, data_dir, fresh, None).await
    }

    /// As `up`, with the nodes' fault shims seeded from `seed`.
    pub async fn up_seeded(
        cfg: &DevnetConfig,
        data_dir: &Path,
        fresh: bool,
        seed: Option<u64>,
    ) -> anyhow::Result<Devnet> {
        // Takes the directory's lock first: a second devnet stops here, having touched nothing.
        let mut dir = ClusterDir::prepare(cfg, data_dir, fresh)?;
        let program = node_binary()?;
        let token = dir.token()?;
        let (tx, events) = mpsc::channel(EVENT_QUEUE);
        let (proc_tx, mut proc_rx) = mpsc::channel(256);
        let n = dir.nodes.nodes.len();
        if cfg.netns.is_some() && cfg.backend != BackendKind::Local {
            let b = cfg.backend.as_str();
            anyhow::bail!("`[netns]` is for the local backend; {b} gives each node its own network already");
        }
        let mut backend: Box<dyn Backend> = match cfg.backend {
            BackendKind::Local => {
                if let Some(ns) = &cfg.netns {
                    ns.check()?;
                    let addrs = (0..n).map(|i| ns.addrs(i)).map(|(grpc, m)| NodeAddrs { grpc, metrics: Some(m) });
                    dir.set_addrs(&addrs.collect::<Vec<_>>())?;
                }
                let commands = (0..n).map(|i| node_command(&dir, &program, i, seed)).collect();
                let s = Supervisor::new(commands, proc_tx);
                Box::new(match &cfg.netns {
                    Some(ns) => s.with_netns(ns.clone()),
                    None => s,
                })
            }
            BackendKind::Docker => {
                crate::supervisor::docker::neighbours::check(n)?;
                let p = DockerBackend::prepare(&dir.spec.name, &dir.root, &program, proc_tx).await?;
                if let Some(built) = &p.built {
                    eprintln!("devnet: {built}");
                }
                if p.leftovers > 0 {
                    eprintln!(
                        "devnet: removed {} containers a killed devnet of this cluster left on {}",
                        p.leftovers,
                        p.backend.network()
                    );
                }
                let mut backend = p.backend;
                place_nodes(&mut backend, &mut dir, &program, seed)?;
                Box::new(backend)
            }
            BackendKind::Kubernetes => {
                let ids: Vec<String> = dir.nodes.nodes.iter().map(|n| n.id.clone()).collect();
                let p = KubeBackend::prepare(&dir.spec.name, &dir.root, &ids, proc_tx).await?;
                if p.removed_leftover {
                    eprintln!(
                        "devnet: deleted the namespace {} a killed devnet of this cluster left",
                        p.backend.namespace()
                    );
                }
                if dir.resumed {
                    eprintln!(
                        "devnet: the kubernetes backend keeps the nodes' stores in the namespace {}, deleted at \
                         every stop: the nodes start this genesis again on empty stores (--fresh makes a new one)",
                        p.backend.namespace()
                    );
                }
                let mut backend = p.backend;
                // nodes.json here names the port-forwards; the pods' own names the Services.
                place_nodes(&mut backend, &mut dir, &program, seed)?;
                Box::new(backend)
            }
        };
        let forward = tx.clone();
        let mut tasks = vec![tokio::spawn(async move {
            while let Some(p) = proc_rx.recv().await {
                if forward.send(ClusterEvent::Proc(p)).await.is_err() {
                    return;
                }
            }
        })];
        let (control_tx, control) = mpsc::channel(16);
        let (addr, server) = control::serve(cfg.control, &dir.root, token.clone(), control_tx).await?;
        tasks.push(server);
        // Written whole (tmp + rename), so `devnet status` never reads half an address.
        let tmp = dir.control_addr_path().with_extension("addr.tmp");
        std::fs::write(&tmp, addr.to_string())?;
        std::fs::rename(&tmp, dir.control_addr_path())?;
        // devnet's own /metrics, listed in targets.json beside the nodes'.
        let (metrics, registry) = ClusterMetrics::new();
        let listener = devnet_node::metrics::bind(([127, 0, 0, 1], 0).into()).await?;
        dir.orchestrator_metrics = Some(listener.local_addr()?);
        dir.write_targets()?;
        tasks.push(tokio::spawn(devnet_node::metrics::serve(listener, std::sync::Arc::new(registry))));
        backend.start_all().await?;
        tasks.extend(watch::spawn_watchers(&dir.nodes.nodes, tx.clone()));
        let s = &dir.spec;
        let view = initial_view(s, &dir.nodes.nodes);
        let mut faults = FaultState::new(dir.nodes.nodes.len());
        if crate::cluster::engine::description(&s.consensus).mined {
            // The spec's shares, settled (never empty); equal shares only if it cannot be read.
            let shares = s.params::<PowParams>().map(|p| p.hashrate);
            faults = faults.with_hashrate(shares.unwrap_or_else(|_| equal_shares(s.validators.len())));
        }
        Ok(Devnet {
            dir,
            backend,
            events,
            control,
            control_addr: addr,
            view,
            faults,
            token,
            program,
            event_tx: tx,
            seed,
            loads: DevnetLoads::default(),
            watchdog: Watchdog::default(),
            metrics,
            tasks,
            record: None,
        })
    }

    /// Keeps this run's directory (`run_record`): the config's text (empty
    /// for the built-in defaults), the scenario's text and name when a
    /// scenario runs, and from now on everything that changes the view.
    /// A directory that cannot be written is said once, in the event log.
    pub fn record_run(&mut self, config_text: &str, scenario: Option<(&str, &str)>) {
        let d = &self.dir;
        let setup = RunSetup {
            config_text,
            scenario,
            seed: self.seed,
            engine: &self.view.engine,
            started_ms: now_ms(),
            genesis_ms: d.spec.genesis_time_ms,
            genesis_file: &d.genesis_path(),
            nodes_file: &d.nodes_path(),
            logs: d.nodes.nodes.iter().enumerate().map(|(i, n)| (n.id.clone(), d.log_path(i))).collect(),
        };
        match RunRecord::create(&d.root, setup) {
            Ok(r) => self.record = Some(r),
            Err(e) => {
                let text = format!("not recording this run ({}: {e})", d.root.join(run_record::RUNS).display());
                self.view.log(now_ms(), None, crate::cluster::LogKind::Warning, text);
            }
        }
    }

    /// Writes `item` to the run's event stream. The first write that fails
    /// ends the record, said in the event log; so does the stream's size limit.
    pub(crate) fn record(&mut self, item: Recorded) {
        self.record_with(|r, now| r.event(now, &item));
    }

    fn record_with(&mut self, write: impl FnOnce(&mut RunRecord, u64) -> std::io::Result<bool>) {
        let Some(r) = &mut self.record else { return };
        let now = now_ms();
        let said = match write(r, now) {
            Ok(false) => return,
            Ok(true) => format!(
                "the event stream of {} stopped at its limit of {} MiB (samples, faults and the verdict go on)",
                r.dir.display(),
                run_record::MAX_EVENT_BYTES >> 20
            ),
            Err(e) => {
                let text = format!("stopped recording this run ({}: {e})", r.dir.display());
                self.record = None;
                text
            }
        };
        self.view.log(now, None, crate::cluster::LogKind::Warning, said);
    }

    /// Samples the view into the run's metrics once a second (`now` too:
    /// at once, as a fault or a process changed).
    pub(crate) fn sample(&mut self, now: u64) {
        self.sample_when(now, false)
    }

    pub(crate) fn sample_when(&mut self, now: u64, at_once: bool) {
        let Some(r) = &mut self.record else { return };
        let done = if at_once { r.sample_now(&self.view, now) } else { r.sample(&self.view, now) };
        if let Err(e) = done {
            let text = format!("stopped recording this run ({}: {e})", r.dir.display());
            self.record = None;
            self.view.log(now, None, crate::cluster::LogKind::Warning, text);
        }
    }

    /// Applies one cluster event to the view; a node that (re)connects gets
    /// the faults in force pushed to it again. The event, and the alarms the
    /// watchdog raises on it, go to the run's record.
    pub fn apply(&mut self, ev: ClusterEvent) {
        if let ClusterEvent::Connected { node } = &ev {
            self.repush(*node);
        }
        self.record_with(|r, now| r.cluster_event(now, &ev));
        let now = now_ms();
        let process_changed = matches!(ev, ClusterEvent::Proc(_));
        self.view.apply(ev, now);
        let stakes: Vec<u64> = self.dir.spec.validators.iter().map(|v| v.stake).collect();
        let alarms = self.view.alarms.len();
        self.watchdog.check(&mut self.view, &self.faults, &stakes, now);
        for i in alarms..self.view.alarms.len() {
            let a = &self.view.alarms[i];
            let item = Recorded::Alarm { kind: a.kind.clone(), detail: a.detail.clone() };
            self.record(item);
        }
        self.refresh_loads();
        self.metrics.update(&self.view);
        self.sample_when(now, process_changed);
    }

    /// Ends the run's record (once): `verdict`, the last sample and the
    /// nodes' logs. `shutdown` calls it with the alarms when nobody did.
    pub fn finish_record(&mut self, verdict: serde_json::Value) {
        let Some(r) = &mut self.record else { return };
        if let Err(e) = r.finish(&self.view, now_ms(), verdict) {
            eprintln!("devnet: the run record in {} is incomplete: {e}", r.dir.display());
        }
    }

    /// What a run that was not a scenario ended with: its alarms.
    fn alarms_verdict(&self) -> serde_json::Value {
        let alarms: Vec<_> = self
            .view
            .alarms
            .iter()
            .map(|a| serde_json::json!({"kind": a.kind, "detail": a.detail, "time_ms": a.time_ms}))
            .collect();
        serde_json::json!({"type": "verdict", "passed": alarms.is_empty(), "alarms": alarms})
    }

    /// Answers a request from the control endpoint.
    pub async fn handle_control(&mut self, req: ControlReq) {
        match req {
            ControlReq::Status(reply) => {
                let _ = reply.send(json::summary(&self.view, now_ms()).to_string());
            }
            ControlReq::Inject(words, reply) => {
                let r = self.inject(&words).await;
                let _ = reply.send(r);
            }
            ControlReq::Watch(reply) => {
                let _ = reply.send(self.watch());
            }
        }
    }

    /// A new watcher of the view (`devnet attach`): the run's start, the
    /// record so far and every line from now on. Needs the run's record.
    fn watch(&mut self) -> Result<control::WatchStart, String> {
        let Some(r) = &mut self.record else {
            return Err("this devnet keeps no record of its run (see its event log), so its view cannot be sent".into());
        };
        let read = |file: &str| run_record::read(&r.dir, file);
        let (genesis_json, nodes_json) = (read(run_record::GENESIS)?, read(run_record::NODES)?);
        let start = devnet_proto::v1::RunStart {
            genesis_json,
            nodes_json,
            started_ms: r.started_ms,
            now_ms: now_ms(),
            cluster_dir: self.dir.root.display().to_string(),
        };
        let (history, live) = r.watch(control::WATCH_QUEUE)?;
        Ok(control::WatchStart { start, history, live })
    }

    pub(crate) fn spawn_watcher(&mut self, node: usize) {
        let entry = self.dir.nodes.nodes[node].clone();
        self.tasks.push(watch::spawn_watcher(node, &entry, self.event_tx.clone()));
    }

    /// Stops every node (SIGTERM, then SIGKILL after the grace period) and
    /// the watchers, and releases what the backend made (docker: containers, network); a load still running is dropped without a report. The
    /// run's record ends here, with the nodes' logs whole.
    pub async fn shutdown(mut self) {
        self.loads = DevnetLoads::default();
        for t in &self.tasks {
            t.abort();
        }
        // Removes control.addr only while it still names this devnet's endpoint.
        let path = self.dir.control_addr_path();
        if std::fs::read_to_string(&path).is_ok_and(|a| a.trim() == self.control_addr.to_string()) {
            let _ = std::fs::remove_file(&path);
        }
        self.backend.stop_all(STOP_GRACE).await;
        if self.record.as_ref().is_some_and(|r| !r.finished()) {
            let verdict = self.alarms_verdict();
            self.finish_record(verdict);
        }
    }
}

/// The view of a cluster before anything has happened: what a devnet starts
/// from and what `devnet replay` folds a recorded run into.
pub fn initial_view(spec: &devnet_node::chain::ChainSpec, nodes: &[devnet_node::config::NodeEntry]) -> ClusterView {
    let s = spec;
    let mut view = ClusterView::new(&s.name, &s.consensus, s.slot_ms, s.epoch_slots, s.genesis_time_ms, nodes);
    view.validators = std::mem::take(&mut view.validators).with_spec(s);
    view.txs.max_block_txs = s.ledger().max_block_txs;
    view
}

/// Moves the cluster's nodes to the addresses `backend` gives them
/// (nodes.json, targets.json), then adds each to it.
fn place_nodes(
    backend: &mut dyn Backend,
    dir: &mut ClusterDir,
    program: &Path,
    seed: Option<u64>,
) -> anyhow::Result<()> {
    let n = dir.nodes.nodes.len();
    let addrs = (0..n).map(|i| backend.new_node_addrs(i)).collect::<anyhow::Result<Vec<_>>>()?;
    dir.set_addrs(&addrs)?;
    for i in 0..n {
        backend.add(node_command(dir, program, i, seed));
    }
    Ok(())
}

/// How the backend starts node `i` of `dir`.
pub(crate) fn node_command(dir: &ClusterDir, program: &Path, i: usize, seed: Option<u64>) -> NodeCommand {
    let entry = &dir.nodes.nodes[i];
    let mut reads = vec![dir.genesis_path(), dir.nodes_path(), dir.token_path()];
    let mut args = vec![
        "--genesis".into(),
        dir.genesis_path().display().to_string(),
        "--nodes".into(),
        dir.nodes_path().display().to_string(),
        "--index".into(),
        i.to_string(),
        "--data-dir".into(),
        dir.store_path(i).display().to_string(),
        "--token-file".into(),
        dir.token_path().display().to_string(),
    ];
    if let Some(v) = entry.validator {
        args.extend(["--key".into(), dir.key_path(v).display().to_string()]);
        reads.push(dir.key_path(v));
    }
    if let Some(s) = seed {
        args.extend(["--seed".into(), s.wrapping_add(i as u64).to_string()]);
    }
    NodeCommand {
        id: entry.id.clone(),
        program: program.to_path_buf(),
        args,
        log: dir.log_path(i),
        reads,
        writes: vec![dir.store_path(i)],
    }
}
