//! The header: cluster, engine, where the cluster is, nodes up, finality,
//! `finality stalled 19 s (no commit)` (in the engine's own word, see
//! `cluster::stall`) while finality has stopped, FROZEN when the view is
//! frozen, and the latest alarm in red (reversed
//! without colour). Where the cluster is, per engine:
//! - gasper: slot and epoch (with progress through the epoch), finalized
//!   checkpoint and finality lag in slots;
//! - tendermint: the highest height any node is deciding and the highest
//!   round reached at it, the last committed height, rounds failed so far;
//! - pow: the height being mined, `k`, the fork choice rule and the
//!   difficulty (as the first node with a detail reports them), the highest
//!   k-deep block and the deepest reorg any node went through.

use super::UiState;
use crate::cluster::ClusterView;
use crate::cluster::engine::EngineKind;
use crate::words::plural;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use unicode_width::UnicodeWidthStr;

/// One piece of the header line: its text, how soon it goes when the line
/// is too narrow (the highest number first, the rightmost among equals; 0
/// never goes), its style, and whether it follows the one before after
/// ` · ` (else after a space).
struct Part {
    text: String,
    drop: u8,
    style: Style,
    dotted: bool,
}

fn part(text: String, drop: u8) -> Part {
    Part { text, drop, style: Style::new(), dotted: true }
}

fn gasper(view: &ClusterView, now_ms: u64) -> (Vec<Part>, Vec<Part>) {
    let slot = view.current_slot(now_ms);
    let epoch = view.epoch_of(slot);
    let in_epoch = slot % view.epoch_slots.max(1);
    let bar: String = (0..view.epoch_slots.min(32)).map(|i| if i <= in_epoch { '■' } else { '·' }).collect();
    let fin = view.finalized();
    let at = vec![
        part(format!("slot {slot}"), 0),
        part(format!("epoch {epoch}"), 2),
        Part { dotted: false, ..part(format!("[{bar}]"), 4) },
    ];
    let finality = vec![
        part(format!("finalized e{} h{}", fin.epoch, fin.block.height), 1),
        part(format!("lag {}", plural(view.finality_lag(now_ms), "slot")), 0),
    ];
    (at, finality)
}

fn tendermint(view: &ClusterView) -> (Vec<Part>, Vec<Part>) {
    let details = view.nodes.iter().filter_map(super::tendermint::detail);
    let (height, round) = details.map(|d| (d.height, d.round)).max().unwrap_or((view.current_slot(0), 0));
    let finality = vec![
        part(format!("committed h{}", view.finalized().block.height), 0),
        part(rounds_failed(view.failed_rounds.total()), 2),
    ];
    (vec![part(format!("height {height} round {round}"), 0)], finality)
}

fn rounds_failed(n: usize) -> String {
    format!("{} failed", plural(n as u64, "round"))
}

fn pow(view: &ClusterView) -> (Vec<Part>, Vec<Part>) {
    let mut parts = vec![part(format!("height {}", view.current_slot(0)), 0)];
    if let Some(d) = view.nodes.iter().find_map(super::pow::detail) {
        parts.push(part(format!("k={}", d.k), 2));
        parts.push(part(format!("fork choice {}", d.fork_choice.as_str()), 4));
        parts.push(part(format!("difficulty {}", super::pow::si(d.difficulty as u128)), 4));
    }
    let fin = view.nodes.iter().map(|n| n.finalized.block.height).max().unwrap_or(0);
    let reorg = view.nodes.iter().map(|n| n.deepest_reorg).max().unwrap_or(0);
    (parts, vec![part(format!("k-deep h{fin}"), 0), part(format!("deepest reorg {reorg}"), 2)])
}

/// The header's parts, in order: the cluster and engine, where the cluster
/// is, nodes up, finality, then what needs attention (never dropped).
fn parts(view: &ClusterView, ui: &UiState, now_ms: u64) -> Vec<Part> {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut parts = vec![Part { style: bold, ..part(view.name.clone(), 3) }, part(view.engine.clone(), 1)];
    let (at, finality) = match view.kind() {
        EngineKind::Gasper => gasper(view, now_ms),
        EngineKind::Tendermint => tendermint(view),
        EngineKind::Pow => pow(view),
    };
    parts.extend(at);
    parts.push(part(format!("nodes {}/{} up", view.nodes_up(), view.nodes.len()), 1));
    parts.extend(finality);
    if let Some(st) = view.finality_stall(now_ms) {
        let text = format!(" finality stalled {} ({}) ", crate::cluster::stall::human(st.for_ms), st.missing);
        parts.push(Part { text, drop: 0, style: ui.theme.alarm(), dotted: false });
    }
    if ui.frozen {
        parts.push(Part { style: bold.add_modifier(Modifier::REVERSED), ..part("FROZEN (f)".into(), 0) });
    }
    if let Some(a) = view.alarms.last() {
        let text = format!(" ALARM {}: {} ", a.kind.to_uppercase(), a.detail);
        parts.push(Part { text, drop: 0, style: ui.theme.alarm(), dotted: false });
    }
    parts
}

/// The parts that fit in `width` columns, as spans: parts go in their
/// order (`Part::drop`) until the line fits; what still does not fit is
/// cut by the frame at the right edge.
fn fit(mut parts: Vec<Part>, width: usize) -> Vec<Span<'static>> {
    let sep = |p: &Part, first: bool| {
        if first {
            1
        } else if p.dotted {
            3
        } else {
            1
        }
    };
    let total = |ps: &[Part]| ps.iter().enumerate().map(|(i, p)| sep(p, i == 0) + p.text.width()).sum::<usize>();
    while total(&parts) > width {
        let Some(worst) = (0..parts.len()).filter(|i| parts[*i].drop > 0).max_by_key(|i| (parts[*i].drop, *i)) else {
            break;
        };
        parts.remove(worst);
    }
    let mut spans = vec![];
    for (i, p) in parts.into_iter().enumerate() {
        spans.push(Span::raw(if i == 0 || !p.dotted { " " } else { " · " }));
        spans.push(Span::styled(p.text, p.style));
    }
    spans
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState, now_ms: u64) {
    let block = Block::bordered().title(" devnet · ? keys ");
    let width = block.inner(area).width as usize;
    let line = Line::from(fit(parts(view, ui, now_ms), width));
    frame.render_widget(Paragraph::new(line).block(block), area);
}
