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

/// A partition through the shims: n3 alone falls behind while the 3/4
/// majority finalizes on, and catches up after `heal`.
pub async fn partition_n3_then_heal(d: &mut Devnet, limit: Duration) {
    let said = inject(d, "partition n0,n1,n2/n3").await;
    assert!(said.contains("n0,n1,n2 | n3"), "{said}");
    let cut = finalized(d, 3);
    let majority_on = |d: &Devnet| (0..3).all(|i| finalized(d, i) >= cut + 3);
    run_until(d, limit, "the majority to finalize past the isolated n3", majority_on).await;
    assert!(finalized(d, 3) <= cut + 1, "n3 finalized {} while cut off at {cut}", finalized(d, 3));
    inject(d, "heal").await;
    let target = finalized(d, 0);
    run_until(d, limit, "n3 to catch up after the heal", |d| finalized(d, 3) >= target).await;
}

pub async fn inject(d: &mut Devnet, words: &str) -> String {
    let words: Vec<String> = words.split_whitespace().map(String::from).collect();
    d.inject(&words).await.unwrap_or_else(|e| panic!("{words:?} refused: {e}"))
}
