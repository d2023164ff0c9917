//! Transfers (T2): canonical bytes, signing, the id, and what can be wrong.

use crate::chain::codec::{DecodeError, Reader, Writer};
use crate::chain::{Domain, Hash32, SecretKey, Signature};
use thiserror::Error;

/// The wire form's length: from, to, amount, nonce, signature.
pub const TRANSFER_BYTES: usize = 4 + 4 + 8 + 8 + 64;

pub type TxId = Hash32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transfer {
    pub from: u32,
    pub to: u32,
    pub amount: u64,
    pub nonce: u64,
    pub signature: Signature,
}

/// Why a transfer was refused, by the mempool or by block validity (T3, T5).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TxError {
    #[error("malformed transfer: {0}")]
    Malformed(String),
    #[error("account {0} does not exist")]
    UnknownAccount(u32),
    #[error("bad signature: not signed by account {0}'s key over this chain's transfer bytes")]
    BadSignature(u32),
    #[error("nonce {got} is used: account {from}'s next nonce is {next}")]
    NonceTooLow { from: u32, got: u64, next: u64 },
    #[error("nonce {got} is too far ahead: account {from}'s next nonce is {next} (at most {max_gap} ahead wait)")]
    NonceTooHigh { from: u32, got: u64, next: u64, max_gap: u64 },
    #[error("account {from} holds {available} (after its pending transfers), cannot send {amount}")]
    Overdraft { from: u32, available: u64, amount: u64 },
    #[error("transfer already known")]
    Duplicate,
    #[error("account {from} already has a pending transfer with nonce {nonce}")]
    NonceTaken { from: u32, nonce: u64 },
    #[error("mempool full ({0}); try again later")]
    Full(&'static str),
    #[error("amount must be positive")]
    ZeroAmount,
    #[error("the chain has not reached genesis yet; try again after slot 0")]
    NotStarted,
}

impl TxError {
    /// A short stable word for counting rejections by reason.
    pub fn reason(&self) -> &'static str {
        match self {
            TxError::Malformed(_) => "malformed",
            TxError::UnknownAccount(_) => "unknown-account",
            TxError::BadSignature(_) => "bad-signature",
            TxError::NonceTooLow { .. } => "nonce-too-low",
            TxError::NonceTooHigh { .. } => "nonce-too-high",
            TxError::Overdraft { .. } => "overdraft",
            TxError::Duplicate => "duplicate",
            TxError::NonceTaken { .. } => "nonce-taken",
            TxError::Full(_) => "full",
            TxError::ZeroAmount => "zero-amount",
            TxError::NotStarted => "not-started",
        }
    }
}

impl Transfer {
    /// The signed bytes after the chain id (T2).
    fn body(&self, w: &mut Writer) {
        w.u32(self.from).u32(self.to).u64(self.amount).u64(self.nonce);
    }

    /// What the sender signs (under `Domain::Transfer`): chain id, then the body.
    pub fn signing_bytes(chain: &Hash32, from: u32, to: u32, amount: u64, nonce: u64) -> Vec<u8> {
        let mut w = Writer::new();
        w.fixed(&chain.0);
        Transfer { from, to, amount, nonce, signature: Signature::default() }.body(&mut w);
        w.finish()
    }

    pub fn sign(chain: &Hash32, key: &SecretKey, from: u32, to: u32, amount: u64, nonce: u64) -> Transfer {
        let signature = key.sign(Domain::Transfer, &Self::signing_bytes(chain, from, to, amount, nonce));
        Transfer { from, to, amount, nonce, signature }
    }

    pub fn write(&self, w: &mut Writer) {
        self.body(w);
        w.fixed(&self.signature.0);
    }
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Transfer {
            from: r.u32()?,
            to: r.u32()?,
            amount: r.u64()?,
            nonce: r.u64()?,
            signature: Signature(r.fixed::<64>()?),
        })
    }
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write(&mut w);
        w.finish()
    }
    /// Exactly one transfer, nothing after it.
    pub fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(b);
        let t = Self::read(&mut r)?;
        r.finish()?;
        Ok(t)
    }
    pub fn id(&self) -> TxId {
        Hash32::digest(&[b"devnet/v1/tx", &self.encode()])
    }
}
