//! `devnet init [PATH]`: writes a commented `devnet.toml` to start from.
//!
//! Rules: every key appears with its default value and a one-line comment;
//! the engine tables (`[tendermint]`, `[pow]`, `[pbft]`, `[hotstuff]`: every
//! engine with parameters, in the registry's order) are commented out, since
//! each is only valid under its own `consensus`. Their keys, comments and
//! values come from the engine (`devnet_node::consensus::params`: its `DOCS`
//! and its defaults for the built-in cluster), so a new engine's table
//! appears here without this file changing. The values are those `config`
//! applies, so the file parses back to exactly the built-in defaults, and
//! each table uncommented under its engine changes nothing (tested). An
//! existing file is never overwritten without `--force`.

use crate::config::{DEFAULT_STAKE, DevnetConfig};
use anyhow::{Context, bail};
use devnet_node::chain::spec::LedgerParams;
use devnet_node::consensus::{ENGINES, params};
use std::path::Path;

/// The commented file, for a cluster of the built-in defaults.
pub fn template() -> String {
    let d = DevnetConfig::defaults_as(None).unwrap_or_else(|e| unreachable!("the defaults are valid: {e}"));
    let l = LedgerParams::default();
    let list = |v: &[String]| format!("[{}]", v.join(", "));
    let stake = list(&vec![DEFAULT_STAKE.to_string(); d.nodes]);
    let engine_tables: String = ENGINES.iter().filter_map(|e| engine_table(e, d.slot_ms, d.nodes)).collect();
    format!(
        r#"# devnet.toml: the cluster `devnet up` starts. Every key is optional and shown
# here with its default; README.md ("devnet.toml") has their ranges.

# Cluster name: names the cluster directory (<data-dir>/<name>) and is part of the genesis.
name = "{name}"
# Engine: {engines}.
consensus = "{consensus}"
# Node processes n0.., 1 to 64; node i runs validator i.
nodes = {nodes}
# Slot length in ms (tendermint: the intended block time; pow: the default block interval).
slot_ms = {slot_ms}
# Slots per epoch (gasper's checkpoints).
epoch_slots = {epoch_slots}
# One stake per node.
stake = {stake}
# 0 picks free loopback ports at every start; else node i listens on base_port + i.
base_port = {base_port}
# Time from creating a new cluster to slot 0, in ms.
genesis_delay_ms = {genesis_delay_ms}
# What runs the nodes: "local" (processes on loopback), "docker" (a container each) or
# "kubernetes" (a StatefulSet each, in a namespace of the cluster's own).
backend = "{backend}"
# Where devnet's control endpoint listens (status, inject, attach): TLS, the cluster token.
# 127.0.0.1 on a free port by default; "0.0.0.0:7700" lets `devnet attach` reach it from elsewhere.
control = "{control}"

[ledger]
# Test accounts funded at genesis (keys derived from the genesis seed).
accounts = {accounts}
# What each account holds at genesis.
balance = {balance}
# Most transfers one block carries.
max_block_txs = {max_block_txs}
# Most transfers one node's mempool holds.
mempool_txs = {mempool_txs}
# Most bytes of transfers one node's mempool holds.
mempool_bytes = {mempool_bytes}
# A pending transfer not included within this long (ms) expires.
tx_ttl_ms = {tx_ttl_ms}

{engine_tables}# Only with backend = "local", as root: node i runs in network namespace names[i]
# (made with `ip netns add`), reached at ips[i], an address it has there.
# [netns]
# names = ["dn0", "dn1", "dn2", "dn3"]
# ips = ["10.214.0.10", "10.214.0.11", "10.214.0.12", "10.214.0.13"]
"#,
        name = d.name,
        engines = crate::config::ENGINES.join(", "),
        consensus = d.consensus,
        nodes = d.nodes,
        slot_ms = d.slot_ms,
        epoch_slots = d.epoch_slots,
        base_port = d.base_port,
        genesis_delay_ms = d.genesis_delay_ms,
        backend = d.backend.as_str(),
        control = d.control,
        accounts = l.accounts,
        balance = l.balance,
        max_block_txs = l.max_block_txs,
        mempool_txs = l.mempool_txs,
        mempool_bytes = l.mempool_bytes,
        tx_ttl_ms = l.tx_ttl_ms,
    )
}

/// `engine`'s table, commented out: each key with the engine's line about
/// it and its default for `nodes` nodes at `slot_ms`; `None` for an engine
/// without parameters.
fn engine_table(engine: &str, slot_ms: u64, nodes: usize) -> Option<String> {
    let table = params::table(engine)?;
    let defaults = table.read(slot_ms, nodes, None).ok()?;
    let mut out =
        format!("# Only with consensus = \"{engine}\" (defaults derive from slot_ms and nodes):\n# [{engine}]\n");
    for (key, doc) in table.docs {
        let value = toml::Value::try_from(defaults.get(key)?).ok()?;
        out.push_str(&format!("# {doc}\n# {key} = {value}\n"));
    }
    out.push('\n');
    Some(out)
}

/// Writes the template to `path`; refuses an existing file unless `force`.
pub fn run(path: &Path, force: bool) -> anyhow::Result<i32> {
    if path.exists() && !force {
        bail!("{} already exists; pass --force to overwrite it", path.display());
    }
    std::fs::write(path, template()).with_context(|| format!("writing {}", path.display()))?;
    println!(
        "wrote {} (every key at its default); start it with `devnet up --config {}`",
        path.display(),
        path.display()
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn file() -> PathBuf {
        PathBuf::from("devnet.toml")
    }

    #[test]
    fn the_template_parses_back_to_the_defaults() {
        let cfg = DevnetConfig::parse(&template(), &file()).unwrap();
        assert_eq!(cfg, DevnetConfig::defaults_as(None).unwrap());
    }

    /// Uncommenting an engine's table under its engine changes nothing either:
    /// the commented values are that engine's defaults.
    #[test]
    fn the_commented_engine_tables_hold_their_defaults() {
        let with_tables: Vec<&str> = ENGINES.iter().copied().filter(|e| params::table(e).is_some()).collect();
        assert_eq!(with_tables, ["tendermint", "pow", "pbft", "hotstuff"]);
        for engine in with_tables {
            let text = template().replace("consensus = \"gasper\"", &format!("consensus = \"{engine}\""));
            let table = format!("# [{engine}]\n");
            let at = text.find(&table).unwrap();
            let end = text[at..].find("\n\n").map_or(text.len(), |e| at + e);
            let open: String = text[at..end]
                .lines()
                .map(|l| if l.contains(" = ") || l.starts_with("# [") { l.trim_start_matches("# ") } else { l })
                .collect::<Vec<_>>()
                .join("\n");
            let text = format!("{}{}{}", &text[..at], open, &text[end..]);
            assert!(text.contains(&format!("\n[{engine}]\n")), "{text}");
            let mut want = DevnetConfig::defaults_as(None).unwrap();
            let got = DevnetConfig::parse(&text, &file()).unwrap();
            want.consensus = engine.to_string();
            want.engine_params = params::read_table(engine, want.slot_ms, want.nodes, None).unwrap();
            assert_eq!(got, want, "{engine}");
            let keys = text[at..].split("\n\n").next().unwrap().lines().filter(|l| l.contains(" = ")).count();
            assert_eq!(keys, params::table(engine).unwrap().docs.len(), "{engine}: every key is in the file");
        }
    }

    /// The commented `[netns]` example is valid as written.
    #[test]
    fn the_commented_netns_example_parses() {
        let text = template();
        let at = text.find("# [netns]\n").unwrap();
        let open: String = text[at..].lines().map(|l| l.trim_start_matches("# ")).collect::<Vec<_>>().join("\n");
        let cfg = DevnetConfig::parse(&format!("{}{open}\n", &text[..at]), &file()).unwrap();
        let ns = cfg.netns.unwrap();
        assert_eq!(ns.names, ["dn0", "dn1", "dn2", "dn3"]);
        assert_eq!(ns.addrs(1).0.to_string(), "10.214.0.11:7000");
        assert_eq!(ns.addrs(5).0.to_string(), "10.214.0.11:7001", "a twin: its node's host, the next port");
    }

    #[test]
    fn an_existing_file_is_kept_without_force() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("devnet.toml");
        std::fs::write(&path, "name = \"mine\"\n").unwrap();
        let err = run(&path, false).unwrap_err().to_string();
        assert!(err.contains("already exists") && err.contains("--force"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "name = \"mine\"\n");
        assert_eq!(run(&path, true).unwrap(), 0);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), template());
    }
}
