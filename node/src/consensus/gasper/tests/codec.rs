//! Decoders are total: round trips hold, and malformed, truncated, trailing
//! or random bytes are errors (or `Event::Rejected` in the engine), never panics.

use super::*;
use crate::consensus::gasper::types::{Evidence, Message, Status, SyncRequest};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn samples() -> Vec<Message> {
    let g = genesis();
    let a = att(1, 5, g, cp(0, g), cp(1, Hash32([1; 32])));
    let b = att(1, 5, Hash32([2; 32]), cp(0, g), cp(1, Hash32([1; 32])));
    let b1 = block(1, g, Body::default());
    let b2 = block(
        1,
        g,
        Body {
            graffiti: 3,
            attestations: vec![a, b],
            evidence: vec![Evidence::ConflictingVotes(a, b)],
            ..Body::default()
        },
    );
    vec![
        Message::Block(b2.clone()),
        Message::Vote(a),
        Message::Evidence(Evidence::DoubleProposal(b1.signed, b2.signed)),
        Message::Evidence(Evidence::ConflictingVotes(a, b)),
        Message::Status(Status { head_slot: 9, head: g, finalized: cp(0, g) }),
        Message::SyncRequest(SyncRequest::ByRange { from_slot: 1, to_slot: 64 }),
        Message::SyncRequest(SyncRequest::ByRoot { root: g, count: 64 }),
        Message::SyncResponse(vec![b1, b2]),
    ]
}

#[test]
fn round_trip() {
    for m in samples() {
        assert_eq!(Message::decode(m.kind(), &m.encode()), Ok(m.clone()));
    }
}

#[test]
fn truncated_and_trailing_bytes_are_rejected() {
    for m in samples() {
        let bytes = m.encode();
        for cut in 0..bytes.len() {
            assert!(Message::decode(m.kind(), &bytes[..cut]).is_err(), "{:?} cut at {cut}", m.kind());
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(Message::decode(m.kind(), &long).is_err());
    }
}

#[test]
fn bad_tags_and_lengths_are_rejected() {
    assert!(Message::decode(MsgKind::SyncRequest, &[3]).is_err());
    assert!(Message::decode(MsgKind::Evidence, &[0]).is_err());
    // A list length far beyond the bytes present.
    let mut huge = vec![0u8; 8 + 140];
    huge.extend_from_slice(&u32::MAX.to_be_bytes());
    assert!(Message::decode(MsgKind::Block, &huge).is_err());
    assert!(Message::decode(MsgKind::SyncResponse, &u32::MAX.to_be_bytes()).is_err());
}

#[test]
fn random_and_mutated_bytes_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let samples: Vec<Vec<u8>> = samples().iter().map(|m| m.encode()).collect();
    for i in 0..3000 {
        let kind = MsgKind::ALL[i % MsgKind::ALL.len()];
        let bytes: Vec<u8> = if i % 2 == 0 {
            let len = rng.gen_range(0..400);
            (0..len).map(|_| rng.r#gen()).collect()
        } else {
            let mut b = samples[i % samples.len()].clone();
            for _ in 0..rng.gen_range(1..4) {
                let at = rng.gen_range(0..b.len());
                b[at] = rng.r#gen();
            }
            b
        };
        let _ = Message::decode(kind, &bytes);
    }
}

#[test]
fn the_engine_reports_garbage_instead_of_crashing() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut g = engine(0);
    let _ = g.handle(0, Input::Start);
    for i in 0..300u64 {
        let kind = MsgKind::ALL[(i as usize) % MsgKind::ALL.len()];
        let len = rng.gen_range(0..200);
        let bytes: Vec<u8> = (0..len).map(|_| rng.r#gen()).collect();
        let malformed = Message::decode(kind, &bytes).is_err();
        let fx = g.handle(i, Input::Message { from: PeerId(1), kind, bytes });
        if malformed {
            assert!(events(&fx).iter().any(|e| matches!(e, Event::Rejected { .. })), "{kind:?} garbage rejected");
        }
    }
    // Well-formed but badly signed: rejected too.
    let mut b = block(1, genesis(), Body::default());
    b.signed.signature.0[5] ^= 1;
    let fx = g.handle(SLOT_MS, msg(1, &Message::Block(b)));
    assert!(events(&fx).iter().any(|e| matches!(e, Event::Rejected { .. })));
}
