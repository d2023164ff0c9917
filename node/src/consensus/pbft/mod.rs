//! `pbft`: Practical Byzantine Fault Tolerance (Castro and Liskov, OSDI'99,
//! §4; the view change with signed certificates, as in the signature-based
//! algorithm of TOCS'02, rather than its MAC-based P/Q sets), ordering
//! blocks. Section numbers below are OSDI'99's. The rules, as implemented (`// Rn` points back here):
//!
//! - **R1 Blocks are the requests.** One block per sequence number `seq`;
//!   genesis is seq 0 with digest sha256("…/pbft/genesis", genesis seed). A
//!   block is {seq, parent (the block at seq-1), proposer, evidence, state
//!   root, transfers}; its digest is sha256 of its canonical bytes and holds
//!   no view, so a block re-proposed in a later view keeps its digest. A
//!   **null request** (R11's gaps) is the empty block `Block::null(seq,
//!   parent)` with proposer `NULL_PROPOSER`, no transfers, no evidence and
//!   state root zero: it leaves the state as it is, and every node computes
//!   the same one. Blocks are executed strictly in sequence order; committed
//!   is final, there are no forks, only failed views.
//!   `EngineStatus`: `slot` = the seq being decided (last committed + 1),
//!   `epoch` = the view; `head`, `justified` and `finalized` = the last
//!   committed block (checkpoints' `epoch` is its seq; `BlockRef.slot` and
//!   `height` are both the seq). `last_attested_slot` = the seq of the
//!   latest COMMIT seen from the validator. `detail` is drawn from
//!   `Pbft::view` (`PbftView`) by `describe`.
//! - **R2 Messages.** PRE-PREPARE, PREPARE, COMMIT and CHECKPOINT sign
//!   {phase, view, seq, digest}: a PRE-PREPARE under `Domain::BlockHeader`
//!   (it travels with its block, as `MsgKind::Block`), the others under
//!   `Domain::Vote`. VIEW-CHANGE is signed under `Domain::Vote` with its own
//!   tag; NEW-VIEW is made of signed parts (its V and its O).
//! - **R3 Primary, watermarks.** The primary of view v is validator `v mod n`
//!   in index order (§4.1). A slashed validator is never primary: its
//!   pre-prepares are ignored, a view change skips the views it would lead,
//!   and a node entering such a view leaves it at once. Sequence numbers are
//!   accepted in `(h, h+L]`, `h` the stable checkpoint (§4.2).
//! - **R4 PRE-PREPARE (§4.2).** The primary pre-prepares the block for
//!   `last committed + 1`, built on its committed head with pending evidence
//!   and the mempool's transfers, `pacing_ms` after its last commit (0: at
//!   once, within the input that committed). One sequence number is in
//!   flight at a time: a block's parent and state root need the block before.
//! - **R5 PREPARE (§4.2).** A backup in view v that holds the view's
//!   pre-prepare for `last committed + 1`, signed by the primary, whose block
//!   extends its committed head and is valid (evidence verifies, transfers
//!   give the state root), multicasts PREPARE. Pre-prepares for later
//!   sequence numbers wait in the log until then. It keeps one pre-prepare
//!   per (v, seq): a second, different one is evidence (R14).
//! - **R6 Prepared, quorums.** Prepared = the pre-prepare and PREPAREs for
//!   its digest from other validators whose stake, with the primary's, is
//!   more than 2/3 of the TOTAL genesis stake (2f+1; f+1 is more than 1/3).
//!   Live counting weighs a slashed validator 0 (slashing never lowers the
//!   bar); certificates inside VIEW-CHANGE and NEW-VIEW, and checkpoint
//!   proofs, are weighed with genesis stakes, so every node reaches the same
//!   verdict on them (sound while the Byzantine stake is below 1/3). Once
//!   prepared the node keeps the certificate (R10's P) and multicasts COMMIT.
//! - **R7 Commit (§4.2).** More than 2/3 of the power in COMMITs of one view
//!   for a block of `last committed + 1` that the node holds and finds valid
//!   commits it (a commit quorum implies f+1 honest prepared it); the block
//!   is persisted with those COMMITs (its commit certificate) and reported as
//!   `BlockImported`, `HeadChanged` (depth 0), `Finalized`, `TxsIncluded`
//!   and `TxsFinal`.
//! - **R8 Checkpoints (§4.3).** After committing a seq that is a multiple of
//!   K the node multicasts CHECKPOINT(seq, block digest); 2f+1 matching make
//!   it stable: `h` = seq and the log (pre-prepares, votes, prepared
//!   certificates, protection entries) at or below it is dropped.
//! - **R9 Timer (§4.4; the doubling is §4.5.2).** There is always a pending request (the next
//!   block), so the timer always runs; a commit resets it to
//!   `view_change_timeout_ms`. On expiry the node leaves view v (or the view
//!   change under way) for the next view, reports `RoundFailed { height:
//!   seq being decided, round: the view left }`, and the period doubles on
//!   each successive view change, up to `max_view_change_timeout_ms`.
//! - **R10 VIEW-CHANGE (§4.4).** VIEW-CHANGE(v+1) carries the
//!   stable checkpoint with its 2f+1 proof and P: the prepared certificates
//!   above it, the highest view per seq (a commit certificate also counts).
//!   While changing view a node sends no PRE-PREPARE, PREPARE or COMMIT.
//!   Holding VIEW-CHANGEs from more than 1/3 of the stake for views above
//!   its own, a node joins the smallest of those views (§4.5.2).
//! - **R11 NEW-VIEW (§4.4).** The primary of v+1, with VIEW-CHANGEs for it
//!   from more than 2/3 of the stake (its own included), computes O: `min_s`
//!   = the highest stable checkpoint in V whose proof verifies, `max_s` = the
//!   highest seq of a valid certificate; for each seq in (min_s, max_s] the
//!   block certified in the highest view (smaller digest on a tie), else a
//!   null request. Each certificate is verified on its own, so one bad entry
//!   cannot suppress valid ones; all maps are ordered (`newview::compute`).
//!   Every backup recomputes O from V and refuses (`Rejected`) a NEW-VIEW
//!   whose O differs, whose V is short of 2/3 or holds a bad message; then
//!   it enters v+1 with the pre-prepares of O in its log, and for those seqs
//!   it has already committed sends PREPARE and COMMIT (peers still deciding
//!   them need them). A node that sees a peer in an earlier view (its
//!   VIEW-CHANGE or `Status`) sends it the NEW-VIEW that started its own.
//! - **R12 Sync and repair.** `Status` {committed, head, view} is sent on
//!   start, to a peer that comes up and in the rebroadcast; a peer behind or a
//!   message for a later seq makes a node ask `SyncRequest`; responses carry
//!   up to 32 committed blocks with commit certificates, each verified (one
//!   view, COMMITs for the block, distinct unslashed validators, signatures,
//!   more than 2/3 of the power) and executed in order. When
//!   `view_change_timeout_ms / 2` pass without a commit the node sends its
//!   status, its own messages of the view, its view change, its last
//!   checkpoint and pending evidence again.
//! - **R13 Params.** `PbftParams` (`[pbft]`, read by `consensus::params`; `from_slot(slot_ms)` when absent).
//! - **R14 Evidence and slashing.** Two different PRE-PREPAREs, PREPAREs or
//!   COMMITs signed by one validator for one (view, seq): `EquivocationSeen`
//!   (double-proposal for pre-prepares, double-vote otherwise), persisted,
//!   gossiped, included by primaries in their blocks; from the block that
//!   commits it the validator is slashed on that chain (`Slashed`): no
//!   power, never primary (R3).
//! - **R15 Protection.** The honest validator records its view, its last
//!   VIEW-CHANGE, what it signed in the view per (seq, phase), its own
//!   pre-prepared blocks, the NEW-VIEW that started the view, its prepared
//!   certificates and the stable checkpoint, and persists the record before
//!   the `Send` carrying a signature. It never signs two digests for one
//!   (phase, view, seq), never signs in a view below its own or one it asked
//!   to leave. A restarted node resumes its view (or view change), signs
//!   again what it signed there (identical: ed25519 is deterministic) and
//!   sends it again.
//! - **R16 Byzantine.** `Equivocate` bypasses R15 for PRE-PREPARE (its block
//!   to one half of the peers, the null request to the other), PREPARE and
//!   COMMIT (the digest to one half, a made-up one to the other); its
//!   VIEW-CHANGE, NEW-VIEW and CHECKPOINT are honest. `Silent` signs
//!   nothing. `Withhold` and `Selfish` act as `Honest`.
//! - **R17 Bounds.** Messages are kept only within the watermarks and from
//!   two views below to 8 views above the node's own; first-seen phase
//!   messages, view changes and new views are relayed once (`Effect::Relay`)
//!   so an equivocator's halves meet; the relay memory, the signature cache
//!   and the in-memory archive of committed blocks (16 384) are bounded.

mod certs;
mod commit;
pub mod describe;
mod engine;
mod newview;
mod normal;
pub mod params;
mod persist;
pub mod protection;
mod receive;
mod sign;
mod sync;
pub mod types;
pub mod validators;
mod view;
mod viewchange;
pub mod wire;

#[cfg(test)]
mod tests;

pub use engine::{Pbft, ViewChangeReason, genesis_hash};
pub use newview::{Plan, compute as compute_new_view};
pub use params::PbftParams;
pub use view::{PbftView, SeqPhase, SeqVotes, ViewChangeProgress};
