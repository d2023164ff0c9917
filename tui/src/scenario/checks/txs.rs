//! Checks on transactions: a pow double spend that honest nodes felt.

use super::{Context, secs};

type Verdict = Result<(bool, String), String>;

impl Context<'_> {
    /// `double_spend`: an attacker reported releasing a chain that spends a
    /// payment's coins elsewhere, and every other node that is running saw
    /// the payment reverted (`TxsReverted`: gone from its chain, its nonce used).
    pub(super) fn judge_double_spend(&self, after: Option<usize>) -> Verdict {
        let t0 = self.start(after)?;
        let since = |t: u64| t.saturating_sub(self.view.genesis_ms) >= t0;
        let id = |i: usize| self.view.nodes.get(i).map_or("?", |n| n.id.as_str());
        let spends: Vec<_> = self.view.txs.double_spends.iter().filter(|d| since(d.time_ms)).collect();
        if spends.is_empty() {
            return Ok((false, format!("no attacker released a double spend since {}", secs(t0))));
        }
        let mut partial = Vec::new();
        for d in &spends {
            let lost_on = self.view.txs.reverted.get(&d.paid).cloned().unwrap_or_default();
            let honest: Vec<usize> =
                (0..self.view.nodes.len()).filter(|i| *i != d.node && self.view.nodes[*i].is_running()).collect();
            let missing: Vec<&str> = honest.iter().filter(|i| !lost_on.contains(i)).map(|i| id(*i)).collect();
            let when = secs(d.time_ms.saturating_sub(self.view.genesis_ms));
            if missing.is_empty() {
                let on: Vec<&str> = honest.iter().map(|i| id(*i)).collect();
                return Ok((
                    true,
                    format!(
                        "double spend at {when}: {} paid {} from account {} to account {} (tx {}) on the public chain \
                         and waited until it was k deep; its private chain sent the same coins to account {} (tx {}); \
                         after the release the payment is gone on {}: the payee was paid and then was not",
                        id(d.node),
                        d.amount,
                        d.from,
                        d.payee,
                        d.paid.short(),
                        d.elsewhere,
                        d.spent.short(),
                        on.join(", ")
                    ),
                ));
            }
            partial.push(format!("at {when} the payment {} was still held by {}", d.paid.short(), missing.join(", ")));
        }
        Ok((
            false,
            format!(
                "{} double spend(s) released, none reverted the payment everywhere: {}",
                spends.len(),
                partial.join("; ")
            ),
        ))
    }
}
