//! Virtual work: difficulty, its retarget, and how long a miner takes (R4, R5).
//!
//! Hashrate is virtual: a miner with `p` percent of the genesis total does
//! `p` virtual hashes per ms, so the cluster does 100 per ms at genesis and
//! `GENESIS_DIFFICULTY = 100 * block_ms` makes one block per `block_ms`.
//! A miner's time to a block is exponential with mean `difficulty / p` ms:
//! memoryless, so re-drawing whenever the tip changes keeps the statistics of
//! real mining. The draw comes from a seeded hash, never from the OS.

use crate::chain::Hash32;

/// Difficulty of the genesis window: one block per `block_ms` at 100 virtual hashes per ms.
pub fn genesis_difficulty(block_ms: u64) -> u64 {
    block_ms.saturating_mul(100).max(1)
}

/// R4 retarget: at each height that is a multiple of `window`, scale the
/// parent's difficulty by the expected over the observed time of the last
/// `window - 1` intervals, clamped to a factor of 4 either way.
/// `first_ts` is the timestamp of the block `window` below the new one.
pub fn next_difficulty(
    height: u64,
    window: u64,
    block_ms: u64,
    parent_difficulty: u64,
    first_ts: u64,
    parent_ts: u64,
) -> u64 {
    if height == 0 || !height.is_multiple_of(window) {
        return parent_difficulty;
    }
    let expected = (window - 1).saturating_mul(block_ms).max(1) as u128;
    let observed = parent_ts.saturating_sub(first_ts).max(1) as u128;
    let d = parent_difficulty as u128;
    let scaled = (d * expected / observed).clamp((d / 4).max(1), d.saturating_mul(4));
    scaled.min(u64::MAX as u128) as u64
}

/// R5: ms until a miner with `percent` finds a block at `difficulty`, drawn
/// from an exponential distribution by a uniform value hashed from `seed`.
/// `None` when the miner has no hashrate.
pub fn time_to_block(difficulty: u64, percent: u32, seed: &Hash32) -> Option<u64> {
    if percent == 0 {
        return None;
    }
    let raw = u64::from_be_bytes(seed.0[..8].try_into().expect("8 bytes"));
    // Uniform in (0, 1): never 0, so the logarithm stays finite.
    let u = ((raw >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let mean = difficulty as f64 / percent as f64;
    let t = -u.ln() * mean;
    Some(t.min(u64::MAX as f64 / 2.0).round() as u64)
}
