//! `[netns]`: the local backend's nodes on hosts of their own on one machine.
//!
//! ```toml
//! [netns]
//! names = ["dn0", "dn1", "dn2", "dn3"]      # made beforehand with `ip netns add`
//! ips = ["10.214.0.10", "10.214.0.11", "10.214.0.12", "10.214.0.13"]
//! ```
//!
//! Node *i* runs inside network namespace `names[i]` (`ip netns exec`, which
//! needs root) and is reached at `ips[i]`, an address it has there, on the
//! same ports on every host (`GRPC_PORT`, `METRICS_PORT`), as on separate
//! machines. A twin of a node runs in the namespace of node `i mod n` on the
//! next ports up. How the namespaces are wired (a bridge, veth pairs, routes,
//! `tc netem` for real latency) is the user's: devnet needs only that the
//! orchestrator reaches every address and the nodes reach each other. Only
//! the local backend runs nodes this way; the docker backend gives every
//! node a namespace of its own already.

use super::Spanned;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};

/// Every node's gRPC port in its namespace.
pub const GRPC_PORT: u16 = 7000;
/// Every node's Prometheus port in its namespace.
pub const METRICS_PORT: u16 = 9100;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNetns {
    names: Option<Spanned<Vec<String>>>,
    ips: Option<Spanned<Vec<String>>>,
}

impl RawNetns {
    pub(crate) fn over(self, base: RawNetns) -> RawNetns {
        RawNetns { names: self.names.or(base.names), ips: self.ips.or(base.ips) }
    }
}

/// Where each node runs: its namespace and its address there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Netns {
    pub names: Vec<String>,
    pub ips: Vec<IpAddr>,
}

impl Netns {
    /// The namespace node (or twin) `i` runs in.
    pub fn name(&self, i: usize) -> &str {
        &self.names[i % self.names.len()]
    }

    /// Node (or twin) `i`'s gRPC and metrics addresses.
    pub fn addrs(&self, i: usize) -> (SocketAddr, SocketAddr) {
        let (ip, up) = (self.ips[i % self.ips.len()], (i / self.ips.len()) as u16);
        (SocketAddr::new(ip, GRPC_PORT + up), SocketAddr::new(ip, METRICS_PORT + up))
    }

    /// Checks, before any node starts, that each namespace exists and that
    /// this process may enter it; says what to do otherwise.
    pub fn check(&self) -> anyhow::Result<()> {
        if !rustix::process::geteuid().is_root() {
            anyhow::bail!(
                "`[netns]` runs nodes with `ip netns exec`, which needs root; run devnet as root or drop [netns]"
            );
        }
        for (i, n) in self.names.iter().enumerate() {
            if !std::path::Path::new("/run/netns").join(n).exists() {
                anyhow::bail!(
                    "network namespace {n:?} (netns.names[{i}], for n{i}) does not exist: make it with `ip netns add {n}`"
                );
            }
        }
        Ok(())
    }
}

/// Validates `[netns]` for `nodes` nodes; `err` makes an error at a span.
pub(crate) fn validate<E>(
    raw: &Spanned<RawNetns>,
    nodes: usize,
    err: impl Fn(Option<std::ops::Range<usize>>, String) -> E,
) -> Result<Netns, E> {
    let r = raw.get_ref();
    let (Some(names), Some(ips)) = (&r.names, &r.ips) else {
        return Err(err(Some(raw.span()), "`[netns]` needs both `names` and `ips`, one per node".into()));
    };
    for (key, list) in [("names", names), ("ips", ips)] {
        if list.get_ref().len() != nodes {
            let found = list.get_ref().len();
            return Err(err(
                Some(list.span()),
                format!("`netns.{key}` must have one entry per node ({nodes}), found {found}"),
            ));
        }
    }
    for n in names.get_ref() {
        let ok = !n.is_empty() && n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !ok || n.starts_with('.') {
            return Err(err(
                Some(names.span()),
                format!("`netns.names`: {n:?} is not a namespace name (letters, digits, - _ .)"),
            ));
        }
    }
    let mut parsed = Vec::with_capacity(nodes);
    for ip in ips.get_ref() {
        let Ok(a) = ip.parse::<IpAddr>() else {
            return Err(err(
                Some(ips.span()),
                format!("`netns.ips`: expected an IP address such as \"10.214.0.10\", found {ip:?}"),
            ));
        };
        if parsed.contains(&a) {
            return Err(err(Some(ips.span()), format!("`netns.ips`: {a} is given twice; every node needs its own")));
        }
        parsed.push(a);
    }
    Ok(Netns { names: names.get_ref().clone(), ips: parsed })
}
