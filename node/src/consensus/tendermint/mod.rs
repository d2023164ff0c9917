//! `tendermint`: BFT consensus as in Buchman, Kwon and Milosevic, "The latest
//! gossip on BFT consensus" (2018), Algorithm 1. The rules, as implemented
//! (`// Rn` and the paper's line numbers `// Lnn` point back here):
//!
//! - **R1 Heights.** The genesis block is height 0 with hash
//!   sha256("…/tendermint/genesis", genesis seed). The node decides height
//!   `h = last committed + 1`, one round at a time from round 0. A height is
//!   final once committed: there are no forks, only failed rounds.
//!   `EngineStatus.slot` is the height being decided and `epoch` its round;
//!   `head`, `justified` and `finalized` are the last committed block (the
//!   checkpoints' `epoch` is its height).
//! - **R2 Proposer.** Weighted round robin: one cycle of smooth weighted
//!   round robin over the stakes (divided by their gcd, scaled to at most
//!   10 000 steps); the proposer of `(h, r)` is the cycle's entry at
//!   `(h + r) mod len`, skipping validators slashed on the chain. Every node
//!   with the same chain agrees, and each validator proposes in proportion
//!   to its stake.
//! - **R3 Blocks.** A block is {height, parent (the committed head), builder,
//!   graffiti, evidence}; its id is sha256 of its canonical bytes. It carries
//!   no round, so a value re-proposed in a later round keeps its id.
//! - **R4 Proposals.** The proposer signs {h, r, valid round, block id} under
//!   `Domain::BlockHeader`; the message carries the block and, for a
//!   re-proposal, the prevotes of its valid round (its POL: peers that lost
//!   them, by a restart or a drop, can still apply L28). A proposal is kept
//!   if its signer is R2's proposer and the signature verifies (else
//!   `Rejected`); its block is `valid(v)` if it extends the committed head and
//!   all its evidence verifies, is against distinct validators not yet slashed.
//! - **R5 Votes.** Prevotes and precommits {type, h, r, block id or nil} are
//!   signed under `Domain::Vote`. Per (round, type) a validator's vote counts
//!   for its value; a different second one is evidence (R10) and, as in the
//!   paper where messages count, also counts for its own value (two at most),
//!   so nodes that saw an equivocator's votes in different orders still agree
//!   on a POL. "2f+1 of any kind" counts each validator once.
//! - **R6 Power.** A vote weighs its validator's stake, 0 once slashed. `2f+1`
//!   is more than 2/3 of the TOTAL genesis stake, `f+1` more than 1/3 (u128,
//!   never overflowing); slashing never lowers the bar.
//! - **R7 Algorithm 1.** StartRound (L11-L21); prevote on a fresh proposal
//!   unless locked on something else (L22-L27); on a re-proposal backed by
//!   2f+1 prevotes of its valid round, unless locked later on something else
//!   (L28-L33); schedule the prevote timeout on 2f+1 prevotes of any kind
//!   (L34-L35); lock, set the valid value and precommit on 2f+1 prevotes for
//!   the proposal (L36-L43); precommit nil on 2f+1 nil prevotes (L44-L46);
//!   schedule the precommit timeout on 2f+1 precommits (L47-L48); decide on a
//!   proposal with 2f+1 precommits in any round (L49-L54); skip to a round
//!   where f+1 of the power already is (L55-L56); the three timeouts vote nil
//!   or move to the next round (L57-L67). `RoundFailed` is reported whenever
//!   a round is left without a decision.
//! - **R8 Commit.** A decided block is persisted with its certificate (the
//!   2f+1 precommits) and reported as `BlockImported`, `HeadChanged` (depth
//!   0) and `Finalized`. Certificates received by sync are verified: one
//!   round, precommits for the block, distinct unslashed validators, valid
//!   signatures, more than 2/3 of the power.
//! - **R9 Timeouts.** Round `r` waits `base + r * timeout_delta_ms` for each
//!   step (`TendermintParams`, from `slot_ms` when absent). After a commit the
//!   next height starts `timeout_commit_ms` later (votes for it are collected
//!   meanwhile): block pacing for people watching. With `timeout_commit_ms =
//!   0` it starts at once, within the input that decided (L54).
//! - **R10 Evidence.** Two different votes of one type at one (h, r), or two
//!   different proposals for one (h, r), by one validator. A node that sees
//!   one reports `EquivocationSeen`, persists the evidence, gossips it, and
//!   proposers include pending evidence in their blocks. Messages of the
//!   height just committed are still compared with that height's, since the
//!   half of an equivocation that a peer relays can arrive after the commit.
//! - **R11 Slashing.** From the block that commits evidence against it, a
//!   validator is slashed on that chain: no voting power, never proposer.
//!   `Slashed` is reported when the commit is applied (and again after restart).
//! - **R12 Protection.** The honest validator records the (h, r) it is in and
//!   what it signed there (proposal, prevote, precommit), with its lock,
//!   valid value and that value's POL, and persists the record before the `Send` carrying the
//!   signature: it never signs two different proposals, prevotes or
//!   precommits for one (h, r), never goes back in (h, r), and a restarted
//!   node resumes its round with its lock, at once or, when the crash lost
//!   the last committed blocks, once sync brings it to that height. Where the algorithm asks for a
//!   vote already signed at this (h, r) (the crash may have eaten the send),
//!   that same vote is sent again. The record also keeps the votes signed at
//!   this height in the two rounds before (`EARLIER_ROUNDS`, what R13's
//!   rebroadcast still owes): a resumed node signs them again, identical, and
//!   re-sends them, since peers left in those rounds may need them to finish.
//! - **R13 Sync and gossip.** Votes and proposals of the current height are
//!   relayed once to the other peers (so split equivocations meet), as
//!   `Effect::Relay`: the host may hold a relay a few ms so it shares a frame
//!   with the node's own next message. When a
//!   height has gone `timeout_propose + timeout_prevote` ms without a commit
//!   (and every such period after), a node re-sends its status, its own
//!   messages of the current and two previous rounds (a peer still in an
//!   earlier round needs them to finish it: the paper assumes every message
//!   eventually arrives) and pending evidence; a cluster that commits faster
//!   than that sends none of it. A `Status` (sent on start, to a peer that
//!   comes up, and in the rebroadcast) or a message from a later height makes
//!   the node ask for committed blocks (`SyncRequest`); responses carry up to
//!   32 blocks with certificates.
//! - **R14 Bounds.** Messages for up to 2 heights ahead (1024), relay
//!   de-duplication, the signature cache and the in-memory archive of
//!   committed blocks (16 384; older ones only in the store) are bounded.
//! - **R15 Byzantine.** `Equivocate` bypasses R12: twin proposals and two
//!   votes per step (the vote and nil, or nil and a made-up id), each to half
//!   of the peers. `Silent` signs nothing. `Withhold` signs its proposals but
//!   never publishes them (its rounds fail). `Selfish` is honest here.
//! - **R16 Surplus prevotes.** Once a node holds 2f+1 prevotes for the
//!   round's proposal (L36) and has precommitted, a prevote of that round
//!   from a validator it has not heard from can change nothing in the round.
//!   It is held unchecked (uncounted, unrelayed) for `min(timeout_prevote/2,
//!   20)` ms, then checked and counted like any vote (so a slow devnet shows
//!   every validator's prevote); if the height commits first it is dropped
//!   unchecked, which spares a fast devnet one signature check per node and
//!   height. A second, different prevote from the same validator is checked
//!   at once with the first: an equivocation is never left unchecked.

mod algorithm;
mod commit;
pub mod describe;
mod engine;
pub mod evidence;
pub mod params;
mod persist;
pub mod protection;
mod receive;
mod sign;
mod sync;
pub mod types;
pub mod validators;
pub mod votes;
pub mod wire;

#[cfg(test)]
mod tests;

pub use engine::{Tendermint, genesis_hash};
pub use params::TendermintParams;
