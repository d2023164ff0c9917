//! `devnet tx`: the genesis test accounts and single transfers, from the
//! command line. Every subcommand asks one node (`--node`, default n0) over
//! its Transactions service; `transfer` signs with the sender's test key,
//! derived from genesis.json's seed (ledger T1), so it needs no key files.
//!
//! Exit codes: 0 done (for `transfer`: final); 1 the transfer was admitted
//! but rejected, expired or not final within `--timeout`, or the node's pool
//! was full or unreachable (try again); 2 the request cannot succeed as
//! given (unknown node or account, bad id, a nonce or overdraft refusal).

use crate::node_client::{ClusterFiles, code_name, state_word, transactions};
use devnet_node::chain::Hash32;
use devnet_node::ledger::Transfer;
use devnet_node::ledger::accounts::account_key;
use devnet_proto::v1 as pb;
use pb::transactions_client::TransactionsClient;
use serde_json::json;
use std::path::Path;
use std::time::Duration;
use tokio::time::Instant;
use tonic::transport::Channel;

/// How often `transfer` asks whether its transfer is final.
const POLL: Duration = Duration::from_millis(50);

pub enum TxRequest {
    Accounts { limit: u32 },
    Transfer { from: u32, to: u32, amount: u64, nonce: Option<u64>, wait: Option<Duration> },
    Status { id: String },
    Account { account: u32 },
}

/// Runs one `devnet tx` subcommand against node `node` of the cluster in `dir`.
pub async fn run(dir: &Path, node: &str, json: bool, req: TxRequest) -> anyhow::Result<i32> {
    let files = ClusterFiles::read(dir)?;
    let entry = match files.node(node) {
        Ok(e) => e,
        Err(msg) => return Ok(fail(2, &msg)),
    };
    let mut client = transactions(entry).await?;
    match req {
        TxRequest::Accounts { limit } => accounts(&mut client, node, limit, json).await,
        TxRequest::Account { account } => match client.get_account(pb::GetAccountRequest { account }).await {
            Ok(a) => {
                let a = a.into_inner();
                if json {
                    println!("{}", json!({"type": "account", "node": node, "account": account_json(&a)}));
                } else {
                    println!("{}", account_text(&a));
                }
                Ok(0)
            }
            Err(s) => Ok(refused(&s)),
        },
        TxRequest::Status { id } => {
            let Some(id) = parse_id(&id) else {
                return Ok(fail(2, &format!("{id:?} is not a transfer id (64 hex digits)")));
            };
            match client.get_transaction(pb::GetTransactionRequest { id: id.0.to_vec() }).await {
                Ok(s) => {
                    let s = s.into_inner();
                    if json {
                        println!(
                            "{}",
                            json!({"type": "tx", "id": id.to_hex(), "node": node, "status": status_json(&s)})
                        );
                    } else {
                        println!("{} on {node}: {}", id.to_hex(), status_text(&s));
                    }
                    Ok(0)
                }
                Err(s) => Ok(refused(&s)),
            }
        }
        TxRequest::Transfer { from, to, amount, nonce, wait } => {
            let chain = files.chain_id();
            let info = match client.ledger_info(pb::LedgerInfoRequest {}).await {
                Ok(i) => i.into_inner(),
                Err(s) => return Ok(refused(&s)),
            };
            if info.chain_id != chain.0 {
                let msg = format!(
                    "{} describes another chain than {node} runs (chain id {} there, {} here); wrong --data-dir or --name?",
                    files.root.join("genesis.json").display(),
                    hex::encode(&info.chain_id),
                    chain.to_hex()
                );
                return Ok(fail(2, &msg));
            }
            let nonce = match nonce {
                Some(n) => n,
                None => match client.get_account(pb::GetAccountRequest { account: from }).await {
                    Ok(a) => a.into_inner().next_nonce,
                    Err(s) => return Ok(refused(&s)),
                },
            };
            let t = Transfer::sign(&chain, &account_key(&chain, from), from, to, amount, nonce);
            let sent = Instant::now();
            let submitted = client
                .submit_transaction(pb::Transfer { from, to, amount, nonce, signature: t.signature.0.to_vec() })
                .await;
            let id = match submitted {
                Ok(r) => Hash32::from_slice(&r.into_inner().id).unwrap_or_else(|| t.id()),
                Err(s) => return Ok(refused(&s)),
            };
            if !json {
                println!("sent {amount} from account {from} to {to} (nonce {nonce}) to {node}: id {}", id.to_hex());
            }
            let head = json!({"type": "transfer", "id": id.to_hex(), "node": node,
                "from": from, "to": to, "amount": amount, "nonce": nonce});
            match wait {
                None => {
                    if json {
                        println!("{}", merge(head, json!({"state": "submitted"})));
                    }
                    Ok(0)
                }
                Some(timeout) => follow(&mut client, id, sent, timeout, json, head).await,
            }
        }
    }
}

/// Polls the transfer every `POLL` until it is final, rejected or expired, or `timeout` passes.
async fn follow(
    client: &mut TransactionsClient<Channel>,
    id: Hash32,
    sent: Instant,
    timeout: Duration,
    json: bool,
    head: serde_json::Value,
) -> anyhow::Result<i32> {
    let ms = |d: Duration| d.as_micros() as f64 / 1000.0;
    let mut included_ms = None;
    let mut last;
    let mut poll = tokio::time::interval(POLL);
    loop {
        poll.tick().await;
        let elapsed = sent.elapsed();
        match client.get_transaction(pb::GetTransactionRequest { id: id.0.to_vec() }).await {
            // A node that restarts or stalls for a moment may answer the next poll.
            Err(e) => last = format!("no answer ({}: {})", code_name(e.code()), e.message()),
            Ok(s) => {
                let s = s.into_inner();
                last = state_word(s.state).to_string();
                let state = pb::TxState::try_from(s.state).unwrap_or(pb::TxState::Unknown);
                if matches!(state, pb::TxState::Included | pb::TxState::Final) && included_ms.is_none() {
                    included_ms = Some(ms(elapsed));
                    if !json {
                        println!("included at height {} after {:.0} ms", s.height, ms(elapsed));
                    }
                }
                match state {
                    pb::TxState::Final => {
                        if json {
                            let tail = json!({"state": "final", "height": s.height, "block": hex::encode(&s.block),
                                "included_ms": included_ms, "final_ms": ms(elapsed)});
                            println!("{}", merge(head, tail));
                        } else {
                            println!("final at height {} after {:.0} ms", s.height, ms(elapsed));
                        }
                        return Ok(0);
                    }
                    pb::TxState::Expired | pb::TxState::Rejected => {
                        if json {
                            println!("{}", merge(head, json!({"state": last, "reason": s.reason})));
                        } else {
                            println!("{}", status_text(&s));
                        }
                        return Ok(1);
                    }
                    _ => {}
                }
            }
        }
        if elapsed >= timeout {
            if json {
                println!("{}", merge(head, json!({"state": last, "timeout": true, "included_ms": included_ms})));
            }
            return Ok(fail(1, &format!("not final after {:.1} s: {last}", timeout.as_secs_f64())));
        }
    }
}

async fn accounts(client: &mut TransactionsClient<Channel>, node: &str, limit: u32, json: bool) -> anyhow::Result<i32> {
    let info = match client.ledger_info(pb::LedgerInfoRequest {}).await {
        Ok(i) => i.into_inner(),
        Err(s) => return Ok(refused(&s)),
    };
    let shown = limit.min(info.accounts);
    let mut list = Vec::with_capacity(shown as usize);
    for account in 0..shown {
        match client.get_account(pb::GetAccountRequest { account }).await {
            Ok(a) => list.push(a.into_inner()),
            Err(s) => return Ok(refused(&s)),
        }
    }
    let more = info.accounts - shown;
    if json {
        let v = json!({"type": "accounts", "node": node, "engine": info.engine,
            "chain_id": hex::encode(&info.chain_id), "count": info.accounts,
            "genesis_balance": info.genesis_balance, "max_block_txs": info.max_block_txs,
            "accounts": list.iter().map(account_json).collect::<Vec<_>>(), "more": more});
        println!("{v}");
        return Ok(0);
    }
    println!(
        "chain {} ({}, asked {node}): {} accounts, {} each at genesis, at most {} transfers a block",
        hex::encode(&info.chain_id),
        info.engine,
        info.accounts,
        info.genesis_balance,
        info.max_block_txs
    );
    println!("{:>7}  {:>20}  {:>8}  public key", "account", "balance", "nonce");
    for a in &list {
        let pending = if a.pending_balance != a.balance || a.next_nonce != a.nonce {
            format!("  (pending: balance {}, next nonce {})", a.pending_balance, a.next_nonce)
        } else {
            String::new()
        };
        println!("{:>7}  {:>20}  {:>8}  {}{pending}", a.index, a.balance, a.nonce, hex::encode(&a.public_key));
    }
    if more > 0 {
        println!("… {more} more (--limit N shows more)");
    }
    Ok(0)
}

fn account_json(a: &pb::Account) -> serde_json::Value {
    json!({"index": a.index, "public_key": hex::encode(&a.public_key), "balance": a.balance, "nonce": a.nonce,
        "pending_balance": a.pending_balance, "next_nonce": a.next_nonce})
}

fn account_text(a: &pb::Account) -> String {
    format!(
        "account {}: balance {}, nonce {} (final); with pending transfers: balance {}, next nonce {}\npublic key {}",
        a.index,
        a.balance,
        a.nonce,
        a.pending_balance,
        a.next_nonce,
        hex::encode(&a.public_key)
    )
}

fn status_json(s: &pb::TransactionStatus) -> serde_json::Value {
    let mut v = json!({"state": state_word(s.state)});
    if !s.block.is_empty() {
        v["height"] = json!(s.height);
        v["block"] = json!(hex::encode(&s.block));
    }
    if !s.reason.is_empty() {
        v["reason"] = json!(s.reason);
    }
    v
}

fn status_text(s: &pb::TransactionStatus) -> String {
    match pb::TxState::try_from(s.state).unwrap_or(pb::TxState::Unknown) {
        pb::TxState::Included | pb::TxState::Final => {
            format!("{} at height {} in block {}", state_word(s.state), s.height, hex::encode(&s.block))
        }
        pb::TxState::Rejected => format!("rejected: {}", s.reason),
        pb::TxState::Expired => "expired: not included within the ledger's tx_ttl_ms".to_string(),
        pb::TxState::Pending => "pending in the mempool".to_string(),
        pb::TxState::Unknown => "unknown to this node (never seen, or older than its index keeps)".to_string(),
    }
}

fn parse_id(s: &str) -> Option<Hash32> {
    hex::decode(s.trim().trim_start_matches("0x")).ok().and_then(|b| Hash32::from_slice(&b))
}

fn merge(mut a: serde_json::Value, b: serde_json::Value) -> serde_json::Value {
    if let (Some(a), serde_json::Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

fn fail(code: i32, msg: &str) -> i32 {
    eprintln!("devnet tx: {msg}");
    code
}

/// A node's refusal: its message, and an exit code saying whether trying
/// again could help (1) or the request is wrong as given (2).
fn refused(s: &tonic::Status) -> i32 {
    use tonic::Code;
    let code = match s.code() {
        Code::ResourceExhausted | Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled | Code::Unknown => 1,
        _ => 2,
    };
    let msg = if code == 1 && s.code() != Code::ResourceExhausted {
        format!("{} ({}); is the node up?", s.message(), code_name(s.code()))
    } else {
        s.message().to_string()
    };
    fail(code, &msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_from_hex() {
        let id = Hash32([0xab; 32]);
        assert_eq!(parse_id(&id.to_hex()), Some(id));
        assert_eq!(parse_id(&format!("0x{}", id.to_hex())), Some(id));
        assert_eq!(parse_id("abcd"), None);
        assert_eq!(parse_id("zz"), None);
    }

    #[test]
    fn statuses_read_plainly() {
        let s = pb::TransactionStatus {
            state: pb::TxState::Final as i32,
            height: 7,
            block: vec![1; 32],
            reason: String::new(),
        };
        assert_eq!(status_text(&s), format!("final at height 7 in block {}", "01".repeat(32)));
        assert_eq!(status_json(&s)["height"], 7);
        let r = pb::TransactionStatus { state: pb::TxState::Rejected as i32, reason: "x".into(), ..Default::default() };
        assert_eq!(status_text(&r), "rejected: x");
        assert!(status_json(&r).get("height").is_none());
    }
}
