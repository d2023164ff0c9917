//! Wire messages, one variant per `MsgKind` (R4 proposals as `Block`, R5
//! votes, R10 evidence, R13 sync), with the canonical codec.

use super::types::{Block, Commit, Evidence, Proposal, Vote, decode_all, encode_with, get_hash, put_hash};
use crate::chain::Hash32;
use crate::chain::codec::DecodeError;
use crate::consensus::engine::MsgKind;

/// Most committed blocks in one sync response (R13).
pub const MAX_SYNC_BLOCKS: u64 = 32;

/// A node's last committed block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    pub committed: u64,
    pub head: Hash32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    Proposal(Proposal),
    Vote(Vote),
    Evidence(Evidence),
    Status(Status),
    /// Committed blocks from this height on.
    SyncRequest {
        from_height: u64,
    },
    /// Committed blocks with their certificates, lowest height first.
    SyncResponse(Vec<(Block, Commit)>),
}

impl Message {
    pub fn kind(&self) -> MsgKind {
        match self {
            Message::Proposal(_) => MsgKind::Block,
            Message::Vote(_) => MsgKind::Vote,
            Message::Evidence(_) => MsgKind::Evidence,
            Message::Status(_) => MsgKind::Status,
            Message::SyncRequest { .. } => MsgKind::SyncRequest,
            Message::SyncResponse(_) => MsgKind::SyncResponse,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        encode_with(|w| match self {
            Message::Proposal(p) => p.write(w),
            Message::Vote(v) => v.write(w),
            Message::Evidence(e) => e.write(w),
            Message::Status(s) => {
                w.u64(s.committed);
                put_hash(w, &s.head);
            }
            Message::SyncRequest { from_height } => {
                w.u64(*from_height);
            }
            Message::SyncResponse(items) => {
                w.list(items, |w, (b, c)| {
                    b.write(w);
                    c.write(w);
                });
            }
        })
    }

    pub fn decode(kind: MsgKind, bytes: &[u8]) -> Result<Message, DecodeError> {
        decode_all(bytes, |r| match kind {
            MsgKind::Block => Ok(Message::Proposal(Proposal::read(r)?)),
            MsgKind::Vote => Ok(Message::Vote(Vote::read(r)?)),
            MsgKind::Evidence => Ok(Message::Evidence(Evidence::read(r)?)),
            MsgKind::Status => Ok(Message::Status(Status { committed: r.u64()?, head: get_hash(r)? })),
            MsgKind::SyncRequest => Ok(Message::SyncRequest { from_height: r.u64()? }),
            MsgKind::SyncResponse => {
                let items = r.list(|r| Ok((Block::read(r)?, Commit::read(r)?)))?;
                if items.len() as u64 > MAX_SYNC_BLOCKS {
                    return Err(DecodeError::Invalid { what: "sync response", detail: "too many blocks".into() });
                }
                Ok(Message::SyncResponse(items))
            }
            // Transfers belong to the ledger, which takes them before decoding.
            MsgKind::Tx => {
                Err(DecodeError::Invalid { what: "message kind", detail: "tx is not a consensus message".into() })
            }
        })
    }
}
