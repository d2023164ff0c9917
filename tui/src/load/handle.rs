//! A load as a running thing. `start` checks the settings against the
//! cluster's files and returns a `LoadHandle` at once; background tasks
//! connect, send, drain and report (`drive`), so nothing that starts or
//! stops a load waits on the network. `devnet load` waits for its window or
//! Ctrl-C; the devnet's own loads (the `load 500/s` fault words, the
//! dashboard's `L`) run until `load stop` or the end of a scenario run.

use super::drive::{Plan, drive};
use super::report::LoadReport;
use super::tracker::{Tracker, live};
use crate::cluster::txs::LoadFigures;
use crate::node_client::ClusterFiles;
use devnet_node::config::NodeEntry;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often the live figures are worked out (off the caller's thread).
const FIGURES_EVERY: Duration = Duration::from_millis(500);

/// The highest rate a load takes, transfers a second.
pub const MAX_RATE: f64 = 1e6;

/// What to run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Transfers a second.
    pub rate: f64,
    /// How long to send for; `None`: until stopped.
    pub window: Option<Duration>,
    /// Senders 0..N (default: min(genesis accounts, 100)).
    pub accounts: Option<u32>,
    /// Target node ids (default: every node in nodes.json).
    pub nodes: Vec<String>,
    /// After the window, the longest to wait for outstanding transfers.
    pub drain: Duration,
    /// Send only to the targets that answer at the start (a devnet's own
    /// load, where a node may be down or paused) instead of failing.
    pub skip_unreachable: bool,
}

/// Settings that do not fit the cluster; each caller words them (`devnet
/// load` names its flags).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Invalid {
    #[error("the rate must be above 0 and at most 1000000 a second, not {0}")]
    Rate(f64),
    #[error("the accounts must be 2 to {genesis} (the genesis accounts), not {got}")]
    Accounts { got: u32, genesis: u32 },
    #[error("{0}")]
    Node(String),
    #[error("no nodes to send to")]
    NoNodes,
}

/// Why a load ended without a report.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The cluster is not the one the files describe (`devnet load` exits 2).
    #[error("{0}")]
    Bad(String),
    #[error("{0:#}")]
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for LoadError {
    fn from(e: anyhow::Error) -> LoadError {
        LoadError::Failed(e)
    }
}

/// How to stop: the longest to wait for outstanding transfers, and whether
/// the report says it was cut short. A later stop can only shorten the drain.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stop {
    pub drain: Duration,
    pub interrupted: bool,
}

impl Stop {
    /// Ctrl-C, or a load replaced by another: wait only for replies to submits in flight.
    pub const INTERRUPT: Stop = Stop { drain: Duration::ZERO, interrupted: true };

    /// Stop sending; wait up to `drain` for outstanding transfers.
    pub fn drain(drain: Duration) -> Stop {
        Stop { drain, interrupted: false }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// Connecting, subscribing, reading nonces.
    Starting,
    Sending {
        nodes: Vec<String>,
        accounts: u32,
    },
    /// Sending has stopped; waiting for replies and finality, then asking about the rest.
    Draining,
    /// The report (or the error) is ready.
    Done,
}

/// Resolves when a load has finished (for a load that must wait for the one it replaces).
#[derive(Clone, Debug)]
pub struct Finished(watch::Receiver<Phase>);

impl Finished {
    pub async fn wait(mut self) {
        // An error means the task is gone: finished too.
        let _ = self.0.wait_for(|p| *p == Phase::Done).await;
    }
}

/// Aborts its task when dropped.
pub(super) struct AbortOnDrop(pub JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

type Outcome = Arc<Mutex<Option<Result<LoadReport, LoadError>>>>;

/// A load running in the background. Dropping it aborts the load (its
/// submits in flight still get their replies, unread).
pub struct LoadHandle {
    rate: f64,
    accounts: u32,
    stop: watch::Sender<Option<Stop>>,
    phase: watch::Receiver<Phase>,
    figures: Arc<Mutex<LoadFigures>>,
    tracker: Arc<Mutex<Tracker>>,
    outcome: Outcome,
    _tasks: [AbortOnDrop; 2],
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn check_rate(rate: f64) -> Result<(), Invalid> {
    if rate.is_finite() && rate > 0.0 && rate <= MAX_RATE { Ok(()) } else { Err(Invalid::Rate(rate)) }
}

/// Checks `s` against the cluster in `files` and starts the load (after
/// `after` has finished, when given: the load it replaces, whose senders'
/// nonces it must not race).
pub fn start(files: &ClusterFiles, s: Settings, after: Option<Finished>) -> Result<LoadHandle, Invalid> {
    check_rate(s.rate)?;
    let mut targets: Vec<NodeEntry> = Vec::new();
    if s.nodes.is_empty() {
        targets.extend(files.nodes.iter().cloned());
    }
    for id in &s.nodes {
        let e = files.node(id).map_err(Invalid::Node)?;
        if !targets.iter().any(|t| t.id == e.id) {
            targets.push(e.clone());
        }
    }
    if targets.is_empty() {
        return Err(Invalid::NoNodes);
    }
    let genesis = files.spec.ledger().accounts;
    let accounts = s.accounts.unwrap_or(genesis.min(100));
    if accounts < 2 || accounts > genesis {
        return Err(Invalid::Accounts { got: accounts, genesis });
    }
    let plan = Plan {
        chain: files.chain_id(),
        genesis_file: files.root.join("genesis.json"),
        targets,
        accounts,
        rate: s.rate,
        window: s.window,
        drain: s.drain,
        skip_unreachable: s.skip_unreachable,
    };

    let tracker = Arc::new(Mutex::new(Tracker::new(0)));
    let (stop_tx, mut stop_rx) = watch::channel(None);
    let (phase_tx, phase_rx) = watch::channel(Phase::Starting);
    let outcome: Outcome = Arc::new(Mutex::new(None));
    let figures = Arc::new(Mutex::new(LoadFigures { rate: s.rate, ..Default::default() }));

    let (t, o) = (tracker.clone(), outcome.clone());
    let run = tokio::spawn(async move {
        if let Some(before) = after {
            before.wait().await;
        }
        let r = drive(plan, t, &mut stop_rx, &phase_tx).await;
        *lock(&o) = Some(r);
        phase_tx.send_replace(Phase::Done);
    });
    let (f, mut phase, t) = (figures.clone(), phase_rx.clone(), tracker.clone());
    let rate = s.rate;
    let watch_figures = tokio::spawn(async move {
        let mut tick = tokio::time::interval(FIGURES_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = phase.wait_for(|p| *p == Phase::Done) => return,
            }
            *lock(&f) = figures_of(&t, rate);
        }
    });
    Ok(LoadHandle {
        rate: s.rate,
        accounts,
        stop: stop_tx,
        phase: phase_rx,
        figures,
        tracker,
        outcome,
        _tasks: [AbortOnDrop(run), AbortOnDrop(watch_figures)],
    })
}

/// The figures now: the latencies are copied under the lock and selected outside it.
fn figures_of(tracker: &Mutex<Tracker>, rate: f64) -> LoadFigures {
    let (submitted, final_, latencies) = lock(tracker).live_parts();
    let l = live(submitted, final_, latencies);
    LoadFigures { rate, submitted: l.submitted, final_: l.final_, p50_ms: l.p50_ms, p99_ms: l.p99_ms }
}

impl LoadHandle {
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Its senders: accounts 0..this.
    pub fn accounts(&self) -> u32 {
        self.accounts
    }

    /// The live figures (worked out every `FIGURES_EVERY`; a copy, cheap).
    pub fn figures(&self) -> LoadFigures {
        lock(&self.figures).clone()
    }

    /// The figures as of now (linear in the final transfers so far; for a
    /// one-off, such as the moment it is stopped).
    pub fn figures_now(&self) -> LoadFigures {
        figures_of(&self.tracker, self.rate)
    }

    pub fn phase(&self) -> Phase {
        self.phase.borrow().clone()
    }

    /// Asks the load to stop; it drains and reports in the background.
    pub fn request_stop(&self, how: Stop) {
        self.stop.send_replace(Some(how));
    }

    pub fn is_finished(&self) -> bool {
        *self.phase.borrow() == Phase::Done || self.phase.has_changed().is_err()
    }

    /// Resolves once the load is sending (or finished without sending).
    pub async fn started(&mut self) {
        let _ = self.phase.wait_for(|p| *p != Phase::Starting).await;
    }

    /// Resolves once the report (or the error) is ready.
    pub async fn finished(&mut self) {
        let _ = self.phase.wait_for(|p| *p == Phase::Done).await;
    }

    pub fn finished_signal(&self) -> Finished {
        Finished(self.phase.clone())
    }

    /// The report, once finished (`None` before).
    pub fn take_report(&mut self) -> Option<Result<LoadReport, LoadError>> {
        if !self.is_finished() {
            return None;
        }
        let taken = lock(&self.outcome).take();
        Some(taken.unwrap_or_else(|| Err(LoadError::Failed(anyhow::anyhow!("the load ended without a report")))))
    }

    /// Waits for the report.
    pub async fn report(mut self) -> Result<LoadReport, LoadError> {
        self.finished().await;
        self.take_report().unwrap_or_else(|| Err(LoadError::Failed(anyhow::anyhow!("the load ended without a report"))))
    }

    /// Stops the load and waits for its report (at most `how.drain` plus
    /// the replies in flight and the end-of-run status queries).
    pub async fn stop(self, how: Stop) -> Result<LoadReport, LoadError> {
        self.request_stop(how);
        self.report().await
    }
}
