//! `devnet-node`: one validator process. Started by the `devnet` orchestrator
//! with the cluster's files; see `devnet_node::config` for their formats.

use anyhow::{Context, bail};
use clap::Parser;
use devnet_node::chain::ChainSpec;
use devnet_node::config::{ClusterNodes, read_json, read_key};
use devnet_node::consensus::PeerId;
use devnet_node::net::PeerAddr;
use devnet_node::runtime::{NodeArgs, run};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "devnet-node", about = "One validator node of a devnet (started by `devnet up`).")]
struct Args {
    /// The cluster's chain spec (genesis.json).
    #[arg(long)]
    genesis: PathBuf,
    /// The cluster's node list (nodes.json).
    #[arg(long)]
    nodes: PathBuf,
    /// This node's index in the node list (n0 = 0).
    #[arg(long)]
    index: u32,
    /// Validator key file (hex seed); omit for a non-validating node.
    #[arg(long)]
    key: Option<PathBuf>,
    /// Directory of this node's store.
    #[arg(long)]
    data_dir: PathBuf,
    /// Listen address; defaults to this node's address in the node list.
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Where to serve Prometheus /metrics; defaults to this node's metrics
    /// address in the node list (none there: no /metrics). A backend that
    /// advertises an address the node cannot bind (a kubernetes Service IP)
    /// passes 0.0.0.0:PORT here and to --listen.
    #[arg(long)]
    metrics_listen: Option<SocketAddr>,
    /// File holding the cluster token that Control calls must carry; without it Control is off.
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// Seed for the fault shim's random draws (loss, jitter).
    #[arg(long)]
    seed: Option<u64>,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,h2=warn,tower=warn".into()),
        )
        .with_ansi(false)
        .init();
    let args = Args::parse();
    let spec: ChainSpec = read_json(&args.genesis)?;
    let nodes: ClusterNodes = read_json(&args.nodes)?;
    let Some(me) = nodes.nodes.get(args.index as usize) else {
        bail!("--index {} is outside the {} nodes of {}", args.index, nodes.nodes.len(), args.nodes.display());
    };
    let validator = match (&args.key, me.validator) {
        (Some(path), Some(v)) => Some((v, read_key(path)?)),
        (None, None) => None,
        (Some(_), None) => bail!("{} has a key but no validator index in {}", me.id, args.nodes.display()),
        (None, Some(v)) => bail!("{} is validator {v} in {} but no --key was given", me.id, args.nodes.display()),
    };
    let peers = nodes
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| *i as u32 != args.index)
        .map(|(i, n)| PeerAddr { peer: PeerId(i as u32), id: n.id.clone(), addr: n.addr })
        .collect();
    let control_token = match &args.token_file {
        Some(p) => Some(
            std::fs::read_to_string(p).with_context(|| format!("reading token {}", p.display()))?.trim().to_string(),
        ),
        None => None,
    };
    let node = NodeArgs {
        control_token,
        shim_seed: args.seed,
        id: me.id.clone(),
        me: PeerId(args.index),
        spec,
        validator,
        peers,
        listen: args.listen.unwrap_or(me.addr),
        metrics: args.metrics_listen.or(me.metrics),
        data_dir: args.data_dir,
    };
    // One thread per node: a devnet runs several nodes on few cores, and a
    // single-threaded runtime spares every message a cross-thread wake-up.
    // The store's fsync then blocks this node's network tasks for its
    // duration, which costs nothing: the runtime could not send before it
    // anyway (see `runtime`). Measured here: more heights/s at less CPU than
    // two worker threads (README, "Speed").
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async move {
        let shutdown = async {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("installing a SIGTERM handler");
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        };
        run(node, shutdown).await.context("node failed")
    })
}
