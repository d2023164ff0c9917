//! PBFT's data types and their one canonical encoding (`chain::codec`):
//! signed phase messages (R2), blocks (R1), certificates (R5, R6, R8), view
//! changes (R10, R11) and evidence (R14). Every decoder is total and rejects
//! trailing bytes.

pub use crate::chain::codec::decode_all;
use crate::chain::codec::{DecodeError, Reader, Writer, get_pair, put_pair};
pub(super) use crate::chain::codec::{encode_with, get_flag, get_hash, get_sig, put_hash, put_sig};
use crate::chain::{Domain, Hash32, SecretKey, Signature};
use crate::ledger::Transfer;

/// Most evidence one block may carry (R14).
pub const MAX_BLOCK_EVIDENCE: usize = 8;
/// The `proposer` of a null request's block (R11): nobody.
pub const NULL_PROPOSER: u32 = u32::MAX;

/// What a signed phase message says (R2, R8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    PrePrepare,
    Prepare,
    Commit,
    /// `view` is 0 and `digest` the block at `seq` (R8).
    Checkpoint,
}

impl Phase {
    fn code(self) -> u8 {
        match self {
            Phase::PrePrepare => 1,
            Phase::Prepare => 2,
            Phase::Commit => 3,
            Phase::Checkpoint => 4,
        }
    }
    fn from_code(c: u8) -> Result<Phase, DecodeError> {
        match c {
            1 => Ok(Phase::PrePrepare),
            2 => Ok(Phase::Prepare),
            3 => Ok(Phase::Commit),
            4 => Ok(Phase::Checkpoint),
            t => Err(DecodeError::Invalid { what: "pbft phase", detail: t.to_string() }),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::PrePrepare => "pre-prepare",
            Phase::Prepare => "prepare",
            Phase::Commit => "commit",
            Phase::Checkpoint => "checkpoint",
        }
    }
}

/// The signed content of PRE-PREPARE, PREPARE, COMMIT and CHECKPOINT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct VoteData {
    pub phase: Phase,
    pub view: u64,
    pub seq: u64,
    pub digest: Hash32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vote {
    pub validator: u32,
    pub data: VoteData,
    pub signature: Signature,
}

/// Proof that one validator signed two different digests for one
/// (phase, view, seq) (R14). Checkpoints are never evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub a: Vote,
    pub b: Vote,
}

/// A block is PBFT's request (R1): one per sequence number, linked to the
/// block at `seq - 1`. A null request is the block `Block::null` (R11).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub seq: u64,
    pub parent: Hash32,
    /// The primary that built it (`NULL_PROPOSER` for a null request).
    pub proposer: u32,
    pub evidence: Vec<Evidence>,
    /// The account state's root after `txs` (ledger T4); `Hash32::ZERO` for a null request.
    pub state_root: Hash32,
    pub txs: Vec<Transfer>,
}

/// A prepared certificate (one PRE-PREPARE and PREPAREs) or a commit
/// certificate (COMMITs) for `block`, all of one view and sequence number
/// (R5, R6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cert {
    pub block: Block,
    pub votes: Vec<Vote>,
}

/// 2f+1 CHECKPOINTs for (seq, digest): a stable checkpoint (R8). The genesis
/// checkpoint (seq 0) needs no votes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointCert {
    pub seq: u64,
    pub digest: Hash32,
    pub votes: Vec<Vote>,
}

/// VIEW-CHANGE(v+1, C, P, i) (R10): the stable checkpoint with its proof and
/// the prepared certificates above it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewChange {
    pub validator: u32,
    pub new_view: u64,
    pub checkpoint: CheckpointCert,
    pub prepared: Vec<Cert>,
    pub signature: Signature,
}

/// NEW-VIEW(v+1, V, O) (R11): the view changes it is computed from and the
/// new primary's PRE-PREPAREs for O, lowest sequence number first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewView {
    pub view: u64,
    pub view_changes: Vec<ViewChange>,
    pub pre_prepares: Vec<Vote>,
}

// ---------------------------------------------------------------- encoding

impl VoteData {
    pub fn write(&self, w: &mut Writer) {
        w.u8(self.phase.code()).u64(self.view).u64(self.seq);
        put_hash(w, &self.digest);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(VoteData { phase: Phase::from_code(r.u8()?)?, view: r.u64()?, seq: r.u64()?, digest: get_hash(r)? })
    }
    /// PRE-PREPAREs are signed as block headers, the rest as votes.
    pub fn domain(&self) -> Domain {
        match self.phase {
            Phase::PrePrepare => Domain::BlockHeader,
            _ => Domain::Vote,
        }
    }
    pub fn signing_bytes(&self) -> Vec<u8> {
        encode_with(|w| {
            w.fixed(b"pbft/phase");
            self.write(w);
        })
    }
}

impl Vote {
    pub fn sign(key: &SecretKey, validator: u32, data: VoteData) -> Vote {
        Vote { validator, data, signature: key.sign(data.domain(), &data.signing_bytes()) }
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
}

impl Evidence {
    pub fn write(&self, w: &mut Writer) {
        put_pair(w, &self.a, &self.b, Vote::write);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        get_pair(r, Vote::read).map(|(a, b)| Evidence { a, b })
    }
    pub fn encode(&self) -> Vec<u8> {
        encode_with(|w| self.write(w))
    }
    pub fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        decode_all(b, Evidence::read)
    }
    pub fn offender(&self) -> u32 {
        self.a.validator
    }
}

impl Block {
    /// R11: the null request at `seq`: no transfers, no evidence, the state
    /// unchanged. Every node computes the same one from (seq, parent).
    pub fn null(seq: u64, parent: Hash32) -> Block {
        Block { seq, parent, proposer: NULL_PROPOSER, evidence: Vec::new(), state_root: Hash32::ZERO, txs: Vec::new() }
    }
    pub fn is_null(&self) -> bool {
        self.proposer == NULL_PROPOSER
    }
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.seq);
        put_hash(w, &self.parent);
        w.u32(self.proposer);
        w.list(&self.evidence, |w, e| e.write(w));
        put_hash(w, &self.state_root);
        w.list(&self.txs, |w, t| t.write(w));
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (seq, parent, proposer) = (r.u64()?, get_hash(r)?, r.u32()?);
        let evidence = r.list(Evidence::read)?;
        if evidence.len() > MAX_BLOCK_EVIDENCE {
            return Err(DecodeError::Invalid { what: "block", detail: "too much evidence".into() });
        }
        let state_root = get_hash(r)?;
        let txs = r.list(Transfer::read)?;
        Ok(Block { seq, parent, proposer, evidence, state_root, txs })
    }
    pub fn encode(&self) -> Vec<u8> {
        encode_with(|w| self.write(w))
    }
    /// The block's digest: sha256 of its canonical bytes. It holds no view,
    /// so a block re-proposed in a later view keeps its digest.
    pub fn hash(&self) -> Hash32 {
        Hash32::digest(&[b"devnet/v1/pbft/block", &self.encode()])
    }
}

impl Cert {
    pub fn write(&self, w: &mut Writer) {
        self.block.write(w);
        w.list(&self.votes, |w, v| v.write(w));
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Cert { block: Block::read(r)?, votes: r.list(Vote::read)? })
    }
    /// The view of its votes (0 when it has none, which never verifies).
    pub fn view(&self) -> u64 {
        self.votes.first().map_or(0, |v| v.data.view)
    }
}

impl CheckpointCert {
    pub fn genesis(digest: Hash32) -> CheckpointCert {
        CheckpointCert { seq: 0, digest, votes: Vec::new() }
    }
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.seq);
        put_hash(w, &self.digest);
        w.list(&self.votes, |w, v| v.write(w));
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(CheckpointCert { seq: r.u64()?, digest: get_hash(r)?, votes: r.list(Vote::read)? })
    }
}

impl ViewChange {
    fn write_body(&self, w: &mut Writer) {
        w.u32(self.validator).u64(self.new_view);
        self.checkpoint.write(w);
        w.list(&self.prepared, |w, c| c.write(w));
    }
    /// The bytes its sender signs, under `Domain::Vote`.
    pub fn signing_bytes(&self) -> Vec<u8> {
        encode_with(|w| {
            w.fixed(b"pbft/view-change");
            self.write_body(w);
        })
    }
    pub fn sign(
        key: &SecretKey,
        validator: u32,
        new_view: u64,
        checkpoint: CheckpointCert,
        prepared: Vec<Cert>,
    ) -> ViewChange {
        let mut vc = ViewChange { validator, new_view, checkpoint, prepared, signature: Signature([0; 64]) };
        vc.signature = key.sign(Domain::Vote, &vc.signing_bytes());
        vc
    }
    pub fn write(&self, w: &mut Writer) {
        self.write_body(w);
        put_sig(w, &self.signature);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (validator, new_view) = (r.u32()?, r.u64()?);
        let checkpoint = CheckpointCert::read(r)?;
        let prepared = r.list(Cert::read)?;
        Ok(ViewChange { validator, new_view, checkpoint, prepared, signature: get_sig(r)? })
    }
}

impl NewView {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.view);
        w.list(&self.view_changes, |w, v| v.write(w));
        w.list(&self.pre_prepares, |w, v| v.write(w));
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(NewView { view: r.u64()?, view_changes: r.list(ViewChange::read)?, pre_prepares: r.list(Vote::read)? })
    }
}

/// A committed block with its commit certificate: what `Table::Blocks` and sync carry.
pub fn encode_committed(cert: &Cert) -> Vec<u8> {
    encode_with(|w| cert.write(w))
}

pub fn decode_committed(b: &[u8]) -> Result<Cert, DecodeError> {
    decode_all(b, Cert::read)
}
