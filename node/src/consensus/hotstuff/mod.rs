//! `hotstuff`: chained HotStuff (Yin et al., PODC 2019) with a switch for
//! the commit rule: `commit_chain = 3` as in the paper and DiemBFT, or `2`
//! as in Jolteon / Aptos (Gelashvili et al. 2021). Both share the block
//! tree, the certificates and the pacemaker; they differ only in R5 and R6.
//! The rules, as implemented (`// Rn` points back here):
//!
//! - **R1 Status.** The genesis block is round 0, height 0, id
//!   sha256("…/hotstuff/genesis", genesis seed), certified by the genesis QC
//!   (no votes). `EngineStatus.slot` and `epoch` are the current round; a
//!   `BlockRef`'s `slot` is its block's round. `head` is the block of the
//!   highest QC (the certified tip, what the next leader extends);
//!   `justified` is that block with the QC's round as `epoch`; `finalized`
//!   is the last committed block with its height as `epoch`. BFT: committed
//!   is final. Events: `BlockImported` when a block joins the tree,
//!   `HeadChanged` (with the reorg depth: a certified block that was not
//!   committed can be abandoned) and `Justified` when the high QC moves,
//!   `Finalized` for every committed block in order, `RoundFailed` when a
//!   round is left by a TC. Transfers: `TxsIncluded` when their block joins
//!   the head's chain, `TxsReverted` if it leaves it for good, `TxsFinal` on
//!   commit (`ledger::ForkLedger`, T6).
//! - **R2 Blocks.** {round, height = parent's + 1, parent id, the QC of the
//!   parent, proposer, graffiti, evidence, state root, transfers}; its id is
//!   sha256 of its canonical bytes. A block's QC link is its parent link,
//!   so "the chain of QCs" and "the chain of parents" are the same chain
//!   (a Fast-HotStuff bug came from checking one and not the other).
//! - **R3 Leaders and proposals.** The leader of round r is position r of
//!   one cycle of smooth weighted round robin over the stakes (the cycle of
//!   `tendermint::validators`), skipping validators slashed on this node's
//!   chain: each validator leads in proportion to its stake. It signs {round,
//!   block id} under `Domain::BlockHeader` and sends the block to all; a
//!   block's round must be its QC's round + 1, or the round after the TC
//!   the proposal carries. A proposal from anyone else is ignored.
//! - **R4 Votes and QCs.** A vote signs {block id, round, height, parent id,
//!   parent round} under `Domain::Vote` (the round is under the signature:
//!   relab#289). Votes go to the leader of the next round. More than 2/3 of
//!   the total genesis stake of distinct validators for one vote data is a
//!   QC. This node counts a slashed validator's vote for nothing; a
//!   certificate from a peer is checked against stake alone (`certs`: the
//!   slashed set differs between nodes while a commit spreads).
//! - **R5 Voting rules.** Always: the block's round is above the last round
//!   voted or timed out in. 3-chain (Diem): the block's QC round is at
//!   least the preferred round, the highest `parent_round` of any QC seen
//!   (the head of the highest 2-chain). 2-chain (Jolteon): the block's
//!   round is its QC's round + 1, or it follows a TC of the round before
//!   and its QC is at least as high as the highest QC round the TC reports.
//! - **R6 Commit.** When a block B is certified, look at B and its QC
//!   ancestors: with 3-chain, B0 <- B1 <- B with rounds r, r+1, r+2 commits
//!   B0; with 2-chain, B0 <- B with rounds r, r+1 commits B0. Committing a
//!   block commits its uncommitted ancestors, oldest first.
//! - **R7 Pacemaker.** The current round is one past the highest QC or TC
//!   held; a QC or a TC of round r moves every node that learns it to r+1.
//!   When a round's timer fires, the node signs a timeout {round, its high
//!   QC round} (with the high QC itself), broadcasts it with its highest
//!   TC, stops voting in that round, and **broadcasts again the vote it cast
//!   in the round**. Timeouts of more than 2/3 of the stake for one round
//!   form a TC, which carries each signer's QC round and the highest of
//!   those QCs. Timeouts of more than 1/3 in the current round make a node
//!   time out at once. The timer fires again every round timeout while the
//!   round lasts (what was signed is sent again, never re-signed).
//!   Liveness choice: with round-robin leaders, the votes for the block
//!   proposed just before a crashed leader's round go to the crashed node,
//!   so that block is never certified and 3-chain never sees three
//!   consecutive certified rounds: it would commit nothing with one of four
//!   validators down. Re-broadcasting the vote with the timeout (Diem/Aptos
//!   `round_manager.rs`, `process_local_timeout`) lets every node form that
//!   QC, so each four-round cycle keeps three consecutive certified rounds.
//!   Leader reputation would also work, but it needs a window of committed
//!   history every node agrees on and still pays timeouts until a crashed
//!   leader's reputation falls; the rebroadcast is local, stateless and
//!   costs only the timeouts the round already pays.
//! - **R8 Timing.** Round r times out `min_round_ms + min(base_timeout_ms *
//!   2^k, max_timeout_ms)` after it starts, k being the number of
//!   consecutive rounds left by a TC (reset by a round entered through a QC).
//!   The leader proposes `min_round_ms` after it enters its round: with 0 it
//!   proposes within the very input that formed the QC or TC.
//! - **R9 Protection.** The honest validator persists (`Table::Protection`)
//!   its last voted round, its locks, the last vote, timeout and proposal it
//!   signed, before the `Send` that carries a new signature. Asked again to
//!   vote for the same block in the same round (a restart), it sends the
//!   same vote; it never signs a second timeout for a round (it sends the
//!   first again), nor a second proposal (after a restart it sends the same
//!   block again if it still has it, else nothing).
//! - **R10 Evidence and slashing.** Two different votes of one validator
//!   for one round, or two different proposals of one leader for one
//!   round. A node that sees one reports `EquivocationSeen`, persists the
//!   evidence, gossips it, and leaders include pending evidence (at most 8)
//!   in their blocks. From the commit of a block carrying evidence against
//!   it, a validator is slashed on that chain: its votes weigh nothing
//!   where this node counts, and it is never leader. `Slashed` is reported
//!   at that commit (and again after a restart).
//! - **R11 Block sync.** A QC or TC naming a block this node does not have,
//!   or a proposal whose parent it does not have, is never dropped: the
//!   message (or the QC) waits, bounded, and the block is asked from the
//!   sender by id; the answer carries it and up to 31 ancestors, parent
//!   first, each checked (links, QC, evidence, transfers) before import.
//! - **R12 Network.** Proposals and votes seen for the first time are
//!   relayed once to the other peers (`Effect::Relay`), so an equivocator's
//!   halves meet and every node can form the QCs its next leader forms.
//!   Votes go to the peer numbered as the next leader (devnet numbers node
//!   i as validator i; a Twins copy of a validator gets its votes by relay;
//!   a leader no peer holds gets none, as a crashed one). Round arithmetic
//!   saturates: a certificate with an absurd round is rejected, never a panic.
//!   `SyncInfo` (high QC and TC) goes out on start, to a peer that comes
//!   up, to a peer whose timeout or sync info shows it behind, and to all
//!   when a new TC moves this node (the nodes that lack a timeout or two
//!   of it follow at once instead of on their own, longer, timers). A node
//!   that forms a QC from votes sends it to the next leader, which may lack
//!   one of them (dropped, or only broadcast with a timeout).
//! - **R13 Bounds.** Votes of the last 2 rounds and timeouts of the next 64
//!   are counted; first votes and proposals are compared for 64 rounds
//!   back; relay de-duplication, waiting messages and QCs, and the archive
//!   of committed blocks (16 384, older ones only in the store) are bounded.
//!   A commit prunes the blocks that can no longer join the chain.
//! - **R14 Byzantine.** `Equivocate` bypasses R9: as leader it sends its
//!   block to one half of the peers and a twin (other graffiti, no
//!   transfers) to the other; it votes for the proposal to one half and for
//!   a made-up block id to the other. `Silent` signs nothing. `Withhold`
//!   and `Selfish` are honest here.
//! - **R15 Dashboard.** `status().detail` is drawn by `describe` from
//!   `HotStuff::view()`, which returns a `HotStuffView` with the round, leader,
//!   high QC, lock, last voted round, commit point, timeout state, the
//!   recent blocks of the tree (certified, locked, committed) and each
//!   validator's latest vote round.

mod act;
pub mod certs;
mod commit;
pub mod describe;
mod engine;
mod evidence;
mod pacemaker;
mod params;
mod persist;
pub mod protection;
mod receive;
pub mod rules;
mod sync;
mod tree;
pub mod types;
mod view;
pub mod wire;

#[cfg(test)]
mod tests;

pub use engine::{HotStuff, genesis_hash};
pub use params::HotStuffParams;
pub use view::{HotStuffView, VIEW_BLOCKS, ViewBlock};
