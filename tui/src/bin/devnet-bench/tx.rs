//! Transaction throughput per engine (`devnet-bench tx`, `devnet-bench
//! tx-tendermint`, ...): 4 nodes in the engine's fast config, and a ladder
//! of offered rates, each run by the real `devnet load` binary (open loop,
//! every transfer accounted for) against the same cluster.
//!
//! A rate is kept up with when, over its window, the load's finalized TPS
//! within the window is at least 90% of the offered rate, nothing was
//! refused (mempool full, nonces) or dropped at the client's in-flight
//! bound, and nothing was left pending or expired after the drain. The case
//! reports the highest rate kept up with, its p50/p99 submit→final, and the
//! nodes' CPU (utime + stime of the 4 processes) per 1000 finalized
//! transfers; the load generator's own CPU (it signs every transfer and
//! makes one gRPC call per transfer) is printed apart: on this 2-core
//! machine it competes with the nodes.

use super::{cluster_cpu, cpu_seconds, tempfile_dir};
use devnet::config::DevnetConfig;
use devnet::devnet::Devnet;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

pub struct TxCase {
    pub engine: &'static str,
    pub label: &'static str,
    pub config: &'static str,
    pub rates: &'static [u32],
    pub window: Duration,
    /// The target for this case: finalized transfers/s kept up with,
    /// and the p99 submit→final it must be kept up with under.
    pub target: Option<Target>,
}

pub struct Target {
    pub rate: u32,
    pub p99_ms: f64,
}

pub const CASES: &[TxCase] = &[
    TxCase {
        engine: "tendermint",
        label: "fast tendermint (timeouts 50/25/25 ms, no commit pause)",
        config: "name = \"bench-tx-tendermint\"\nconsensus = \"tendermint\"\nnodes = 4\nslot_ms = 50\n\
                 genesis_delay_ms = 300\n\n[tendermint]\ntimeout_propose_ms = 50\ntimeout_prevote_ms = 25\n\
                 timeout_precommit_ms = 25\ntimeout_delta_ms = 25\ntimeout_commit_ms = 0\n",
        rates: &[500, 1000, 2000, 3000, 4000, 5000, 6000, 8000],
        window: Duration::from_secs(8),
        target: Some(Target { rate: 5000, p99_ms: 100.0 }),
    },
    TxCase {
        engine: "gasper",
        label: "fast gasper (50 ms slots, 2-slot epochs)",
        config: "name = \"bench-tx-gasper\"\nnodes = 4\nslot_ms = 50\nepoch_slots = 2\ngenesis_delay_ms = 300\n",
        rates: &[500, 1000, 2000, 3000, 4000, 5000, 6000, 8000],
        window: Duration::from_secs(8),
        target: None,
    },
    TxCase {
        engine: "pow",
        label: "fast pow (100 ms blocks, k = 3)",
        config: "name = \"bench-tx-pow\"\nconsensus = \"pow\"\nnodes = 4\nslot_ms = 100\ngenesis_delay_ms = 300\n\n\
                 [pow]\nblock_ms = 100\nk = 3\n",
        rates: &[500, 1000, 2000, 3000, 4000, 5000, 6000, 8000],
        window: Duration::from_secs(8),
        target: None,
    },
];

struct Step {
    rate: u32,
    report: Value,
    node_cpu: f64,
    load_cpu: f64,
}

impl Step {
    fn n(&self, k: &str) -> u64 {
        self.report[k].as_u64().unwrap_or(0)
    }
    fn f(&self, k: &str) -> f64 {
        self.report[k].as_f64().unwrap_or(0.0)
    }
    fn kept_up(&self) -> bool {
        self.f("finalized_tps_window") >= 0.9 * self.rate as f64
            && self.n("rejected") == 0
            && self.n("dropped_by_client") == 0
            && self.n("pending_at_end") + self.n("expired") + self.n("lost") == 0
    }
    fn latency(&self, which: &str, p: &str) -> f64 {
        self.report[which][p].as_f64().unwrap_or(f64::NAN)
    }
    /// Node CPU, ms, per 1000 finalized transfers.
    fn cpu_per_1000(&self) -> f64 {
        let fin = self.n("final");
        if fin == 0 { f64::INFINITY } else { self.node_cpu * 1000.0 * 1000.0 / fin as f64 }
    }
    fn line(&self) -> String {
        format!(
            "{:>6}/s offered: {:>7.0} final/s in the window, p50 {:>6.1} ms p99 {:>7.1} ms submit->final, \
             refused {}, dropped {}, pending {}, node CPU {:.0} ms per 1000, load generator {:.0}% of a core{}",
            self.rate,
            self.f("finalized_tps_window"),
            self.latency("latency_final_ms", "p50"),
            self.latency("latency_final_ms", "p99"),
            self.n("rejected"),
            self.n("dropped_by_client"),
            self.n("pending_at_end") + self.n("expired") + self.n("lost"),
            self.cpu_per_1000(),
            self.load_cpu,
            if self.kept_up() { "" } else { "  <- falls behind" },
        )
    }
}

/// Runs `devnet load` once against the cluster in `data_dir`, applying the
/// devnet's events meanwhile; the load's JSON report and CPU figures.
async fn step(d: &mut Devnet, data_dir: &Path, cfg_path: &Path, rate: u32, window: Duration) -> anyhow::Result<Step> {
    let bin = std::env::current_exe()?.with_file_name("devnet");
    let mut child = tokio::process::Command::new(&bin)
        .args(["load", "--json", "--drain", "20s", "--accounts", "1000", "--rate", &rate.to_string(), "--for"])
        .arg(format!("{}s", window.as_secs()))
        .arg("--config")
        .arg(cfg_path)
        .arg("--data-dir")
        .arg(data_dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id().unwrap_or(0);
    let cpu0 = cluster_cpu(d);
    let mut load_cpu = 0.0;
    let started = std::time::Instant::now();
    let mut out = child.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let reader = tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let mut s = String::new();
        let _ = out.read_to_string(&mut s).await;
        s
    });
    let status = loop {
        tokio::select! {
            s = child.wait() => break s?,
            ev = d.events.recv() => if let Some(ev) = ev { d.apply(ev) },
        }
        load_cpu = cpu_seconds(pid).max(load_cpu);
    };
    let node_cpu = cluster_cpu(d) - cpu0;
    let text = reader.await?;
    anyhow::ensure!(status.success(), "devnet load exited with {status}");
    let report: Value = serde_json::from_str(text.lines().last().unwrap_or("{}"))?;
    let window_s = started.elapsed().as_secs_f64().max(1e-3);
    Ok(Step { rate, report, node_cpu, load_cpu: load_cpu / window_s * 100.0 })
}

pub async fn run(case: &TxCase) -> anyhow::Result<()> {
    println!("{} — transfers, rates {:?}/s, {} s each", case.label, case.rates, case.window.as_secs());
    let tmp = tempfile_dir()?;
    let cfg_path = tmp.join("bench.toml");
    std::fs::write(&cfg_path, case.config)?;
    let cfg = DevnetConfig::load(&cfg_path).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut d = Devnet::up(&cfg, &tmp, true).await?;
    // Let the cluster reach steady state (first finality) before offering load.
    let settle = tokio::time::Instant::now() + Duration::from_secs(3);
    while let Ok(Some(ev)) = tokio::time::timeout_at(settle, d.events.recv()).await {
        d.apply(ev);
    }
    let mut steps: Vec<Step> = Vec::new();
    for &rate in case.rates {
        let s = step(&mut d, &tmp, &cfg_path, rate, case.window).await?;
        println!("  {}", s.line());
        let ok = s.kept_up();
        steps.push(s);
        if !ok {
            break;
        }
    }
    d.shutdown().await;
    let _ = std::fs::remove_dir_all(&tmp);
    let kept: Vec<&Step> = steps.iter().filter(|s| s.kept_up()).collect();
    match kept.last() {
        Some(s) => println!(
            "  highest rate kept up with: {}/s (p50 {:.1} ms, p99 {:.1} ms submit->final; {:.0} ms node CPU per 1000 transfers)",
            s.rate,
            s.latency("latency_final_ms", "p50"),
            s.latency("latency_final_ms", "p99"),
            s.cpu_per_1000()
        ),
        None => println!("  kept up with none of the rates"),
    }
    if let Some(t) = &case.target {
        println!("  {}", verdict(t, &kept));
    }
    println!();
    Ok(())
}

/// The target line: met when some rate at or above the target's was kept up
/// with at a p99 under the target's; otherwise by how much it was missed.
fn verdict(t: &Target, kept: &[&Step]) -> String {
    let want = format!("target >= {}/s finalized with p99 submit->final < {:.0} ms", t.rate, t.p99_ms);
    let p99 = |s: &Step| s.latency("latency_final_ms", "p99");
    match kept.iter().filter(|s| p99(s) < t.p99_ms).map(|s| s.rate).max() {
        Some(r) if r >= t.rate => format!("{want}: met (up to {r}/s)"),
        Some(r) => format!("{want}: MISSED (p99 under {:.0} ms only up to {r}/s)", t.p99_ms),
        None => format!("{want}: MISSED (no rate kept up with under {:.0} ms)", t.p99_ms),
    }
}
