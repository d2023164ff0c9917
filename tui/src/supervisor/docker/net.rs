//! Addresses on a cluster's docker network, chosen before any container
//! starts so that `nodes.json` names every node's address up front.
//!
//! Each cluster gets a /24 of 10.213.0.0/16: the one at `hash(name) % 256`,
//! or the next free one after it, skipping every subnet another docker
//! network or a route of this host already covers. `.1` is the bridge (the
//! host's side, which is how the orchestrator reaches the nodes); node *i*
//! is `.(10 + i)`. Every node listens on the same ports of its own IP.

use std::net::{Ipv4Addr, SocketAddr};

/// The port every node serves gRPC on, on its own IP (`base_port` is for local clusters).
pub const GRPC_PORT: u16 = 7000;
/// The port every node serves Prometheus `/metrics` on.
pub const METRICS_PORT: u16 = 9100;
/// Host part of node 0's address.
const FIRST_HOST: usize = 10;

/// An IPv4 network (CIDR).
pub type Net = ipnet::Ipv4Net;

/// Parses `10.213.7.0/24`; `None` for anything else.
pub fn parse(cidr: &str) -> Option<Net> {
    cidr.trim().parse().ok()
}

/// Two CIDR blocks overlap exactly when one holds the other.
pub fn overlaps(a: Net, b: Net) -> bool {
    a.contains(&b) || b.contains(&a)
}

/// The /24 a cluster's nodes live in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subnet(pub Net);

impl Subnet {
    pub fn gateway(self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.0.network()) | 1)
    }

    /// Node `i`'s address; `None` past the subnet's last host.
    pub fn node_ip(self, i: usize) -> Option<Ipv4Addr> {
        let host = FIRST_HOST.checked_add(i).filter(|h| *h <= 254)?;
        Some(Ipv4Addr::from(u32::from(self.0.network()) | host as u32))
    }

    pub fn grpc(self, i: usize) -> Option<SocketAddr> {
        Some(SocketAddr::from((self.node_ip(i)?, GRPC_PORT)))
    }

    pub fn metrics(self, i: usize) -> Option<SocketAddr> {
        Some(SocketAddr::from((self.node_ip(i)?, METRICS_PORT)))
    }
}

/// FNV-1a: a hash that is the same in every build, so a cluster keeps its subnet.
fn fnv(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ b as u32).wrapping_mul(0x0100_0193))
}

/// The first /24 of 10.213.0.0/16 from `hash(name)` on that overlaps none of `taken`.
pub fn pick_subnet(name: &str, taken: &[Net]) -> Option<Subnet> {
    let start = fnv(name) as usize % 256;
    (0..256).map(|k| (start + k) % 256).find_map(|third| {
        let net = Net::new(Ipv4Addr::new(10, 213, third as u8, 0), 24).ok()?;
        (!taken.iter().any(|t| overlaps(*t, net))).then_some(Subnet(net))
    })
}

/// The networks this host routes to, from `/proc/net/route` (default route left out).
pub fn host_routes(proc_net_route: &str) -> Vec<Net> {
    proc_net_route
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            // Iface Destination Gateway Flags RefCnt Use Metric Mask ...; addresses little-endian hex.
            let dest = u32::from_str_radix(f.get(1)?, 16).ok()?.swap_bytes();
            let mask = u32::from_str_radix(f.get(7)?, 16).ok()?.swap_bytes();
            (mask != 0).then(|| Net::new(Ipv4Addr::from(dest), mask.count_ones() as u8).ok()).flatten()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_get_consecutive_addresses_on_the_same_ports() {
        let s = Subnet(parse("10.213.7.0/24").unwrap());
        assert_eq!(s.gateway(), Ipv4Addr::new(10, 213, 7, 1));
        assert_eq!(s.grpc(0).unwrap().to_string(), "10.213.7.10:7000");
        assert_eq!(s.grpc(3).unwrap().to_string(), "10.213.7.13:7000");
        assert_eq!(s.metrics(3).unwrap().to_string(), "10.213.7.13:9100");
        // 64 nodes and 64 twins fit; the broadcast address is never handed out.
        assert!(s.node_ip(127).is_some());
        assert_eq!(s.node_ip(244), Some(Ipv4Addr::new(10, 213, 7, 254)));
        assert_eq!(s.node_ip(245), None);
    }

    #[test]
    fn a_cluster_keeps_its_subnet_and_skips_taken_ones() {
        let a = pick_subnet("devnet", &[]).unwrap();
        assert_eq!(pick_subnet("devnet", &[]), Some(a), "same name, same subnet");
        // Its own /24 taken by another network: the next one.
        let next = pick_subnet("devnet", &[a.0]).unwrap();
        assert_ne!(next, a);
        assert_eq!(u32::from(next.0.network()) & 0xffff_00ff, u32::from(a.0.network()) & 0xffff_00ff);
        // A wider route covering all of 10.0.0.0/8 leaves nothing.
        assert_eq!(pick_subnet("devnet", &[parse("10.0.0.0/8").unwrap()]), None);
        // An unrelated network changes nothing.
        assert_eq!(pick_subnet("devnet", &[parse("172.17.0.0/16").unwrap()]), Some(a));
    }

    #[test]
    fn overlap_is_by_the_shorter_prefix() {
        let n = |s| parse(s).unwrap();
        assert!(overlaps(n("10.213.0.0/16"), n("10.213.5.0/24")));
        assert!(overlaps(n("10.213.5.0/24"), n("10.213.0.0/16")));
        assert!(!overlaps(n("10.213.5.0/24"), n("10.213.6.0/24")));
        assert!(overlaps(n("0.0.0.0/0"), n("10.213.6.0/24")));
        assert_eq!(parse("10.1.2.3/33"), None);
        assert_eq!(parse("nonsense"), None);
    }

    #[test]
    fn routes_are_read_from_proc_net_route() {
        let text = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                    eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
                    eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
                    docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n";
        assert_eq!(host_routes(text), vec![parse("192.0.2.0/24").unwrap(), parse("172.17.0.0/16").unwrap()]);
    }
}
