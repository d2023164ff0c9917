//! What the tests of a real devnet on a backend share: waiting on the view,
//! injecting faults, and saying plainly that a test skipped.

use devnet::devnet::Devnet;
use std::io::Write;
use std::time::Duration;

/// Straight to stderr: the test harness captures `eprintln!` of a passing
/// test, and a skip must be seen.
pub fn say(text: String) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// Applies events until `done` holds or `limit` passes (then panics naming `what`).
pub async fn run_until(devnet: &mut Devnet, limit: Duration, what: &str, mut done: impl FnMut(&Devnet) -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !done(devnet) {
        match tokio::time::timeout_at(deadline, devnet.events.recv()).await {
            Ok(Some(ev)) => devnet.apply(ev),
            _ => {
                let nodes: Vec<String> = devnet
                    .view
                    .nodes
                    .iter()
                    .map(|n| format!("{} {:?} f{} peers {:?}", n.id, n.process, n.finalized.epoch, n.peers_up))
                    .collect();
                panic!("timed out waiting for {what}: {nodes:#?}");
            }
        }
    }
}

pub fn finalized(d: &Devnet, i: usize) -> u64 {
    d.view.nodes[i].finalized.epoch
}

pub async fn inject(d: &mut Devnet, words: &str) -> String {
    let words: Vec<String> = words.split_whitespace().map(String::from).collect();
    d.inject(&words).await.unwrap_or_else(|e| panic!("{words:?} refused: {e}"))
}
