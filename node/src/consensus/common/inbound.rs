//! What arrives from peers, before an engine's rules look at it: decoding
//! or rejecting it, remembering message ids, and relaying first-seen messages.
//!
//! Rules: a message that does not decode is reported as `Event::Rejected`
//! with the reason `"<kind>: <decode error>"` and goes no further; a relay
//! goes, as received, to every peer but its sender (no `Relay` when there is
//! none); a full set of remembered ids is cleared, never grown (correctness
//! never depends on it: a forgotten id only costs one more check).

use crate::chain::Hash32;
use crate::chain::codec::DecodeError;
use crate::consensus::engine::{Dest, Effect, Event, MsgKind, PeerId};
use std::collections::BTreeSet;

/// Reports input found invalid; `from` is `None` for the node's own (a
/// block from its store, a commit it cannot apply).
pub fn reject(fx: &mut Vec<Effect>, from: impl Into<Option<PeerId>>, reason: String) {
    fx.push(Effect::Report(Event::Rejected { from: from.into(), reason }));
}

/// The decoded message, or `None` after rejecting the bytes `from` sent as `kind`.
pub fn decode_or_reject<M>(
    from: PeerId,
    kind: MsgKind,
    decoded: Result<M, DecodeError>,
    fx: &mut Vec<Effect>,
) -> Option<M> {
    match decoded {
        Ok(m) => Some(m),
        Err(e) => {
            reject(fx, from, format!("{}: {e}", kind.as_str()));
            None
        }
    }
}

/// Remembers a message id in a set bounded by `max`; true if it is new.
pub fn remember(seen: &mut BTreeSet<Hash32>, max: usize, id: Hash32) -> bool {
    if seen.len() >= max {
        seen.clear();
    }
    seen.insert(id)
}

/// Relays `bytes`, as received from `from` (or, for a block held back and
/// checked later, its canonical encoding), to every other peer: the one
/// relay rule of every engine. `from = None` (the node's own store) goes
/// to every peer.
pub fn relay(peers: &[PeerId], from: impl Into<Option<PeerId>>, kind: MsgKind, bytes: &[u8], fx: &mut Vec<Effect>) {
    let from = from.into();
    let others: Vec<PeerId> = peers.iter().copied().filter(|p| Some(*p) != from).collect();
    if !others.is_empty() {
        fx.push(Effect::Relay { to: Dest::Peers(others), kind, bytes: bytes.to_vec() });
    }
}
