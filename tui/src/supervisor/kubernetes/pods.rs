//! What the pods say, turned into the `ProcEvent`s every backend reports.
//!
//! A node's process is one *run* of its container: a pod (by uid) and the
//! container's restart count. The tracker reports each run once:
//! `Running` when its pod is Ready, and when it ends (its container
//! terminated, restarted by the kubelet, or its pod deleted) `Stopped` if
//! the backend asked for a stop, `Crashed` otherwise, with how it ended. A
//! container that exits on its own is restarted by the kubelet (a
//! StatefulSet's pods always restart): that reads as a crash, then
//! `Running` again. `Paused`/`Running` for a freeze are the backend's to
//! send (the pod does not show a freeze). Pure: fed pod objects, returns
//! what to report.

use super::manifests::{CONTAINER, LABEL_NODE};
use crate::supervisor::ProcState;
use k8s_openapi::api::core::v1::{ContainerStateTerminated, Pod};

/// What the backend asked of a node, which decides how its end reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Asked {
    #[default]
    Nothing,
    Stop,
    /// A crash, and how it reads (what the backend did).
    Crash(String),
}

/// The facts about one pod the tracker uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodFacts {
    pub uid: String,
    pub restarts: i32,
    pub ready: bool,
    /// The container's current run has begun (it runs, or ran and ended).
    pub started: bool,
    pub deleting: bool,
    /// The container's current run has ended, and how.
    pub terminated: Option<String>,
    /// How the run before the current one ended (after a kubelet restart).
    pub last_terminated: Option<String>,
    /// Why the container is not running yet, when that is a problem (no
    /// image, bad config, crash loop) or the pod cannot be scheduled.
    pub problem: Option<String>,
}

/// Reasons a waiting container will not start by itself.
const STUCK: [&str; 7] = [
    "ErrImagePull",
    "ImagePullBackOff",
    "ErrImageNeverPull",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "CrashLoopBackOff",
];

/// The node id a pod runs (its `devnet/node` label).
pub fn node_of(pod: &Pod) -> Option<&str> {
    pod.metadata.labels.as_ref()?.get(LABEL_NODE).map(String::as_str)
}

pub fn facts(pod: &Pod) -> PodFacts {
    let status = pod.status.as_ref();
    let container =
        status.and_then(|s| s.container_statuses.as_ref()).and_then(|cs| cs.iter().find(|c| c.name == CONTAINER));
    let state = container.and_then(|c| c.state.as_ref());
    let conditions = status.and_then(|s| s.conditions.as_deref()).unwrap_or_default();
    let condition = |kind: &str| conditions.iter().find(|c| c.type_ == kind);
    let waiting =
        state.and_then(|s| s.waiting.as_ref()).filter(|w| w.reason.as_deref().is_some_and(|r| STUCK.contains(&r)));
    let unschedulable = condition("PodScheduled").filter(|c| c.status == "False");
    let problem = match (waiting, unschedulable) {
        (Some(w), _) => Some(format!(
            "{}: {}",
            w.reason.as_deref().unwrap_or_default(),
            w.message.as_deref().unwrap_or("no message")
        )),
        (None, Some(c)) => Some(format!(
            "not scheduled ({}): {}",
            c.reason.as_deref().unwrap_or("no reason"),
            c.message.as_deref().unwrap_or("no message")
        )),
        _ => None,
    };
    PodFacts {
        uid: pod.metadata.uid.clone().unwrap_or_default(),
        restarts: container.map_or(0, |c| c.restart_count),
        ready: condition("Ready").is_some_and(|c| c.status == "True"),
        started: state.is_some_and(|s| s.running.is_some() || s.terminated.is_some()),
        deleting: pod.metadata.deletion_timestamp.is_some(),
        terminated: state.and_then(|s| s.terminated.as_ref()).map(describe),
        last_terminated: container.and_then(|c| c.last_state.as_ref()?.terminated.as_ref()).map(describe),
        problem,
    }
}

/// How a container's end reads, as the other backends say it.
pub fn describe(t: &ContainerStateTerminated) -> String {
    let how = match (t.signal, t.exit_code) {
        (Some(s), _) if s > 0 => format!("killed by signal {s}"),
        (_, c @ 129..=159) => format!("killed by signal {}", c - 128),
        (_, c) => format!("exit code {c}"),
    };
    match t.reason.as_deref() {
        Some(r) if r != "Error" && r != "Completed" => format!("{how} ({r})"),
        _ => how,
    }
}

#[derive(Clone, Debug, Default)]
struct Track {
    /// The pod as last seen; `None` when there is none.
    pod: Option<PodFacts>,
    /// The run (pod uid, restart count) reported `Running` and not yet ended.
    up: Option<(String, i32)>,
    asked: Asked,
}

/// Every node's pod and what was reported of it.
#[derive(Clone, Debug, Default)]
pub struct Tracker {
    nodes: Vec<Track>,
}

impl Tracker {
    pub fn new(nodes: usize) -> Tracker {
        Tracker { nodes: vec![Track::default(); nodes] }
    }

    pub fn add(&mut self) {
        self.nodes.push(Track::default());
    }

    /// What the backend asked of `node`; decides how its next end reads.
    pub fn ask(&mut self, node: usize, asked: Asked) {
        if let Some(t) = self.nodes.get_mut(node) {
            t.asked = asked;
        }
    }

    /// A crash asked and not yet seen ends as `text` instead.
    pub fn reword_crash(&mut self, node: usize, text: String) {
        if let Some(t) = self.nodes.get_mut(node)
            && matches!(t.asked, Asked::Crash(_))
        {
            t.asked = Asked::Crash(text);
        }
    }

    pub fn pod(&self, node: usize) -> Option<&PodFacts> {
        self.nodes.get(node)?.pod.as_ref()
    }

    /// True while a run of the node's container exists (starting, running or frozen).
    pub fn is_alive(&self, node: usize) -> bool {
        self.pod(node).is_some_and(|p| !p.deleting && p.terminated.is_none())
    }

    /// True once the node's current run was reported `Running`.
    pub fn is_up(&self, node: usize) -> bool {
        self.nodes.get(node).is_some_and(|t| t.up.is_some())
    }

    /// Takes the node's pod as now seen (`None`: it has none) and returns
    /// what to report, in order.
    pub fn observe(&mut self, node: usize, pod: Option<PodFacts>) -> Vec<ProcState> {
        let Some(t) = self.nodes.get_mut(node) else { return vec![] };
        let mut out = vec![];
        if let Some(run) = t.up.clone() {
            let ended = match &pod {
                None => Some("pod deleted".to_string()),
                Some(p) if p.uid != run.0 => Some("pod replaced".into()),
                Some(p) if p.restarts != run.1 => {
                    Some(p.last_terminated.clone().unwrap_or_else(|| "container restarted".into()))
                }
                Some(p) => p.terminated.clone(),
            };
            if let Some(how) = ended {
                t.up = None;
                out.push(match std::mem::take(&mut t.asked) {
                    Asked::Stop => ProcState::Stopped,
                    Asked::Crash(text) => ProcState::Crashed(text),
                    Asked::Nothing => ProcState::Crashed(how),
                });
            }
        }
        if let Some(p) = &pod
            && t.up.is_none()
            && p.ready
            && !p.deleting
            && p.terminated.is_none()
        {
            t.up = Some((p.uid.clone(), p.restarts));
            out.push(ProcState::Running);
        }
        t.pod = pod;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{ContainerState, ContainerStateWaiting, ContainerStatus, PodCondition, PodStatus};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn ready(uid: &str, restarts: i32) -> PodFacts {
        PodFacts { uid: uid.into(), restarts, ready: true, ..Default::default() }
    }

    #[test]
    fn a_run_reads_running_once_and_its_end_by_what_was_asked() {
        let mut t = Tracker::new(1);
        let starting = PodFacts { uid: "a".into(), ..Default::default() };
        assert_eq!(t.observe(0, Some(starting)), []);
        assert!(t.is_alive(0) && !t.is_up(0));
        assert_eq!(t.observe(0, Some(ready("a", 0))), [ProcState::Running]);
        assert_eq!(t.observe(0, Some(ready("a", 0))), [], "the same run is reported once");
        // Nobody asked: the pod's deletion reads as a crash.
        assert_eq!(t.observe(0, None), [ProcState::Crashed("pod deleted".into())]);
        assert!(!t.is_alive(0));
        // A stop asked, then the pod goes away: stopped.
        assert_eq!(t.observe(0, Some(ready("b", 0))), [ProcState::Running]);
        t.ask(0, Asked::Stop);
        let deleting = PodFacts { deleting: true, ..ready("b", 0) };
        assert_eq!(t.observe(0, Some(deleting)), [], "terminating is not ended yet");
        assert!(!t.is_alive(0));
        assert_eq!(t.observe(0, None), [ProcState::Stopped]);
        // A crash asked reads as the crash, whatever the pod shows.
        assert_eq!(t.observe(0, Some(ready("c", 0))), [ProcState::Running]);
        t.ask(0, Asked::Crash("killed by Control.Crash".into()));
        let exited = PodFacts { terminated: Some("exit code 137".into()), ready: false, ..ready("c", 0) };
        assert_eq!(t.observe(0, Some(exited)), [ProcState::Crashed("killed by Control.Crash".into())]);
        assert_eq!(t.observe(0, None), [], "one end per run");
        // A crash seen already is not reworded afterwards; what was asked is used up by that end.
        t.reword_crash(0, "late".into());
        assert_eq!(t.observe(0, Some(ready("d", 0))), [ProcState::Running]);
        assert_eq!(t.observe(0, None), [ProcState::Crashed("pod deleted".into())]);
    }

    #[test]
    fn a_kubelet_restart_reads_as_a_crash_then_running_again() {
        let mut t = Tracker::new(2);
        assert_eq!(t.observe(1, Some(ready("a", 0))), [ProcState::Running]);
        let restarted = PodFacts { last_terminated: Some("exit code 1".into()), ready: false, ..ready("a", 1) };
        assert_eq!(t.observe(1, Some(restarted.clone())), [ProcState::Crashed("exit code 1".into())]);
        assert_eq!(t.observe(1, Some(PodFacts { ready: true, ..restarted })), [ProcState::Running]);
        // Both at once (the restart seen only when ready again).
        let again = PodFacts { last_terminated: Some("killed by signal 9".into()), ..ready("a", 2) };
        assert_eq!(t.observe(1, Some(again)), [ProcState::Crashed("killed by signal 9".into()), ProcState::Running]);
        // A pod replaced under the same name (deleted and recreated unseen).
        assert_eq!(t.observe(1, Some(ready("b", 0))), [ProcState::Crashed("pod replaced".into()), ProcState::Running]);
        assert_eq!(t.observe(0, None), [], "node 0 never ran");
    }

    fn pod(conditions: &[(&str, &str)], state: ContainerState, restarts: i32) -> Pod {
        Pod {
            metadata: ObjectMeta { uid: Some("u".into()), ..Default::default() },
            status: Some(PodStatus {
                conditions: Some(
                    conditions
                        .iter()
                        .map(|(k, s)| PodCondition {
                            type_: k.to_string(),
                            status: s.to_string(),
                            message: Some("0/1 nodes are available".into()),
                            reason: Some("Unschedulable".into()),
                            ..Default::default()
                        })
                        .collect(),
                ),
                container_statuses: Some(vec![ContainerStatus {
                    name: CONTAINER.into(),
                    restart_count: restarts,
                    state: Some(state),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn facts_are_read_from_the_pods_status() {
        let p = pod(&[("Ready", "True"), ("PodScheduled", "True")], ContainerState::default(), 2);
        assert_eq!(facts(&p), PodFacts { uid: "u".into(), restarts: 2, ready: true, ..Default::default() });
        let waiting = ContainerState {
            waiting: Some(ContainerStateWaiting {
                reason: Some("ErrImageNeverPull".into()),
                message: Some("image devnet-node:0.1.0 is not present".into()),
            }),
            ..Default::default()
        };
        let f = facts(&pod(&[("Ready", "False")], waiting, 0));
        assert!(!f.ready);
        assert_eq!(f.problem.as_deref(), Some("ErrImageNeverPull: image devnet-node:0.1.0 is not present"));
        let f = facts(&pod(&[("PodScheduled", "False")], ContainerState::default(), 0));
        assert_eq!(f.problem.as_deref(), Some("not scheduled (Unschedulable): 0/1 nodes are available"));
        let creating = ContainerState {
            waiting: Some(ContainerStateWaiting { reason: Some("ContainerCreating".into()), message: None }),
            ..Default::default()
        };
        assert_eq!(facts(&pod(&[], creating, 0)).problem, None, "still coming: no problem");
    }

    #[test]
    fn container_ends_read_as_the_other_backends_say_them() {
        let t = |exit_code, signal, reason: &str| ContainerStateTerminated {
            exit_code,
            signal,
            reason: Some(reason.into()),
            ..Default::default()
        };
        assert_eq!(describe(&t(137, None, "Error")), "killed by signal 9");
        assert_eq!(describe(&t(137, None, "OOMKilled")), "killed by signal 9 (OOMKilled)");
        assert_eq!(describe(&t(1, None, "Error")), "exit code 1");
        assert_eq!(describe(&t(0, None, "Completed")), "exit code 0");
        assert_eq!(describe(&t(0, Some(15), "Error")), "killed by signal 15");
    }
}
