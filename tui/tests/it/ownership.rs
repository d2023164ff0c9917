//! One devnet per cluster directory, seen from the command line: a second
//! `up` on a running cluster is refused and leaves it reachable; a SIGKILLed
//! devnet's `control.addr` is recognised as stale and its directory is free;
//! `devnet ls` lists clusters and `status` finds the one running.

use crate::cli::wait_for;
use crate::procs::{fast_config, wait_none_left};
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const START: Duration = Duration::from_secs(60);

fn devnet() -> Command {
    Command::new(env!("CARGO_BIN_EXE_devnet"))
}

/// A `devnet up` child, SIGKILLed when dropped so a failing test leaves none behind.
struct Running(Child);

impl Running {
    fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill(); // SIGKILL
        let _ = self.0.wait();
    }
}

fn up(data: &Path, cfg: &Path, extra: &[&str]) -> Running {
    Running(
        devnet()
            .args(["up", "--headless", "--config"])
            .arg(cfg)
            .arg("--data-dir")
            .arg(data)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

/// `devnet status --json --data-dir DATA ARGS...`.
fn status(data: &Path, args: &[&str]) -> Output {
    devnet().args(["status", "--json", "--data-dir"]).arg(data).args(args).output().unwrap()
}

fn all_running(out: &Output) -> bool {
    out.status.success()
        && serde_json::from_slice::<Value>(&out.stdout).is_ok_and(|v| {
            v["nodes"].as_array().is_some_and(|n| n.len() == 4 && n.iter().all(|n| n["state"] == "running"))
        })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ls_json(data: &Path) -> Value {
    let out = devnet().args(["ls", "--json", "--data-dir"]).arg(data).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn kill(child: Running) {
    drop(child);
}

#[test]
fn a_second_up_is_refused_and_a_killed_devnets_directory_is_free_again() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    let cfg = fast_config(data);
    let cfg_args = ["--config", cfg.to_str().unwrap()];
    let first = up(data, &cfg, &["--fresh"]);
    assert!(wait_for(START, || all_running(&status(data, &cfg_args))), "the first devnet never ran");
    let addr_file = data.join("it").join("control.addr");
    let addr = std::fs::read_to_string(&addr_file).unwrap();

    let genesis = std::fs::read(data.join("it").join("genesis.json")).unwrap();
    // Even --fresh, which would wipe the directory, is refused before it touches anything.
    let second = devnet()
        .args(["up", "--headless", "--fresh", "--for", "5s", "--config"])
        .arg(&cfg)
        .arg("--data-dir")
        .arg(data)
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    let err = stderr(&second);
    let dir = data.join("it").display().to_string();
    assert!(err.contains(&format!("{dir} is in use by another devnet (pid {})", first.id())), "{err}");
    // The first one is untouched: same endpoint, every node still running.
    assert_eq!(std::fs::read_to_string(&addr_file).unwrap(), addr);
    assert_eq!(std::fs::read(data.join("it").join("genesis.json")).unwrap(), genesis);
    assert!(all_running(&status(data, &cfg_args)), "{}", stderr(&status(data, &cfg_args)));

    let pid = first.id();
    kill(first); // SIGKILL: control.addr stays behind.
    assert!(wait_none_left(&data.join("it"), Duration::from_secs(10)).is_empty());
    assert!(addr_file.exists());
    let stale = status(data, &cfg_args);
    assert_eq!(stale.status.code(), Some(2));
    let want = format!("the devnet in {dir} is not running (stale control.addr from pid {pid})");
    assert!(stderr(&stale).contains(&want), "{}", stderr(&stale));
    // tx and load, which go to the nodes directly, say so too instead of timing out.
    let tx = devnet().args(["tx", "accounts", "--data-dir"]).arg(data).args(cfg_args).output().unwrap();
    assert_eq!(tx.status.code(), Some(2));
    let want = format!("the devnet in {dir} is not running (pid {pid}, its last owner, has exited)");
    assert!(stderr(&tx).contains(&want), "{}", stderr(&tx));
    let listed = ls_json(data);
    assert_eq!(listed["clusters"][0]["running"], false, "{listed}");
    assert_eq!(listed["clusters"][0]["stale_control_addr"], true, "{listed}");

    let third = up(data, &cfg, &[]);
    assert!(wait_for(START, || all_running(&status(data, &cfg_args))), "a new up on the freed directory never ran");
    kill(third);
    assert!(wait_none_left(&data.join("it"), Duration::from_secs(10)).is_empty());
}

#[test]
fn ls_lists_clusters_and_status_finds_the_one_running() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    let cfg = fast_config(data);
    // A stopped gasper cluster `it`, then a running tendermint one `it-tendermint`.
    let stopped = devnet()
        .args(["up", "--headless", "--for", "1s", "--config"])
        .arg(&cfg)
        .arg("--data-dir")
        .arg(data)
        .output()
        .unwrap();
    assert_eq!(stopped.status.code(), Some(0), "{}", stderr(&stopped));
    let tm = up(data, &cfg, &["--engine", "tendermint"]);
    // No --config, --engine or --name: the one running cluster.
    assert!(wait_for(START, || all_running(&status(data, &[]))), "{}", stderr(&status(data, &[])));

    let listed = ls_json(data);
    let rows = listed["clusters"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{listed}");
    assert_eq!(
        (&rows[0]["name"], &rows[0]["engine"], &rows[0]["running"]),
        (&"it".into(), &"gasper".into(), &false.into())
    );
    assert_eq!(rows[0]["control_addr"], Value::Null);
    assert_eq!(rows[0]["stale_control_addr"], false, "a clean stop removes control.addr");
    assert_eq!(rows[1]["name"], "it-tendermint");
    assert_eq!(rows[1]["engine"], "tendermint");
    assert_eq!(rows[1]["running"], true);
    assert_eq!(rows[1]["pid"], tm.id());
    let addr = std::fs::read_to_string(data.join("it-tendermint").join("control.addr")).unwrap();
    assert_eq!(rows[1]["control_addr"], addr.trim());
    let text = devnet().args(["ls", "--data-dir"]).arg(data).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.lines().any(|l| l.starts_with("it ") && l.contains("stopped")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("it-tendermint") && l.contains(addr.trim())), "{text}");

    // Two running: the error lists both and how to pick one.
    let gasper = up(data, &cfg, &[]);
    assert!(wait_for(START, || all_running(&status(data, &["--name", "it"]))));
    let several = status(data, &[]);
    assert_eq!(several.status.code(), Some(2));
    let err = stderr(&several);
    assert!(err.contains("2 devnets are running"), "{err}");
    assert!(err.contains("it (gasper)") && err.contains("it-tendermint (tendermint)"), "{err}");
    assert!(err.contains("--name NAME"), "{err}");
    assert!(all_running(&status(data, &["--engine", "tendermint", "--config", cfg.to_str().unwrap()])));
    kill(gasper);
    kill(tm);
    assert!(wait_none_left(data, Duration::from_secs(10)).is_empty());
}

#[test]
fn up_outside_the_repository_runs_the_defaults_and_init_writes_a_file_it_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let (cwd, data) = (tmp.path().join("elsewhere"), tmp.path().join("data"));
    std::fs::create_dir_all(&cwd).unwrap();
    let run_up = |args: &[&str]| {
        devnet()
            .current_dir(&cwd)
            .args(["up", "--headless", "--for", "1s", "--data-dir"])
            .arg(&data)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run_up(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("running the built-in defaults"), "{}", stderr(&out));
    assert!(data.join("devnet").join("genesis.json").exists());

    let out = run_up(&["--config", "missing.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.toml: cannot read"), "{}", stderr(&out));

    let init = |args: &[&str]| devnet().current_dir(&cwd).arg("init").args(args).output().unwrap();
    let out = init(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(cwd.join("devnet.toml")).unwrap();
    let out = init(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists; pass --force"), "{}", stderr(&out));
    assert!(init(&["--force"]).status.success());
    // The written file is read without --config, and resumes the defaults' cluster.
    std::fs::write(cwd.join("devnet.toml"), written.replace("name = \"devnet\"", "name = \"mine\"")).unwrap();
    let out = run_up(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("built-in defaults"), "{}", stderr(&out));
    assert!(data.join("mine").join("genesis.json").exists());
}
