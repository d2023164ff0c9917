//! A load the devnet runs itself, from the `load RATE/s [ACCOUNTS]` and
//! `load stop` words (`devnet inject`, scenario steps, the dashboard's
//! prompt and its `L` key).
//!
//! - One load at a time. A new one replaces the running one, which stops at
//!   once (only the replies in flight are awaited) and reports; the new one
//!   starts when those replies are in, so the two never race for the
//!   senders' nonces.
//! - It sends to the nodes running when it starts, leaving out any that do
//!   not answer then (a paused node), until stopped. `load stop` lets it
//!   drain for up to `STOP_DRAIN` in the background; nothing here waits on
//!   the network, so the dashboard never stalls.
//! - The running load's figures go into `view.txs.load`, refreshed at most
//!   every `REFRESH` from `Devnet::apply`; reports go into the event log
//!   when they are ready, and the last `KEPT_REPORTS` are kept for
//!   `finish_loads` (a scenario run's report) and `take_fresh_loads`
//!   (headless mode prints them).

use super::handle::{LoadHandle, Phase, Settings, Stop, start};
use super::report::LoadReport;
use crate::cluster::LogKind;
use crate::devnet::{Devnet, now_ms};
use crate::node_client::ClusterFiles;
use std::time::{Duration, Instant};

/// How long a stopped load waits for its outstanding transfers at most.
pub const STOP_DRAIN: Duration = Duration::from_secs(10);
/// The live figures in the view are at most this old.
const REFRESH: Duration = Duration::from_millis(250);
const KEPT_REPORTS: usize = 16;

/// The devnet's loads: the running one, stopped ones still draining, and
/// the outcomes of finished ones (oldest first).
#[derive(Default)]
pub struct DevnetLoads {
    running: Option<LoadHandle>,
    /// Its start has been logged.
    announced: bool,
    stopping: Vec<LoadHandle>,
    finished: Vec<Result<LoadReport, String>>,
    /// Finished since `take_fresh_loads` last looked (headless prints them).
    fresh: Vec<Result<LoadReport, String>>,
    refreshed: Option<Instant>,
}

impl DevnetLoads {
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }
}

impl Devnet {
    fn cluster_files(&self) -> ClusterFiles {
        ClusterFiles { root: self.dir.root.clone(), spec: self.dir.spec.clone(), nodes: self.dir.nodes.nodes.clone() }
    }

    /// `load RATE/s [ACCOUNTS]`: starts a load, replacing the running one.
    pub(crate) fn start_load(&mut self, rate: f64, accounts: Option<u32>) -> Result<String, String> {
        let nodes: Vec<String> = (0..self.dir.nodes.nodes.len())
            .filter(|i| self.backend.is_alive(*i))
            .map(|i| self.dir.nodes.nodes[i].id.clone())
            .collect();
        if nodes.is_empty() {
            return Err("no node is running to send to".into());
        }
        let settings = Settings { rate, window: None, accounts, nodes, drain: STOP_DRAIN, skip_unreachable: true };
        let after = self.loads.running.as_ref().map(LoadHandle::finished_signal);
        let handle = start(&self.cluster_files(), settings, after).map_err(|e| e.to_string())?;
        let mut text = format!("load of {rate}/s from accounts 0..{} starting", handle.accounts());
        self.view.txs.load = Some(handle.figures());
        if let Some(old) = self.loads.running.replace(handle) {
            old.request_stop(Stop::INTERRUPT);
            text.push_str(&format!("; the load of {}/s it replaces stops now and reports", old.rate()));
            self.loads.stopping.push(old);
        }
        self.loads.announced = false;
        Ok(text)
    }

    /// `load stop`: stops the running load; its report follows once drained.
    pub(crate) fn stop_load(&mut self) -> Result<String, String> {
        let Some(h) = self.loads.running.take() else {
            return Err("no load is running (start one with `load 200/s`)".into());
        };
        h.request_stop(Stop::drain(STOP_DRAIN));
        let f = h.figures_now();
        self.loads.stopping.push(h);
        self.view.txs.load = None;
        Ok(format!(
            "load of {}/s stopping after {} transfers, {} final so far; its report follows once drained (at most {} s)",
            f.rate,
            f.submitted,
            f.final_,
            STOP_DRAIN.as_secs()
        ))
    }

    /// From `apply`, at most every `REFRESH`: the running load's figures
    /// into the view, its start and any finished load's report into the log.
    pub(crate) fn refresh_loads(&mut self) {
        let now = Instant::now();
        if self.loads.refreshed.is_some_and(|t| now < t + REFRESH) {
            return;
        }
        self.loads.refreshed = Some(now);
        if let Some(h) = &mut self.loads.running {
            if let Some(outcome) = h.take_report() {
                // A devnet load has no window: it ended because it failed.
                self.loads.running = None;
                self.view.txs.load = None;
                self.record_load(outcome.map_err(|e| e.to_string()));
            } else {
                if !self.loads.announced
                    && let Phase::Sending { nodes, accounts } = h.phase()
                {
                    self.loads.announced = true;
                    let text = format!("load: sending {}/s to {} from {accounts} accounts", h.rate(), nodes.join(","));
                    self.view.log(now_ms(), None, LogKind::Info, text);
                }
                self.view.txs.load = Some(h.figures());
            }
        }
        let mut i = 0;
        while i < self.loads.stopping.len() {
            match self.loads.stopping[i].take_report() {
                Some(outcome) => {
                    self.loads.stopping.remove(i);
                    self.record_load(outcome.map_err(|e| e.to_string()));
                }
                None => i += 1,
            }
        }
    }

    fn record_load(&mut self, outcome: Result<LoadReport, String>) {
        let t = now_ms();
        match &outcome {
            Ok(r) => {
                for line in r.to_text().lines() {
                    self.view.log(t, None, LogKind::Info, line.to_string());
                }
                if let Err(e) = r.check() {
                    self.view.log(t, None, LogKind::Warning, format!("load: {e}"));
                }
            }
            Err(e) => self.view.log(t, None, LogKind::Warning, format!("load failed: {e}")),
        }
        for kept in [&mut self.loads.finished, &mut self.loads.fresh] {
            if kept.len() == KEPT_REPORTS {
                let _oldest = kept.remove(0);
            }
            kept.push(outcome.clone());
        }
    }

    /// The outcomes of loads finished since the last call.
    pub fn take_fresh_loads(&mut self) -> Vec<Result<LoadReport, String>> {
        std::mem::take(&mut self.loads.fresh)
    }

    /// The end of a run: stops the running load (waiting up to `drain` for
    /// its outstanding transfers), waits for the stopping ones, and returns
    /// the outcome of every load that ran, oldest first.
    pub async fn finish_loads(&mut self, drain: Duration) -> Vec<Result<LoadReport, String>> {
        if let Some(h) = self.loads.running.take() {
            h.request_stop(Stop::drain(drain));
            self.loads.stopping.push(h);
        }
        self.view.txs.load = None;
        for h in std::mem::take(&mut self.loads.stopping) {
            let outcome = h.report().await.map_err(|e| e.to_string());
            self.record_load(outcome);
        }
        std::mem::take(&mut self.loads.finished)
    }
}
