//! One line plot as inline SVG: time in seconds across, a value up, a line
//! per series (a gap where a series has no value), the fault windows shaded
//! with their letters, and a legend of the series at the right.
//!
//! Hand-written (docs/hand-written.md): the report must be one file that
//! opens with no network, and a plot here is a few polylines and rectangles;
//! the Rust plotting crates either draw bitmaps or pull in font rendering.

use super::windows::Window;
use std::fmt::Write;

pub const WIDTH: f64 = 960.0;
pub const HEIGHT: f64 = 230.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 130.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 30.0;
/// The fault windows' shade (and the letter's colour), what the report test looks for.
pub const SHADE: &str = "#f59e0b";
pub const SHADE_OPACITY: f64 = 0.22;

/// One line: its points in (seconds, value), `None` for a gap.
pub struct Series {
    pub name: String,
    pub color: &'static str,
    pub dashed: bool,
    pub points: Vec<(f64, Option<f64>)>,
}

pub struct Plot<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub unit: &'a str,
    pub series: Vec<Series>,
    pub windows: &'a [Window],
    pub x_max: f64,
    /// Values hold until the next point (counters): drawn as steps.
    pub steps: bool,
}

/// Colours for nodes, in order (distinct on white and for common colour blindness).
pub const PALETTE: [&str; 8] = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#0891b2", "#c2410c", "#4d7c0f", "#db2777"];

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Round tick values from 0 to the first at or above `max`, about `n` of them.
pub fn ticks(max: f64, n: usize) -> Vec<f64> {
    if max <= 0.0 || !max.is_finite() {
        return vec![0.0];
    }
    let raw = max / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let last = (max / step - 1e-9).ceil().max(1.0) as usize;
    (0..=last).map(|i| i as f64 * step).collect()
}

fn fmt(v: f64) -> String {
    if v.fract().abs() < 1e-9 { format!("{v:.0}") } else { format!("{v:.1}") }
}

pub fn svg(p: &Plot) -> String {
    let y_max_data = p.series.iter().flat_map(|s| s.points.iter().filter_map(|(_, y)| *y)).fold(0.0f64, f64::max);
    let y_ticks = ticks(if y_max_data > 0.0 { y_max_data } else { 1.0 }, 4);
    let y_max = y_ticks.last().copied().unwrap_or(1.0).max(y_max_data).max(1e-9);
    let x_ticks: Vec<f64> = ticks(p.x_max, 10).into_iter().filter(|t| *t <= p.x_max + 1e-9).collect();
    let x_max = p.x_max.max(1e-9);
    let (w, h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let x = |t: f64| LEFT + t / x_max * w;
    let y = |v: f64| TOP + h - v / y_max * h;
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<svg class="plot" id="{}" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="11">"#,
        escape(p.id)
    );
    let _ = write!(o, r#"<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{}</text>"#, escape(p.title));
    for win in p.windows {
        let (x0, x1) = (x(win.from_ms as f64 / 1000.0), x(win.to_ms as f64 / 1000.0));
        let _ = write!(
            o,
            r##"<g class="fault"><title>{} {}: {:.1}–{:.1} s{}</title><rect x="{x0:.1}" y="{TOP}" width="{:.1}" height="{h}" fill="{SHADE}" fill-opacity="{SHADE_OPACITY}"/><text x="{:.1}" y="{:.1}" fill="#92400e" font-weight="bold">{}</text></g>"##,
            win.letter,
            escape(&win.title()),
            win.from_ms as f64 / 1000.0,
            win.to_ms as f64 / 1000.0,
            if win.open_at_end { " (still in force at the end)" } else { "" },
            (x1 - x0).max(1.5),
            x0 + 2.0,
            TOP + 11.0 + 12.0 * win.lane as f64,
            win.letter
        );
    }
    for v in &y_ticks {
        let _ = write!(
            o,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{yy:.1}" y2="{yy:.1}" stroke="#e5e7eb"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#374151">{}</text>"##,
            LEFT + w,
            LEFT - 6.0,
            y(*v) + 4.0,
            fmt(*v),
            yy = y(*v)
        );
    }
    for t in &x_ticks {
        let _ = write!(
            o,
            r##"<line x1="{xx:.1}" x2="{xx:.1}" y1="{:.1}" y2="{:.1}" stroke="#9ca3af"/><text x="{xx:.1}" y="{:.1}" text-anchor="middle" fill="#374151">{}</text>"##,
            TOP + h,
            TOP + h + 4.0,
            TOP + h + 16.0,
            fmt(*t),
            xx = x(*t)
        );
    }
    let _ = write!(
        o,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#6b7280">s</text><text x="12" y="{:.1}" fill="#6b7280" transform="rotate(-90 12 {:.1})" text-anchor="middle">{}</text>"##,
        LEFT + w,
        HEIGHT - 2.0,
        TOP + h / 2.0,
        TOP + h / 2.0,
        escape(p.unit)
    );
    let _ = write!(o, r##"<rect x="{LEFT}" y="{TOP}" width="{w}" height="{h}" fill="none" stroke="#9ca3af"/>"##);
    for (k, s) in p.series.iter().enumerate() {
        for run in runs(&s.points, p.steps) {
            let pts: Vec<String> = run.iter().map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v))).collect();
            let _ = write!(
                o,
                r#"<polyline class="series" data-series="{}" points="{}" fill="none" stroke="{}" stroke-width="1.8"{}/>"#,
                escape(&s.name),
                pts.join(" "),
                s.color,
                if s.dashed { r#" stroke-dasharray="5 3""# } else { "" }
            );
        }
        let ly = TOP + 6.0 + 15.0 * k as f64;
        let _ = write!(
            o,
            r#"<line x1="{:.1}" x2="{:.1}" y1="{ly:.1}" y2="{ly:.1}" stroke="{}" stroke-width="2.5"{}/><text x="{:.1}" y="{:.1}">{}</text>"#,
            LEFT + w + 10.0,
            LEFT + w + 28.0,
            s.color,
            if s.dashed { r#" stroke-dasharray="5 3""# } else { "" },
            LEFT + w + 33.0,
            ly + 4.0,
            escape(&s.name)
        );
    }
    o.push_str("</svg>");
    o
}

/// The stretches of a series without gaps (as steps when `steps`).
fn runs(points: &[(f64, Option<f64>)], steps: bool) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![];
    let mut cur: Vec<(f64, f64)> = vec![];
    for &(t, v) in points {
        match v {
            Some(v) => {
                if steps && let Some(&(_, prev)) = cur.last() {
                    cur.push((t, prev));
                }
                cur.push((t, v));
            }
            None if !cur.is_empty() => out.push(std::mem::take(&mut cur)),
            None => {}
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(10.0, 5), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(ticks(95.0, 4), [0.0, 50.0, 100.0]);
        assert_eq!(ticks(7.0, 4), [0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(ticks(0.0, 4), [0.0]);
    }

    #[test]
    fn a_gap_splits_a_line_and_steps_hold_values() {
        let pts = [(0.0, Some(1.0)), (1.0, Some(2.0)), (2.0, None), (3.0, Some(5.0))];
        assert_eq!(runs(&pts, false), vec![vec![(0.0, 1.0), (1.0, 2.0)], vec![(3.0, 5.0)]]);
        assert_eq!(runs(&pts[..2], true), vec![vec![(0.0, 1.0), (1.0, 1.0), (1.0, 2.0)]]);
    }
}
