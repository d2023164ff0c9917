//! Fault keys of the dashboard, k9s style: a single letter acts on the
//! target nodes — the marked ones (Space marks) or else the selected one.
//!
//! | key | does |
//! |---|---|
//! | `c` | crash the targets (SIGKILL) |
//! | `r` | restart the targets on their data directories |
//! | `p` | pause the targets, or resume the ones already paused |
//! | `h` | heal: remove every link rule |
//! | `x` | prompt, prefilled: `partition isolate n2` (one target) or `partition TARGETS/OTHERS` |
//! | `l` | prompt, prefilled: `latency TARGETS * 200ms --jitter 50ms` |
//! | `k` | prompt, prefilled: `skew TARGET +500ms` |
//! | `e` | prompt, prefilled: `equivocate TARGET` (edit to silent, withhold N, honest); on pow: `selfish TARGET` |
//! | `m` | pow only: prompt, prefilled: `hashrate TARGET 60%` |
//! | `L` | start a transfer load of `LOAD_KEY_RATE` (`load 200/s`), or stop the running one (`load stop`) |
//! | `:` | empty prompt for any fault |
//!
//! Prompts open the command bar (`command_bar`) with the words of `devnet
//! inject`; Enter applies, Esc closes, a refused fault stays with its error.
//! Everything goes through the one fault executor, so keys, CLI and
//! scenarios behave alike. Pure: tested without a terminal.

use crate::cluster::ClusterView;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultAction {
    /// Inject these words now.
    Inject(Vec<String>),
    /// Open the prompt with this text.
    Prompt(String),
}

fn ids(view: &ClusterView, nodes: &[usize]) -> String {
    nodes.iter().filter_map(|i| view.nodes.get(*i)).map(|n| n.id.clone()).collect::<Vec<_>>().join(",")
}

/// The rate `L` starts a load at: enough to see latency and full-ish
/// blocks on a laptop devnet, far from what it can take.
pub const LOAD_KEY_RATE: &str = "200/s";

/// The action of fault key `key` on `targets` (never empty), or None for other keys.
pub fn fault_action(key: char, targets: &[usize], view: &ClusterView) -> Option<FaultAction> {
    let t = ids(view, targets);
    let words = |w: &[&str]| FaultAction::Inject(w.iter().map(|s| s.to_string()).collect());
    if key == 'L' {
        // The cluster's, not the targets': toggles the devnet's one load.
        return Some(words(&["load", if view.txs.load.is_some() { "stop" } else { LOAD_KEY_RATE }]));
    }
    let first = view.nodes.get(*targets.first()?)?.id.clone();
    Some(match key {
        'c' => words(&["crash", &t]),
        'r' => words(&["restart", &t]),
        'p' => {
            let all_paused = targets.iter().all(|i| view.nodes.get(*i).is_some_and(|n| n.state_label() == "paused"));
            words(&[if all_paused { "resume" } else { "pause" }, &t])
        }
        'h' => words(&["heal"]),
        'x' if targets.len() == 1 => FaultAction::Prompt(format!("partition isolate {first}")),
        'x' => {
            let others: Vec<usize> = (0..view.nodes.len()).filter(|i| !targets.contains(i)).collect();
            if others.is_empty() {
                FaultAction::Prompt("partition halves".into())
            } else {
                FaultAction::Prompt(format!("partition {t}/{}", ids(view, &others)))
            }
        }
        'l' => FaultAction::Prompt(format!("latency {t} * 200ms --jitter 50ms")),
        'k' => FaultAction::Prompt(format!("skew {first} +500ms")),
        'e' if view.desc().mined => FaultAction::Prompt(format!("selfish {first}")),
        'e' => FaultAction::Prompt(format!("equivocate {first}")),
        'm' if view.desc().mined => FaultAction::Prompt(format!("hashrate {first} 60%")),
        ':' => FaultAction::Prompt(String::new()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervisor::{ProcEvent, ProcState};

    fn view() -> ClusterView {
        ClusterView::new("t", "gasper", 100, 4, 0, &crate::cluster::test_views::entries(4))
    }

    fn inject(w: &str) -> Option<FaultAction> {
        Some(FaultAction::Inject(w.split(' ').map(str::to_string).collect()))
    }

    #[test]
    fn letters_act_on_their_targets() {
        let v = view();
        assert_eq!(fault_action('c', &[2], &v), inject("crash n2"));
        assert_eq!(fault_action('r', &[1, 3], &v), inject("restart n1,n3"));
        assert_eq!(fault_action('h', &[0], &v), inject("heal"));
        assert_eq!(fault_action('x', &[2], &v), Some(FaultAction::Prompt("partition isolate n2".into())));
        assert_eq!(fault_action('x', &[0, 1], &v), Some(FaultAction::Prompt("partition n0,n1/n2,n3".into())));
        assert_eq!(fault_action('k', &[1], &v), Some(FaultAction::Prompt("skew n1 +500ms".into())));
        assert_eq!(fault_action('e', &[3], &v), Some(FaultAction::Prompt("equivocate n3".into())));
        assert_eq!(fault_action('q', &[3], &v), None);
        assert_eq!(fault_action('m', &[3], &v), None, "hashrate is for pow clusters");
        let mut pow = v.clone();
        pow.engine = "pow".into();
        assert_eq!(fault_action('m', &[3], &pow), Some(FaultAction::Prompt("hashrate n3 60%".into())));
        assert_eq!(fault_action('e', &[1], &pow), Some(FaultAction::Prompt("selfish n1".into())));
        assert_eq!(fault_action('c', &[], &v), None);
    }

    #[test]
    fn shift_l_starts_or_stops_the_load() {
        let mut v = view();
        assert_eq!(fault_action('L', &[1], &v), inject("load 200/s"));
        v.txs.load = Some(Default::default());
        assert_eq!(fault_action('L', &[1, 2], &v), inject("load stop"));
        assert_eq!(fault_action('l', &[1], &v), Some(FaultAction::Prompt("latency n1 * 200ms --jitter 50ms".into())));
        assert!(crate::faults::parse(&words(&["load", LOAD_KEY_RATE]), 4).is_ok());
    }

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn p_pauses_or_resumes() {
        let mut v = view();
        assert_eq!(fault_action('p', &[1], &v), inject("pause n1"));
        v.apply(crate::cluster::ClusterEvent::Proc(ProcEvent { node: 1, state: ProcState::Paused }), 0);
        assert_eq!(fault_action('p', &[1], &v), inject("resume n1"));
    }

    #[test]
    fn every_prompt_prefill_parses() {
        let v = view();
        for key in ['x', 'l', 'k', 'e'] {
            for targets in [vec![1], vec![0, 2]] {
                let Some(FaultAction::Prompt(text)) = fault_action(key, &targets, &v) else { panic!("{key}") };
                crate::faults::parse(&crate::faults::words(&text), 4).unwrap_or_else(|e| panic!("{text}: {e}"));
            }
        }
    }
}
