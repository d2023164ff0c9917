//! The transactions pane: offered and finalized TPS now and over time, the
//! latency of a load this devnet runs, block fullness, and per node its
//! mempool and what it sends a second. Drawn from `ClusterView::txs` only.

use super::{Pane, UiState, pane_block};
use crate::cluster::ClusterView;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

/// `1234` -> `1.2k`, for rates and sizes in a narrow column.
pub fn short(v: f64) -> String {
    match v {
        v if v >= 1e9 => format!("{:.1}G", v / 1e9),
        v if v >= 1e6 => format!("{:.1}M", v / 1e6),
        v if v >= 1e4 => format!("{:.0}k", v / 1e3),
        v if v >= 1e3 => format!("{:.1}k", v / 1e3),
        v => format!("{v:.0}"),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState) {
    let t = ui.theme;
    let block = pane_block("transactions", ui.focus == Pane::Txs);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let f = &view.txs;
    let (offered, fin) = f.tps();
    let (mean, full) = f.fullness();
    let latency = match &f.load {
        Some(l) => match (l.p50_ms, l.p99_ms) {
            (Some(a), Some(b)) => format!("p50 {a:.0}ms p99 {b:.0}ms (load {}/s)", short(l.rate)),
            _ => format!("load {}/s: waiting for the first final", short(l.rate)),
        },
        None => "- (L runs a load)".into(),
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled("TPS ", t.dim()),
            Span::raw(format!("offered {} final {}", short(offered), short(fin))),
        ]),
        Line::from(vec![Span::styled("latency ", t.dim()), Span::raw(latency)]),
        Line::from(vec![
            Span::styled("blocks ", t.dim()),
            Span::raw(format!("{mean:.1} txs ({:.0}% of {})", full * 100.0, f.max_block_txs)),
        ]),
    ];
    let rates = f.traffic_rates();
    // Only the nodes' lines that fit are made.
    let fit = (inner.height as usize).saturating_sub(lines.len());
    for (i, n) in view.nodes.iter().enumerate().take(fit) {
        let s = f.nodes.get(i).map(|x| x.stats).unwrap_or_default();
        let (bytes, msgs) = rates.get(i).copied().unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(format!("{:<4}", n.id), t.series(i)),
            Span::raw(format!(" pool {:>5} out {}B/s {}msg/s", short(s.mempool_txs as f64), short(bytes), short(msgs))),
        ]));
    }
    let text_h = lines.len() as u16;
    let [text, chart] =
        Layout::vertical([Constraint::Length(text_h.min(inner.height)), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(lines), text);
    if chart.height > 0 {
        let series: Vec<u64> = f.tps_series(chart.width as usize).iter().map(|(_, fin)| *fin as u64).collect();
        frame.render_widget(Sparkline::default().data(&series).style(t.ok()), chart);
    }
}
