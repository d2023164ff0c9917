//! Tendermint's data types and their one canonical encoding (`chain::codec`):
//! blocks, signed proposals and votes, commit certificates and duplicate-vote
//! evidence. Every decoder is total and rejects trailing bytes.

pub use crate::chain::codec::decode_all;
use crate::chain::codec::{DecodeError, Reader, Writer, get_pair, put_pair};
pub(super) use crate::chain::codec::{
    encode_with, get_flag, get_hash, get_opt_hash, get_opt_u64, get_sig, put_hash, put_opt_hash, put_opt_u64, put_sig,
};
use crate::chain::{Domain, Hash32, SecretKey, Signature};
use crate::ledger::Transfer;

/// Most evidence one block may carry (R11).
pub const MAX_BLOCK_EVIDENCE: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum VoteType {
    Prevote,
    Precommit,
}

/// What a validator signs when it votes (R5); `value: None` is nil.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct VoteData {
    pub kind: VoteType,
    pub height: u64,
    pub round: u64,
    pub value: Option<Hash32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vote {
    pub validator: u32,
    pub data: VoteData,
    pub signature: Signature,
}

/// What a proposer signs (R4): the block id, its height and round, and the
/// valid round it re-proposes from (`None` = -1 in the paper).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProposalData {
    pub height: u64,
    pub round: u64,
    pub pol_round: Option<u64>,
    pub block: Hash32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedProposal {
    pub proposer: u32,
    pub data: ProposalData,
    pub signature: Signature,
}

/// Proof that one validator signed two conflicting messages (R10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// Two votes of one type, height and round with different values.
    DuplicateVote(Vote, Vote),
    /// Two proposals for one height and round with different data.
    DoubleProposal(SignedProposal, SignedProposal),
}

/// A block (R3). It carries no round: a value re-proposed in a later round
/// (the paper's validValue) keeps its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub height: u64,
    pub parent: Hash32,
    /// The validator that built it (informational; the proposal's signer is checked).
    pub proposer: u32,
    pub graffiti: u64,
    pub evidence: Vec<Evidence>,
    /// The account state's root after `txs` (ledger T4).
    pub state_root: Hash32,
    pub txs: Vec<Transfer>,
}

/// A proposal on the wire: the signed header, the block it names, and for a
/// re-proposal the prevotes of its valid round for that block (its POL, so
/// peers that lost them, e.g. by restarting, can still apply L28).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub signed: SignedProposal,
    pub block: Block,
    pub pol: Vec<Vote>,
}

/// +2/3 precommits for a block at one round: proof that it is committed (R8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    pub round: u64,
    pub precommits: Vec<Vote>,
}

// ---------------------------------------------------------------- encoding

impl VoteType {
    pub(super) fn code(self) -> u8 {
        match self {
            VoteType::Prevote => 1,
            VoteType::Precommit => 2,
        }
    }
    pub(super) fn from_code(c: u8) -> Result<Self, DecodeError> {
        match c {
            1 => Ok(VoteType::Prevote),
            2 => Ok(VoteType::Precommit),
            t => Err(DecodeError::Invalid { what: "vote type", detail: t.to_string() }),
        }
    }
}

impl VoteData {
    pub fn write(&self, w: &mut Writer) {
        w.u8(self.kind.code()).u64(self.height).u64(self.round);
        put_opt_hash(w, &self.value);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(VoteData { kind: VoteType::from_code(r.u8()?)?, height: r.u64()?, round: r.u64()?, value: get_opt_hash(r)? })
    }
    /// The bytes a validator signs, under `Domain::Vote`.
    pub fn signing_bytes(&self) -> Vec<u8> {
        encode_with(|w| {
            w.fixed(b"tendermint/vote");
            self.write(w);
        })
    }
}

impl Vote {
    pub fn sign(key: &SecretKey, validator: u32, data: VoteData) -> Vote {
        Vote { validator, data, signature: key.sign(Domain::Vote, &data.signing_bytes()) }
    }
    pub fn write(&self, w: &mut Writer) {
        w.u32(self.validator);
        self.data.write(w);
        put_sig(w, &self.signature);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Vote { validator: r.u32()?, data: VoteData::read(r)?, signature: get_sig(r)? })
    }
    pub fn encode(&self) -> Vec<u8> {
        encode_with(|w| self.write(w))
    }
    pub fn id(&self) -> Hash32 {
        Hash32::digest(&[b"tm-vote", &self.encode()])
    }
}

impl ProposalData {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.height).u64(self.round);
        put_opt_u64(w, self.pol_round);
        put_hash(w, &self.block);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ProposalData { height: r.u64()?, round: r.u64()?, pol_round: get_opt_u64(r)?, block: get_hash(r)? })
    }
    /// The bytes a proposer signs, under `Domain::BlockHeader`.
    pub fn signing_bytes(&self) -> Vec<u8> {
        encode_with(|w| {
            w.fixed(b"tendermint/proposal");
            self.write(w);
        })
    }
}

impl SignedProposal {
    pub fn sign(key: &SecretKey, proposer: u32, data: ProposalData) -> SignedProposal {
        SignedProposal { proposer, data, signature: key.sign(Domain::BlockHeader, &data.signing_bytes()) }
    }
    pub fn write(&self, w: &mut Writer) {
        w.u32(self.proposer);
        self.data.write(w);
        put_sig(w, &self.signature);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(SignedProposal { proposer: r.u32()?, data: ProposalData::read(r)?, signature: get_sig(r)? })
    }
}

impl Evidence {
    pub fn write(&self, w: &mut Writer) {
        match self {
            Evidence::DuplicateVote(a, b) => put_pair(w.u8(1), a, b, Vote::write),
            Evidence::DoubleProposal(a, b) => put_pair(w.u8(2), a, b, SignedProposal::write),
        }
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.u8()? {
            1 => get_pair(r, Vote::read).map(|(a, b)| Evidence::DuplicateVote(a, b)),
            2 => get_pair(r, SignedProposal::read).map(|(a, b)| Evidence::DoubleProposal(a, b)),
            t => Err(DecodeError::Invalid { what: "evidence tag", detail: t.to_string() }),
        }
    }
    pub fn encode(&self) -> Vec<u8> {
        encode_with(|w| self.write(w))
    }
    pub fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        decode_all(b, Evidence::read)
    }
    /// The accused validator (the first message's signer).
    pub fn offender(&self) -> u32 {
        match self {
            Evidence::DuplicateVote(a, _) => a.validator,
            Evidence::DoubleProposal(a, _) => a.proposer,
        }
    }
}

impl Block {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.height);
        put_hash(w, &self.parent);
        w.u32(self.proposer).u64(self.graffiti);
        w.list(&self.evidence, |w, e| e.write(w));
        put_hash(w, &self.state_root);
        w.list(&self.txs, |w, t| t.write(w));
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (height, parent, proposer, graffiti) = (r.u64()?, get_hash(r)?, r.u32()?, r.u64()?);
        let evidence = r.list(Evidence::read)?;
        if evidence.len() > MAX_BLOCK_EVIDENCE {
            return Err(DecodeError::Invalid { what: "block", detail: "too much evidence".into() });
        }
        let state_root = get_hash(r)?;
        let txs = r.list(Transfer::read)?;
        Ok(Block { height, parent, proposer, graffiti, evidence, state_root, txs })
    }
    pub fn encode(&self) -> Vec<u8> {
        encode_with(|w| self.write(w))
    }
    /// The block id (R3): sha256 of its canonical bytes.
    pub fn hash(&self) -> Hash32 {
        Hash32::digest(&[b"devnet/v1/tendermint/block", &self.encode()])
    }
}

impl Proposal {
    pub fn write(&self, w: &mut Writer) {
        self.signed.write(w);
        self.block.write(w);
        w.list(&self.pol, |w, v| v.write(w));
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Proposal { signed: SignedProposal::read(r)?, block: Block::read(r)?, pol: r.list(Vote::read)? })
    }
}

impl Commit {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.round);
        w.list(&self.precommits, |w, v| v.write(w));
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Commit { round: r.u64()?, precommits: r.list(Vote::read)? })
    }
}

/// A committed block with its certificate: what `Table::Blocks` and sync carry.
pub fn encode_committed(block: &Block, commit: &Commit) -> Vec<u8> {
    encode_with(|w| {
        block.write(w);
        commit.write(w);
    })
}

pub fn decode_committed(b: &[u8]) -> Result<(Block, Commit), DecodeError> {
    decode_all(b, |r| Ok((Block::read(r)?, Commit::read(r)?)))
}
