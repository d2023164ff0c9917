//! Free loopback ports for a cluster's listeners (`base_port = 0`).
//!
//! The ports are chosen by the orchestrator and bound later by the node
//! processes, so between the two another socket may take one. The kernel's
//! own pick (`bind :0`) comes from the ephemeral range, the same range every
//! outgoing connection's local port comes from; with several devnets on one
//! machine (their nodes dial each other all the time) a port chosen that way
//! was seen taken by an outgoing connection before its node bound it, and
//! the node died with "Address already in use". So ports are chosen below
//! the ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`, else
//! 32768), where only listeners go, from a random start, each checked free
//! by binding it, and held until all are chosen so no two are the same.

use anyhow::Context;
use rand::Rng;
use std::net::{SocketAddr, TcpListener};

/// The lowest port the kernel hands out to outgoing connections.
fn ephemeral_low() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|p| p.parse().ok()))
        .unwrap_or(32768)
}

/// `n` distinct loopback ports that were free a moment ago, outside the ephemeral range.
pub fn free_loopback(n: usize) -> anyhow::Result<Vec<SocketAddr>> {
    let high = ephemeral_low();
    let low = 10_000u16.min(high.saturating_sub(1000));
    let span = (high - low) as usize;
    let mut held = Vec::with_capacity(n);
    let mut port = low + rand::thread_rng().gen_range(0..span) as u16;
    for _ in 0..span {
        if held.len() == n {
            break;
        }
        if let Ok(l) = TcpListener::bind(("127.0.0.1", port)) {
            held.push(l);
        }
        port = if port + 1 >= high { low } else { port + 1 };
    }
    if held.len() < n {
        // Every port below the ephemeral range is taken: fall back to the kernel's pick.
        for _ in held.len()..n {
            held.push(TcpListener::bind("127.0.0.1:0").context("finding a free loopback port")?);
        }
    }
    held.iter().map(|l| l.local_addr().context("reading a bound port")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ports_are_distinct_and_below_the_ephemeral_range() {
        let ports = super::free_loopback(16).unwrap();
        let mut p: Vec<u16> = ports.iter().map(|a| a.port()).collect();
        assert!(p.iter().all(|&x| x < super::ephemeral_low()), "{p:?}");
        p.sort();
        p.dedup();
        assert_eq!(p.len(), 16);
    }
}
