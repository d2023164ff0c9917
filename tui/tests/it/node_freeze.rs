//! The node's own pause and crash (Control.SetFrozen, Control.Crash: what
//! the kubernetes backend uses where it has no signal), on real processes
//! of a local devnet: a frozen node answers nothing and falls behind while
//! the others finalize, catches up once thawed; a crashed one exits at once
//! with 137 and comes back on its store.

use crate::backend_run::{finalized, run_until};
use crate::procs::fast_config;
use devnet::config::DevnetConfig;
use devnet::control::{AuthInterceptor, bearer};
use devnet::devnet::Devnet;
use devnet::supervisor::ProcState;
use devnet_proto::v1 as pb;
use std::net::SocketAddr;
use std::time::Duration;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

const DEADLINE: Duration = Duration::from_secs(120);

type Control = pb::control_client::ControlClient<InterceptedService<Channel, AuthInterceptor>>;

async fn control(addr: SocketAddr, token: &str) -> Control {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap();
    pb::control_client::ControlClient::with_interceptor(channel, bearer(token))
}

/// Whether the node answers an Observer call within `wait`.
async fn answers(addr: SocketAddr, wait: Duration) -> bool {
    let call = async {
        let mut c = pb::observer_client::ObserverClient::connect(format!("http://{addr}")).await.ok()?;
        c.status(pb::StatusRequest {}).await.ok()
    };
    tokio::time::timeout(wait, call).await.ok().flatten().is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_node_answers_nothing_falls_behind_and_catches_up_and_a_crashed_one_exits_137() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = DevnetConfig::load(&fast_config(tmp.path())).unwrap();
    let mut d = Devnet::up(&cfg, tmp.path(), true).await.unwrap();
    let token = d.dir.token().unwrap();
    let addr = |d: &Devnet, i: usize| d.dir.nodes.nodes[i].addr;
    run_until(&mut d, DEADLINE, "every node to finalize", |d| (0..4).all(|i| finalized(d, i) >= 1)).await;

    let reply = control(addr(&d, 2), &token).await.set_frozen(pb::SetFrozenRequest { frozen: true }).await.unwrap();
    assert_eq!(reply.into_inner().message, "frozen");
    assert!(!answers(addr(&d, 2), Duration::from_secs(2)).await, "a frozen node answered Observer.Status");
    assert!(answers(addr(&d, 0), Duration::from_secs(2)).await);
    let cut = finalized(&d, 2);
    run_until(&mut d, DEADLINE, "the others to finalize past the frozen n2", |d| {
        [0, 1, 3].iter().all(|i| finalized(d, *i) >= cut + 3)
    })
    .await;
    assert!(finalized(&d, 2) <= cut, "n2 finalized {} while frozen at {cut}", finalized(&d, 2));
    assert_eq!(d.view.nodes[2].process, Some(ProcState::Running), "frozen, its process still runs");
    let reply = control(addr(&d, 2), &token).await.set_frozen(pb::SetFrozenRequest { frozen: false }).await.unwrap();
    assert_eq!(reply.into_inner().message, "thawed");
    let target = finalized(&d, 0);
    run_until(&mut d, DEADLINE, "n2 to catch up after the thaw", |d| finalized(d, 2) >= target).await;

    // Crash: the process ends with 137, unasked as far as the backend knows.
    let said = control(addr(&d, 3), &token).await.crash(pb::CrashRequest {}).await.unwrap().into_inner().message;
    assert_eq!(said, "crashing (exit 137)");
    run_until(&mut d, DEADLINE, "n3 to exit", |d| matches!(d.view.nodes[3].process, Some(ProcState::Crashed(_)))).await;
    assert_eq!(d.view.nodes[3].process, Some(ProcState::Crashed("exit code 137".into())));
    let before = (0..4).map(|i| finalized(&d, i)).max().unwrap();
    d.backend.start(3).await.unwrap();
    run_until(&mut d, DEADLINE, "n3 to come back and catch up", |d| {
        d.view.nodes[3].is_running() && finalized(d, 3) >= before + 2
    })
    .await;
    // A wrong token is refused, as for every Control call.
    let e = control(addr(&d, 1), "wrong").await.crash(pb::CrashRequest {}).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unauthenticated);
    let view = d.view.clone();
    d.shutdown().await;
    assert!(view.alarms.is_empty(), "{:?}", view.alarms);
}
