//! Integration tests: one binary (`tests/it`), one module per concern.

mod sim;
mod sim_check;
mod sim_hotstuff;
mod sim_pbft;
mod sim_pow;
mod sim_tendermint;
mod sim_tests;
mod simnet;
mod storage_dirs;
