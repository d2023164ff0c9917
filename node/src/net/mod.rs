//! Peer-to-peer transport over gRPC on loopback: `server` receives, `peers`
//! sends (a gossip `link` and a liveness `probe` per peer). Every node is
//! connected to every other (full mesh); there is no relaying of messages by
//! the network layer (the engine forwards first-seen messages itself), and
//! the engine's sync repairs gaps. `shim` holds the fault rules that both
//! directions pass through, and the node's `freeze` (its pause) that both wait on.

pub mod freeze;
mod link;
pub mod peers;
mod probe;
pub mod server;
pub mod shim;

pub use freeze::Freeze;
pub use peers::{LinkEvent, Outbox, PeerAddr, Peers};
pub use server::{Inbound, P2pService};
pub use shim::{Rule, Shim};
