//! `make bench`: end-to-end figures for real devnets on this machine.
//!
//! For each devnet (the default `devnet.toml` and a fast one), several runs of:
//! 1. `Devnet::up` on a fresh directory; the clock starts before the cluster
//!    directory is made and stops at the first `finalized` event for an epoch
//!    above 0 on any node ("time to first finalized checkpoint").
//! 2. A fixed window: finalized blocks per second = growth of the highest
//!    finalized height over the window / window length; the nodes' CPU time
//!    (utime + stime from /proc/PID/stat, all 4 processes) over the window,
//!    per finalized block and as a share of one core.
//!
//! Each figure is the median over the runs (the fast first-finality target is
//! checked on every run, so its maximum is printed too).

use devnet::cluster::ClusterEvent;
use devnet::config::DevnetConfig;
use devnet::devnet::Devnet;
use devnet_proto::v1::event::Kind;
use std::path::Path;
use std::time::{Duration, Instant};

struct Case {
    label: &'static str,
    config: String,
    runs: usize,
    window: Duration,
}

struct Run {
    first_finality: Duration,
    blocks_per_sec: f64,
    cpu_per_block_ms: f64,
    cpu_share: f64,
}

const FAST: &str = "name = \"bench-fast\"\nnodes = 4\nslot_ms = 50\nepoch_slots = 2\ngenesis_delay_ms = 150\n";

fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0.0 };
    // Fields after the ")" of the command name: state is field 3; utime 14, stime 15.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { return 0.0 };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    #[allow(unsafe_code)]
    // SAFETY: sysconf has no memory effects.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (ticks(11) + ticks(12)) / hz
}

fn cluster_cpu(d: &Devnet) -> f64 {
    (0..d.supervisor.len()).filter_map(|i| d.supervisor.pid(i)).map(cpu_seconds).sum()
}

fn highest_finalized(d: &Devnet) -> u64 {
    d.view.nodes.iter().map(|n| n.finalized.block.height).max().unwrap_or(0)
}

async fn one_run(cfg: &DevnetConfig, window: Duration) -> anyhow::Result<Run> {
    let tmp = tempfile_dir()?;
    let start = Instant::now();
    let mut d = Devnet::up(cfg, &tmp, true).await?;
    let first_finality = loop {
        let ev = tokio::time::timeout(Duration::from_secs(120), d.events.recv())
            .await?
            .ok_or_else(|| anyhow::anyhow!("event stream ended"))?;
        let hit = matches!(&ev, ClusterEvent::Node { event, .. }
            if matches!(&event.kind, Some(Kind::Finalized(c)) if c.epoch > 0));
        d.apply(ev);
        if hit {
            break start.elapsed();
        }
    };
    let (h0, cpu0, t0) = (highest_finalized(&d), cluster_cpu(&d), Instant::now());
    let end = tokio::time::Instant::now() + window;
    while let Ok(Some(ev)) = tokio::time::timeout_at(end, d.events.recv()).await {
        d.apply(ev);
    }
    let (h1, cpu1, secs) = (highest_finalized(&d), cluster_cpu(&d), t0.elapsed().as_secs_f64());
    d.shutdown().await;
    let _ = std::fs::remove_dir_all(&tmp);
    let blocks = (h1 - h0) as f64;
    Ok(Run {
        first_finality,
        blocks_per_sec: blocks / secs,
        cpu_per_block_ms: if blocks > 0.0 { (cpu1 - cpu0) * 1000.0 / blocks } else { f64::INFINITY },
        cpu_share: (cpu1 - cpu0) / secs * 100.0,
    })
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("devnet-bench-{}-{}", std::process::id(), rand::random::<u32>()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let default =
        std::fs::read_to_string(Path::new("devnet.toml"))?.replace("name = \"devnet\"", "name = \"bench-default\"");
    let cases = [
        Case {
            label: "default devnet.toml (4 nodes, 1000 ms slots, 4-slot epochs)",
            config: default,
            runs: 3,
            window: Duration::from_secs(20),
        },
        Case {
            label: "fast (4 nodes, 50 ms slots, 2-slot epochs)",
            config: FAST.to_string(),
            runs: 5,
            window: Duration::from_secs(5),
        },
    ];
    println!("devnet bench: real devnet-node processes over gRPC on loopback, release build.");
    println!("method: time to first finalized checkpoint is measured from before `devnet up` creates the");
    println!("cluster directory to the first `finalized` event above epoch 0 on any node; then over a fixed");
    println!("window: finalized blocks/s = growth of the highest finalized height / window; CPU = utime+stime");
    println!("of all node processes (/proc/PID/stat) over the window. Each figure: median of the runs.\n");
    let mut results = Vec::new();
    for case in &cases {
        let cfg = DevnetConfig::parse(&case.config, Path::new(case.label)).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut runs = Vec::new();
        for i in 0..case.runs {
            let r = one_run(&cfg, case.window).await?;
            println!(
                "  {} run {}: first finality {:.0} ms, {:.2} finalized blocks/s, {:.2} ms CPU/block, {:.2}% of a core",
                case.label.split(' ').next().unwrap_or(""),
                i + 1,
                r.first_finality.as_secs_f64() * 1000.0,
                r.blocks_per_sec,
                r.cpu_per_block_ms,
                r.cpu_share
            );
            runs.push(r);
        }
        results.push((case, runs));
    }
    println!();
    for (case, runs) in &results {
        let ff: Vec<f64> = runs.iter().map(|r| r.first_finality.as_secs_f64() * 1000.0).collect();
        let max_ff = ff.iter().cloned().fold(0.0, f64::max);
        println!("{} — {} runs, window {} s", case.label, runs.len(), case.window.as_secs());
        println!("  time to first finalized checkpoint: median {:.0} ms (max {:.0} ms)", median(ff.clone()), max_ff);
        println!(
            "  finalized blocks per second:        median {:.2}",
            median(runs.iter().map(|r| r.blocks_per_sec).collect())
        );
        println!(
            "  cluster CPU per finalized block:    median {:.2} ms",
            median(runs.iter().map(|r| r.cpu_per_block_ms).collect())
        );
        let share = median(runs.iter().map(|r| r.cpu_share).collect());
        println!("  cluster CPU (4 nodes together):     median {share:.2}% of one core");
        if case.label.starts_with("fast") {
            let verdict = if max_ff <= 1000.0 {
                "met on every run".to_string()
            } else {
                format!("MISSED: slowest run {:.0} ms over", max_ff - 1000.0)
            };
            println!("  target first finality <= 1000 ms on every run: {verdict}");
        } else {
            let verdict = if share < 3.0 { "met".to_string() } else { format!("MISSED by {:.2} points", share - 3.0) };
            println!("  target idle CPU < 3% of one core: {verdict}");
        }
    }
    Ok(())
}
