//! The node's Observer, Control and Transactions gRPC services and the conversions they need.

pub mod control;
pub mod convert;
pub mod describe;
pub mod detail;
pub mod observer;
pub mod transactions;

pub use control::{ControlCmd, ControlRequest, ControlService};
pub use observer::{ObserverService, StatusRequest, Subscribe};
pub use transactions::{TransactionsService, TxRequest};
