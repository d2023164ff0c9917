//! Grouping due transfers into `SubmitTransactions` calls, one open batch
//! per target node. Pure: the pacing loop feeds it each transfer as it
//! comes due, with the time, and sends what it yields.
//!
//! A batch opens with the first transfer due for its node and leaves when
//! `max` transfers wait in it, or `window` after it opened, whichever comes
//! first; `next_due` tells the pacing loop when to wake for the latter.
//! The wait is at most `window` (plus the timer's resolution), and it
//! counts in the transfers' latencies: their send time is the moment they
//! came due, not the moment their batch left.

use std::time::Duration;
use tokio::time::Instant;

/// The longest a transfer waits for others to the same node.
pub const BATCH_WINDOW: Duration = Duration::from_millis(1);
/// A batch this full leaves at once (the node takes up to 1024 a call).
pub const BATCH_MAX: usize = 256;

#[derive(Debug)]
struct Open<T> {
    since: Instant,
    items: Vec<T>,
}

#[derive(Debug)]
pub struct Batcher<T> {
    window: Duration,
    max: usize,
    /// Per node, its open batch.
    open: Vec<Option<Open<T>>>,
}

impl<T> Batcher<T> {
    pub fn new(nodes: usize, window: Duration, max: usize) -> Batcher<T> {
        Batcher { window, max: max.max(1), open: (0..nodes).map(|_| None).collect() }
    }

    /// Adds `item`, due now for `node`; the batch if that filled it.
    pub fn push(&mut self, node: usize, item: T, now: Instant) -> Option<Vec<T>> {
        if node >= self.open.len() {
            self.open.resize_with(node + 1, || None);
        }
        let open = self.open[node].get_or_insert_with(|| Open { since: now, items: Vec::new() });
        open.items.push(item);
        if open.items.len() >= self.max { self.open[node].take().map(|o| o.items) } else { None }
    }

    /// When the oldest open batch is to leave (`None`: nothing waits).
    pub fn next_due(&self) -> Option<Instant> {
        self.open.iter().flatten().map(|o| o.since + self.window).min()
    }

    /// The batches whose window has passed by `now`, with their node, in node order.
    pub fn take_due(&mut self, now: Instant) -> Vec<(usize, Vec<T>)> {
        let window = self.window;
        let mut out = Vec::new();
        for (node, slot) in self.open.iter_mut().enumerate() {
            if slot.as_ref().is_some_and(|o| o.since + window <= now)
                && let Some(o) = slot.take()
            {
                out.push((node, o.items));
            }
        }
        out
    }

    /// Every open batch (sending has ended), in node order.
    pub fn take_all(&mut self) -> Vec<(usize, Vec<T>)> {
        self.open.iter_mut().enumerate().filter_map(|(node, slot)| slot.take().map(|o| (node, o.items))).collect()
    }

    /// Transfers waiting in open batches.
    pub fn waiting(&self) -> usize {
        self.open.iter().flatten().map(|o| o.items.len()).sum()
    }
}
