//! The docker backend, for real: four containers on their own bridge
//! network finalize, one is crashed and restarted on its store, a partition
//! set through the nodes' shims splits them and heals, and nothing (no
//! container, no network) is left behind. Needs a Docker engine; without one
//! the test says plainly that it skipped and why, and passes.

use crate::backend_run::{finalized, inject, say};
use devnet::config::DevnetConfig;
use devnet::devnet::Devnet;
use devnet::supervisor::docker::{self, LABEL_DIR};
use devnet::supervisor::{BackendKind, ProcState};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(120);

async fn run_until(devnet: &mut Devnet, what: &str, done: impl FnMut(&Devnet) -> bool) {
    crate::backend_run::run_until(devnet, DEADLINE, what, done).await
}

/// Containers labelled with `root` and networks named `network`, as the engine lists them.
async fn left_behind(root: &std::path::Path, network: &str) -> (Vec<String>, Vec<String>) {
    use bollard::query_parameters::{ListContainersOptions, ListNetworksOptions};
    let engine = docker::connect().await.unwrap();
    let filters = [("label".to_string(), vec![format!("{LABEL_DIR}={}", root.display())])].into();
    let options = ListContainersOptions { all: true, filters: Some(filters), ..Default::default() };
    let containers = engine.list_containers(Some(options)).await.unwrap();
    let networks = engine.list_networks(None::<ListNetworksOptions>).await.unwrap();
    (
        containers.into_iter().flat_map(|c| c.names.unwrap_or_default()).collect(),
        networks.into_iter().filter_map(|n| n.name).filter(|n| n == network).collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_backend_finalizes_crashes_restarts_partitions_and_leaves_nothing() {
    if let Err(e) = docker::connect().await {
        say(format!("SKIPPED docker_backend_finalizes_crashes_restarts_partitions_and_leaves_nothing: {e:#}"));
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("docker.toml");
    let name = format!("it-docker-{}", std::process::id());
    let toml = format!(
        "name = \"{name}\"\nbackend = \"docker\"\nnodes = 4\nslot_ms = 200\nepoch_slots = 4\ngenesis_delay_ms = 2000\n"
    );
    std::fs::write(&path, toml).unwrap();
    let cfg = DevnetConfig::load(&path).unwrap();
    assert_eq!(cfg.backend, BackendKind::Docker);

    let started = Instant::now();
    let mut d = Devnet::up(&cfg, tmp.path(), true).await.unwrap();
    let up_took = started.elapsed();
    let root = d.dir.root.clone();
    let network = format!("devnet-{name}");
    assert_eq!(d.backend.kind(), BackendKind::Docker);
    // Every node on its own IP of the cluster's network, on the same port.
    let addrs: Vec<_> = d.dir.nodes.nodes.iter().map(|n| n.addr).collect();
    assert!(addrs.iter().all(|a| a.port() == docker::net::GRPC_PORT && a.ip().to_string().starts_with("10.213.")));
    assert_eq!(addrs.iter().map(|a| a.ip()).collect::<std::collections::BTreeSet<_>>().len(), 4, "{addrs:?}");

    run_until(&mut d, "every node to finalize an epoch", |d| (0..4).all(|i| finalized(d, i) >= 1)).await;
    say(format!(
        "docker: up in {:.2}s, every node finalized epoch 1 {:.2}s after `up` began (genesis delay 2 s, 200 ms slots)",
        up_took.as_secs_f64(),
        started.elapsed().as_secs_f64()
    ));

    // Crash: docker kill, seen as a crash; restart: the same container on its store.
    let said = inject(&mut d, "crash n1").await;
    assert!(said.contains("docker kill"), "{said}");
    run_until(&mut d, "n1 to crash", |d| matches!(d.view.nodes[1].process, Some(ProcState::Crashed(_)))).await;
    assert_eq!(d.view.nodes[1].process, Some(ProcState::Crashed("killed by signal 9".into())));
    let before = (0..4).map(|i| finalized(&d, i)).max().unwrap();
    inject(&mut d, "restart n1").await;
    run_until(&mut d, "n1 to come back and catch up", |d| {
        d.view.nodes[1].is_running() && finalized(d, 1) >= before + 2
    })
    .await;
    let log = std::fs::read_to_string(d.dir.log_path(1)).unwrap();
    assert_eq!(log.matches("node starting").count(), 2, "n1's log holds both of its runs, each once:\n{log}");

    // Pause and resume through the freezer.
    assert!(inject(&mut d, "pause n2").await.contains("docker pause"));
    run_until(&mut d, "n2 paused", |d| d.view.nodes[2].process == Some(ProcState::Paused)).await;
    assert!(inject(&mut d, "resume n2").await.contains("docker unpause"));
    run_until(&mut d, "n2 running", |d| d.view.nodes[2].process == Some(ProcState::Running)).await;

    crate::backend_run::partition_n3_then_heal(&mut d, DEADLINE).await;
    let view = d.view.clone();

    let (containers, networks) = left_behind(&root, &network).await;
    assert_eq!(containers.len(), 4, "four containers while running: {containers:?}");
    assert_eq!(networks, std::slice::from_ref(&network));
    d.shutdown().await;
    assert!(view.alarms.is_empty(), "{:?}", view.alarms);
    let (containers, networks) = left_behind(&root, &network).await;
    assert!(containers.is_empty() && networks.is_empty(), "left behind: {containers:?} {networks:?}");
}

/// Dropping the backend without `shutdown` (a panic, an early return) still
/// removes its containers and network.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_backend_dropped_without_shutdown_leaves_nothing() {
    if let Err(e) = docker::connect().await {
        say(format!("SKIPPED docker_backend_dropped_without_shutdown_leaves_nothing: {e:#}"));
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("docker.toml");
    let name = format!("it-drop-{}", std::process::id());
    std::fs::write(&path, format!("name = \"{name}\"\nbackend = \"docker\"\nnodes = 2\nslot_ms = 200\n")).unwrap();
    let cfg = DevnetConfig::load(&path).unwrap();
    let mut d = Devnet::up(&cfg, tmp.path(), true).await.unwrap();
    let root = d.dir.root.clone();
    run_until(&mut d, "both nodes running", |d| d.view.nodes.iter().all(|n| n.is_running())).await;
    drop(d);
    let (containers, networks) = left_behind(&root, &format!("devnet-{name}")).await;
    assert!(containers.is_empty() && networks.is_empty(), "left behind: {containers:?} {networks:?}");
}

/// `devnet run` passes the even-split and crash-restart scenarios on docker,
/// as a user runs them (`--backend docker` over the scenario's own file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_pass_on_docker() {
    if let Err(e) = docker::connect().await {
        say(format!("SKIPPED scenarios_pass_on_docker: {e:#}"));
        return;
    }
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for scenario in ["even-split", "crash-restart"] {
        let tmp = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_devnet"))
            .arg("run")
            .arg(repo.join("scenarios").join(format!("{scenario}.toml")))
            .args(["--backend", "docker", "--json", "--data-dir"])
            .arg(tmp.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{scenario} on docker:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let verdict: serde_json::Value = stdout.lines().rev().find_map(|l| serde_json::from_str(l).ok()).unwrap();
        assert_eq!(verdict["passed"], true, "{scenario}: {verdict}");
    }
}
