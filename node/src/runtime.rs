//! The async driver of one node: owns the engine, feeds it inputs (messages,
//! timer ticks, peer up/down, observer subscriptions) one at a time, and
//! carries out its effects.
//!
//! Effects are carried out in flushes. After one input, the runtime feeds
//! every message already waiting in the inbound queue (up to `DRAIN_MAX`),
//! collecting effects, then flushes: the `Persist` records of all of them are
//! committed to the store in one go, then the `Send`s leave, grouped per peer
//! (one gossip batch per peer). Under load this turns many fsyncs and frames
//! into one; idle, a flush is one input. The node's status is built only
//! when an observer asks for it.
//!
//! The rule that keeps a node from double-signing across a crash holds a
//! fortiori: every `Persist` of a flush (slashing protection made durable
//! before `commit` returns, see `store`) is committed before any `Send` of
//! that flush leaves, so no signature is released before what guards it.
//!
//! When the store refuses a write because the disk is full (a real ENOSPC
//! from the journal or redb, or the injected `disk-full` fault,
//! `store::DiskFault`: both are `StoreError::DiskFull`), the node does not
//! stop: the flush keeps its records and its messages and is tried again at
//! every later flush, so nothing leaves until what it depends on is written,
//! and the node rejoins by itself once the disk takes writes again. Any other
//! store error stops the node, naming the file; so does any store error at
//! start (`store` module doc).

use crate::api::convert;
use crate::api::{
    ControlCmd, ControlRequest, ControlService, ObserverService, StatusRequest, Subscribe, TransactionsService,
    TxRequest,
};
use crate::chain::{ChainSpec, SecretKey};
use crate::clock::Clock;
use crate::consensus::{self, Dest, Effect, Engine, Event, Identity, Input, Millis, PeerId, Record};
use crate::metrics::NodeMetrics;
use crate::net::peers::{CONNECTION_WINDOW, MAX_MESSAGE_BYTES, STREAM_WINDOW};
use crate::net::{Inbound, LinkEvent, Outbox, P2pService, PeerAddr, Peers, Shim};
use crate::store::Store;
use anyhow::Context;
use devnet_proto::v1 as pb;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;

const INBOUND_QUEUE: usize = 4096;
const EVENT_BUFFER: usize = 4096;
const REPLAY_BLOCKS: usize = 512;
/// Inputs fed before a flush: bounds how long a send waits behind a burst.
const DRAIN_MAX: usize = 32;
/// Transactions calls waiting for the runtime; a full queue makes callers wait.
const TX_QUEUE: usize = 1024;

pub struct NodeArgs {
    pub id: String,
    pub me: PeerId,
    pub spec: ChainSpec,
    pub validator: Option<(u32, SecretKey)>,
    /// Every other node.
    pub peers: Vec<PeerAddr>,
    pub listen: SocketAddr,
    /// Where to serve Prometheus `/metrics`; `None` serves none.
    pub metrics: Option<SocketAddr>,
    pub data_dir: PathBuf,
    /// The cluster token Control calls must carry; `None` disables Control.
    pub control_token: Option<String>,
    /// Seeds the fault shim's loss and jitter draws; `None` seeds from the OS.
    pub shim_seed: Option<u64>,
}

/// Runs the node until `shutdown` resolves or a fatal error (store failure).
pub async fn run(args: NodeArgs, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.data_dir).with_context(|| format!("creating {}", args.data_dir.display()))?;
    let store = Store::open(&args.data_dir)?;
    let records = store.load_all()?;
    let identity =
        Identity { me: args.me, peers: args.peers.iter().map(|p| p.peer).collect(), validator: args.validator.clone() };
    let mut engine = consensus::build(&args.spec, identity)?;
    let restored = records.len();
    engine.restore(records).context("restoring engine state from the store")?;
    tracing::info!(id = %args.id, restored, engine = engine.name(), "node starting");

    let (inbound_tx, inbound_rx) = mpsc::channel(INBOUND_QUEUE);
    let (sub_tx, sub_rx) = mpsc::channel(16);
    let (link_tx, link_rx) = mpsc::channel(64);
    let (control_tx, control_rx) = mpsc::channel(16);
    let shim = Arc::new(args.shim_seed.map_or_else(Shim::default, Shim::seeded));
    let clock = Clock { genesis_unix_ms: args.spec.genesis_time_ms, skew_ms: 0 };
    let count = args.peers.iter().map(|p| p.peer.0).chain([args.me.0]).max().unwrap_or(0) as usize + 1;
    let mut names = vec![String::new(); count];
    names[args.me.0 as usize] = args.id.clone();
    for p in &args.peers {
        names[p.peer.0 as usize] = p.id.clone();
    }
    let (status_tx, status_rx) = mpsc::channel(16);
    let (txs_tx, txs_rx) = mpsc::channel(TX_QUEUE);
    let transactions = TransactionsService { spec: args.spec.clone(), requests: txs_tx };

    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let (health, health_svc) = tonic_health::server::health_reporter();
    health.set_serving::<pb::p2p_server::P2pServer<P2pService>>().await;
    health.set_serving::<pb::observer_server::ObserverServer<ObserverService>>().await;
    // Server reflection in both versions stock clients speak: grpcurl and
    // grpcui try v1 first, grpcio-reflection (Python) and older tools speak
    // only v1alpha. Each lists every service served here: ours, health, and
    // both reflection services.
    let reflection_builder = || {
        tonic_reflection::server::Builder::configure()
            .include_reflection_service(false)
            .register_encoded_file_descriptor_set(devnet_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET)
    };
    let reflection = reflection_builder().build_v1()?;
    let reflection_v1alpha = reflection_builder().build_v1alpha()?;
    let peer_count = Arc::new(AtomicU32::new(names.len() as u32));
    let dropped = Arc::new(AtomicU64::new(0));
    let p2p = P2pService {
        me: args.me,
        peer_count: peer_count.clone(),
        shim: shim.clone(),
        inbound: inbound_tx,
        dropped: dropped.clone(),
    };
    let description = consensus::description(&args.spec.consensus).map(crate::api::describe::to_pb).unwrap_or_default();
    let observer = ObserverService { description, status: status_tx, subscribe: sub_tx };
    let control =
        ControlService { me: args.me, token: args.control_token.clone(), shim: shim.clone(), commands: control_tx };
    health.set_serving::<pb::control_server::ControlServer<ControlService>>().await;
    health.set_serving::<pb::transactions_server::TransactionsServer<TransactionsService>>().await;
    let server = Server::builder()
        .timeout(Duration::from_secs(5))
        .http2_keepalive_interval(Some(Duration::from_secs(5)))
        .initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .add_service(
            pb::p2p_server::P2pServer::new(p2p)
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(pb::observer_server::ObserverServer::new(observer).max_decoding_message_size(1 << 16))
        .add_service(pb::control_server::ControlServer::new(control).max_decoding_message_size(1 << 20))
        .add_service(
            pb::transactions_server::TransactionsServer::new(transactions)
                .max_decoding_message_size(crate::api::transactions::MAX_BATCH * 128),
        )
        .add_service(health_svc)
        .add_service(reflection)
        .add_service(reflection_v1alpha)
        .serve_with_incoming(incoming);
    let server = tokio::spawn(server);
    let (metrics, registry) = NodeMetrics::new();
    if let Some(addr) = args.metrics {
        let listener = crate::metrics::bind(addr).await?;
        tokio::spawn(crate::metrics::serve(listener, Arc::new(registry)));
    }

    let peers = Peers::start(args.me, &args.peers, link_tx, shim.clone(), dropped);
    let (events, _) = broadcast::channel(EVENT_BUFFER);
    let mut node = Runtime {
        id: args.id,
        validator: args.validator.map(|v| v.0),
        spec: args.spec,
        engine,
        store,
        peers,
        shim,
        clock,
        names,
        peer_count,
        peers_up: BTreeSet::new(),
        events,
        seq: 0,
        wakes: BTreeSet::new(),
        pending: Vec::new(),
        outbox: Outbox::default(),
        unlogged_finality: None,
        finality_logged_at: None,
        metrics,
        submitted: BTreeMap::new(),
        head_height: 0,
        finalized_height: 0,
        disk_full: false,
    };
    tokio::select! {
        r = node.drive(inbound_rx, link_rx, sub_rx, status_rx, control_rx, txs_rx) => r?,
        _ = shutdown => tracing::info!("shutting down"),
        r = server => r.context("gRPC server task")?.context("gRPC server")?,
    }
    // A clean stop leaves every committed record durable.
    node.store.sync().context("making the store durable")?;
    Ok(())
}

struct Runtime {
    id: String,
    validator: Option<u32>,
    spec: ChainSpec,
    engine: Box<dyn Engine>,
    store: Store,
    peers: Peers,
    /// Its `freeze` stops this loop (Control.SetFrozen).
    shim: Arc<Shim>,
    clock: Clock,
    names: Vec<String>,
    /// Shared with the p2p service, which refuses senders beyond it.
    peer_count: Arc<AtomicU32>,
    peers_up: BTreeSet<PeerId>,
    events: broadcast::Sender<pb::Event>,
    seq: u64,
    /// Every wake-up the engine asked for and has not had yet. All are kept,
    /// not just the earliest: an engine may ask for a later tick before an
    /// earlier one fires and then (having asked once) not ask again.
    wakes: BTreeSet<Millis>,
    /// What the inputs since the last flush asked to persist and to send.
    pending: Vec<Record>,
    outbox: Outbox,
    /// The latest finality not logged yet, and when one last was (`log_finality`).
    unlogged_finality: Option<consensus::CheckpointRef>,
    finality_logged_at: Option<std::time::Instant>,
    metrics: NodeMetrics,
    /// When each transfer a client submitted here was admitted (for the
    /// submit-to-final histogram); bounded by `SUBMITTED_MAX` (when full, the
    /// smallest id goes: a transfer never final costs one entry, not a leak).
    submitted: BTreeMap<crate::ledger::TxId, std::time::Instant>,
    head_height: u64,
    finalized_height: u64,
    /// Set while the store refuses writes (a full disk), so that is logged once.
    disk_full: bool,
}

/// Admitted transfers whose finality the latency histogram still waits for.
const SUBMITTED_MAX: usize = 100_000;

impl Runtime {
    async fn drive(
        &mut self,
        mut inbound: mpsc::Receiver<Inbound>,
        mut links: mpsc::Receiver<LinkEvent>,
        mut subs: mpsc::Receiver<Subscribe>,
        mut status: mpsc::Receiver<StatusRequest>,
        mut control: mpsc::Receiver<ControlRequest>,
        mut txs: mpsc::Receiver<TxRequest>,
    ) -> anyhow::Result<()> {
        // Before genesis the node answers observers; everything else waits.
        let genesis = tokio::time::sleep(self.clock.until_genesis());
        tokio::pin!(genesis);
        let mut started = false;
        let mut durability = tokio::time::interval(crate::store::DURABLE_EVERY);
        // Two timers live across iterations and are reset only when their
        // deadline changes: the engine's next wake-up (an engine time, so it
        // moves with the clock's skew) and the end of the relays' hold.
        let timer = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(timer);
        let mut timer_set: Option<(Millis, i64)> = None;
        let relay_timer = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(relay_timer);
        let mut relay_timer_set = None;
        let shim = self.shim.clone();
        loop {
            shim.freeze.thawed().await;
            let wake = self.wakes.first().map(|t| (*t, self.clock.skew_ms));
            if wake != timer_set {
                if let Some((t, _)) = wake {
                    timer.as_mut().reset(self.clock.instant_of(t).into());
                }
                timer_set = wake;
            }
            let relays_due = self.outbox.deadline();
            if relays_due != relay_timer_set {
                if let Some(at) = relays_due {
                    relay_timer.as_mut().reset(at);
                }
                relay_timer_set = relays_due;
            }
            let mut reply = None;
            tokio::select! {
                _ = &mut genesis, if !started => {
                    started = true;
                    self.feed(Input::Start)?
                }
                Some(m) = inbound.recv(), if started => {
                    self.metrics.received(m.kind.as_str(), m.bytes.len());
                    self.feed(Input::Message { from: m.from, kind: m.kind, bytes: m.bytes })?;
                    for _ in 1..DRAIN_MAX {
                        let Ok(m) = inbound.try_recv() else { break };
                        self.metrics.received(m.kind.as_str(), m.bytes.len());
                        self.feed(Input::Message { from: m.from, kind: m.kind, bytes: m.bytes })?;
                    }
                }
                Some(l) = links.recv(), if started => match l {
                    LinkEvent::Up(p) => {
                        self.peers_up.insert(p);
                        self.publish_kind(pb::event::Kind::PeerUp(pb::Peer { id: self.name(p) }));
                        self.feed(Input::PeerUp(p))?
                    }
                    LinkEvent::Down(p) => {
                        self.peers_up.remove(&p);
                        self.publish_kind(pb::event::Kind::PeerDown(pb::Peer { id: self.name(p) }));
                        self.feed(Input::PeerDown(p))?
                    }
                },
                Some(s) = subs.recv() => self.subscribe(s),
                Some(tx) = status.recv() => {
                    let _ = tx.send(self.status());
                }
                Some((cmd, tx)) = control.recv(), if started => reply = Some((tx, self.control(cmd)?)),
                Some(r) = txs.recv() => {
                    self.transaction(r, started);
                    for _ in 1..DRAIN_MAX {
                        let Ok(r) = txs.try_recv() else { break };
                        self.transaction(r, started);
                    }
                }
                _ = &mut timer, if started && timer_set.is_some() => {
                    timer_set = None;
                    let now = self.clock.now();
                    self.wakes.retain(|t| *t > now);
                    self.feed(Input::Tick)?
                }
                _ = &mut relay_timer, if relay_timer_set.is_some() => {
                    relay_timer_set = None; // the flush below lets them go
                }
                // Frozen while waiting: stop before the next input, not after it.
                _ = shim.freeze.frozen() => {}
                _ = durability.tick() => {
                    self.log_finality(true);
                    let txs = self.engine.status(self.clock.now()).txs;
                    self.metrics.set_txs(&txs);
                    self.metrics.export_traffic();
                    self.metrics.peers.set(self.peers_up.len() as i64);
                    if self.store.sync_due() {
                        match self.store.sync() {
                            // A full disk: tried again at the next tick.
                            Ok(()) | Err(crate::store::StoreError::DiskFull { .. }) => {}
                            Err(e) => return Err(e).context("making the store durable"),
                        }
                    }
                }
            }
            self.flush()?;
            if let Some((tx, message)) = reply {
                let _ = tx.send(message);
            }
        }
    }

    /// Carries out a Control command; the text says what is now in force.
    fn control(&mut self, cmd: ControlCmd) -> anyhow::Result<String> {
        let message = match cmd {
            ControlCmd::Skew(ms) => {
                self.clock.skew_ms = ms;
                // Pending wake-ups are engine times; the loop turns them into
                // instants on the new clock, so they shift with it.
                format!("clock skew {ms:+} ms")
            }
            ControlCmd::Behaviour(b) => {
                self.feed(Input::SetBehaviour(b))?;
                format!("behaviour {}", b.label())
            }
            ControlCmd::Censor(c) => {
                let text = format!("censoring {}", c.label());
                self.feed(Input::SetCensorship(c))?;
                text
            }
            ControlCmd::Disk(fault) => {
                self.store.set_fault(fault);
                fault.label()
            }
            ControlCmd::Hashrate(percent) => {
                self.feed(Input::SetHashrate { percent })?;
                format!("hashrate {percent}% of the genesis total")
            }
            ControlCmd::AddPeer(p) => {
                let i = p.peer.0 as usize;
                if self.names.len() <= i {
                    self.names.resize(i + 1, String::new());
                }
                self.names[i] = p.id.clone();
                self.peer_count.fetch_max(i as u32 + 1, Ordering::Relaxed);
                let text = format!("peer {} at {} added", p.id, p.addr);
                self.peers.add(p);
                text
            }
        };
        tracing::info!(%message, "control");
        Ok(message)
    }

    /// A Transactions call. Before genesis nothing is admitted (the engine has not started).
    fn transaction(&mut self, r: TxRequest, started: bool) {
        match r {
            TxRequest::Submit(bytes, reply) => {
                let result = if started {
                    let (result, effects) = self.engine.submit_tx(self.clock.now(), &bytes);
                    self.note_submitted(&result);
                    self.carry_out(effects);
                    result
                } else {
                    Err(crate::ledger::TxError::NotStarted)
                };
                let _ = reply.send(result);
            }
            TxRequest::SubmitBatch(batch, reply) => {
                let now = self.clock.now();
                let results = batch
                    .iter()
                    .map(|bytes| {
                        if !started {
                            return Err(crate::ledger::TxError::NotStarted);
                        }
                        let (result, effects) = self.engine.submit_tx(now, bytes);
                        self.note_submitted(&result);
                        self.carry_out(effects);
                        result
                    })
                    .collect();
                let _ = reply.send(results);
            }
            TxRequest::Status(id, reply) => {
                let _ = reply.send(self.engine.tx_status(&id));
            }
            TxRequest::Account(i, reply) => {
                let _ = reply.send(self.engine.account(i));
            }
        }
    }

    /// Remembers when an admitted client transfer arrived (the submit-to-final histogram).
    fn note_submitted(&mut self, result: &Result<crate::ledger::TxId, crate::ledger::TxError>) {
        if let Ok(id) = result {
            if self.submitted.len() >= SUBMITTED_MAX {
                self.submitted.pop_first();
            }
            self.submitted.insert(*id, std::time::Instant::now());
        }
    }

    fn name(&self, p: PeerId) -> String {
        self.names.get(p.0 as usize).cloned().unwrap_or_else(|| format!("peer{}", p.0))
    }

    /// Hands one input to the engine and collects its effects for the next flush.
    fn feed(&mut self, input: Input) -> anyhow::Result<()> {
        let now = self.clock.now();
        let effects = self.engine.handle(now, input);
        self.carry_out(effects);
        Ok(())
    }

    fn carry_out(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Persist(r) => self.pending.push(r),
                Effect::Send { to, kind, bytes } => {
                    let to = self.resolve(to);
                    self.metrics.sent(kind.as_str(), to.len(), bytes.len());
                    self.outbox.push(&to, kind, bytes)
                }
                Effect::Relay { to, kind, bytes } => {
                    let to = self.resolve(to);
                    self.metrics.sent(kind.as_str(), to.len(), bytes.len());
                    self.outbox.hold(&to, kind, bytes)
                }
                Effect::WakeAt(t) => {
                    self.wakes.insert(t);
                }
                Effect::Report(ev) => self.report(ev),
            }
        }
    }

    fn resolve(&self, to: Dest) -> Vec<PeerId> {
        match to {
            Dest::All => self.peers.ids(),
            Dest::Peer(p) => vec![p],
            Dest::Peers(ps) => ps,
        }
    }

    /// Commits what the fed inputs persist, then lets their messages leave;
    /// on a full disk, keeps both for the next flush (see the module doc).
    fn flush(&mut self) -> anyhow::Result<()> {
        if !self.pending.is_empty() {
            let (store, batch) = (&mut self.store, &self.pending);
            match store.commit(batch) {
                Ok(()) => self.pending.clear(),
                Err(e @ crate::store::StoreError::DiskFull { .. }) => {
                    if !self.disk_full {
                        tracing::error!(error = %e, "store writes failing: holding every message until they succeed");
                        self.disk_full = true;
                    }
                    return Ok(());
                }
                Err(e) => return Err(e).context("committing to the store"),
            }
        }
        if std::mem::take(&mut self.disk_full) {
            tracing::info!("store writes succeed again: the held messages leave");
        }
        self.peers.flush(&mut self.outbox);
        Ok(())
    }

    /// Keeps the metrics that follow events.
    fn measure(&mut self, ev: &Event) {
        let m = &self.metrics;
        match ev {
            Event::HeadChanged { head, reorg_depth, .. } => {
                self.head_height = head.height;
                if *reorg_depth > 0 {
                    m.reorgs.inc();
                }
            }
            Event::Finalized(c) => self.finalized_height = c.block.height,
            Event::RoundFailed { .. } => {
                m.rounds_failed.inc();
            }
            Event::TxsFinal { ids, .. } => {
                for id in ids {
                    if let Some(at) = self.submitted.remove(id) {
                        m.submit_to_final.observe(at.elapsed().as_secs_f64());
                    }
                }
            }
            _ => return,
        }
        m.height.set(self.head_height as i64);
        m.finalized_height.set(self.finalized_height as i64);
        m.finality_lag.set(self.head_height.saturating_sub(self.finalized_height) as i64);
    }

    fn report(&mut self, ev: Event) {
        self.measure(&ev);
        match &ev {
            Event::Finalized(c) => {
                self.unlogged_finality = Some(*c);
                self.log_finality(false);
            }
            Event::Justified(c) => tracing::info!(epoch = c.epoch, hash = %c.block.hash, "justified"),
            Event::EquivocationSeen { validator, kind, slot } => {
                tracing::warn!(validator, kind = kind.as_str(), slot, "equivocation seen")
            }
            Event::Slashed { validator } => tracing::warn!(validator, "validator slashed"),
            Event::Rejected { from, reason } => tracing::warn!(?from, reason, "rejected message"),
            Event::HeadChanged { reorg_depth, head, .. } if *reorg_depth > 0 => {
                tracing::info!(reorg_depth, slot = head.slot, hash = %head.hash, "reorg")
            }
            _ => {}
        }
        let names = &self.names;
        let kind = convert::event_kind(&ev, |i| names.get(i as usize).cloned().unwrap_or_default());
        self.publish_kind(kind);
    }

    /// Logs the latest finality at most once a second (a fast devnet
    /// finalizes hundreds of blocks a second; its log should not), and on
    /// the durability tick whatever the last line missed, so the log is
    /// never more than a second behind. Observers get every event.
    fn log_finality(&mut self, tick: bool) {
        let due = self.finality_logged_at.is_none_or(|t| t.elapsed() >= Duration::from_secs(1));
        if (due || tick)
            && let Some(c) = self.unlogged_finality.take()
        {
            tracing::info!(epoch = c.epoch, height = c.block.height, hash = %c.block.hash, "finalized");
            self.finality_logged_at = Some(std::time::Instant::now());
        }
    }

    fn publish_kind(&mut self, kind: pb::event::Kind) {
        self.seq += 1;
        let slot = self.clock.now() / self.spec.slot_ms.max(1);
        let ev = pb::Event { seq: self.seq, slot, time_ms: self.clock.unix_ms(), kind: Some(kind) };
        // No subscriber is fine: events are also summarised in Status.
        let _ = self.events.send(ev);
    }

    /// The node's status now, for an observer's `Status` call.
    fn status(&self) -> pb::NodeStatus {
        let up = self.peers_up.iter().map(|p| self.name(*p)).collect();
        let s = convert::status(
            &self.id,
            self.engine.name(),
            &self.engine.status(self.clock.now()),
            up,
            self.validator,
            self.spec.slot_ms,
            self.spec.epoch_slots,
        );
        let dropped_messages = self.peers.dropped.load(Ordering::Relaxed);
        let traffic = self
            .metrics
            .traffic
            .iter()
            .map(|(kind, t)| pb::KindTraffic {
                kind: kind.to_string(),
                messages_sent: t[0],
                bytes_sent: t[1],
                messages_received: t[2],
                bytes_received: t[3],
            })
            .collect();
        pb::NodeStatus { skew_ms: self.clock.skew_ms, dropped_messages, seq: self.seq, traffic, ..s }
    }

    fn subscribe(&mut self, sub: Subscribe) {
        let mut replay = Vec::new();
        if sub.replay {
            let now = self.clock.now();
            let st = self.engine.status(now);
            let mut kinds: Vec<pb::event::Kind> = self
                .engine
                .recent_blocks(REPLAY_BLOCKS)
                .iter()
                .map(|b| convert::event_kind(&Event::BlockImported(b.clone()), |_| String::new()))
                .collect();
            kinds.push(convert::event_kind(
                &Event::HeadChanged { head: st.head, previous: st.head, reorg_depth: 0 },
                |_| String::new(),
            ));
            kinds.push(pb::event::Kind::Justified(convert::checkpoint(&st.justified)));
            kinds.push(pb::event::Kind::Finalized(convert::checkpoint(&st.finalized)));
            for p in &self.peers_up {
                kinds.push(pb::event::Kind::PeerUp(pb::Peer { id: self.name(*p) }));
            }
            let slot = now / self.spec.slot_ms.max(1);
            let time_ms = self.clock.unix_ms();
            replay = kinds.into_iter().map(|k| pb::Event { seq: self.seq, slot, time_ms, kind: Some(k) }).collect();
        }
        let _ = sub.reply.send((replay, self.events.subscribe()));
    }
}
