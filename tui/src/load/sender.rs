//! One task per batch (`batch`): sign its transfers (ed25519, ~20 µs each,
//! off the pacing loop), register them with the tracker, submit them in one
//! `SubmitTransactions` call, record each transfer's answer. A refusal that
//! left the nonce unused gives it back to the sender's book.
//!
//! There is no one-call-per-transfer path: every node serves the batch call,
//! and a batch of one is that call's equal (the in-flight bound and the
//! nonce rules do not depend on how transfers travel).

use super::plan::{Leg, NonceBook};
use super::tracker::{Reply, Tracker};
use crate::node_client::{Refusal, batch_refusal, refusal};
use devnet_node::chain::{Hash32, SecretKey};
use devnet_node::ledger::Transfer;
use devnet_proto::v1 as pb;
use pb::transactions_client::TransactionsClient;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;
use tonic::transport::Channel;

/// What every batch task shares.
pub struct Senders {
    pub chain: Hash32,
    /// Account i's key at index i.
    pub keys: Vec<SecretKey>,
    /// One client per target node, in the node list's order.
    pub clients: Vec<TransactionsClient<Channel>>,
    pub nonces: Mutex<NonceBook>,
    pub tracker: Arc<Mutex<Tracker>>,
    /// `SubmitTransactions` calls made.
    pub calls: AtomicU64,
    /// The longest a transfer waited from coming due to its batch leaving (signing included), µs.
    pub max_wait_us: AtomicU64,
}

/// A transfer that came due: what to send, the moment it came due (its
/// send time for the tracker), and its place under the in-flight bound.
#[derive(Debug)]
pub struct Due {
    pub leg: Leg,
    pub nonce: u64,
    pub at: Instant,
    pub permit: OwnedSemaphorePermit,
}

/// The transfers' answers, in order, from the call's outcome: one result
/// per transfer; a whole-call failure (timeout, lost connection) is every
/// transfer's refusal; a result missing from a short reply counts as no
/// reply (its nonce maybe spent).
pub fn answers(outcome: Result<pb::SubmitTransactionsReply, tonic::Status>, n: usize) -> Vec<Reply> {
    match outcome {
        Err(status) => vec![Reply::Refused(refusal(&status)); n],
        Ok(reply) => {
            let missing = Refusal { word: "other", code: "no_reply", nonce_unused: false };
            let mut got: Vec<Reply> = reply
                .results
                .iter()
                .take(n)
                .map(|r| batch_refusal(r).map_or(Reply::Admitted, Reply::Refused))
                .collect();
            got.resize(n, Reply::Refused(missing));
            got
        }
    }
}

/// Sends `batch`, all due for target `node`.
pub fn submit(s: Arc<Senders>, node: usize, batch: Vec<Due>) {
    if batch.is_empty() {
        return;
    }
    tokio::spawn(async move {
        let (mut ids, mut transfers) = (Vec::with_capacity(batch.len()), Vec::with_capacity(batch.len()));
        for d in &batch {
            let Leg { from, to, .. } = d.leg;
            let t = Transfer::sign(&s.chain, &s.keys[from as usize], from, to, 1, d.nonce);
            ids.push(t.id());
            transfers.push(pb::Transfer { from, to, amount: 1, nonce: d.nonce, signature: t.signature.0.to_vec() });
        }
        let mut client = s.clients[node].clone();
        {
            let mut t = super::lock(&s.tracker);
            for (d, id) in batch.iter().zip(&ids) {
                t.sent(*id, node, d.leg.from, d.at);
            }
        }
        let left = Instant::now();
        let waited = batch.iter().map(|d| left.saturating_duration_since(d.at)).max().unwrap_or_default();
        s.max_wait_us.fetch_max(waited.as_micros() as u64, Ordering::Relaxed);
        s.calls.fetch_add(1, Ordering::Relaxed);
        let outcome = client.submit_transactions(pb::SubmitTransactionsRequest { transfers }).await;
        let replies = answers(outcome.map(|r| r.into_inner()), batch.len());
        // The replies first: a nonce given back may be re-signed into the same id at once.
        let mut give_back = Vec::new();
        {
            let mut t = super::lock(&s.tracker);
            for ((d, id), reply) in batch.iter().zip(&ids).zip(replies) {
                if matches!(&reply, Reply::Refused(r) if r.nonce_unused) {
                    give_back.push((d.leg.from, d.nonce));
                }
                t.replied(id, reply);
            }
        }
        if !give_back.is_empty() {
            let mut book = super::lock(&s.nonces);
            for (from, nonce) in give_back {
                book.give_back(from, nonce);
            }
        }
        drop(batch);
    });
}
