//! Plumbing the engines share: the steps every engine that calls them takes
//! the same way, kept in one place so a fix reaches all of them.
//!
//! Rules the shared code follows:
//! - It is pure like the engines (no IO, no clocks, no randomness) and takes
//!   only the state it touches, as arguments: no engine type, no engine name.
//! - It never changes what an engine says: reasons, events, records and bytes
//!   are exactly what each engine produced with its own copy, in the same
//!   order. A step that differs between engines stays in the engine, with a
//!   note where it would be expected here.
//! - Protocol rules (what is valid, what to do about it) stay in the
//!   engines, which cite them (`// R10`); a helper here carries out a step
//!   its caller has decided on.

pub mod archive;
pub mod asks;
pub mod inbound;
pub mod records;
pub mod slashing;
pub mod stake;
pub mod status;
#[cfg(test)]
mod tests;
