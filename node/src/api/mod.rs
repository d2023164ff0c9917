//! The node's Observer gRPC service and the conversions it needs. Control
//! (faults at run time) joins here.

pub mod convert;
pub mod observer;

pub use observer::{ObserverService, Subscribe};
