//! The async driver of one node: owns the engine, feeds it inputs (messages,
//! timer ticks, peer up/down, observer subscriptions) one at a time, and
//! carries out its effects in order.
//!
//! The rule that keeps a node from double-signing across a crash: the
//! `Persist` effects of a batch are committed to the store (fsync) before any
//! `Send` that follows them in the same batch is queued.

use crate::api::convert;
use crate::api::{ControlCmd, ControlRequest, ControlService, ObserverService, Subscribe};
use crate::chain::{ChainSpec, SecretKey};
use crate::clock::Clock;
use crate::consensus::{self, Dest, Effect, Engine, Event, Identity, Input, Millis, PeerId, Record};
use crate::net::{Inbound, LinkEvent, P2pService, PeerAddr, Peers, Shim, peers::MAX_MESSAGE_BYTES};
use crate::store::Store;
use anyhow::Context;
use devnet_proto::v1 as pb;
use std::collections::BTreeSet;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;

const INBOUND_QUEUE: usize = 4096;
const EVENT_BUFFER: usize = 4096;
const REPLAY_BLOCKS: usize = 512;

pub struct NodeArgs {
    pub id: String,
    pub me: PeerId,
    pub spec: ChainSpec,
    pub validator: Option<(u32, SecretKey)>,
    /// Every other node.
    pub peers: Vec<PeerAddr>,
    pub listen: SocketAddr,
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
    let initial = convert::status(
        &args.id,
        engine.name(),
        &engine.status(clock.now()),
        vec![],
        args.validator.as_ref().map(|v| v.0),
        args.spec.slot_ms,
        args.spec.epoch_slots,
    );
    let (status_tx, status_rx) = watch::channel(initial);

    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let (health, health_svc) = tonic_health::server::health_reporter();
    health.set_serving::<pb::p2p_server::P2pServer<P2pService>>().await;
    health.set_serving::<pb::observer_server::ObserverServer<ObserverService>>().await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(devnet_proto::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let peer_count = Arc::new(AtomicU32::new(names.len() as u32));
    let p2p = P2pService { me: args.me, peer_count: peer_count.clone(), shim: shim.clone(), inbound: inbound_tx };
    let observer = ObserverService { status: status_rx, subscribe: sub_tx };
    let control =
        ControlService { me: args.me, token: args.control_token.clone(), shim: shim.clone(), commands: control_tx };
    health.set_serving::<pb::control_server::ControlServer<ControlService>>().await;
    let server = Server::builder()
        .timeout(Duration::from_secs(5))
        .http2_keepalive_interval(Some(Duration::from_secs(5)))
        .add_service(
            pb::p2p_server::P2pServer::new(p2p)
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(pb::observer_server::ObserverServer::new(observer).max_decoding_message_size(1 << 16))
        .add_service(pb::control_server::ControlServer::new(control).max_decoding_message_size(1 << 20))
        .add_service(health_svc)
        .add_service(reflection)
        .serve_with_incoming(incoming);
    let server = tokio::spawn(server);

    let peers = Peers::start(args.me, &args.peers, link_tx, shim);
    let (events, _) = broadcast::channel(EVENT_BUFFER);
    let mut node = Runtime {
        id: args.id,
        validator: args.validator.map(|v| v.0),
        spec: args.spec,
        engine,
        store,
        peers,
        clock,
        names,
        peer_count,
        peers_up: BTreeSet::new(),
        events,
        status: status_tx,
        seq: 0,
        wakes: BTreeSet::new(),
    };
    tokio::select! {
        r = node.drive(inbound_rx, link_rx, sub_rx, control_rx) => r?,
        _ = shutdown => tracing::info!("shutting down"),
        r = server => r.context("gRPC server task")?.context("gRPC server")?,
    }
    Ok(())
}

struct Runtime {
    id: String,
    validator: Option<u32>,
    spec: ChainSpec,
    engine: Box<dyn Engine>,
    store: Store,
    peers: Peers,
    clock: Clock,
    names: Vec<String>,
    /// Shared with the p2p service, which refuses senders beyond it.
    peer_count: Arc<AtomicU32>,
    peers_up: BTreeSet<PeerId>,
    events: broadcast::Sender<pb::Event>,
    status: watch::Sender<pb::NodeStatus>,
    seq: u64,
    /// Every wake-up the engine asked for and has not had yet. All are kept,
    /// not just the earliest: an engine may ask for a later tick before an
    /// earlier one fires and then (having asked once) not ask again.
    wakes: BTreeSet<Millis>,
}

impl Runtime {
    async fn drive(
        &mut self,
        mut inbound: mpsc::Receiver<Inbound>,
        mut links: mpsc::Receiver<LinkEvent>,
        mut subs: mpsc::Receiver<Subscribe>,
        mut control: mpsc::Receiver<ControlRequest>,
    ) -> anyhow::Result<()> {
        tokio::time::sleep(self.clock.until_genesis()).await;
        self.feed(Input::Start)?;
        loop {
            let wake = self.wakes.first().map(|t| self.clock.instant_of(*t));
            let timer = async {
                match wake {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                Some(m) = inbound.recv() => {
                    self.feed(Input::Message { from: m.from, kind: m.kind, bytes: m.bytes })?
                }
                Some(l) = links.recv() => match l {
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
                Some((cmd, reply)) = control.recv() => {
                    let message = self.control(cmd)?;
                    let _ = reply.send(message);
                }
                _ = timer => {
                    let now = self.clock.now();
                    self.wakes.retain(|t| *t > now);
                    self.feed(Input::Tick)?
                }
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
        self.refresh_status(self.clock.now());
        Ok(message)
    }

    fn name(&self, p: PeerId) -> String {
        self.names.get(p.0 as usize).cloned().unwrap_or_else(|| format!("peer{}", p.0))
    }

    fn feed(&mut self, input: Input) -> anyhow::Result<()> {
        let now = self.clock.now();
        let effects = self.engine.handle(now, input);
        self.execute(effects)?;
        self.refresh_status(now);
        Ok(())
    }

    fn execute(&mut self, effects: Vec<Effect>) -> anyhow::Result<()> {
        let mut batch: Vec<Record> = Vec::new();
        for effect in effects {
            match effect {
                Effect::Persist(r) => batch.push(r),
                Effect::Send { to, kind, bytes } => {
                    self.commit(&mut batch)?;
                    let to = match to {
                        Dest::All => self.peers.ids(),
                        Dest::Peer(p) => vec![p],
                        Dest::Peers(ps) => ps,
                    };
                    self.peers.send(&to, kind, bytes);
                }
                Effect::WakeAt(t) => {
                    self.wakes.insert(t);
                }
                Effect::Report(ev) => self.report(ev),
            }
        }
        self.commit(&mut batch)
    }

    fn commit(&self, batch: &mut Vec<Record>) -> anyhow::Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        tokio::task::block_in_place(|| self.store.commit(batch)).context("committing to the store")?;
        batch.clear();
        Ok(())
    }

    fn report(&mut self, ev: Event) {
        match &ev {
            Event::Finalized(c) => {
                tracing::info!(epoch = c.epoch, height = c.block.height, hash = %c.block.hash, "finalized")
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
        let names = self.names.clone();
        let kind = convert::event_kind(&ev, |i| names.get(i as usize).cloned().unwrap_or_default());
        self.publish_kind(kind);
    }

    fn publish_kind(&mut self, kind: pb::event::Kind) {
        self.seq += 1;
        let slot = self.clock.now() / self.spec.slot_ms.max(1);
        let ev = pb::Event { seq: self.seq, slot, time_ms: self.clock.unix_ms(), kind: Some(kind) };
        // No subscriber is fine: events are also summarised in Status.
        let _ = self.events.send(ev);
    }

    fn refresh_status(&mut self, now: Millis) {
        let up = self.peers_up.iter().map(|p| self.name(*p)).collect();
        let s = convert::status(
            &self.id,
            self.engine.name(),
            &self.engine.status(now),
            up,
            self.validator,
            self.spec.slot_ms,
            self.spec.epoch_slots,
        );
        let dropped_messages = self.peers.dropped.load(Ordering::Relaxed);
        let s = pb::NodeStatus { skew_ms: self.clock.skew_ms, dropped_messages, ..s };
        self.status.send_replace(s);
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
