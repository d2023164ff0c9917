//! Integration tests with real processes: `devnet-node`s over gRPC on loopback,
//! started through the orchestrator. Tests wait for conditions with generous
//! deadlines rather than asserting on timings (the machines are shared).

mod attach;
mod backend_run;
mod chaos;
mod cli;
mod cluster;
mod docker;
mod kubernetes;
mod load_run;
mod node_freeze;
mod ownership;
mod procs;
mod reflection;
mod report;
mod scenarios;
mod tmux;
mod txs;
