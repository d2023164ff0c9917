//! devnet: orchestrator and terminal dashboard.
//!
//! `config` reads devnet.toml; `cluster_dir` lays out the cluster on disk;
//! `supervisor` owns node processes; `cluster` owns gRPC connections and folds
//! what nodes report into a `ClusterView`; `devnet` ties those together for
//! `headless` and for the dashboard (`app` + `keys` + `ui`); `faults` is the
//! one executor of injected faults and `control` the endpoint other terminals
//! reach it through.

pub mod alarms;
pub mod app;
pub mod cluster;
pub mod cluster_dir;
pub mod config;
pub mod control;
pub mod devnet;
pub mod fault_keys;
pub mod faults;
pub mod headless;
pub mod keys;
pub mod scenario;
pub mod supervisor;
pub mod ui;
