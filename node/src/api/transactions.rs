//! The Transactions service: a client's transfers into the mempool, and
//! what became of them. `SubmitTransaction`, `GetTransaction` and
//! `GetAccount` go to the runtime, which owns the engine; `LedgerInfo` is
//! the spec's. Refusals are gRPC status codes whose message says what was
//! wrong (see node.proto).

use crate::chain::{ChainSpec, Hash32, Signature};
use crate::ledger::{AccountView, Transfer, TxError, TxId, TxStatus};
use devnet_proto::v1 as pb;
use tokio::sync::{mpsc, oneshot};
use tonic::{Request, Response, Status};

/// Most transfers one `SubmitTransactions` call may carry.
pub const MAX_BATCH: usize = 1024;

pub enum TxRequest {
    Submit(Vec<u8>, oneshot::Sender<Result<TxId, TxError>>),
    SubmitBatch(Vec<Vec<u8>>, oneshot::Sender<Vec<Result<TxId, TxError>>>),
    Status(TxId, oneshot::Sender<TxStatus>),
    Account(u32, oneshot::Sender<Option<AccountView>>),
}

pub struct TransactionsService {
    pub spec: ChainSpec,
    pub requests: mpsc::Sender<TxRequest>,
}

/// The status code a refusal travels as, with the reason as a stable word
/// in the `devnet-reason` metadata (`TxError::reason`: `nonce-too-low`,
/// `full`, ...), so clients need not parse the message.
pub fn status_of(e: &TxError) -> Status {
    let mut s = status_code_of(e);
    s.metadata_mut().insert("devnet-reason", tonic::metadata::MetadataValue::from_static(e.reason()));
    s
}

fn status_code_of(e: &TxError) -> Status {
    let msg = e.to_string();
    match e {
        TxError::Malformed(_) | TxError::BadSignature(_) | TxError::UnknownAccount(_) | TxError::ZeroAmount => {
            Status::invalid_argument(msg)
        }
        TxError::NonceTooLow { .. } | TxError::NonceTooHigh { .. } | TxError::Overdraft { .. } => {
            Status::failed_precondition(msg)
        }
        TxError::Duplicate | TxError::NonceTaken { .. } => Status::already_exists(msg),
        TxError::Full(_) => Status::resource_exhausted(msg),
        TxError::NotStarted => Status::unavailable(msg),
    }
}

/// The canonical bytes of a protobuf transfer (ledger T2).
pub fn canonical(t: &pb::Transfer) -> Result<Vec<u8>, Status> {
    let signature = <[u8; 64]>::try_from(t.signature.as_slice())
        .map_err(|_| Status::invalid_argument(format!("signature must be 64 bytes, not {}", t.signature.len())))?;
    let t = Transfer { from: t.from, to: t.to, amount: t.amount, nonce: t.nonce, signature: Signature(signature) };
    Ok(t.encode())
}

pub fn tx_status(s: &TxStatus) -> pb::TransactionStatus {
    use pb::TxState;
    let mut out = pb::TransactionStatus::default();
    let state = match s {
        TxStatus::Unknown => TxState::Unknown,
        TxStatus::Pending => TxState::Pending,
        TxStatus::Included { height, block, final_ } => {
            out.height = *height;
            out.block = block.0.to_vec();
            if *final_ { TxState::Final } else { TxState::Included }
        }
        TxStatus::Expired => TxState::Expired,
        TxStatus::Rejected(r) => {
            out.reason = r.clone();
            TxState::Rejected
        }
    };
    out.state = state as i32;
    out
}

impl TransactionsService {
    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> TxRequest) -> Result<T, Status> {
        let (tx, rx) = oneshot::channel();
        let gone = || Status::unavailable("node shutting down");
        self.requests.send(make(tx)).await.map_err(|_| gone())?;
        rx.await.map_err(|_| gone())
    }
}

#[tonic::async_trait]
impl pb::transactions_server::Transactions for TransactionsService {
    async fn submit_transaction(
        &self,
        req: Request<pb::Transfer>,
    ) -> Result<Response<pb::SubmitTransactionReply>, Status> {
        let bytes = canonical(req.get_ref())?;
        match self.ask(|tx| TxRequest::Submit(bytes, tx)).await? {
            Ok(id) => Ok(Response::new(pb::SubmitTransactionReply { id: id.0.to_vec() })),
            Err(e) => Err(status_of(&e)),
        }
    }

    async fn submit_transactions(
        &self,
        req: Request<pb::SubmitTransactionsRequest>,
    ) -> Result<Response<pb::SubmitTransactionsReply>, Status> {
        let transfers = &req.get_ref().transfers;
        if transfers.len() > MAX_BATCH {
            return Err(Status::invalid_argument(format!(
                "{} transfers in one call, more than {MAX_BATCH}",
                transfers.len()
            )));
        }
        // A transfer whose signature is not 64 bytes is refused alone; the others go on.
        let mut results: Vec<Option<pb::SubmitResult>> = Vec::with_capacity(transfers.len());
        let mut bytes = Vec::with_capacity(transfers.len());
        for t in transfers {
            match canonical(t) {
                Ok(b) => {
                    results.push(None);
                    bytes.push(b);
                }
                Err(s) => results.push(Some(pb::SubmitResult {
                    code: s.code() as i32,
                    message: s.message().to_string(),
                    reason: "malformed".into(),
                    ..Default::default()
                })),
            }
        }
        let mut answers = self.ask(|tx| TxRequest::SubmitBatch(bytes, tx)).await?.into_iter();
        let results = results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| match answers.next() {
                    Some(Ok(id)) => pb::SubmitResult { id: id.0.to_vec(), ..Default::default() },
                    Some(Err(e)) => {
                        let s = status_code_of(&e);
                        pb::SubmitResult {
                            code: s.code() as i32,
                            message: s.message().to_string(),
                            reason: e.reason().into(),
                            ..Default::default()
                        }
                    }
                    None => pb::SubmitResult {
                        code: tonic::Code::Internal as i32,
                        message: "no answer".into(),
                        reason: "other".into(),
                        ..Default::default()
                    },
                })
            })
            .collect();
        Ok(Response::new(pb::SubmitTransactionsReply { results }))
    }

    async fn get_transaction(
        &self,
        req: Request<pb::GetTransactionRequest>,
    ) -> Result<Response<pb::TransactionStatus>, Status> {
        let id = Hash32::from_slice(&req.get_ref().id)
            .ok_or_else(|| Status::invalid_argument(format!("id must be 32 bytes, not {}", req.get_ref().id.len())))?;
        let s = self.ask(|tx| TxRequest::Status(id, tx)).await?;
        Ok(Response::new(tx_status(&s)))
    }

    async fn get_account(&self, req: Request<pb::GetAccountRequest>) -> Result<Response<pb::Account>, Status> {
        let index = req.get_ref().account;
        let Some(a) = self.ask(|tx| TxRequest::Account(index, tx)).await? else {
            let n = self.spec.ledger().accounts;
            return Err(Status::not_found(format!("account {index} does not exist (accounts are 0..{n})")));
        };
        Ok(Response::new(pb::Account {
            index: a.index,
            public_key: a.public_key.to_vec(),
            balance: a.final_balance,
            nonce: a.final_nonce,
            pending_balance: a.pending_balance,
            next_nonce: a.next_nonce,
        }))
    }

    async fn ledger_info(&self, _: Request<pb::LedgerInfoRequest>) -> Result<Response<pb::LedgerInfoReply>, Status> {
        let l = self.spec.ledger();
        Ok(Response::new(pb::LedgerInfoReply {
            chain_id: self.spec.genesis_seed().0.to_vec(),
            accounts: l.accounts,
            genesis_balance: l.balance,
            max_block_txs: l.max_block_txs,
            engine: self.spec.consensus.clone(),
        }))
    }
}
