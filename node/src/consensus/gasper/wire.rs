//! Wire messages: what nodes send each other, one variant per `MsgKind`
//! (R5 votes, R4 blocks, R10 evidence, R14 sync), with the canonical codec.

use super::types::{Attestation, Block, Checkpoint, Evidence, decode_all, encode_with, get_hash, put_hash};
use crate::chain::Hash32;
use crate::chain::codec::DecodeError;
use crate::consensus::engine::MsgKind;

/// Most blocks in one sync response or asked for by one request (R14).
pub const MAX_SYNC_BLOCKS: u64 = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    pub head_slot: u64,
    pub head: Hash32,
    pub finalized: Checkpoint,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncRequest {
    /// The responder's canonical blocks with `from_slot <= slot <= to_slot`.
    ByRange { from_slot: u64, to_slot: u64 },
    /// The block `root` and up to `count - 1` of its ancestors.
    ByRoot { root: Hash32, count: u64 },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    Block(Block),
    Vote(Attestation),
    Evidence(Evidence),
    Status(Status),
    SyncRequest(SyncRequest),
    /// Blocks oldest first.
    SyncResponse(Vec<Block>),
}

impl Message {
    pub fn kind(&self) -> MsgKind {
        match self {
            Message::Block(_) => MsgKind::Block,
            Message::Vote(_) => MsgKind::Vote,
            Message::Evidence(_) => MsgKind::Evidence,
            Message::Status(_) => MsgKind::Status,
            Message::SyncRequest(_) => MsgKind::SyncRequest,
            Message::SyncResponse(_) => MsgKind::SyncResponse,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        encode_with(|w| match self {
            Message::Block(b) => b.write(w),
            Message::Vote(a) => a.write(w),
            Message::Evidence(e) => e.write(w),
            Message::Status(s) => {
                w.u64(s.head_slot);
                put_hash(w, &s.head);
                s.finalized.write(w);
            }
            Message::SyncRequest(SyncRequest::ByRange { from_slot, to_slot }) => {
                w.u8(1).u64(*from_slot).u64(*to_slot);
            }
            Message::SyncRequest(SyncRequest::ByRoot { root, count }) => {
                w.u8(2);
                put_hash(w, root);
                w.u64(*count);
            }
            Message::SyncResponse(blocks) => {
                w.list(blocks, |w, b| b.write(w));
            }
        })
    }

    /// Decode a message of the kind the wire says it is.
    pub fn decode(kind: MsgKind, bytes: &[u8]) -> Result<Message, DecodeError> {
        decode_all(bytes, |r| match kind {
            MsgKind::Block => Ok(Message::Block(Block::read(r)?)),
            MsgKind::Vote => Ok(Message::Vote(Attestation::read(r)?)),
            MsgKind::Evidence => Ok(Message::Evidence(Evidence::read(r)?)),
            MsgKind::Status => {
                Ok(Message::Status(Status { head_slot: r.u64()?, head: get_hash(r)?, finalized: Checkpoint::read(r)? }))
            }
            MsgKind::SyncRequest => match r.u8()? {
                1 => Ok(Message::SyncRequest(SyncRequest::ByRange { from_slot: r.u64()?, to_slot: r.u64()? })),
                2 => Ok(Message::SyncRequest(SyncRequest::ByRoot { root: get_hash(r)?, count: r.u64()? })),
                t => Err(DecodeError::Invalid { what: "sync request tag", detail: t.to_string() }),
            },
            MsgKind::SyncResponse => {
                let blocks = r.list(Block::read)?;
                if blocks.len() as u64 > MAX_SYNC_BLOCKS {
                    return Err(DecodeError::Invalid { what: "sync response", detail: "too many blocks".into() });
                }
                Ok(Message::SyncResponse(blocks))
            }
            // Transfers belong to the ledger, which takes them before decoding.
            MsgKind::Tx => {
                Err(DecodeError::Invalid { what: "message kind", detail: "tx is not a consensus message".into() })
            }
        })
    }
}
