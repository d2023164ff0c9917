//! The cluster module: the one owner of gRPC connections to nodes.
//!
//! `watch` runs one task per node (Observer `Watch` stream + periodic
//! `Status`), `view` folds everything that happens — node events, status
//! snapshots, process transitions — into a `ClusterView`, and `json` renders
//! events as the JSON lines of headless mode. Nodes are reached by address.
//!
//! The fold calls out to one module per job (`safety`, `reverts`,
//! `node_log`, `prune`, ...); each states the rules it enforces.

pub mod blocks;
pub mod engine;
pub mod event_log;
pub mod history;
pub mod json;
pub mod node_log;
pub mod prune;
pub mod reverts;
pub mod safety;
pub mod stall;
#[cfg(test)]
pub mod test_views;
pub mod txs;
pub mod validators;
pub mod view;
pub mod watch;

pub use view::{Alarm, ClusterEvent, ClusterView, LinkView, LogEntry, LogKind, NodeView, Severity};
