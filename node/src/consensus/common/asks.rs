//! Asking peers for what this node lacks without flooding them.
//!
//! Rule: one key (a peer, a request's bytes) is asked at most once per
//! `period` ms; a refused ask records nothing, an allowed one records `now`.
//! Bounding the map is the caller's: each engine keys it by something finite
//! (its peers) or bounds it itself.

use crate::consensus::engine::Millis;
use std::collections::BTreeMap;

/// True, and `now` recorded for `key`, unless `key` was asked less than `period` ago.
pub fn may_ask<K: Ord>(asked: &mut BTreeMap<K, Millis>, key: K, now: Millis, period: Millis) -> bool {
    if asked.get(&key).is_some_and(|t| now < t.saturating_add(period)) {
        return false;
    }
    asked.insert(key, now);
    true
}
