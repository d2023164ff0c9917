//! Per-sender inclusion figures: which accounts' transfers waited longer.

use super::report::{Latency, LoadReport, SENDER_SAMPLES, SenderInclusion};
use super::tracker::{EndState, Reply, Tracker, Window};
use devnet_node::chain::Hash32;
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::time::Instant;

fn id(n: u16) -> Hash32 {
    let mut h = [0u8; 32];
    h[..2].copy_from_slice(&n.to_be_bytes());
    Hash32(h)
}

/// Accounts 0..6 send 10 transfers each; 0 and 1 are included 100 ms
/// later than the rest (one height behind), account 5's never are.
#[test]
fn censored_senders_are_told_apart_from_the_rest() {
    let t0 = Instant::now();
    let mut t = Tracker::new(1);
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    for n in 0..60u16 {
        let from = u32::from(n % 6);
        t.sent(id(n), 0, from, at(u64::from(n)));
        t.replied(&id(n), Reply::Admitted);
        let delay = match from {
            0 | 1 => 200 + u64::from(n),
            5 => continue,
            _ => 100 + u64::from(n),
        };
        t.included(&[id(n).0.to_vec()], at(u64::from(n) + delay));
        t.finalized(0, &[id(n).0.to_vec()], at(u64::from(n) + delay + 50));
    }
    for n in (5..60u16).step_by(6) {
        t.settle(&id(n), EndState::Pending);
    }
    let mut r = LoadReport { scheduled: 60, ..Default::default() };
    t.tally(Window { start: t0, end: at(100), settled: at(1000) }, &mut r);
    r.check().expect("adds up");
    assert_eq!((r.final_, r.pending_at_end), (50, 10));

    let censored = BTreeSet::from([0, 1]);
    let slow = r.included_latency_of(&censored);
    let fast = r.included_latency_excluding(&censored);
    // Account a's k-th transfer is n = 6k + a, included n ms + 200 (or 100) ms after it was sent.
    let slow_us: Vec<u32> = (0..60u32).filter(|n| n % 6 < 2).map(|n| (200 + n) * 1000).collect();
    let fast_us: Vec<u32> = (0..60u32).filter(|n| (2..5).contains(&(n % 6))).map(|n| (100 + n) * 1000).collect();
    assert_eq!(slow, Latency::of(slow_us));
    assert_eq!(fast, Latency::of(fast_us));
    assert_eq!((slow.count, slow.p50, slow.p99, slow.max), (20, Some(225.0), Some(255.0), Some(255.0)));
    assert_eq!((fast.count, fast.p50, fast.p99, fast.max), (30, Some(128.0), Some(158.0), Some(158.0)));
    // Everyone together is the run's own submit→included figure.
    assert_eq!(r.included_latency_excluding(&BTreeSet::new()), r.latency_included_ms);
    assert_eq!(r.included_latency_of(&BTreeSet::from([5, 77])), Latency::default(), "measured nothing");

    let j = r.to_json();
    let rows = j["by_sender"].as_array().expect("a list");
    assert_eq!(rows.len(), 6);
    assert_eq!(
        rows[1],
        serde_json::json!({"account": 1, "admitted": 10, "included": 10, "p50_ms": 225.0, "p99_ms": 255.0})
    );
    assert_eq!(
        rows[5],
        serde_json::json!({"account": 5, "admitted": 10, "included": 0, "p50_ms": null, "p99_ms": null})
    );
    let text = r.to_text();
    assert!(text.contains("p50 from 126.0 ms (account 2) to 225.0 ms (account 1) over 5 senders"), "{text}");
}

/// Past the cap an account keeps a uniform sample, the same on every run,
/// and its exact count and maximum.
#[test]
fn a_busy_sender_keeps_a_bounded_uniform_sample() {
    let fill = || {
        let mut s = SenderInclusion::default();
        for us in 1..=40_000u32 {
            s.measure(us);
        }
        s
    };
    let s = fill();
    assert_eq!((s.samples().len(), s.measured, s.max_us), (SENDER_SAMPLES, 40_000, 40_000));
    assert_eq!(s, fill(), "seeded: the same sample every time");
    let mut by = super::report::BySender::default();
    *by.entry(9) = s;
    let l = by.latency(|_| true);
    assert_eq!((l.count, l.max), (40_000, Some(40.0)));
    // Uniform: the sampled median and p90 are within 5% of the true 20 ms and 36 ms.
    let (p50, p90) = (l.p50.unwrap(), l.p90.unwrap());
    assert!((19.0..21.0).contains(&p50), "p50 {p50}");
    assert!((34.2..37.8).contains(&p90), "p90 {p90}");
    // Early and late latencies both survive (not just the first 4096).
    assert!(by.0[&9].samples().iter().any(|us| *us > 36_000));
}

/// An account past the cap counts with all its latencies, not just its samples.
#[test]
fn sender_samples_weigh_what_they_stand_for() {
    let mut by = super::report::BySender::default();
    for _ in 0..SENDER_SAMPLES {
        by.entry(1).measure(1000);
    }
    for _ in 0..3 * SENDER_SAMPLES {
        by.entry(2).measure(3000);
    }
    assert_eq!(by.0[&2].samples().len(), SENDER_SAMPLES);
    // 3 in 4 latencies are account 2's 3 ms: the median is 3 ms (unweighted it would be 1 ms).
    let l = by.latency(|_| true);
    assert_eq!((l.count, l.p50, l.p90, l.max), (4 * SENDER_SAMPLES, Some(3.0), Some(3.0), Some(3.0)));
    let l = by.latency(|a| a == 1);
    assert_eq!((l.count, l.p50, l.max), (SENDER_SAMPLES, Some(1.0), Some(1.0)));
}
