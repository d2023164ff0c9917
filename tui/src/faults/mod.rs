//! Faults: one grammar (`grammar`, with its typed `values`), one parser
//! (`parse`), one record of what is in force (`state`),
//! one executor (`apply`, on `Devnet`). Dashboard keys, `devnet inject` and
//! scenario steps all come through here.
//!
//! Process faults (crash, restart, pause, resume, stop, twin) belong to the
//! supervisor; network faults (partitions, cuts, latency, loss, filters) and
//! clock skew and Byzantine behaviour are set through each node's Control
//! service with the cluster token. A load (`load 500/s`) is run by the
//! devnet itself (`load::in_devnet`).

mod apply;
pub mod grammar;
mod labels;
pub mod parse;
pub mod rent;
pub mod state;
pub mod values;

pub use grammar::FaultCmd;
pub use parse::{Fault, LoadWords, ProcessFault, Shape, check_engine, parse, parse_cmd, words};
pub use state::FaultState;
