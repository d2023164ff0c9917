//! A running devnet: the cluster directory, the supervisor with its node
//! processes, the watchers, and the `ClusterView` they feed. Headless mode and
//! the dashboard both drive one of these; neither touches processes or gRPC
//! directly.

use crate::cluster::{ClusterEvent, ClusterView, watch::spawn_watchers};
use crate::cluster_dir::ClusterDir;
use crate::config::DevnetConfig;
use crate::supervisor::{NodeCommand, Supervisor, node_binary};
use std::path::Path;
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
    pub supervisor: Supervisor,
    pub events: mpsc::Receiver<ClusterEvent>,
    pub view: ClusterView,
    tasks: Vec<JoinHandle<()>>,
}

impl Devnet {
    /// Prepares the cluster directory, starts every node and connects to them.
    pub async fn up(cfg: &DevnetConfig, data_dir: &Path, fresh: bool) -> anyhow::Result<Devnet> {
        let dir = ClusterDir::prepare(cfg, data_dir, fresh)?;
        let program = node_binary()?;
        let commands = (0..dir.nodes.nodes.len())
            .map(|i| NodeCommand {
                program: program.clone(),
                args: vec![
                    "--genesis".into(),
                    dir.genesis_path().display().to_string(),
                    "--nodes".into(),
                    dir.nodes_path().display().to_string(),
                    "--index".into(),
                    i.to_string(),
                    "--key".into(),
                    dir.key_path(i).display().to_string(),
                    "--data-dir".into(),
                    dir.store_path(i).display().to_string(),
                ],
                log: dir.log_path(i),
            })
            .collect();
        let (tx, events) = mpsc::channel(EVENT_QUEUE);
        let (proc_tx, mut proc_rx) = mpsc::channel(256);
        let mut supervisor = Supervisor::new(commands, proc_tx);
        let forward = tx.clone();
        let mut tasks = vec![tokio::spawn(async move {
            while let Some(p) = proc_rx.recv().await {
                if forward.send(ClusterEvent::Proc(p)).await.is_err() {
                    return;
                }
            }
        })];
        supervisor.start_all()?;
        tasks.extend(spawn_watchers(&dir.nodes.nodes, tx));
        let s = &dir.spec;
        let mut view =
            ClusterView::new(&s.name, &s.consensus, s.slot_ms, s.epoch_slots, s.genesis_time_ms, &dir.nodes.nodes);
        view.validators = std::mem::take(&mut view.validators).with_spec(s);
        Ok(Devnet { dir, supervisor, events, view, tasks })
    }

    /// Applies one event to the view; returns it for callers that also print it.
    pub fn apply(&mut self, ev: ClusterEvent) {
        self.view.apply(ev, now_ms());
    }

    /// Stops every node (SIGTERM, then SIGKILL after the grace period) and the watchers.
    pub async fn shutdown(mut self) {
        for t in &self.tasks {
            t.abort();
        }
        self.supervisor.stop_all(STOP_GRACE).await;
    }
}
