//! HotStuff's data and its one canonical encoding (`chain::codec`): blocks
//! with the QC of their parent, votes, quorum and timeout certificates,
//! signed proposals and equivocation evidence (R2-R5, R10). Every decoder
//! is total and rejects trailing bytes.

pub use crate::chain::codec::decode_all;
use crate::chain::codec::{DecodeError, Reader, Writer, get_pair, put_pair};
pub(super) use crate::chain::codec::{encode_with, get_flag, get_hash, get_sig, put_hash, put_sig};
use crate::chain::{Domain, Hash32, SecretKey, Signature};
use crate::ledger::Transfer;

/// Most evidence one block may carry (R10).
pub const MAX_BLOCK_EVIDENCE: usize = 8;

/// What a validator signs when it votes for a block (R4): the block, its
/// round and height, and its parent with the parent's round, so the vote
/// (and a QC made of votes) binds the round and the chain link it certifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct VoteData {
    pub block: Hash32,
    pub round: u64,
    pub height: u64,
    pub parent: Hash32,
    pub parent_round: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vote {
    pub validator: u32,
    pub data: VoteData,
    pub signature: Signature,
}

/// A quorum certificate (R4): votes worth more than 2/3 of the stake for
/// one `VoteData`. The genesis QC has no votes and certifies the genesis block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuorumCert {
    pub data: VoteData,
    pub sigs: Vec<(u32, Signature)>,
}

/// What a validator signs when it gives up on a round (R7): the round and
/// the round of its highest QC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeoutData {
    pub round: u64,
    pub hqc_round: u64,
}

/// A signed timeout with the QC its `hqc_round` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeout {
    pub validator: u32,
    pub data: TimeoutData,
    pub signature: Signature,
    pub high_qc: QuorumCert,
}

/// A timeout certificate (R7): timeouts worth more than 2/3 of the stake
/// for one round, each with the signer's highest QC round, and the highest
/// of those QCs (so a node that gets only the TC can extend it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeoutCert {
    pub round: u64,
    pub sigs: Vec<(u32, u64, Signature)>,
    pub high_qc: QuorumCert,
}

/// What a leader signs (R3): the round and the block id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProposalData {
    pub round: u64,
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
    /// Two votes for one round with different data.
    DoubleVote(Vote, Vote),
    /// Two proposals for one round with different blocks.
    DoubleProposal(SignedProposal, SignedProposal),
}

/// A block (R2): its round, its height (parent's + 1), its parent and the
/// QC that certifies the parent, the proposer, evidence and transfers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub round: u64,
    pub height: u64,
    pub parent: Hash32,
    pub qc: QuorumCert,
    pub proposer: u32,
    /// Distinguishes an equivocator's twin blocks (R14); 0 otherwise.
    pub graffiti: u64,
    pub evidence: Vec<Evidence>,
    /// The account state's root after `txs` (ledger T4).
    pub state_root: Hash32,
    pub txs: Vec<Transfer>,
}

/// A proposal on the wire: the signed header, the block, and the TC of the
/// round before when the block does not extend that round's QC (R5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub signed: SignedProposal,
    pub block: Block,
    pub tc: Option<TimeoutCert>,
}

// ---------------------------------------------------------------- encoding

impl VoteData {
    pub fn write(&self, w: &mut Writer) {
        put_hash(w, &self.block);
        w.u64(self.round).u64(self.height);
        put_hash(w, &self.parent);
        w.u64(self.parent_round);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(VoteData {
            block: get_hash(r)?,
            round: r.u64()?,
            height: r.u64()?,
            parent: get_hash(r)?,
            parent_round: r.u64()?,
        })
    }
    /// The bytes a validator signs, under `Domain::Vote`.
    pub fn signing_bytes(&self) -> Vec<u8> {
        encode_with(|w| {
            w.fixed(b"hotstuff/vote");
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
}

impl QuorumCert {
    /// The genesis block's certificate: no votes, round 0.
    pub fn genesis(genesis: Hash32) -> QuorumCert {
        let data = VoteData { block: genesis, round: 0, height: 0, parent: genesis, parent_round: 0 };
        QuorumCert { data, sigs: Vec::new() }
    }
    pub fn round(&self) -> u64 {
        self.data.round
    }
    pub fn block(&self) -> Hash32 {
        self.data.block
    }
    pub fn write(&self, w: &mut Writer) {
        self.data.write(w);
        w.list(&self.sigs, |w, (v, s)| {
            w.u32(*v);
            put_sig(w, s);
        });
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(QuorumCert { data: VoteData::read(r)?, sigs: r.list(|r| Ok((r.u32()?, get_sig(r)?)))? })
    }
}

impl TimeoutData {
    /// The bytes a validator signs, under `Domain::Vote` with its own tag.
    pub fn signing_bytes(&self) -> Vec<u8> {
        encode_with(|w| {
            w.fixed(b"hotstuff/timeout");
            w.u64(self.round).u64(self.hqc_round);
        })
    }
}

impl Timeout {
    pub fn sign(key: &SecretKey, validator: u32, round: u64, high_qc: QuorumCert) -> Timeout {
        let data = TimeoutData { round, hqc_round: high_qc.round() };
        Timeout { validator, data, signature: key.sign(Domain::Vote, &data.signing_bytes()), high_qc }
    }
    pub fn write(&self, w: &mut Writer) {
        w.u32(self.validator).u64(self.data.round).u64(self.data.hqc_round);
        put_sig(w, &self.signature);
        self.high_qc.write(w);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (validator, round, hqc_round) = (r.u32()?, r.u64()?, r.u64()?);
        Ok(Timeout {
            validator,
            data: TimeoutData { round, hqc_round },
            signature: get_sig(r)?,
            high_qc: QuorumCert::read(r)?,
        })
    }
}

impl TimeoutCert {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.round);
        w.list(&self.sigs, |w, (v, hqc, s)| {
            w.u32(*v).u64(*hqc);
            put_sig(w, s);
        });
        self.high_qc.write(w);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(TimeoutCert {
            round: r.u64()?,
            sigs: r.list(|r| Ok((r.u32()?, r.u64()?, get_sig(r)?)))?,
            high_qc: QuorumCert::read(r)?,
        })
    }
    /// The highest QC round its signers reported (Jolteon's `highest_hqc_round`).
    pub fn max_hqc_round(&self) -> u64 {
        self.sigs.iter().map(|(_, r, _)| *r).max().unwrap_or(0)
    }
}

pub(super) fn put_opt_tc(w: &mut Writer, tc: &Option<TimeoutCert>) {
    match tc {
        Some(tc) => {
            w.u8(1);
            tc.write(w);
        }
        None => {
            w.u8(0);
        }
    }
}
pub(super) fn get_opt_tc(r: &mut Reader<'_>) -> Result<Option<TimeoutCert>, DecodeError> {
    Ok(if get_flag(r)? { Some(TimeoutCert::read(r)?) } else { None })
}

impl ProposalData {
    /// The bytes a leader signs, under `Domain::BlockHeader`.
    pub fn signing_bytes(&self) -> Vec<u8> {
        encode_with(|w| {
            w.fixed(b"hotstuff/proposal");
            w.u64(self.round);
            put_hash(w, &self.block);
        })
    }
}

impl SignedProposal {
    pub fn sign(key: &SecretKey, proposer: u32, data: ProposalData) -> SignedProposal {
        SignedProposal { proposer, data, signature: key.sign(Domain::BlockHeader, &data.signing_bytes()) }
    }
    pub fn write(&self, w: &mut Writer) {
        w.u32(self.proposer).u64(self.data.round);
        put_hash(w, &self.data.block);
        put_sig(w, &self.signature);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let proposer = r.u32()?;
        let data = ProposalData { round: r.u64()?, block: get_hash(r)? };
        Ok(SignedProposal { proposer, data, signature: get_sig(r)? })
    }
}

impl Evidence {
    pub fn write(&self, w: &mut Writer) {
        match self {
            Evidence::DoubleVote(a, b) => put_pair(w.u8(1), a, b, Vote::write),
            Evidence::DoubleProposal(a, b) => put_pair(w.u8(2), a, b, SignedProposal::write),
        }
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.u8()? {
            1 => get_pair(r, Vote::read).map(|(a, b)| Evidence::DoubleVote(a, b)),
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
            Evidence::DoubleVote(a, _) => a.validator,
            Evidence::DoubleProposal(a, _) => a.proposer,
        }
    }
}

impl Block {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.round).u64(self.height);
        put_hash(w, &self.parent);
        self.qc.write(w);
        w.u32(self.proposer).u64(self.graffiti);
        w.list(&self.evidence, |w, e| e.write(w));
        put_hash(w, &self.state_root);
        w.list(&self.txs, |w, t| t.write(w));
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (round, height, parent) = (r.u64()?, r.u64()?, get_hash(r)?);
        let qc = QuorumCert::read(r)?;
        let (proposer, graffiti) = (r.u32()?, r.u64()?);
        let evidence = r.list(Evidence::read)?;
        if evidence.len() > MAX_BLOCK_EVIDENCE {
            return Err(DecodeError::Invalid { what: "block", detail: "too much evidence".into() });
        }
        let state_root = get_hash(r)?;
        let txs = r.list(Transfer::read)?;
        Ok(Block { round, height, parent, qc, proposer, graffiti, evidence, state_root, txs })
    }
    pub fn encode(&self) -> Vec<u8> {
        encode_with(|w| self.write(w))
    }
    pub fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        decode_all(b, Block::read)
    }
    /// The block id: sha256 of its canonical bytes.
    pub fn hash(&self) -> Hash32 {
        Hash32::digest(&[b"devnet/v1/hotstuff/block", &self.encode()])
    }
    /// What a vote for this block signs.
    pub fn vote_data(&self, id: Hash32) -> VoteData {
        VoteData {
            block: id,
            round: self.round,
            height: self.height,
            parent: self.parent,
            parent_round: self.qc.round(),
        }
    }
}

impl Proposal {
    pub fn write(&self, w: &mut Writer) {
        self.signed.write(w);
        self.block.write(w);
        put_opt_tc(w, &self.tc);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Proposal { signed: SignedProposal::read(r)?, block: Block::read(r)?, tc: get_opt_tc(r)? })
    }
}
