//! The cluster directory: everything one devnet keeps on disk.
//!
//! ```text
//! <data-dir>/<name>/
//!   genesis.json        chain spec (keys' public halves, stakes, genesis time)
//!   nodes.json          node ids, gRPC addresses, validator indices (rewritten at each `up`)
//!   keys/n0.key ...     validator seeds, hex, mode 0600
//!   token               cluster token for Control calls, mode 0600
//!   devnet.lock         held (flock) by the running `devnet`; its pid and start time
//!   control.addr        where the running `devnet` serves `devnet status`/`inject`
//!   targets.json        Prometheus file_sd targets: each node's /metrics and devnet's own
//!   nodes/n0/ ...       each node's store (node.redb)
//!   logs/n0.log ...     each node's stdout and stderr, appended across restarts
//!   runs/<ms>/ ...      what each run of this cluster left behind (`run_record`)
//! ```
//!
//! A directory that already holds `genesis.json` is resumed: same keys and
//! genesis, each node on its own store. Resuming with a config whose chain
//! parameters differ is an error that suggests `--fresh`.
//!
//! `prepare` takes the directory's lock (`cluster_lock`) before it reads or
//! writes anything else, so a second `devnet` on a running cluster is refused
//! with the directory unchanged; `--fresh` then empties the directory but for
//! the lock file it holds and `runs/`, the records of earlier runs
//! (`run_record`), which a new cluster does not erase.

use crate::cluster_lock::{ClusterLock, LOCK_FILE};
use crate::config::DevnetConfig;
use crate::supervisor::NodeAddrs;
use anyhow::{Context, bail};
use devnet_node::chain::{ChainSpec, SecretKey, ValidatorSpec};
use devnet_node::config::{ClusterNodes, NodeEntry, read_json, write_key, write_secret};
use rand::RngCore;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

pub struct ClusterDir {
    pub root: PathBuf,
    pub spec: ChainSpec,
    pub nodes: ClusterNodes,
    /// True when an existing cluster was resumed rather than created.
    pub resumed: bool,
    /// Where the running `devnet` serves its own `/metrics` (for `targets.json`).
    pub orchestrator_metrics: Option<SocketAddr>,
    /// This process owns the directory while it holds this.
    pub lock: ClusterLock,
}

pub fn node_id(i: usize) -> String {
    format!("n{i}")
}

/// The default data directory: the user's data dir (XDG on Linux) + `devnet`.
pub fn default_data_dir() -> anyhow::Result<PathBuf> {
    directories::ProjectDirs::from("", "", "devnet")
        .map(|d| d.data_dir().to_path_buf())
        .context("cannot find the user's data directory (is $HOME set?); pass --data-dir")
}

fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl ClusterDir {
    pub fn genesis_path(&self) -> PathBuf {
        self.root.join("genesis.json")
    }
    pub fn nodes_path(&self) -> PathBuf {
        self.root.join("nodes.json")
    }
    pub fn token_path(&self) -> PathBuf {
        self.root.join("token")
    }
    pub fn control_addr_path(&self) -> PathBuf {
        self.root.join("control.addr")
    }
    /// The key of validator `v` (a twin shares its original's key).
    pub fn key_path(&self, v: u32) -> PathBuf {
        self.root.join("keys").join(format!("{}.key", node_id(v as usize)))
    }
    fn id(&self, i: usize) -> String {
        self.nodes.nodes.get(i).map_or_else(|| node_id(i), |n| n.id.clone())
    }
    pub fn store_path(&self, i: usize) -> PathBuf {
        self.root.join("nodes").join(self.id(i))
    }
    pub fn log_path(&self, i: usize) -> PathBuf {
        self.root.join("logs").join(format!("{}.log", self.id(i)))
    }

    /// The cluster token (random, made once per cluster, mode 0600).
    pub fn token(&self) -> anyhow::Result<String> {
        let text = std::fs::read_to_string(self.token_path())
            .with_context(|| format!("reading {}", self.token_path().display()))?;
        Ok(text.trim().to_string())
    }

    pub fn targets_path(&self) -> PathBuf {
        self.root.join("targets.json")
    }

    /// `targets.json`: every node's metrics address in Prometheus' file
    /// service discovery format (`file_sd_configs`), labelled with the
    /// cluster and node; `devnet` itself is added when its own endpoint is up.
    pub fn write_targets(&self) -> anyhow::Result<()> {
        let orchestrator = self.orchestrator_metrics;
        let cluster = self.spec.name.clone();
        let mut groups: Vec<serde_json::Value> = self
            .nodes
            .nodes
            .iter()
            .filter_map(|n| {
                let m = n.metrics?;
                Some(serde_json::json!({"targets": [m.to_string()], "labels": {"cluster": cluster, "node": n.id, "job": "devnet-node"}}))
            })
            .collect();
        if let Some(a) = orchestrator {
            groups
                .push(serde_json::json!({"targets": [a.to_string()], "labels": {"cluster": cluster, "job": "devnet"}}));
        }
        write_json(&self.targets_path(), &groups)
    }

    /// Adds a node (a twin) serving at `addrs` to nodes.json and returns its index.
    pub fn add_node(&mut self, id: String, validator: u32, addrs: NodeAddrs) -> anyhow::Result<usize> {
        self.nodes.nodes.push(NodeEntry { id, addr: addrs.grpc, validator: Some(validator), metrics: addrs.metrics });
        self.write_targets()?;
        write_json(&self.nodes_path(), &self.nodes)?;
        Ok(self.nodes.nodes.len() - 1)
    }

    /// Moves the nodes to the addresses their backend gives them (docker:
    /// each container's IP) and rewrites nodes.json and targets.json.
    pub fn set_addrs(&mut self, addrs: &[NodeAddrs]) -> anyhow::Result<()> {
        for (n, a) in self.nodes.nodes.iter_mut().zip(addrs) {
            n.addr = a.grpc;
            n.metrics = a.metrics;
        }
        write_json(&self.nodes_path(), &self.nodes)?;
        self.write_targets()
    }

    /// Creates or resumes the cluster of `cfg` under `data_dir`.
    pub fn prepare(cfg: &DevnetConfig, data_dir: &Path, fresh: bool) -> anyhow::Result<ClusterDir> {
        let root = data_dir.join(&cfg.name);
        let lock = ClusterLock::acquire(&root)?;
        if fresh {
            empty_but_lock(&root)?;
        }
        for sub in ["keys", "nodes", "logs"] {
            std::fs::create_dir_all(root.join(sub)).with_context(|| format!("creating {}", root.display()))?;
        }
        let genesis = root.join("genesis.json");
        let token = root.join("token");
        if !token.exists() {
            let mut t = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut t);
            write_secret(&token, &hex::encode(t))?;
        }
        let (spec, resumed) = if genesis.exists() {
            let spec: ChainSpec = read_json(&genesis)?;
            check_resumable(cfg, &spec, &root)?;
            (spec, true)
        } else {
            (create(cfg, &root)?, false)
        };
        // Metrics ports: the next block after the gRPC ones (with a base port,
        // or in one pick of free ports, so the two sets never share a port).
        let mut addrs = pick_addrs(cfg.base_port, 2 * cfg.nodes)?;
        let metrics = addrs.split_off(cfg.nodes);
        let nodes = ClusterNodes {
            nodes: addrs
                .into_iter()
                .zip(metrics)
                .enumerate()
                .map(|(i, (addr, m))| NodeEntry { id: node_id(i), addr, validator: Some(i as u32), metrics: Some(m) })
                .collect(),
        };
        let dir = ClusterDir { root, spec, nodes, resumed, orchestrator_metrics: None, lock };
        write_json(&dir.nodes_path(), &dir.nodes)?;
        dir.write_targets()?;
        Ok(dir)
    }
}

/// `--fresh`: removes everything in `root` except the lock file this process
/// holds and the records of earlier runs (`runs/`).
fn empty_but_lock(root: &Path) -> anyhow::Result<()> {
    let removing = || format!("removing the contents of {}", root.display());
    for entry in std::fs::read_dir(root).with_context(removing)? {
        let entry = entry.with_context(removing)?;
        if entry.file_name() == LOCK_FILE || entry.file_name() == crate::run_record::RUNS {
            continue;
        }
        let path = entry.path();
        let removed = if entry.file_type().with_context(removing)?.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.with_context(|| format!("removing {}", path.display()))?;
    }
    Ok(())
}

fn create(cfg: &DevnetConfig, root: &Path) -> anyhow::Result<ChainSpec> {
    let mut validators = Vec::with_capacity(cfg.nodes);
    for i in 0..cfg.nodes {
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        let key = SecretKey::from_seed(seed);
        write_key(&root.join("keys").join(format!("{}.key", node_id(i))), &key)?;
        validators.push(ValidatorSpec { pubkey: hex::encode(key.public().0), stake: cfg.stake[i] });
    }
    let spec = ChainSpec {
        name: cfg.name.clone(),
        consensus: cfg.consensus.clone(),
        slot_ms: cfg.slot_ms,
        epoch_slots: cfg.epoch_slots,
        genesis_time_ms: unix_ms() + cfg.genesis_delay_ms,
        validators,
        params: cfg.engine_params.iter().map(|p| (cfg.consensus.clone(), p.clone())).collect(),
        ledger: Some(cfg.ledger.clone()),
    };
    write_json(&root.join("genesis.json"), &spec)?;
    Ok(spec)
}

/// The engine parameters `spec` ran on: what it stores over the engine's
/// defaults for its `slot_ms` (all of them when it stores none), as the
/// engine reads them (`ChainSpec::params`).
fn params_in_force(spec: &ChainSpec) -> Result<Option<serde_json::Value>, String> {
    let stored = spec.params.get(&spec.consensus).and_then(|v| v.as_object());
    devnet_node::consensus::params::read_table(&spec.consensus, spec.slot_ms, spec.validators.len(), stored)
        .map_err(|e| e.message)
}

/// The engine parameters that differ, key by key (`pbft.pacing_ms`).
fn param_diffs(
    engine: &str,
    was: Option<serde_json::Value>,
    now: Option<serde_json::Value>,
) -> Vec<(String, String, String)> {
    let show = |v: Option<&serde_json::Value>| v.map_or_else(|| "unset".to_string(), |v| v.to_string());
    match (was, now) {
        (Some(serde_json::Value::Object(was)), Some(serde_json::Value::Object(now))) => {
            let keys: std::collections::BTreeSet<&String> = was.keys().chain(now.keys()).collect();
            keys.into_iter().map(|k| (format!("{engine}.{k}"), show(was.get(k)), show(now.get(k)))).collect()
        }
        (was, now) => vec![(format!("[{engine}]"), show(was.as_ref()), show(now.as_ref()))],
    }
}

fn check_resumable(cfg: &DevnetConfig, spec: &ChainSpec, root: &Path) -> anyhow::Result<()> {
    let stakes: Vec<u64> = spec.validators.iter().map(|v| v.stake).collect();
    let mut diffs: Vec<(String, String, String)> = [
        ("consensus", spec.consensus.clone(), cfg.consensus.clone()),
        ("nodes", spec.validators.len().to_string(), cfg.nodes.to_string()),
        ("slot_ms", spec.slot_ms.to_string(), cfg.slot_ms.to_string()),
        ("epoch_slots", spec.epoch_slots.to_string(), cfg.epoch_slots.to_string()),
        ("stake", format!("{stakes:?}"), format!("{:?}", cfg.stake)),
        ("[ledger]", format!("{:?}", spec.ledger()), format!("{:?}", cfg.ledger)),
    ]
    .into_iter()
    .map(|(k, was, now)| (k.to_string(), was, now))
    .collect();
    if spec.consensus == cfg.consensus {
        match params_in_force(spec) {
            Ok(was) => diffs.extend(param_diffs(&spec.consensus, was, cfg.engine_params.clone())),
            Err(why) => diffs.push((format!("[{}]", spec.consensus), format!("unreadable ({why})"), "valid".into())),
        }
    }
    let diffs: Vec<String> = diffs
        .into_iter()
        .filter(|(_, was, now)| was != now)
        .map(|(k, was, now)| format!("{k} was {was}, config says {now}"))
        .collect();
    if !diffs.is_empty() {
        bail!(
            "cluster directory {} was created with different settings ({}); pass --fresh to start a new cluster",
            root.display(),
            diffs.join("; ")
        );
    }
    Ok(())
}

fn pick_addrs(base_port: u16, n: usize) -> anyhow::Result<Vec<SocketAddr>> {
    if base_port != 0 {
        return Ok((0..n).map(|i| SocketAddr::from(([127, 0, 0, 1], base_port + i as u16))).collect());
    }
    crate::ports::free_loopback(n)
}

fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(value)?).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}
