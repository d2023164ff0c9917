//! What `devnet load` sends and when: the open-loop schedule, which account
//! sends transfer i to whom through which node, and each sender's nonces.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Transfer `i`'s send time after the start: i / rate, to the nanosecond.
/// Open loop: this never depends on how fast earlier transfers were answered.
pub fn due(i: u64, rate: f64) -> Duration {
    Duration::from_nanos((i as f64 * 1e9 / rate).round() as u64)
}

/// How many transfers fall in a window of `window` at `rate`: every i with
/// due(i) < window. The epsilon keeps 0.3 s at 10/s at 3, not 4.
pub fn count(rate: f64, window: Duration) -> u64 {
    (window.as_secs_f64() * rate - 1e-9).ceil().max(0.0) as u64
}

/// One scheduled transfer: sender, recipient, and the target node's position
/// in the node list. The amount is always 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leg {
    pub from: u32,
    pub to: u32,
    pub node: usize,
}

/// Transfer `i` among `accounts` senders (at least 2) and `nodes` nodes.
/// Senders take turns; a sender always goes to the same node (account a to
/// node a mod nodes), so its nonces reach one mempool in order instead of
/// arriving at several nodes out of order and waiting there for the gap to
/// fill. Its recipients cycle through every other account.
pub fn leg(i: u64, accounts: u32, nodes: usize) -> Leg {
    let n = u64::from(accounts.max(2));
    let from = i % n;
    let round = i / n;
    let to = (from + 1 + round % (n - 1)) % n;
    Leg { from: from as u32, to: to as u32, node: (from % nodes.max(1) as u64) as usize }
}

/// Each sender's nonces, counted locally from its next nonce at the start.
/// A nonce the node surely did not take (pool full, overdraft) comes back
/// and is used first, so the sender's later transfers, parked behind the
/// gap, become executable instead of waiting for ever.
#[derive(Debug, Default)]
pub struct NonceBook {
    next: BTreeMap<u32, u64>,
    returned: BTreeMap<u32, BTreeSet<u64>>,
}

impl NonceBook {
    pub fn new(start: impl IntoIterator<Item = (u32, u64)>) -> NonceBook {
        NonceBook { next: start.into_iter().collect(), returned: BTreeMap::new() }
    }

    pub fn take(&mut self, account: u32) -> u64 {
        if let Some(back) = self.returned.get_mut(&account)
            && let Some(n) = back.pop_first()
        {
            return n;
        }
        let next = self.next.entry(account).or_insert(0);
        *next += 1;
        *next - 1
    }

    pub fn give_back(&mut self, account: u32, nonce: u64) {
        self.returned.entry(account).or_default().insert(nonce);
    }
}
