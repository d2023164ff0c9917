//! The lag pane for engines that commit heights one by one (the
//! description's `LagChart::SinceCommit`: tendermint, pbft):
//! seconds since each node's last commit, over time. A lag in heights stays
//! at 0 there even through a total stall (nothing is proposed, so nothing is
//! left behind); time since the last commit climbs, which is what a stall
//! looks like. The x axis is seconds since genesis by the orchestrator's
//! clock; injected faults are vertical lines at their time, as in `lag`.
//! The legend sits top left: the newest data is on the right.

use super::{Pane, UiState, pane_block};
use crate::cluster::{ClusterView, LogKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Axis, Chart, LegendPosition};

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState) {
    let block = pane_block("time since last commit (s) per node", ui.focus == Pane::Lag);
    let keep = (area.width as usize).saturating_sub(8) * 2;
    let samples: Vec<_> = view.history.since_final.iter().rev().take(keep.max(2)).collect();
    let (Some(last), Some(first)) = (samples.first(), samples.last()) else {
        frame.render_widget(ratatui::widgets::Paragraph::new("no samples yet").block(block), area);
        return;
    };
    let secs = |ms: u64| ms.saturating_sub(view.genesis_ms) as f64 / 1000.0;
    let (x0, x1) = (secs(first.t_ms), secs(last.t_ms).max(secs(first.t_ms) + 1.0));
    let ymax = samples.iter().flat_map(|s| s.since.iter().flatten()).copied().max().unwrap_or(0) as f64 / 1000.0;
    let ymax = ymax.max(1.0) * 1.1;
    let series: Vec<Vec<(f64, f64)>> = (0..view.nodes.len())
        .map(|i| {
            samples
                .iter()
                .rev()
                .filter_map(|s| s.since.get(i).copied().flatten().map(|v| (secs(s.t_ms), v as f64 / 1000.0)))
                .collect()
        })
        .collect();
    let faults: Vec<[(f64, f64); 2]> = view
        .log
        .iter()
        .filter(|e| e.kind == LogKind::Fault && secs(e.time_ms) >= x0 && secs(e.time_ms) <= x1)
        .map(|e| [(secs(e.time_ms), 0.0), (secs(e.time_ms), ymax)])
        .collect();
    let sets = super::lag::datasets(view, ui, &series, &faults);
    let chart = Chart::new(sets)
        .block(block)
        .x_axis(
            Axis::default().bounds([x0, x1]).labels([Span::raw(format!("{x0:.0}s")), Span::raw(format!("{x1:.0}s"))]),
        )
        .y_axis(Axis::default().bounds([0.0, ymax]).labels([Span::raw("0"), Span::raw(format!("{ymax:.1}"))]))
        .legend_position(Some(LegendPosition::TopLeft))
        .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)));
    frame.render_widget(chart, area);
}
