//! The safety and commit rules (R5, R6) as pure functions of the round
//! numbers, shared by both chain lengths and tested on their own.

use super::protection::Protection;
use crate::chain::Hash32;

/// R5: may the validator vote for a block of `round` whose QC is of
/// `qc_round`, proposed with a TC `(tc_round, tc_max_hqc_round)` if any?
pub fn safe_to_vote(
    commit_chain: u8,
    p: &Protection,
    round: u64,
    qc_round: u64,
    tc: Option<(u64, u64)>,
) -> Result<(), String> {
    if round <= p.last_voted_round {
        return Err(format!("round {round} is not above the last voted round {}", p.last_voted_round));
    }
    if commit_chain == 3 {
        // Diem: extend a QC at least as recent as the preferred round (the 2-chain head).
        if qc_round < p.preferred_round {
            return Err(format!("QC round {qc_round} is below the preferred round {}", p.preferred_round));
        }
        return Ok(());
    }
    // Jolteon: extend the previous round's QC, or the highest QC a TC of the previous round reports.
    if round == qc_round.saturating_add(1) {
        return Ok(());
    }
    match tc {
        Some((tc_round, max_hqc)) if round == tc_round.saturating_add(1) && qc_round >= max_hqc => Ok(()),
        _ => Err(format!("round {round} neither follows its QC ({qc_round}) nor a TC with a QC no higher")),
    }
}

/// R7: may the validator time out in `round` holding a QC of `hqc_round`
/// (and a TC of `tc_round`)? Never below a round it voted in; only in the
/// round its certificates put it in; never with a QC older than one seen.
pub fn safe_to_timeout(p: &Protection, round: u64, hqc_round: u64, tc_round: Option<u64>) -> Result<(), String> {
    if round < p.last_voted_round {
        return Err(format!("round {round} is below the last voted round {}", p.last_voted_round));
    }
    if round != hqc_round.saturating_add(1) && tc_round.is_none_or(|t| round != t.saturating_add(1)) {
        return Err(format!("round {round} does not follow the QC or TC held"));
    }
    if hqc_round < p.one_chain_round {
        return Err(format!("QC round {hqc_round} is below the highest QC seen {}", p.one_chain_round));
    }
    Ok(())
}

/// R6: `chain` is a newly certified block and its ancestors, newest first,
/// as (id, round), following the QC links (each block's QC certifies its
/// parent). Returns the block that commits, if the rule holds.
pub fn commit_target(commit_chain: u8, chain: &[(Hash32, u64)]) -> Option<Hash32> {
    let n = commit_chain as usize;
    if chain.len() < n {
        return None;
    }
    let consecutive = chain[..n].windows(2).all(|w| w[1].1.checked_add(1) == Some(w[0].1));
    consecutive.then(|| chain[n - 1].0)
}
