//! `devnet init [PATH]`: writes a commented `devnet.toml` to start from.
//!
//! Rules: every key appears with its default value and a one-line comment;
//! the engine tables (`[tendermint]`, `[pow]`) are commented out, since each
//! is only valid under its own `consensus`. The values are formatted from the
//! same defaults `config` applies, so the file parses back to exactly the
//! built-in defaults (tested). An existing file is never overwritten without
//! `--force`.

use crate::config::{DEFAULT_STAKE, DevnetConfig};
use anyhow::{Context, bail};
use devnet_node::chain::spec::{LedgerParams, PowParams, TendermintParams};
use std::path::Path;

/// The commented file, for a cluster of the built-in defaults.
pub fn template() -> String {
    let d = DevnetConfig::defaults_as(None).unwrap_or_else(|e| unreachable!("the defaults are valid: {e}"));
    let l = LedgerParams::default();
    let t = TendermintParams::from_slot(d.slot_ms);
    let p = PowParams::from_slot(d.slot_ms);
    let shares = crate::config::equal_shares(d.nodes);
    let list = |v: &[String]| format!("[{}]", v.join(", "));
    let stake = list(&vec![DEFAULT_STAKE.to_string(); d.nodes]);
    let hashrate = list(&shares.iter().map(u32::to_string).collect::<Vec<_>>());
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

# Only with consensus = "tendermint" (defaults derive from slot_ms):
# [tendermint]
# Round 0's wait for a proposal, ms.
# timeout_propose_ms = {propose}
# Wait after 2/3 of prevotes for anything, ms.
# timeout_prevote_ms = {prevote}
# Wait after 2/3 of precommits for anything, ms.
# timeout_precommit_ms = {precommit}
# Added to each timeout per round, ms.
# timeout_delta_ms = {delta}
# Pause after a commit before the next height, ms (0: at once).
# timeout_commit_ms = {commit}

# Only with consensus = "pow" (defaults derive from slot_ms):
# [pow]
# Target block interval of the whole cluster, ms.
# block_ms = {block_ms}
# Confirmations after which a block counts as final.
# k = {k}
# "longest" (most blocks), "heaviest" (most work) or "ghost" (heaviest subtree).
# fork_choice = "{fork_choice}"
# Percent of the cluster's hashrate per node, adding up to 100.
# hashrate = {hashrate}
# Blocks per difficulty retarget.
# retarget_window = {retarget_window}
# Leading zero bits of the sha256 puzzle per block.
# puzzle_bits = {puzzle_bits}

# Only with backend = "local", as root: node i runs in network namespace names[i]
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
        propose = t.timeout_propose_ms,
        prevote = t.timeout_prevote_ms,
        precommit = t.timeout_precommit_ms,
        delta = t.timeout_delta_ms,
        commit = t.timeout_commit_ms,
        block_ms = p.block_ms,
        k = p.k,
        fork_choice = p.fork_choice.as_str(),
        retarget_window = p.retarget_window,
        puzzle_bits = p.puzzle_bits,
    )
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
        for engine in ["tendermint", "pow"] {
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
            want.tendermint = (engine == "tendermint").then(|| TendermintParams::from_slot(want.slot_ms));
            want.pow = (engine == "pow").then(|| {
                let mut p = PowParams::from_slot(want.slot_ms);
                p.hashrate = crate::config::equal_shares(want.nodes);
                p
            });
            assert_eq!(got, want, "{engine}");
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
