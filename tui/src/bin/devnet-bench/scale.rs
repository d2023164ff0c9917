//! `devnet-bench scale`: the largest gasper devnet that still finalizes at
//! 1 s slots on this machine, on each backend, with its CPU and memory per node.
//!
//! Method, for each backend (local; docker when an engine answers) and each
//! size in `SIZES`, smallest first, stopping at the first size that fails:
//! 1. `Devnet::up` a fresh gasper devnet of N equal validators, 1000 ms
//!    slots, 4-slot epochs, a genesis delay long enough for the backend to
//!    start N nodes (docker takes ~0.4 s a container here).
//! 2. Wait for a first finalized epoch on every node (`SETTLE` at most).
//! 3. Over `WINDOW` (6 epochs of 4 s), "still finalizes" means every node's
//!    finalized epoch grew by at least `MIN_EPOCHS`: half of what a devnet
//!    keeping up does (one epoch per 4 s), so a cluster that finalizes in
//!    fits and starts, or leaves nodes behind, fails.
//! 4. CPU: utime + stime of every node process over the window
//!    (/proc/PID/stat; a container's process is a process of this host), per
//!    node as a share of one core; the orchestrator (this process) apart.
//!    Memory: each node's resident set (VmRSS) at the window's end, averaged.
//!
//! `devnet-bench scale-local` or `scale-docker` runs one backend; a second
//! argument gives other sizes (`devnet-bench scale-docker 16,24`). Nothing
//! asserts: the figures are printed for people to read.

use super::{cpu_seconds, tempfile_dir};
use devnet::config::DevnetConfig;
use devnet::devnet::Devnet;
use devnet::supervisor::BackendKind;
use std::path::Path;
use std::time::{Duration, Instant};

const SIZES: [usize; 6] = [4, 8, 16, 32, 48, 64];
const WINDOW: Duration = Duration::from_secs(24);
const MIN_EPOCHS: u64 = 3;
const SETTLE: Duration = Duration::from_secs(90);

struct Size {
    nodes: usize,
    finalizes: bool,
    /// Least growth of any node's finalized epoch over the window.
    min_epochs: u64,
    cpu_per_node: f64,
    rss_mib_per_node: f64,
    orchestrator_cpu: f64,
    why: String,
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn config(backend: BackendKind, nodes: usize) -> anyhow::Result<DevnetConfig> {
    let delay = match backend {
        BackendKind::Docker => 3000 + 500 * nodes,
        _ => 1000 + 50 * nodes,
    };
    let text = format!(
        "name = \"bench-scale-{}-{nodes}\"\nnodes = {nodes}\nslot_ms = 1000\nepoch_slots = 4\n\
         genesis_delay_ms = {delay}\nbackend = \"{}\"\n",
        backend.as_str(),
        backend.as_str()
    );
    DevnetConfig::parse(&text, Path::new("scale bench")).map_err(|e| anyhow::anyhow!("{e}"))
}

fn epochs(d: &Devnet) -> Vec<u64> {
    d.view.nodes.iter().map(|n| n.finalized.epoch).collect()
}

async fn one_size(backend: BackendKind, nodes: usize) -> anyhow::Result<Size> {
    let tmp = tempfile_dir()?;
    let up = Devnet::up(&config(backend, nodes)?, &tmp, true).await;
    let mut size = Size {
        nodes,
        finalizes: false,
        min_epochs: 0,
        cpu_per_node: 0.0,
        rss_mib_per_node: 0.0,
        orchestrator_cpu: 0.0,
        why: String::new(),
    };
    let mut d = match up {
        Ok(d) => d,
        Err(e) => {
            size.why = format!("refused: {e:#}");
            let _ = std::fs::remove_dir_all(&tmp);
            return Ok(size);
        }
    };
    let settle = tokio::time::Instant::now() + SETTLE;
    while !epochs(&d).iter().all(|e| *e > 0) {
        match tokio::time::timeout_at(settle, d.events.recv()).await {
            Ok(Some(ev)) => d.apply(ev),
            _ => {
                let behind = epochs(&d).iter().filter(|e| **e == 0).count();
                size.why = format!("{behind} of {nodes} nodes had finalized nothing after {} s", SETTLE.as_secs());
                d.shutdown().await;
                let _ = std::fs::remove_dir_all(&tmp);
                return Ok(size);
            }
        }
    }
    let pids: Vec<u32> = (0..d.backend.len()).filter_map(|i| d.backend.pid(i)).collect();
    let me = std::process::id();
    let (e0, cpu0, own0, t0) =
        (epochs(&d), pids.iter().map(|p| cpu_seconds(*p)).sum::<f64>(), cpu_seconds(me), Instant::now());
    let end = tokio::time::Instant::now() + WINDOW;
    while let Ok(Some(ev)) = tokio::time::timeout_at(end, d.events.recv()).await {
        d.apply(ev);
    }
    let secs = t0.elapsed().as_secs_f64();
    let cpu1: f64 = pids.iter().map(|p| cpu_seconds(*p)).sum();
    let rss: f64 = pids.iter().map(|p| rss_mib(*p)).sum();
    let grew: Vec<u64> = epochs(&d).iter().zip(&e0).map(|(a, b)| a.saturating_sub(*b)).collect();
    size.min_epochs = grew.iter().copied().min().unwrap_or(0);
    size.finalizes = size.min_epochs >= MIN_EPOCHS && pids.len() == nodes;
    if !size.finalizes {
        size.why = format!("finalized epochs grew by {:?} per node in {} s", grew, WINDOW.as_secs());
    }
    size.cpu_per_node = (cpu1 - cpu0) / secs * 100.0 / nodes as f64;
    size.rss_mib_per_node = rss / pids.len().max(1) as f64;
    size.orchestrator_cpu = (cpu_seconds(me) - own0) / secs * 100.0;
    d.shutdown().await;
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(size)
}

fn print(backend: BackendKind, s: &Size) {
    let verdict = if s.finalizes {
        format!("finalizes (each node's finalized epoch +{} or more)", s.min_epochs)
    } else {
        format!("DOES NOT keep finalizing: {}", s.why)
    };
    println!(
        "  {:<6} {:>2} nodes: {verdict}; node CPU {:.1}% of a core each, RSS {:.1} MiB each; orchestrator {:.0}% of a core",
        backend.as_str(),
        s.nodes,
        s.cpu_per_node,
        s.rss_mib_per_node,
        s.orchestrator_cpu
    );
}

/// Runs the sizes on `backend`; returns the largest that finalizes, with its figures.
async fn backend_run(backend: BackendKind, sizes: &[usize]) -> anyhow::Result<Option<Size>> {
    let mut best = None;
    for &n in sizes {
        let s = one_size(backend, n).await?;
        print(backend, &s);
        if !s.finalizes {
            break;
        }
        best = Some(s);
    }
    Ok(best)
}

pub async fn run(only: Option<BackendKind>, sizes: Option<&str>) -> anyhow::Result<()> {
    let sizes: Vec<usize> = match sizes {
        None => SIZES.to_vec(),
        Some(s) => s
            .split(',')
            .map(|n| n.trim().parse().map_err(|_| anyhow::anyhow!("sizes: expected numbers like 4,8,16, found {s:?}")))
            .collect::<anyhow::Result<_>>()?,
    };
    println!("scale: the largest gasper devnet that still finalizes at 1 s slots (4-slot epochs), per backend.");
    println!(
        "method: sizes {sizes:?} in order; after every node has finalized once, over {} s every node's finalized",
        WINDOW.as_secs()
    );
    println!(
        "epoch must grow by {MIN_EPOCHS} or more (a devnet keeping up grows 6); CPU and RSS per node over that window."
    );
    let mut backends = vec![];
    if only.is_none_or(|b| b == BackendKind::Local) {
        backends.push(BackendKind::Local);
    }
    if only.is_none_or(|b| b == BackendKind::Docker) {
        match devnet::supervisor::docker::connect().await {
            Ok(_) => backends.push(BackendKind::Docker),
            Err(e) if only.is_some() => return Err(e),
            Err(e) => println!("  docker: SKIPPED ({e})"),
        }
    }
    let mut summary = vec![];
    for b in backends {
        let best = backend_run(b, &sizes).await?;
        summary.push((b, best));
    }
    println!();
    for (b, best) in summary {
        match best {
            Some(s) if s.nodes == *sizes.last().unwrap() => println!(
                "  {}: {} nodes, the largest size tried (devnet.toml allows 64), finalize at 1 s slots; {:.1}% of a core and {:.1} MiB per node",
                b.as_str(),
                s.nodes,
                s.cpu_per_node,
                s.rss_mib_per_node
            ),
            Some(s) => println!(
                "  {}: {} nodes is the largest that finalizes at 1 s slots; {:.1}% of a core and {:.1} MiB per node",
                b.as_str(),
                s.nodes,
                s.cpu_per_node,
                s.rss_mib_per_node
            ),
            None => println!("  {}: not even {} nodes finalized", b.as_str(), sizes[0]),
        }
    }
    Ok(())
}
