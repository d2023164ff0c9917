//! `devnet compare SCENARIO`: the same scenario once per engine, each on a
//! fresh cluster, one after another, then a side-by-side report of the
//! figures in `metrics` and each engine's verdict. When the scenario runs a
//! load, two more rows: finalized TPS under it and p99 submit→final (`-`
//! for an engine whose run had no load report).
//!
//! The scenario's `[devnet] consensus` is overridden per engine, and its
//! `[devnet.tendermint]` / `[devnet.pow]` tables apply only to their engine,
//! so one file can tune each engine's timing. Expectations should be
//! engine-neutral (`finalized_advances`, `all_heads_agree`, `reorg`, ...):
//! "finalized" is each engine's own finality.

use super::file::Scenario;
use super::metrics::Metrics;
use super::run::{Outcome, Output, execute};
use crate::config::{ConfigError, ENGINES};
use serde_json::json;
use std::path::Path;

/// The engines to compare: `--engines gasper,tendermint` when given (each
/// must be in this build); otherwise the scenario's `engines` that this
/// build has (the others are named in the second list), or every engine.
pub fn pick(list: Option<&str>, written_for: &[String]) -> Result<(Vec<String>, Vec<String>), String> {
    if list.is_some() || written_for.is_empty() {
        return engines(list).map(|e| (e, vec![]));
    }
    let (have, missing) = written_for.iter().cloned().partition(|e| ENGINES.contains(&e.as_str()));
    Ok((have, missing))
}

/// Parses `gasper,tendermint`; `None` means every engine of this build.
pub fn engines(list: Option<&str>) -> Result<Vec<String>, String> {
    let Some(list) = list else { return Ok(ENGINES.iter().map(|e| e.to_string()).collect()) };
    let mut out: Vec<String> = vec![];
    for e in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        if !ENGINES.contains(&e) {
            return Err(format!("unknown engine {e:?}; this build has {}", ENGINES.join(", ")));
        }
        if !out.iter().any(|o| o == e) {
            out.push(e.to_string());
        }
    }
    if out.is_empty() {
        return Err(format!("--engines needs at least one of {}", ENGINES.join(", ")));
    }
    Ok(out)
}

/// Loads the scenario once per engine (so a bad file fails before anything runs).
pub fn load(path: &Path, base: Option<&Path>, engines: &[String]) -> Result<Vec<Scenario>, ConfigError> {
    engines.iter().map(|e| Scenario::load_as(path, base, Some(e))).collect()
}

fn print(line: &str) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "{line}");
    let _ = o.flush();
}

fn secs(ms: Option<u64>) -> String {
    ms.map_or("-".into(), |ms| format!("{:.2}s", ms as f64 / 1000.0))
}

/// Runs every scenario (one per engine) in turn; returns whether all passed.
pub async fn run(scns: &[Scenario], data_dir: &Path, as_json: bool) -> anyhow::Result<bool> {
    let mut results: Vec<(&Scenario, Outcome)> = vec![];
    for scn in scns {
        if !as_json {
            print(&format!(
                "running {} on {} ({} nodes, {} long)...",
                scn.name,
                scn.devnet.consensus,
                scn.devnet.nodes,
                secs(Some(scn.duration.as_millis() as u64))
            ));
        }
        let out = execute(scn, &data_dir.join(&scn.devnet.consensus), Output::Quiet).await?;
        if as_json {
            let line = json!({"type": "verdict", "engine": scn.devnet.consensus, "scenario": scn.name,
                "passed": out.passed, "checks": out.checks, "metrics": out.metrics});
            print(&line.to_string());
        } else {
            for c in &out.checks {
                print(&format!("  {} {} — {}", if c.passed { "PASS" } else { "FAIL" }, c.name, c.detail));
            }
        }
        results.push((scn, out));
    }
    let passed = results.iter().all(|(_, o)| o.passed);
    if as_json {
        let engines: Vec<_> = results
            .iter()
            .map(|(s, o)| json!({"engine": s.devnet.consensus, "passed": o.passed, "metrics": o.metrics}))
            .collect();
        print(&json!({"type": "compare", "passed": passed, "engines": engines}).to_string());
    } else {
        let cols: Vec<(&str, &Metrics, bool, usize, usize)> = results
            .iter()
            .map(|(s, o)| {
                let failed = o.checks.iter().filter(|c| !c.passed).count();
                (s.devnet.consensus.as_str(), &o.metrics, o.passed, failed, o.checks.len())
            })
            .collect();
        for line in table(&cols) {
            print(&line);
        }
    }
    Ok(passed)
}

/// The side-by-side table: a row per figure, a column per engine.
pub fn table(cols: &[(&str, &Metrics, bool, usize, usize)]) -> Vec<String> {
    type Row = (&'static str, fn(&Metrics) -> String);
    let mut rows: Vec<Row> = vec![
        ("time to first finality", |m| secs(m.first_finality_ms)),
        ("longest finality stall in the fault", |m| secs(m.longest_stall_ms)),
        ("fault in force", |m| {
            m.fault_window_ms.map_or("-".into(), |(a, b)| format!("{}-{}", secs(Some(a)), secs(Some(b))))
        }),
        ("max reorg depth after heal", |m| m.reorg_depth_after_heal.map_or("-".into(), |d| d.to_string())),
        ("safety violations", |m| m.safety_violations.to_string()),
        ("k-deep blocks reverted", |m| m.kdeep_reverted.map_or("-".into(), |n| n.to_string())),
        ("finalized height at the end", |m| m.finalized_height.to_string()),
    ];
    if cols.iter().any(|c| c.1.load.is_some()) {
        rows.push(("finalized TPS under load", |m| m.finalized_tps.map_or("-".into(), |t| format!("{t:.1}"))));
        rows.push(("p99 submit→final", |m| m.p99_final_ms.map_or("-".into(), |p| format!("{p:.0}ms"))));
    }
    let w = 38;
    let cw = 14;
    let mut out = vec![format!("{:<w$}{}", "", cols.iter().map(|c| format!("{:<cw$}", c.0)).collect::<String>())];
    for (name, f) in rows {
        out.push(format!("{name:<w$}{}", cols.iter().map(|c| format!("{:<cw$}", f(c.1))).collect::<String>()));
    }
    let verdicts: String = cols
        .iter()
        .map(|(_, _, passed, failed, total)| {
            let v = if *passed { format!("PASS {total}/{total}") } else { format!("FAIL {failed}/{total}") };
            format!("{v:<cw$}")
        })
        .collect();
    out.push(format!("{:<w$}{verdicts}", "checks"));
    out.iter().map(|l| l.trim_end().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_the_file_was_written_for() {
        // An engine this build does not have is skipped, not an error.
        let written = vec!["tendermint".to_string(), "raft".to_string()];
        assert_eq!(pick(None, &written).unwrap(), (vec!["tendermint".to_string()], vec!["raft".to_string()]));
        assert_eq!(pick(Some("gasper"), &written).unwrap(), (vec!["gasper".to_string()], vec![]));
        assert_eq!(pick(None, &[]).unwrap().0.len(), ENGINES.len());
    }

    #[test]
    fn engine_lists() {
        assert_eq!(engines(Some("tendermint, gasper,tendermint")).unwrap(), vec!["tendermint", "gasper"]);
        assert_eq!(engines(None).unwrap().len(), ENGINES.len());
        assert!(engines(Some("raft")).unwrap_err().starts_with("unknown engine \"raft\""));
        assert!(engines(Some(",")).is_err());
    }

    #[test]
    fn the_table_lines_up_engines() {
        let a = Metrics { first_finality_ms: Some(2400), longest_stall_ms: Some(6000), ..Default::default() };
        let b = Metrics { first_finality_ms: Some(450), reorg_depth_after_heal: Some(0), ..Default::default() };
        let t = table(&[("gasper", &a, true, 0, 5), ("tendermint", &b, false, 1, 5)]);
        assert_eq!(t[0].trim(), "gasper        tendermint");
        assert_eq!(t[1], format!("{:<38}{:<14}0.45s", "time to first finality", "2.40s"));
        assert_eq!(t.last().unwrap(), &format!("{:<38}{:<14}FAIL 1/5", "checks", "PASS 5/5"));
        assert!(!t.iter().any(|l| l.contains("under load")), "no load, no load rows");
    }

    #[test]
    fn load_rows_appear_when_a_run_had_load() {
        use crate::load::LoadReport;
        let mut report = LoadReport { finalized_tps: 98.44, ..Default::default() };
        report.latency_final_ms.p99 = Some(612.4);
        let a = Metrics::default().with_load(Some(report));
        let b = Metrics::default();
        let t = table(&[("tendermint", &a, true, 0, 5), ("pow", &b, true, 0, 5)]);
        let row = |name: &str| t.iter().find(|l| l.starts_with(name)).cloned().unwrap_or_default();
        assert_eq!(row("finalized TPS under load"), format!("{:<38}{:<14}-", "finalized TPS under load", "98.4"));
        assert_eq!(row("p99 submit→final"), format!("{:<38}{:<14}-", "p99 submit→final", "612ms"));
        assert_eq!((a.finalized_tps, a.p99_final_ms), (Some(98.44), Some(612.4)));
        let j = serde_json::to_value(&a).unwrap();
        assert_eq!((j["finalized_tps"].as_f64(), j["p99_final_ms"].as_f64()), (Some(98.44), Some(612.4)));
        assert_eq!(j["load"]["final"], 0);
    }
}
