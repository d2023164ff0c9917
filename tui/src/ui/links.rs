//! The link matrix: one row per sender, one column per receiver, for every
//! directed link (`.` ok, `X` cut, `~` slow, `%` lossy, `f` filtered), and,
//! when cut links split the nodes into groups, each group's stake and share
//! and whether it reaches 2/3. Symbols carry the meaning without colour.

use super::{Pane, UiState, pane_block};
use crate::cluster::{ClusterView, LinkView};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn symbol(l: &LinkView) -> char {
    if l.blocked {
        'X'
    } else if !l.drop_kinds.is_empty() {
        'f'
    } else if l.loss > 0.0 {
        '%'
    } else if l.delay_ms > 0 || l.jitter_ms > 0 {
        '~'
    } else {
        '.'
    }
}

/// Groups of nodes that can reach each other both ways over links that are not cut.
pub fn partition(view: &ClusterView) -> Vec<Vec<usize>> {
    let n = view.nodes.len();
    let up = |a: usize, b: usize| {
        let ok = |x: usize, y: usize| view.links.get(x).and_then(|r| r.get(y)).is_none_or(|l| !l.blocked);
        ok(a, b) && ok(b, a)
    };
    let mut group = vec![usize::MAX; n];
    let mut groups = vec![];
    for s in 0..n {
        if group[s] != usize::MAX {
            continue;
        }
        let g = groups.len();
        let mut stack = vec![s];
        group[s] = g;
        let mut members = vec![];
        while let Some(a) = stack.pop() {
            members.push(a);
            for (b, gb) in group.iter_mut().enumerate() {
                if *gb == usize::MAX && up(a, b) {
                    *gb = g;
                    stack.push(b);
                }
            }
        }
        members.sort();
        groups.push(members);
    }
    groups
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ClusterView, ui: &UiState) {
    let t = ui.theme;
    let n = view.nodes.len();
    let mut lines = vec![];
    let groups = partition(view);
    let total = view.validators.total_stake().max(1);
    if groups.len() > 1 {
        for (i, g) in groups.iter().enumerate() {
            let stake: u64 = g
                .iter()
                .filter_map(|x| view.nodes[*x].validator)
                .filter_map(|v| view.validators.rows.get(v as usize))
                .map(|r| r.stake)
                .sum();
            let q = stake as u128 * 3 >= total as u128 * 2;
            let ids: Vec<&str> = g.iter().map(|x| view.nodes[*x].id.as_str()).collect();
            let ids = if ids.len() <= 8 {
                ids.join(" ")
            } else {
                format!("{} … {} ({})", ids[0], ids[ids.len() - 1], ids.len())
            };
            let verdict = if q { "≥2/3 can finalize" } else { "<2/3 no finality" };
            lines.push(Line::raw(format!("side {}: {ids}", i + 1)));
            lines.push(Line::from(vec![
                Span::raw(format!("  stake {stake} ({:.0}%) ", stake as f64 * 100.0 / total as f64)),
                Span::styled(verdict, if q { t.ok() } else { t.warn() }),
            ]));
        }
    } else {
        lines.push(Line::styled("no partition", t.dim()));
    }
    let w = view.nodes.iter().map(|x| x.id.len()).max().unwrap_or(2);
    let head: String = (0..n).map(|j| char::from_digit((j % 10) as u32, 10).unwrap_or(' ')).collect();
    lines.push(Line::styled(format!("{:w$}   {head}", "", w = w), t.dim()));
    for (i, row) in view.links.iter().enumerate() {
        let mut spans = vec![Span::raw(format!("{:w$} → ", view.nodes[i].id, w = w))];
        // A run of one style is one span: a row of 64 ok links is one string, not 64.
        let mut run = (String::new(), Style::new());
        for (j, l) in row.iter().enumerate() {
            let c = if i == j { ' ' } else { symbol(l) };
            let s = match c {
                'X' => t.bad(),
                '.' | ' ' => t.dim(),
                _ => t.warn(),
            };
            if s != run.1 && !run.0.is_empty() {
                let (text, style) = std::mem::take(&mut run);
                spans.push(Span::styled(text, style));
            }
            run.0.push(c);
            run.1 = s;
        }
        if !run.0.is_empty() {
            spans.push(Span::styled(run.0, run.1));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::styled(". ok  X cut  ~ slow", Style::new()));
    lines.push(Line::styled("% lossy  f filtered", Style::new()));
    frame.render_widget(Paragraph::new(lines).block(pane_block("links (row → column)", ui.focus == Pane::Links)), area);
}
