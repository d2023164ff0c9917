//! Peer-to-peer transport over gRPC on loopback: `server` receives, `peers`
//! sends. Every node is connected to every other (full mesh); there is no
//! relaying, so a message cut on one link is repaired by the engine's sync.

pub mod peers;
pub mod server;

pub use peers::{LinkEvent, PeerAddr, Peers};
pub use server::{Inbound, P2pService};
