//! `devnet chaos` on real processes: a short seeded run on each engine
//! passes every always-on check, reports its schedule and verdict as JSON,
//! and leaves no node process and no scenario file behind.

use serde_json::Value;
use std::process::Command;

fn chaos(engine: &str, seed: u64) {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_devnet"))
        .args(["chaos", "--json", "--engine", engine, "--seed", &seed.to_string(), "--for", "30s", "--data-dir"])
        .arg(tmp.path().join("runs"))
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Value> = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let schedule = lines.iter().find(|v| v["type"] == "chaos").unwrap_or_else(|| panic!("no schedule: {stdout}"));
    assert_eq!(schedule["seed"], seed);
    assert!(!schedule["episodes"].as_array().unwrap().is_empty(), "{schedule}");
    let verdict = lines.iter().find(|v| v["type"] == "chaos_verdict").unwrap_or_else(|| {
        panic!("{engine}: no verdict; stdout: {stdout}; stderr: {}", String::from_utf8_lossy(&out.stderr))
    });
    assert_eq!(verdict["passed"], true, "{engine} seed {seed}: {verdict}");
    assert_eq!(out.status.code(), Some(0));
    let left: Vec<_> = std::fs::read_dir(&out_dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    assert!(left.is_empty(), "a passing run leaves no scenario file: {left:?}");
    assert!(crate::procs::wait_none_left(tmp.path(), std::time::Duration::from_secs(5)).is_empty());
}

#[test]
fn chaos_gasper_seed_1_passes() {
    chaos("gasper", 1);
}

#[test]
fn chaos_tendermint_seed_2_passes() {
    chaos("tendermint", 2);
}

#[test]
fn a_dry_run_prints_the_seeds_schedule_and_runs_nothing() {
    let run = || {
        let out = Command::new(env!("CARGO_BIN_EXE_devnet"))
            .args(["chaos", "--dry-run", "--json", "--seed", "19", "--for", "60s", "--engine", "pow"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let a = run();
    assert_eq!(a["type"], "chaos");
    assert!(a["episodes"].as_array().unwrap().len() > 5, "{a}");
    assert_eq!(a, run(), "a seed draws the same schedule every time");
    let bad =
        Command::new(env!("CARGO_BIN_EXE_devnet")).args(["chaos", "--dry-run", "--engine", "paxos"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected --engine one of gasper, tendermint, pow"));
}
