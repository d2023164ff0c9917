//! The run directory: what every `devnet up`, `devnet run` and `devnet
//! chaos` run leaves behind, for `devnet report`, `devnet replay` and
//! `devnet record`.
//!
//! ```text
//! <cluster>/runs/<start unix ms>/
//!   run.json        when it started, the engine, the cluster's genesis time, the scenario and seed
//!   devnet.toml     the config's text as given (empty for the built-in defaults)
//!   scenario.toml   the scenario's text (`devnet run`, `devnet chaos`)
//!   genesis.json    the resolved chain spec: every parameter the nodes ran with
//!   nodes.json      the nodes: ids, addresses, validators
//!   events.jsonl    everything that changed the view, in order (`stream`)
//!   metrics.jsonl   figures sampled once a second (`samples`)
//!   faults.jsonl    one line per fault applied: time since the start, its words, whether it took
//!   logs/n0.log     each node's log from this run (copied when the run ends)
//!   verdict.json    how the run ended: the checks (a scenario), the alarms, the
//!                   view's summary at the end (as `devnet status --json`)
//! ```
//!
//! Rules:
//! - Recording never stops the devnet: the first write that fails is said
//!   once in the event log and the devnet runs on without a record.
//! - `events.jsonl` stops growing at `MAX_EVENT_BYTES` (said in it and in the
//!   event log); the samples, faults and verdict go on.
//! - Files are appended through buffers flushed with every sample (once a
//!   second), so a killed orchestrator loses at most the last second.
//! - A node's log is copied from where it stood when the run started (logs
//!   are appended across restarts of a cluster), at most `MAX_LOG_BYTES` of
//!   its end.
//! - `--fresh` keeps `runs/` (`cluster_dir`): a new cluster does not erase
//!   the record of the old one.

pub mod samples;
pub mod scenario;
pub mod stream;

use samples::Sample;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use stream::Recorded;

pub use scenario::to_scenario;

pub const RUNS: &str = "runs";
pub const CONFIG: &str = "devnet.toml";
pub const SCENARIO: &str = "scenario.toml";
pub const META: &str = "run.json";
pub const GENESIS: &str = "genesis.json";
pub const NODES: &str = "nodes.json";
pub const EVENTS: &str = "events.jsonl";
pub const METRICS: &str = "metrics.jsonl";
pub const FAULTS: &str = "faults.jsonl";
pub const VERDICT: &str = "verdict.json";
pub const LOGS: &str = "logs";
pub const MAX_EVENT_BYTES: u64 = 512 << 20;
pub const MAX_LOG_BYTES: u64 = 64 << 20;

/// What a run directory starts with.
pub struct RunSetup<'a> {
    pub config_text: &'a str,
    /// The scenario's text and name, for `devnet run` and `devnet chaos`.
    pub scenario: Option<(&'a str, &'a str)>,
    pub seed: Option<u64>,
    pub engine: &'a str,
    pub started_ms: u64,
    pub genesis_ms: u64,
    pub genesis_file: &'a Path,
    pub nodes_file: &'a Path,
    /// Each node's id and log file.
    pub logs: Vec<(String, PathBuf)>,
}

/// An open run directory.
pub struct RunRecord {
    pub dir: PathBuf,
    pub started_ms: u64,
    events: BufWriter<File>,
    event_bytes: u64,
    samples: BufWriter<File>,
    last_sample_ms: Option<u64>,
    failed_rounds: HashSet<(u64, u64)>,
    /// Per node: the deepest reorg since the last sample.
    reorg_depths: Vec<u64>,
    /// Each node's id, log file and its length when the run started.
    logs: Vec<(String, PathBuf, u64)>,
    /// The nodes' ids, for the readable part of event lines.
    ids: Vec<String>,
    /// The load figures last written to the event stream.
    load: Option<crate::cluster::txs::LoadFigures>,
    finished: bool,
    /// `devnet attach`es following the stream: each gets every line written
    /// after it began (`watch`); one that falls behind is dropped.
    watchers: Vec<tokio::sync::mpsc::Sender<String>>,
}

fn append(path: &Path) -> std::io::Result<BufWriter<File>> {
    Ok(BufWriter::new(std::fs::OpenOptions::new().create(true).append(true).open(path)?))
}

impl RunRecord {
    /// Makes `<cluster>/runs/<started_ms>/` and writes what the run starts with.
    pub fn create(cluster: &Path, s: RunSetup) -> std::io::Result<RunRecord> {
        let dir = cluster.join(RUNS).join(s.started_ms.to_string());
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(CONFIG), s.config_text)?;
        if let Some((text, _)) = s.scenario {
            std::fs::write(dir.join(SCENARIO), text)?;
        }
        for (from, to) in [(s.genesis_file, GENESIS), (s.nodes_file, NODES)] {
            if from.is_file() {
                std::fs::copy(from, dir.join(to))?;
            }
        }
        let meta = json!({
            "started_ms": s.started_ms, "engine": s.engine, "genesis_ms": s.genesis_ms,
            "scenario": s.scenario.map(|(_, name)| name), "seed": s.seed,
        });
        std::fs::write(dir.join(META), format!("{meta}\n"))?;
        let ids = s.logs.iter().map(|(id, _)| id.clone()).collect();
        let logs = s
            .logs
            .into_iter()
            .map(|(id, path)| {
                let len = std::fs::metadata(&path).map_or(0, |m| m.len());
                (id, path, len)
            })
            .collect();
        Ok(RunRecord {
            events: append(&dir.join(EVENTS))?,
            samples: append(&dir.join(METRICS))?,
            dir,
            started_ms: s.started_ms,
            event_bytes: 0,
            last_sample_ms: None,
            failed_rounds: HashSet::new(),
            reorg_depths: vec![],
            logs,
            ids,
            load: None,
            finished: false,
            watchers: vec![],
        })
    }

    /// Appends one line to the event stream; true when this line took it to
    /// its size limit and it stopped (to be said once).
    pub fn event(&mut self, at_ms: u64, item: &Recorded) -> std::io::Result<bool> {
        match item {
            Recorded::Cluster(ev) => return self.cluster_event(at_ms, ev),
            Recorded::NodeAdded(n) => self.ids.push(n.id.clone()),
            _ => {}
        }
        if self.event_bytes >= MAX_EVENT_BYTES && self.watchers.is_empty() {
            return Ok(false);
        }
        let line = stream::encode(at_ms, item, &self.ids);
        self.write_line(at_ms, line)
    }

    /// `event` for a cluster event, without moving it.
    pub fn cluster_event(&mut self, at_ms: u64, ev: &crate::cluster::ClusterEvent) -> std::io::Result<bool> {
        if let crate::cluster::ClusterEvent::Node { event, .. } = ev
            && let Some(devnet_proto::v1::event::Kind::RoundFailed(r)) = &event.kind
        {
            self.failed_rounds.insert((r.height, r.round));
        }
        if let crate::cluster::ClusterEvent::Node { node, event } = ev
            && let Some(devnet_proto::v1::event::Kind::HeadChanged(h)) = &event.kind
            && h.reorg_depth > 0
        {
            if self.reorg_depths.len() <= *node {
                self.reorg_depths.resize(*node + 1, 0);
            }
            self.reorg_depths[*node] = self.reorg_depths[*node].max(h.reorg_depth);
        }
        if self.event_bytes >= MAX_EVENT_BYTES && self.watchers.is_empty() {
            return Ok(false);
        }
        let line = stream::encode_event(at_ms, ev, &self.ids);
        self.write_line(at_ms, line)
    }

    fn write_line(&mut self, at_ms: u64, line: Value) -> std::io::Result<bool> {
        let mut line = line.to_string();
        self.watchers.retain(|w| w.try_send(line.clone()).is_ok());
        if self.event_bytes >= MAX_EVENT_BYTES {
            return Ok(false);
        }
        line.push('\n');
        self.event_bytes += line.len() as u64;
        self.events.write_all(line.as_bytes())?;
        if self.event_bytes >= MAX_EVENT_BYTES {
            let note = json!({"at_ms": at_ms, "kind": "log", "node": null, "log": "warning",
                "text": format!("the event stream stopped here, at its limit of {} MiB", MAX_EVENT_BYTES >> 20)});
            writeln!(self.events, "{note}")?;
            return Ok(true);
        }
        Ok(false)
    }

    /// A new follower of the stream: the lines so far (read back from
    /// `events.jsonl`, after a flush) and a channel of every line written from
    /// now on. Refused once the stream stopped at its limit, as the lines so
    /// far no longer rebuild the view.
    pub fn watch(&mut self, queue: usize) -> Result<(Vec<String>, tokio::sync::mpsc::Receiver<String>), String> {
        let path = self.dir.join(EVENTS);
        if self.event_bytes >= MAX_EVENT_BYTES {
            return Err(format!(
                "{} stopped at its limit of {} MiB, so the view cannot be rebuilt from it",
                path.display(),
                MAX_EVENT_BYTES >> 20
            ));
        }
        self.events.flush().map_err(|e| format!("{}: {e}", path.display()))?;
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let (tx, rx) = tokio::sync::mpsc::channel(queue);
        self.watchers.push(tx);
        Ok((text.lines().map(str::to_string).collect(), rx))
    }

    /// Samples the view when a second has passed since the last sample (and
    /// puts a running load's figures in the event stream when they changed),
    /// and flushes.
    pub fn sample(&mut self, view: &crate::cluster::ClusterView, now_ms: u64) -> std::io::Result<()> {
        if self.last_sample_ms.is_some_and(|t| now_ms < t + samples::EVERY_MS) {
            return Ok(());
        }
        self.sample_now(view, now_ms)
    }

    /// Samples the view now: when a fault or a process changed, so its
    /// window in the report starts where it did, not up to a second later.
    pub fn sample_now(&mut self, view: &crate::cluster::ClusterView, now_ms: u64) -> std::io::Result<()> {
        self.last_sample_ms = Some(now_ms);
        if view.txs.load != self.load {
            self.load = view.txs.load.clone();
            self.event(now_ms, &Recorded::Load(self.load.clone()))?;
        }
        let mut s = Sample::of(view, self.started_ms, now_ms, self.failed_rounds.len() as u64);
        for (n, d) in s.nodes.iter_mut().zip(std::mem::take(&mut self.reorg_depths)) {
            n.reorg_depth = d;
        }
        writeln!(self.samples, "{}", serde_json::to_string(&s).map_err(std::io::Error::other)?)?;
        self.samples.flush()?;
        self.events.flush()
    }

    /// Appends one fault line.
    pub fn fault(&self, now_ms: u64, words: &[String], result: &Result<String, String>) -> std::io::Result<()> {
        let line = json!({
            "t_ms": now_ms.saturating_sub(self.started_ms),
            "inject": words.join(" "),
            "ok": result.is_ok(),
            "result": match result { Ok(m) | Err(m) => m },
        });
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(self.dir.join(FAULTS))?;
        writeln!(f, "{line}")
    }

    /// Ends the record: the last sample, the verdict, and each node's log
    /// from this run. Call after the nodes have stopped, so the logs are whole.
    pub fn finish(&mut self, view: &crate::cluster::ClusterView, now_ms: u64, verdict: Value) -> std::io::Result<()> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        self.watchers.clear();
        self.sample_now(view, now_ms)?;
        let mut verdict = verdict;
        verdict["summary"] = crate::cluster::json::summary(view, now_ms);
        verdict["ended_ms"] = now_ms.into();
        verdict["duration_ms"] = now_ms.saturating_sub(self.started_ms).into();
        std::fs::write(self.dir.join(VERDICT), format!("{verdict:#}\n"))?;
        let logs = self.dir.join(LOGS);
        std::fs::create_dir_all(&logs)?;
        for (id, path, from) in &self.logs {
            copy_tail(path, *from, &logs.join(format!("{id}.log")))?;
        }
        Ok(())
    }

    /// A node added while running (a twin): its log is copied too.
    pub fn add_log(&mut self, id: String, path: PathBuf) {
        let len = std::fs::metadata(&path).map_or(0, |m| m.len());
        self.logs.push((id, path, len));
    }

    pub fn finished(&self) -> bool {
        self.finished
    }
}

/// Copies `from..` of `src` (at most its last `MAX_LOG_BYTES`) to `dst`; a
/// log that does not exist (a node that never started) is skipped.
fn copy_tail(src: &Path, from: u64, dst: &Path) -> std::io::Result<()> {
    let Ok(mut f) = File::open(src) else { return Ok(()) };
    let len = f.metadata()?.len();
    let start = from.min(len).max(len.saturating_sub(MAX_LOG_BYTES));
    f.seek(SeekFrom::Start(start))?;
    let mut out = File::create(dst)?;
    if start > from {
        writeln!(out, "[devnet: the first {} bytes of this run's log are left out]", start - from)?;
    }
    std::io::copy(&mut f.take(len - start), &mut out)?;
    Ok(())
}

/// The newest run directory of a cluster, or `path` itself when it is one.
pub fn find_run(path: &Path) -> Result<PathBuf, String> {
    if path.join(META).is_file() {
        return Ok(path.to_path_buf());
    }
    let runs = path.join(RUNS);
    let newest = std::fs::read_dir(&runs)
        .map_err(|e| format!("{}: not a run directory (no {META}) nor a cluster with runs ({e})", path.display()))?
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u64>().ok()).map(|n| (n, e.path())))
        .max_by_key(|(n, _)| *n)
        .map(|(_, p)| p);
    newest.ok_or_else(|| format!("{}: no runs recorded yet", runs.display()))
}

/// A file of a run directory, read whole; the error names it.
pub fn read(dir: &Path, file: &str) -> Result<String, String> {
    std::fs::read_to_string(dir.join(file)).map_err(|e| format!("{}: cannot read: {e}", dir.join(file).display()))
}

/// `run.json` of a run directory.
pub fn meta(dir: &Path) -> Result<Value, String> {
    serde_json::from_str(&read(dir, META)?).map_err(|e| format!("{}: {e}", dir.join(META).display()))
}

/// Moves a run directory out of a cluster that is about to be removed
/// (`devnet run` without `--data-dir`) to `<keep>/<name>-<start ms>/`.
pub fn keep(run: &Path, keep: &Path, name: &str) -> std::io::Result<PathBuf> {
    let stamp = run.file_name().and_then(|n| n.to_str()).unwrap_or("run");
    let to = keep.join(format!("{name}-{stamp}"));
    std::fs::create_dir_all(keep)?;
    if std::fs::rename(run, &to).is_err() {
        // Another filesystem (the temp dir on tmpfs): copy, then remove.
        copy_dir(run, &to)?;
        std::fs::remove_dir_all(run)?;
    }
    Ok(to)
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()))?;
        } else {
            std::fs::copy(e.path(), to.join(e.file_name()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod watch_tests {
    use super::*;
    use crate::cluster::LogKind;

    fn log(text: &str) -> Recorded {
        Recorded::Log { node: None, kind: LogKind::Info, text: text.into() }
    }

    fn text(line: &str) -> String {
        match stream::decode(line).unwrap().item {
            Recorded::Log { text, .. } => text,
            other => panic!("{other:?}"),
        }
    }

    /// A watcher gets every line exactly once: those written before it began
    /// from the file, those after from its channel; the end of the record ends it.
    #[test]
    fn a_watch_misses_no_line_and_gets_none_twice() {
        let tmp = tempfile::tempdir().unwrap();
        let none = Path::new("/nonexistent");
        let setup = RunSetup {
            config_text: "",
            scenario: None,
            seed: None,
            engine: "gasper",
            started_ms: 1_000,
            genesis_ms: 1_300,
            genesis_file: none,
            nodes_file: none,
            logs: vec![],
        };
        let mut r = RunRecord::create(tmp.path(), setup).unwrap();
        r.event(1_100, &log("before")).unwrap();
        let (history, mut live) = r.watch(16).unwrap();
        r.event(1_200, &log("after")).unwrap();
        assert_eq!(history.iter().map(|l| text(l)).collect::<Vec<_>>(), ["before"]);
        assert_eq!(text(&live.try_recv().unwrap()), "after");
        assert!(live.try_recv().is_err(), "nothing twice");

        // One that falls behind is dropped; the others go on.
        let (_, mut slow) = r.watch(1).unwrap();
        r.event(1_300, &log("one")).unwrap();
        r.event(1_400, &log("two")).unwrap();
        assert_eq!(text(&slow.try_recv().unwrap()), "one");
        assert!(matches!(slow.try_recv(), Err(tokio::sync::mpsc::error::TryRecvError::Disconnected)));
        assert_eq!(text(&live.try_recv().unwrap()), "one");
        assert_eq!(text(&live.try_recv().unwrap()), "two");

        let view = crate::cluster::ClusterView::new("c", "gasper", 1_000, 4, 1_300, &[]);
        r.finish(&view, 2_000, serde_json::json!({})).unwrap();
        assert!(matches!(live.try_recv(), Err(tokio::sync::mpsc::error::TryRecvError::Disconnected)));
    }
}
