//! Blocks and their canonical bytes (R2, R3).
//!
//! A block is its header and its transfers. The header commits to the
//! transfers (`tx_root`, sha256 over their canonical bytes) and to the state
//! after them (`state_root`, ledger T4). Its id is sha256 of the header's
//! canonical bytes, which is also the puzzle's hash: a block is well-mined
//! when that id starts with `puzzle_bits` zero bits.

use crate::chain::Hash32;
use crate::chain::codec::{DecodeError, Reader, Writer};
use crate::ledger::Transfer;

/// Most headers a miner tries before giving up on one timestamp (R3): at the
/// default 8 puzzle bits the expected number is 256.
pub const MAX_NONCES: u64 = 1 << 24;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Block {
    pub parent: Hash32,
    pub height: u64,
    /// Miner's clock, ms since genesis (never before the parent's).
    pub timestamp_ms: u64,
    /// Miner index (the coinbase): who earns the block. Unsigned, as in Bitcoin.
    pub miner: u32,
    /// Virtual hashes this block is worth (R4): its contribution to chain work.
    pub difficulty: u64,
    pub nonce: u64,
    /// The account state's root after `txs` (ledger T4).
    pub state_root: Hash32,
    /// sha256 over the transfers' canonical bytes (`tx_root`).
    pub tx_root: Hash32,
    pub txs: Vec<Transfer>,
}

/// What a header commits to for `txs`.
pub fn tx_root(txs: &[Transfer]) -> Hash32 {
    let mut w = Writer::new();
    w.list(txs, |w, t| t.write(w));
    Hash32::digest(&[b"devnet/v1/pow/txs", &w.finish()])
}

impl Block {
    fn write_header(&self, w: &mut Writer) {
        w.fixed(&self.parent.0)
            .u64(self.height)
            .u64(self.timestamp_ms)
            .u32(self.miner)
            .u64(self.difficulty)
            .u64(self.nonce)
            .fixed(&self.state_root.0)
            .fixed(&self.tx_root.0);
    }

    pub fn write(&self, w: &mut Writer) {
        self.write_header(w);
        w.list(&self.txs, |w, t| t.write(w));
    }

    pub fn read(r: &mut Reader<'_>) -> Result<Block, DecodeError> {
        Ok(Block {
            parent: Hash32(r.fixed()?),
            height: r.u64()?,
            timestamp_ms: r.u64()?,
            miner: r.u32()?,
            difficulty: r.u64()?,
            nonce: r.u64()?,
            state_root: Hash32(r.fixed()?),
            tx_root: Hash32(r.fixed()?),
            txs: r.list(Transfer::read)?,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write(&mut w);
        w.finish()
    }

    pub fn decode(bytes: &[u8]) -> Result<Block, DecodeError> {
        let mut r = Reader::new(bytes);
        let b = Block::read(&mut r)?;
        r.finish()?;
        Ok(b)
    }

    /// The block id: sha256 of the canonical header bytes.
    pub fn id(&self) -> Hash32 {
        let mut w = Writer::new();
        self.write_header(&mut w);
        Hash32::digest(&[b"devnet/v1/pow/header", &w.finish()])
    }

    /// R3: real proof of work, kept tiny: the id starts with `bits` zero bits.
    pub fn meets_puzzle(&self, bits: u32) -> bool {
        leading_zero_bits(&self.id()) >= bits
    }

    /// R3: search nonces from 0 for one that meets the puzzle. Deterministic;
    /// `None` only if `MAX_NONCES` tries all fail (beyond 24 puzzle bits).
    pub fn mine(mut self, bits: u32) -> Option<Block> {
        for nonce in 0..MAX_NONCES {
            self.nonce = nonce;
            if self.meets_puzzle(bits) {
                return Some(self);
            }
        }
        None
    }
}

pub fn leading_zero_bits(h: &Hash32) -> u32 {
    let mut bits = 0;
    for b in h.0 {
        if b == 0 {
            bits += 8;
        } else {
            return bits + b.leading_zeros();
        }
    }
    bits
}
