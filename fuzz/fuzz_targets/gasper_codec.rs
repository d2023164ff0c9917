//! gasper's decoders: every wire message kind a peer can send (the `Tx`
//! kind is the ledger's transfer, which every engine takes before its own
//! decoder), and the slashing-protection record the store keeps (its other
//! records, blocks, attestations and evidence, use the wire's decoders).
//!
//! Input: a selector byte (a message kind, or the protection record), then
//! the bytes. Checks: no input panics, and whatever decodes re-encodes to
//! exactly its input and decodes again to the same value (`round_trip`).

#![no_main]

use devnet_fuzz::round_trip;
use devnet_node::consensus::MsgKind;
use devnet_node::consensus::gasper::slashing::Protection;
use devnet_node::consensus::gasper::wire::Message;
use devnet_node::ledger::Transfer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else { return };
    match MsgKind::ALL.get(which as usize % (MsgKind::ALL.len() + 1)) {
        Some(MsgKind::Tx) => round_trip(bytes, Transfer::decode, Transfer::encode),
        Some(&kind) => {
            if let Ok(m) = Message::decode(kind, bytes) {
                assert_eq!(m.kind(), kind, "{m:?} decoded as a {kind:?}");
            }
            round_trip(bytes, |b| Message::decode(kind, b), Message::encode);
        }
        None => round_trip(bytes, Protection::decode, Protection::encode),
    }
});
