//! The node's clock: wall time shifted by an injectable skew, expressed to the
//! engine as milliseconds since genesis. The only place a node reads the time.

use crate::consensus::Millis;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Clone, Debug)]
pub struct Clock {
    pub genesis_unix_ms: u64,
    pub skew_ms: i64,
}

impl Clock {
    /// Unix ms as this node believes it (skew included).
    pub fn unix_ms(&self) -> u64 {
        let real = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
        real.saturating_add_signed(self.skew_ms)
    }

    /// Milliseconds since genesis; 0 before genesis.
    pub fn now(&self) -> Millis {
        self.unix_ms().saturating_sub(self.genesis_unix_ms)
    }

    /// Time left until genesis on this node's clock.
    pub fn until_genesis(&self) -> Duration {
        Duration::from_millis(self.genesis_unix_ms.saturating_sub(self.unix_ms()))
    }

    /// The monotonic instant at which this node's clock reads `at`.
    pub fn instant_of(&self, at: Millis) -> Instant {
        Instant::now() + Duration::from_millis(at.saturating_sub(self.now()))
    }
}
