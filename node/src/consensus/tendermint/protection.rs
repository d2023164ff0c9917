//! R12: what the local validator has signed at its latest (height, round),
//! plus its lock and valid value, persisted before any signature leaves so a
//! node killed at any instant never signs two different proposals, prevotes
//! or precommits for one height and round, and never forgets its lock. The
//! votes it signed in the `EARLIER_ROUNDS` rounds before, at that height, are
//! kept too: the rebroadcast still owes them to peers left in those rounds
//! (R13), and a restart must not forget them.

use super::types::{Block, Vote, VoteType, decode_all, encode_with, get_flag, get_opt_hash, put_opt_hash};
use crate::chain::Hash32;
use crate::chain::codec::{DecodeError, Reader, Writer};

/// R13: how many rounds before the current one the node's own messages are
/// still sent again by the rebroadcast (and, for its votes, kept across a crash).
pub const EARLIER_ROUNDS: u64 = 2;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Protection {
    pub height: u64,
    pub round: u64,
    /// Digest of the signed proposal data (block id and valid round).
    pub proposal: Option<Hash32>,
    pub prevote: Option<Option<Hash32>>,
    pub precommit: Option<Option<Hash32>>,
    pub locked: Option<(u64, Block)>,
    pub valid: Option<(u64, Block)>,
    /// The prevotes that made `valid` valid (its proof of lock).
    pub pol: Vec<Vote>,
    /// Votes signed at this height in the `EARLIER_ROUNDS` rounds before
    /// `round`: (round, type, value).
    pub earlier: Vec<(u64, VoteType, Option<Hash32>)>,
}

impl Protection {
    /// Move to `(height, round)` if it is later; never back.
    pub fn enter(&mut self, height: u64, round: u64) {
        if (height, round) > (self.height, self.round) {
            if height != self.height {
                self.locked = None;
                self.valid = None;
                self.pol.clear();
                self.earlier.clear();
            } else {
                for (kind, signed) in [(VoteType::Prevote, self.prevote), (VoteType::Precommit, self.precommit)] {
                    if let Some(value) = signed {
                        self.earlier.push((self.round, kind, value));
                    }
                }
                self.earlier.retain(|(r, _, _)| r.saturating_add(EARLIER_ROUNDS) >= round);
            }
            self.height = height;
            self.round = round;
            self.proposal = None;
            self.prevote = None;
            self.precommit = None;
        }
    }

    /// R12: a proposal for `(height, round)` with data digest `block` may be signed.
    pub fn may_propose(&self, height: u64, round: u64, block: Hash32) -> bool {
        match (height, round).cmp(&(self.height, self.round)) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Equal => self.proposal.is_none_or(|b| b == block),
            std::cmp::Ordering::Less => false,
        }
    }

    /// R12: a vote of `kind` for `value` at `(height, round)` may be signed.
    pub fn may_vote(&self, height: u64, round: u64, kind: VoteType, value: Option<Hash32>) -> bool {
        match (height, round).cmp(&(self.height, self.round)) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Equal => {
                let slot = match kind {
                    VoteType::Prevote => self.prevote,
                    VoteType::Precommit => self.precommit,
                };
                slot.is_none_or(|v| v == value)
            }
            std::cmp::Ordering::Less => false,
        }
    }

    /// What was already signed for `kind` at `(height, round)`, if anything.
    pub fn signed_vote(&self, height: u64, round: u64, kind: VoteType) -> Option<Option<Hash32>> {
        if (height, round) != (self.height, self.round) {
            return None;
        }
        match kind {
            VoteType::Prevote => self.prevote,
            VoteType::Precommit => self.precommit,
        }
    }

    /// Every vote this record holds, earlier rounds first: (round, type, value).
    pub fn signed_votes(&self) -> Vec<(u64, VoteType, Option<Hash32>)> {
        let current = [(VoteType::Prevote, self.prevote), (VoteType::Precommit, self.precommit)]
            .into_iter()
            .filter_map(|(kind, signed)| signed.map(|value| (self.round, kind, value)));
        self.earlier.iter().copied().chain(current).collect()
    }

    pub fn record_proposal(&mut self, height: u64, round: u64, block: Hash32) {
        self.enter(height, round);
        self.proposal = Some(block);
    }

    pub fn record_vote(&mut self, height: u64, round: u64, kind: VoteType, value: Option<Hash32>) {
        self.enter(height, round);
        match kind {
            VoteType::Prevote => self.prevote = Some(value),
            VoteType::Precommit => self.precommit = Some(value),
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        encode_with(|w| {
            w.u64(self.height).u64(self.round);
            put_opt_hash(w, &self.proposal);
            for v in [self.prevote, self.precommit] {
                match v {
                    Some(x) => {
                        w.u8(1);
                        put_opt_hash(w, &x);
                    }
                    None => {
                        w.u8(0);
                    }
                }
            }
            for rb in [&self.locked, &self.valid] {
                put_round_block(w, rb);
            }
            w.list(&self.pol, |w, v| v.write(w));
            w.list(&self.earlier, |w, (round, kind, value)| {
                w.u64(*round).u8(kind.code());
                put_opt_hash(w, value);
            });
        })
    }

    pub fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        decode_all(b, |r| {
            let (height, round) = (r.u64()?, r.u64()?);
            let proposal = get_opt_hash(r)?;
            let prevote = if get_flag(r)? { Some(get_opt_hash(r)?) } else { None };
            let precommit = if get_flag(r)? { Some(get_opt_hash(r)?) } else { None };
            let locked = get_round_block(r)?;
            let valid = get_round_block(r)?;
            let pol = r.list(Vote::read)?;
            // A record written before `earlier` existed ends here.
            let earlier = if r.at_end() {
                Vec::new()
            } else {
                r.list(|r| Ok((r.u64()?, VoteType::from_code(r.u8()?)?, get_opt_hash(r)?)))?
            };
            Ok(Protection { height, round, proposal, prevote, precommit, locked, valid, pol, earlier })
        })
    }
}

fn put_round_block(w: &mut Writer, rb: &Option<(u64, Block)>) {
    match rb {
        Some((r, b)) => {
            w.u8(1).u64(*r);
            b.write(w);
        }
        None => {
            w.u8(0);
        }
    }
}

fn get_round_block(r: &mut Reader<'_>) -> Result<Option<(u64, Block)>, DecodeError> {
    Ok(if get_flag(r)? { Some((r.u64()?, Block::read(r)?)) } else { None })
}
