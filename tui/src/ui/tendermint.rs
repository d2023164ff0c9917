//! Tendermint's nodes and validators panes, from each node's
//! `TendermintDetail` (as tmtop shows one node, for every node at once).
//!
//! Rules:
//! - Nodes: the height being decided and its round (`h12/r1`), the step, the
//!   lock and valid rounds (`L0 V0`, `-` when none), the last committed
//!   block (committed is final: no separate justified, finalized or lag),
//!   peers and faults. A node without a detail yet shows `-`.
//! - Validators: the selected node's view of the current height (the first
//!   node with a detail when the selected one has none): each validator's
//!   latest prevote and precommit as `r0 ab12cd34`, `r0 nil` or `–`. A vote
//!   from an earlier round than that node's is dimmed; a nil vote is in the
//!   warning colour. `last pc` is the height of the validator's latest
//!   precommit any node has seen: who is keeping up, even between heights.

use super::columns::Column;
use super::{UiState, nodes, validators};
use crate::cluster::{ClusterView, NodeView};
use devnet_node::consensus::{CastVote, EngineDetail, TendermintDetail};
use ratatui::text::Span;

pub fn detail(n: &NodeView) -> Option<&TendermintDetail> {
    match &n.detail {
        EngineDetail::Tendermint(d) => Some(d),
        _ => None,
    }
}

fn lock(d: &TendermintDetail) -> String {
    let r = |x: Option<u64>| x.map_or("-".to_string(), |r| r.to_string());
    format!("L{} V{}", r(d.locked_round), r(d.valid_round))
}

pub(super) fn node_rows(view: &ClusterView, ui: &UiState) -> nodes::NodeRows {
    let rows = view.nodes.iter().enumerate().map(|(i, n)| {
        let d = detail(n);
        vec![
            nodes::id_cell(ui, i, n),
            nodes::state_cell(view, ui, n),
            Span::styled(
                d.map_or("-".into(), |d| format!("h{}/r{}", d.height, d.round)),
                match d {
                    Some(d) if d.round > 0 => ui.theme.warn(),
                    _ => Default::default(),
                },
            ),
            Span::raw(d.map_or("-", |d| d.step.as_str())),
            Span::raw(d.map_or("-".into(), lock)),
            Span::raw(format!("h{} {}", n.head.height, n.head.hash)),
            Span::raw(n.peers_up.len().to_string()),
            super::nodes::pool_cell(view, i),
            nodes::faults_cell(ui, n),
        ]
    });
    (&NODE_COLUMNS, rows.collect())
}

/// Hidden first: pool, peers, lock, committed; then the faults.
const NODE_COLUMNS: [Column; 9] = [
    Column::kept("node", 4, 0),
    Column::kept("state", 7, 3),
    Column::kept("h/r", 6, 0),
    Column::kept("step", 4, 1),
    Column::new("lock", 5, 5),
    Column::new("committed", 10, 4),
    Column::new("peers", 5, 6),
    Column::new("pool", 4, 7),
    Column::new("faults", 12, 2),
];

/// Hidden first: last pc, the key, the share.
const VALIDATOR_COLUMNS: [Column; 7] = [
    Column::kept("val", 3, 0),
    Column::new("key", 8, 4),
    Column::new("share", 5, 3),
    Column::kept("status", 6, 1),
    Column::kept("prevote", 7, 0),
    Column::kept("precommit", 7, 0),
    Column::new("last pc", 7, 5),
];

fn vote_cell(ui: &UiState, v: Option<CastVote>, round: u64) -> Span<'static> {
    let Some(v) = v else { return Span::styled("–", ui.theme.dim()) };
    let text = format!("r{} {}", v.round, v.value.map_or("nil".into(), |h| h.to_string()));
    let style = if v.round < round {
        ui.theme.dim()
    } else if v.value.is_none() {
        ui.theme.warn()
    } else {
        Default::default()
    };
    Span::styled(text, style)
}

pub(super) fn validators(view: &ClusterView, ui: &UiState) -> validators::ValidatorTable {
    let seen_by = view
        .nodes
        .get(ui.selected)
        .filter(|n| detail(n).is_some())
        .or_else(|| view.nodes.iter().find(|n| detail(n).is_some()));
    let d = seen_by.and_then(detail);
    let title = match (seen_by, d) {
        (Some(n), Some(d)) if d.votes_height == d.height => {
            format!("validators · votes h{} r{} · seen by {}", d.height, d.round, n.id)
        }
        (Some(n), Some(d)) => {
            // The commit pause: the new height has no votes yet.
            format!("validators · votes h{} (committed) · seen by {}", d.votes_height, n.id)
        }
        _ => "validators · no round state yet".to_string(),
    };
    let rows = view.validators.rows.iter().map(|r| {
        let votes = d.and_then(|d| d.votes.iter().find(|v| v.validator == r.index));
        // Votes of an earlier round are dimmed; for the last committed
        // height that is any round before the one that decided it.
        let round = d.map_or(0, |d| {
            if d.votes_height == d.height {
                d.round
            } else {
                d.votes.iter().filter_map(|v| v.precommit.map(|c| c.round)).max().unwrap_or(0)
            }
        });
        let [index, key, _stake, share, status] = validators::lead_cells(view, ui, r);
        vec![
            index,
            key,
            share,
            status,
            vote_cell(ui, votes.and_then(|v| v.prevote), round),
            vote_cell(ui, votes.and_then(|v| v.precommit), round),
            Span::raw(r.last_attested.map_or("-".into(), |h| format!("h{h}"))),
        ]
    });
    validators::ValidatorTable { title, columns: &VALIDATOR_COLUMNS, rows: rows.collect() }
}
