//! The header: cluster, engine, where the cluster is, nodes up, finality,
//! `finality stalled 19 s (no commit)` (in the engine's own word, see
//! `cluster::stall`) while finality has stopped, FROZEN when the view is
//! frozen, and the latest alarm in red (reversed
//! without colour). Where the cluster is, as the engine's description says
//! (`Headline`, `Trailer`):
//! - slot and epoch (with progress through the epoch), or the highest
//!   position any node is deciding with the highest round reached there, or
//!   the height being built with the engine's facts (`k=6`, as the first
//!   node that sends them reports them);
//! - finality in the engine's word, then the finality lag on the time
//!   axis, the rounds failed so far, or the deepest reorg any node went
//!   through.

use super::UiState;
use crate::cluster::ClusterView;
use crate::words::plural;
use devnet_node::consensus::describe::{Headline, Trailer};
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

/// Where the cluster is.
fn headline(view: &ClusterView, now_ms: u64) -> Vec<Part> {
    let d = view.desc();
    match d.headline {
        Headline::SlotEpoch => {
            let slot = view.current_slot(now_ms);
            let epoch = view.epoch_of(slot);
            let in_epoch = slot % view.epoch_slots.max(1);
            let bar: String = (0..view.epoch_slots.min(32)).map(|i| if i <= in_epoch { '■' } else { '·' }).collect();
            vec![
                part(format!("{} {slot}", d.axis.word), 0),
                part(format!("epoch {epoch}"), 2),
                Part { dotted: false, ..part(format!("[{bar}]"), 4) },
            ]
        }
        Headline::Position => {
            let (at, round) = view.nodes.iter().filter_map(|n| n.detail.at).max().unwrap_or((view.current_slot(0), 0));
            vec![part(format!("{} {at} {} {round}", d.axis.word, d.round_word), 0)]
        }
        Headline::Height => {
            let mut parts = vec![part(format!("{} {}", d.axis.word, view.current_slot(0)), 0)];
            if let Some(n) = view.nodes.iter().find(|n| !n.detail.facts.is_empty()) {
                for ((label, drop), c) in d.facts.iter().zip(&n.detail.facts) {
                    parts.push(part(format!("{label}{}", super::cells::text(d, &c.value)), *drop));
                }
            }
            parts
        }
    }
}

/// Finality and what follows it.
fn finality(view: &ClusterView, now_ms: u64) -> Vec<Part> {
    let d = view.desc();
    let fin = view.finalized();
    let mut parts = if d.finality.by_epoch {
        vec![part(format!("{} e{} h{}", d.finality.label, fin.epoch, fin.block.height), 1)]
    } else {
        vec![part(format!("{} h{}", d.finality.label, fin.block.height), 0)]
    };
    parts.push(match d.trailer {
        Trailer::Lag => part(format!("lag {}", plural(view.finality_lag(now_ms), d.axis.word)), 0),
        Trailer::FailedRounds => part(format!("{} failed", plural(view.failed_rounds.total() as u64, d.round_word)), 2),
        Trailer::DeepestReorg => {
            part(format!("deepest reorg {}", view.nodes.iter().map(|n| n.deepest_reorg).max().unwrap_or(0)), 2)
        }
    });
    parts
}

/// The header's parts, in order: the cluster and engine, where the cluster
/// is, nodes up, finality, then what needs attention (never dropped).
fn parts(view: &ClusterView, ui: &UiState, now_ms: u64) -> Vec<Part> {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut parts = vec![Part { style: bold, ..part(view.name.clone(), 3) }, part(view.engine.clone(), 1)];
    parts.extend(headline(view, now_ms));
    parts.push(part(format!("nodes {}/{} up", view.nodes_up(), view.nodes.len()), 1));
    parts.extend(finality(view, now_ms));
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
