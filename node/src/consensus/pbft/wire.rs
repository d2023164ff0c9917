//! Wire messages with the canonical codec. Each starts with a tag byte; the
//! tag must agree with the `MsgKind` it travels as: PRE-PREPARE and NEW-VIEW
//! are `Block`, PREPARE, COMMIT, CHECKPOINT and VIEW-CHANGE are `Vote`.

use super::types::{
    Block, Cert, Evidence, NewView, Phase, ViewChange, Vote, decode_all, encode_with, get_hash, put_hash,
};
use crate::chain::Hash32;
use crate::chain::codec::DecodeError;
use crate::consensus::engine::MsgKind;

/// Most committed blocks in one sync response (R12).
pub const MAX_SYNC_BLOCKS: u64 = 32;

/// A node's last committed block and its view (R12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    pub committed: u64,
    pub head: Hash32,
    pub view: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// PRE-PREPARE(v, n, d) with the block whose digest is d.
    PrePrepare {
        vote: Vote,
        block: Block,
    },
    NewView(NewView),
    /// PREPARE, COMMIT or CHECKPOINT.
    Vote(Vote),
    ViewChange(ViewChange),
    Evidence(Evidence),
    Status(Status),
    /// Committed blocks from this sequence number on.
    SyncRequest {
        from_seq: u64,
    },
    /// Committed blocks with their commit certificates, lowest first.
    SyncResponse(Vec<Cert>),
}

const T_PRE_PREPARE: u8 = 1;
const T_NEW_VIEW: u8 = 2;
const T_VOTE: u8 = 3;
const T_VIEW_CHANGE: u8 = 4;
const T_EVIDENCE: u8 = 5;
const T_STATUS: u8 = 6;
const T_SYNC_REQUEST: u8 = 7;
const T_SYNC_RESPONSE: u8 = 8;

fn kind_of(tag: u8) -> Option<MsgKind> {
    Some(match tag {
        T_PRE_PREPARE | T_NEW_VIEW => MsgKind::Block,
        T_VOTE | T_VIEW_CHANGE => MsgKind::Vote,
        T_EVIDENCE => MsgKind::Evidence,
        T_STATUS => MsgKind::Status,
        T_SYNC_REQUEST => MsgKind::SyncRequest,
        T_SYNC_RESPONSE => MsgKind::SyncResponse,
        _ => return None,
    })
}

impl Message {
    fn tag(&self) -> u8 {
        match self {
            Message::PrePrepare { .. } => T_PRE_PREPARE,
            Message::NewView(_) => T_NEW_VIEW,
            Message::Vote(_) => T_VOTE,
            Message::ViewChange(_) => T_VIEW_CHANGE,
            Message::Evidence(_) => T_EVIDENCE,
            Message::Status(_) => T_STATUS,
            Message::SyncRequest { .. } => T_SYNC_REQUEST,
            Message::SyncResponse(_) => T_SYNC_RESPONSE,
        }
    }

    pub fn kind(&self) -> MsgKind {
        kind_of(self.tag()).unwrap_or(MsgKind::Status)
    }

    pub fn encode(&self) -> Vec<u8> {
        encode_with(|w| {
            w.u8(self.tag());
            match self {
                Message::PrePrepare { vote, block } => {
                    vote.write(w);
                    block.write(w);
                }
                Message::NewView(nv) => nv.write(w),
                Message::Vote(v) => v.write(w),
                Message::ViewChange(vc) => vc.write(w),
                Message::Evidence(e) => e.write(w),
                Message::Status(s) => {
                    w.u64(s.committed);
                    put_hash(w, &s.head);
                    w.u64(s.view);
                }
                Message::SyncRequest { from_seq } => {
                    w.u64(*from_seq);
                }
                Message::SyncResponse(items) => {
                    w.list(items, |w, c| c.write(w));
                }
            }
        })
    }

    pub fn decode(kind: MsgKind, bytes: &[u8]) -> Result<Message, DecodeError> {
        decode_all(bytes, |r| {
            let tag = r.u8()?;
            match kind_of(tag) {
                Some(k) if k == kind => {}
                _ => {
                    let detail = format!("tag {tag} does not travel as {}", kind.as_str());
                    return Err(DecodeError::Invalid { what: "pbft message", detail });
                }
            }
            match tag {
                T_PRE_PREPARE => {
                    let vote = Vote::read(r)?;
                    if vote.data.phase != Phase::PrePrepare {
                        let detail = format!("a {} in a pre-prepare", vote.data.phase.as_str());
                        return Err(DecodeError::Invalid { what: "pbft message", detail });
                    }
                    Ok(Message::PrePrepare { vote, block: Block::read(r)? })
                }
                T_NEW_VIEW => Ok(Message::NewView(NewView::read(r)?)),
                T_VOTE => {
                    let v = Vote::read(r)?;
                    if v.data.phase == Phase::PrePrepare {
                        let detail = "a pre-prepare without its block".into();
                        return Err(DecodeError::Invalid { what: "pbft message", detail });
                    }
                    Ok(Message::Vote(v))
                }
                T_VIEW_CHANGE => Ok(Message::ViewChange(ViewChange::read(r)?)),
                T_EVIDENCE => Ok(Message::Evidence(Evidence::read(r)?)),
                T_STATUS => Ok(Message::Status(Status { committed: r.u64()?, head: get_hash(r)?, view: r.u64()? })),
                T_SYNC_REQUEST => Ok(Message::SyncRequest { from_seq: r.u64()? }),
                _ => {
                    let items = r.list(Cert::read)?;
                    if items.len() as u64 > MAX_SYNC_BLOCKS {
                        return Err(DecodeError::Invalid { what: "sync response", detail: "too many blocks".into() });
                    }
                    Ok(Message::SyncResponse(items))
                }
            }
        })
    }
}
