//! Finality lag over time: head slot minus finalized slot, one line per node
//! (a ratatui Chart), with injected faults (`LogKind::Fault` entries) drawn as
//! vertical red lines at their slot (columns of `•` under `NO_COLOR`). Only as many samples as the chart has
//! braille columns are drawn, so the cost does not grow with history. The
//! legend sits top left, away from the newest data on the right. Engines
//! whose every block is final (`LagChart::SinceCommit`) plot time since each
//! node's last commit instead (`commit_gap`).

use super::{Pane, UiState, pane_block};
use crate::cluster::{ClusterView, LogKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType};

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState) {
    let d = view.desc();
    if d.lag == devnet_node::consensus::describe::LagChart::SinceCommit {
        return super::commit_gap::draw(frame, area, view, ui);
    }
    let p = d.axis.letter;
    let title = format!("finality lag ({}s) per node", d.axis.word);
    let block = pane_block(&title, ui.focus == Pane::Lag);
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
///
/// Lines are drawn in node order, each over the ones before; a node's line
/// with the same points as a later node's would be drawn over entirely, so
/// it is left out and only its legend entry stays. Nodes that agree (most of
/// them, most of the time) cost one line, not one each.
pub(super) fn datasets<'a>(
    view: &ClusterView,
    ui: &UiState,
    series: &'a [Vec<(f64, f64)>],
    faults: &'a [[(f64, f64); 2]],
) -> Vec<Dataset<'a>> {
    let t = ui.theme;
    let covered = covered_later(series);
    let mut sets: Vec<Dataset> = series
        .iter()
        .enumerate()
        .map(|(i, pts)| {
            Dataset::default()
                .name(view.nodes[i].id.clone())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(t.series(i))
                .data(if covered[i] { &[] } else { pts })
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

/// Per series, whether a later one has the same points.
fn covered_later(series: &[Vec<(f64, f64)>]) -> Vec<bool> {
    use std::hash::{Hash, Hasher};
    let print = |pts: &Vec<(f64, f64)>| {
        let mut h = std::hash::DefaultHasher::new();
        for (x, y) in pts {
            (x.to_bits(), y.to_bits()).hash(&mut h);
        }
        h.finish()
    };
    let prints: Vec<u64> = series.iter().map(print).collect();
    (0..series.len()).map(|i| (i + 1..series.len()).any(|j| prints[j] == prints[i] && series[j] == series[i])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::buffer::Buffer;
    use ratatui::widgets::Widget;

    /// Draws `series` as the chart does, with every node's line drawn or
    /// with `datasets` leaving out the covered ones.
    fn chart(series: &[Vec<(f64, f64)>], leave_out: bool) -> Buffer {
        let nodes: Vec<devnet_node::config::NodeEntry> = (0..series.len())
            .map(|i| devnet_node::config::NodeEntry {
                id: format!("n{i}"),
                addr: "127.0.0.1:1".parse().unwrap(),
                validator: None,
                metrics: None,
            })
            .collect();
        let view = ClusterView::new("t", "gasper", 1000, 4, 0, &nodes);
        let ui = UiState::default();
        let sets = if leave_out {
            datasets(&view, &ui, series, &[])
        } else {
            let t = ui.theme;
            series
                .iter()
                .enumerate()
                .map(|(i, pts)| {
                    let d = Dataset::default().name(format!("n{i}")).marker(Marker::Braille);
                    d.graph_type(GraphType::Line).style(t.series(i)).data(pts)
                })
                .collect()
        };
        let area = Rect::new(0, 0, 40, 12);
        let mut buf = Buffer::empty(area);
        Chart::new(sets)
            .x_axis(Axis::default().bounds([0.0, 9.0]))
            .y_axis(Axis::default().bounds([0.0, 9.0]))
            .hidden_legend_constraints((Constraint::Ratio(1, 1), Constraint::Ratio(1, 1)))
            .render(area, &mut buf);
        buf
    }

    #[test]
    fn lines_drawn_over_by_a_later_identical_line_are_left_out_and_the_chart_is_the_same() {
        let a: Vec<(f64, f64)> = (0..10).map(|x| (x as f64, (x % 4) as f64)).collect();
        let b: Vec<(f64, f64)> = (0..10).map(|x| (x as f64, 9.0 - x as f64)).collect();
        let series = vec![a.clone(), a.clone(), b.clone(), a.clone(), b];
        assert_eq!(covered_later(&series), [true, true, true, false, false]);
        assert_eq!(chart(&series, true), chart(&series, false));
        // The legend keeps every node.
        let s = chart(&series, true);
        let text: String = s.content().iter().map(|c| c.symbol()).collect();
        assert!((0..5).all(|i| text.contains(&format!("n{i}"))), "{text}");
    }
}
