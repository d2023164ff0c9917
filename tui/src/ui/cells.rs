//! The cells of the nodes and validators tables, drawn from the engine's
//! description (`devnet_node::consensus::describe`): each column names its
//! source, and this module fills it. Nothing here knows an engine.
//!
//! Rules:
//! - An engine's cell (`Source::Cell`, `Own`, `Seen`) is drawn from its
//!   `Value` in the engine's words (`Description::words`, the axis letter,
//!   the round letter) and in its tone; a cell the node has not sent (yet)
//!   is `-`, a vote not seen `–` (dimmed).
//! - The common sources are what the view derives from every engine's
//!   status and events: head, justified and finalized, lag, peers, mempool,
//!   reorgs, faults; key, stake, share, status, participation, last vote,
//!   blocks proposed.
//! - `Seen` cells are the selected node's (the first node with any when the
//!   selected one has none): what that node saw each validator do.

use super::UiState;
use crate::cluster::validators::{ValidatorRow, ValidatorStatus};
use crate::cluster::{ClusterView, NodeView};
use devnet_node::consensus::describe::{Cell, Description, Source, Tone, Value};
use ratatui::style::Style;
use ratatui::text::Span;

/// A count in at most 5 characters: `950`, `12.3k`, `4.1M`, `2.0G`.
pub fn si(x: u128) -> String {
    const UNITS: [(u128, &str); 5] =
        [(1_000_000_000_000_000, "P"), (1_000_000_000_000, "T"), (1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")];
    for (div, unit) in UNITS {
        if x >= div {
            return format!("{:.1}{unit}", x as f64 / div as f64);
        }
    }
    x.to_string()
}

/// A value as text, in the engine's words.
pub fn text(d: &Description, v: &Value) -> String {
    let (a, r) = (d.axis.letter, d.round_letter);
    let round = |x: Option<u64>| x.map_or("-".to_string(), |x| x.to_string());
    match v {
        Value::Empty => "-".into(),
        Value::Count(n) => n.to_string(),
        Value::Percent(p) => format!("{p}%"),
        Value::Si(x) => si(*x),
        Value::Position { at, round } => format!("{a}{at}/{r}{round}"),
        Value::At(at) => format!("{a}{at}"),
        Value::Word(w) => d.words.get(*w as usize).copied().unwrap_or("?").to_string(),
        Value::Lock { locked, valid } => format!("L{} V{}", round(*locked), round(*valid)),
        Value::Vote { round, value } => format!("{r}{round} {}", value.map_or("nil".into(), |h| h.to_string())),
        Value::Block { height, hash } => format!("h{height} {hash}"),
        Value::Confirmed { height, have, need } => format!("h{height} {have}/{need}"),
        Value::Validator(v) => format!("v{v}"),
        Value::Millis(ms) => crate::cluster::stall::human(*ms),
    }
}

pub fn tone_style(ui: &UiState, t: Tone) -> Style {
    match t {
        Tone::Plain => Style::new(),
        Tone::Dim => ui.theme.dim(),
        Tone::Warn => ui.theme.warn(),
        Tone::Bad => ui.theme.bad(),
    }
}

/// An engine's cell; `None` (not sent) is `-`.
pub fn span(d: &Description, ui: &UiState, c: Option<&Cell>) -> Span<'static> {
    match c {
        None => Span::raw("-"),
        // A vote column's empty cell: nothing seen from that validator.
        Some(Cell { value: Value::Empty, tone: Tone::Dim }) => Span::styled("–", ui.theme.dim()),
        Some(c) => Span::styled(text(d, &c.value), tone_style(ui, c.tone)),
    }
}

/// A node's cell in a nodes-table column.
pub fn node_cell(view: &ClusterView, ui: &UiState, i: usize, n: &NodeView, source: Source) -> Span<'static> {
    let d = view.desc();
    match source {
        Source::Cell(k) | Source::Own(k) => span(d, ui, n.detail.cells.get(k as usize)),
        Source::Seen(_) => Span::raw("-"),
        Source::Head if d.axis.clock => Span::raw(format!("s{} h{} {}", n.head.slot, n.head.height, n.head.hash)),
        Source::Head => Span::raw(format!("h{} {}", n.head.height, n.head.hash)),
        Source::Justified => Span::raw(format!("e{}", n.justified.epoch)),
        Source::Finalized if d.finality.by_epoch => {
            Span::raw(format!("e{} h{} {}", n.finalized.epoch, n.finalized.block.height, n.finalized.block.hash))
        }
        Source::Finalized => Span::raw(format!("h{} {}", n.finalized.block.height, n.finalized.block.hash)),
        Source::Lag => Span::raw(n.lag_slots().to_string()),
        Source::Peers => Span::raw(n.peers_up.len().to_string()),
        Source::Pool => {
            let k = view.txs.nodes.get(i).map_or(0, |x| x.stats.mempool_txs);
            Span::raw(super::txs::short(k as f64))
        }
        Source::Reorgs if n.deepest_reorg > 0 => Span::raw(format!("{}/{}", n.reorgs, n.deepest_reorg)),
        Source::Reorgs => Span::raw(n.reorgs.to_string()),
        Source::ReorgsLast if n.reorgs > 0 => Span::raw(format!("{} {}/{}", n.reorgs, n.last_reorg, n.deepest_reorg)),
        Source::ReorgsLast => Span::raw("0"),
        Source::Faults => Span::styled(n.faults.join(", "), ui.theme.warn()),
        Source::Key
        | Source::Stake
        | Source::Share
        | Source::Status
        | Source::Participation
        | Source::LastVote
        | Source::Proposed => Span::raw("-"),
    }
}

/// The node whose `Seen` cells the validators table shows: the selected
/// one, else the first that sent any.
pub fn seen_by<'v>(view: &'v ClusterView, ui: &UiState) -> Option<&'v NodeView> {
    let has = |n: &&NodeView| !n.detail.validators.is_empty();
    view.nodes.get(ui.selected).filter(has).or_else(|| view.nodes.iter().find(has))
}

/// A validator's cell in a validators-table column; `seen` is `seen_by`'s node.
pub fn validator_cell(
    view: &ClusterView,
    ui: &UiState,
    r: &ValidatorRow,
    seen: Option<&NodeView>,
    source: Source,
    now_ms: u64,
) -> Span<'static> {
    let d = view.desc();
    let t = ui.theme;
    let vs = &view.validators;
    match source {
        Source::Seen(k) => {
            let row = seen.and_then(|n| n.detail.validators.get(r.index as usize));
            match row {
                Some(row) => span(d, ui, row.get(k as usize)),
                None => Span::raw("-"),
            }
        }
        Source::Own(k) | Source::Cell(k) => {
            let own = view.nodes.iter().find(|n| n.validator == Some(r.index));
            span(d, ui, own.and_then(|n| n.detail.cells.get(k as usize)))
        }
        Source::Key => Span::raw(r.key.clone()),
        Source::Stake => Span::raw(r.stake.to_string()),
        Source::Share => {
            let total = vs.total_stake().max(1);
            Span::raw(format!("{:.1}%", r.stake as f64 * 100.0 / total as f64))
        }
        Source::Status => {
            let running = |n: usize| view.nodes.get(n).is_some_and(|n| n.is_running());
            let status = vs.status(r.index, running);
            let style = match status {
                ValidatorStatus::Active => t.ok(),
                ValidatorStatus::Offline => t.warn(),
                ValidatorStatus::Slashed | ValidatorStatus::Byzantine => t.bad(),
            };
            Span::styled(status.label(), style)
        }
        Source::Participation if r.slashed => Span::styled("-", t.dim()),
        Source::Participation => {
            let part = vs.participation(r.index, view.current_slot(now_ms));
            Span::styled(format!("{:>3.0}%", part * 100.0), if part < 2.0 / 3.0 { t.warn() } else { Style::new() })
        }
        Source::LastVote => Span::raw(r.last_attested.map_or("-".into(), |s| format!("{}{s}", d.axis.letter))),
        Source::Proposed => Span::raw(r.proposed.to_string()),
        Source::Head
        | Source::Justified
        | Source::Finalized
        | Source::Lag
        | Source::Peers
        | Source::Pool
        | Source::Reorgs
        | Source::ReorgsLast
        | Source::Faults => Span::raw("-"),
    }
}
