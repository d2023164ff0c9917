//! `gasper`: proof of stake with slot proposers drawn by stake, LMD-GHOST fork
//! choice, Casper-FFG checkpoints and slashing. The rules, as implemented
//! (code comments point back with `// Rn`):
//!
//! - **R1 Time.** `slot = now / slot_ms`, `epoch = slot / epoch_slots`. The
//!   genesis block has slot 0, height 0 and hash sha256("…/genesis", genesis
//!   seed); the genesis checkpoint (epoch 0, genesis) is justified and finalized.
//! - **R2 Proposer.** The proposer of slot `s` is drawn by stake among the
//!   validators not slashed in the parent block's state, with the draw
//!   `sha256(genesis seed, epoch, slot) mod eligible stake`.
//! - **R3 Blocks.** A block is a signed header {slot, proposer, parent,
//!   body_root} and a body {graffiti, attestations, evidence}. Its hash is
//!   sha256 of the canonical header bytes; the proposer signs those bytes under
//!   `Domain::BlockHeader`. Height = parent height + 1.
//! - **R4 Validity.** Parent known (else the block waits in a bounded orphan
//!   pool), slot after the parent's, slot not after the current slot (else it
//!   waits in a bounded pending pool until its slot), proposer as R2, body root
//!   matches, every signature (block, attestations, evidence) verifies with
//!   `verify_strict`, and the block descends from the finalized block (every
//!   block in the tree does: the tree is pruned to the finalized root). A
//!   valid block first seen from a peer (or released from the pending pool)
//!   is relayed once to the other peers (`common::inbound::relay`, the one
//!   relay rule of every engine), never back to its sender.
//! - **R5 Attesting.** Every validator attests once per slot at
//!   `slot_start + slot_ms / 3`: head = its fork-choice head, source = the head
//!   state's justified checkpoint, target = (epoch of the slot, the head chain's
//!   block at the epoch's first slot or the latest before it). Exception: in
//!   an epoch's first slot the target epoch is the previous one (see
//!   `state::ffg_epoch`): the boundary block may still be in flight, and the
//!   first FFG vote of an epoch binds the validator for the whole epoch (R12).
//!   Attestations are gossiped as `MsgKind::Vote` and kept in a bounded pool.
//! - **R6 Proposing.** At the start of its slot the proposer builds on its head
//!   and includes pool attestations that would count in the parent state and do
//!   not yet (R8; target epoch is the block's epoch or the one before), plus
//!   evidence against validators the parent state has not slashed.
//! - **R7 Fork choice.** LMD-GHOST. Each validator's latest attestation (by
//!   slot; ties keep the first) counts with its stake; validators this node has
//!   seen valid evidence against weigh nothing. Start from the justified
//!   checkpoint with the highest epoch among all known blocks' states (ties:
//!   larger root) — the state that justified it descends from it, so it has
//!   a descendant that agrees. Descend through *viable* children (subtree holds
//!   a block whose state's justified checkpoint is the start), choosing the most
//!   subtree weight, ties to the larger hash.
//! - **R8 Justification.** Per block state, stake is tallied per (source,
//!   target) link from the attestations included on that chain, each validator
//!   once per link, slashed validators excluded (and removed when slashed),
//!   only sources justified in that state and targets that are this chain's
//!   checkpoints. A link with `3 * stake >= 2 * total stake` justifies its
//!   target. The denominator is the TOTAL genesis stake, slashed included, so
//!   being slashed never lowers the bar for anyone (safety first; liveness then
//!   needs 2/3 of all stake honest and unslashed).
//! - **R9 Finalization.** If such a link has `target.epoch == source.epoch + 1`,
//!   its source is finalized in that state. The node's finalized checkpoint is
//!   the highest finalized checkpoint of its head's state, never going back;
//!   `Justified`/`Finalized` are reported when they advance.
//! - **R10 Slashing.** Slashable: two headers by one proposer for one slot with
//!   different hashes (double proposal); two attestations by one validator for
//!   one slot with different data, or for one target epoch with different FFG
//!   votes (double vote); one FFG vote's span strictly inside another's
//!   (surround vote). Honest validators attest every slot but sign one FFG vote
//!   per target epoch, so they never conflict. A node that sees a conflict
//!   reports `EquivocationSeen`, gossips the evidence (`MsgKind::Evidence`) and
//!   includes it in its next block. Evidence is valid only if both signatures
//!   verify.
//! - **R11 Slashed.** A validator is slashed in a chain's state from the block
//!   that includes valid evidence against it: no FFG weight, no proposals.
//!   `Slashed` is reported when the node's head chain first includes it.
//! - **R12 Protection.** The honest local validator never signs two blocks for
//!   one slot, never two attestations for one slot, signs one FFG vote per
//!   target epoch (the first it signed for that epoch is reused), never goes
//!   back in target epoch and never lowers its source epoch. The protection
//!   record is persisted (`Table::Protection`) before the `Send` carrying the
//!   signature, and restored on restart.
//! - **R13 Byzantine.** `Equivocate` bypasses R12: two blocks per own slot
//!   (graffiti 0 and 1) and two attestations per slot (head and its parent),
//!   each to a different half of the peers. `Silent` signs nothing.
//!   `Withhold { slots }` keeps R12 but publishes each own block only `slots`
//!   slots after its slot (the node builds on it privately, and sync never
//!   serves it early); leaving the mode releases everything held.
//! - **R14 Sync.** See `sync`: `Status` on start, on `PeerUp` and once per
//!   epoch; by-root and by-range requests; responses of at most 64 canonical
//!   blocks; orphans connect when their parents arrive.
//! - **R15 Persistence.** Every imported block, each latest message, the
//!   evidence and the protection record are persisted; `restore` re-imports
//!   blocks in slot order. See `persist`.
//! - **R16 Timers.** `WakeAt` for the attestation time and the next slot
//!   start; any tick time is tolerated (late duties run when noticed).
//! - **R17 Events.** `BlockImported` per import, `HeadChanged` with the reorg
//!   depth (blocks of the old head's chain not on the new one), `Attested` per
//!   attestation first seen (gossip or block), plus R9-R11's events.
//! - **R18 Bounds.** Pending (64), orphans (256), attestation pool (2048),
//!   signature cache, detector memory and requests are bounded; the tree and
//!   states below the finalized block are pruned (the finalized block stays as
//!   the root; finalized canonical blocks move to a bounded archive for sync).

pub mod describe;
mod duties;
mod engine;
pub mod fork_choice;
mod import;
mod missed;
mod persist;
pub mod slashing;
pub mod state;
mod sync;
pub mod tree;
pub mod types;
pub mod validators;
pub mod wire;

#[cfg(test)]
mod tests;

pub use engine::{Gasper, genesis_hash};
