//! `devnet replay RUN`: a recorded run (`run_record`) folded back into the
//! dashboard's view at any moment of it, forward and back.
//!
//! Rules:
//! - The view starts as a devnet's does (`devnet::initial_view`, from the
//!   run's `genesis.json` and `nodes.json`) and takes the recorded lines in
//!   order, each at its recorded time, the way the live devnet applied them
//!   (`stream` says what each kind does); time is the recorded clock, so
//!   slots, ages and lags read as they did live.
//! - Going back starts again from the nearest checkpoint at or before the
//!   moment: a copy of the view kept every `CHECKPOINT_MS` of run time on the
//!   way forward, so a jump back costs at most that much folding.
//! - A line that does not decode is an error naming the file and line; a
//!   cut-off last line (an orchestrator killed mid-write) is left out.
//! - Times given to and shown by the replay count from the run's start.

pub mod app;

use crate::cluster::ClusterView;
use crate::devnet::initial_view;
use crate::run_record::stream::{self, Line, Recorded};
use crate::run_record::{self, EVENTS, GENESIS, NODES};
use devnet_node::chain::ChainSpec;
use devnet_node::config::ClusterNodes;
use std::path::{Path, PathBuf};

/// Run time between two kept copies of the view.
pub const CHECKPOINT_MS: u64 = 10_000;

pub struct Replay {
    pub dir: PathBuf,
    pub started_ms: u64,
    pub lines: Vec<Line>,
    /// When each fault line was applied (run time), for "next fault".
    pub faults: Vec<(u64, String)>,
    initial: ClusterView,
    /// The view after `pos` lines, at `at_ms` (unix ms).
    pub view: ClusterView,
    pos: usize,
    at_ms: u64,
    /// (lines applied, time, view): kept on the way forward.
    checkpoints: Vec<(usize, u64, ClusterView)>,
}

fn read_json<T: serde::de::DeserializeOwned>(dir: &Path, file: &str) -> Result<T, String> {
    let text = run_record::read(dir, file)?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", dir.join(file).display()))
}

/// Applies one recorded line to `view` at its time: what the live devnet did with it.
pub fn apply(view: &mut ClusterView, line: &Line) {
    let t = line.at_ms;
    match &line.item {
        Recorded::Cluster(ev) => view.apply(ev.clone(), t),
        Recorded::Faults { labels, links } => {
            view.links = links.clone();
            for (n, l) in view.nodes.iter_mut().zip(labels) {
                n.faults = l.clone();
            }
        }
        Recorded::Log { node, kind, text } => view.log(t, *node, *kind, text.clone()),
        Recorded::Alarm { kind, detail } => view.raise(kind, detail.clone(), t),
        Recorded::Load(l) => view.txs.load = l.clone(),
        Recorded::NodeAdded(n) => view.add_node(n),
    }
}

impl Replay {
    /// Reads the run in `dir` (a run directory, or a cluster's newest run).
    pub fn open(path: &Path) -> Result<Replay, String> {
        let dir = run_record::find_run(path)?;
        let meta = run_record::meta(&dir)?;
        let started_ms = meta["started_ms"].as_u64().ok_or_else(|| format!("{}: no started_ms", dir.display()))?;
        let spec: ChainSpec = read_json(&dir, GENESIS)?;
        let nodes: ClusterNodes = read_json(&dir, NODES)?;
        let text = run_record::read(&dir, EVENTS)?;
        let all: Vec<&str> = text.lines().collect();
        let mut lines = Vec::with_capacity(all.len());
        for (i, l) in all.iter().enumerate() {
            if l.trim().is_empty() {
                continue;
            }
            match stream::decode(l) {
                Ok(line) => lines.push(line),
                Err(_) if i + 1 == all.len() && !text.ends_with('\n') => {}
                Err(e) => return Err(format!("{}:{}: {e}", dir.join(EVENTS).display(), i + 1)),
            }
        }
        Ok(Replay::from_lines(dir, started_ms, initial_view(&spec, &nodes.nodes), lines))
    }

    /// A replay of `lines` from `initial`, for a run that started at `started_ms`.
    pub fn from_lines(dir: PathBuf, started_ms: u64, initial: ClusterView, lines: Vec<Line>) -> Replay {
        let faults = lines
            .iter()
            .filter_map(|l| match &l.item {
                Recorded::Log { kind: crate::cluster::LogKind::Fault, text, .. } => {
                    Some((l.at_ms.saturating_sub(started_ms), text.clone()))
                }
                _ => None,
            })
            .collect();
        Replay {
            dir,
            started_ms,
            lines,
            faults,
            view: initial.clone(),
            initial,
            pos: 0,
            at_ms: started_ms,
            checkpoints: vec![],
        }
    }

    /// Run time of the last line.
    pub fn duration_ms(&self) -> u64 {
        self.lines.last().map_or(0, |l| l.at_ms.saturating_sub(self.started_ms))
    }

    /// Where the view is, in run time.
    pub fn position_ms(&self) -> u64 {
        self.at_ms.saturating_sub(self.started_ms)
    }

    /// The recorded clock at the view's moment (what "now" is for drawing it).
    pub fn now_ms(&self) -> u64 {
        self.at_ms
    }

    /// Moves the view to run time `t_ms` (clamped to the run): every line
    /// recorded up to then applied, none after.
    pub fn seek(&mut self, t_ms: u64) {
        let t_ms = t_ms.min(self.duration_ms());
        let target = self.started_ms + t_ms;
        if target < self.at_ms {
            let back = self.checkpoints.iter().rposition(|(_, at, _)| *at <= target);
            self.checkpoints.truncate(back.map_or(0, |k| k + 1));
            match self.checkpoints.last() {
                Some((pos, at, view)) => (self.pos, self.at_ms, self.view) = (*pos, *at, view.clone()),
                None => (self.pos, self.at_ms, self.view) = (0, self.started_ms, self.initial.clone()),
            }
        }
        while let Some(line) = self.lines.get(self.pos)
            && line.at_ms <= target
        {
            let next_checkpoint = self.checkpoints.last().map_or(self.started_ms, |c| c.1) + CHECKPOINT_MS;
            if line.at_ms >= next_checkpoint {
                self.checkpoints.push((self.pos, self.at_ms, self.view.clone()));
            }
            apply(&mut self.view, line);
            self.at_ms = line.at_ms;
            self.pos += 1;
        }
        self.at_ms = target;
        self.view.tick(target);
    }

    /// Run time of the first fault after `t_ms`, or of the last one before it.
    pub fn next_fault(&self, t_ms: u64) -> Option<u64> {
        self.faults.iter().map(|(t, _)| *t).find(|t| *t > t_ms)
    }

    pub fn previous_fault(&self, t_ms: u64) -> Option<u64> {
        self.faults.iter().map(|(t, _)| *t).rev().find(|t| *t < t_ms)
    }
}

#[cfg(test)]
mod tests;
