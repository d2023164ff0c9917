//! The ledger's rules (T2-T7) as scripts: sign, admit, reap, commit, expire.

use super::accounts::account_key;
use super::mempool::MAX_NONCE_GAP;
use super::*;
use crate::chain::Hash32;

const CHAIN: Hash32 = Hash32([9; 32]);

fn pay(from: u32, to: u32, amount: u64, nonce: u64) -> Transfer {
    Transfer::sign(&CHAIN, &account_key(&CHAIN, from), from, to, amount, nonce)
}

fn pool(max_txs: usize) -> Mempool {
    Mempool::new(PoolLimits { max_txs, max_bytes: 1 << 20, ttl_ms: 1000 })
}

/// A node's transaction layer on a chain of 4 accounts holding 100 each.
fn four_accounts_of_100() -> TxLayer {
    let spec = crate::chain::ChainSpec {
        name: "t".into(),
        consensus: "pow".into(),
        slot_ms: 100,
        epoch_slots: 1,
        genesis_time_ms: 0,
        params: Default::default(),
        validators: vec![],
        ledger: Some(crate::chain::spec::LedgerParams { accounts: 4, balance: 100, ..Default::default() }),
    };
    TxLayer::new(&spec).expect("layer")
}

fn admit(p: &mut Mempool, now: u64, t: Transfer, s: &State) -> Result<(), TxError> {
    p.admit(now, t, t.id(), s, true)
}

#[test]
fn transfer_bytes_are_canonical_and_signed_for_one_chain() {
    let t = pay(1, 2, 5, 0);
    let bytes = t.encode();
    assert_eq!(bytes.len(), transfer::TRANSFER_BYTES);
    assert_eq!(Transfer::decode(&bytes), Ok(t));
    assert!(Transfer::decode(&bytes[..87]).is_err());
    let mut long = bytes.clone();
    long.push(0);
    assert!(Transfer::decode(&long).is_err(), "trailing bytes are refused");
    let accounts = Accounts::new(CHAIN, 10);
    let msg = Transfer::signing_bytes(&CHAIN, 1, 2, 5, 0);
    assert!(accounts.verify(1, &msg, &t.signature));
    assert!(!accounts.verify(2, &msg, &t.signature), "another account's key");
    let other = Accounts::new(Hash32([8; 32]), 10);
    assert!(!other.verify(1, &Transfer::signing_bytes(other.chain(), 1, 2, 5, 0), &t.signature), "another chain");
    assert!(!accounts.verify(1, &Transfer::signing_bytes(&CHAIN, 1, 2, 6, 0), &t.signature), "another amount");
    assert!(!accounts.verify(10, &msg, &t.signature), "no such account");
}

#[test]
fn state_applies_in_order_conserves_supply_and_roots_differ() {
    let mut s = State::genesis(3, 100);
    let root0 = s.root();
    assert_eq!(s.apply(&pay(0, 1, 30, 1)), Err(TxError::NonceTooHigh { from: 0, got: 1, next: 0, max_gap: 0 }));
    s.apply(&pay(0, 1, 30, 0)).expect("applies");
    assert_eq!(s.apply(&pay(0, 1, 30, 0)), Err(TxError::NonceTooLow { from: 0, got: 0, next: 1 }));
    assert_eq!(s.apply(&pay(0, 2, 71, 1)), Err(TxError::Overdraft { from: 0, available: 70, amount: 71 }));
    assert_eq!(s.apply(&pay(0, 3, 1, 1)), Err(TxError::UnknownAccount(3)));
    assert_eq!(s.apply(&pay(0, 1, 0, 1)), Err(TxError::ZeroAmount));
    assert_eq!(s.account(0), Some(Account { balance: 70, nonce: 1 }));
    assert_eq!(s.account(1), Some(Account { balance: 130, nonce: 0 }));
    assert_eq!(s.total_supply(), 300);
    assert_ne!(s.root(), root0);
    let mut again = State::genesis(3, 100);
    again.apply(&pay(0, 1, 30, 0)).expect("applies");
    assert_eq!(again.root(), s.root(), "the root is a function of the state");
}

#[test]
fn mempool_parks_nonce_gaps_and_reaps_them_once_filled() {
    let s = State::genesis(4, 100);
    let mut p = pool(100);
    admit(&mut p, 0, pay(0, 1, 1, 1), &s).expect("nonce 1 waits for 0");
    assert!(p.reap(&s, 10, |_| false).is_empty(), "a gap parks later nonces");
    admit(&mut p, 0, pay(0, 1, 1, 0), &s).expect("nonce 0");
    let reaped = p.reap(&s, 10, |_| false);
    assert_eq!(reaped.iter().map(|t| t.nonce).collect::<Vec<_>>(), vec![0, 1]);
    assert_eq!(p.next_nonce(0, &s), 2);
    let far = pay(0, 1, 1, MAX_NONCE_GAP + 1);
    assert!(matches!(admit(&mut p, 0, far, &s), Err(TxError::NonceTooHigh { .. })));
}

#[test]
fn mempool_dedupes_refuses_taken_nonces_and_overdrafts() {
    let s = State::genesis(4, 100);
    let mut p = pool(100);
    let t = pay(0, 1, 60, 0);
    admit(&mut p, 0, t, &s).expect("first");
    assert_eq!(admit(&mut p, 0, t, &s), Err(TxError::Duplicate));
    assert_eq!(admit(&mut p, 0, pay(0, 2, 1, 0), &s), Err(TxError::NonceTaken { from: 0, nonce: 0 }));
    assert_eq!(admit(&mut p, 0, pay(0, 2, 41, 1), &s), Err(TxError::Overdraft { from: 0, available: 40, amount: 41 }));
    admit(&mut p, 0, pay(0, 2, 40, 1), &s).expect("within what is left");
    assert_eq!(p.available(0, &s), 0);
}

#[test]
fn mempool_caps_count_and_bytes_and_says_full() {
    let s = State::genesis(10, 100);
    let mut p = pool(3);
    for i in 0..3 {
        admit(&mut p, 0, pay(i, 9, 1, 0), &s).expect("room");
    }
    assert_eq!(admit(&mut p, 0, pay(3, 9, 1, 0), &s), Err(TxError::Full("transaction count")));
    let mut small = Mempool::new(PoolLimits { max_txs: 100, max_bytes: 200, ttl_ms: 1000 });
    admit(&mut small, 0, pay(0, 9, 1, 0), &s).expect("88 bytes");
    admit(&mut small, 0, pay(1, 9, 1, 0), &s).expect("176 bytes");
    assert_eq!(admit(&mut small, 0, pay(2, 9, 1, 0), &s), Err(TxError::Full("bytes")));
    assert_eq!((small.len(), small.bytes()), (2, 176));
}

#[test]
fn mempool_expires_after_the_ttl() {
    let s = State::genesis(4, 100);
    let mut p = pool(100);
    let a = pay(0, 1, 1, 0);
    admit(&mut p, 0, a, &s).expect("a");
    admit(&mut p, 500, pay(1, 2, 1, 0), &s).expect("b");
    assert!(p.expire(999).is_empty());
    assert_eq!(p.expire(1000), vec![a.id()]);
    assert_eq!(p.len(), 1);
    assert_eq!(admit(&mut p, 1000, a, &s), Err(TxError::Duplicate), "an expired id is still remembered");
}

#[test]
fn reap_is_oldest_first_across_senders_and_bounded() {
    let s = State::genesis(4, 100);
    let mut p = pool(100);
    let order = [pay(2, 0, 1, 0), pay(1, 0, 1, 0), pay(2, 0, 1, 1), pay(3, 0, 1, 0)];
    for (i, t) in order.iter().enumerate() {
        admit(&mut p, i as u64, *t, &s).expect("admit");
    }
    assert_eq!(p.reap(&s, 10, |_| false), order.to_vec());
    assert_eq!(p.reap(&s, 2, |_| false), order[..2].to_vec());
    let mut again = pool(100);
    for (i, t) in order.iter().enumerate().rev() {
        admit(&mut again, i as u64, *t, &s).expect("admit");
    }
    let reaped = again.reap(&s, 10, |_| false);
    assert_eq!(reaped.len(), 4, "arrival order differs, the reap is still every executable transfer");
    let mut st = s.clone();
    st.apply_all(&reaped).expect("a reaped list always applies");
}

#[test]
fn commit_removes_included_and_stale_and_a_reorg_puts_them_back() {
    let mut layer = four_accounts_of_100();
    let chain = *layer.accounts.chain();
    let sign =
        |from: u32, nonce: u64, amount: u64| Transfer::sign(&chain, &account_key(&chain, from), from, 1, amount, nonce);
    let genesis = layer.genesis();
    let (a, b) = (sign(0, 0, 10), sign(0, 1, 10));
    layer.admit(0, &a.encode(), &genesis, true).expect("a");
    layer.admit(0, &b.encode(), &genesis, true).expect("b");
    // Another node's block spends nonce 0 differently.
    let rival = sign(0, 0, 5);
    let block = Hash32([1; 32]);
    let state = layer.execute(&genesis, &[rival]).expect("valid block");
    layer.included(&[rival], Inclusion { height: 1, block }, &state);
    assert_eq!(layer.pool.len(), 1, "a is stale (nonce 0 is used), b waits on");
    assert_eq!(
        layer.status(&a.id(), 0, |_| Some(block)),
        TxStatus::Rejected("another transfer with its nonce was included".into())
    );
    assert_eq!(layer.status(&rival.id(), 0, |_| Some(block)), TxStatus::Included { height: 1, block, final_: false });
    assert_eq!(layer.status(&rival.id(), 1, |_| Some(block)), TxStatus::Included { height: 1, block, final_: true });
    // The block is reorged out: the rival returns to the pool, on genesis state.
    layer.reverted(0, &[rival], &block, &genesis);
    assert_eq!(layer.status(&rival.id(), 0, |_| None), TxStatus::Pending);
    let reaped = layer.reap(&genesis);
    assert_eq!(reaped, vec![rival, b]);
    // A block with a bad signature, an overdraft or a replay is invalid.
    let mut forged = sign(1, 0, 1);
    forged.signature.0[0] ^= 1;
    assert!(layer.execute(&genesis, &[forged]).unwrap_err().contains("bad signature"));
    assert!(layer.execute(&genesis, &[sign(2, 0, 101)]).unwrap_err().contains("cannot send"));
    assert!(layer.execute(&genesis, &[sign(2, 0, 1), sign(2, 0, 1)]).unwrap_err().contains("nonce 0 is used"));
    assert!(matches!(layer.admit(0, &[1, 2, 3], &genesis, true), Err(TxError::Malformed(_))));
}

#[test]
fn a_censoring_node_leaves_the_censored_senders_out_of_its_blocks() {
    let mut layer = four_accounts_of_100();
    let chain = *layer.accounts.chain();
    let genesis = layer.genesis();
    for from in 0..4 {
        let t = Transfer::sign(&chain, &account_key(&chain, from), from, (from + 1) % 4, 1, 0);
        layer.admit(0, &t.encode(), &genesis, true).expect("admitted");
    }
    let senders = |l: &TxLayer| l.reap(&genesis).iter().map(|t| t.from).collect::<Vec<_>>();
    assert_eq!(senders(&layer), vec![0, 1, 2, 3]);
    layer.censor = Censorship::Accounts([1, 3].into_iter().collect());
    assert_eq!(senders(&layer), vec![0, 2], "censored senders are left out");
    layer.censor = Censorship::All;
    assert!(senders(&layer).is_empty());
    assert_eq!(layer.pool.len(), 4, "censoring keeps them pending: another proposer includes them");
}
