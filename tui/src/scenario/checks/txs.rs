//! Checks on transactions: a pow double spend that honest nodes felt, and
//! what a censoring proposer does to the senders it leaves out.

use super::{Context, secs};
use crate::faults::Fault;
use std::collections::BTreeSet;

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

impl Context<'_> {
    /// `censorship`: the accounts `node` censored (its last `censor` step at
    /// or after `after`), and the last load's inclusion delay for them
    /// against the other senders. Holds when the load ran with them as
    /// senders and every transfer it sent was included and final (none
    /// pending, expired or lost): the leader rule let other proposers take
    /// what the censor left out.
    pub(super) fn judge_censorship(&self, node: usize, after: Option<usize>) -> Verdict {
        let from = after.unwrap_or(0);
        let who = self.view.nodes.get(node).map_or("?", |n| n.id.as_str());
        let censored = self.scenario.steps.iter().enumerate().skip(from).rev().find_map(|(_, s)| match &s.fault {
            Fault::Censor { node: n, accounts } if *n == node => Some(accounts.clone()),
            _ => None,
        });
        let accounts: BTreeSet<u32> = match censored {
            None => return Ok((false, format!("no `censor {who} ...` step at or after the check's step"))),
            Some(None) => return Ok((false, format!("{who} censors every sender: there is no one to compare with"))),
            Some(Some(a)) if a.is_empty() => return Ok((false, format!("{who}'s last censor step turns it off"))),
            Some(Some(a)) => a.into_iter().collect(),
        };
        let Some(load) = self.loads.last() else {
            return Ok((false, "no load ran: add a `load RATE/s` step".into()));
        };
        let them = load.included_latency_of(&accounts);
        let others = load.included_latency_excluding(&accounts);
        let ms = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.0} ms"));
        let list = accounts.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(",");
        let unresolved = load.pending_at_end + load.expired + load.lost;
        let detail = format!(
            "{who} censored accounts {list}: their transfers were included p50 {} / p99 {} after submission \
             ({} of them), everyone else's p50 {} / p99 {} ({}); {} of {} transfers final, {unresolved} unresolved",
            ms(them.p50),
            ms(them.p99),
            them.count,
            ms(others.p50),
            ms(others.p99),
            others.count,
            load.final_,
            load.submitted
        );
        Ok((them.count > 0 && unresolved == 0 && load.final_ == load.admitted, detail))
    }
}
