//! The kubernetes backend, for real: four pods finalize, one is crashed
//! (Control.Crash, scale to 0, pod delete) and restarted on its volume, one
//! is frozen and thawed, a partition set through the nodes' shims splits
//! them and heals, and the namespace is gone afterwards.
//!
//! Runs only when `DEVNET_KUBECONFIG` or `KUBECONFIG` names a cluster, whose
//! nodes must hold the image `devnet-node:VERSION` (`devnet image`, then
//! `kind load docker-image devnet-node:VERSION` or the like) and which needs
//! a default storage class (kind and k3s have one). Without either variable
//! the test says plainly that it skipped and passes; with one whose cluster
//! does not answer, it fails.

use crate::backend_run::{finalized, inject, say};
use devnet::config::DevnetConfig;
use devnet::devnet::Devnet;
use devnet::supervisor::kubernetes::{self, KUBECONFIG_ENV};
use devnet::supervisor::{BackendKind, ProcState};
use k8s_openapi::api::core::v1::Namespace;
use std::time::Duration;

/// Pods are scheduled, get volumes and start: slower than processes.
const DEADLINE: Duration = Duration::from_secs(300);

async fn run_until(devnet: &mut Devnet, what: &str, done: impl FnMut(&Devnet) -> bool) {
    crate::backend_run::run_until(devnet, DEADLINE, what, done).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubernetes_backend_finalizes_crashes_restarts_freezes_partitions_and_leaves_nothing() {
    let name = "kubernetes_backend_finalizes_crashes_restarts_freezes_partitions_and_leaves_nothing";
    let Some(var) = [KUBECONFIG_ENV, "KUBECONFIG"].into_iter().find(|v| std::env::var_os(v).is_some()) else {
        say(format!(
            "SKIPPED {name}: neither {KUBECONFIG_ENV} nor KUBECONFIG is set, so there is no cluster to run on"
        ));
        return;
    };
    let client = kubernetes::connect().await.unwrap_or_else(|e| panic!("${var} is set, but: {e:#}"));
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("kube.toml");
    let cluster = format!("it-kube-{}", std::process::id());
    // The genesis waits for the pods: scheduling, volumes and start take seconds.
    let toml = format!(
        "name = \"{cluster}\"\nbackend = \"kubernetes\"\nnodes = 4\nslot_ms = 500\nepoch_slots = 4\ngenesis_delay_ms = 30000\n"
    );
    std::fs::write(&path, toml).unwrap();
    let cfg = DevnetConfig::load(&path).unwrap();
    assert_eq!(cfg.backend, BackendKind::Kubernetes);

    let mut d = Devnet::up(&cfg, tmp.path(), true).await.unwrap();
    assert_eq!(d.backend.kind(), BackendKind::Kubernetes);
    // devnet reaches every node through a loopback port-forward of its own.
    let addrs: Vec<_> = d.dir.nodes.nodes.iter().map(|n| n.addr).collect();
    assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    run_until(&mut d, "every node to finalize an epoch", |d| (0..4).all(|i| finalized(d, i) >= 1)).await;

    // Crash: the node ends itself, its set scaled to 0; restart: scaled to 1, the same volume.
    assert!(inject(&mut d, "crash n1").await.contains("Control.Crash"));
    run_until(&mut d, "n1 to crash", |d| matches!(d.view.nodes[1].process, Some(ProcState::Crashed(_)))).await;
    let before = (0..4).map(|i| finalized(&d, i)).max().unwrap();
    inject(&mut d, "restart n1").await;
    run_until(&mut d, "n1 to come back and catch up", |d| {
        d.view.nodes[1].is_running() && finalized(d, 1) >= before + 2
    })
    .await;
    let log = std::fs::read_to_string(d.dir.log_path(1)).unwrap();
    assert_eq!(log.matches("node starting").count(), 2, "n1's log holds both of its runs, each once:\n{log}");
    assert!(log.contains("restored="), "{log}");

    // Freeze: n2 stands still while the others go on; thawed, it catches up.
    assert!(inject(&mut d, "pause n2").await.contains("Control.SetFrozen"));
    run_until(&mut d, "n2 paused", |d| d.view.nodes[2].process == Some(ProcState::Paused)).await;
    let cut = finalized(&d, 2);
    run_until(&mut d, "the others to finalize past the frozen n2", |d| {
        [0, 1, 3].iter().all(|i| finalized(d, *i) >= cut + 2)
    })
    .await;
    assert!(finalized(&d, 2) <= cut, "n2 finalized {} while frozen at {cut}", finalized(&d, 2));
    inject(&mut d, "resume n2").await;
    let target = finalized(&d, 0);
    run_until(&mut d, "n2 to catch up after the thaw", |d| finalized(d, 2) >= target).await;

    crate::backend_run::partition_n3_then_heal(&mut d, DEADLINE).await;
    let view = d.view.clone();

    d.shutdown().await;
    assert!(view.alarms.is_empty(), "{:?}", view.alarms);
    let namespaces: kube::Api<Namespace> = kube::Api::all(client);
    let left = namespaces.get_opt(&format!("devnet-{cluster}")).await.unwrap();
    assert!(left.is_none(), "the namespace outlived the devnet: {left:?}");
}

fn devnet() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_devnet"));
    for var in [KUBECONFIG_ENV, "KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"] {
        c.env_remove(var);
    }
    c
}

/// A kubeconfig naming a loopback port nothing listens on.
fn kubeconfig_of_nothing(dir: &std::path::Path) -> std::path::PathBuf {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let path = dir.join("kubeconfig");
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: none\n  cluster:\n    server: https://127.0.0.1:{port}\n\
         contexts:\n- name: none\n  context:\n    cluster: none\n    user: none\nusers:\n- name: none\n  user:\n    \
         token: x\ncurrent-context: none\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn without_a_cluster_up_says_what_is_missing_and_starts_no_node() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = crate::procs::fast_config(tmp.path());
    let up = |env: &[(&str, &std::path::Path)]| {
        let mut c = devnet();
        c.args(["up", "--headless", "--for", "5s", "--backend", "kubernetes", "--config"])
            .arg(&cfg)
            .arg("--data-dir")
            .arg(tmp.path())
            .env("HOME", tmp.path());
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, err) = up(&[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no Kubernetes cluster is configured: set DEVNET_KUBECONFIG or KUBECONFIG"), "{err}");
    let missing = tmp.path().join("no-such-kubeconfig");
    let (code, err) = up(&[(KUBECONFIG_ENV, &missing)]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&format!("reading the kubeconfig {}", missing.display())), "{err}");
    let nothing = kubeconfig_of_nothing(tmp.path());
    let (code, err) = up(&[("KUBECONFIG", &nothing)]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("the Kubernetes API server at https://127.0.0.1:") && err.contains("does not answer"),
        "{err}"
    );
    assert!(crate::procs::pids_mentioning(tmp.path()).is_empty(), "a node started");

    // Writing the manifests needs no cluster.
    let out = devnet()
        .args(["manifests", "--backend", "kubernetes", "-o"])
        .arg(tmp.path().join("k8s"))
        .arg("--config")
        .arg(&cfg)
        .arg("--data-dir")
        .arg(tmp.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("wrote 14 objects") && err.contains("kubectl apply -f"), "{err}");
    assert!(tmp.path().join("k8s/13-statefulset-n3.yaml").is_file());
    let out = devnet().args(["manifests", "--backend", "docker"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only --backend kubernetes has manifests"));
}
