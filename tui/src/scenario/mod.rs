//! Scenarios: a devnet, a timed list of faults, and expectations, run
//! headless and judged (`devnet run SCENARIO.toml`). `file` parses, `timeline`
//! records, `checks` judges, `run` drives and reports.

pub mod checks;
pub mod compare;
pub mod file;
pub mod metrics;
pub mod rentals;
pub mod run;
pub mod timeline;

pub use file::Scenario;
