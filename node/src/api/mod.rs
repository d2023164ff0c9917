//! The node's Observer and Control gRPC services and the conversions they need.

pub mod control;
pub mod convert;
pub mod observer;

pub use control::{ControlCmd, ControlRequest, ControlService};
pub use observer::{ObserverService, StatusRequest, Subscribe};
