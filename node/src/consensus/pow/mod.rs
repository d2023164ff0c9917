//! `pow`: Nakamoto consensus at devnet scale. The rules, as implemented
//! (`// Rn` points back here):
//!
//! - **R1 Miners.** The spec's validators are the miners; a node mines for
//!   its validator index (an observer node does not mine). Each miner has a
//!   hashrate in percent of the genesis total: `pow.hashrate`, or equal
//!   shares. `Input::SetHashrate` (the `hashrate n3 60%` fault) changes it at
//!   run time; the orchestrator rescales the others so the shares still add
//!   up to 100 (the cluster's block time is unchanged until shares change it).
//! - **R2 Genesis.** Height 0, timestamp 0, parent = the spec's genesis seed
//!   (so two clusters never share blocks), difficulty `100 * block_ms`.
//! - **R3 Blocks and work.** A block is a header {parent, height, timestamp,
//!   miner, difficulty, nonce}; its id is sha256 of the header. The proof of
//!   work is real but tiny: the id must start with `puzzle_bits` zero bits
//!   (8 by default, ~256 hashes), so anyone can check it and no one burns a
//!   core on it.
//! - **R4 Difficulty.** Virtual: the number of hashes a block is worth and the
//!   unit of chain work. It stays the parent's, except at heights that are
//!   multiples of `retarget_window`, where it is scaled by expected over
//!   observed time of the last window (clamped to 4x either way), pulling
//!   the block time back toward `block_ms` for the hashrate that is online
//!   (a partition halves it; a retarget catches up).
//! - **R5 Mining time.** A miner with `p` percent does `p` virtual hashes per
//!   ms, so its time to a block at difficulty `d` is exponential with mean
//!   `d / p` ms. It is drawn (from a seeded hash: deterministic, replayable)
//!   whenever the miner's parent changes, and the node sleeps until then:
//!   the cost stays low and the statistics stay those of real mining. The
//!   timestamp is the miner's clock (skew included), never before the parent's.
//! - **R6 Tree.** Every valid public block is kept with its chain work and
//!   its subtree's work; `BlockRef.slot` is the height.
//! - **R7 Fork choice** (`pow.fork_choice`): `longest` (most blocks),
//!   `heaviest` (most work, the default) or `ghost` (from genesis, into the
//!   child with the heaviest subtree). Ties keep the block seen first. A new
//!   best tip is reported as `HeadChanged` with the depth it unwinds.
//! - **R8 Validity.** A block must meet the puzzle, name a known miner, sit
//!   one above its parent, carry the difficulty R4 gives, and not be older
//!   than its parent; otherwise it is `Rejected`. One more than
//!   `12 * block_ms` (at least 1 s) ahead of our clock is held until it is not.
//! - **R9 Probabilistic finality.** A block with `k` confirmations (the best
//!   tip has one) counts as final: `finalized` is the best chain's block at
//!   `head - k + 1`, reported as `Finalized` whenever it changes. A heavier
//!   chain can still revert it; with no party holding a majority of the
//!   hashrate that becomes vanishingly unlikely as `k` grows, with a
//!   majority it is certain. `EngineStatus.slot` is the height being mined and
//!   `epoch` the retarget window.
//! - **R10 Selfish mining.** `Selfish` is Eyal and Sirer's Algorithm 1: keep
//!   found blocks private; when the public chain catches up to a lead of one,
//!   publish to race; at a lead of two, publish all and win; further ahead,
//!   publish to match the public height. Heights are compared.
//! - **R11 Withholding.** `Withhold { slots }` mines a private branch and
//!   publishes it whole once it leads the public chain by `slots` blocks and
//!   the public chain has `k` blocks above the fork, so the release reverts a
//!   block the honest nodes held k-deep: Nakamoto's double spend (section 11),
//!   where the merchant waits for `k` confirmations and the attacker publishes
//!   a longer chain after that. The double spend is real: when a branch
//!   starts, the attacker pays `PAYMENT` from its account (its validator
//!   index) to the last genesis account on the public chain, and opens its
//!   private branch with a transfer of the same coins, same nonce, to the
//!   account before it; it publishes only once the payment is `k` deep, and
//!   reports `DoubleSpend`. Honest nodes that reorg onto the private chain
//!   find the payment gone (`TxsReverted`: its nonce is used). It gives up when the public chain leads by
//!   more than `k`; an attacker with a majority almost never has to.
//!   `Equivocate` double-mines (twin blocks to each half of the peers);
//!   `Silent` does not mine.
//! - **R12 Gossip and sync.** Own blocks go to every peer; a new valid block
//!   is relayed once to the peers it did not come from. Every
//!   `max(4 * block_ms, 500)` ms and on `PeerUp` a node sends its best tip and
//!   work; a peer claiming more that we lack, or a block whose parent we lack
//!   (kept as an orphan), makes us ask that peer for blocks ending at the
//!   missing one (64 per response), until the chains connect.
//! - **R13 Bounds and restart.** Orphans (4096), blocks held for the future
//!   (1024) and the tree (side branches 1024 below the tip are pruned once it
//!   holds 131 072 blocks) are bounded. Blocks are persisted as they are
//!   added; a restart re-checks and re-inserts them (see `persist`).

pub mod describe;
mod difficulty;
mod engine;
mod import;
mod miner;
pub mod params;
mod persist;
mod sync;
pub mod tree;
pub mod types;
pub mod wire;

#[cfg(test)]
mod tests;

pub use difficulty::{genesis_difficulty, next_difficulty, time_to_block};
pub use engine::{Pow, genesis_block, genesis_shares};
pub use params::{ForkChoiceRule, PowParams, equal_shares};
