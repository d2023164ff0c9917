//! The one watcher of a devnet's pods (kube's `watcher`: list, then watch,
//! relisting after a gap): it feeds each node's pod to the `Tracker`, sends
//! the `ProcEvent`s that come out, starts a log follower for each run of a
//! container, and bumps `changed` so that a backend call waiting for a pod
//! (ready, gone) looks again.

use super::logs;
use super::pods::{self, Tracker};
use crate::supervisor::ProcEvent;
use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};

/// What the watcher and the backend share.
pub struct Shared {
    tracker: Mutex<Tracker>,
    /// Node ids by index, and where each one's output goes.
    nodes: Mutex<Vec<(String, PathBuf)>>,
    changed: watch::Sender<u64>,
}

impl Shared {
    pub fn new() -> Arc<Shared> {
        Arc::new(Shared {
            tracker: Mutex::new(Tracker::default()),
            nodes: Mutex::new(vec![]),
            changed: watch::Sender::new(0),
        })
    }

    pub fn tracker(&self) -> MutexGuard<'_, Tracker> {
        self.tracker.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A node the watcher will know by its id.
    pub fn add(&self, id: String, log: PathBuf) {
        self.nodes.lock().unwrap_or_else(|e| e.into_inner()).push((id, log));
        self.tracker().add();
    }

    /// Bumped at every pod change.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    fn node(&self, id: &str) -> Option<(usize, PathBuf)> {
        let nodes = self.nodes.lock().unwrap_or_else(|e| e.into_inner());
        nodes.iter().position(|(n, _)| n == id).map(|i| (i, nodes[i].1.clone()))
    }

    fn len(&self) -> usize {
        self.nodes.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// Watches the pods `selector` picks until aborted.
pub fn spawn(pods: Api<Pod>, selector: String, shared: Arc<Shared>, events: mpsc::Sender<ProcEvent>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let stream = watcher::watcher(pods.clone(), watcher::Config::default().labels(&selector)).default_backoff();
        let mut stream = std::pin::pin!(stream);
        let mut w = Watching {
            pods,
            shared,
            events,
            listed: BTreeSet::new(),
            followed: BTreeSet::new(),
            followers: JoinSet::new(),
        };
        while let Some(event) = stream.next().await {
            // Errors are retried by the backoff; the next event says what holds.
            let Ok(event) = event else { continue };
            match event {
                Event::Init => w.listed.clear(),
                Event::InitApply(p) => {
                    if let Some(node) = w.seen(&p).await {
                        w.listed.insert(node);
                    }
                }
                Event::InitDone => {
                    // A pod deleted while nobody watched: gone now.
                    let gone: Vec<usize> = (0..w.shared.len()).filter(|n| !w.listed.contains(n)).collect();
                    for node in gone {
                        w.report(node, None).await;
                    }
                }
                Event::Apply(p) => {
                    w.seen(&p).await;
                }
                Event::Delete(p) => {
                    let Some((node, _)) = pods::node_of(&p).and_then(|id| w.shared.node(id)) else { continue };
                    let uid = p.metadata.uid.clone().unwrap_or_default();
                    // Only the pod it knows: a newer one of the same name stays.
                    let current = w.shared.tracker().pod(node).is_none_or(|f| f.uid == uid);
                    if current {
                        w.report(node, None).await;
                    }
                }
            }
            while w.followers.try_join_next().is_some() {}
        }
    })
}

struct Watching {
    pods: Api<Pod>,
    shared: Arc<Shared>,
    events: mpsc::Sender<ProcEvent>,
    /// Nodes whose pod the current (re)list showed.
    listed: BTreeSet<usize>,
    /// Runs (pod uid, restart count) whose output is followed.
    followed: BTreeSet<(String, i32)>,
    followers: JoinSet<()>,
}

impl Watching {
    /// A pod as it now is; its node, if it is one of ours.
    async fn seen(&mut self, pod: &Pod) -> Option<usize> {
        let (node, log) = pods::node_of(pod).and_then(|id| self.shared.node(id))?;
        let facts = pods::facts(pod);
        if facts.started && self.followed.insert((facts.uid.clone(), facts.restarts)) {
            let name = pod.metadata.name.clone().unwrap_or_default();
            self.followers.spawn(logs::follow(self.pods.clone(), name, log));
        }
        self.report(node, Some(facts)).await;
        Some(node)
    }

    async fn report(&mut self, node: usize, facts: Option<pods::PodFacts>) {
        let states = self.shared.tracker().observe(node, facts);
        self.shared.changed.send_modify(|n| *n += 1);
        for state in states {
            let _ = self.events.send(ProcEvent { node, state }).await;
        }
    }
}
