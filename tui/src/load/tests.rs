use super::plan::{NonceBook, count, due, leg};
use super::report::{Latency, LoadReport, percentile};
use super::tracker::{EndState, Live, Reply, Tracker, Window, live};
use crate::node_client::Refusal;
use devnet_node::chain::Hash32;
use std::time::Duration;
use tokio::time::Instant;

#[test]
fn rate_500_sends_every_2_ms() {
    assert_eq!(due(0, 500.0), Duration::ZERO);
    assert_eq!(due(1, 500.0), Duration::from_millis(2));
    assert_eq!(due(2500, 500.0), Duration::from_secs(5));
    for i in 0..1000 {
        assert_eq!(due(i + 1, 500.0) - due(i, 500.0), Duration::from_millis(2));
    }
    assert_eq!(due(1, 3.0), Duration::from_nanos(333_333_333));
}

#[test]
fn a_window_holds_rate_times_length_transfers() {
    assert_eq!(count(500.0, Duration::from_secs(30)), 15_000);
    assert_eq!(count(10.0, Duration::from_millis(300)), 3);
    assert_eq!(count(3.0, Duration::from_secs(1)), 3);
    assert_eq!(count(2.0, Duration::from_millis(1200)), 3, "0, 0.5 s and 1 s fall within 1.2 s");
    assert_eq!(count(100.0, Duration::ZERO), 0);
    // Every counted transfer is due inside the window, the next one is not.
    let (rate, w) = (7.0, Duration::from_millis(1500));
    let n = count(rate, w);
    assert!(due(n - 1, rate) < w && due(n, rate) >= w);
}

#[test]
fn senders_take_turns_and_keep_their_node() {
    let legs: Vec<_> = (0..12).map(|i| leg(i, 4, 2)).collect();
    assert_eq!(legs.iter().map(|l| l.from).collect::<Vec<_>>(), [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    assert_eq!(legs.iter().map(|l| l.to).collect::<Vec<_>>(), [1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2]);
    for l in &legs {
        assert_ne!(l.from, l.to);
        assert_eq!(l.node, l.from as usize % 2);
    }
    // Each node gets an equal share when the node count divides the senders.
    let per_node = |k| (0..1000).filter(|&i| leg(i, 100, 4).node == k).count();
    assert_eq!((0..4).map(per_node).collect::<Vec<_>>(), [250; 4]);
    assert!((0..10).all(|i| leg(i, 2, 1).to != leg(i, 2, 1).from));
}

#[test]
fn nonces_count_up_and_reuse_what_came_back() {
    let mut b = NonceBook::new([(0, 5), (1, 0)]);
    assert_eq!((b.take(0), b.take(0), b.take(0)), (5, 6, 7));
    b.give_back(0, 6);
    assert_eq!(b.take(1), 0);
    assert_eq!((b.take(0), b.take(0)), (6, 8));
}

#[test]
fn percentiles_are_nearest_rank() {
    let v: Vec<u32> = (1..=100).collect();
    assert_eq!(percentile(&v, 50.0), Some(50));
    assert_eq!(percentile(&v, 90.0), Some(90));
    assert_eq!(percentile(&v, 99.0), Some(99));
    assert_eq!(percentile(&v, 100.0), Some(100));
    assert_eq!(percentile(&[7], 50.0), Some(7));
    assert_eq!(percentile(&[1, 2, 3], 50.0), Some(2));
    assert_eq!(percentile(&[], 50.0), None);
    let l = Latency::of(vec![4000, 1000, 3000, 2000]);
    assert_eq!((l.count, l.p50, l.p90, l.max), (4, Some(2.0), Some(4.0), Some(4.0)));
    assert_eq!(Latency::of(Vec::new()), Latency::default());
}

fn id(n: u8) -> Hash32 {
    Hash32([n; 32])
}

fn ms(t: Instant, n: u64) -> Instant {
    t + Duration::from_millis(n)
}

/// Two nodes; ten transfers meeting every fate, then the tally.
#[test]
fn every_transfer_lands_in_one_bucket() {
    let t0 = Instant::now();
    let mut t = Tracker::new(2);
    for n in 0..10u8 {
        t.sent(id(n), usize::from(n % 2), u32::from(n), ms(t0, u64::from(n)));
    }
    let full = Refusal { word: "full", code: "resource_exhausted", nonce_unused: true };
    for n in 0..10u8 {
        let reply = if n >= 8 { Reply::Refused(full.clone()) } else { Reply::Admitted };
        t.replied(&id(n), reply);
    }
    t.replied(&id(0), Reply::Refused(full.clone()));
    assert_eq!(t.replies(), 10, "a second reply is ignored");
    // 0 (node 0) and 1 (node 1) included at 100 ms, final at 300 ms on both nodes.
    t.included(&[id(0).0.to_vec(), id(1).0.to_vec()], ms(t0, 100));
    t.finalized(0, &[id(0).0.to_vec(), id(1).0.to_vec(), vec![9; 3], id(200).0.to_vec()], ms(t0, 300));
    t.finalized(1, &[id(0).0.to_vec(), id(1).0.to_vec()], ms(t0, 350));
    // 2 (node 0): included, final only on node 1, whose report does not count.
    t.included(&[id(2).0.to_vec()], ms(t0, 150));
    t.finalized(1, &[id(2).0.to_vec()], ms(t0, 400));
    // 3 (node 1): final on node 0 only, after node 1's stream skipped events.
    t.unreliable(1);
    t.finalized(0, &[id(3).0.to_vec()], ms(t0, 500));
    let open: Vec<Hash32> = t.unresolved().into_iter().map(|(i, _)| i).collect();
    assert_eq!(open, [id(2), id(4), id(5), id(6), id(7)]);
    assert_eq!(t.outstanding(), 5);
    t.settle(&id(2), EndState::Included);
    t.settle(&id(4), EndState::Pending);
    t.settle(&id(5), EndState::Expired);
    t.settle(&id(6), EndState::Rejected("another transfer with its nonce was included".into()));
    // 7 never answered: lost.
    assert_eq!(t.outstanding(), 1);

    let mut r = LoadReport { scheduled: 11, dropped_by_client: 1, ..Default::default() };
    t.tally(Window { start: t0, end: ms(t0, 400), settled: ms(t0, 1000) }, &mut r);
    r.check().expect("the invariants hold");
    assert_eq!((r.submitted, r.admitted, r.rejected), (10, 8, 2));
    assert_eq!(r.rejected_by_reason.len(), 1);
    assert_eq!((r.rejected_by_reason[0].reason, r.rejected_by_reason[0].count), ("full", 2));
    assert_eq!((r.final_, r.included_not_final, r.pending_at_end, r.expired), (3, 1, 1, 1));
    assert_eq!((r.rejected_after_admission, r.lost, r.included), (1, 1, 4));
    assert_eq!(r.latency_included_ms.count, 4);
    assert_eq!(r.latency_final_ms.count, 3);
    // 0 final at 300 ms on its node, 1 at 350 ms on its node (not node 0's 300 ms), 3 at 500 ms.
    assert_eq!(r.latency_final_ms.p50, Some(349.0));
    assert_eq!(r.latency_final_ms.max, Some(497.0));
    assert!((r.finalized_tps - 3.0 / 0.5).abs() < 1e-9);
    assert!((r.finalized_tps_window - 2.0 / 0.4).abs() < 1e-9, "the 500 ms final is after the window");
    assert!((r.offered_tps - 11.0 / 0.4).abs() < 1e-9);

    let j = r.to_json();
    assert_eq!(j["type"], "load");
    assert_eq!(j["final"], 3);
    assert_eq!(j["rejected_by_reason"][0]["code"], "resource_exhausted");
    assert_eq!(j["latency_final_ms"]["max"], 497.0);
    let text = r.to_text();
    assert!(text.contains("submitted 10 (offered 27.5/s): admitted 8, rejected 2"), "{text}");
    assert!(text.contains("rejected: full 2 (resource_exhausted)"), "{text}");
    assert!(text.contains("final 3, included not final 1, pending at end 1, expired 1"), "{text}");
}

#[test]
fn broken_accounting_is_caught() {
    let ok = LoadReport { scheduled: 2, submitted: 2, admitted: 2, included: 2, final_: 2, ..Default::default() };
    ok.check().expect("adds up");
    let lost_one = LoadReport { final_: 1, ..ok.clone() };
    assert!(lost_one.check().unwrap_err().contains("admitted = final"));
    let rejected_unexplained = LoadReport { rejected: 1, submitted: 3, scheduled: 3, ..ok };
    assert!(rejected_unexplained.check().unwrap_err().contains("rejected = sum"));
}

/// A reply that never came is a rejection with its own reason, not a gap.
#[test]
fn a_missing_reply_is_reported() {
    let t0 = Instant::now();
    let mut t = Tracker::new(1);
    t.sent(id(1), 0, 0, t0);
    let mut r = LoadReport { scheduled: 1, ..Default::default() };
    t.tally(Window { start: t0, end: t0, settled: t0 }, &mut r);
    r.check().expect("adds up");
    assert_eq!((r.rejected_by_reason[0].reason, r.rejected_by_reason[0].code), ("other", "no_reply"));
}

/// The live figures (two selections) agree with the report's (a sort),
/// and a final transfer leaves nothing open.
#[test]
fn live_figures_agree_with_the_report() {
    let t0 = Instant::now();
    let mut t = Tracker::new(1);
    let lat = |n: u8| u64::from(n) * 37 % 1000 + 1;
    for n in 0..200u8 {
        t.sent(id(n), 0, 0, t0);
        t.replied(&id(n), Reply::Admitted);
        t.finalized(0, &[id(n).0.to_vec()], ms(t0, lat(n)));
    }
    t.sent(id(250), 0, 0, t0);
    assert_eq!(t.outstanding(), 1, "only the one still waiting for its reply");
    let (submitted, fin, latencies) = t.live_parts();
    let l = live(submitted, fin, latencies);
    assert_eq!((l.submitted, l.final_), (201, 200));
    let mut r = LoadReport { scheduled: 201, ..Default::default() };
    t.replied(&id(250), Reply::Admitted);
    t.settle(&id(250), EndState::Pending);
    t.tally(Window { start: t0, end: ms(t0, 2000), settled: ms(t0, 2000) }, &mut r);
    r.check().expect("adds up");
    assert_eq!((r.final_, r.pending_at_end), (200, 1));
    assert_eq!((l.p50_ms, l.p99_ms), (r.latency_final_ms.p50, r.latency_final_ms.p99));
    assert_eq!(live(0, 0, Vec::new()), Live::default());
    assert_eq!(live(1, 1, vec![7000]).p99_ms, Some(7.0));
}

/// A final seen before the submit's reply counts once the reply comes.
#[test]
fn a_final_before_the_reply_counts() {
    let t0 = Instant::now();
    let mut t = Tracker::new(1);
    t.sent(id(1), 0, 0, t0);
    t.finalized(0, &[id(1).0.to_vec()], ms(t0, 50));
    t.replied(&id(1), Reply::Admitted);
    assert_eq!(t.outstanding(), 0);
    let mut r = LoadReport { scheduled: 1, ..Default::default() };
    t.tally(Window { start: t0, end: ms(t0, 100), settled: ms(t0, 100) }, &mut r);
    r.check().expect("adds up");
    assert_eq!((r.final_, r.latency_final_ms.p50), (1, Some(50.0)));
}
