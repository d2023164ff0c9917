//! `devnet report RUN`: one self-contained HTML file about a recorded run
//! (`run_record`), for a person after the fact: what ran, the verdict and
//! its checks, the alarms, the faults injected, and plots over time (finality
//! lag per node, head and finalized heights, reorgs, failed rounds, and when
//! transfers ran, transfers final per second and submit→final latency), each
//! with the fault windows shaded and lettered (`windows`).
//!
//! Rules:
//! - Nothing outside the file: no script, no font, no stylesheet or image to
//!   fetch; the plots are inline SVG (`plot`), so it opens offline, in a mail
//!   attachment or a CI artifact viewer.
//! - It reads `run.json`, `metrics.jsonl`, `faults.jsonl` and `verdict.json`.
//!   A run still going (or killed) has no verdict: the report says so. A
//!   damaged line is an error naming the file and line, except a cut-off
//!   last line of `metrics.jsonl`, which a killed orchestrator leaves behind
//!   and which is skipped.
//! - Plots that would say nothing are left out: failed rounds only when the
//!   engine has rounds or some failed; transfers only when some were final.

pub mod plot;
pub mod rentals;
pub mod windows;

use crate::run_record::samples::Sample;
use crate::run_record::{self, FAULTS, GENESIS, METRICS, VERDICT};
use plot::{PALETTE, Plot, Series, escape};
use serde_json::Value;
use std::fmt::Write;
use std::path::Path;

pub const FILE: &str = "report.html";

/// A recorded fault line.
struct FaultLine {
    t_ms: u64,
    inject: String,
    ok: bool,
    result: String,
}

fn read_samples(dir: &Path) -> Result<Vec<Sample>, String> {
    let text = run_record::read(dir, METRICS)?;
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut out = vec![];
    for (i, l) in lines.iter().enumerate() {
        match serde_json::from_str::<Sample>(l) {
            Ok(s) => out.push(s),
            Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => {}
            Err(e) => return Err(format!("{}:{}: not a sample: {e}", dir.join(METRICS).display(), i + 1)),
        }
    }
    out.sort_by_key(|s| s.t_ms);
    Ok(out)
}

fn read_faults(dir: &Path) -> Result<Vec<FaultLine>, String> {
    if !dir.join(FAULTS).exists() {
        return Ok(vec![]);
    }
    let text = run_record::read(dir, FAULTS)?;
    let mut out = vec![];
    for (i, l) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let bad = |e: String| format!("{}:{}: not a fault line: {e}", dir.join(FAULTS).display(), i + 1);
        let v: Value = serde_json::from_str(l).map_err(|e| bad(e.to_string()))?;
        out.push(FaultLine {
            t_ms: v["t_ms"].as_u64().ok_or_else(|| bad("no t_ms".into()))?,
            inject: v["inject"].as_str().ok_or_else(|| bad("no inject".into()))?.to_string(),
            ok: v["ok"] == true,
            result: v["result"].as_str().unwrap_or_default().to_string(),
        });
    }
    Ok(out)
}

fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// A series per node from `f` over the samples.
fn per_node(samples: &[Sample], dashed: bool, suffix: &str, f: impl Fn(&Sample, usize) -> Option<f64>) -> Vec<Series> {
    let nodes = samples.iter().map(|s| s.nodes.len()).max().unwrap_or(0);
    (0..nodes)
        .map(|i| Series {
            name: format!(
                "{}{suffix}",
                samples.last().and_then(|s| s.nodes.get(i)).map_or(format!("n{i}"), |n| n.id.clone())
            ),
            color: PALETTE[i % PALETTE.len()],
            dashed,
            points: samples.iter().map(|s| (secs(s.t_ms), if i < s.nodes.len() { f(s, i) } else { None })).collect(),
        })
        .collect()
}

/// Transfers final per second: the most any node holds final, differenced over the samples.
fn final_per_second(samples: &[Sample]) -> Vec<(f64, Option<f64>)> {
    let most = |s: &Sample| s.nodes.iter().map(|n| n.txs_final).max().unwrap_or(0);
    samples
        .windows(2)
        .map(|w| {
            let dt = secs(w[1].t_ms.saturating_sub(w[0].t_ms)).max(1e-3);
            (secs(w[1].t_ms), Some(most(&w[1]).saturating_sub(most(&w[0])) as f64 / dt))
        })
        .collect()
}

/// pow's k (confirmations) from the run's genesis; None on other engines.
fn pow_k(dir: &Path) -> Option<u64> {
    let spec: devnet_node::chain::ChainSpec = serde_json::from_str(&run_record::read(dir, GENESIS).ok()?).ok()?;
    crate::cluster::engine::description(&spec.consensus).mined.then_some(())?;
    spec.params::<devnet_node::consensus::pow::PowParams>().ok().map(|p| p.k)
}

/// The report's HTML for the run in `dir`.
pub fn render(dir: &Path) -> Result<String, String> {
    let meta = run_record::meta(dir)?;
    let samples = read_samples(dir)?;
    let faults = read_faults(dir)?;
    let verdict: Option<Value> = match run_record::read(dir, VERDICT) {
        Ok(t) => Some(serde_json::from_str(&t).map_err(|e| format!("{}: {e}", dir.join(VERDICT).display()))?),
        Err(_) if !dir.join(VERDICT).exists() => None,
        Err(e) => return Err(e),
    };
    let engine = meta["engine"].as_str().unwrap_or("?");
    let started = meta["started_ms"].as_u64().unwrap_or(0);
    let wins = windows::windows(&samples);
    let x_max = samples.last().map_or(1.0, |s| secs(s.t_ms)).max(1.0);
    let mut plots: Vec<String> = vec![];
    let mut add = |id: &str, title: &str, unit: &str, series: Vec<Series>, steps: bool| {
        plots.push(plot::svg(&Plot { id, title, unit, series, windows: &wins, x_max, steps }));
    };
    let desc = crate::cluster::engine::description(engine);
    let axis = desc.axis.word;
    let axis_unit = format!("{axis}s");
    let lag_title = format!("Finality lag per node (the cluster's {axis} − the node's finalized {axis})");
    add("lag", &lag_title, &axis_unit, per_node(&samples, false, "", |s, i| s.nodes[i].lag.map(|l| l as f64)), false);
    let mut heights = per_node(&samples, false, " head", |s, i| Some(s.nodes[i].head as f64));
    heights.extend(per_node(&samples, true, " final", |s, i| Some(s.nodes[i].finalized as f64)));
    add("heights", "Heights: head (solid) and finalized (dashed)", "height", heights, false);
    add(
        "reorgs",
        "Reorgs per node (so far)",
        "reorgs",
        per_node(&samples, false, "", |s, i| Some(s.nodes[i].reorgs as f64)),
        true,
    );
    if desc.tree.failed_rounds || samples.iter().any(|s| s.failed_rounds > 0) {
        let series = vec![Series {
            name: "cluster".into(),
            color: PALETTE[1],
            dashed: false,
            points: samples.iter().map(|s| (secs(s.t_ms), Some(s.failed_rounds as f64))).collect(),
        }];
        add("rounds", "Failed rounds (so far, distinct heights and rounds)", "rounds", series, true);
    }
    if samples.iter().any(|s| s.nodes.iter().any(|n| n.txs_final > 0)) {
        let tps = vec![Series {
            name: "final/s".into(),
            color: PALETTE[2],
            dashed: false,
            points: final_per_second(&samples),
        }];
        add("tps", "Transfers final per second", "tx/s", tps, false);
        let latency = |f: fn(&crate::cluster::txs::LoadFigures) -> Option<f64>| {
            samples.iter().map(|s| (secs(s.t_ms), s.load.as_ref().and_then(f))).collect::<Vec<_>>()
        };
        let lat = vec![
            Series { name: "p50".into(), color: PALETTE[0], dashed: false, points: latency(|l| l.p50_ms) },
            Series { name: "p99".into(), color: PALETTE[1], dashed: true, points: latency(|l| l.p99_ms) },
        ];
        add(
            "latency",
            "Submit → final latency of the load (percentiles of all its transfers so far)",
            "ms",
            lat,
            false,
        );
    }

    let title = match meta["scenario"].as_str() {
        Some(s) => format!("devnet run {s} ({engine})"),
        None => format!("devnet {engine} run"),
    };
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        escape(&title)
    );
    let _ = write!(h, "<h1>{}</h1>\n<p class=\"facts\">", escape(&title));
    let start = std::time::UNIX_EPOCH + std::time::Duration::from_millis(started);
    let _ = write!(h, "started {} · ", humantime::format_rfc3339_seconds(start));
    let _ = write!(h, "{:.1} s recorded · {} samples", x_max, samples.len());
    if let Some(seed) = meta["seed"].as_u64() {
        let _ = write!(h, " · seed {seed}");
    }
    let _ = writeln!(h, " · <code>{}</code></p>", escape(&dir.display().to_string()));
    match &verdict {
        Some(v) => {
            let passed = v["passed"] == true;
            let _ = writeln!(
                h,
                "<p class=\"verdict {}\">{}</p>",
                if passed { "pass" } else { "fail" },
                if passed { "PASSED" } else { "FAILED" }
            );
            if let Some(checks) = v["checks"].as_array() {
                h.push_str("<h2>Checks</h2>\n<table><tr><th></th><th>check</th><th>detail</th></tr>\n");
                for c in checks {
                    let ok = c["passed"] == true;
                    let _ = writeln!(
                        h,
                        "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td></tr>",
                        if ok { "pass" } else { "fail" },
                        if ok { "PASS" } else { "FAIL" },
                        escape(c["name"].as_str().unwrap_or("")),
                        escape(c["detail"].as_str().unwrap_or(""))
                    );
                }
                h.push_str("</table>\n");
            }
            let alarms = v["alarms"].as_array().cloned().unwrap_or_default();
            if !alarms.is_empty() {
                h.push_str("<h2>Alarms</h2>\n<ul>\n");
                for a in &alarms {
                    let at = a["time_ms"].as_u64().map_or(String::new(), |t| format!("{:.1} s: ", secs(t.saturating_sub(started))));
                    let _ = writeln!(
                        h,
                        "<li class=\"fail\">{at}<b>{}</b> {}</li>",
                        escape(a["kind"].as_str().unwrap_or("")),
                        escape(a["detail"].as_str().unwrap_or(""))
                    );
                }
                h.push_str("</ul>\n");
            }
        }
        None => h.push_str("<p class=\"verdict none\">no verdict: the run had not ended (or its orchestrator was killed) when this was written</p>\n"),
    }
    h.push_str("<h2>Over time</h2>\n");
    for p in &plots {
        let _ = writeln!(h, "<div class=\"figure\">{p}</div>");
    }
    h.push_str("<h2>Fault windows</h2>\n");
    if wins.is_empty() {
        h.push_str("<p>No fault was in force.</p>\n");
    } else {
        h.push_str("<table id=\"windows\"><tr><th></th><th>in force</th><th>from</th><th>to</th></tr>\n");
        for w in &wins {
            let _ = writeln!(
                h,
                "<tr><td class=\"letter\">{}</td><td>{}</td><td>{:.1} s</td><td>{:.1} s{}</td></tr>",
                w.letter,
                escape(&w.title()),
                secs(w.from_ms),
                secs(w.to_ms),
                if w.open_at_end { " (still in force)" } else { "" }
            );
        }
        h.push_str("</table>\n");
    }
    let k = pow_k(dir);
    let rented = k.map(|k| rentals::rentals(&samples, &wins, k)).unwrap_or_default();
    if let (Some(k), false) = (k, rented.is_empty()) {
        let _ = writeln!(
            h,
            "<h2>Hashrate rentals</h2>\n<p>The deepest reorg any node went through from each rental's start until \
             {k} blocks (k) after its end.</p>\n<table id=\"rentals\"><tr><th>node</th><th>share</th><th>from</th>\
             <th>to</th><th>looked at until</th><th>deepest reorg</th></tr>"
        );
        for r in &rented {
            let deepest = r.deepest.as_ref().map_or("none".to_string(), |(d, n)| format!("{d} ({n})"));
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{:.1} s</td><td>{:.1} s</td><td>{:.1} s{}</td><td>{}</td></tr>",
                escape(&r.node),
                escape(&r.share),
                secs(r.from_ms),
                secs(r.to_ms),
                secs(r.until_ms),
                if r.short { " (run ended first)" } else { "" },
                escape(&deepest)
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("<h2>Faults injected</h2>\n");
    if faults.is_empty() {
        h.push_str("<p>None.</p>\n");
    } else {
        h.push_str("<table id=\"faults\"><tr><th>at</th><th>fault</th><th>result</th></tr>\n");
        for f in &faults {
            let _ = writeln!(
                h,
                "<tr class=\"{}\"><td>{:.1} s</td><td><code>{}</code></td><td>{}</td></tr>",
                if f.ok { "" } else { "fail" },
                secs(f.t_ms),
                escape(&f.inject),
                escape(&if f.ok { f.result.clone() } else { format!("refused: {}", f.result) })
            );
        }
        h.push_str("</table>\n");
    }
    let _ = write!(
        h,
        "<p class=\"foot\">Written by <code>devnet report</code> from {}, {} and {}. Times count from the run's start.</p>\n</body></html>\n",
        METRICS, FAULTS, VERDICT
    );
    Ok(h)
}

const STYLE: &str = "body{font-family:sans-serif;margin:24px;color:#111827;max-width:1000px}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 8px}\
.facts{color:#4b5563;margin:0 0 12px}.verdict{font-weight:bold;font-size:18px;display:inline-block;padding:2px 10px;border-radius:4px}\
.verdict.pass{background:#dcfce7;color:#166534}.verdict.fail{background:#fee2e2;color:#991b1b}.verdict.none{background:#f3f4f6;color:#374151;font-size:14px}\
table{border-collapse:collapse;font-size:13px}td,th{border-bottom:1px solid #e5e7eb;padding:3px 10px;text-align:left;vertical-align:top}\
tr.fail td,li.fail{color:#991b1b}td.letter{font-weight:bold;color:#92400e}.figure{margin:6px 0}.foot{color:#6b7280;font-size:12px;margin-top:24px}";

/// `devnet report RUN [-o FILE]`: writes the report (by default `report.html`
/// in the run directory) and returns its path.
pub fn write(run: &Path, out: Option<&Path>) -> Result<std::path::PathBuf, String> {
    let dir = run_record::find_run(run)?;
    let html = render(&dir)?;
    let path = out.map_or_else(|| dir.join(FILE), Path::to_path_buf);
    std::fs::write(&path, html).map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    Ok(path)
}
