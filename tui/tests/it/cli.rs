//! The `devnet` binary as a user runs it: headless JSON, bad config, and no
//! node left behind when `devnet` itself is killed with SIGKILL.

use crate::procs::{fast_config, pids_mentioning, wait_none_left};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn devnet() -> Command {
    Command::new(env!("CARGO_BIN_EXE_devnet"))
}

#[test]
fn headless_json_ends_with_a_summary_of_finalizing_nodes() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = fast_config(tmp.path());
    let out = devnet()
        .args(["up", "--headless", "--for", "10s", "--json", "--fresh", "--config"])
        .arg(&cfg)
        .arg("--data-dir")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).expect(l)).collect();
    assert!(lines.iter().any(|l| l["type"] == "finalized"), "no finalized events");
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["alarms"], Value::Array(vec![]));
    let nodes = summary["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 4);
    for (i, n) in nodes.iter().enumerate() {
        assert_eq!(n["id"], format!("n{i}"));
        assert_eq!(n["state"], "running", "{n}");
        assert!(n["addr"].as_str().unwrap().starts_with("127.0.0.1:"), "{n}");
        assert!(n["finalized_height"].as_u64().unwrap() >= 2, "{n}");
        for key in ["head_slot", "head_height", "head_hash", "finalized_hash"] {
            assert!(!n[key].is_null(), "{key} missing in {n}");
        }
    }
    assert!(wait_none_left(tmp.path(), Duration::from_secs(5)).is_empty());
}

#[test]
fn malformed_config_is_a_clear_error_and_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "nodes = 4\nslot_ms = 0\n").unwrap();
    let out =
        devnet().args(["up", "--headless", "--config"]).arg(&bad).arg("--data-dir").arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:2: `slot_ms` must be an integer from 10 to 60000 ms, found 0"), "{err}");
    assert!(pids_mentioning(tmp.path()).is_empty());
}

#[test]
fn devnet_killed_with_sigkill_takes_its_nodes_with_it() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = fast_config(tmp.path());
    let mut child = devnet()
        .args(["up", "--headless", "--fresh", "--config"])
        .arg(&cfg)
        .arg("--data-dir")
        .arg(tmp.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for a status line saying all four nodes run.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let start = Instant::now();
    let mut all_up = false;
    while start.elapsed() < Duration::from_secs(60) {
        match lines.next() {
            Some(Ok(l)) if l.contains("up 4/4") => {
                all_up = true;
                break;
            }
            Some(Ok(_)) => {}
            _ => break,
        }
    }
    assert!(all_up, "the devnet never reported 4 nodes up");
    assert!(pids_mentioning(tmp.path()).len() >= 4);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let left = wait_none_left(tmp.path(), Duration::from_secs(10));
    assert!(left.is_empty(), "nodes survived devnet's SIGKILL: {left:?}");
}
