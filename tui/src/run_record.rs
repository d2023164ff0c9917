//! What a `devnet up` session leaves behind, and `devnet record`: the
//! faults an operator injected by hand (dashboard keys, the command bar,
//! `devnet inject` from another terminal) turned into a scenario file that
//! `devnet run` replays.
//!
//! Rules:
//! - Each `devnet up` keeps a run directory, `<cluster>/runs/<start unix ms>/`:
//!   `devnet.toml` (the text of the config it ran, empty for the built-in
//!   defaults), `run.json` (when it started, the engine, the cluster's
//!   genesis time) and `faults.jsonl` (one line per fault applied: time
//!   since the run started, its words, whether it took and what it said).
//! - `devnet record RUN` writes a scenario: the config as its `[devnet]`
//!   table (without `name`, so the replay gets a cluster of its own, and
//!   without `base_port`, so it picks free ports; engine tables of other
//!   engines dropped, as the run's engine is `consensus`), a step per fault
//!   that took, at its time since the run started, and a duration 30 s past
//!   the last. A fresh cluster's slot 0 comes `genesis_delay_ms` after the
//!   run starts, so the replay puts each fault within that of where it was;
//!   a resumed cluster's times count from the resume. Faults refused when
//!   typed are left out (their line says so).
//! - Writing the record never stops the devnet: a run directory that cannot
//!   be written is reported once and the devnet runs without it.

use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const RUNS: &str = "runs";
const CONFIG: &str = "devnet.toml";
const META: &str = "run.json";
const FAULTS: &str = "faults.jsonl";
/// How long a recorded scenario runs after its last fault.
const TAIL_MS: u64 = 30_000;

/// An open run directory.
pub struct RunRecord {
    pub dir: PathBuf,
    started_ms: u64,
}

impl RunRecord {
    /// Makes `<cluster>/runs/<now>/` and writes the config and the run's facts.
    pub fn create(
        cluster: &Path,
        config_text: &str,
        engine: &str,
        started_ms: u64,
        genesis_ms: u64,
    ) -> std::io::Result<RunRecord> {
        let dir = cluster.join(RUNS).join(started_ms.to_string());
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(CONFIG), config_text)?;
        let meta = json!({"started_ms": started_ms, "engine": engine, "genesis_ms": genesis_ms});
        std::fs::write(dir.join(META), format!("{meta}\n"))?;
        Ok(RunRecord { dir, started_ms })
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

fn read(dir: &Path, file: &str) -> Result<String, String> {
    std::fs::read_to_string(dir.join(file)).map_err(|e| format!("{}: cannot read: {e}", dir.join(file).display()))
}

/// The `[devnet]` table of a recorded config, for `engine`.
fn devnet_table(text: &str, file: &Path, engine: &str) -> Result<toml::Table, String> {
    let mut t: toml::Table = toml::from_str(text).map_err(|e| format!("{}: {e}", file.display()))?;
    t.remove("name");
    t.remove("base_port");
    for other in ["gasper", "tendermint", "pow"].into_iter().filter(|e| *e != engine) {
        t.remove(other);
    }
    t.insert("consensus".into(), toml::Value::String(engine.into()));
    Ok(t)
}

/// The scenario file for the run in `dir`.
pub fn to_scenario(dir: &Path) -> Result<String, String> {
    let meta: Value =
        serde_json::from_str(&read(dir, META)?).map_err(|e| format!("{}: {e}", dir.join(META).display()))?;
    let engine = meta["engine"].as_str().ok_or_else(|| format!("{}: no engine", dir.join(META).display()))?;
    let started = meta["started_ms"].as_u64().unwrap_or(0);
    let devnet = devnet_table(&read(dir, CONFIG)?, &dir.join(CONFIG), engine)?;
    let faults_text = match read(dir, FAULTS) {
        Ok(t) => t,
        Err(_) if !dir.join(FAULTS).exists() => String::new(),
        Err(e) => return Err(e),
    };
    let mut steps = vec![];
    for (i, line) in faults_text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line)
            .map_err(|e| format!("{}:{}: not a fault line: {e}", dir.join(FAULTS).display(), i + 1))?;
        let (Some(t), Some(inject)) = (v["t_ms"].as_u64(), v["inject"].as_str()) else {
            return Err(format!("{}:{}: expected t_ms and inject", dir.join(FAULTS).display(), i + 1));
        };
        if v["ok"] == true {
            steps.push((t, inject.to_string()));
        }
    }
    let name = format!("recorded-{engine}-{started}");
    let last = steps.iter().map(|(t, _)| *t).max().unwrap_or(0);
    let mut out = String::new();
    out.push_str(&format!("# Recorded by `devnet record` from {}; `devnet run` replays it.\n", dir.display()));
    out.push_str(&format!("name = {}\n", json!(name)));
    out.push_str(&format!(
        "description = {}\n",
        json!(format!("the faults injected by hand in the {engine} run started at unix ms {started}"))
    ));
    out.push_str(&format!("duration = \"{}ms\"\n\n", last + TAIL_MS));
    let mut table = toml::Table::new();
    table.insert("devnet".into(), toml::Value::Table(devnet));
    out.push_str(&toml::to_string(&table).map_err(|e| e.to_string())?);
    for (i, (t, inject)) in steps.iter().enumerate() {
        out.push_str(&format!("\n[[step]]\nname = \"f{}\"\nat = \"{t}ms\"\ninject = {}\n", i + 1, json!(inject)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn a_run_with_hand_injected_faults_becomes_a_scenario_that_parses() {
        let tmp = tempfile::tempdir().unwrap();
        let config = "name = \"mine\"\nbase_port = 9000\nnodes = 4\nslot_ms = 500\n\n[tendermint]\ntimeout_delta_ms = 40\n\n[pow]\nk = 9\n";
        let r = RunRecord::create(tmp.path(), config, "tendermint", 1_000, 1_300).unwrap();
        r.fault(5_000, &crate::faults::words("partition n0,n1/n2,n3"), &Ok("set".into())).unwrap();
        r.fault(6_000, &crate::faults::words("crash n9"), &Err("no node \"n9\"".into())).unwrap();
        r.fault(11_500, &crate::faults::words("heal"), &Ok("healed".into())).unwrap();
        assert_eq!(find_run(tmp.path()).unwrap(), r.dir, "the cluster's newest run");
        let text = to_scenario(&r.dir).unwrap();
        let scn =
            Scenario::parse(&text, "rec.toml".as_ref(), Default::default()).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(scn.devnet.consensus, "tendermint");
        assert_eq!((scn.devnet.nodes, scn.devnet.slot_ms), (4, 500));
        assert_eq!(scn.devnet.tendermint.as_ref().unwrap().timeout_delta_ms, 40);
        assert_ne!(scn.devnet.name, "mine", "the replay gets a cluster of its own");
        let steps: Vec<String> = scn.steps.iter().map(|s| s.words.join(" ")).collect();
        assert_eq!(steps, ["partition n0,n1/n2,n3", "heal"], "the refused fault is left out");
        assert_eq!(scn.duration.as_millis(), 10_500 + 30_000);
    }

    #[test]
    fn a_damaged_fault_line_is_named_by_file_and_line() {
        let tmp = tempfile::tempdir().unwrap();
        let r = RunRecord::create(tmp.path(), "", "gasper", 1, 1).unwrap();
        std::fs::write(r.dir.join(FAULTS), "{\"t_ms\":1,\"inject\":\"heal\",\"ok\":true}\nnot json\n").unwrap();
        let e = to_scenario(&r.dir).unwrap_err();
        assert!(e.contains("faults.jsonl:2: not a fault line"), "{e}");
        assert!(find_run(&tmp.path().join("nowhere")).unwrap_err().contains("not a run directory"));
    }
}
