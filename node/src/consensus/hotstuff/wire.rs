//! Wire messages, one family per `MsgKind` (R12): proposals are `Block`,
//! votes and timeouts are `Vote` (a tag byte tells them apart), evidence,
//! sync info as `Status`, and block sync by id.

use super::types::{
    Block, Evidence, Proposal, QuorumCert, Timeout, TimeoutCert, Vote, decode_all, encode_with, get_hash, get_opt_tc,
    put_hash, put_opt_tc,
};
use crate::chain::Hash32;
use crate::chain::codec::DecodeError;
use crate::consensus::engine::MsgKind;

/// Most blocks in one sync response (R12).
pub const MAX_SYNC_BLOCKS: usize = 32;

/// What a node knows of the pacemaker: its highest QC and TC (R7, R12).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncInfo {
    pub high_qc: QuorumCert,
    pub high_tc: Option<TimeoutCert>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    Proposal(Proposal),
    Vote(Vote),
    /// A timeout, with the sender's highest TC so a node behind catches up.
    Timeout(Timeout, Option<TimeoutCert>),
    Evidence(Evidence),
    SyncInfo(SyncInfo),
    /// The block with this id and up to `MAX_SYNC_BLOCKS - 1` of its ancestors.
    BlockRequest(Hash32),
    /// Blocks, each one's parent before it.
    Blocks(Vec<Block>),
}

impl Message {
    pub fn kind(&self) -> MsgKind {
        match self {
            Message::Proposal(_) => MsgKind::Block,
            Message::Vote(_) | Message::Timeout(..) => MsgKind::Vote,
            Message::Evidence(_) => MsgKind::Evidence,
            Message::SyncInfo(_) => MsgKind::Status,
            Message::BlockRequest(_) => MsgKind::SyncRequest,
            Message::Blocks(_) => MsgKind::SyncResponse,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        encode_with(|w| match self {
            Message::Proposal(p) => p.write(w),
            Message::Vote(v) => {
                w.u8(1);
                v.write(w);
            }
            Message::Timeout(t, tc) => {
                w.u8(2);
                t.write(w);
                put_opt_tc(w, tc);
            }
            Message::Evidence(e) => e.write(w),
            Message::SyncInfo(s) => {
                s.high_qc.write(w);
                put_opt_tc(w, &s.high_tc);
            }
            Message::BlockRequest(id) => put_hash(w, id),
            Message::Blocks(blocks) => {
                w.list(blocks, |w, b| b.write(w));
            }
        })
    }

    pub fn decode(kind: MsgKind, bytes: &[u8]) -> Result<Message, DecodeError> {
        decode_all(bytes, |r| match kind {
            MsgKind::Block => Ok(Message::Proposal(Proposal::read(r)?)),
            MsgKind::Vote => match r.u8()? {
                1 => Ok(Message::Vote(Vote::read(r)?)),
                2 => Ok(Message::Timeout(Timeout::read(r)?, get_opt_tc(r)?)),
                t => Err(DecodeError::Invalid { what: "vote tag", detail: t.to_string() }),
            },
            MsgKind::Evidence => Ok(Message::Evidence(Evidence::read(r)?)),
            MsgKind::Status => {
                Ok(Message::SyncInfo(SyncInfo { high_qc: QuorumCert::read(r)?, high_tc: get_opt_tc(r)? }))
            }
            MsgKind::SyncRequest => Ok(Message::BlockRequest(get_hash(r)?)),
            MsgKind::SyncResponse => {
                let blocks = r.list(Block::read)?;
                if blocks.len() > MAX_SYNC_BLOCKS {
                    return Err(DecodeError::Invalid { what: "sync response", detail: "too many blocks".into() });
                }
                Ok(Message::Blocks(blocks))
            }
            // Transfers belong to the ledger, which takes them before decoding.
            MsgKind::Tx => {
                Err(DecodeError::Invalid { what: "message kind", detail: "tx is not a consensus message".into() })
            }
        })
    }
}
