//! Every scenario in `scenarios/` runs through `devnet run --json` and must
//! pass: one test per file, so they report (and run) separately.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// Runs the scenario, checks its verdict and its run directory, then hands
/// the run directory to `then`.
fn run_scenario_then(name: &str, then: impl FnOnce(&std::path::Path)) {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios").join(format!("{name}.toml"));
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_devnet"))
        .args(["run", "--json", "--data-dir"])
        .arg(tmp.path())
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let verdict: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<Value>(l).ok().filter(|v| v["type"] == "verdict"))
        .unwrap_or_else(|| panic!("{name}: no verdict line; stderr: {}", String::from_utf8_lossy(&out.stderr)));
    let failed: Vec<&Value> = verdict["checks"].as_array().unwrap().iter().filter(|c| c["passed"] != true).collect();
    assert!(failed.is_empty(), "{name}: failed checks: {failed:#?}");
    assert_eq!(verdict["passed"], true);
    assert_eq!(out.status.code(), Some(0), "{name}");
    let steps = stdout.lines().filter(|l| l.contains("\"type\":\"step\"")).count();
    assert!(steps >= 1, "{name}: no step ran");
    assert!(crate::procs::wait_none_left(tmp.path(), std::time::Duration::from_secs(5)).is_empty());
    let runs: Vec<_> = std::fs::read_dir(tmp.path().join(verdict["scenario"].as_str().unwrap_or(name)).join("runs"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert_eq!(runs.len(), 1, "{name}: one run directory, in {runs:?}");
    crate::report::assert_complete(&runs[0]);
    then(&runs[0]);
}

/// `test => "file"` runs the scenario; `then f` hands its run directory to `f` after.
macro_rules! scenario_tests {
    ($($test:ident => $file:literal $(then $then:path)?),* $(,)?) => {
        $(#[test] fn $test() { run_scenario_then($file, |_run| { $($then(_run);)? }); })*
    };
}

scenario_tests! {
    // Also its report, drawn by a browser, and its replay.
    scenario_crash_restart => "crash-restart" then crate::report::check_report_and_replay,
    scenario_pause_resume => "pause-resume",
    scenario_isolate_one => "isolate-one",
    scenario_minority_partition => "minority-partition",
    scenario_even_split => "even-split",
    scenario_latency => "latency",
    scenario_loss => "loss",
    scenario_clock_skew => "clock-skew",
    scenario_equivocation => "equivocation",
    scenario_twins => "twins",
    scenario_withhold => "withhold",
    scenario_disk_faults => "disk-faults",
    scenario_tendermint_even_split => "tendermint-even-split",
    scenario_pbft_primary_crash => "pbft-primary-crash",
    scenario_pbft_even_split => "pbft-even-split",
    scenario_hotstuff_leader_crash => "hotstuff-leader-crash",
    scenario_hotstuff_even_split => "hotstuff-even-split",
    scenario_tendermint_equivocation => "tendermint-equivocation",
    scenario_partition_compare => "partition-compare",
    scenario_pow_partition => "pow-partition",
    scenario_pow_51_percent => "pow-51-percent",
    scenario_pow_selfish_mining => "pow-selfish-mining",
    scenario_pow_rented_hashrate => "pow-rented-hashrate",
    scenario_censorship_tendermint => "censorship-tendermint",
    scenario_censorship_gasper => "censorship-gasper",
    scenario_censorship_pow => "censorship-pow",
}

#[test]
fn every_scenario_file_has_a_test() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let here = include_str!("scenarios.rs");
    for e in std::fs::read_dir(dir).unwrap() {
        let stem = e.unwrap().path().file_stem().unwrap().to_string_lossy().to_string();
        assert!(here.contains(&format!("=> \"{stem}\"")), "scenarios/{stem}.toml has no test");
    }
}

#[test]
fn a_bad_scenario_file_exits_2_naming_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "duration = \"10s\"\n[[step]]\nat = \"1s\"\ninject = \"partition n0\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_devnet")).arg("run").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:4: step 1: a partition needs at least two groups"), "{err}");
}

/// Engines `devnet compare` runs `partition-compare` on here: all of them.
const COMPARE_ENGINES: &[&str] = &["gasper", "tendermint", "pow", "pbft", "hotstuff"];

#[test]
fn compare_runs_the_partition_on_every_engine_side_by_side() {
    let engines = COMPARE_ENGINES;
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/partition-compare.toml");
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_devnet"))
        .args(["compare", "--json", "--engines", &engines.join(","), "--data-dir"])
        .arg(tmp.path())
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<Value>(l).ok().filter(|v| v["type"] == "compare"))
        .unwrap_or_else(|| panic!("no compare line; stderr: {}", String::from_utf8_lossy(&out.stderr)));
    let failed: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["type"] == "verdict" && v["passed"] != true)
        .collect();
    assert!(failed.is_empty(), "failed engines: {failed:#?}");
    let rows = report["engines"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["engine"].as_str().unwrap()).collect();
    assert_eq!(names, engines);
    for r in rows {
        let m = &r["metrics"];
        assert!(m["first_finality_ms"].is_u64(), "{r}");
        assert!(m["longest_stall_ms"].is_u64() && m["reorg_depth_after_heal"].is_u64(), "{r}");
        assert_eq!(m["safety_violations"], 0, "{r}");
        // Their head is the last committed block (hotstuff's is the highest QC, which may move branch).
        if r["engine"] == "tendermint" || r["engine"] == "pbft" {
            assert_eq!(m["reorg_depth_after_heal"], 0, "BFT commits never reorg: {r}");
        }
        if r["engine"] == "pow" {
            // Both sides confirm blocks during the split; the losing side's are reverted.
            assert!(m["kdeep_reverted"].as_u64().is_some_and(|n| n > 0), "{r}");
            assert!(m["reorg_depth_after_heal"].as_u64().is_some_and(|d| d > 0), "{r}");
        }
    }
    assert_eq!(out.status.code(), Some(0));
    assert!(crate::procs::wait_none_left(tmp.path(), std::time::Duration::from_secs(5)).is_empty());
}
