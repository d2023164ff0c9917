//! A fake API server in the test (kube's tower-test pattern: the client's
//! service is a `tower_test::mock` pair and this task answers its requests)
//! and fake nodes (a Control service on loopback per node).
//!
//! Calls the backend makes on purpose are checked against a script, in
//! order: method, path, query and body, each with its reply (which may act
//! as the cluster would, e.g. a StatefulSet applied makes its pod). What
//! the pod watcher and the log followers ask (list, watch, log) is answered
//! from the fake's pods whenever it comes. Every other call, to the API or
//! to a node, goes into one journal, so a test can check their order.

use devnet_proto::v1 as pb;
use http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;
use serde_json::{Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::mpsc;
use tonic::{Response as TonicResponse, Status};

pub type Body = UnsyncBoxBody<bytes::Bytes, Infallible>;

fn full(bytes: impl Into<bytes::Bytes>) -> Body {
    http_body_util::Full::new(bytes.into()).boxed_unsync()
}

/// What the cluster does when a scripted call arrives: its reply.
pub type Reply = Box<dyn FnOnce(&Value, &mut State) -> (StatusCode, Value) + Send>;

/// What a scripted call's body must be: `Err` says how it is not.
pub type Check = Box<dyn FnOnce(&Value) -> Result<(), String> + Send>;

pub struct Expect {
    method: Method,
    path: String,
    query: Vec<String>,
    check: Check,
    reply: Reply,
}

impl Expect {
    pub fn new(method: Method, path: impl Into<String>) -> Expect {
        Expect {
            method,
            path: path.into(),
            query: vec![],
            check: Box::new(|_| Ok(())),
            reply: Box::new(|body, _| (StatusCode::OK, body.clone())),
        }
    }

    /// Server-side apply as the field manager `devnet`; the reply echoes the object.
    pub fn apply(path: impl Into<String>) -> Expect {
        Expect::new(Method::PATCH, path).query("fieldManager=devnet").query("force=true")
    }

    pub fn query(mut self, part: &str) -> Expect {
        self.query.push(part.to_string());
        self
    }

    pub fn check(mut self, check: impl FnOnce(&Value) -> Result<(), String> + Send + 'static) -> Expect {
        self.check = Box::new(check);
        self
    }

    pub fn reply(mut self, reply: impl FnOnce(&Value, &mut State) -> (StatusCode, Value) + Send + 'static) -> Expect {
        self.reply = Box::new(reply);
        self
    }
}

/// `Err` naming the difference when `got` is not `want`.
pub fn same(what: &str, got: &Value, want: Value) -> Result<(), String> {
    if *got == want { Ok(()) } else { Err(format!("{what}: got {got}, want {want}")) }
}

pub fn not_found(what: &str) -> (StatusCode, Value) {
    let status = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                        "message": format!("{what} not found"), "code": 404});
    (StatusCode::NOT_FOUND, status)
}

/// The fake cluster's state.
#[derive(Default)]
pub struct State {
    script: VecDeque<Expect>,
    pub journal: Vec<String>,
    errors: Vec<String>,
    pods: BTreeMap<String, Value>,
    watches: Vec<mpsc::Sender<bytes::Bytes>>,
    version: u64,
    uids: u64,
}

impl State {
    fn event(&mut self, kind: &str, pod: &Value) {
        let line = format!("{}\n", json!({"type": kind, "object": pod}));
        self.watches.retain(|w| w.try_send(line.clone().into()).is_ok());
    }

    /// A pod of node `id` as the kubelet reports it; `ready` or waiting for `stuck` (a reason).
    pub fn put_pod(&mut self, namespace: &str, id: &str, ready: bool, stuck: Option<&str>) {
        self.version += 1;
        let name = format!("{id}-0");
        let uid = match self.pods.get(&name) {
            Some(p) => p["metadata"]["uid"].clone(),
            None => {
                self.uids += 1;
                json!(format!("uid-{id}-{}", self.uids))
            }
        };
        let state = match stuck {
            Some(reason) => json!({"waiting": {"reason": reason, "message": "image devnet-node is not present"}}),
            None => json!({"running": {"startedAt": "2026-01-01T00:00:00Z"}}),
        };
        let pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "uid": uid, "resourceVersion": self.version.to_string(),
                         "labels": {"app.kubernetes.io/instance": "mock", "devnet/node": id}},
            "status": {
                "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
                "containerStatuses": [{"name": "node", "ready": ready, "restartCount": 0, "image": "devnet-node",
                                       "imageID": "", "state": state}]
            }
        });
        let kind = if self.pods.contains_key(&name) { "MODIFIED" } else { "ADDED" };
        self.pods.insert(name, pod.clone());
        self.event(kind, &pod);
    }

    /// The pod goes, as after a delete.
    pub fn remove_pod(&mut self, name: &str) {
        self.version += 1;
        if let Some(mut pod) = self.pods.remove(name) {
            pod["metadata"]["resourceVersion"] = json!(self.version.to_string());
            self.event("DELETED", &pod);
        }
    }

    pub fn remove_all_pods(&mut self) {
        let names: Vec<String> = self.pods.keys().cloned().collect();
        for n in names {
            self.remove_pod(&n);
        }
    }
}

pub struct FakeApi {
    pub state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeApi {
    /// A client of a fake API server serving `namespace`.
    pub fn start(namespace: &str) -> (FakeApi, kube::Client) {
        let (service, mut handle) = tower_test::mock::pair::<Request<kube::client::Body>, Response<Body>>();
        let state = Arc::new(Mutex::new(State::default()));
        let (st, ns) = (state.clone(), namespace.to_string());
        let task = tokio::spawn(async move {
            while let Some((request, respond)) = handle.next_request().await {
                let (parts, body) = request.into_parts();
                let bytes = body.collect_bytes().await.unwrap_or_default();
                respond.send_response(answer(&st, &ns, parts, &bytes));
            }
        });
        (FakeApi { state, task }, kube::Client::new(service, namespace))
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    pub fn script(&self, calls: impl IntoIterator<Item = Expect>) {
        self.lock().script.extend(calls);
    }

    /// Every scripted call was made, as scripted.
    pub fn assert_script_done(&self) {
        let s = self.lock();
        assert!(s.errors.is_empty(), "calls not as scripted:\n{}\njournal: {:#?}", s.errors.join("\n"), s.journal);
        let left: Vec<String> = s.script.iter().map(|e| format!("{} {}", e.method, e.path)).collect();
        assert!(left.is_empty(), "scripted calls never made: {left:?}\njournal: {:#?}", s.journal);
    }

    /// The journal from entry `from` on.
    pub fn journal_since(&self, from: usize) -> Vec<String> {
        self.lock().journal[from..].to_vec()
    }

    pub fn journal_len(&self) -> usize {
        self.lock().journal.len()
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn answer(state: &Arc<Mutex<State>>, namespace: &str, parts: http::request::Parts, body: &[u8]) -> Response<Body> {
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or_default().to_string();
    let pods = format!("/api/v1/namespaces/{namespace}/pods");
    let mut s = state.lock().unwrap();
    // The watcher and the log followers: answered whenever they ask.
    if parts.method == Method::GET && path == pods && query.contains("watch=true") {
        let (tx, rx) = mpsc::channel::<bytes::Bytes>(256);
        s.watches.push(tx);
        let frames = tokio_stream::wrappers::ReceiverStream::new(rx).map(|b| Ok(http_body::Frame::data(b)));
        let body = http_body_util::StreamBody::new(frames).boxed_unsync();
        return Response::builder().status(200).header("content-type", "application/json").body(body).unwrap();
    }
    if parts.method == Method::GET && path == pods {
        let items: Vec<&Value> = s.pods.values().collect();
        let list = json!({"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": s.version.to_string()},
                          "items": items});
        return json_response(StatusCode::OK, &list);
    }
    if parts.method == Method::GET && path.starts_with(&pods) && path.ends_with("/log") {
        let pod = path[pods.len() + 1..path.len() - 4].to_string();
        return Response::builder().status(200).body(full(format!("output of {pod}\n"))).unwrap();
    }
    let line = format!("{} {path}", parts.method);
    s.journal.push(line.clone());
    let value: Value = if body.is_empty() { Value::Null } else { serde_json::from_slice(body).unwrap_or(Value::Null) };
    let Some(expect) = s.script.pop_front() else {
        s.errors.push(format!("unscripted call {line}?{query} {value}"));
        return json_response(StatusCode::INTERNAL_SERVER_ERROR, &json!({}));
    };
    let mut wrong = vec![];
    if expect.method != parts.method || expect.path != path {
        wrong.push(format!("called {line}, scripted {} {}", expect.method, expect.path));
    }
    for q in &expect.query {
        if !query.split('&').any(|p| p == q) {
            wrong.push(format!("{line}: query {query:?} lacks {q}"));
        }
    }
    if let Err(e) = (expect.check)(&value) {
        wrong.push(format!("{line}: {e}"));
    }
    if !wrong.is_empty() {
        s.errors.extend(wrong);
        return json_response(StatusCode::INTERNAL_SERVER_ERROR, &json!({}));
    }
    let (status, reply) = (expect.reply)(&value, &mut s);
    json_response(status, &reply)
}

fn json_response(status: StatusCode, value: &Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(full(serde_json::to_vec(value).unwrap()))
        .unwrap()
}

use tokio_stream::StreamExt as _;

/// A node's Control service that only writes down the calls it gets.
struct FakeNode {
    id: String,
    token: String,
    journal: Arc<Mutex<State>>,
}

impl FakeNode {
    fn note<T>(&self, req: &tonic::Request<T>, call: String) -> Result<TonicResponse<pb::ControlReply>, Status> {
        let auth = req.metadata().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if auth != format!("Bearer {}", self.token) {
            return Err(Status::unauthenticated(format!("wrong token {auth:?}")));
        }
        self.journal.lock().unwrap().journal.push(format!("{} {call}", self.id));
        Ok(TonicResponse::new(pb::ControlReply { message: call }))
    }
}

#[tonic::async_trait]
impl pb::control_server::Control for FakeNode {
    async fn set_frozen(
        &self,
        req: tonic::Request<pb::SetFrozenRequest>,
    ) -> Result<TonicResponse<pb::ControlReply>, Status> {
        let call = format!("Control.SetFrozen {}", req.get_ref().frozen);
        self.note(&req, call)
    }
    async fn crash(&self, req: tonic::Request<pb::CrashRequest>) -> Result<TonicResponse<pb::ControlReply>, Status> {
        self.note(&req, "Control.Crash".into())
    }
    async fn set_links(
        &self,
        _: tonic::Request<pb::SetLinksRequest>,
    ) -> Result<TonicResponse<pb::ControlReply>, Status> {
        Err(Status::unimplemented("not the backend's"))
    }
    async fn set_clock_skew(
        &self,
        _: tonic::Request<pb::SetClockSkewRequest>,
    ) -> Result<TonicResponse<pb::ControlReply>, Status> {
        Err(Status::unimplemented("not the backend's"))
    }
    async fn set_behaviour(
        &self,
        _: tonic::Request<pb::SetBehaviourRequest>,
    ) -> Result<TonicResponse<pb::ControlReply>, Status> {
        Err(Status::unimplemented("not the backend's"))
    }
    async fn add_peer(&self, _: tonic::Request<pb::AddPeerRequest>) -> Result<TonicResponse<pb::ControlReply>, Status> {
        Err(Status::unimplemented("not the backend's"))
    }
    async fn set_hashrate(
        &self,
        _: tonic::Request<pb::SetHashrateRequest>,
    ) -> Result<TonicResponse<pb::ControlReply>, Status> {
        Err(Status::unimplemented("not the backend's"))
    }
    async fn set_censorship(
        &self,
        _: tonic::Request<pb::SetCensorshipRequest>,
    ) -> Result<TonicResponse<pb::ControlReply>, Status> {
        Err(Status::unimplemented("not the backend's"))
    }
    async fn set_disk(&self, _: tonic::Request<pb::SetDiskRequest>) -> Result<TonicResponse<pb::ControlReply>, Status> {
        Err(Status::unimplemented("not the backend's"))
    }
}

/// Serves a fake node's Control on a loopback port; its calls go into `journal`.
pub async fn fake_node(id: &str, token: &str, journal: Arc<Mutex<State>>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let node = FakeNode { id: id.into(), token: token.into(), journal };
    let incoming = tonic::transport::server::TcpIncoming::from(listener);
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(pb::control_server::ControlServer::new(node))
            .serve_with_incoming(incoming),
    );
    addr
}

/// Waits up to 10 s for `done`.
pub async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
