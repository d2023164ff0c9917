//! A load the devnet runs itself, through real processes: a scenario whose
//! steps are `load 100/s` and, 8 s later, `load stop`, run with `devnet run
//! --json`; the verdict's metrics carry the load's report, and every
//! transfer it sent is accounted for.

use serde_json::Value;
use std::process::Command;

const SCENARIO: &str = r#"
name = "load-inline"
description = "100 transfers a second on tendermint for 8 s, run by the devnet itself."
duration = "14s"

[devnet]
consensus = "tendermint"
nodes = 4
slot_ms = 100
epoch_slots = 1
genesis_delay_ms = 300

[devnet.tendermint]
timeout_commit_ms = 50

[[step]]
name = "load"
at = "2s"
inject = "load 100/s 20"

[[step]]
name = "stop"
at = "10s"
inject = "load stop"

[[expect]]
check = "finalized_advances"
after = "load"
by = 5
within = "5s"
"#;

#[test]
fn a_scenario_load_reports_its_accounting_in_the_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("load-inline.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    let data = tmp.path().join("data");
    let out = Command::new(env!("CARGO_BIN_EXE_devnet"))
        .args(["run", "--json", "--data-dir"])
        .arg(&data)
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Value> = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let verdict = lines
        .iter()
        .rev()
        .find(|v| v["type"] == "verdict")
        .unwrap_or_else(|| panic!("no verdict line; stderr: {}", String::from_utf8_lossy(&out.stderr)));
    let steps: Vec<&Value> = lines.iter().filter(|v| v["type"] == "step").collect();
    assert_eq!(steps.len(), 2, "{steps:?}");
    assert!(steps.iter().all(|s| s["ok"] == true), "{steps:#?}");
    let failed: Vec<&Value> = verdict["checks"].as_array().unwrap().iter().filter(|c| c["passed"] != true).collect();
    assert!(failed.is_empty(), "failed checks: {failed:#?}");
    assert!(
        verdict["checks"].as_array().unwrap().iter().any(|c| c["name"] == "load accounting"),
        "the load adds a check: {verdict}"
    );

    let m = &verdict["metrics"];
    let load = &m["load"];
    let n = |k: &str| load[k].as_u64().unwrap_or_else(|| panic!("{k} missing in {load}"));
    // 8 s at 100/s; the stop step comes when its time is due, give or take an event.
    assert!((700..=900).contains(&n("submitted")), "{load}");
    assert_eq!(n("submitted"), n("admitted") + n("rejected"), "{load}");
    let ends = ["final", "included_not_final", "pending_at_end", "expired", "rejected_after_admission", "lost"];
    assert_eq!(n("admitted"), ends.iter().map(|k| n(k)).sum::<u64>(), "every admitted transfer has one fate: {load}");
    assert_eq!(n("scheduled"), n("submitted") + n("dropped_by_client"), "{load}");
    assert_eq!(n("lost"), 0, "{load}");
    assert!(n("final") * 10 >= n("submitted") * 9, "most transfers are final after the drain: {load}");
    assert_eq!(load["engine"], "tendermint");
    assert_eq!(load["nodes"].as_array().map(Vec::len), Some(4), "{load}");
    assert_eq!(load["interrupted"], false, "`load stop` is a planned end: {load}");
    let tps = m["finalized_tps"].as_f64().expect("finalized_tps");
    assert!(tps > 50.0 && tps < 150.0, "about 100 final a second: {m}");
    let p99 = m["p99_final_ms"].as_f64().expect("p99_final_ms");
    assert!(p99 > 0.0 && p99 < 5000.0, "{m}");
    assert_eq!(Some(p99), load["latency_final_ms"]["p99"].as_f64());
    // The report also comes as its own line, as `devnet load --json` prints it.
    assert!(lines.iter().any(|v| v["type"] == "load" && v["submitted"] == load["submitted"]), "no load line");
    assert_eq!(out.status.code(), Some(0));
    assert!(crate::procs::wait_none_left(&data, std::time::Duration::from_secs(5)).is_empty());
}
