//! devnet-node: one validator of a local devnet.
//!
//! `consensus`, `ledger` and `chain` are pure and deterministic; `runtime` drives an
//! engine with real time (`clock`), `net` moves its messages over gRPC,
//! `store` keeps its records crash-safely, `api` serves Observer to the
//! dashboard, and `config` reads the files the orchestrator writes.

pub mod api;
pub mod chain;
pub mod clock;
pub mod config;
pub mod consensus;
pub mod ledger;
pub mod metrics;
pub mod net;
pub mod runtime;
pub mod store;
