//! Stake arithmetic of the genesis validator set.
//!
//! Rules: every stake is positive and their sum fits in u64 (checked, never
//! wrapping); thresholds compare against the TOTAL genesis stake, slashed
//! validators included, so being slashed never lowers the bar; they compute
//! in u128, so no sum of stakes can overflow them.

/// The total of the genesis stakes, in validator order, refusing a zero stake or an overflowing sum.
pub fn total_stake(stakes: impl IntoIterator<Item = u64>) -> Result<u64, String> {
    let mut total: u64 = 0;
    for (i, s) in stakes.into_iter().enumerate() {
        if s == 0 {
            return Err(format!("validator {i}: stake must be positive"));
        }
        total = total.checked_add(s).ok_or("total stake overflows u64")?;
    }
    Ok(total)
}

/// More than 2/3 of `total`: a BFT quorum (2f+1).
pub fn is_quorum(power: u128, total: u64) -> bool {
    power * 3 > total as u128 * 2
}

/// More than 1/3 of `total` (f+1): at least one honest validator among them.
pub fn is_one_third(power: u128, total: u64) -> bool {
    power * 3 > total as u128
}
