//! The backend's calls against a fake API server (`fake`): what it creates
//! and in what order, how it crashes, restarts, pauses and stops a node, how
//! it waits for Ready and fails early on a pod that cannot start, and that
//! `stop_all` deletes the namespace. Each test scripts the calls it
//! expects, method, path, query and body, and the fake's replies play the
//! cluster's part (a StatefulSet applied gets its pod, a deleted pod goes).

mod fake;

use super::*;
use base64::Engine as _;
use fake::{Expect, FakeApi, eventually, fake_node, not_found, same};
use http::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;

const NS: &str = "devnet-mock";
const TOKEN: &str = "secret-token";
const SETS: &str = "/apis/apps/v1/namespaces/devnet-mock/statefulsets";
const CORE: &str = "/api/v1/namespaces/devnet-mock";

/// A cluster directory's files for two nodes, and their commands.
fn cluster_files(root: &Path) -> Vec<NodeCommand> {
    std::fs::create_dir_all(root.join("keys")).unwrap();
    std::fs::create_dir_all(root.join("logs")).unwrap();
    std::fs::write(root.join("genesis.json"), "{\"name\": \"mock\"}\n").unwrap();
    let nodes = json!({"nodes": [
        {"id": "n0", "addr": "127.0.0.1:4000", "validator": 0},
        {"id": "n1", "addr": "127.0.0.1:4001", "validator": 1}]});
    std::fs::write(root.join("nodes.json"), nodes.to_string()).unwrap();
    std::fs::write(root.join("token"), format!("{TOKEN}\n")).unwrap();
    (0..2)
        .map(|i| {
            let key = root.join(format!("keys/n{i}.key"));
            std::fs::write(&key, format!("{i}{i}{i}{i}\n")).unwrap();
            let p = |s: &str| root.join(s).display().to_string();
            NodeCommand {
                id: format!("n{i}"),
                program: "/bin/devnet-node".into(),
                args: [
                    "--genesis",
                    &p("genesis.json"),
                    "--nodes",
                    &p("nodes.json"),
                    "--index",
                    &i.to_string(),
                    "--data-dir",
                    &p(&format!("nodes/n{i}")),
                    "--token-file",
                    &p("token"),
                    "--key",
                    &key.display().to_string(),
                ]
                .map(String::from)
                .to_vec(),
                log: root.join(format!("logs/n{i}.log")),
                reads: vec![],
                writes: vec![],
            }
        })
        .collect()
}

fn b64(text: &str) -> Value {
    json!(base64::engine::general_purpose::STANDARD.encode(text))
}

/// The Service echoed with the ClusterIP the cluster gave it.
fn with_ip(ip: &'static str) -> impl FnOnce(&Value, &mut fake::State) -> (StatusCode, Value) + Send {
    move |body, _| {
        let mut s = body.clone();
        s["spec"]["clusterIP"] = json!(ip);
        (StatusCode::OK, s)
    }
}

fn scale_reply(id: &'static str, replicas: i64) -> Value {
    json!({"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": id, "namespace": NS},
           "spec": {"replicas": replicas}})
}

fn success() -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "status": "Success", "code": 200})
}

/// The calls `prepare` makes for nodes n0 and n1 of a cluster in `root`.
fn prepare_script(root: &Path) -> Vec<Expect> {
    let dir = root.display().to_string();
    vec![
        Expect::new(Method::GET, CORE).reply(|_, _| not_found("namespaces \"devnet-mock\"")),
        Expect::apply(CORE).check(move |b| {
            same("kind", &b["kind"], json!("Namespace"))?;
            same("annotation", &b["metadata"]["annotations"]["devnet/dir"], json!(dir))?;
            same("managed-by", &b["metadata"]["labels"]["app.kubernetes.io/managed-by"], json!("devnet"))
        }),
        Expect::apply(format!("{CORE}/services/n0"))
            .check(|b| {
                same("type", &b["spec"]["type"], json!("ClusterIP"))?;
                same("no fixed IP", &b["spec"]["clusterIP"], Value::Null)?;
                same("selector", &b["spec"]["selector"]["devnet/node"], json!("n0"))
            })
            .reply(with_ip("10.96.7.1")),
        Expect::apply(format!("{CORE}/services/n1")).reply(with_ip("10.96.7.2")),
    ]
}

/// The calls `start_all` makes the first time; each StatefulSet's pod comes up Ready
/// (or, for `stuck`, waits for its image).
fn start_script(genesis: String, keys: [String; 2], stuck: Option<&'static str>) -> Vec<Expect> {
    let mut calls = vec![Expect::apply(format!("{CORE}/configmaps/devnet-files")).check(move |b| {
        same("genesis", &b["data"]["genesis.json"], json!(genesis))?;
        let nodes: Value =
            serde_json::from_str(b["data"]["nodes.json"].as_str().unwrap_or("")).map_err(|e| e.to_string())?;
        same("n0 at its Service", &nodes["nodes"][0]["addr"], json!("10.96.7.1:7000"))?;
        same("n1 at its Service", &nodes["nodes"][1]["addr"], json!("10.96.7.2:7000"))?;
        same("n1 metrics", &nodes["nodes"][1]["metrics"], json!("10.96.7.2:9100"))
    })];
    for (i, key) in keys.into_iter().enumerate() {
        let id = ["n0", "n1"][i];
        calls.push(Expect::apply(format!("{CORE}/secrets/{id}-secrets")).check(move |b| {
            same("token", &b["data"]["token"], b64(&format!("{TOKEN}\n")))?;
            same("key", &b["data"]["key"], b64(&key))
        }));
        calls.push(
            Expect::apply(format!("{SETS}/{id}"))
                .check(move |b| {
                    same("replicas", &b["spec"]["replicas"], json!(1))?;
                    let c = &b["spec"]["template"]["spec"]["containers"][0];
                    same("image", &c["image"], json!(crate::supervisor::docker::image::image_tag()))?;
                    let args: Vec<&str> = c["args"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
                    if !args.windows(2).any(|w| w == ["--listen", "0.0.0.0:7000"])
                        || !args.windows(2).any(|w| w == ["--index", &i.to_string()])
                    {
                        return Err(format!("args {args:?}"));
                    }
                    same("probe", &c["readinessProbe"]["grpc"]["port"], json!(7000))
                })
                .reply(move |b, s| {
                    s.put_pod(NS, id, stuck.is_none(), stuck);
                    (StatusCode::OK, b.clone())
                }),
        );
    }
    calls
}

async fn next_event(rx: &mut mpsc::Receiver<ProcEvent>) -> (usize, ProcState) {
    match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
        Ok(Some(e)) => (e.node, e.state),
        other => panic!("no process event: {other:?}"),
    }
}

struct Setup {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    api: FakeApi,
    backend: KubeBackend,
    events: mpsc::Receiver<ProcEvent>,
}

/// A backend prepared against the fake, its two nodes added.
async fn prepared() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("mock");
    let commands = cluster_files(&root);
    let (api, client) = FakeApi::start(NS);
    let mut addrs = vec![];
    for c in &commands {
        let grpc = fake_node(&c.id, TOKEN, api.state.clone()).await;
        addrs.push(NodeAddrs { grpc, metrics: None });
    }
    api.script(prepare_script(&root));
    let (tx, events) = mpsc::channel(64);
    let ids = ["n0".to_string(), "n1".to_string()];
    let p = KubeBackend::prepare_with(client, "mock", &root, &ids, tx, Reach::Given(addrs.clone())).await.unwrap();
    api.assert_script_done();
    assert!(!p.removed_leftover);
    let mut backend = p.backend;
    for (i, c) in commands.into_iter().enumerate() {
        assert_eq!(backend.new_node_addrs(i).unwrap(), addrs[i], "devnet reaches node {i} where it was told");
        backend.add(c);
    }
    assert!(backend.new_node_addrs(2).is_err(), "no twins");
    Setup { _tmp: tmp, root, api, backend, events }
}

fn files_of(root: &Path) -> (String, [String; 2]) {
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    (read("genesis.json"), [read("keys/n0.key"), read("keys/n1.key")])
}

#[tokio::test]
async fn create_watch_ready_crash_restart_pause_stop_and_delete_the_namespace() {
    let Setup { _tmp, root, api, mut backend, mut events } = prepared().await;

    // Create: the files, then each node's Secret and StatefulSet; start_all returns once both pods are Ready.
    let (genesis, keys) = files_of(&root);
    api.script(start_script(genesis, keys, None));
    backend.start_all().await.unwrap();
    api.assert_script_done();
    let mut running = vec![next_event(&mut events).await, next_event(&mut events).await];
    running.sort_by_key(|e| e.0);
    assert_eq!(running, [(0, ProcState::Running), (1, ProcState::Running)]);
    assert!(backend.is_alive(0) && backend.is_alive(1));
    // Each run's output is followed into its log.
    eventually("n0's output in logs/n0.log", || {
        std::fs::read_to_string(root.join("logs/n0.log")).is_ok_and(|t| t == "output of n0-0\n")
    })
    .await;

    // Crash: the node ends itself, then its set is scaled to 0 and its pod deleted with grace 0.
    let from = api.journal_len();
    api.script([
        Expect::new(Method::PATCH, format!("{SETS}/n0/scale"))
            .check(|b| same("scale", b, json!({"spec": {"replicas": 0}})))
            .reply(|_, _| (StatusCode::OK, scale_reply("n0", 0))),
        Expect::new(Method::DELETE, format!("{CORE}/pods/n0-0"))
            .check(|b| same("grace", &b["gracePeriodSeconds"], json!(0)))
            .reply(|_, s| {
                s.remove_pod("n0-0");
                (StatusCode::OK, success())
            }),
    ]);
    backend.crash(0).await.unwrap();
    api.assert_script_done();
    assert_eq!(
        api.journal_since(from),
        ["n0 Control.Crash", &format!("PATCH {SETS}/n0/scale"), &format!("DELETE {CORE}/pods/n0-0")]
    );
    let (node, state) = next_event(&mut events).await;
    assert_eq!(node, 0);
    let ProcState::Crashed(how) = state else { panic!("{state:?}") };
    assert!(how.contains("Control.Crash") && how.contains("grace 0"), "{how}");
    assert!(!backend.is_alive(0));
    assert!(backend.crash(0).await.is_err(), "a node that is down cannot crash");

    // Restart: the same set scaled back to 1: the same pod name, the same claim.
    api.script([Expect::new(Method::PATCH, format!("{SETS}/n0/scale"))
        .check(|b| same("scale", b, json!({"spec": {"replicas": 1}})))
        .reply(|_, s| {
            s.put_pod(NS, "n0", true, None);
            (StatusCode::OK, scale_reply("n0", 1))
        })]);
    backend.start(0).await.unwrap();
    api.assert_script_done();
    assert_eq!(next_event(&mut events).await, (0, ProcState::Running));
    assert!(backend.start(0).await.is_err(), "already running");
    eventually("both of n0's runs, each once, in logs/n0.log", || {
        std::fs::read_to_string(root.join("logs/n0.log")).is_ok_and(|t| t == "output of n0-0\n".repeat(2))
    })
    .await;

    // Pause and resume: the node's own freeze, nothing asked of the API.
    let from = api.journal_len();
    backend.pause(1).await.unwrap();
    assert_eq!(next_event(&mut events).await, (1, ProcState::Paused));
    backend.resume(1).await.unwrap();
    assert_eq!(next_event(&mut events).await, (1, ProcState::Running));
    assert_eq!(api.journal_since(from), ["n1 Control.SetFrozen true", "n1 Control.SetFrozen false"]);

    // Stop: scale to 0 and delete the pod with the grace; it reads as stopped.
    api.script([
        Expect::new(Method::PATCH, format!("{SETS}/n1/scale"))
            .check(|b| same("scale", b, json!({"spec": {"replicas": 0}})))
            .reply(|_, _| (StatusCode::OK, scale_reply("n1", 0))),
        Expect::new(Method::DELETE, format!("{CORE}/pods/n1-0"))
            .check(|b| same("grace", &b["gracePeriodSeconds"], json!(2)))
            .reply(|_, s| {
                s.remove_pod("n1-0");
                (StatusCode::OK, success())
            }),
    ]);
    backend.stop(1, Duration::from_millis(1500)).await.unwrap();
    api.assert_script_done();
    assert_eq!(next_event(&mut events).await, (1, ProcState::Stopped));

    // stop_all: the namespace goes, and with it n0, which reads as stopped.
    api.script([
        Expect::new(Method::DELETE, CORE).reply(|_, s| {
            s.remove_all_pods();
            (StatusCode::OK, success())
        }),
        Expect::new(Method::GET, CORE).reply(|_, _| not_found("namespaces \"devnet-mock\"")),
    ]);
    backend.stop_all(Duration::from_secs(3)).await;
    api.assert_script_done();
    assert_eq!(next_event(&mut events).await, (0, ProcState::Stopped));
    assert!(!backend.is_alive(0) && !backend.is_alive(1));
}

#[tokio::test]
async fn a_pod_without_its_image_fails_the_start_at_once_saying_how_to_load_it() {
    let Setup { _tmp, root, api, mut backend, .. } = prepared().await;
    let (genesis, keys) = files_of(&root);
    api.script(start_script(genesis, keys, Some("ErrImageNeverPull")));
    let started = tokio::time::Instant::now();
    let e = backend.start_all().await.unwrap_err().to_string();
    assert!(started.elapsed() < Duration::from_secs(30), "failed early, not at the timeout");
    assert!(e.contains("ErrImageNeverPull"), "{e}");
    assert!(e.contains("kind load docker-image devnet-node:"), "{e}");
    api.assert_script_done();
}

#[tokio::test]
async fn a_namespace_left_by_a_killed_devnet_is_deleted_and_anothers_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("mock");
    let dir = root.display().to_string();
    let (api, client) = FakeApi::start(NS);
    let ours = json!({"apiVersion": "v1", "kind": "Namespace",
                      "metadata": {"name": NS, "annotations": {"devnet/dir": dir}}});
    let mut script = vec![
        Expect::new(Method::GET, CORE).reply(move |_, _| (StatusCode::OK, ours)),
        Expect::new(Method::DELETE, CORE)
            .check(|b| same("grace", &b["gracePeriodSeconds"], json!(0)))
            .reply(|_, _| (StatusCode::OK, success())),
        Expect::new(Method::GET, CORE).reply(|_, _| not_found("namespaces \"devnet-mock\"")),
    ];
    script.extend(prepare_script(&root).into_iter().skip(1));
    api.script(script);
    let (tx, _rx) = mpsc::channel(8);
    let ids = ["n0".to_string(), "n1".to_string()];
    let given = || Reach::Given(vec![]);
    let p = KubeBackend::prepare_with(client.clone(), "mock", &root, &ids, tx.clone(), given()).await.unwrap();
    api.assert_script_done();
    assert!(p.removed_leftover);
    drop(p);

    let theirs = json!({"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": NS, "annotations": {"devnet/dir": "/elsewhere/mock"}}});
    api.script([Expect::new(Method::GET, CORE).reply(move |_, _| (StatusCode::OK, theirs))]);
    let e = KubeBackend::prepare_with(client.clone(), "mock", &root, &ids, tx.clone(), given()).await.err().unwrap();
    assert!(e.to_string().contains("belongs to the devnet of /elsewhere/mock"), "{e}");
    let applied = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}});
    api.script([Expect::new(Method::GET, CORE).reply(move |_, _| (StatusCode::OK, applied))]);
    let e = KubeBackend::prepare_with(client, "mock", &root, &ids, tx, given()).await.err().unwrap();
    assert!(e.to_string().contains("is not this devnet's"), "{e}");
    api.assert_script_done();
    let bad = KubeBackend::prepare_with(FakeApi::start(NS).1, "Mock_1", &root, &ids, mpsc::channel(1).0, given());
    assert!(bad.await.err().unwrap().to_string().contains("use a `name` of lowercase letters"));
}
