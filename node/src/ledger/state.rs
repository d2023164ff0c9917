//! Account state: balances and nonces, applying transfers (T3) and the root (T4).
//! The accounts live behind an `Arc`, so keeping the state of many blocks
//! costs one copy per block that changes it, and a clone is free.

use super::transfer::{Transfer, TxError};
use crate::chain::Hash32;
use crate::chain::codec::Writer;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Account {
    pub balance: u64,
    pub nonce: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    accounts: Arc<Vec<Account>>,
}

impl State {
    pub fn genesis(accounts: u32, balance: u64) -> State {
        State { accounts: Arc::new(vec![Account { balance, nonce: 0 }; accounts as usize]) }
    }
    pub fn account(&self, index: u32) -> Option<Account> {
        self.accounts.get(index as usize).copied()
    }
    pub fn len(&self) -> u32 {
        self.accounts.len() as u32
    }
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }
    /// Sum of all balances (u128: never wraps); constant under T3.
    pub fn total_supply(&self) -> u128 {
        self.accounts.iter().map(|a| a.balance as u128).sum()
    }

    /// Whether `t` applies now (T3), without applying it. The signature is the caller's.
    pub fn check(&self, t: &Transfer) -> Result<(), TxError> {
        let from = self.account(t.from).ok_or(TxError::UnknownAccount(t.from))?;
        self.account(t.to).ok_or(TxError::UnknownAccount(t.to))?;
        if t.amount == 0 {
            return Err(TxError::ZeroAmount);
        }
        if t.nonce < from.nonce {
            return Err(TxError::NonceTooLow { from: t.from, got: t.nonce, next: from.nonce });
        }
        if t.nonce > from.nonce {
            return Err(TxError::NonceTooHigh { from: t.from, got: t.nonce, next: from.nonce, max_gap: 0 });
        }
        if t.amount > from.balance {
            return Err(TxError::Overdraft { from: t.from, available: from.balance, amount: t.amount });
        }
        Ok(())
    }

    /// Applies `t` (T3) or changes nothing and says why.
    pub fn apply(&mut self, t: &Transfer) -> Result<(), TxError> {
        self.check(t)?;
        let accounts = Arc::make_mut(&mut self.accounts);
        let from = &mut accounts[t.from as usize];
        from.balance -= t.amount;
        from.nonce += 1;
        // Total supply fits in u64 (`LedgerParams::check`), so no balance can overflow.
        let to = &mut accounts[t.to as usize];
        to.balance = to.balance.saturating_add(t.amount);
        Ok(())
    }

    /// Applies every transfer in order; on the first that fails, returns its
    /// position and error (the state is then partly applied: use a clone).
    pub fn apply_all(&mut self, txs: &[Transfer]) -> Result<(), (usize, TxError)> {
        txs.iter().enumerate().try_for_each(|(i, t)| self.apply(t).map_err(|e| (i, e)))
    }

    /// T4: sha256 over the whole state in account order.
    pub fn root(&self) -> Hash32 {
        let mut w = Writer::new();
        w.u32(self.len());
        for a in self.accounts.iter() {
            w.u64(a.balance).u64(a.nonce);
        }
        Hash32::digest(&[b"devnet/v1/state", &w.finish()])
    }
}
