//! pow's decoders: every wire message kind a peer can send (votes and
//! evidence must be refused: pow has none), and the block record the store
//! keeps.
//!
//! Input: a selector byte, then the bytes. Checks: no input panics, the
//! kinds pow does not use never decode, and whatever decodes re-encodes to
//! exactly its input and decodes again to the same value (`round_trip`).

#![no_main]

use devnet_fuzz::round_trip;
use devnet_node::consensus::MsgKind;
use devnet_node::consensus::pow::types::Block;
use devnet_node::consensus::pow::wire::Message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else { return };
    match MsgKind::ALL.get(which as usize % (MsgKind::ALL.len() + 1)) {
        Some(&kind) => {
            let decoded = Message::decode(kind, bytes);
            if matches!(kind, MsgKind::Vote | MsgKind::Evidence | MsgKind::Tx) {
                assert!(decoded.is_err(), "pow decoded a {kind:?}: {decoded:?}");
            }
            if let Ok(m) = decoded {
                assert_eq!(m.kind(), kind, "{m:?} decoded as a {kind:?}");
            }
            round_trip(bytes, |b| Message::decode(kind, b), Message::encode);
        }
        None => round_trip(bytes, Block::decode, Block::encode),
    }
});
