//! Randomized fault schedules that shrink (`devnet chaos`): a seed draws a
//! schedule of faults (`schedule`), a real devnet runs it as a scenario
//! with every always-on check, and a failure is shrunk (`shrink`) to the
//! smallest schedule that still fails, written as a scenario file
//! (`scenario_file`) that `devnet run` replays (`run`).

pub mod run;
pub mod scenario_file;
pub mod schedule;
pub mod shrink;
