//! `devnet load`: open-loop transfer load against a running devnet, and a
//! report that accounts for every transfer.
//!
//! - **Open loop.** Transfer i is due at t0 + i/rate on the monotonic clock
//!   (`plan::due`); the pacing loop only spawns a task per transfer
//!   (`sender`), so a slow reply never delays a later send. At most
//!   `MAX_IN_FLIGHT` submits wait for replies at once; a transfer due while
//!   the bound is full is not sent and counts as `dropped_by_client`.
//! - **Accounts.** Accounts 0..N send amount 1 to each other in turn
//!   (`plan::leg`); each sender's nonce is read once (GetAccount on its node)
//!   and then counted locally (`plan::NonceBook`).
//! - **Tracking.** Every target node's `Watch` stream is open before the
//!   first send (`watch`); `tracker` records submit time, first inclusion on
//!   any node, and finality on the transfer's own node.
//! - **End.** After the window (or Ctrl-C) it waits up to `--drain` for
//!   outstanding transfers (Ctrl-C: only for replies to submits in flight),
//!   asks each node once about what is still unresolved, and reports
//!   (`report`): submitted = admitted + rejected; admitted = final +
//!   included_not_final + pending_at_end + expired +
//!   rejected_after_admission + lost.

pub mod plan;
pub mod report;
pub mod sender;
pub mod tracker;
pub mod watch;

#[cfg(test)]
mod tests;

use crate::node_client::{CALL_TIMEOUT, ClusterFiles, transactions};
use anyhow::Context;
use devnet_node::chain::Hash32;
use devnet_node::config::NodeEntry;
use devnet_node::ledger::accounts::account_key;
use devnet_proto::v1 as pb;
use report::LoadReport;
use sender::Senders;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracker::{EndState, Tracker, Window};

/// Submits waiting for their reply at most; beyond it transfers are dropped by the client.
pub const MAX_IN_FLIGHT: usize = 4096;
/// End-of-run status queries in flight at once.
const SETTLE_CONCURRENCY: usize = 64;
/// How often the drain looks whether everything is resolved.
const DRAIN_POLL: Duration = Duration::from_millis(50);

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

fn lock(t: &Mutex<Tracker>) -> MutexGuard<'_, Tracker> {
    t.lock().unwrap_or_else(|e| e.into_inner())
}

fn bad(msg: &str) -> i32 {
    eprintln!("devnet load: {msg}");
    2
}

/// Runs the load on the cluster in `dir`: 0 when it reported, 2 for bad
/// options, 1 if the report's accounting did not add up (a bug).
pub async fn run(dir: &Path, opts: LoadOpts) -> anyhow::Result<i32> {
    if !(opts.rate.is_finite() && opts.rate > 0.0 && opts.rate <= 1e6) {
        return Ok(bad(&format!("--rate must be above 0 and at most 1000000 a second, not {}", opts.rate)));
    }
    let files = ClusterFiles::read(dir)?;
    let mut targets: Vec<&NodeEntry> = Vec::new();
    if opts.nodes.is_empty() {
        targets.extend(files.nodes.iter());
    }
    for id in &opts.nodes {
        match files.node(id) {
            Ok(e) if !targets.iter().any(|t| t.id == e.id) => targets.push(e),
            Ok(_) => {}
            Err(msg) => return Ok(bad(&msg)),
        }
    }
    if targets.is_empty() {
        return Ok(bad("no nodes to send to"));
    }
    let genesis_accounts = files.spec.ledger().accounts;
    let accounts = opts.accounts.unwrap_or(genesis_accounts.min(100));
    if accounts < 2 || accounts > genesis_accounts {
        return Ok(bad(&format!("--accounts must be 2 to {genesis_accounts} (the genesis accounts), not {accounts}")));
    }
    let chain = files.chain_id();

    let mut clients = Vec::with_capacity(targets.len());
    for e in &targets {
        clients.push(transactions(e).await?);
    }
    let info = clients[0]
        .clone()
        .ledger_info(pb::LedgerInfoRequest {})
        .await
        .with_context(|| format!("asking {} for its ledger", targets[0].id))?
        .into_inner();
    if info.chain_id != chain.0 {
        return Ok(bad(&format!(
            "{} describes another chain than {} runs; wrong --data-dir or --name?",
            files.root.join("genesis.json").display(),
            targets[0].id
        )));
    }
    let mut start = Vec::with_capacity(accounts as usize);
    for a in 0..accounts {
        let node = plan::leg(u64::from(a), accounts, targets.len()).node;
        let reply = clients[node].clone().get_account(pb::GetAccountRequest { account: a }).await;
        let acct = reply.with_context(|| format!("asking {} for account {a}", targets[node].id))?.into_inner();
        start.push((a, acct.next_nonce));
    }

    let tracker = Arc::new(Mutex::new(Tracker::new(targets.len())));
    let mut streams = Vec::with_capacity(targets.len());
    for e in &targets {
        streams.push(watch::subscribe(e).await?);
    }
    let watchers: Vec<_> = streams.into_iter().enumerate().map(|(i, s)| watch::follow(i, s, tracker.clone())).collect();
    let mut stop = ctrl_c();

    let senders = Arc::new(Senders {
        chain,
        keys: (0..accounts).map(|a| account_key(&chain, a)).collect(),
        clients,
        nonces: Mutex::new(plan::NonceBook::new(start)),
        tracker: tracker.clone(),
    });
    let node_ids: Vec<String> = targets.iter().map(|t| t.id.clone()).collect();
    let total = plan::count(opts.rate, opts.window);
    if !opts.json {
        eprintln!(
            "devnet load: {total} transfers at {}/s for {:.1} s to {} from {accounts} accounts; Ctrl-C stops early",
            opts.rate,
            opts.window.as_secs_f64(),
            node_ids.join(",")
        );
    }

    // The window: send on schedule.
    let permits = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut report =
        LoadReport { engine: info.engine, nodes: node_ids, accounts, rate: opts.rate, ..Default::default() };
    let (mut spawned, mut max_lag) = (0u64, Duration::ZERO);
    let t0 = Instant::now();
    for i in 0..total {
        let at = t0 + plan::due(i, opts.rate);
        tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => {
                report.interrupted = true;
                break;
            }
            _ = tokio::time::sleep_until(at) => {}
        }
        report.scheduled += 1;
        max_lag = max_lag.max(Instant::now().saturating_duration_since(at));
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            report.dropped_by_client += 1;
            continue;
        };
        let leg = plan::leg(i, accounts, report.nodes.len());
        let nonce = senders.nonces.lock().unwrap_or_else(|e| e.into_inner()).take(leg.from);
        sender::spawn(senders.clone(), leg, nonce, permit);
        spawned += 1;
    }
    if !report.interrupted {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => report.interrupted = true,
            _ = tokio::time::sleep_until(t0 + opts.window) => {}
        }
    }
    let end = Instant::now();

    // The drain: wait for replies and finality. Replies always come (each
    // submit has CALL_TIMEOUT), so waiting for them is bounded.
    let mut deadline = if report.interrupted { end } else { end + opts.drain };
    let replies_by = end + CALL_TIMEOUT + Duration::from_secs(1);
    loop {
        let (replies, outstanding) = {
            let t = lock(&tracker);
            (t.replies(), t.outstanding())
        };
        let now = Instant::now();
        let replied = replies >= spawned;
        if (replied && (outstanding == 0 || now >= deadline)) || now >= deadline.max(replies_by) {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(DRAIN_POLL) => {}
            _ = stop.wait_for(|s| *s), if !report.interrupted => {
                report.interrupted = true;
                deadline = Instant::now();
            }
        }
    }
    report.drain_ms = report::ms(end.elapsed());

    settle(&tracker, &senders).await;
    for w in watchers {
        w.abort();
    }
    let window = Window { start: t0, end, settled: Instant::now() };
    lock(&tracker).tally(window, &mut report);
    report.max_send_lag_ms = report::ms(max_lag);
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

/// Asks about every admitted transfer not seen final: its own node first,
/// then the others. Nobody answering counts as lost.
async fn settle(tracker: &Arc<Mutex<Tracker>>, senders: &Arc<Senders>) {
    let unresolved = lock(tracker).unresolved();
    let permits = Arc::new(Semaphore::new(SETTLE_CONCURRENCY));
    let mut tasks = JoinSet::new();
    for (id, node) in unresolved {
        let Ok(permit) = permits.clone().acquire_owned().await else { break };
        let senders = senders.clone();
        tasks.spawn(async move {
            let end = ask(&senders, id, node).await;
            drop(permit);
            (id, end)
        });
    }
    while let Some(done) = tasks.join_next().await {
        if let Ok((id, end)) = done {
            lock(tracker).settle(&id, end);
        }
    }
}

async fn ask(senders: &Senders, id: Hash32, node: usize) -> EndState {
    let n = senders.clients.len();
    for k in 0..n {
        let mut client = senders.clients[(node + k) % n].clone();
        if let Ok(s) = client.get_transaction(pb::GetTransactionRequest { id: id.0.to_vec() }).await {
            let s = s.into_inner();
            return match pb::TxState::try_from(s.state).unwrap_or(pb::TxState::Unknown) {
                pb::TxState::Final => EndState::Final,
                pb::TxState::Included => EndState::Included,
                pb::TxState::Pending => EndState::Pending,
                pb::TxState::Expired => EndState::Expired,
                pb::TxState::Rejected => EndState::Rejected(s.reason),
                pb::TxState::Unknown => EndState::Lost,
            };
        }
    }
    EndState::Lost
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
