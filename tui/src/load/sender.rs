//! One task per transfer: sign it (ed25519, ~20 µs, off the pacing loop),
//! register it with the tracker, submit it, record the reply. A refusal
//! that left the nonce unused gives it back to the sender's book.

use super::plan::{Leg, NonceBook};
use super::tracker::{Reply, Tracker};
use crate::node_client::refusal;
use devnet_node::chain::{Hash32, SecretKey};
use devnet_node::ledger::Transfer;
use devnet_proto::v1 as pb;
use pb::transactions_client::TransactionsClient;
use std::sync::{Arc, Mutex};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;
use tonic::transport::Channel;

/// What every sender task shares.
pub struct Senders {
    pub chain: Hash32,
    /// Account i's key at index i.
    pub keys: Vec<SecretKey>,
    /// One client per target node, in the node list's order.
    pub clients: Vec<TransactionsClient<Channel>>,
    pub nonces: Mutex<NonceBook>,
    pub tracker: Arc<Mutex<Tracker>>,
}

/// Sends `leg` with `nonce`; `permit` is this transfer's place under the in-flight bound.
pub fn spawn(s: Arc<Senders>, leg: Leg, nonce: u64, permit: OwnedSemaphorePermit) {
    tokio::spawn(async move {
        let t = Transfer::sign(&s.chain, &s.keys[leg.from as usize], leg.from, leg.to, 1, nonce);
        let id = t.id();
        let mut client = s.clients[leg.node].clone();
        super::lock(&s.tracker).sent(id, leg.node, Instant::now());
        let msg = pb::Transfer { from: leg.from, to: leg.to, amount: 1, nonce, signature: t.signature.0.to_vec() };
        let (reply, give_back) = match client.submit_transaction(msg).await {
            Ok(_) => (Reply::Admitted, false),
            Err(status) => {
                let r = refusal(&status);
                let unused = r.nonce_unused;
                (Reply::Refused(r), unused)
            }
        };
        // The reply first: a nonce given back may be re-signed into the same id at once.
        super::lock(&s.tracker).replied(&id, reply);
        if give_back {
            s.nonces.lock().unwrap_or_else(|e| e.into_inner()).give_back(leg.from, nonce);
        }
        drop(permit);
    });
}
