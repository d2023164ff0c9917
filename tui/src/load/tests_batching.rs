//! The batcher fed the way the pacing loop feeds it, and how a batch's
//! reply maps back to its transfers.

use super::batch::Batcher;
use super::plan::{due, leg};
use super::sender::answers;
use super::tracker::Reply;
use crate::node_client::{Refusal, refusal};
use devnet_proto::v1 as pb;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// A batch that left: its node, its transfers (index, when due), when it left.
type Left = (usize, Vec<(u64, Instant)>, Instant);

fn ms(t: Instant, n: u64) -> Instant {
    t + Duration::from_millis(n)
}

#[test]
fn a_batch_leaves_when_full_or_when_its_window_has_passed() {
    let t0 = Instant::now();
    let mut b: Batcher<u32> = Batcher::new(2, Duration::from_millis(1), 3);
    assert_eq!(b.next_due(), None);
    assert_eq!(b.push(0, 1, t0), None);
    assert_eq!(b.push(1, 2, t0 + Duration::from_micros(300)), None);
    // The window counts from the batch's first transfer.
    assert_eq!(b.next_due(), Some(ms(t0, 1)));
    assert_eq!(b.push(0, 3, t0 + Duration::from_micros(500)), None);
    assert!(b.take_due(t0 + Duration::from_micros(999)).is_empty());
    assert_eq!(b.take_due(ms(t0, 1)), vec![(0, vec![1, 3])]);
    assert_eq!(b.next_due(), Some(t0 + Duration::from_micros(1300)));
    assert_eq!(b.waiting(), 1);
    // Full: it leaves at once, whatever the window.
    assert_eq!(b.push(1, 4, t0 + Duration::from_micros(1100)), None);
    assert_eq!(b.push(1, 5, t0 + Duration::from_micros(1200)), Some(vec![2, 4, 5]));
    assert_eq!(b.next_due(), None);
    // A node beyond the ones given grows the table instead of failing.
    assert_eq!(b.push(5, 6, ms(t0, 2)), None);
    assert_eq!(b.push(0, 7, ms(t0, 3)), None);
    assert_eq!(b.take_all(), vec![(0, vec![7]), (5, vec![6])]);
    assert_eq!((b.waiting(), b.next_due()), (0, None));
}

/// The pacing loop's pattern: wake at the next due transfer or batch
/// deadline (on a 1 ms timer), push what is due, send what is ready. Every
/// transfer leaves once, in order for its node, within the window plus a
/// timer tick, in batches of at most `max`; at a high rate they go full.
#[test]
fn paced_transfers_each_leave_once_in_order_and_in_time() {
    for (rate, nodes, want_mean) in [(200.0, 4, 1.0..1.01), (3000.0, 4, 1.3..2.5), (400_000.0, 2, 240.0..256.1)] {
        let (window, max) = (Duration::from_millis(1), 256);
        let tick = Duration::from_millis(1);
        let t0 = Instant::now();
        let total = (rate * 0.5) as u64;
        let mut b: Batcher<(u64, Instant)> = Batcher::new(nodes, window, max);
        let mut sent: Vec<Left> = Vec::new();
        let (mut i, mut now) = (0u64, t0);
        loop {
            let next = (i < total).then(|| t0 + due(i, rate));
            let Some(wake) = next.into_iter().chain(b.next_due()).min() else { break };
            // tokio's timer fires on the next whole tick at or after the deadline.
            let ticks = wake.saturating_duration_since(t0).as_nanos().div_ceil(tick.as_nanos()) as u32;
            now = now.max(t0 + tick * ticks);
            while i < total && t0 + due(i, rate) <= now {
                let node = leg(i, 100, nodes).node;
                if let Some(full) = b.push(node, (i, now), now) {
                    sent.push((node, full, now));
                }
                i += 1;
            }
            sent.extend(b.take_due(now).into_iter().map(|(node, batch)| (node, batch, now)));
        }
        let mut seen: BTreeMap<usize, Vec<u64>> = BTreeMap::new();
        for (node, batch, left) in &sent {
            assert!(!batch.is_empty() && batch.len() <= max);
            for (i, at) in batch {
                assert_eq!(leg(*i, 100, nodes).node, *node);
                assert!(*left - *at <= window + tick, "transfer {i} waited {:?}", *left - *at);
                seen.entry(*node).or_default().push(*i);
            }
        }
        let mut all: Vec<u64> = seen.values().flatten().copied().collect();
        assert!(seen.values().all(|v| v.is_sorted()), "in order per node at {rate}/s");
        all.sort_unstable();
        assert_eq!(all, (0..total).collect::<Vec<_>>(), "each once at {rate}/s");
        let mean = total as f64 / sent.len() as f64;
        assert!(want_mean.contains(&mean), "mean batch {mean} at {rate}/s");
    }
}

fn admitted() -> pb::SubmitResult {
    pb::SubmitResult { id: vec![1; 32], ..Default::default() }
}

fn refused(code: tonic::Code, reason: &str) -> pb::SubmitResult {
    pb::SubmitResult { code: code as i32, message: "no".into(), reason: reason.into(), id: vec![] }
}

#[test]
fn each_transfer_gets_its_own_answer_from_the_batch_reply() {
    let full = Refusal { word: "full", code: "resource_exhausted", nonce_unused: true };
    let low = Refusal { word: "nonce-too-low", code: "failed_precondition", nonce_unused: false };
    let reply = pb::SubmitTransactionsReply {
        results: vec![
            admitted(),
            refused(tonic::Code::ResourceExhausted, "full"),
            refused(tonic::Code::FailedPrecondition, "nonce-too-low"),
            admitted(),
        ],
    };
    assert_eq!(
        answers(Ok(reply.clone()), 4),
        vec![Reply::Admitted, Reply::Refused(full), Reply::Refused(low), Reply::Admitted]
    );
    // A short reply: the transfers without a result had no reply, their nonces maybe spent.
    let no_reply = Reply::Refused(Refusal { word: "other", code: "no_reply", nonce_unused: false });
    let got = answers(Ok(reply.clone()), 6);
    assert_eq!(&got[4..], &[no_reply.clone(), no_reply]);
    assert_eq!(answers(Ok(reply), 2).len(), 2, "results beyond the batch are ignored");
    // The whole call failed: every transfer has the call's refusal.
    let timeout = tonic::Status::deadline_exceeded("timeout");
    let got = answers(Err(timeout.clone()), 3);
    assert_eq!(got, vec![Reply::Refused(refusal(&timeout)); 3]);
    assert!(matches!(&got[0], Reply::Refused(r) if !r.nonce_unused), "a timeout may have spent the nonce");
    let full = answers(Err(tonic::Status::resource_exhausted("mempool full")), 1);
    assert!(matches!(&full[0], Reply::Refused(r) if r.word == "full" && r.nonce_unused));
}
