//! `events.jsonl`: everything that changed the dashboard's view during a run,
//! one JSON object per line, in the order it happened, so `devnet replay`
//! folds the same view back and people (and `jq`) can read it.
//!
//! Rules:
//! - Every line has `at_ms` (the orchestrator's unix ms when it was applied)
//!   and `kind`. What the view is folded from (`node`, `status`, `proc`,
//!   `connected`, `disconnected`) carries the node's index; node events and
//!   statuses carry their protobuf encoding in `pb` (base64), which is what
//!   a replay decodes, and node events also their readable form (`event`,
//!   as `devnet up --headless --json` prints it).
//! - What changes the view from outside the fold is recorded as its result:
//!   `node_added` (a twin joined), `faults` (the labels and link rules in force after a fault), `log` (a
//!   line the orchestrator wrote, such as the fault it injected), `alarm`
//!   (raised by the watchdog) and `load` (a running load's figures).
//! - A line that does not decode is an error naming its line number; a
//!   replay never guesses.

use crate::cluster::txs::LoadFigures;
use crate::cluster::{ClusterEvent, LinkView, LogKind, json};
use crate::supervisor::{ProcEvent, ProcState};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use devnet_node::config::NodeEntry;
use devnet_proto::v1 as pb;
use prost::Message;
use serde_json::{Value, json};

/// One thing that changed the view, as recorded.
#[derive(Clone, Debug)]
pub enum Recorded {
    Cluster(ClusterEvent),
    Faults {
        labels: Vec<Vec<String>>,
        links: Vec<Vec<LinkView>>,
    },
    Log {
        node: Option<usize>,
        kind: LogKind,
        text: String,
    },
    Alarm {
        kind: String,
        detail: String,
    },
    Load(Option<LoadFigures>),
    /// A node added while running (a twin).
    NodeAdded(NodeEntry),
}

/// A recorded line: when it was applied (unix ms) and what.
#[derive(Clone, Debug)]
pub struct Line {
    pub at_ms: u64,
    pub item: Recorded,
}

const LOG_KINDS: [(LogKind, &str); 7] = [
    (LogKind::Info, "info"),
    (LogKind::Finality, "finality"),
    (LogKind::Process, "process"),
    (LogKind::Fault, "fault"),
    (LogKind::Warning, "warning"),
    (LogKind::Slashing, "slashing"),
    (LogKind::Alarm, "alarm"),
];

fn log_kind_name(k: LogKind) -> &'static str {
    LOG_KINDS.iter().find(|(x, _)| *x == k).map_or("info", |(_, n)| n)
}

fn link_json(l: &LinkView) -> Value {
    json!({"blocked": l.blocked, "delay_ms": l.delay_ms, "jitter_ms": l.jitter_ms, "loss": l.loss, "drop": l.drop_kinds})
}

fn proc_state(s: &ProcState) -> Value {
    match s {
        ProcState::Crashed(how) => json!({"state": "crashed", "how": how}),
        other => json!({"state": other.label()}),
    }
}

/// The JSON line for `item` applied at `at_ms`; `ids` names the nodes.
pub fn encode(at_ms: u64, item: &Recorded, ids: &[String]) -> Value {
    let mut v = match item {
        Recorded::Cluster(ev) => return encode_event(at_ms, ev, ids),
        Recorded::Faults { labels, links } => json!({
            "kind": "faults", "labels": labels,
            "links": links.iter().map(|r| r.iter().map(link_json).collect::<Vec<_>>()).collect::<Vec<_>>(),
        }),
        Recorded::Log { node, kind, text } => {
            json!({"kind": "log", "node": node, "log": log_kind_name(*kind), "text": text})
        }
        Recorded::Alarm { kind, detail } => json!({"kind": "alarm", "alarm": kind, "detail": detail}),
        Recorded::Load(l) => json!({"kind": "load", "load": l}),
        Recorded::NodeAdded(n) => json!({"kind": "node_added", "entry": n}),
    };
    v["at_ms"] = at_ms.into();
    v
}

/// The JSON line for a cluster event (`encode` of `Recorded::Cluster`,
/// without moving the event).
pub fn encode_event(at_ms: u64, ev: &ClusterEvent, ids: &[String]) -> Value {
    let id = |i: &usize| ids.get(*i).cloned().unwrap_or_else(|| format!("n{i}"));
    let mut v = match ev {
        ClusterEvent::Node { node, event } => json!({
            "kind": "node", "node": node, "event": json::node_event(&id(node), event),
            "pb": B64.encode(event.encode_to_vec()),
        }),
        ClusterEvent::Status { node, status } => json!({
            "kind": "status", "node": node, "pb": B64.encode(status.encode_to_vec()),
        }),
        ClusterEvent::Proc(p) => {
            let mut v = proc_state(&p.state);
            v["kind"] = "proc".into();
            v["node"] = p.node.into();
            v
        }
        ClusterEvent::Connected { node } => json!({"kind": "connected", "node": node}),
        ClusterEvent::Disconnected { node } => json!({"kind": "disconnected", "node": node}),
    };
    v["at_ms"] = at_ms.into();
    v
}

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value, String> {
    v.get(name).filter(|x| !x.is_null()).ok_or_else(|| format!("no `{name}`"))
}

fn uint(v: &Value, name: &str) -> Result<u64, String> {
    field(v, name)?.as_u64().ok_or_else(|| format!("`{name}` is not a whole number"))
}

fn text(v: &Value, name: &str) -> Result<String, String> {
    field(v, name)?.as_str().map(str::to_string).ok_or_else(|| format!("`{name}` is not a string"))
}

fn pb_bytes(v: &Value) -> Result<Vec<u8>, String> {
    B64.decode(text(v, "pb")?).map_err(|e| format!("`pb` is not base64: {e}"))
}

fn link(v: &Value) -> Result<LinkView, String> {
    Ok(LinkView {
        blocked: v["blocked"].as_bool().unwrap_or(false),
        delay_ms: v["delay_ms"].as_u64().unwrap_or(0),
        jitter_ms: v["jitter_ms"].as_u64().unwrap_or(0),
        loss: v["loss"].as_f64().unwrap_or(0.0),
        drop_kinds: serde_json::from_value(v["drop"].clone()).map_err(|e| format!("`drop`: {e}"))?,
    })
}

/// Reads one line back.
pub fn decode(line: &str) -> Result<Line, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let at_ms = uint(&v, "at_ms")?;
    let node = || uint(&v, "node").map(|n| n as usize);
    let kind = text(&v, "kind")?;
    let item = match kind.as_str() {
        "node" => {
            let event = pb::Event::decode(pb_bytes(&v)?.as_slice()).map_err(|e| format!("`pb`: {e}"))?;
            Recorded::Cluster(ClusterEvent::Node { node: node()?, event })
        }
        "status" => {
            let status = pb::NodeStatus::decode(pb_bytes(&v)?.as_slice()).map_err(|e| format!("`pb`: {e}"))?;
            Recorded::Cluster(ClusterEvent::Status { node: node()?, status: Box::new(status) })
        }
        "proc" => {
            let state = match text(&v, "state")?.as_str() {
                "running" => ProcState::Running,
                "paused" => ProcState::Paused,
                "stopped" => ProcState::Stopped,
                "crashed" => ProcState::Crashed(v["how"].as_str().unwrap_or_default().to_string()),
                s => return Err(format!("unknown process state `{s}`")),
            };
            Recorded::Cluster(ClusterEvent::Proc(ProcEvent { node: node()?, state }))
        }
        "connected" => Recorded::Cluster(ClusterEvent::Connected { node: node()? }),
        "disconnected" => Recorded::Cluster(ClusterEvent::Disconnected { node: node()? }),
        "faults" => {
            let labels = serde_json::from_value(field(&v, "labels")?.clone()).map_err(|e| format!("`labels`: {e}"))?;
            let rows = field(&v, "links")?.as_array().ok_or("`links` is not a list")?;
            let links = rows
                .iter()
                .map(|r| r.as_array().ok_or("a `links` row is not a list")?.iter().map(link).collect())
                .collect::<Result<_, String>>()?;
            Recorded::Faults { labels, links }
        }
        "log" => {
            let name = text(&v, "log")?;
            let kind = LOG_KINDS
                .iter()
                .find(|(_, n)| *n == name)
                .map(|(k, _)| *k)
                .ok_or_else(|| format!("unknown log kind `{name}`"))?;
            Recorded::Log { node: v["node"].as_u64().map(|n| n as usize), kind, text: text(&v, "text")? }
        }
        "alarm" => Recorded::Alarm { kind: text(&v, "alarm")?, detail: text(&v, "detail")? },
        "load" => Recorded::Load(serde_json::from_value(v["load"].clone()).map_err(|e| format!("`load`: {e}"))?),
        "node_added" => Recorded::NodeAdded(
            serde_json::from_value(field(&v, "entry")?.clone()).map_err(|e| format!("`entry`: {e}"))?,
        ),
        other => return Err(format!("unknown kind `{other}`")),
    };
    Ok(Line { at_ms, item })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(item: Recorded) -> Recorded {
        let ids = vec!["n0".to_string(), "n1".to_string()];
        let line = encode(1_234, &item, &ids).to_string();
        let back = decode(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(back.at_ms, 1_234);
        back.item
    }

    #[test]
    fn every_kind_of_line_reads_back_as_written() {
        let event = pb::Event {
            seq: 9,
            slot: 4,
            time_ms: 77,
            kind: Some(pb::event::Kind::RoundFailed(pb::RoundFailed { height: 3, round: 1 })),
        };
        let Recorded::Cluster(ClusterEvent::Node { node: 1, event: back }) =
            round_trip(Recorded::Cluster(ClusterEvent::Node { node: 1, event: event.clone() }))
        else {
            panic!("not a node event")
        };
        assert_eq!(back, event);
        let status = pb::NodeStatus { id: "n1".into(), slot: 12, seq: 40, ..Default::default() };
        let Recorded::Cluster(ClusterEvent::Status { node: 0, status: back }) =
            round_trip(Recorded::Cluster(ClusterEvent::Status { node: 0, status: Box::new(status.clone()) }))
        else {
            panic!("not a status")
        };
        assert_eq!(*back, status);
        let crashed = ProcEvent { node: 1, state: ProcState::Crashed("killed by signal 9".into()) };
        let Recorded::Cluster(ClusterEvent::Proc(p)) = round_trip(Recorded::Cluster(ClusterEvent::Proc(crashed)))
        else {
            panic!("not a process event")
        };
        assert_eq!((p.node, p.state), (1, ProcState::Crashed("killed by signal 9".into())));
        let cut = LinkView { blocked: true, delay_ms: 5, jitter_ms: 1, loss: 0.25, drop_kinds: vec!["vote".into()] };
        let links = vec![vec![LinkView::default(), cut.clone()], vec![LinkView::default(); 2]];
        let labels = vec![vec!["cut n0→n1".to_string()], vec![]];
        let Recorded::Faults { labels: l, links: k } =
            round_trip(Recorded::Faults { labels: labels.clone(), links: links.clone() })
        else {
            panic!("not faults")
        };
        assert_eq!((l, k), (labels, links));
        let Recorded::Log { node: Some(1), kind: LogKind::Fault, text } =
            round_trip(Recorded::Log { node: Some(1), kind: LogKind::Fault, text: "crash n1".into() })
        else {
            panic!("not a log line")
        };
        assert_eq!(text, "crash n1");
        // A float that serde_json reads back one bit off without `float_roundtrip` (found by the fuzz target).
        let figures =
            LoadFigures { rate: 50.0, submitted: 10, final_: 8, p50_ms: Some(231.66666666666663), p99_ms: None };
        let Recorded::Load(Some(f)) = round_trip(Recorded::Load(Some(figures.clone()))) else { panic!("not a load") };
        assert_eq!(f, figures);
    }

    #[test]
    fn a_line_that_does_not_decode_says_what_is_wrong() {
        assert!(decode("{\"at_ms\":1,\"kind\":\"node\",\"node\":0,\"pb\":\"%%%\"}").unwrap_err().contains("base64"));
        assert!(decode("{\"at_ms\":1,\"kind\":\"warp\"}").unwrap_err().contains("unknown kind `warp`"));
        assert!(decode("{\"kind\":\"connected\",\"node\":0}").unwrap_err().contains("no `at_ms`"));
        assert!(decode("nope").unwrap_err().contains("not JSON"));
    }
}
