//! The event log's lines for node events: which events get one, in what
//! words, and what they fold under. The view applies an event first and
//! then asks for its line, so a line names the state the event left.
//!
//! Rules:
//! - Cluster-wide milestones are logged once, by the first node to reach
//!   them: a justified checkpoint (where the engine has one; where slots are
//!   heights, justified is the finalized block and logged as finalized), a
//!   finalized one, a failed round (the first report of that round by any
//!   node, `FailedRounds::record`), a slashed validator. Successive
//!   justified, finalized and failed-round lines fold into one line each.
//! - Events that recur fold under a key (`event_log`): a node's reorgs of
//!   one depth, a node's lost peer, a node's rejections from one sender, a
//!   validator's equivocations of one kind, a node's reverted transfers.
//!   A double spend and a slashing keep a line of their own.
//! - Blocks, head changes without a reorg, attestations, peers coming up and
//!   transactions included or final get no line: the panes show them.
//! - Lines use the engine's own words (`Description`): its axis ("slot",
//!   "height", ...), its finality label, its word for a round.

use super::event_log::LogKind;
use super::view::{NodeView, block_ref, checkpoint, finality_index, hash_of, validator_name};
use devnet_node::consensus::describe::Description;
use devnet_proto::v1 as pb;
use std::collections::BTreeSet;

/// One line for the event log.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub kind: LogKind,
    /// The repeat key it folds under; `None` for a line of its own.
    pub key: Option<String>,
    pub text: String,
}

impl Line {
    fn own(kind: LogKind, text: String) -> Option<Line> {
        Some(Line { kind, key: None, text })
    }
    fn folded(kind: LogKind, key: impl Into<String>, text: String) -> Option<Line> {
        Some(Line { kind, key: Some(key.into()), text })
    }
}

/// Turns node events into log lines, remembering the milestones already
/// logged.
#[derive(Clone, Debug, Default)]
pub struct NodeLog {
    /// The highest justified epoch logged.
    justified: u64,
    /// The highest finality index logged (`ClusterView::finality_index`).
    finalized: u64,
    slashed: BTreeSet<u32>,
}

impl NodeLog {
    /// The line for node `node`'s event `kind`, already applied to `nodes`.
    /// `new_round`: a `RoundFailed` event reports a round no node reported
    /// before.
    pub fn line(
        &mut self,
        desc: &Description,
        nodes: &[NodeView],
        node: usize,
        kind: &pb::event::Kind,
        new_round: bool,
    ) -> Option<Line> {
        use pb::event::Kind;
        let id = &nodes.get(node)?.id;
        match kind {
            Kind::BlockImported(_) | Kind::Attested(_) | Kind::PeerUp(_) => None,
            // Transaction figures come with each node's status (`TxStats`).
            Kind::TxsIncluded(_) | Kind::TxsFinal(_) => None,
            Kind::HeadChanged(h) => {
                if h.reorg_depth == 0 {
                    return None;
                }
                let head = block_ref(&h.head);
                let unit = desc.axis.word;
                let text = format!("{id} reorg depth {} to {unit} {} ({})", h.reorg_depth, head.slot, head.hash);
                Line::folded(LogKind::Warning, format!("reorg {node} depth {}", h.reorg_depth), text)
            }
            Kind::Justified(c) => {
                let word = desc.finality.justified?;
                let c = checkpoint(&Some(c.clone()));
                if c.epoch <= self.justified {
                    return None;
                }
                self.justified = c.epoch;
                let at = if desc.finality.by_epoch { "epoch" } else { desc.axis.word };
                let text =
                    format!("{at} {} {word} ({}, height {}) first at {id}", c.epoch, c.block.hash, c.block.height);
                Line::folded(LogKind::Finality, "justified", text)
            }
            Kind::Finalized(c) => {
                let c = checkpoint(&Some(c.clone()));
                let rank = finality_index(desc, &c);
                if rank <= self.finalized {
                    return None;
                }
                self.finalized = rank;
                let (h, hash) = (c.block.height, c.block.hash);
                let f = desc.finality;
                let text = if f.by_epoch {
                    format!("epoch {} {} ({hash}, height {h}) first at {id}", c.epoch, f.label)
                } else {
                    format!("height {h} {} ({hash}) first at {id}", f.label)
                };
                Line::folded(LogKind::Finality, "finalized", text)
            }
            Kind::TxsReverted(t) => {
                let b = block_ref(&t.block);
                let text = format!(
                    "{id}: {} transfer{} gone with block {} at height {} (a conflicting transfer took the nonce)",
                    t.ids.len(),
                    if t.ids.len() == 1 { "" } else { "s" },
                    b.hash,
                    b.height
                );
                Line::folded(LogKind::Warning, format!("reverted {node}"), text)
            }
            Kind::DoubleSpend(d) => {
                let text = format!(
                    "{id} double spend: paid {} from account {} to {} (tx {}) on the public chain, k deep; released a \
                     chain that sends the same coins to {} (tx {})",
                    d.amount,
                    d.from,
                    d.payee,
                    hash_of(&d.paid),
                    d.elsewhere,
                    hash_of(&d.spent)
                );
                Line::own(LogKind::Warning, text)
            }
            Kind::EquivocationSeen(q) => {
                let unit = desc.axis.word;
                let text =
                    format!("{id} saw {} by {} at {unit} {}", q.kind, validator_name(nodes, q.validator), q.slot);
                Line::folded(LogKind::Warning, format!("equivocation {} {}", q.validator, q.kind), text)
            }
            Kind::Slashed(s) => {
                if !self.slashed.insert(s.validator) {
                    return None;
                }
                let text = format!("{} slashed (first seen on {id})", validator_name(nodes, s.validator));
                Line::own(LogKind::Slashing, text)
            }
            Kind::PeerDown(p) => {
                Line::folded(LogKind::Info, format!("lost peer {node} {}", p.id), format!("{id} lost peer {}", p.id))
            }
            Kind::Rejected(r) => {
                let text = format!("{id} rejected a message from {}: {}", r.from, r.reason);
                Line::folded(LogKind::Warning, format!("rejected {node} {}", r.from), text)
            }
            Kind::RoundFailed(r) => {
                if !new_round {
                    return None;
                }
                // The event's height is on the time axis where the tree marks failed rounds under it.
                let at = if desc.tree.failed_rounds { desc.axis.word } else { "height" };
                let text = format!("{at} {} {} {} failed, first at {id}", r.height, desc.round_word, r.round);
                Line::folded(LogKind::Info, "round failed", text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Line, NodeLog};
    use crate::cluster::event_log::{LOG_CAPACITY, LogKind};
    use crate::cluster::test_views::*;
    use devnet_proto::v1 as pb;
    use pb::event::Kind;

    #[test]
    fn a_slashing_is_logged_once_and_equivocations_fold_per_validator_and_kind() {
        let v = view(3);
        let mut log = NodeLog::default();
        let mut line = |node: usize, kind: Kind| log.line(v.desc(), &v.nodes, node, &kind, false);
        let slashed = || Kind::Slashed(pb::Slashed { validator: 2 });
        assert_eq!(
            line(0, slashed()),
            Some(Line { kind: LogKind::Slashing, key: None, text: "n2 (v2) slashed (first seen on n0)".into() })
        );
        assert_eq!(line(1, slashed()), None, "already logged, by the first node to see it");
        let seen =
            |slot| Kind::EquivocationSeen(pb::EquivocationSeen { validator: 2, kind: "double-vote".into(), slot });
        let (a, b) = (line(0, seen(7)).unwrap(), line(1, seen(8)).unwrap());
        assert_eq!(a.key, b.key, "one line for the validator's double votes");
        assert_eq!(b.text, "n1 saw double-vote by n2 (v2) at slot 8");
        assert_eq!(line(0, Kind::PeerUp(pb::Peer { id: "n1".into() })), None);
    }

    #[test]
    fn milestones_log_once_and_the_log_is_bounded() {
        let mut v = forked();
        node(&mut v, 0, finalized(h(1), 1, 1));
        node(&mut v, 1, finalized(h(1), 1, 1));
        let finality_lines = v.log.iter().filter(|l| l.kind == LogKind::Finality).count();
        assert_eq!(finality_lines, 1);
        for i in 0..(LOG_CAPACITY + 10) {
            v.log(0, None, LogKind::Info, format!("line {i}"));
        }
        assert_eq!(v.log.len(), LOG_CAPACITY);
    }
}
