//! The body of a load, run as one background task (see `handle`): set up
//! (connect to and watch every target, read the senders' nonces), send on
//! the open-loop schedule until the window ends or a stop comes, drain,
//! ask about what is still unresolved, tally.

use super::batch::{BATCH_MAX, BATCH_WINDOW, Batcher};
use super::handle::{AbortOnDrop, LoadError, Phase, Stop};
use super::report::{self, LoadReport};
use super::sender::{self, Due, Senders};
use super::tracker::{EndState, Tracker, Window};
use super::{MAX_IN_FLIGHT, lock, plan, watch};
use crate::node_client::{CALL_TIMEOUT, transactions};
use anyhow::Context;
use devnet_node::chain::Hash32;
use devnet_node::config::NodeEntry;
use devnet_node::ledger::accounts::account_key;
use devnet_proto::v1 as pb;
use pb::transactions_client::TransactionsClient;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, watch as signal};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tonic::Streaming;
use tonic::transport::Channel;

/// End-of-run status queries in flight at once.
const SETTLE_CONCURRENCY: usize = 64;
/// Nonce reads in flight at once during setup.
const SETUP_CONCURRENCY: usize = 32;
/// The longest one target may take to connect and subscribe.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the drain looks whether everything is resolved.
const DRAIN_POLL: Duration = Duration::from_millis(50);
/// Transfers the pacing loop takes in one go before it looks for a stop again.
const PACING_RUN: usize = 1024;

/// Checked settings (`handle::start`).
pub(super) struct Plan {
    pub chain: Hash32,
    pub genesis_file: PathBuf,
    pub targets: Vec<NodeEntry>,
    pub accounts: u32,
    pub rate: f64,
    pub window: Option<Duration>,
    pub drain: Duration,
    pub skip_unreachable: bool,
}

struct Ready {
    engine: String,
    nodes: Vec<String>,
    clients: Vec<TransactionsClient<Channel>>,
    streams: Vec<Streaming<pb::Event>>,
    start: Vec<(u32, u64)>,
}

async fn connect(e: NodeEntry) -> anyhow::Result<(TransactionsClient<Channel>, Streaming<pb::Event>)> {
    let call = async { Ok((transactions(&e).await?, watch::subscribe(&e).await?)) };
    match tokio::time::timeout(CONNECT_TIMEOUT, call).await {
        Ok(r) => r,
        Err(_) => anyhow::bail!("{} at {} did not answer within {} s", e.id, e.addr, CONNECT_TIMEOUT.as_secs()),
    }
}

/// Connects to and watches every target (at once), checks the chain, reads each sender's next nonce.
async fn setup(p: &Plan) -> Result<Ready, LoadError> {
    let mut joins = JoinSet::new();
    for (i, e) in p.targets.iter().enumerate() {
        let e = e.clone();
        joins.spawn(async move { (i, connect(e).await) });
    }
    let mut got: Vec<Option<anyhow::Result<_>>> = (0..p.targets.len()).map(|_| None).collect();
    while let Some(done) = joins.join_next().await {
        if let Ok((i, r)) = done {
            got[i] = Some(r);
        }
    }
    let (mut nodes, mut clients, mut streams, mut failed) = (vec![], vec![], vec![], vec![]);
    for (e, r) in p.targets.iter().zip(got) {
        match r.unwrap_or_else(|| Err(anyhow::anyhow!("{}: connecting failed", e.id))) {
            Ok((c, s)) => {
                nodes.push(e.id.clone());
                clients.push(c);
                streams.push(s);
            }
            Err(err) if !p.skip_unreachable => return Err(err.into()),
            Err(err) => failed.push(format!("{err:#}")),
        }
    }
    if clients.is_empty() {
        return Err(anyhow::anyhow!("no node to send to: {}", failed.join("; ")).into());
    }
    let info = clients[0]
        .clone()
        .ledger_info(pb::LedgerInfoRequest {})
        .await
        .with_context(|| format!("asking {} for its ledger", nodes[0]))?
        .into_inner();
    if info.chain_id != p.chain.0 {
        return Err(LoadError::Bad(format!(
            "{} describes another chain than {} runs; wrong --data-dir or --name?",
            p.genesis_file.display(),
            nodes[0]
        )));
    }
    let permits = Arc::new(Semaphore::new(SETUP_CONCURRENCY));
    let mut reads = JoinSet::new();
    for a in 0..p.accounts {
        let node = plan::leg(u64::from(a), p.accounts, clients.len()).node;
        let (mut client, id, permits) = (clients[node].clone(), nodes[node].clone(), permits.clone());
        reads.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let reply = client.get_account(pb::GetAccountRequest { account: a }).await;
            reply.with_context(|| format!("asking {id} for account {a}")).map(|r| (a, r.into_inner().next_nonce))
        });
    }
    let mut start = Vec::with_capacity(p.accounts as usize);
    while let Some(done) = reads.join_next().await {
        start.push(done.map_err(|e| anyhow::anyhow!("reading nonces: {e}"))??);
    }
    start.sort_unstable();
    Ok(Ready { engine: info.engine, nodes, clients, streams, start })
}

/// The stop asked for (an error means the handle is gone: stop now).
fn asked(r: Result<signal::Ref<'_, Option<Stop>>, signal::error::RecvError>) -> Stop {
    r.ok().and_then(|s| *s).unwrap_or(Stop::INTERRUPT)
}

pub(super) async fn drive(
    p: Plan,
    tracker: Arc<Mutex<Tracker>>,
    stop: &mut signal::Receiver<Option<Stop>>,
    phase: &signal::Sender<Phase>,
) -> Result<LoadReport, LoadError> {
    let mut report = LoadReport { accounts: p.accounts, rate: p.rate, ..Default::default() };
    let ready = tokio::select! {
        r = setup(&p) => r?,
        s = stop.wait_for(Option::is_some) => {
            report.interrupted = asked(s).interrupted;
            return Ok(report);
        }
    };
    let Ready { engine, nodes, clients, streams, start } = ready;
    *lock(&tracker) = Tracker::new(nodes.len());
    let _watchers: Vec<AbortOnDrop> =
        streams.into_iter().enumerate().map(|(i, s)| AbortOnDrop(watch::follow(i, s, tracker.clone()))).collect();
    let senders = Arc::new(Senders {
        chain: p.chain,
        keys: (0..p.accounts).map(|a| account_key(&p.chain, a)).collect(),
        clients,
        nonces: Mutex::new(plan::NonceBook::new(start)),
        tracker: tracker.clone(),
        calls: AtomicU64::new(0),
        max_wait_us: AtomicU64::new(0),
    });
    report.engine = engine;
    report.nodes = nodes.clone();
    phase.send_replace(Phase::Sending { nodes, accounts: p.accounts });

    // The window: send on schedule, in batches per node.
    let permits = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let total = p.window.map(|w| plan::count(p.rate, w));
    let (mut spawned, mut max_lag) = (0u64, Duration::ZERO);
    let mut stopped: Option<Stop> = None;
    let mut batches: Batcher<Due> = Batcher::new(report.nodes.len(), BATCH_WINDOW, BATCH_MAX);
    let t0 = Instant::now();
    let mut i = 0u64;
    loop {
        let next = total.is_none_or(|t| i < t).then(|| t0 + plan::due(i, p.rate));
        let Some(wake) = next.into_iter().chain(batches.next_due()).min() else { break };
        tokio::select! {
            biased;
            s = stop.wait_for(Option::is_some) => {
                stopped = Some(asked(s));
                break;
            }
            _ = tokio::time::sleep_until(wake) => {}
        }
        let now = Instant::now();
        // Everything due by now (a bounded run, so a stop is seen between runs).
        for _ in 0..PACING_RUN {
            let at = t0 + plan::due(i, p.rate);
            if total.is_some_and(|t| i >= t) || at > now {
                break;
            }
            report.scheduled += 1;
            max_lag = max_lag.max(now.saturating_duration_since(at));
            let leg = plan::leg(i, p.accounts, report.nodes.len());
            i += 1;
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                report.dropped_by_client += 1;
                continue;
            };
            let nonce = lock(&senders.nonces).take(leg.from);
            spawned += 1;
            if let Some(full) = batches.push(leg.node, Due { leg, nonce, at: now, permit }, now) {
                sender::submit(senders.clone(), leg.node, full);
            }
        }
        for (node, batch) in batches.take_due(now) {
            sender::submit(senders.clone(), node, batch);
        }
    }
    // Transfers already due still go (a stop only ends the schedule).
    for (node, batch) in batches.take_all() {
        sender::submit(senders.clone(), node, batch);
    }
    if stopped.is_none()
        && let Some(w) = p.window
    {
        tokio::select! {
            s = stop.wait_for(Option::is_some) => stopped = Some(asked(s)),
            _ = tokio::time::sleep_until(t0 + w) => {}
        }
    }
    let end = Instant::now();
    phase.send_replace(Phase::Draining);

    // The drain: wait for replies and finality. Replies always come (each
    // submit has CALL_TIMEOUT), so waiting for them is bounded.
    let how = stopped.unwrap_or(Stop::drain(p.drain));
    report.interrupted = how.interrupted;
    let mut deadline = end + how.drain;
    let replies_by = end + CALL_TIMEOUT + Duration::from_secs(1);
    let mut listening = true;
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
            changed = stop.changed(), if listening => match changed {
                Ok(()) => {
                    if let Some(s) = *stop.borrow_and_update() {
                        deadline = deadline.min(Instant::now() + s.drain);
                        report.interrupted |= s.interrupted;
                    }
                }
                Err(_) => listening = false,
            }
        }
    }
    report.drain_ms = report::ms(end.elapsed());

    settle(&tracker, &senders).await;
    let window = Window { start: t0, end, settled: Instant::now() };
    lock(&tracker).tally(window, &mut report);
    report.max_send_lag_ms = report::ms(max_lag);
    report.submit_calls = senders.calls.load(Ordering::Relaxed);
    report.max_batch_wait_ms = senders.max_wait_us.load(Ordering::Relaxed) as f64 / 1000.0;
    Ok(report)
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
