//! Gasper's data types and their one canonical encoding (`chain::codec`).
//!
//! The same bytes are hashed, signed, stored and sent. Every decoder is total:
//! malformed, truncated or over-long input is a `DecodeError`, never a panic,
//! and trailing bytes are rejected so one value has exactly one encoding.

use crate::chain::Hash32;
use crate::chain::Signature;
pub use crate::chain::codec::decode_all;
use crate::chain::codec::{DecodeError, Reader, Writer, get_pair, put_pair};
pub(super) use crate::chain::codec::{encode_with, get_hash, get_sig, put_hash, put_sig};
use crate::ledger::Transfer;

/// Most attestations one block may carry (R6).
pub const MAX_BLOCK_ATTESTATIONS: usize = 256;
/// Most slashing evidence one block may carry (R10).
pub const MAX_BLOCK_EVIDENCE: usize = 8;

/// An epoch boundary block: `(epoch, root)`. Ordered by epoch first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Checkpoint {
    pub epoch: u64,
    pub root: Hash32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AttestationData {
    pub slot: u64,
    pub head: Hash32,
    pub source: Checkpoint,
    pub target: Checkpoint,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attestation {
    pub validator: u32,
    pub data: AttestationData,
    pub signature: Signature,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockHeader {
    pub slot: u64,
    pub proposer: u32,
    pub parent: Hash32,
    pub body_root: Hash32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedHeader {
    pub header: BlockHeader,
    pub signature: Signature,
}

/// Proof that one validator signed two conflicting messages (R10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// Two headers, same proposer and slot, different hashes.
    DoubleProposal(SignedHeader, SignedHeader),
    /// Two attestations forming a double or surround vote.
    ConflictingVotes(Attestation, Attestation),
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Body {
    /// Free bytes for the proposer; the equivocator varies it to make twin blocks.
    pub graffiti: u64,
    pub attestations: Vec<Attestation>,
    pub evidence: Vec<Evidence>,
    /// The account state's root after `txs` (ledger T4).
    pub state_root: Hash32,
    pub txs: Vec<Transfer>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub signed: SignedHeader,
    pub body: Body,
}

// ---------------------------------------------------------------- encoding

impl Checkpoint {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.epoch);
        put_hash(w, &self.root);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Checkpoint { epoch: r.u64()?, root: get_hash(r)? })
    }
}

impl AttestationData {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.slot);
        put_hash(w, &self.head);
        self.source.write(w);
        self.target.write(w);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(AttestationData {
            slot: r.u64()?,
            head: get_hash(r)?,
            source: Checkpoint::read(r)?,
            target: Checkpoint::read(r)?,
        })
    }
    /// The bytes a validator signs (under `Domain::Attestation`).
    pub fn signing_bytes(&self) -> Vec<u8> {
        encode_with(|w| self.write(w))
    }
}

impl Attestation {
    pub fn write(&self, w: &mut Writer) {
        w.u32(self.validator);
        self.data.write(w);
        put_sig(w, &self.signature);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Attestation { validator: r.u32()?, data: AttestationData::read(r)?, signature: get_sig(r)? })
    }
    pub fn encode(&self) -> Vec<u8> {
        encode_with(|w| self.write(w))
    }
    pub fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        decode_all(b, Attestation::read)
    }
    /// Identity of this signed attestation (dedup and signature cache key).
    pub fn id(&self) -> Hash32 {
        Hash32::digest(&[b"att", &self.encode()])
    }
}

impl BlockHeader {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.slot).u32(self.proposer);
        put_hash(w, &self.parent);
        put_hash(w, &self.body_root);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(BlockHeader { slot: r.u64()?, proposer: r.u32()?, parent: get_hash(r)?, body_root: get_hash(r)? })
    }
    /// The bytes the proposer signs (under `Domain::BlockHeader`).
    pub fn signing_bytes(&self) -> Vec<u8> {
        encode_with(|w| self.write(w))
    }
    /// The block hash: sha256 of the canonical header bytes (R3).
    pub fn hash(&self) -> Hash32 {
        Hash32::digest(&[&self.signing_bytes()])
    }
}

impl SignedHeader {
    pub fn write(&self, w: &mut Writer) {
        self.header.write(w);
        put_sig(w, &self.signature);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(SignedHeader { header: BlockHeader::read(r)?, signature: get_sig(r)? })
    }
}

impl Evidence {
    pub fn write(&self, w: &mut Writer) {
        match self {
            Evidence::DoubleProposal(a, b) => put_pair(w.u8(1), a, b, SignedHeader::write),
            Evidence::ConflictingVotes(a, b) => put_pair(w.u8(2), a, b, Attestation::write),
        }
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.u8()? {
            1 => get_pair(r, SignedHeader::read).map(|(a, b)| Evidence::DoubleProposal(a, b)),
            2 => get_pair(r, Attestation::read).map(|(a, b)| Evidence::ConflictingVotes(a, b)),
            t => Err(DecodeError::Invalid { what: "evidence tag", detail: t.to_string() }),
        }
    }
    pub fn encode(&self) -> Vec<u8> {
        encode_with(|w| self.write(w))
    }
    pub fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        decode_all(b, Evidence::read)
    }
    /// The validator the evidence accuses (the first message's signer).
    pub fn offender(&self) -> u32 {
        match self {
            Evidence::DoubleProposal(a, _) => a.header.proposer,
            Evidence::ConflictingVotes(a, _) => a.validator,
        }
    }
}

impl Body {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.graffiti);
        w.list(&self.attestations, |w, a| a.write(w));
        w.list(&self.evidence, |w, e| e.write(w));
        put_hash(w, &self.state_root);
        w.list(&self.txs, |w, t| t.write(w));
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let graffiti = r.u64()?;
        let attestations = r.list(Attestation::read)?;
        if attestations.len() > MAX_BLOCK_ATTESTATIONS {
            return Err(DecodeError::Invalid { what: "body", detail: "too many attestations".into() });
        }
        let evidence = r.list(Evidence::read)?;
        if evidence.len() > MAX_BLOCK_EVIDENCE {
            return Err(DecodeError::Invalid { what: "body", detail: "too much evidence".into() });
        }
        let state_root = get_hash(r)?;
        let txs = r.list(Transfer::read)?;
        Ok(Body { graffiti, attestations, evidence, state_root, txs })
    }
    pub fn root(&self) -> Hash32 {
        Hash32::digest(&[b"body", &encode_with(|w| self.write(w))])
    }
}

impl Block {
    pub fn write(&self, w: &mut Writer) {
        self.signed.write(w);
        self.body.write(w);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Block { signed: SignedHeader::read(r)?, body: Body::read(r)? })
    }
    pub fn encode(&self) -> Vec<u8> {
        encode_with(|w| self.write(w))
    }
    pub fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        decode_all(b, Block::read)
    }
    pub fn hash(&self) -> Hash32 {
        self.signed.header.hash()
    }
    pub fn slot(&self) -> u64 {
        self.signed.header.slot
    }
    pub fn parent(&self) -> Hash32 {
        self.signed.header.parent
    }
    pub fn proposer(&self) -> u32 {
        self.signed.header.proposer
    }
}

pub use super::wire::{MAX_SYNC_BLOCKS, Message, Status, SyncRequest};
