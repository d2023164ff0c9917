//! tendermint's decoders: every wire message kind a peer can send, and the
//! records the store keeps: a committed block with its certificate
//! (`Table::Blocks`), duplicate-vote evidence and the protection record
//! (lock, valid value and what was signed at the latest round).
//!
//! Input: a selector byte, then the bytes. Checks: no input panics, and
//! whatever decodes re-encodes to exactly its input and decodes again to the
//! same value (`round_trip`).

#![no_main]

use devnet_fuzz::round_trip;
use devnet_node::consensus::MsgKind;
use devnet_node::consensus::tendermint::protection::Protection;
use devnet_node::consensus::tendermint::types::{Evidence, decode_committed, encode_committed};
use devnet_node::consensus::tendermint::wire::Message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else { return };
    // The engine kinds (Tx is the ledger's: see `gasper_codec`), then the records.
    let kinds = &MsgKind::ALL[..6];
    match which as usize % (kinds.len() + 3) {
        k if k < kinds.len() => {
            let kind = kinds[k];
            if let Ok(m) = Message::decode(kind, bytes) {
                assert_eq!(m.kind(), kind, "{m:?} decoded as a {kind:?}");
            }
            round_trip(bytes, |b| Message::decode(kind, b), Message::encode);
        }
        6 => round_trip(bytes, decode_committed, |(b, c)| encode_committed(b, c)),
        7 => round_trip(bytes, Evidence::decode, Evidence::encode),
        _ => round_trip(bytes, Protection::decode, Protection::encode),
    }
});
