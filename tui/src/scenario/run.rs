//! Running a scenario: start its devnet fresh, inject each step at its time,
//! record the timeline, then judge every expectation and the always-on checks
//! and report. Human report by default; with `json`, the node events as JSON
//! lines (as `devnet up --headless --json`), a line per step, and a closing
//! `{"type":"verdict","passed":bool,"checks":[...],"metrics":{...}}`.
//!
//! A load a step started (`load 500/s`) runs until a `load stop` step or the
//! end of the run, when it drains for at most `STOP_DRAIN` after the checks
//! are judged; its report is printed, goes into `metrics.load`, and adds a
//! check that its accounting adds up.

use super::checks::{CheckResult, Context};
use super::file::{Scenario, When};
use super::metrics::Metrics;
use super::timeline::Timeline;
use crate::devnet::{Devnet, now_ms};
use crate::headless::event_line;
use crate::load::LoadReport;
use crate::load::in_devnet::STOP_DRAIN;
use serde_json::json;
use std::io::Write;
use std::path::Path;

fn print(line: &str) {
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "{line}");
    let _ = o.flush();
}

fn secs(ms: u64) -> String {
    format!("{:.2}s", ms as f64 / 1000.0)
}

/// How a run reports as it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Steps and the checks, for people.
    Human,
    /// Node events, steps and the verdict as JSON lines.
    Json,
    /// Nothing: the caller reports (`devnet compare`).
    Quiet,
}

/// What a run found.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub passed: bool,
    pub checks: Vec<CheckResult>,
    pub metrics: Metrics,
    /// The run's directory (`run_record`), when it could be written.
    pub record: Option<std::path::PathBuf>,
}

/// Runs `scn` in a fresh cluster under `data_dir`; returns whether every check held.
pub async fn run(scn: &Scenario, data_dir: &Path, as_json: bool) -> anyhow::Result<bool> {
    let out = execute(scn, data_dir, if as_json { Output::Json } else { Output::Human }).await?;
    Ok(out.passed)
}

/// Runs `scn` in a fresh cluster under `data_dir`, reporting as `output` says.
pub async fn execute(scn: &Scenario, data_dir: &Path, output: Output) -> anyhow::Result<Outcome> {
    let as_json = output == Output::Json;
    let human = output == Output::Human;
    let mut devnet = Devnet::up_seeded(&scn.devnet, data_dir, true, scn.seed).await?;
    devnet.record_run(&scn.devnet_text(), Some((&scn.source, &scn.name)));
    let cfg = &scn.devnet;
    if human {
        print(&format!("scenario {}: {}", scn.name, scn.description));
        print(&format!(
            "  {} nodes, {}, {} ms slots, {}-slot epochs, {} long; cluster in {}",
            cfg.nodes,
            cfg.consensus,
            cfg.slot_ms,
            cfg.epoch_slots,
            secs(scn.duration.as_millis() as u64),
            devnet.dir.root.display()
        ));
    }
    let genesis = devnet.dir.spec.genesis_time_ms;
    let at = |w: &When| match w {
        When::Time(d) => d.as_millis() as u64,
        When::Slot(s) => s * cfg.slot_ms,
    };
    let mut order: Vec<usize> = (0..scn.steps.len()).collect();
    order.sort_by_key(|i| at(&scn.steps[*i].when));
    let mut next = order.into_iter().peekable();
    let end = scn.duration.as_millis() as u64;
    let mut tl = Timeline::new(scn.steps.len());
    let since_genesis = || now_ms().saturating_sub(genesis);
    let mut second = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        let due = next.peek().map(|i| at(&scn.steps[*i].when)).unwrap_or(end).min(end);
        let sleep = tokio::time::sleep(std::time::Duration::from_millis(due.saturating_sub(since_genesis())));
        tokio::select! {
            Some(ev) = devnet.events.recv() => {
                let t = since_genesis();
                if as_json && let Some(line) = event_line(&devnet.view, &ev) {
                    print(&line);
                }
                tl.on_event(&ev, t);
                devnet.apply(ev);
                tl.sample(&devnet.view, t);
            }
            Some(req) = devnet.control.recv() => devnet.handle_control(req).await,
            _ = Devnet::rent_timer(devnet.faults.next_end_ms()) => devnet.end_rentals().await,
            _ = second.tick() => devnet.sample(now_ms()),
            _ = sleep => {
                let t = since_genesis();
                if t >= end {
                    break;
                }
                if let Some(i) = next.next() {
                    let step = &scn.steps[i];
                    tl.steps[i] = Some(t);
                    let result = devnet.inject(&step.words).await;
                    let slot = t / cfg.slot_ms;
                    let text = match &result { Ok(m) => m.clone(), Err(e) => format!("FAILED: {e}") };
                    if as_json {
                        print(&json!({"type": "step", "name": step.name, "inject": step.words.join(" "), "t_ms": t, "slot": slot, "ok": result.is_ok(), "result": text}).to_string());
                    } else if human {
                        print(&format!("  [{:>6} slot {slot:>4}] {}: {} -> {text}", secs(t), step.name, step.words.join(" ")));
                    }
                }
            }
        }
    }
    let end = since_genesis();
    tl.sample(&devnet.view, end);
    // Loads end before the checks, which may read their reports.
    let loads = devnet.finish_loads(STOP_DRAIN).await;
    let reports: Vec<LoadReport> = loads.iter().filter_map(|l| l.as_ref().ok().cloned()).collect();
    let ctx =
        Context { scenario: scn, timeline: &tl, view: &devnet.view, faults: &devnet.faults, end, loads: &reports };
    let mut checks: Vec<CheckResult> = scn
        .expects
        .iter()
        .map(|e| {
            let (passed, detail) = ctx.evaluate(&e.check);
            CheckResult { name: e.label.clone(), passed, detail }
        })
        .collect();
    checks.extend(ctx.always_on());
    let metrics = Metrics::of(&ctx);
    let rented = if devnet.faults.rentals.is_empty() {
        vec![]
    } else {
        let k = devnet.dir.spec.params::<devnet_node::consensus::pow::PowParams>().map_or(0, |p| p.k);
        let ids: Vec<String> = devnet.view.nodes.iter().map(|n| n.id.clone()).collect();
        super::rentals::rows(&devnet.faults.rentals, &tl, genesis, end, k, &ids)
    };
    let mut record = devnet.record.take();
    let view = record.as_ref().map(|_| devnet.view.clone());
    devnet.shutdown().await;
    checks.extend(load_checks(&loads));
    let last_load = loads.iter().rev().find_map(|l| l.as_ref().ok()).cloned();
    let metrics = metrics.with_load(last_load);
    let passed = checks.iter().all(|c| c.passed);
    if let (Some(r), Some(view)) = (&mut record, &view) {
        let verdict = json!({"type": "verdict", "scenario": scn.name, "passed": passed, "checks": checks,
                             "metrics": metrics, "rentals": rented, "alarms": view.alarms.iter().map(|a| json!({"kind": a.kind, "detail": a.detail, "time_ms": a.time_ms})).collect::<Vec<_>>()});
        if let Err(e) = r.finish(view, now_ms(), verdict) {
            eprintln!("devnet: the run record in {} is incomplete: {e}", r.dir.display());
        }
    }
    let record = record.map(|r| r.dir);
    if as_json {
        for r in loads.iter().flatten() {
            print(&r.to_json().to_string());
        }
        let verdict = json!({"type": "verdict", "scenario": scn.name, "passed": passed, "checks": checks,
                             "metrics": metrics, "rentals": rented});
        print(&verdict.to_string());
    } else if human {
        for r in loads.iter().flatten() {
            for line in r.to_text().lines() {
                print(&format!("  {line}"));
            }
        }
        if !rented.is_empty() {
            print("hashrate rentals (deepest reorg from the start until k blocks after the end):");
            for r in &rented {
                print(&format!("  {}", r.text()));
            }
        }
        print("checks:");
        for c in &checks {
            print(&format!("  {} {} — {}", if c.passed { "PASS" } else { "FAIL" }, c.name, c.detail));
        }
        let failed = checks.iter().filter(|c| !c.passed).count();
        print(&format!(
            "verdict: {} ({} checks, {failed} failed)",
            if passed { "PASSED" } else { "FAILED" },
            checks.len()
        ));
    }
    Ok(Outcome { passed, checks, metrics, record })
}

/// A check per load the run ran: its report's accounting adds up (or why it has none).
fn load_checks(loads: &[Result<LoadReport, String>]) -> Vec<CheckResult> {
    let n = loads.len();
    loads
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let name =
                if n == 1 { "load accounting".to_string() } else { format!("load accounting ({} of {n})", i + 1) };
            match l {
                Ok(r) => match r.check() {
                    Ok(()) => CheckResult {
                        name,
                        passed: true,
                        detail: format!(
                            "submitted {} = admitted {} + rejected {}; final {}, {:.1} final/s, p99 submit→final {}",
                            r.submitted,
                            r.admitted,
                            r.rejected,
                            r.final_,
                            r.finalized_tps,
                            r.latency_final_ms.p99.map_or("-".into(), |p| format!("{p:.0} ms"))
                        ),
                    },
                    Err(e) => CheckResult { name, passed: false, detail: e },
                },
                Err(e) => CheckResult { name, passed: false, detail: format!("the load gave no report: {e}") },
            }
        })
        .collect()
}
