//! `devnet`'s own Prometheus metrics: the cluster as the orchestrator sees
//! it (served at `/metrics` on a loopback port listed in `targets.json`).
//! The nodes serve their own (`devnet_node::metrics`); these are the
//! figures only the orchestrator has: how many nodes run, the highest
//! finalized height, alarms, the cluster's TPS, and the latency of a load
//! it runs (`load 200/s`, `L`).

use crate::cluster::ClusterView;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AlarmLabel {
    pub kind: String,
}

#[derive(Clone, Default)]
pub struct ClusterMetrics {
    pub nodes_running: Gauge,
    pub finalized_height: Gauge,
    pub alarms: Family<AlarmLabel, Counter>,
    pub offered_tps: Gauge<f64, AtomicU64>,
    pub finalized_tps: Gauge<f64, AtomicU64>,
    pub load_rate: Gauge<f64, AtomicU64>,
    pub load_p50_seconds: Gauge<f64, AtomicU64>,
    pub load_p99_seconds: Gauge<f64, AtomicU64>,
    counted_alarms: usize,
}

impl ClusterMetrics {
    pub fn new() -> (ClusterMetrics, Registry) {
        let m = ClusterMetrics::default();
        let mut r = Registry::with_prefix("devnet_cluster");
        r.register("nodes_running", "Node processes running", m.nodes_running.clone());
        r.register("finalized_height", "Highest finalized height any node reports", m.finalized_height.clone());
        r.register("alarms", "Alarms raised (safety, liveness, reverted, ...)", m.alarms.clone());
        r.register("offered_tps", "Client submissions a second, all nodes", m.offered_tps.clone());
        r.register("finalized_tps", "Transfers finalized a second (the fastest node)", m.finalized_tps.clone());
        r.register("load_rate", "Offered rate of the load devnet runs (0: none)", m.load_rate.clone());
        r.register("load_p50_seconds", "Median submit-to-final of the load devnet runs", m.load_p50_seconds.clone());
        r.register("load_p99_seconds", "p99 submit-to-final of the load devnet runs", m.load_p99_seconds.clone());
        (m, r)
    }

    /// Brings the figures up to `view`.
    pub fn update(&mut self, view: &ClusterView) {
        self.nodes_running.set(view.nodes.iter().filter(|n| n.is_running()).count() as i64);
        let fin = view.nodes.iter().map(|n| n.finalized.block.height).max().unwrap_or(0);
        self.finalized_height.set(fin as i64);
        for a in view.alarms.iter().skip(self.counted_alarms) {
            self.alarms.get_or_create(&AlarmLabel { kind: a.kind.clone() }).inc();
        }
        self.counted_alarms = view.alarms.len();
        let (offered, finalized) = view.txs.tps();
        self.offered_tps.set(offered);
        self.finalized_tps.set(finalized);
        let load = view.txs.load.as_ref();
        self.load_rate.set(load.map_or(0.0, |l| l.rate));
        self.load_p50_seconds.set(load.and_then(|l| l.p50_ms).unwrap_or(0.0) / 1000.0);
        self.load_p99_seconds.set(load.and_then(|l| l.p99_ms).unwrap_or(0.0) / 1000.0);
    }
}
