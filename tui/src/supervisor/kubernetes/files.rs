//! What a node's pod runs and reads, from the `NodeCommand` every backend gets.
//!
//! The command names files by their paths in the cluster directory; a pod
//! has none of them. Each file flag's value is swapped for the path the pod
//! mounts it at, and the file is shipped instead (`manifests`: the genesis
//! and the node list in the cluster's ConfigMap, the token and the node's
//! key in the node's Secret, the store on the node's volume). The node binds
//! every address in its pod (`--listen`, `--metrics-listen`) and advertises
//! its Service's IP, which `nodes.json` in the ConfigMap names. Flags this
//! module does not know pass through unchanged (`--index`, `--seed`).

use super::super::NodeCommand;
use anyhow::{Context, bail};
use devnet_node::config::ClusterNodes;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

/// The port every node serves gRPC on, in its pod and on its Service.
pub const GRPC_PORT: u16 = 7000;
/// The port every node serves Prometheus `/metrics` on.
pub const METRICS_PORT: u16 = 9100;

/// Where the ConfigMap is mounted (genesis.json, nodes.json). Beside the
/// Secret's, not above it: a volume mounted inside a ConfigMap's would
/// need a directory made in it, which the kubelet's updates may remove.
pub const FILES_DIR: &str = "/etc/devnet/files";
/// Where the node's Secret is mounted (token, key).
pub const SECRET_DIR: &str = "/etc/devnet/secret";
/// Where the node's volume is mounted; its store is a directory inside it
/// (a fresh ext4 volume holds `lost+found` at its root).
pub const STORE_MOUNT: &str = "/var/lib/devnet";
pub const STORE_DIR: &str = "/var/lib/devnet/store";

/// The node's command as its pod runs it, and the host files it needs shipped.
#[derive(Clone, Debug, PartialEq)]
pub struct PodCommand {
    pub args: Vec<String>,
    pub genesis: PathBuf,
    pub nodes: PathBuf,
    pub token: PathBuf,
    pub key: Option<PathBuf>,
}

/// Rewrites `cmd`'s arguments for its pod (see the module doc).
pub fn pod_command(cmd: &NodeCommand) -> anyhow::Result<PodCommand> {
    let (mut genesis, mut nodes, mut token, mut key, mut store) = (None, None, None, None, false);
    let mut args = Vec::with_capacity(cmd.args.len() + 4);
    let mut it = cmd.args.iter();
    while let Some(flag) = it.next() {
        let into_pod = match flag.as_str() {
            "--genesis" => Some((&mut genesis, format!("{FILES_DIR}/genesis.json"))),
            "--nodes" => Some((&mut nodes, format!("{FILES_DIR}/nodes.json"))),
            "--token-file" => Some((&mut token, format!("{SECRET_DIR}/token"))),
            "--key" => Some((&mut key, format!("{SECRET_DIR}/key"))),
            _ => None,
        };
        args.push(flag.clone());
        if let Some((slot, inside)) = into_pod {
            let Some(host) = it.next() else { bail!("{}: {flag} has no value", cmd.id) };
            *slot = Some(PathBuf::from(host));
            args.push(inside);
        } else if flag == "--data-dir" {
            it.next().with_context(|| format!("{}: --data-dir has no value", cmd.id))?;
            store = true;
            args.push(STORE_DIR.to_string());
        } else if flag == "--listen" || flag == "--metrics-listen" {
            bail!("{}: {flag} is the kubernetes backend's to set", cmd.id);
        }
    }
    let missing = |what: &str| format!("{}: the node command has no {what}", cmd.id);
    if !store {
        bail!(missing("--data-dir"));
    }
    args.extend([
        "--listen".into(),
        SocketAddr::from((Ipv4Addr::UNSPECIFIED, GRPC_PORT)).to_string(),
        "--metrics-listen".into(),
        SocketAddr::from((Ipv4Addr::UNSPECIFIED, METRICS_PORT)).to_string(),
    ]);
    Ok(PodCommand {
        args,
        genesis: genesis.with_context(|| missing("--genesis"))?,
        nodes: nodes.with_context(|| missing("--nodes"))?,
        token: token.with_context(|| missing("--token-file"))?,
        key,
    })
}

/// The node list the pods read: `host`'s entries at their Services' IPs
/// (`ips[i]` for node i), on the ports every pod serves.
pub fn in_cluster_nodes(host: &ClusterNodes, ips: &[IpAddr]) -> anyhow::Result<ClusterNodes> {
    if ips.len() < host.nodes.len() {
        bail!("{} nodes in nodes.json but {} Service addresses", host.nodes.len(), ips.len());
    }
    let mut nodes = host.clone();
    for (n, ip) in nodes.nodes.iter_mut().zip(ips) {
        n.addr = SocketAddr::from((*ip, GRPC_PORT));
        n.metrics = Some(SocketAddr::from((*ip, METRICS_PORT)));
    }
    Ok(nodes)
}

/// The text of a file the pod gets.
pub fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(args: &[&str]) -> NodeCommand {
        NodeCommand {
            id: "n1".into(),
            program: "/bin/devnet-node".into(),
            args: args.iter().map(|s| s.to_string()).collect(),
            log: "/d/logs/n1.log".into(),
            reads: vec![],
            writes: vec![],
        }
    }

    #[test]
    fn file_flags_point_into_the_pod_and_the_node_binds_every_address() {
        let cmd = command(&[
            "--genesis",
            "/d/genesis.json",
            "--nodes",
            "/d/nodes.json",
            "--index",
            "1",
            "--data-dir",
            "/d/nodes/n1",
            "--token-file",
            "/d/token",
            "--key",
            "/d/keys/n1.key",
            "--seed",
            "8",
        ]);
        let p = pod_command(&cmd).unwrap();
        assert_eq!(
            p.args,
            [
                "--genesis",
                "/etc/devnet/files/genesis.json",
                "--nodes",
                "/etc/devnet/files/nodes.json",
                "--index",
                "1",
                "--data-dir",
                "/var/lib/devnet/store",
                "--token-file",
                "/etc/devnet/secret/token",
                "--key",
                "/etc/devnet/secret/key",
                "--seed",
                "8",
                "--listen",
                "0.0.0.0:7000",
                "--metrics-listen",
                "0.0.0.0:9100",
            ]
        );
        assert_eq!(
            (p.genesis, p.nodes, p.token, p.key),
            ("/d/genesis.json".into(), "/d/nodes.json".into(), "/d/token".into(), Some("/d/keys/n1.key".into()))
        );
    }

    #[test]
    fn a_command_missing_a_file_or_setting_an_address_is_refused() {
        let e = pod_command(&command(&["--genesis", "/g", "--nodes", "/n", "--data-dir", "/s"])).unwrap_err();
        assert!(e.to_string().contains("no --token-file"), "{e}");
        let e = pod_command(&command(&["--genesis"])).unwrap_err();
        assert!(e.to_string().contains("--genesis has no value"), "{e}");
        let e = pod_command(&command(&["--data-dir", "/s", "--listen", "127.0.0.1:1"])).unwrap_err();
        assert!(e.to_string().contains("--listen is the kubernetes backend's"), "{e}");
        // A node without a key (not a validator) needs none.
        let p = pod_command(&command(&["--genesis", "/g", "--nodes", "/n", "--data-dir", "/s", "--token-file", "/t"]))
            .unwrap();
        assert_eq!(p.key, None);
    }

    #[test]
    fn the_pods_node_list_names_the_services() {
        let host: ClusterNodes = serde_json::from_str(
            r#"{"nodes":[{"id":"n0","addr":"127.0.0.1:4000","validator":0,"metrics":"127.0.0.1:4100"},
                         {"id":"n1","addr":"127.0.0.1:4001","validator":1}]}"#,
        )
        .unwrap();
        let ips = [IpAddr::from([10, 96, 0, 64]), IpAddr::from([10, 96, 0, 65])];
        let pods = in_cluster_nodes(&host, &ips).unwrap();
        assert_eq!(pods.nodes[1].addr.to_string(), "10.96.0.65:7000");
        assert_eq!(pods.nodes[1].metrics.unwrap().to_string(), "10.96.0.65:9100");
        assert_eq!((pods.nodes[0].id.as_str(), pods.nodes[0].validator), ("n0", Some(0)));
        assert!(in_cluster_nodes(&host, &ips[..1]).is_err());
    }
}
