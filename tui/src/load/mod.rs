//! Open-loop transfer load against a running devnet, and a report that
//! accounts for every transfer: `devnet load` (`run`), and a load the
//! devnet itself runs (`start`, used by the `load RATE/s` fault words, the
//! dashboard's `L` and scenario steps; see `in_devnet`).
//!
//! - **Open loop.** Transfer i is due at t0 + i/rate on the monotonic clock
//!   (`plan::due`); the pacing loop only puts each transfer into its node's
//!   open batch (`batch`) and hands batches to a task each (`sender`), so a
//!   slow reply never delays a later send. At most `MAX_IN_FLIGHT`
//!   transfers wait for replies at once; a transfer due while the bound is
//!   full is not sent and counts as `dropped_by_client`.
//! - **Batches.** A node's transfers due within `batch::BATCH_WINDOW` (1 ms)
//!   of the first, or until `batch::BATCH_MAX` (256) wait, go in one
//!   `SubmitTransactions` call; each is answered alone, as a single submit
//!   would be. A transfer's send time is the moment it came due, so its
//!   latencies include the batching wait (`max_batch_wait_ms` says how long).
//! - **Accounts.** Accounts 0..N send amount 1 to each other in turn
//!   (`plan::leg`); each sender's nonce is read once (GetAccount on its node)
//!   and then counted locally (`plan::NonceBook`).
//! - **By sender.** The report keeps each sending account's submit→included
//!   latencies (`report::BySender`), so a censored set of accounts can be
//!   compared with the rest (`LoadReport::included_latency_of`).
//! - **Tracking.** Every target node's `Watch` stream is open before the
//!   first send (`watch`); `tracker` records submit time, first inclusion on
//!   any node, and finality on the transfer's own node.
//! - **Running.** `start` returns a `LoadHandle` at once; one background
//!   task sets up, sends, drains and reports (`drive`), another works out
//!   the live figures twice a second (`LoadHandle::figures`).
//! - **End.** After the window, or when stopped, it waits up to the drain
//!   (Ctrl-C, or a load replaced by another: only for replies to submits in
//!   flight) for outstanding transfers, asks each node once about what is
//!   still unresolved, and reports (`report`): submitted = admitted +
//!   rejected; admitted = final + included_not_final + pending_at_end +
//!   expired + rejected_after_admission + lost.

pub mod batch;
pub mod drive;
pub mod handle;
pub mod in_devnet;
pub mod plan;
pub mod report;
pub mod sender;
pub mod tracker;
pub mod watch;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_batching;
#[cfg(test)]
mod tests_by_sender;

pub use handle::{Invalid, LoadError, LoadHandle, Phase, Settings, Stop, start};
pub use report::LoadReport;

use crate::node_client::ClusterFiles;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Submits waiting for their reply at most; beyond it transfers are dropped by the client.
pub const MAX_IN_FLIGHT: usize = 4096;

pub struct LoadOpts {
    /// Transfers a second.
    pub rate: f64,
    /// How long to send for.
    pub window: Duration,
    /// Senders 0..N (default: min(genesis accounts, 100)).
    pub accounts: Option<u32>,
    /// Target node ids (default: every node in nodes.json).
    pub nodes: Vec<String>,
    /// The longest to wait after the window for outstanding transfers.
    pub drain: Duration,
    pub json: bool,
}

fn lock<T>(t: &Mutex<T>) -> MutexGuard<'_, T> {
    t.lock().unwrap_or_else(|e| e.into_inner())
}

fn bad(msg: &str) -> i32 {
    eprintln!("devnet load: {msg}");
    2
}

/// `Invalid` in the words of `devnet load`'s flags.
fn flag_words(e: &Invalid) -> String {
    match e {
        Invalid::Rate(r) => format!("--rate must be above 0 and at most 1000000 a second, not {r}"),
        Invalid::Accounts { got, genesis } => {
            format!("--accounts must be 2 to {genesis} (the genesis accounts), not {got}")
        }
        other => other.to_string(),
    }
}

/// `devnet load`: runs the load on the cluster in `dir` for its window: 0
/// when it reported, 2 for bad options, 1 if the report's accounting did
/// not add up (a bug).
pub async fn run(dir: &Path, opts: LoadOpts) -> anyhow::Result<i32> {
    if let Err(e) = handle::check_rate(opts.rate) {
        return Ok(bad(&flag_words(&e)));
    }
    let files = ClusterFiles::read(dir)?;
    let settings = Settings {
        rate: opts.rate,
        window: Some(opts.window),
        accounts: opts.accounts,
        nodes: opts.nodes,
        drain: opts.drain,
        skip_unreachable: false,
    };
    let mut load = match start(&files, settings, None) {
        Ok(h) => h,
        Err(e) => return Ok(bad(&flag_words(&e))),
    };
    let mut ctrl_c = ctrl_c();
    tokio::select! {
        _ = load.started() => {}
        _ = ctrl_c.wait_for(|s| *s) => load.request_stop(Stop::INTERRUPT),
    }
    if !opts.json
        && let Phase::Sending { nodes, accounts } = load.phase()
    {
        eprintln!(
            "devnet load: {} transfers at {}/s for {:.1} s to {} from {accounts} accounts; Ctrl-C stops early",
            plan::count(opts.rate, opts.window),
            opts.rate,
            opts.window.as_secs_f64(),
            nodes.join(",")
        );
    }
    tokio::select! {
        _ = load.finished() => {}
        _ = ctrl_c.wait_for(|s| *s) => load.request_stop(Stop::INTERRUPT),
    }
    let report = match load.report().await {
        Ok(r) => r,
        Err(LoadError::Bad(msg)) => return Ok(bad(&msg)),
        Err(LoadError::Failed(e)) => return Err(e),
    };
    if opts.json {
        println!("{}", report.to_json());
    } else {
        println!("{}", report.to_text());
    }
    match report.check() {
        Ok(()) => Ok(0),
        Err(e) => {
            eprintln!("devnet load: {e}");
            Ok(1)
        }
    }
}

/// Becomes true at the first Ctrl-C; a second one exits at once.
fn ctrl_c() -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        let _ = tx.send(true);
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(130);
        }
    });
    rx
}
