//! The kernel's neighbour (ARP) table, which every network namespace of the
//! host shares, and how many containers on one bridge it holds.
//!
//! On a cluster's bridge every container talks to every other (the nodes
//! gossip to all their peers) and the host talks to every container, so the
//! table holds about N x N entries for N containers: each container's N - 1
//! peers and the gateway. Linux keeps one table for all namespaces and
//! refuses entries past `net.ipv4.neigh.default.gc_thresh3` (1024 by
//! default), logging "neighbor table overflow": then packets to addresses
//! it cannot resolve are dropped. Measured here: 32 containers (1,024
//! entries) run; at 48 the kernel logged the overflow, the nodes still
//! finalized among themselves, but the host's connections to them stayed in
//! SYN-SENT and the dashboard saw no node at all. So `up` refuses, before starting anything, a docker devnet
//! larger than the table holds, and says which setting to raise and how
//! (devnet does not change the host's kernel settings itself).

use anyhow::bail;

const GC_THRESH3: &str = "/proc/sys/net/ipv4/neigh/default/gc_thresh3";

/// Entries `nodes` containers on one bridge need.
pub fn needed(nodes: usize) -> usize {
    nodes * nodes
}

/// Refuses `nodes` containers when the table (limit `max`) cannot hold them.
pub fn check_against(nodes: usize, max: usize) -> anyhow::Result<()> {
    let need = needed(nodes);
    if need <= max {
        return Ok(());
    }
    let raise = (2 * need).next_power_of_two();
    bail!(
        "{nodes} containers on one bridge need about {need} entries in the kernel's neighbour (ARP) table, \
         which every network namespace of this host shares; it holds {max} (net.ipv4.neigh.default.gc_thresh3), \
         and past that the kernel drops entries and the containers stop answering. Raise it first, as root: \
         `sysctl -w net.ipv4.neigh.default.gc_thresh1={} net.ipv4.neigh.default.gc_thresh2={} \
         net.ipv4.neigh.default.gc_thresh3={raise}`, or run fewer nodes",
        raise / 4,
        raise / 2
    )
}

/// `check_against` this host's limit; nothing to check where it cannot be read.
pub fn check(nodes: usize) -> anyhow::Result<()> {
    match std::fs::read_to_string(GC_THRESH3).ok().and_then(|t| t.trim().parse().ok()) {
        Some(max) => check_against(nodes, max),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_table_holds_32_containers_and_says_how_to_grow_for_more() {
        check_against(32, 1024).unwrap();
        let e = check_against(48, 1024).unwrap_err().to_string();
        assert!(e.contains("48 containers on one bridge need about 2304 entries"), "{e}");
        assert!(e.contains("holds 1024 (net.ipv4.neigh.default.gc_thresh3)"), "{e}");
        assert!(e.contains("gc_thresh1=2048 net.ipv4.neigh.default.gc_thresh2=4096"), "{e}");
        assert!(e.contains("gc_thresh3=8192"), "{e}");
        check_against(64, 4096).unwrap();
    }
}
