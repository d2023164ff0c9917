//! Finality lag over time: head slot minus finalized slot, one line per node
//! (a ratatui Chart), with injected faults (`LogKind::Fault` entries) drawn as
//! vertical red lines at their slot (columns of `•` under `NO_COLOR`). Only as many samples as the chart has
//! braille columns are drawn, so the cost does not grow with history. The
//! legend sits top left, away from the newest data on the right. Tendermint
//! plots time since each node's last commit instead (`commit_gap`).

use super::{Pane, UiState, pane_block};
use crate::cluster::{ClusterView, LogKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType};

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState) {
    if view.kind() == crate::cluster::engine::EngineKind::Tendermint {
        return super::commit_gap::draw(frame, area, view, ui);
    }
    let p = view.kind().slot_prefix();
    let title = if p == "s" { "finality lag (slots) per node" } else { "finality lag (heights) per node" };
    let block = pane_block(title, ui.focus == Pane::Lag);
    let keep = (area.width as usize).saturating_sub(8) * 2;
    let samples: Vec<_> = view.history.lag.iter().rev().take(keep.max(2)).collect();
    let (Some(last), Some(first)) = (samples.first(), samples.last()) else {
        frame.render_widget(ratatui::widgets::Paragraph::new("no samples yet").block(block), area);
        return;
    };
    let (x0, x1) = (first.slot as f64, (last.slot as f64).max(first.slot as f64 + 1.0));
    let ymax = samples.iter().flat_map(|s| s.lag.iter().flatten()).copied().max().unwrap_or(0).max(4) as f64 * 1.1;
    let series: Vec<Vec<(f64, f64)>> = (0..view.nodes.len())
        .map(|i| {
            samples
                .iter()
                .rev()
                .filter_map(|s| s.lag.get(i).copied().flatten().map(|l| (s.slot as f64, l as f64)))
                .collect()
        })
        .collect();
    let faults: Vec<[(f64, f64); 2]> = view
        .log
        .iter()
        .filter(|e| e.kind == LogKind::Fault && (e.slot as f64) >= x0 && (e.slot as f64) <= x1)
        .map(|e| [(e.slot as f64, 0.0), (e.slot as f64, ymax)])
        .collect();
    let sets = datasets(view, ui, &series, &faults);
    let chart = Chart::new(sets)
        .block(block)
        .x_axis(Axis::default().bounds([x0, x1]).labels([Span::raw(format!("{p}{x0}")), Span::raw(format!("{p}{x1}"))]))
        .y_axis(Axis::default().bounds([0.0, ymax]).labels([Span::raw("0"), Span::raw(format!("{:.0}", ymax))]))
        .legend_position(Some(ratatui::widgets::LegendPosition::TopLeft))
        .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)));
    frame.render_widget(chart, area);
}

/// One line per node (named by its id, in its series colour) and the fault
/// markers (red, named `fault` once): the datasets of both lag charts.
pub(super) fn datasets<'a>(
    view: &ClusterView,
    ui: &UiState,
    series: &'a [Vec<(f64, f64)>],
    faults: &'a [[(f64, f64); 2]],
) -> Vec<Dataset<'a>> {
    let t = ui.theme;
    let mut sets: Vec<Dataset> = series
        .iter()
        .enumerate()
        .map(|(i, pts)| {
            Dataset::default()
                .name(view.nodes[i].id.clone())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(t.series(i))
                .data(pts)
        })
        .collect();
    // In colour a fault is a red line; without colour a braille line would
    // read as one more node's data, so faults are columns of dots.
    let fault_marker = if t.no_color { Marker::Dot } else { Marker::Braille };
    for (i, f) in faults.iter().enumerate() {
        let d = Dataset::default().marker(fault_marker).graph_type(GraphType::Line).style(t.bad()).data(f);
        sets.push(if i == 0 { d.name("fault") } else { d });
    }
    sets
}
