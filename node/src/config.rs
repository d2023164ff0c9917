//! Files the orchestrator writes and every node reads: the cluster's node list
//! (`nodes.json`) and a validator key file (hex seed, mode 0600).

use crate::chain::SecretKey;
use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::Path;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct NodeEntry {
    /// `n0`, `n1`, ...
    pub id: String,
    /// Where the node serves gRPC (p2p, Observer); peers and observers dial it.
    pub addr: SocketAddr,
    /// Validator index it signs for, if any.
    pub validator: Option<u32>,
    /// Where the node serves Prometheus `/metrics` (HTTP); none if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<SocketAddr>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ClusterNodes {
    pub nodes: Vec<NodeEntry>,
}

pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

pub fn read_key(path: &Path) -> anyhow::Result<SecretKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading key {}", path.display()))?;
    let raw = hex::decode(text.trim()).with_context(|| format!("key {} is not hex", path.display()))?;
    let Ok(seed) = <[u8; 32]>::try_from(raw.as_slice()) else {
        bail!("key {} must hold 32 bytes (64 hex digits), found {}", path.display(), raw.len());
    };
    Ok(SecretKey::from_seed(seed))
}

/// Writes a key file readable by its owner only.
pub fn write_key(path: &Path, key: &SecretKey) -> anyhow::Result<()> {
    write_secret(path, &hex::encode(key.seed()))
}

/// Writes `text` and a newline to a file readable by its owner only (mode 0600).
pub fn write_secret(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    writeln!(f, "{text}")?;
    Ok(())
}
