//! A node's gRPC API is discoverable by stock clients: server reflection v1
//! (grpcurl, grpcui) and v1alpha (Python's grpcio-reflection, older tools),
//! each listing every service including the standard health service.
//!
//! The Python check uses the stock `grpcio-reflection` package, installed
//! with pip when missing (as `make test` installs tmux); without python3 or
//! a reachable package index it fails and says why.

use crate::procs::fast_config;
use devnet::config::DevnetConfig;
use devnet::devnet::Devnet;
use std::net::SocketAddr;
use std::process::Command;

const SERVICES: [&str; 6] = [
    "devnet.v1.P2p",
    "devnet.v1.Observer",
    "devnet.v1.Control",
    "devnet.v1.Transactions",
    "grpc.health.v1.Health",
    "grpc.reflection.v1alpha.ServerReflection",
];

/// Lists the services over reflection version `$v` (`v1` or `v1alpha`).
macro_rules! list_services {
    ($v:ident, $addr:expr) => {{
        use tonic_reflection::pb::$v::{
            ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
            server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
        };
        let channel =
            tonic::transport::Endpoint::from_shared(format!("http://{}", $addr)).unwrap().connect().await.unwrap();
        let mut client = ServerReflectionClient::new(channel);
        let req = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut replies = client.server_reflection_info(tokio_stream::iter([req])).await.unwrap().into_inner();
        match replies.message().await.unwrap().and_then(|r| r.message_response) {
            Some(MessageResponse::ListServicesResponse(l)) => {
                l.service.into_iter().map(|s| s.name).collect::<Vec<String>>()
            }
            other => panic!("no service list over {}: {other:?}", stringify!($v)),
        }
    }};
}

const PYTHON_CLIENT: &str = r#"
import sys, grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
from google.protobuf.descriptor_pool import DescriptorPool
channel = grpc.insecure_channel(sys.argv[1])
db = ProtoReflectionDescriptorDatabase(channel)
for name in db.get_services():
    print(name)
# Resolving a service pulls its file and the files it imports over reflection.
pool = DescriptorPool(db)
print("methods " + ",".join(m.name for m in pool.FindServiceByName("devnet.v1.Observer").methods))
"#;

fn python_has_reflection() -> bool {
    Command::new("python3").args(["-c", "import grpc, grpc_reflection"]).status().is_ok_and(|s| s.success())
}

/// The stock Python client's output against `addr`, installing it first when missing.
fn python_reflection_client(addr: SocketAddr) -> String {
    if !python_has_reflection() {
        let pip = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "grpcio", "grpcio-reflection"])
            .output()
            .expect("python3 is installed (this test runs the stock Python reflection client)");
        assert!(
            pip.status.success() && python_has_reflection(),
            "pip install grpcio grpcio-reflection failed: {}",
            String::from_utf8_lossy(&pip.stderr)
        );
    }
    let out = Command::new("python3").args(["-c", PYTHON_CLIENT, &addr.to_string()]).output().unwrap();
    assert!(out.status.success(), "the Python reflection client failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_reflection_clients_list_every_service() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = DevnetConfig::load(&fast_config(tmp.path())).unwrap();
    let devnet = Devnet::up(&cfg, tmp.path(), true).await.unwrap();
    let addr = devnet.dir.nodes.nodes[0].addr;
    // The node may still be starting: wait until it answers.
    let mut up = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "n0 never listened on {addr}");

    let v1 = list_services!(v1, addr);
    let v1alpha = list_services!(v1alpha, addr);
    let python = tokio::task::spawn_blocking(move || python_reflection_client(addr)).await.unwrap();
    devnet.shutdown().await;

    for want in SERVICES.iter().copied().chain(["grpc.reflection.v1.ServerReflection"]) {
        assert!(v1.iter().any(|s| s == want), "v1 lacks {want}: {v1:?}");
        assert!(v1alpha.iter().any(|s| s == want), "v1alpha lacks {want}: {v1alpha:?}");
    }
    for want in SERVICES {
        assert!(python.lines().any(|l| l == want), "grpcio-reflection lacks {want}: {python}");
    }
    assert!(python.contains("methods ") && python.contains("Watch"), "{python}");
}
