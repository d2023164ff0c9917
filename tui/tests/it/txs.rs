//! Transactions through real processes, per engine: `devnet load` for 10 s
//! against a headless devnet accounts for every transfer, and afterwards
//! every node holds the same final balances; malformed transfers sent with
//! the stock generated gRPC client get a clear status and change nothing.

use crate::cli::wait_for;
use crate::procs::wait_none_left;
use devnet_proto::v1 as pb;
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn devnet() -> Command {
    Command::new(env!("CARGO_BIN_EXE_devnet"))
}

/// A fast 4-node devnet of `engine` in `dir`, named `tx-<engine>`.
fn config(dir: &Path, engine: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{engine}.toml"));
    let table = match engine {
        "tendermint" => "[tendermint]\ntimeout_commit_ms = 50\n",
        "pow" => "[pow]\nk = 3\n",
        _ => "",
    };
    let text = format!(
        "name = \"tx-{engine}\"\nconsensus = \"{engine}\"\nnodes = 4\nslot_ms = 100\nepoch_slots = 4\n\
         genesis_delay_ms = 300\n{table}"
    );
    std::fs::write(&path, text).unwrap();
    path
}

struct Running {
    child: Child,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn up(dir: &Path, cfg: &Path) -> Running {
    let child = devnet()
        .args(["up", "--headless", "--for", "120s", "--fresh", "--config"])
        .arg(cfg)
        .arg("--data-dir")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let running = Running { child };
    // Up means every node runs and has finalized something (so it serves gRPC and has passed genesis).
    let ready = || {
        status(dir, cfg).is_some_and(|s| {
            s["nodes"].as_array().is_some_and(|ns| {
                ns.len() == 4 && ns.iter().all(|n| n["state"] == "running" && n["finalized_height"].as_u64() >= Some(1))
            })
        })
    };
    assert!(wait_for(Duration::from_secs(60), ready), "the devnet never had every node finalizing");
    running
}

fn status(dir: &Path, cfg: &Path) -> Option<Value> {
    let out = devnet().args(["status", "--json", "--config"]).arg(cfg).arg("--data-dir").arg(dir).output().ok()?;
    serde_json::from_slice(&out.stdout).ok()
}

/// Account `a`'s final (balance, nonce) as node `node` reports it.
fn account(dir: &Path, cfg: &Path, node: &str, a: u32) -> Option<(u64, u64)> {
    let out = devnet()
        .args(["tx", "account", &a.to_string(), "--json", "--node", node, "--config"])
        .arg(cfg)
        .arg("--data-dir")
        .arg(dir)
        .output()
        .ok()?;
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    Some((v["account"]["balance"].as_u64()?, v["account"]["nonce"].as_u64()?))
}

fn load_accounts_for_every_transfer_and_nodes_agree(engine: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), engine);
    let running = up(tmp.path(), &cfg);
    let out = devnet()
        .args(["load", "--rate", "100", "--for", "10s", "--accounts", "20", "--json", "--config"])
        .arg(&cfg)
        .arg("--data-dir")
        .arg(tmp.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "load: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_str(stdout.lines().last().unwrap()).expect("a JSON report");
    let n = |k: &str| report[k].as_u64().unwrap_or_else(|| panic!("{k} missing in {report}"));
    assert!(n("submitted") >= 900, "{report}");
    let ends =
        ["final", "expired", "rejected", "rejected_after_admission", "pending_at_end", "included_not_final", "lost"];
    assert_eq!(n("submitted"), ends.iter().map(|k| n(k)).sum::<u64>(), "every transfer is accounted for: {report}");
    assert_eq!(n("lost"), 0, "{report}");
    assert!(n("final") * 10 >= n("submitted") * 9, "most transfers are final after the drain: {report}");
    // Every node's final state agrees (once each has finalized the same height).
    let agree = wait_for(Duration::from_secs(30), || {
        (0..20).all(|a| {
            let seen: Vec<_> = ["n0", "n1", "n2", "n3"].iter().map(|node| account(tmp.path(), &cfg, node, a)).collect();
            seen.iter().all(|s| s.is_some() && *s == seen[0])
        })
    });
    drop(running);
    assert!(agree, "nodes disagree on final balances");
    assert!(wait_none_left(tmp.path(), Duration::from_secs(10)).is_empty());
}

#[test]
fn tendermint_load_is_accounted_for_and_balances_agree() {
    load_accounts_for_every_transfer_and_nodes_agree("tendermint");
}

#[test]
fn gasper_load_is_accounted_for_and_balances_agree() {
    load_accounts_for_every_transfer_and_nodes_agree("gasper");
}

#[test]
fn pow_load_is_accounted_for_and_balances_agree() {
    load_accounts_for_every_transfer_and_nodes_agree("pow");
}

#[test]
fn malformed_transfers_get_a_clear_status_and_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), "tendermint");
    let running = up(tmp.path(), &cfg);
    let nodes: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("tx-tendermint/nodes.json")).unwrap()).unwrap();
    let addr = format!("http://{}", nodes["nodes"][0]["addr"].as_str().unwrap());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let mut c = pb::transactions_client::TransactionsClient::connect(addr).await.unwrap();
        let info = c.ledger_info(pb::LedgerInfoRequest {}).await.unwrap().into_inner();
        let chain = devnet_node::chain::Hash32::from_slice(&info.chain_id).unwrap();
        let sign = |from: u32, to: u32, amount: u64, nonce: u64| {
            let key = devnet_node::ledger::accounts::account_key(&chain, from);
            let t = devnet_node::ledger::Transfer::sign(&chain, &key, from, to, amount, nonce);
            pb::Transfer { from, to, amount, nonce, signature: t.signature.0.to_vec() }
        };
        let before = c.get_account(pb::GetAccountRequest { account: 3 }).await.unwrap().into_inner();
        let mut forged = sign(3, 4, 10, 0);
        forged.signature[5] ^= 1;
        let cases = [
            (forged, tonic::Code::InvalidArgument, "bad signature"),
            (sign(3, 4, 10, 7_000), tonic::Code::FailedPrecondition, "too far ahead"),
            (sign(3, 4, info.genesis_balance + 1, 0), tonic::Code::FailedPrecondition, "cannot send"),
            (sign(3, 1_000_000, 1, 0), tonic::Code::InvalidArgument, "does not exist"),
            (pb::Transfer { signature: vec![1, 2, 3], ..sign(3, 4, 1, 0) }, tonic::Code::InvalidArgument, "64 bytes"),
            (pb::Transfer { signature: vec![0; 200_000], ..sign(3, 4, 1, 0) }, tonic::Code::OutOfRange, ""),
        ];
        for (t, code, words) in cases {
            let e = c.submit_transaction(t).await.expect_err("refused");
            // An oversized message is refused by the decode limit (tonic says OutOfRange or ResourceExhausted).
            let oversized =
                words.is_empty() && matches!(e.code(), tonic::Code::OutOfRange | tonic::Code::ResourceExhausted);
            assert!(oversized || (e.code() == code && e.message().contains(words)), "{code:?} {words}: got {e:?}");
        }
        let mut garbage = pb::transactions_client::TransactionsClient::connect(format!(
            "http://{}",
            nodes["nodes"][1]["addr"].as_str().unwrap()
        ))
        .await
        .unwrap();
        let e = garbage.get_transaction(pb::GetTransactionRequest { id: vec![9; 5] }).await.expect_err("refused");
        assert_eq!(e.code(), tonic::Code::InvalidArgument, "{e:?}");
        let after = c.get_account(pb::GetAccountRequest { account: 3 }).await.unwrap().into_inner();
        assert_eq!((before.balance, before.nonce, before.next_nonce), (after.balance, after.nonce, after.next_nonce));
        // A batch: each transfer answered alone, in order.
        let mut forged = sign(6, 7, 1, 0);
        forged.signature[0] ^= 1;
        let batch = vec![sign(5, 6, 1, 0), forged, pb::Transfer { signature: vec![7; 3], ..sign(5, 6, 1, 1) }];
        let r = c.submit_transactions(pb::SubmitTransactionsRequest { transfers: batch }).await.unwrap().into_inner();
        let got: Vec<(bool, i32, &str)> =
            r.results.iter().map(|x| (x.id.len() == 32, x.code, x.reason.as_str())).collect();
        let invalid = tonic::Code::InvalidArgument as i32;
        assert_eq!(got, vec![(true, 0, ""), (false, invalid, "bad-signature"), (false, invalid, "malformed")]);
        // The node still takes a good transfer and the cluster still commits.
        let id = c.submit_transaction(sign(3, 4, 10, 0)).await.unwrap().into_inner().id;
        let mut state = 0;
        for _ in 0..200 {
            state = c.get_transaction(pb::GetTransactionRequest { id: id.clone() }).await.unwrap().into_inner().state;
            if state == pb::TxState::Final as i32 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(state, pb::TxState::Final as i32);
    });
    drop(running);
}

/// `GET /metrics` over plain HTTP/1.1, as Prometheus scrapes: the body.
fn scrape(target: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(target).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(s, "GET /metrics HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{target}: {out}");
    out
}

#[test]
fn every_target_in_targets_json_serves_prometheus_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), "tendermint");
    let running = up(tmp.path(), &cfg);
    let targets: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("tx-tendermint/targets.json")).unwrap()).unwrap();
    let groups = targets.as_array().expect("file_sd: a list of target groups");
    assert_eq!(groups.len(), 5, "four nodes and devnet: {targets}");
    for g in groups {
        let target = g["targets"][0].as_str().unwrap();
        let body = scrape(target);
        if g["labels"]["job"] == "devnet" {
            assert!(body.contains("devnet_cluster_nodes_running 4"), "{body}");
        } else {
            assert!(g["labels"]["node"].as_str().is_some_and(|n| n.starts_with('n')), "{g}");
            // Counters are exported once a second: the first scrape may come before.
            let names =
                ["devnet_height", "devnet_finalized_height", "devnet_p2p_messages_sent_total", "devnet_mempool_txs"];
            let mut body = body;
            wait_for(Duration::from_secs(5), || {
                body = scrape(target);
                names.iter().all(|n| body.contains(n))
            });
            for name in names {
                assert!(body.contains(name), "{target} lacks {name}:\n{body}");
            }
        }
    }
    drop(running);
}
