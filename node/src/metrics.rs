//! Prometheus metrics of one node, and the small HTTP server that serves a
//! registry at `GET /metrics` (text exposition format) on a loopback port.
//!
//! Names are `devnet_*` in base units (seconds, bytes, blocks); counters end
//! in `_total`. The runtime updates the figures as events pass; transaction
//! counters (from the engine's `TxCounters`, which only grow) and p2p
//! traffic (plain counters per message) are brought up to date once a
//! second, so the message path never takes a metric family's lock.
//! The server is hyper's HTTP/1 (the gRPC port is HTTP/2 only, and
//! Prometheus scrapes HTTP/1.1); it answers `/metrics` and 404 otherwise.

use crate::ledger::TxCounters;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub kind: String,
}

/// Submit-to-final latency buckets, seconds: 1 ms to ~65 s.
fn latency_buckets() -> impl Iterator<Item = f64> {
    prometheus_client::metrics::histogram::exponential_buckets(0.001, 2.0, 17)
}

#[derive(Clone)]
pub struct NodeMetrics {
    pub height: Gauge,
    pub finalized_height: Gauge,
    pub finality_lag: Gauge,
    pub peers: Gauge,
    pub rounds_failed: Counter,
    pub reorgs: Counter,
    pub messages_sent: Family<KindLabel, Counter>,
    pub bytes_sent: Family<KindLabel, Counter>,
    pub messages_received: Family<KindLabel, Counter>,
    pub bytes_received: Family<KindLabel, Counter>,
    pub txs_submitted: Counter,
    pub txs_admitted: Counter,
    pub txs_rejected: Counter,
    pub txs_included: Counter,
    pub txs_final: Counter,
    pub txs_expired: Counter,
    pub mempool_txs: Gauge,
    pub mempool_bytes: Gauge,
    pub submit_to_final: Histogram,
    last: TxCounters,
    /// The same traffic figures for `Status` (messages out, bytes out, in, in).
    pub traffic: std::collections::BTreeMap<&'static str, [u64; 4]>,
    /// What the families have been told of `traffic` so far.
    exported: std::collections::BTreeMap<&'static str, [u64; 4]>,
}

impl NodeMetrics {
    pub fn new() -> (NodeMetrics, Registry) {
        let mut r = Registry::with_prefix("devnet");
        let m = NodeMetrics {
            height: Gauge::default(),
            finalized_height: Gauge::default(),
            finality_lag: Gauge::default(),
            peers: Gauge::default(),
            rounds_failed: Counter::default(),
            reorgs: Counter::default(),
            messages_sent: Family::default(),
            bytes_sent: Family::default(),
            messages_received: Family::default(),
            bytes_received: Family::default(),
            txs_submitted: Counter::default(),
            txs_admitted: Counter::default(),
            txs_rejected: Counter::default(),
            txs_included: Counter::default(),
            txs_final: Counter::default(),
            txs_expired: Counter::default(),
            mempool_txs: Gauge::default(),
            mempool_bytes: Gauge::default(),
            submit_to_final: Histogram::new(latency_buckets()),
            last: TxCounters::default(),
            traffic: Default::default(),
            exported: Default::default(),
        };
        r.register("height", "Height of the node's head block", m.height.clone());
        r.register("finalized_height", "Height of the node's finalized block", m.finalized_height.clone());
        r.register("finality_lag_blocks", "Head height minus finalized height", m.finality_lag.clone());
        r.register("peers", "Peers this node reaches now", m.peers.clone());
        r.register("rounds_failed", "BFT rounds left without a commit", m.rounds_failed.clone());
        r.register("reorgs", "Head changes that unwound blocks", m.reorgs.clone());
        r.register("p2p_messages_sent", "Messages sent to peers, by kind", m.messages_sent.clone());
        r.register("p2p_bytes_sent", "Payload bytes sent to peers, by kind", m.bytes_sent.clone());
        r.register("p2p_messages_received", "Messages received from peers, by kind", m.messages_received.clone());
        r.register("p2p_bytes_received", "Payload bytes received from peers, by kind", m.bytes_received.clone());
        r.register("txs_submitted", "Client submissions to this node, admitted or not", m.txs_submitted.clone());
        r.register("txs_admitted", "Transfers admitted to the mempool", m.txs_admitted.clone());
        r.register("txs_rejected", "Transfers refused by the mempool", m.txs_rejected.clone());
        r.register("txs_included", "Transfers that joined the canonical chain", m.txs_included.clone());
        r.register("txs_final", "Transfers that became final", m.txs_final.clone());
        r.register("txs_expired", "Transfers dropped from the mempool unincluded", m.txs_expired.clone());
        r.register("mempool_txs", "Transfers in the mempool", m.mempool_txs.clone());
        r.register("mempool_bytes", "Bytes of the transfers in the mempool", m.mempool_bytes.clone());
        r.register(
            "tx_submit_to_final_seconds",
            "From a client's SubmitTransaction on this node to the transfer being final here",
            m.submit_to_final.clone(),
        );
        (m, r)
    }

    /// The engine's transaction counters now (counters advance by the difference).
    pub fn set_txs(&mut self, c: &TxCounters) {
        let step = |counter: &Counter, now: u64, was: u64| {
            counter.inc_by(now.saturating_sub(was));
        };
        step(&self.txs_submitted, c.submitted, self.last.submitted);
        step(&self.txs_admitted, c.admitted, self.last.admitted);
        step(&self.txs_rejected, c.rejected, self.last.rejected);
        step(&self.txs_included, c.included, self.last.included);
        step(&self.txs_final, c.finalized, self.last.finalized);
        step(&self.txs_expired, c.expired, self.last.expired);
        self.mempool_txs.set(c.mempool_txs as i64);
        self.mempool_bytes.set(c.mempool_bytes as i64);
        self.last = *c;
    }

    /// Counts messages sent; per message only the plain counters move, the
    /// Prometheus families follow in `export_traffic` (off the message path).
    pub fn sent(&mut self, kind: &'static str, copies: usize, bytes: usize) {
        let t = self.traffic.entry(kind).or_default();
        t[0] += copies as u64;
        t[1] += (copies * bytes) as u64;
    }

    pub fn received(&mut self, kind: &'static str, bytes: usize) {
        let t = self.traffic.entry(kind).or_default();
        t[2] += 1;
        t[3] += bytes as u64;
    }

    /// Brings the p2p families up to the counters.
    pub fn export_traffic(&mut self) {
        for (kind, t) in &self.traffic {
            let was = self.exported.entry(kind).or_default();
            let l = KindLabel { kind: kind.to_string() };
            let families = [&self.messages_sent, &self.bytes_sent, &self.messages_received, &self.bytes_received];
            for (i, f) in families.into_iter().enumerate() {
                f.get_or_create(&l).inc_by(t[i] - was[i]);
            }
            *was = *t;
        }
    }
}

/// The text exposition of `registry`.
pub fn render(registry: &Registry) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut out, registry);
    out
}

/// Serves `registry` at `GET /metrics` on `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, registry: Arc<Registry>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let registry = registry.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let registry = registry.clone();
                async move {
                    let resp = if req.uri().path() == "/metrics" {
                        Response::builder()
                            .header("content-type", "application/openmetrics-text; version=1.0.0; charset=utf-8")
                            .body(Full::new(Bytes::from(render(&registry))))
                    } else {
                        Response::builder()
                            .status(StatusCode::NOT_FOUND)
                            .body(Full::new(Bytes::from_static(b"only /metrics is served here\n")))
                    };
                    resp.map_err(|e| std::io::Error::other(e.to_string()))
                }
            });
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}

/// Binds `addr` for `serve`, naming the address on failure.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    use anyhow::Context;
    tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding the metrics port {addr}"))
}
