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

use super::{UiState, nodes, validators};
use crate::cluster::{ClusterView, NodeView};
use devnet_node::consensus::{CastVote, EngineDetail, TendermintDetail};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

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

pub fn draw_nodes(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState) {
    let header = ["node", "state", "h/r", "step", "lock", "committed", "peers", "pool", "faults"];
    let rows = view.nodes.iter().enumerate().map(|(i, n)| {
        let d = detail(n);
        Row::new([
            nodes::id_cell(ui, i, n),
            nodes::state_cell(view, ui, n),
            Cell::from(d.map_or("-".into(), |d| format!("h{}/r{}", d.height, d.round))).style(match d {
                Some(d) if d.round > 0 => ui.theme.warn(),
                _ => Default::default(),
            }),
            Cell::from(d.map_or("-", |d| d.step.as_str())),
            Cell::from(d.map_or("-".into(), lock)),
            Cell::from(format!("h{} {}", n.head.height, n.head.hash)),
            Cell::from(n.peers_up.len().to_string()),
            super::nodes::pool_cell(view, i),
            nodes::faults_cell(ui, n),
        ])
    });
    let widths = [
        Constraint::Length(5),
        Constraint::Length(16),
        Constraint::Length(10),
        Constraint::Length(9),
        Constraint::Length(7),
        Constraint::Length(14),
        Constraint::Length(5),
        Constraint::Length(4),
        Constraint::Min(0),
    ];
    nodes::draw_table(frame, area, view, ui, &header, rows.collect(), &widths);
}

fn vote_cell(ui: &UiState, v: Option<CastVote>, round: u64) -> Cell<'static> {
    let Some(v) = v else { return Cell::from("–").style(ui.theme.dim()) };
    let text = format!("r{} {}", v.round, v.value.map_or("nil".into(), |h| h.to_string()));
    let style = if v.round < round {
        ui.theme.dim()
    } else if v.value.is_none() {
        ui.theme.warn()
    } else {
        Default::default()
    };
    Cell::from(text).style(style)
}

pub fn draw_validators(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState) {
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
    let header = ["val", "key", "share", "status", "prevote", "precommit", "last pc"];
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
        Row::new([
            index,
            key,
            share,
            status,
            vote_cell(ui, votes.and_then(|v| v.prevote), round),
            vote_cell(ui, votes.and_then(|v| v.precommit), round),
            Cell::from(r.last_attested.map_or("-".into(), |h| format!("h{h}"))),
        ])
    });
    let widths = [
        Constraint::Length(3),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(9),
        Constraint::Length(11),
        Constraint::Length(11),
        Constraint::Length(7),
    ];
    validators::draw_table(frame, area, ui, &title, &header, rows.collect(), &widths);
}
