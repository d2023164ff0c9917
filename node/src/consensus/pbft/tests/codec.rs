//! Canonical codecs: every message round-trips; malformed bytes are refused, never a panic.

use super::*;
use crate::consensus::pbft::protection::Protection;
use crate::consensus::pbft::types::{Evidence, NewView};
use crate::consensus::pbft::wire::{Message, Status};

fn messages() -> Vec<Message> {
    let g = genesis();
    let b = block(1, g, 0);
    let d = b.hash();
    let cert = prepared(&b, 0, &[1, 2]);
    let vc = view_change(1, 1, vec![cert.clone()]);
    vec![
        Message::PrePrepare { vote: vote(0, Phase::PrePrepare, 0, 1, d), block: b.clone() },
        Message::Vote(vote(1, Phase::Prepare, 0, 1, d)),
        Message::Vote(vote(1, Phase::Commit, 0, 1, d)),
        Message::Vote(vote(1, Phase::Checkpoint, 0, 2, d)),
        Message::ViewChange(vc.clone()),
        Message::NewView(NewView {
            view: 1,
            view_changes: vec![vc],
            pre_prepares: vec![vote(1, Phase::PrePrepare, 1, 1, d)],
        }),
        Message::Evidence(Evidence { a: vote(2, Phase::Prepare, 0, 1, d), b: vote(2, Phase::Prepare, 0, 1, g) }),
        Message::Status(Status { committed: 3, head: d, view: 2 }),
        Message::SyncRequest { from_seq: 4 },
        Message::SyncResponse(vec![Cert { block: b, votes: vec![vote(1, Phase::Commit, 0, 1, d)] }]),
    ]
}

#[test]
fn messages_round_trip() {
    for m in messages() {
        let bytes = m.encode();
        assert_eq!(Message::decode(m.kind(), &bytes).as_ref(), Ok(&m), "{m:?}");
        // One value, one encoding: no trailing bytes, no truncation.
        let mut long = bytes.clone();
        long.push(0);
        assert!(Message::decode(m.kind(), &long).is_err());
        assert!(Message::decode(m.kind(), &bytes[..bytes.len() - 1]).is_err());
    }
}

#[test]
fn a_tag_must_travel_as_its_kind() {
    let m = Message::Vote(vote(1, Phase::Prepare, 0, 1, genesis()));
    assert!(Message::decode(MsgKind::Block, &m.encode()).is_err());
    let pp = Message::Vote(vote(0, Phase::PrePrepare, 0, 1, genesis()));
    assert!(Message::decode(MsgKind::Vote, &pp.encode()).is_err(), "a pre-prepare without its block");
}

#[test]
fn malformed_bytes_are_rejected_not_a_panic() {
    let mut e = engine(1);
    let _ = e.handle(0, Input::Start);
    for (kind, bytes) in [
        (MsgKind::Vote, vec![]),
        (MsgKind::Vote, vec![3, 1, 2]),
        (MsgKind::Block, vec![9; 40]),
        (MsgKind::Status, vec![6]),
        (MsgKind::SyncResponse, vec![8, 0xff, 0xff, 0xff, 0xff]),
        (MsgKind::Evidence, vec![5; 300]),
    ] {
        let fx = e.handle(1, Input::Message { from: PeerId(2), kind, bytes });
        assert!(rejected(&fx), "{kind:?}");
    }
}

#[test]
fn protection_record_round_trips() {
    let mut p = Protection::new(genesis());
    let b = block(1, genesis(), 0);
    p.record(Phase::Prepare, 3, 1, b.hash());
    p.proposals.insert(1, b.clone());
    p.prepared.insert(1, prepared(&b, 0, &[1, 2]));
    p.view_change = Some(view_change(1, 4, vec![]));
    assert_eq!(Protection::decode(&p.encode()), Ok(p));
}

#[test]
fn params_name_the_bad_key() {
    assert_eq!(params().validate(), Ok(()));
    assert_eq!(PbftParams::from_slot(100).validate(), Ok(()));
    let e = PbftParams { checkpoint_interval: 0, ..params() }.validate().unwrap_err();
    assert_eq!(e, "pbft.checkpoint_interval: expected at least 1, found 0");
    let e = PbftParams { watermark_window: 1, ..params() }.validate().unwrap_err();
    assert!(e.starts_with("pbft.watermark_window: expected at least checkpoint_interval (2), found 1"), "{e}");
    let e = PbftParams { max_view_change_timeout_ms: 50, ..params() }.validate().unwrap_err();
    assert!(e.starts_with("pbft.max_view_change_timeout_ms"), "{e}");
    assert!(PbftParams::from_slot(0).validate().unwrap_err().starts_with("pbft.view_change_timeout_ms"));
    // R9: doubling, capped.
    let p = params();
    let t: Vec<u64> = (0..5).map(|k| p.timeout_after(k)).collect();
    assert_eq!(t, vec![100, 200, 400, 400, 400]);
    assert_eq!(p.timeout_after(200), 400);
}
