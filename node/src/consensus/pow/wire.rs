//! Wire messages, one variant per `MsgKind` used (R3 blocks, R12 sync).
//! pow has no votes and no evidence: those kinds are rejected.

use super::types::Block;
use crate::chain::Hash32;
use crate::chain::codec::{DecodeError, Reader, Writer};
use crate::consensus::engine::MsgKind;

/// Most blocks in one sync response (R12).
pub const MAX_SYNC_BLOCKS: usize = 64;

/// A node's best tip and the work behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    pub head: Hash32,
    pub height: u64,
    pub work: u128,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    Block(Block),
    Status(Status),
    /// `want` and up to `MAX_SYNC_BLOCKS - 1` of its ancestors.
    SyncRequest {
        want: Hash32,
    },
    /// Blocks ending at the wanted one, oldest first.
    SyncResponse(Vec<Block>),
}

impl Message {
    pub fn kind(&self) -> MsgKind {
        match self {
            Message::Block(_) => MsgKind::Block,
            Message::Status(_) => MsgKind::Status,
            Message::SyncRequest { .. } => MsgKind::SyncRequest,
            Message::SyncResponse(_) => MsgKind::SyncResponse,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        match self {
            Message::Block(b) => b.write(&mut w),
            Message::Status(s) => {
                w.fixed(&s.head.0).u64(s.height).u64((s.work >> 64) as u64).u64(s.work as u64);
            }
            Message::SyncRequest { want } => {
                w.fixed(&want.0);
            }
            Message::SyncResponse(blocks) => {
                w.list(blocks, |w, b| b.write(w));
            }
        }
        w.finish()
    }

    pub fn decode(kind: MsgKind, bytes: &[u8]) -> Result<Message, DecodeError> {
        let mut r = Reader::new(bytes);
        let m = match kind {
            MsgKind::Block => Message::Block(Block::read(&mut r)?),
            MsgKind::Status => {
                let head = Hash32(r.fixed()?);
                let height = r.u64()?;
                let work = ((r.u64()? as u128) << 64) | r.u64()? as u128;
                Message::Status(Status { head, height, work })
            }
            MsgKind::SyncRequest => Message::SyncRequest { want: Hash32(r.fixed()?) },
            MsgKind::SyncResponse => {
                let blocks = r.list(Block::read)?;
                if blocks.len() > MAX_SYNC_BLOCKS {
                    return Err(DecodeError::Invalid { what: "sync response", detail: "too many blocks".into() });
                }
                Message::SyncResponse(blocks)
            }
            MsgKind::Vote | MsgKind::Evidence | MsgKind::Tx => {
                return Err(DecodeError::Invalid {
                    what: "message kind",
                    detail: format!("{} is not a pow message", kind.as_str()),
                });
            }
        };
        r.finish()?;
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_and_garbage_is_an_error() {
        let b = Block {
            parent: Hash32([7; 32]),
            height: 3,
            timestamp_ms: 99,
            miner: 1,
            difficulty: 100_000,
            nonce: 42,
            ..Default::default()
        };
        let all = [
            Message::Block(b.clone()),
            Message::Status(Status { head: Hash32([1; 32]), height: 9, work: (1u128 << 70) + 5 }),
            Message::SyncRequest { want: Hash32([2; 32]) },
            Message::SyncResponse(vec![b.clone(), b]),
        ];
        for m in all {
            let bytes = m.encode();
            assert_eq!(Message::decode(m.kind(), &bytes), Ok(m.clone()));
            assert!(Message::decode(m.kind(), &bytes[..bytes.len() - 1]).is_err());
        }
        assert!(Message::decode(MsgKind::Vote, &[]).is_err());
    }
}
