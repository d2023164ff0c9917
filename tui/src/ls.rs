//! `devnet ls`: every cluster under a data directory, and which ones run.
//!
//! Rules: a cluster is a subdirectory holding `genesis.json` or `devnet.lock`
//! (one being created has the lock before its genesis). It is running exactly
//! when its lock is held (`cluster_lock::probe`); `control.addr` is shown only
//! for a running cluster, and one left behind by a dead devnet is reported as
//! stale. "created" is when `genesis.json` was written (the genesis time
//! itself lies a little ahead of that, so it could read later than
//! "started"), "started" the last owner's start.
//! Rows are sorted by name. `scan` is also how `status`/`inject` find the one
//! running cluster when nothing names it (see `target`).

use crate::cluster_lock::{self, Probe};
use devnet_node::chain::ChainSpec;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq)]
pub struct ClusterEntry {
    pub name: String,
    pub root: PathBuf,
    /// From genesis.json (None while a cluster is being created).
    pub engine: Option<String>,
    pub probe: Probe,
    /// `control.addr` as written, if present (stale unless running).
    pub control_addr: Option<String>,
    pub created_ms: Option<u64>,
}

impl ClusterEntry {
    pub fn running(&self) -> bool {
        self.probe.is_running()
    }

    /// The owner now, or the last one.
    pub fn owner(&self) -> Option<&cluster_lock::Owner> {
        match &self.probe {
            Probe::Running { owner } => owner.as_ref(),
            Probe::Stopped { last } => last.as_ref(),
        }
    }
}

/// The clusters under `data_dir` (none when it does not exist).
pub fn scan(data_dir: &Path) -> anyhow::Result<Vec<ClusterEntry>> {
    let entries = match std::fs::read_dir(data_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(anyhow::Error::new(e).context(format!("listing {}", data_dir.display()))),
    };
    let mut out = vec![];
    for entry in entries.flatten() {
        let root = entry.path();
        let genesis = root.join("genesis.json");
        if !root.is_dir() || !(genesis.exists() || cluster_lock::lock_path(&root).exists()) {
            continue;
        }
        let spec: Option<ChainSpec> = devnet_node::config::read_json(&genesis).ok();
        out.push(ClusterEntry {
            name: entry.file_name().to_string_lossy().into_owned(),
            engine: spec.as_ref().map(|s| s.consensus.clone()),
            created_ms: spec.as_ref().map(|s| created_ms(&genesis, s.genesis_time_ms)),
            probe: cluster_lock::probe(&root).unwrap_or(Probe::Stopped { last: None }),
            control_addr: std::fs::read_to_string(root.join("control.addr")).ok().map(|a| a.trim().to_string()),
            root,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// When the cluster was made: `genesis.json`'s modification time, or the
/// genesis time where the file system keeps none; never after genesis.
fn created_ms(genesis: &std::path::Path, genesis_time_ms: u64) -> u64 {
    let written = std::fs::metadata(genesis)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as u64);
    written.map_or(genesis_time_ms, |w| w.min(genesis_time_ms))
}

/// "12s", "5m", "3h", "2d" from `then` to `now` (ms).
pub fn age(then_ms: u64, now_ms: u64) -> String {
    let s = now_ms.saturating_sub(then_ms) / 1000;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

fn state(e: &ClusterEntry) -> String {
    match (&e.probe, e.owner()) {
        (Probe::Running { .. }, Some(o)) => format!("running (pid {})", o.pid),
        (Probe::Running { .. }, None) => "running".to_string(),
        (Probe::Stopped { .. }, _) => "stopped".to_string(),
    }
}

fn control(e: &ClusterEntry) -> String {
    match (&e.control_addr, e.running()) {
        (Some(a), true) => a.clone(),
        (Some(_), false) => "- (stale control.addr)".to_string(),
        (None, _) => "-".to_string(),
    }
}

/// The table `devnet ls` prints.
pub fn table(data_dir: &Path, entries: &[ClusterEntry], now_ms: u64) -> String {
    if entries.is_empty() {
        return format!("no clusters in {} (start one with `devnet up`)\n", data_dir.display());
    }
    let ago = |t: Option<u64>| t.map_or_else(|| "-".to_string(), |t| format!("{} ago", age(t, now_ms)));
    let rows: Vec<[String; 6]> = entries
        .iter()
        .map(|e| {
            [
                e.name.clone(),
                e.engine.clone().unwrap_or_else(|| "?".to_string()),
                state(e),
                control(e),
                ago(e.created_ms),
                ago(e.owner().map(|o| o.started_ms)),
            ]
        })
        .collect();
    let head = ["NAME", "ENGINE", "STATE", "CONTROL", "CREATED", "STARTED"].map(String::from);
    let mut widths = head.clone().map(|h| h.len());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = format!("clusters in {}\n", data_dir.display());
    for r in std::iter::once(&head).chain(&rows) {
        let cells: Vec<String> = r.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// `devnet ls --json`: one object with the data dir and a row per cluster.
pub fn to_json(data_dir: &Path, entries: &[ClusterEntry]) -> Value {
    let rows: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({
                "name": e.name,
                "dir": e.root.display().to_string(),
                "engine": e.engine,
                "running": e.running(),
                "pid": e.owner().filter(|_| e.running()).map(|o| o.pid),
                "control_addr": e.control_addr.as_ref().filter(|_| e.running()),
                "stale_control_addr": e.control_addr.is_some() && !e.running(),
                "created_ms": e.created_ms,
                "started_ms": e.owner().map(|o| o.started_ms),
            })
        })
        .collect();
    json!({"data_dir": data_dir.display().to_string(), "clusters": rows})
}

/// `devnet ls [--json]`.
pub fn run(data_dir: &Path, json: bool) -> anyhow::Result<i32> {
    let entries = scan(data_dir)?;
    if json {
        println!("{}", to_json(data_dir, &entries));
    } else {
        print!("{}", table(data_dir, &entries, crate::devnet::now_ms()));
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster_lock::ClusterLock;

    #[test]
    fn ages_read_as_the_largest_unit() {
        assert_eq!(age(0, 12_000), "12s");
        assert_eq!(age(0, 300_000), "5m");
        assert_eq!(age(0, 3 * 3_600_000 + 5), "3h");
        assert_eq!(age(0, 2 * 86_400_000), "2d");
        assert_eq!(age(10, 0), "0s");
    }

    #[test]
    fn created_is_when_the_genesis_file_was_written_not_the_genesis_time_ahead() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("genesis.json");
        std::fs::write(&file, "{}").unwrap();
        let now = crate::devnet::now_ms();
        let created = created_ms(&file, now + 3_600_000);
        assert!(created <= now + 1000 && created + 60_000 > now, "created {created}, now {now}");
        assert_eq!(created_ms(&file, 1000), 1000, "never after the genesis time");
        assert_eq!(created_ms(&tmp.path().join("missing"), 5), 5);
    }

    #[test]
    fn running_and_stopped_clusters_and_a_stale_address() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path();
        let spec = |engine: &str| {
            format!(
                r#"{{"name":"x","consensus":"{engine}","slot_ms":1000,"epoch_slots":4,"genesis_time_ms":1000,"validators":[]}}"#
            )
        };
        for (name, engine) in [("b-tendermint", "tendermint"), ("a", "gasper")] {
            std::fs::create_dir_all(data.join(name)).unwrap();
            std::fs::write(data.join(name).join("genesis.json"), spec(engine)).unwrap();
        }
        std::fs::create_dir_all(data.join("not-a-cluster")).unwrap();
        let lock = ClusterLock::acquire(&data.join("b-tendermint")).unwrap();
        std::fs::write(data.join("b-tendermint").join("control.addr"), "127.0.0.1:5000").unwrap();
        std::fs::write(data.join("a").join("control.addr"), "127.0.0.1:6000").unwrap();

        let entries = scan(data).unwrap();
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["a", "b-tendermint"]);
        assert!(!entries[0].running() && entries[1].running());
        let text = table(data, &entries, 61_000);
        assert!(text.contains("stale control.addr"), "{text}");
        let row = text.lines().find(|l| l.starts_with("b-tendermint")).unwrap();
        assert!(row.contains("tendermint") && row.contains(&format!("running (pid {})", lock.owner.pid)), "{row}");
        assert!(row.contains("127.0.0.1:5000") && row.contains("1m ago"), "{row}");
        let v = to_json(data, &entries);
        assert_eq!(v["clusters"][0]["running"], false);
        assert_eq!(v["clusters"][0]["control_addr"], Value::Null);
        assert_eq!(v["clusters"][0]["stale_control_addr"], true);
        assert_eq!(v["clusters"][1]["engine"], "tendermint");
        assert_eq!(v["clusters"][1]["control_addr"], "127.0.0.1:5000");
        assert_eq!(v["clusters"][1]["pid"], lock.owner.pid);
        drop(lock);
        assert!(scan(data).unwrap().iter().all(|e| !e.running()));
        assert!(scan(&data.join("missing")).unwrap().is_empty());
    }
}
