//! R9: the local validator's safety data, persisted (`Table::Protection`,
//! key "local") before any `Send` that carries a new signature: the highest
//! round it voted or timed out in, its locks (R5), and the last vote,
//! timeout and proposal it signed, so a restarted node sends those same
//! messages again instead of signing different ones.

use super::types::{ProposalData, Timeout, Vote, VoteData, decode_all, encode_with, get_flag, get_hash, put_hash};
use crate::chain::codec::DecodeError;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Protection {
    /// Highest round voted in or timed out in: no vote at or below it again (R5).
    pub last_voted_round: u64,
    /// 3-chain lock: the highest `parent_round` of any QC observed (R5).
    pub preferred_round: u64,
    /// 2-chain lock: the highest QC round observed (R5).
    pub one_chain_round: u64,
    pub last_vote: Option<Vote>,
    pub last_timeout: Option<Timeout>,
    pub last_proposal: Option<ProposalData>,
}

impl Protection {
    /// Diem's and Aptos's `observe_qc`: a QC moves both locks up, never down.
    pub fn observe_qc(&mut self, qc: &VoteData) {
        self.preferred_round = self.preferred_round.max(qc.parent_round);
        self.one_chain_round = self.one_chain_round.max(qc.round);
    }

    /// The vote already signed for `round`, if it was for `block`.
    pub fn vote_again(&self, round: u64, block: &crate::chain::Hash32) -> Option<Vote> {
        self.last_vote.filter(|v| v.data.round == round && v.data.block == *block)
    }

    pub fn encode(&self) -> Vec<u8> {
        encode_with(|w| {
            w.u64(self.last_voted_round).u64(self.preferred_round).u64(self.one_chain_round);
            match &self.last_vote {
                Some(v) => {
                    w.u8(1);
                    v.write(w);
                }
                None => {
                    w.u8(0);
                }
            }
            match &self.last_timeout {
                Some(t) => {
                    w.u8(1);
                    t.write(w);
                }
                None => {
                    w.u8(0);
                }
            }
            match &self.last_proposal {
                Some(p) => {
                    w.u8(1).u64(p.round);
                    put_hash(w, &p.block);
                }
                None => {
                    w.u8(0);
                }
            }
        })
    }

    pub fn decode(b: &[u8]) -> Result<Self, DecodeError> {
        decode_all(b, |r| {
            let (last_voted_round, preferred_round, one_chain_round) = (r.u64()?, r.u64()?, r.u64()?);
            let last_vote = if get_flag(r)? { Some(Vote::read(r)?) } else { None };
            let last_timeout = if get_flag(r)? { Some(Timeout::read(r)?) } else { None };
            let last_proposal =
                if get_flag(r)? { Some(ProposalData { round: r.u64()?, block: get_hash(r)? }) } else { None };
            Ok(Protection {
                last_voted_round,
                preferred_round,
                one_chain_round,
                last_vote,
                last_timeout,
                last_proposal,
            })
        })
    }
}
