//! The ledger every engine orders: genesis-funded test accounts, signed
//! transfers between them, the account state with its root, and each node's
//! mempool. Pure and deterministic like `consensus` (ordered maps, no clock:
//! times are the engine's `Millis`), so the simulations run it too.
//!
//! Rules, which the engines point back at:
//! - **T1 Accounts.** Genesis funds `accounts` accounts (`LedgerParams`) with
//!   `balance` each. Account `i`'s key is ed25519 from the seed
//!   sha256("devnet/v1/account" || genesis seed || i as u32 BE): anyone who
//!   holds the chain spec can sign for any account. These are test accounts.
//! - **T2 Transfers.** {from, to, amount, nonce, signature}. The signature is
//!   ed25519 under `Domain::Transfer` over the chain id (the genesis seed,
//!   32 bytes) followed by from (u32 BE), to (u32 BE), amount (u64 BE) and
//!   nonce (u64 BE); verified as `verify_strict` does, one signature at a
//!   time (`chain::keys`): no batch check, whose randomized answer could
//!   differ from the single check on crafted input and split the network.
//!   The wire form is the 24 signed bytes after the chain id plus the 64
//!   signature bytes (88 bytes); the id is sha256("devnet/v1/tx" || wire form).
//! - **T3 Execution.** A transfer applies when `from` and `to` are accounts,
//!   `nonce` is the sender's next nonce and `amount` is above 0 and at most its balance:
//!   the sender's nonce goes up by one and `amount` moves. A block is valid
//!   only if each of its transfers verifies and applies, in order, to its
//!   parent's state. Total supply never changes (checked in the simulations).
//! - **T4 State root.** sha256("devnet/v1/state" || accounts as u32 BE ||
//!   for each account in index order: balance u64 BE, nonce u64 BE). Every
//!   block carries the root after its transfers; a block whose root differs
//!   from the one its transfers produce is invalid. The whole state is
//!   hashed (16 bytes an account: 16 KB for the default 1000, a few µs),
//!   which keeps the rule one line; a Merkle tree pays off only when proofs
//!   of single accounts are wanted.
//! - **T5 Mempool.** One per node, bounded by count and bytes
//!   (`mempool_txs`, `mempool_bytes`): a full pool refuses. Per-sender queues
//!   ordered by nonce; a nonce above the next executable one waits (parked)
//!   until the gap fills, up to `MAX_NONCE_GAP` ahead; one transfer per
//!   (sender, nonce). A dedupe memory of recently seen ids refuses repeats.
//!   A pending transfer older than `tx_ttl_ms` expires. Reaping for a block is
//!   deterministic: the executable heads of all senders, oldest arrival
//!   first, each sender's in nonce order, while its running spend stays
//!   within its balance at the parent state. After a block commits, its
//!   transfers leave the pool and every other pending one of a sender it
//!   touched is checked again (stale nonces leave). A node told to censor
//!   (`Censorship`) leaves those senders out of the blocks it builds; they
//!   stay pending for other proposers.
//! - **T6 Reorgs.** Where the chain can reorg (pow, gasper), state follows
//!   the canonical head; the transfers of blocks that leave it go back into
//!   the pool (if still applicable), those of blocks that join it leave; one
//!   that can never come back (its nonce is used) is reported `TxsReverted`.
//!   `ForkLedger` keeps the state of every block within `KEEP_HEIGHTS` of
//!   the head and rebuilds older ones by replay, so a reorg of any depth
//!   executes.
//! - **T7 Bounds.** The index of included transfers and the memory of
//!   outcomes (expired, rejected) keep the newest `INDEX_MAX` entries each;
//!   an older id answers "unknown".

pub mod accounts;
pub mod fork;
pub mod index;
pub mod layer;
pub mod mempool;
pub mod state;
pub mod transfer;

#[cfg(test)]
mod tests;

pub use accounts::Accounts;
pub use fork::{BlockSource, ForkLedger};
pub use index::{Inclusion, TxIndex};
pub use layer::{AccountView, Censorship, TxCounters, TxLayer, TxStatus};
pub use mempool::{Mempool, PoolLimits};
pub use state::{Account, State};
pub use transfer::{Transfer, TxError, TxId};
