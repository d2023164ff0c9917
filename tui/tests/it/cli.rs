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

/// Waits until `devnet status --json` answers, then returns the summary.
fn status(data_dir: &std::path::Path, cfg: &std::path::Path) -> Option<Value> {
    let out = devnet().args(["status", "--json", "--config"]).arg(cfg).arg("--data-dir").arg(data_dir).output().ok()?;
    out.status.success().then(|| serde_json::from_slice(&out.stdout).ok()).flatten()
}

fn inject(data_dir: &std::path::Path, cfg: &std::path::Path, words: &[&str]) -> std::process::Output {
    devnet().args(["inject", "--config"]).arg(cfg).arg("--data-dir").arg(data_dir).args(words).output().unwrap()
}

pub(crate) fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

#[test]
fn inject_and_status_reach_a_running_devnet_from_another_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = fast_config(tmp.path());
    let mut up = devnet()
        .args(["up", "--headless", "--fresh", "--config"])
        .arg(&cfg)
        .arg("--data-dir")
        .arg(tmp.path())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let running = |v: &Value, i: usize, state: &str| v["nodes"][i]["state"] == state;
    assert!(wait_for(Duration::from_secs(60), || status(tmp.path(), &cfg)
        .is_some_and(|v| (0..4).all(|i| running(&v, i, "running")))));

    let out = inject(tmp.path(), &cfg, &["pause", "n1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("n1 paused (SIGSTOP)"));
    assert!(wait_for(Duration::from_secs(10), || status(tmp.path(), &cfg).is_some_and(|v| running(&v, 1, "paused"))));
    assert!(inject(tmp.path(), &cfg, &["resume", "n1"]).status.success());
    assert!(wait_for(Duration::from_secs(10), || status(tmp.path(), &cfg).is_some_and(|v| running(&v, 1, "running"))));

    let out = inject(tmp.path(), &cfg, &["latency", "n0", "n2", "50ms", "--jitter", "10ms"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = status(tmp.path(), &cfg).unwrap();
    assert!(v["nodes"][0]["faults"].as_array().unwrap().contains(&Value::from("lat 50±10ms")), "{v}");
    assert!(inject(tmp.path(), &cfg, &["skew", "n3", "-300ms"]).status.success());
    let v = status(tmp.path(), &cfg).unwrap();
    assert!(v["nodes"][3]["faults"].as_array().unwrap().contains(&Value::from("skew -300ms")), "{v}");

    let bad = inject(tmp.path(), &cfg, &["partition", "n0,n1"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("a partition needs at least two groups"));
    let bad = inject(tmp.path(), &cfg, &["crash", "n7"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no node \"n7\""));

    // Options go anywhere on the line, as with any clap tool (they were once silently ignored).
    let out = devnet().args(["inject", "crash", "n2", "--data-dir"]).arg(tmp.path()).arg("--config").arg(&cfg).output();
    let out = out.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(wait_for(Duration::from_secs(10), || status(tmp.path(), &cfg).is_some_and(|v| running(&v, 2, "crashed"))));
    let out =
        devnet().args(["inject", "restart", "--config"]).arg(&cfg).arg("n2").arg("--data-dir").arg(tmp.path()).output();
    assert!(out.unwrap().status.success());
    assert!(wait_for(Duration::from_secs(20), || status(tmp.path(), &cfg).is_some_and(|v| running(&v, 2, "running"))));

    // A wrong token is refused.
    let token = tmp.path().join("it").join("token");
    let real = std::fs::read_to_string(&token).unwrap();
    std::fs::write(&token, "0000\n").unwrap();
    let refused = inject(tmp.path(), &cfg, &["heal"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("token"), "{}", String::from_utf8_lossy(&refused.stderr));
    std::fs::write(&token, real).unwrap();

    // `devnet record` writes what was injected as a scenario: the faults that
    // took, in order; the refused ones left out.
    let out = devnet().arg("record").arg(tmp.path().join("it")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let scenario = String::from_utf8_lossy(&out.stdout);
    let injected: Vec<&str> = scenario.lines().filter_map(|l| l.strip_prefix("inject = ")).collect();
    assert_eq!(
        injected,
        [
            "\"pause n1\"",
            "\"resume n1\"",
            "\"latency n0 n2 50ms --jitter 10ms\"",
            "\"skew n3 -300ms\"",
            "\"crash n2\"",
            "\"restart n2\""
        ],
        "{scenario}"
    );
    assert!(scenario.contains("[devnet]") && scenario.contains("consensus = \"gasper\""), "{scenario}");

    up.kill().unwrap();
    up.wait().unwrap();
    assert!(wait_none_left(tmp.path(), Duration::from_secs(10)).is_empty());
}

#[test]
fn inject_help_lists_the_faults_and_documents_each() {
    let out = devnet().args(["inject", "--help"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for fault in ["crash", "partition", "latency", "skew", "equivocate", "hashrate", "censor", "load"] {
        assert!(help.contains(&format!("  {fault} ")), "{fault} missing:\n{help}");
    }
    let out = devnet().args(["inject", "latency", "--help"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Usage: devnet inject latency [OPTIONS] <FROM> <TO> <DELAY>"), "{help}");
    assert!(help.contains("--jitter <DURATION>") && help.contains("--data-dir"), "{help}");
    let out = devnet().args(["inject", "latency", "n0", "n1", "soon", "--name", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("expected a duration like 500ms, 2s or 1m30s, found \"soon\""), "{err}");
}

#[test]
fn status_without_a_running_devnet_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let out = devnet().args(["status", "--name", "nothing", "--data-dir"]).arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no running devnet found"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn devnet_killed_mid_scenario_leaves_no_node() {
    let tmp = tempfile::tempdir().unwrap();
    let file = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/even-split.toml");
    let mut child =
        devnet().args(["run", "--data-dir"]).arg(tmp.path()).arg(&file).stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let split_ran = lines.any(|l| l.is_ok_and(|l| l.contains("split: partition")));
    assert!(split_ran, "the split step never ran");
    assert!(pids_mentioning(tmp.path()).len() >= 4);
    child.kill().unwrap();
    child.wait().unwrap();
    let left = wait_none_left(tmp.path(), Duration::from_secs(10));
    assert!(left.is_empty(), "nodes survived: {left:?}");
}
