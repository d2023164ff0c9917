//! `devnet record`: the faults an operator injected by hand (dashboard
//! keys, the command bar, `devnet inject` from another terminal) turned into
//! a scenario file that `devnet run` replays.
//!
//! Rules:
//! - The scenario's `[devnet]` table is the run's config (without `name`, so
//!   the replay gets a cluster of its own, and without `base_port`, so it
//!   picks free ports; engine tables of other engines dropped, as the run's
//!   engine is `consensus`), a step per fault that took, at its time since
//!   the run started, and a duration `TAIL_MS` past the last. A fresh
//!   cluster's slot 0 comes `genesis_delay_ms` after the run starts, so the
//!   replay puts each fault within that of where it was; a resumed cluster's
//!   times count from the resume. Faults refused when typed are left out
//!   (their line says so).

use super::{CONFIG, FAULTS, META, meta, read};
use serde_json::{Value, json};
use std::path::Path;

/// How long a recorded scenario runs after its last fault.
const TAIL_MS: u64 = 30_000;

/// The `[devnet]` table of a recorded config, for `engine`.
fn devnet_table(text: &str, file: &Path, engine: &str) -> Result<toml::Table, String> {
    let mut t: toml::Table = toml::from_str(text).map_err(|e| format!("{}: {e}", file.display()))?;
    t.remove("name");
    t.remove("base_port");
    for other in devnet_node::consensus::ENGINES.iter().filter(|e| **e != engine) {
        t.remove(*other);
    }
    t.insert("consensus".into(), toml::Value::String(engine.into()));
    Ok(t)
}

/// The scenario file for the run in `dir`.
pub fn to_scenario(dir: &Path) -> Result<String, String> {
    let meta = meta(dir)?;
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
    use crate::run_record::{RunRecord, RunSetup, find_run};
    use crate::scenario::Scenario;

    fn record(cluster: &Path, config: &str, engine: &str) -> RunRecord {
        let none = Path::new("/nonexistent");
        let setup = RunSetup {
            config_text: config,
            scenario: None,
            seed: None,
            engine,
            started_ms: 1_000,
            genesis_ms: 1_300,
            genesis_file: none,
            nodes_file: none,
            logs: vec![],
        };
        RunRecord::create(cluster, setup).unwrap()
    }

    #[test]
    fn a_run_with_hand_injected_faults_becomes_a_scenario_that_parses() {
        let tmp = tempfile::tempdir().unwrap();
        let config = "name = \"mine\"\nbase_port = 9000\nnodes = 4\nslot_ms = 500\n\n[tendermint]\ntimeout_delta_ms = 40\n\n[pow]\nk = 9\n";
        let r = record(tmp.path(), config, "tendermint");
        r.fault(5_000, &crate::faults::words("partition n0,n1/n2,n3"), &Ok("set".into())).unwrap();
        r.fault(6_000, &crate::faults::words("crash n9"), &Err("no node \"n9\"".into())).unwrap();
        r.fault(11_500, &crate::faults::words("heal"), &Ok("healed".into())).unwrap();
        assert_eq!(find_run(tmp.path()).unwrap(), r.dir, "the cluster's newest run");
        let text = to_scenario(&r.dir).unwrap();
        let scn =
            Scenario::parse(&text, "rec.toml".as_ref(), Default::default()).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(scn.devnet.consensus, "tendermint");
        assert_eq!((scn.devnet.nodes, scn.devnet.slot_ms), (4, 500));
        let t = scn.devnet.params::<devnet_node::consensus::tendermint::TendermintParams>().unwrap();
        assert_eq!(t.timeout_delta_ms, 40);
        assert_ne!(scn.devnet.name, "mine", "the replay gets a cluster of its own");
        let steps: Vec<String> = scn.steps.iter().map(|s| s.words.join(" ")).collect();
        assert_eq!(steps, ["partition n0,n1/n2,n3", "heal"], "the refused fault is left out");
        assert_eq!(scn.duration.as_millis(), 10_500 + 30_000);
    }

    #[test]
    fn a_damaged_fault_line_is_named_by_file_and_line() {
        let tmp = tempfile::tempdir().unwrap();
        let r = record(tmp.path(), "", "gasper");
        std::fs::write(r.dir.join(FAULTS), "{\"t_ms\":1,\"inject\":\"heal\",\"ok\":true}\nnot json\n").unwrap();
        let e = to_scenario(&r.dir).unwrap_err();
        assert!(e.contains("faults.jsonl:2: not a fault line"), "{e}");
        assert!(find_run(&tmp.path().join("nowhere")).unwrap_err().contains("not a run directory"));
    }
}
