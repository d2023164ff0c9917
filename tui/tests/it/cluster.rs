//! A real 4-node devnet through the library: finality, agreement, clean stop,
//! and a node killed with SIGKILL that comes back without double-signing.

use crate::procs::{fast_config, wait_none_left};
use devnet::cluster::ClusterEvent;
use devnet::config::DevnetConfig;
use devnet::devnet::Devnet;
use devnet::supervisor::ProcState;
use devnet_proto::v1::event::Kind;
use std::collections::BTreeMap;
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(120);

struct Seen {
    /// node -> epoch -> finalized block hash
    finalized: BTreeMap<usize, BTreeMap<u64, Vec<u8>>>,
    equivocations: Vec<String>,
}

/// Applies events until `done` holds for the view and what was seen, or the deadline passes.
async fn run_until(devnet: &mut Devnet, seen: &mut Seen, mut done: impl FnMut(&Devnet, &Seen) -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !done(devnet, seen) {
        let ev = match tokio::time::timeout_at(deadline, devnet.events.recv()).await {
            Ok(Some(ev)) => ev,
            _ => return false,
        };
        if let ClusterEvent::Node { node, event } = &ev {
            match &event.kind {
                Some(Kind::Finalized(c)) if c.epoch > 0 => {
                    let hash = c.block.as_ref().map(|b| b.hash.clone()).unwrap_or_default();
                    seen.finalized.entry(*node).or_default().insert(c.epoch, hash);
                }
                Some(Kind::EquivocationSeen(q)) => seen.equivocations.push(format!("n{node}: {q:?}")),
                Some(Kind::Slashed(s)) => seen.equivocations.push(format!("n{node}: slashed {}", s.validator)),
                _ => {}
            }
        }
        devnet.apply(ev);
    }
    true
}

fn assert_agreement(seen: &Seen) {
    let mut by_epoch: BTreeMap<u64, (usize, &Vec<u8>)> = BTreeMap::new();
    for (node, epochs) in &seen.finalized {
        for (epoch, hash) in epochs {
            if let Some((first, h)) = by_epoch.get(epoch) {
                assert_eq!(*h, hash, "n{first} and n{node} finalized different blocks for epoch {epoch}");
            } else {
                by_epoch.insert(*epoch, (*node, hash));
            }
        }
    }
}

fn config(dir: &std::path::Path) -> DevnetConfig {
    DevnetConfig::load(&fast_config(dir)).unwrap()
}

/// `toml` written to `dir/devnet.toml` and loaded.
fn config_from(dir: &std::path::Path, toml: &str) -> DevnetConfig {
    let path = dir.join("devnet.toml");
    std::fs::write(&path, toml).unwrap();
    DevnetConfig::load(&path).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_nodes_finalize_the_same_checkpoints_and_stop_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let mut devnet = Devnet::up(&config(tmp.path()), tmp.path(), true).await.unwrap();
    let mut seen = Seen { finalized: BTreeMap::new(), equivocations: vec![] };
    let ok =
        run_until(&mut devnet, &mut seen, |_, s| (0..4).all(|n| s.finalized.get(&n).is_some_and(|e| e.len() >= 3)))
            .await;
    let view = devnet.view.clone();
    devnet.shutdown().await;
    assert!(ok, "not every node finalized 3 checkpoints in time: {:?}", seen.finalized);
    assert_agreement(&seen);
    assert!(view.alarms.is_empty(), "{:?}", view.alarms);
    assert!(seen.equivocations.is_empty(), "{:?}", seen.equivocations);
    let left = wait_none_left(tmp.path(), Duration::from_secs(5));
    assert!(left.is_empty(), "node processes left running: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_killed_with_sigkill_restarts_syncs_and_never_equivocates() {
    let tmp = tempfile::tempdir().unwrap();
    let mut devnet = Devnet::up(&config(tmp.path()), tmp.path(), true).await.unwrap();
    let mut seen = Seen { finalized: BTreeMap::new(), equivocations: vec![] };
    assert!(run_until(&mut devnet, &mut seen, |d, _| d.view.nodes.iter().all(|n| n.finalized.epoch >= 1)).await);

    // Kill n1 at three different moments; each time it must come back and catch up.
    for round in 0..3 {
        devnet.backend.crash(1).await.unwrap();
        let crashed =
            run_until(&mut devnet, &mut seen, |d, _| matches!(d.view.nodes[1].process, Some(ProcState::Crashed(_))))
                .await;
        assert!(crashed, "round {round}: n1 was not seen crashing");
        let before = devnet.view.nodes.iter().map(|n| n.finalized.epoch).max().unwrap();
        devnet.backend.start(1).await.unwrap();
        let caught_up = run_until(&mut devnet, &mut seen, |d, _| {
            let n1 = &d.view.nodes[1];
            n1.is_running() && n1.finalized.epoch >= before + 2
        })
        .await;
        if !caught_up {
            let log = std::fs::read_to_string(devnet.dir.log_path(1)).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            panic!(
                "round {round}: n1 did not catch up: {:?}\nlog tail (newest first):\n{}",
                devnet.view.nodes[1],
                tail.join("\n")
            );
        }
    }
    let view = devnet.view.clone();
    devnet.shutdown().await;
    assert_agreement(&seen);
    assert!(view.alarms.is_empty(), "{:?}", view.alarms);
    assert!(seen.equivocations.is_empty(), "a restarted node double-signed: {:?}", seen.equivocations);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_p2p_messages_are_rejected_and_the_node_keeps_finalizing() {
    use devnet_proto::v1::{Batch, Envelope, MessageKind, p2p_client::P2pClient};
    let tmp = tempfile::tempdir().unwrap();
    let mut devnet = Devnet::up(&config(tmp.path()), tmp.path(), true).await.unwrap();
    let mut seen = Seen { finalized: BTreeMap::new(), equivocations: vec![] };
    assert!(run_until(&mut devnet, &mut seen, |d, _| d.view.nodes[0].finalized.epoch >= 1).await);

    let addr = devnet.dir.nodes.nodes[0].addr;
    let mut client = P2pClient::connect(format!("http://{addr}")).await.unwrap();
    let kinds = [
        MessageKind::Block,
        MessageKind::Vote,
        MessageKind::Evidence,
        MessageKind::Status,
        MessageKind::SyncRequest,
        MessageKind::SyncResponse,
    ];
    for (i, kind) in kinds.into_iter().enumerate() {
        for payload in [vec![], vec![0xff; 7], vec![i as u8; 300]] {
            let env = Envelope { from: 1, kind: kind as i32, payload: payload.into() };
            client.deliver(env).await.expect("a malformed payload is accepted for the engine to reject");
        }
    }
    let bad_kind = client.deliver(Envelope { from: 1, kind: 99, payload: Default::default() }).await.unwrap_err();
    assert_eq!(bad_kind.code(), tonic::Code::InvalidArgument);
    let bad_sender = client.deliver(Envelope { from: 1000, kind: 1, payload: Default::default() }).await.unwrap_err();
    assert_eq!(bad_sender.code(), tonic::Code::InvalidArgument);

    // The same garbage on a gossip stream (as "n2"): each bad envelope is dropped alone.
    let mut garbage: Vec<Envelope> = kinds
        .iter()
        .flat_map(|k| {
            [vec![], vec![0xff; 7], vec![3u8; 300]].map(|payload| Envelope {
                from: 2,
                kind: *k as i32,
                payload: payload.into(),
            })
        })
        .collect();
    garbage.push(Envelope { from: 1000, kind: 1, payload: Default::default() });
    garbage.push(Envelope { from: 2, kind: 99, payload: Default::default() });
    let batches = [Batch { envelopes: garbage }, Batch { envelopes: vec![] }];
    let mut acks = client.gossip(tokio_stream::iter(batches)).await.expect("a gossip stream opens").into_inner();
    let end = tokio::time::timeout(Duration::from_secs(10), acks.message()).await;
    assert!(matches!(end, Ok(Ok(None))), "the node ends the stream when the sender does: {end:?}");

    // The standard health service answers for the node's own services.
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let req = tonic_health::pb::HealthCheckRequest { service: "devnet.v1.P2p".into() };
    let status = health.check(req).await.unwrap().into_inner().status;
    assert_eq!(status, tonic_health::pb::health_check_response::ServingStatus::Serving as i32);

    let rejected_logged = |d: &Devnet| {
        let from =
            |peer: &str| d.view.log.iter().any(|l| l.text.contains(&format!("n0 rejected a message from {peer}")));
        from("n1") && from("n2")
    };
    let before = devnet.view.nodes[0].finalized.epoch;
    let ok =
        run_until(&mut devnet, &mut seen, |d, _| rejected_logged(d) && d.view.nodes[0].finalized.epoch >= before + 2)
            .await;
    let n0 = devnet.view.nodes[0].clone();
    devnet.shutdown().await;
    assert!(ok, "n0 did not reject and keep finalizing: {n0:?}");
    assert!(n0.is_running());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_tendermint_nodes_commit_the_same_blocks() {
    four_bft_nodes_commit_the_same_blocks("tendermint").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_pbft_nodes_commit_the_same_blocks() {
    four_bft_nodes_commit_the_same_blocks("pbft").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_hotstuff_nodes_commit_the_same_blocks() {
    four_bft_nodes_commit_the_same_blocks("hotstuff").await;
}

/// Four real nodes of a BFT `engine` commit ten heights each, the same
/// blocks everywhere, with no safety alarm and no equivocation.
async fn four_bft_nodes_commit_the_same_blocks(engine: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config_from(
        tmp.path(),
        &format!("name = \"bft\"\nconsensus = \"{engine}\"\nnodes = 4\nslot_ms = 100\ngenesis_delay_ms = 300\n"),
    );
    let mut devnet = Devnet::up(&cfg, tmp.path(), true).await.unwrap();
    let mut seen = Seen { finalized: BTreeMap::new(), equivocations: vec![] };
    // For a BFT engine a finalized "epoch" is a committed height.
    let ok =
        run_until(&mut devnet, &mut seen, |_, s| (0..4).all(|n| s.finalized.get(&n).is_some_and(|e| e.len() >= 10)))
            .await;
    let view = devnet.view.clone();
    // A stock gRPC client learns how to read the node's detail cells from the node.
    let addr = devnet.dir.nodes.nodes[1].addr;
    let described = async {
        let mut c = devnet_proto::v1::observer_client::ObserverClient::connect(format!("http://{addr}")).await.ok()?;
        c.describe(devnet_proto::v1::DescribeRequest {}).await.ok().map(|r| r.into_inner())
    }
    .await;
    devnet.shutdown().await;
    let described = described.expect("Describe answers");
    let own = devnet_node::consensus::description(engine).unwrap();
    assert_eq!(described, devnet_node::api::describe::to_pb(own), "{engine}");
    assert_eq!(described.words, own.words);
    assert!(
        ok,
        "{engine}: not every node committed 10 heights in time: {:?}",
        seen.finalized.values().map(|e| e.len()).collect::<Vec<_>>()
    );
    assert_agreement(&seen);
    assert!(view.alarms.iter().all(|a| a.kind != "safety"), "{:?}", view.alarms);
    assert!(seen.equivocations.is_empty(), "{:?}", seen.equivocations);
}

/// Every node killed at once, as when `devnet` itself is SIGKILLed (the nodes
/// get SIGKILL with it), then all restarted on their data directories: the
/// store keeps what each signature depended on, so the cluster resumes from
/// where it was, with no height committed twice and no validator equivocating.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tendermint_cluster_killed_all_at_once_resumes_and_keeps_committing() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config_from(
        tmp.path(),
        "name = \"tmkill\"\nconsensus = \"tendermint\"\nnodes = 4\nslot_ms = 50\ngenesis_delay_ms = 300\n\n\
         [tendermint]\ntimeout_propose_ms = 50\ntimeout_prevote_ms = 25\ntimeout_precommit_ms = 25\n\
         timeout_delta_ms = 25\ntimeout_commit_ms = 0\n",
    );
    let mut devnet = Devnet::up(&cfg, tmp.path(), true).await.unwrap();
    let mut seen = Seen { finalized: BTreeMap::new(), equivocations: vec![] };
    let highest = |d: &Devnet| d.view.nodes.iter().map(|n| n.finalized.epoch).max().unwrap_or(0);
    for round in 0..2 {
        let target = highest(&devnet) + 30;
        assert!(run_until(&mut devnet, &mut seen, |d, _| highest(d) >= target).await, "round {round}: no progress");
        // Heights come every few ms: the kill lands with blocks committed after the last fsync of redb.
        for n in 0..4 {
            devnet.backend.crash(n).await.unwrap();
        }
        let all_down = run_until(&mut devnet, &mut seen, |d, _| {
            d.view.nodes.iter().all(|n| matches!(n.process, Some(ProcState::Crashed(_))))
        })
        .await;
        assert!(all_down, "round {round}: not every node was seen crashing");
        let before = highest(&devnet);
        for n in 0..4 {
            devnet.backend.start(n).await.unwrap();
        }
        let resumed = run_until(&mut devnet, &mut seen, |d, _| {
            d.view.nodes.iter().all(|n| n.is_running() && n.finalized.epoch >= before + 10)
        })
        .await;
        if !resumed {
            let log = std::fs::read_to_string(devnet.dir.log_path(0)).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            panic!(
                "round {round}: the cluster did not resume past {before}: {:?}\nn0 log tail (newest first):\n{}",
                devnet.view.nodes.iter().map(|n| n.finalized.epoch).collect::<Vec<_>>(),
                tail.join("\n")
            );
        }
    }
    let view = devnet.view.clone();
    devnet.shutdown().await;
    assert_agreement(&seen);
    assert!(view.alarms.iter().all(|a| a.kind != "safety"), "{:?}", view.alarms);
    assert!(seen.equivocations.is_empty(), "a restarted node double-signed: {:?}", seen.equivocations);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_pow_miners_agree_on_k_deep_blocks() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config_from(
        tmp.path(),
        "name = \"pow\"\nconsensus = \"pow\"\nnodes = 4\nslot_ms = 100\ngenesis_delay_ms = 300\n",
    );
    let mut devnet = Devnet::up(&cfg, tmp.path(), true).await.unwrap();
    let mut seen = Seen { finalized: BTreeMap::new(), equivocations: vec![] };
    // For pow a finalized "epoch" is the height of the block k (6) confirmations deep.
    let ok =
        run_until(&mut devnet, &mut seen, |_, s| (0..4).all(|n| s.finalized.get(&n).is_some_and(|e| e.len() >= 8)))
            .await;
    let view = devnet.view.clone();
    devnet.shutdown().await;
    assert!(
        ok,
        "not every miner saw 8 k-deep blocks in time: {:?}",
        seen.finalized.values().map(|e| e.len()).collect::<Vec<_>>()
    );
    assert_agreement(&seen);
    assert!(view.alarms.iter().all(|a| a.kind != "safety"), "{:?}", view.alarms);
}
