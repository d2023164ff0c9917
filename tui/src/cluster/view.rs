//! `ClusterView`: everything the dashboard and headless mode show, as plain
//! data. `apply` is a pure fold over `ClusterEvent`s (time is passed in), so
//! recorded event sequences replay into the same view in tests.
//!
//! Rules:
//! - Blocks are the union of what any node reported, each with the set of
//!   nodes that hold it (`seen_by`); what is held is bounded by `prune`.
//! - A node's events are the truth about it; its polled `Status` fills in
//!   what events do not carry, and is dropped when it was built before the
//!   latest event already applied (`NodeStatus.seq` below `event_seq`), so
//!   a late answer never sets a head back.
//! - A node's finalized block moves only forward (by `finality_index`),
//!   except under probabilistic finality, where every `Finalized` event
//!   moves it (`reverts`); a polled status only ever moves it forward. When
//!   a node's finalized block, or the cluster's highest, moves forward, the
//!   time is kept (`NodeView::finalized_ms`, `last_final_ms`) for the stall
//!   and the lag chart.
//! - The fold calls out for the rest, whose rules are in those modules: the
//!   safety check (`safety`), pow's reverts (`reverts`), pruning (`prune`),
//!   the log lines of node events (`node_log`), validator statistics
//!   (`validators`), the lag history (`history`), transactions (`txs`) and
//!   the engine-specific state (`engine`).
//! - Time: on a clock axis (gasper's slots, as the engine's description
//!   says) the current slot comes from the orchestrator's clock; otherwise
//!   it is the highest position any node is deciding, mining or in (a
//!   height, a sequence number, a round).

use super::blocks::Blocks;
use super::engine::{self, FailedRounds};
use super::history::History;
use super::node_log::{Line, NodeLog};
use super::reverts::FinalRevert;
use super::txs::{DoubleSpendSeen, TxFigures};
use super::validators::ValidatorSet;
use crate::supervisor::{ProcEvent, ProcState};
use devnet_node::chain::Hash32;
use devnet_node::config::NodeEntry;
use devnet_node::consensus::describe::{Description, Detail};
use devnet_node::consensus::{BlockRef, CheckpointRef};
use devnet_proto::v1 as pb;
use serde::Serialize;
use std::collections::BTreeSet;

pub use super::event_log::{EventLog, LOG_CAPACITY, LogEntry, LogKind, Severity};

#[derive(Clone, Debug)]
pub enum ClusterEvent {
    Proc(ProcEvent),
    Connected {
        node: usize,
    },
    Disconnected {
        node: usize,
    },
    /// Boxed: a status with engine detail is several times larger than the other events.
    Status {
        node: usize,
        status: Box<pb::NodeStatus>,
    },
    Node {
        node: usize,
        event: pb::Event,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct NodeView {
    pub id: String,
    pub addr: String,
    pub validator: Option<u32>,
    /// None until the supervisor reports the process.
    pub process: Option<ProcState>,
    /// Observer stream connected.
    pub connected: bool,
    pub slot: u64,
    pub head: BlockRef,
    pub justified: CheckpointRef,
    pub finalized: CheckpointRef,
    /// When this node's finalized block last moved up (orchestrator clock).
    pub finalized_ms: Option<u64>,
    pub peers_up: Vec<String>,
    pub reorgs: u64,
    pub deepest_reorg: u64,
    pub last_reorg: u64,
    /// What the engine shows in its own columns, from the node's latest `Status`.
    pub detail: Detail,
    /// Faults in force on this node, as short labels ("paused", "skew +500ms",
    /// "equivocate"); set by the faults module, shown until undone.
    pub faults: Vec<String>,
    /// Validators this node has reported slashed.
    pub slashed_seen: BTreeSet<u32>,
    /// Outbound messages the node has dropped (fault rules, full queues, failed calls).
    pub dropped: u64,
    /// `seq` of the node's latest event applied (0 after a start): a polled
    /// status built before it is older than the view and is ignored.
    pub event_seq: u64,
}

/// One directed link's rules, as the faults module last set them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinkView {
    pub blocked: bool,
    pub delay_ms: u64,
    pub jitter_ms: u64,
    /// Drop probability, 0.0 to 1.0.
    pub loss: f64,
    /// Message kinds dropped on this link ("block", "vote", ...).
    pub drop_kinds: Vec<String>,
}

impl LinkView {
    pub fn is_ok(&self) -> bool {
        *self == LinkView::default()
    }
}

impl NodeView {
    pub fn new(n: &NodeEntry) -> NodeView {
        NodeView {
            id: n.id.clone(),
            addr: n.addr.to_string(),
            validator: n.validator,
            process: None,
            connected: false,
            slot: 0,
            head: BlockRef::default(),
            justified: CheckpointRef::default(),
            finalized: CheckpointRef::default(),
            finalized_ms: None,
            peers_up: vec![],
            reorgs: 0,
            deepest_reorg: 0,
            last_reorg: 0,
            detail: Detail::default(),
            faults: vec![],
            slashed_seen: BTreeSet::new(),
            dropped: 0,
            event_seq: 0,
        }
    }

    pub fn state_label(&self) -> &'static str {
        match &self.process {
            None => "starting",
            Some(p) => p.label(),
        }
    }
    pub fn is_running(&self) -> bool {
        self.process == Some(ProcState::Running)
    }
    /// Slots between this node's head and its finalized checkpoint block.
    pub fn lag_slots(&self) -> u64 {
        self.head.slot.saturating_sub(self.finalized.block.slot)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct BlockView {
    pub block: BlockRef,
    pub parent: Hash32,
    pub proposer: u32,
    pub attestations: u32,
    pub seen_by: BTreeSet<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alarm {
    pub kind: String,
    pub detail: String,
    pub time_ms: u64,
}

#[derive(Clone, Debug)]
pub struct ClusterView {
    pub name: String,
    pub engine: String,
    pub slot_ms: u64,
    pub epoch_slots: u64,
    pub genesis_ms: u64,
    pub nodes: Vec<NodeView>,
    /// Indexed by slot, for the fork tree's window (`blocks`).
    pub blocks: Blocks,
    pub log: EventLog,
    pub alarms: Vec<Alarm>,
    /// `links[from][to]`: the rules on messages from node `from` to node `to`.
    pub links: Vec<Vec<LinkView>>,
    pub validators: ValidatorSet,
    pub history: History,
    pub failed_rounds: FailedRounds,
    /// pow: every time a node's k-deep block was reverted.
    pub reverts: Vec<FinalRevert>,
    /// Transactions: counters, rates, block fullness (`txs`).
    pub txs: TxFigures,
    /// When the cluster's highest finalized block last moved up (see `stall`).
    pub last_final_ms: Option<u64>,
    node_log: NodeLog,
}

pub(super) fn hash_of(b: &[u8]) -> Hash32 {
    Hash32::from_slice(b).unwrap_or_default()
}

pub(super) fn block_ref(b: &Option<pb::BlockRef>) -> BlockRef {
    b.as_ref().map(|b| BlockRef { hash: hash_of(&b.hash), slot: b.slot, height: b.height }).unwrap_or_default()
}

pub(super) fn checkpoint(c: &Option<pb::Checkpoint>) -> CheckpointRef {
    c.as_ref().map(|c| CheckpointRef { epoch: c.epoch, block: block_ref(&c.block) }).unwrap_or_default()
}

/// See `ClusterView::validator_name`.
pub(super) fn validator_name(nodes: &[NodeView], v: u32) -> String {
    match nodes.iter().find(|n| n.validator == Some(v)) {
        Some(n) => format!("{} (v{v})", n.id),
        None => format!("v{v}"),
    }
}

/// See `ClusterView::finality_index`.
pub(super) fn finality_index(desc: &Description, c: &CheckpointRef) -> u64 {
    if desc.finality.by_epoch { c.epoch } else { c.block.height }
}

impl ClusterView {
    pub fn new(name: &str, engine: &str, slot_ms: u64, epoch_slots: u64, genesis_ms: u64, nodes: &[NodeEntry]) -> Self {
        ClusterView {
            name: name.to_string(),
            engine: engine.to_string(),
            slot_ms,
            epoch_slots,
            genesis_ms,
            nodes: nodes.iter().map(NodeView::new).collect(),
            links: vec![vec![LinkView::default(); nodes.len()]; nodes.len()],
            validators: ValidatorSet::new(epoch_slots, &nodes.iter().map(|n| n.validator).collect::<Vec<_>>()),
            history: History::default(),
            failed_rounds: FailedRounds::default(),
            blocks: Blocks::default(),
            log: EventLog::default(),
            alarms: vec![],
            reverts: vec![],
            txs: TxFigures::new(nodes.len()),
            last_final_ms: None,
            node_log: NodeLog::default(),
        }
    }

    /// A node joined at run time (a twin).
    pub fn add_node(&mut self, n: &NodeEntry) {
        self.nodes.push(NodeView::new(n));
        for row in &mut self.links {
            row.push(LinkView::default());
        }
        self.links.push(vec![LinkView::default(); self.nodes.len()]);
    }

    /// How the cluster's engine shows itself (`cluster::engine`).
    pub fn desc(&self) -> &'static Description {
        engine::description(&self.engine)
    }

    /// The cluster's slot by the orchestrator's clock (a clock axis), or the
    /// highest position any node is at (engines whose slots are not time).
    pub fn current_slot(&self, now_ms: u64) -> u64 {
        if !self.desc().axis.clock {
            return self.nodes.iter().map(|n| n.slot.max(n.head.slot + 1)).max().unwrap_or(0);
        }
        now_ms.saturating_sub(self.genesis_ms) / self.slot_ms.max(1)
    }

    /// How a validator is named wherever it appears (events, block details,
    /// the validators pane): its node and index, `n2 (v2)`, or `v2` when no
    /// node of this cluster holds its key.
    pub fn validator_name(&self, v: u32) -> String {
        validator_name(&self.nodes, v)
    }

    pub fn epoch_of(&self, slot: u64) -> u64 {
        slot / self.epoch_slots.max(1)
    }

    pub fn nodes_up(&self) -> usize {
        self.nodes.iter().filter(|n| n.is_running()).count()
    }

    /// The highest finalized checkpoint any node reports.
    pub fn finalized(&self) -> CheckpointRef {
        self.nodes.iter().map(|n| n.finalized).max_by_key(|c| (c.epoch, c.block.height)).unwrap_or_default()
    }

    /// Slots from the highest finalized block to the cluster's current slot.
    pub fn finality_lag(&self, now_ms: u64) -> u64 {
        self.current_slot(now_ms).saturating_sub(self.finalized().block.slot)
    }

    /// Raises an alarm (once per identical detail) and logs it.
    pub fn raise(&mut self, kind: &str, detail: String, now_ms: u64) {
        if self.alarms.iter().any(|a| a.kind == kind && a.detail == detail) {
            return;
        }
        self.alarms.push(Alarm { kind: kind.into(), detail: detail.clone(), time_ms: now_ms });
        self.log(now_ms, None, LogKind::Alarm, format!("{}: {detail}", kind.to_uppercase()));
    }

    /// Finality is probabilistic (pow): finalized blocks may move.
    pub fn probabilistic(&self) -> bool {
        self.desc().finality.probabilistic
    }

    /// How far finality has come, comparable across nodes and over time:
    /// the epoch for gasper, the height for engines that finalize heights.
    pub fn finality_index(&self, c: &CheckpointRef) -> u64 {
        finality_index(self.desc(), c)
    }

    /// A line of its own in the event log.
    pub fn log(&mut self, time_ms: u64, node: Option<usize>, kind: LogKind, text: String) {
        let slot = self.current_slot(time_ms);
        self.log.push(LogEntry::new(time_ms, slot, node, kind, text));
    }

    /// A line that folds with the earlier ones of the same `key` (see `event_log`).
    pub fn log_repeated(&mut self, time_ms: u64, node: Option<usize>, kind: LogKind, key: String, text: String) {
        let slot = self.current_slot(time_ms);
        self.log.push_repeated(LogEntry::new(time_ms, slot, node, kind, text), key);
    }

    fn log_line(&mut self, time_ms: u64, node: Option<usize>, line: Line) {
        match line.key {
            Some(key) => self.log_repeated(time_ms, node, line.kind, key, line.text),
            None => self.log(time_ms, node, line.kind, line.text),
        }
    }

    pub fn apply(&mut self, ev: ClusterEvent, now_ms: u64) {
        self.apply_event(ev, now_ms);
        let slot = self.current_slot(now_ms);
        self.validators.on_slot(slot);
        self.history.sample(slot, &self.nodes);
        self.history.sample_time(now_ms, self.genesis_ms, &self.nodes);
        self.txs.sample(now_ms);
    }

    /// Time passing with no event (a total stall sends none): samples what
    /// only time changes. Whether anything on screen changed.
    pub fn tick(&mut self, now_ms: u64) -> bool {
        self.history.sample_time(now_ms, self.genesis_ms, &self.nodes)
    }

    fn apply_event(&mut self, ev: ClusterEvent, now_ms: u64) {
        match ev {
            ClusterEvent::Proc(p) => {
                let Some(n) = self.nodes.get_mut(p.node) else { return };
                let text = match &p.state {
                    ProcState::Crashed(how) => format!("{} crashed ({how})", n.id),
                    s => format!("{} {}", n.id, s.label()),
                };
                let kind = if matches!(p.state, ProcState::Crashed(_)) { LogKind::Warning } else { LogKind::Process };
                n.process = Some(p.state);
                n.event_seq = 0; // a new process numbers its events from the start
                if !n.is_running() {
                    n.connected = false;
                    n.peers_up.clear();
                }
                self.log(now_ms, Some(p.node), kind, text);
            }
            ClusterEvent::Connected { node } => {
                if let Some(n) = self.nodes.get_mut(node) {
                    n.connected = true;
                }
            }
            ClusterEvent::Disconnected { node } => {
                if let Some(n) = self.nodes.get_mut(node) {
                    n.connected = false;
                }
            }
            ClusterEvent::Status { node, status } => {
                self.mark_connected(node);
                self.apply_status(node, &status, now_ms)
            }
            ClusterEvent::Node { node, event } => {
                self.mark_connected(node);
                self.apply_node_event(node, &event, now_ms)
            }
        }
    }

    /// Anything heard from a node proves its observer connection: after a
    /// pause and resume the stream survives, and no new `Connected` comes.
    fn mark_connected(&mut self, node: usize) {
        if let Some(n) = self.nodes.get_mut(node)
            && n.is_running()
        {
            n.connected = true;
        }
    }

    fn apply_status(&mut self, node: usize, s: &pb::NodeStatus, now_ms: u64) {
        // A poll answered before an event the view already applied would set
        // the head back (and hide a pow revert decided against that head).
        // `seq` 0 says nothing (no event yet, or a recorded status).
        if self.nodes.get(node).is_some_and(|n| s.seq != 0 && s.seq < n.event_seq) {
            return;
        }
        self.validators.on_status(node, s);
        self.txs.on_status(node, s);
        let fin = checkpoint(&s.finalized);
        let newer = self.nodes.get(node).is_some_and(|n| self.finality_index(&fin) > self.finality_index(&n.finalized));
        let Some(n) = self.nodes.get_mut(node) else { return };
        n.slot = s.slot;
        n.head = block_ref(&s.head);
        n.justified = checkpoint(&s.justified);
        n.peers_up = s.peers_up.clone();
        n.dropped = s.dropped_messages;
        n.detail = s.detail.as_ref().map(devnet_node::api::detail::from_pb).unwrap_or_default();
        // Polled statuses only move finality forward; pow's moves off a chain
        // arrive as `Finalized` events, in order.
        if newer {
            self.set_finalized(node, fin, now_ms);
            self.check_safety(node, now_ms);
        }
    }

    /// Node `node` reports `c` as finalized (the move rule above); when its
    /// finalized block or the cluster's highest one moved forward, notes when.
    fn set_finalized(&mut self, node: usize, c: CheckpointRef, now_ms: u64) {
        let cluster_before = self.finality_index(&self.finalized());
        let node_before = self.finality_index(&self.nodes[node].finalized);
        if self.probabilistic() {
            self.move_k_deep(node, c, now_ms);
        } else if self.finality_index(&c) >= node_before {
            self.nodes[node].finalized = c;
        }
        if self.finality_index(&self.nodes[node].finalized) > node_before {
            self.nodes[node].finalized_ms = Some(now_ms);
        }
        if self.finality_index(&self.finalized()) > cluster_before {
            self.last_final_ms = Some(now_ms);
        }
    }

    fn apply_node_event(&mut self, node: usize, e: &pb::Event, now_ms: u64) {
        use pb::event::Kind;
        let Some(kind) = &e.kind else { return };
        let Some(n) = self.nodes.get_mut(node) else { return };
        n.event_seq = e.seq;
        let new_block = matches!(kind, Kind::BlockImported(b) if !self.blocks.contains_key(&block_ref(&b.block).hash));
        self.validators.on_event(kind, new_block);
        let mut new_round = false;
        match kind {
            Kind::BlockImported(b) => {
                let block = block_ref(&b.block);
                if new_block {
                    self.txs.on_block(b.txs);
                }
                let held = self.blocks.insert(BlockView {
                    block,
                    parent: hash_of(&b.parent),
                    proposer: b.proposer,
                    attestations: b.attestations,
                    seen_by: BTreeSet::new(),
                });
                held.seen_by.insert(node);
            }
            Kind::HeadChanged(h) => {
                let n = &mut self.nodes[node];
                n.head = block_ref(&h.head);
                if h.reorg_depth > 0 {
                    n.reorgs += 1;
                    n.deepest_reorg = n.deepest_reorg.max(h.reorg_depth);
                    n.last_reorg = h.reorg_depth;
                }
            }
            Kind::Justified(c) => self.nodes[node].justified = checkpoint(&Some(c.clone())),
            Kind::Finalized(c) => self.set_finalized(node, checkpoint(&Some(c.clone())), now_ms),
            Kind::TxsReverted(t) => self.txs.on_reverted(node, &t.ids),
            Kind::DoubleSpend(d) => self.txs.double_spends.push(DoubleSpendSeen {
                time_ms: now_ms,
                node,
                paid: hash_of(&d.paid),
                spent: hash_of(&d.spent),
                from: d.from,
                payee: d.payee,
                elsewhere: d.elsewhere,
                amount: d.amount,
            }),
            Kind::Slashed(s) => {
                self.nodes[node].slashed_seen.insert(s.validator);
            }
            Kind::PeerUp(p) => {
                let n = &mut self.nodes[node];
                if !n.peers_up.contains(&p.id) {
                    n.peers_up.push(p.id.clone());
                    n.peers_up.sort();
                }
            }
            Kind::PeerDown(p) => self.nodes[node].peers_up.retain(|x| x != &p.id),
            Kind::RoundFailed(r) => new_round = self.failed_rounds.record(r.height, r.round),
            // Transaction figures come with each node's status (`TxStats`).
            Kind::TxsIncluded(_) | Kind::TxsFinal(_) => {}
            Kind::Attested(_) | Kind::EquivocationSeen(_) | Kind::Rejected(_) => {}
        }
        let desc = self.desc();
        if let Some(line) = self.node_log.line(desc, &self.nodes, node, kind, new_round) {
            self.log_line(now_ms, Some(node), line);
        }
        if let Kind::Finalized(_) = kind {
            self.check_safety(node, now_ms);
            self.prune();
        }
    }

    /// The ancestor of `hash` at `height`, if the union of blocks reaches it.
    pub fn ancestor_at(&self, hash: Hash32, height: u64) -> Option<Hash32> {
        self.blocks.ancestor_at(hash, height)
    }
}

#[cfg(test)]
mod tests;
