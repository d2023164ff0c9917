//! `devnet up --headless`: the same cluster with no terminal UI.
//!
//! Without `--json`: one status line per second on stdout. With `--json`: one
//! JSON object per line for every node event, process change and alarm, then a
//! final `{"type":"summary"}` line. A load the devnet ran (`devnet inject
//! load 500/s`, then `load stop`) prints its report when it has drained:
//! the text of `devnet load`, or its `{"type":"load"}` object.
//! Runs until `--for` elapses or SIGINT/SIGTERM.
//! Exit code: 0, or 1 when a safety alarm fired.

use crate::cluster::{ClusterEvent, ClusterView, json};
use crate::devnet::{Devnet, now_ms};
use serde_json::json;
use std::io::Write;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};

pub async fn run(mut devnet: Devnet, duration: Option<Duration>, as_json: bool) -> anyhow::Result<i32> {
    let out = std::io::stdout();
    let print = |line: String| {
        let mut o = out.lock();
        let _ = writeln!(o, "{line}");
        let _ = o.flush();
    };
    if !as_json {
        let d = &devnet.dir;
        let backend = devnet.backend.kind();
        print(format!(
            "devnet {} ({}, {} nodes{}) in {}{}",
            d.spec.name,
            d.spec.consensus,
            d.nodes.nodes.len(),
            if backend == crate::supervisor::BackendKind::Local {
                String::new()
            } else {
                format!(" on {}", backend.as_str())
            },
            d.root.display(),
            if d.resumed { " (resumed)" } else { "" }
        ));
    }
    let end = duration.map(|d| tokio::time::Instant::now() + d);
    let until_end = async {
        match end {
            Some(t) => tokio::time::sleep_until(t).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(until_end);
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    // This loop stops the devnet cleanly on both; the docker and kubernetes backends' own handlers stand aside.
    crate::supervisor::caller_handles_signals();
    let mut second = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            Some(ev) = devnet.events.recv() => {
                let alarms_before = devnet.view.alarms.len();
                if as_json && let Some(line) = event_line(&devnet.view, &ev) {
                    print(line);
                }
                devnet.apply(ev);
                if as_json {
                    for a in &devnet.view.alarms[alarms_before..] {
                        print(json!({"type": "alarm", "kind": a.kind, "detail": a.detail, "time_ms": a.time_ms}).to_string());
                    }
                }
                for load in devnet.take_fresh_loads() {
                    print(load_lines(&load, as_json));
                }
            }
            Some(req) = devnet.control.recv() => devnet.handle_control(req).await,
            _ = Devnet::rent_timer(devnet.faults.next_end_ms()) => devnet.end_rentals().await,
            _ = second.tick() => {
                devnet.sample(now_ms());
                if !as_json {
                    print(status_line(&devnet.view, now_ms()));
                }
            }
            _ = &mut until_end => break,
            _ = term.recv() => break,
            _ = int.recv() => break,
        }
    }
    let code = if devnet.view.has_safety_alarm() { 1 } else { 0 };
    let view = devnet.view.clone();
    devnet.shutdown().await;
    if as_json {
        print(json::summary(&view, now_ms()).to_string());
    } else {
        print(status_line(&view, now_ms()));
        for a in &view.alarms {
            print(format!("ALARM {}: {}", a.kind, a.detail));
        }
    }
    Ok(code)
}

/// A finished load (`devnet inject load stop`): its report as `devnet load` prints it.
fn load_lines(load: &Result<crate::load::LoadReport, String>, as_json: bool) -> String {
    match (load, as_json) {
        (Ok(r), true) => r.to_json().to_string(),
        (Ok(r), false) => r.to_text(),
        (Err(e), true) => json!({"type": "load", "error": e, "time_ms": now_ms()}).to_string(),
        (Err(e), false) => format!("load failed: {e}"),
    }
}

/// One cluster event as a JSON line (None for events that are not printed).
pub fn event_line(view: &ClusterView, ev: &ClusterEvent) -> Option<String> {
    let id = |i: usize| view.nodes.get(i).map(|n| n.id.clone()).unwrap_or_default();
    let v = match ev {
        ClusterEvent::Node { node, event } => json::node_event(&id(*node), event),
        ClusterEvent::Proc(p) => {
            let detail = match &p.state {
                crate::supervisor::ProcState::Crashed(how) => how.clone(),
                _ => String::new(),
            };
            json!({"type": "process", "node": id(p.node), "state": p.state.label(), "detail": detail, "time_ms": now_ms()})
        }
        ClusterEvent::Connected { .. } | ClusterEvent::Disconnected { .. } | ClusterEvent::Status { .. } => {
            return None;
        }
    };
    Some(v.to_string())
}

/// `slot 42 epoch 10 | up 4/4 | finalized e8 h32 (lag 10) | n0 h42 f32 p3 | ...` (gasper);
/// the other engines count in their own axis's word (their description): `height 42 | up 4/4 | committed h41 (lag 1) | ...`,
/// `height 42 | up 4/4 | k-deep h37 (lag 5) | ...`.
pub fn status_line(view: &ClusterView, now: u64) -> String {
    let slot = view.current_slot(now);
    let fin = view.finalized();
    let (up, total, lag) = (view.nodes_up(), view.nodes.len(), view.finality_lag(now));
    let h = fin.block.height;
    let d = view.desc();
    let mut s = if d.epochs {
        format!("{} {slot} epoch {} | up {up}/{total} |", d.axis.word, view.epoch_of(slot))
    } else {
        format!("{} {slot} | up {up}/{total} |", d.axis.word)
    };
    if d.finality.by_epoch {
        s.push_str(&format!(" {} e{} h{h} (lag {lag})", d.finality.label, fin.epoch));
    } else {
        s.push_str(&format!(" {} h{h} (lag {lag})", d.finality.label));
    }
    for n in &view.nodes {
        s.push_str(&format!(
            " | {} {} h{} f{} p{}",
            n.id,
            n.state_label(),
            n.head.height,
            n.finalized.block.height,
            n.peers_up.len()
        ));
    }
    let (offered, finalized) = view.txs.tps();
    if offered > 0.0 || finalized > 0.0 {
        s.push_str(&format!(" | tx/s offered {offered:.0} final {finalized:.0}"));
    }
    if let Some(st) = view.finality_stall(now) {
        s.push_str(&format!(" | finality stalled {} ({})", crate::cluster::stall::human(st.for_ms), st.missing));
    }
    if !view.alarms.is_empty() {
        s.push_str(&format!(" | ALARMS {}", view.alarms.len()));
    }
    s
}

/// A human rendering of a summary object (for `devnet status` without --json).
pub fn status_from_summary(v: &serde_json::Value) -> String {
    let engine = v["engine"].as_str().unwrap_or("?");
    let d = crate::cluster::engine::description(engine);
    let heights = !d.axis.clock;
    let mut out = format!("{} ({engine}) {} {}\n", v["cluster"].as_str().unwrap_or("?"), d.axis.word, v["slot"]);
    out.push_str(&format!("{:<10} {:<9} {:<16} {:<16} {:<6} faults\n", "node", "state", "head", "finalized", "peers"));
    for n in v["nodes"].as_array().into_iter().flatten() {
        let faults = n["faults"].as_array().map(|f| f.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>());
        out.push_str(&format!(
            "{:<10} {:<9} {:<16} {:<16} {:<6} {}\n",
            n["id"].as_str().unwrap_or("?"),
            n["state"].as_str().unwrap_or("?"),
            if heights {
                format!("h{}", n["head_height"])
            } else {
                format!("s{} h{}", n["head_slot"], n["head_height"])
            },
            if d.finality.by_epoch {
                format!("e{} h{}", n["finalized_epoch"], n["finalized_height"])
            } else {
                format!("h{}", n["finalized_height"])
            },
            n["peers"].to_string(),
            faults.unwrap_or_default().join(", "),
        ));
    }
    let t = &v["txs"];
    if let (Some(o), Some(f)) = (t["offered_tps"].as_f64(), t["finalized_tps"].as_f64()) {
        let pools: Vec<String> = v["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| format!("{} {}", n["id"].as_str().unwrap_or("?"), n["txs"]["mempool_txs"]))
            .collect();
        out.push_str(&format!(
            "transactions: offered {o:.0}/s, finalized {f:.0}/s, {:.1} per block; mempools {}\n",
            t["txs_per_block"].as_f64().unwrap_or(0.0),
            pools.join(", ")
        ));
    }
    if let Some(ms) = v["finality_stalled"]["for_ms"].as_u64() {
        let missing = v["finality_stalled"]["missing"].as_str().unwrap_or("?");
        out.push_str(&format!("finality stalled {} ({missing})\n", crate::cluster::stall::human(ms)));
    }
    for a in v["alarms"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "ALARM {}: {}\n",
            a["kind"].as_str().unwrap_or("?"),
            a["detail"].as_str().unwrap_or("?")
        ));
    }
    out.trim_end().to_string()
}
