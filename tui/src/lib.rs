//! devnet: orchestrator and terminal dashboard.
//!
//! `config` reads devnet.toml; `cluster_dir` lays out the cluster on disk and
//! `cluster_lock` says who owns it;
//! `supervisor` owns node processes; `cluster` owns gRPC connections and folds
//! what nodes report into a `ClusterView`; `devnet` ties those together for
//! `headless` and for the dashboard (`app` + `keys` + `ui`); `faults` is the
//! one executor of injected faults and `control` the endpoint other terminals
//! reach it through. `tx_cli` (`devnet tx`) and `load` (`devnet load`) are
//! clients of a running devnet's Transactions service, through `node_client`.
//! `config_file` picks the devnet.toml a command reads, `target` the cluster
//! a client command talks to, `ls` lists clusters and `init` writes a
//! commented devnet.toml.

pub mod alarms;
pub mod app;
pub mod attach;
pub mod chaos;
pub mod clipboard;
pub mod cluster;
pub mod cluster_dir;
pub mod cluster_lock;
pub mod command_bar;
pub mod config;
pub mod config_file;
pub mod control;
pub mod devnet;
pub mod duration;
pub mod fault_keys;
pub mod faults;
pub mod headless;
pub mod init;
pub mod keymap;
pub mod keys;
pub mod load;
pub mod ls;
pub mod metrics;
pub mod node_client;
pub mod ports;
pub mod replay;
pub mod report;
pub mod run_record;
pub mod scenario;
pub mod supervisor;
pub mod target;
pub mod tx_cli;
pub mod ui;
pub mod words;
