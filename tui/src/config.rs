//! `devnet.toml`: parse and validate.
//!
//! Every key is optional except none; defaults are the default 4-node gasper
//! devnet. Errors name the file, the line and the key, and say what was
//! expected; unknown keys are errors too (a typo must not be silently ignored).

mod engine_tables;
mod netns;
pub use netns::Netns;

use crate::supervisor::BackendKind;
use devnet_node::chain::spec::LedgerParams;
use devnet_node::consensus::params::EngineParams;
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Engines `consensus` accepts (from the node crate, the one source of truth).
pub use devnet_node::consensus::ENGINES;

#[derive(Clone, Debug, PartialEq)]
pub struct DevnetConfig {
    pub name: String,
    pub consensus: String,
    pub nodes: usize,
    pub slot_ms: u64,
    pub epoch_slots: u64,
    /// One entry per validator (node i runs validator i).
    pub stake: Vec<u64>,
    /// 0: pick free loopback ports at each `up`; otherwise node i listens on base_port + i.
    pub base_port: u16,
    /// Time from `devnet up` to slot 0, so every node is listening when slot 0 starts.
    pub genesis_delay_ms: u64,
    /// The engine's parameters (`[tendermint]`, `[pow]`, ...), read and
    /// checked by the engine (`devnet_node::consensus::params`): every key
    /// filled in, as the chain spec carries them. `None` for an engine
    /// without parameters (gasper).
    pub engine_params: Option<serde_json::Value>,
    /// `[ledger]`: genesis accounts and transaction limits (every engine).
    pub ledger: LedgerParams,
    /// What runs the nodes: local processes, docker containers or
    /// kubernetes pods. Not a chain setting: a cluster may resume on another backend.
    pub backend: BackendKind,
    /// Where the orchestrator's control endpoint listens (`control`, or
    /// `devnet up --control`): 127.0.0.1 on a free port by default; another
    /// address lets `devnet attach` reach it from elsewhere.
    pub control: std::net::SocketAddr,
    /// `[netns]`: the local backend runs each node in a network namespace of its own.
    pub netns: Option<Netns>,
}

/// The control endpoint's default: loopback only, a free port.
pub const DEFAULT_CONTROL: std::net::SocketAddr =
    std::net::SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

pub const DEFAULT_STAKE: u64 = 32;

/// The "file" named in errors about the built-in defaults (`--engine` on no file).
pub const BUILT_IN: &str = "<built-in defaults>";

#[derive(Debug, PartialEq)]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file.display(), l, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The file as written, every key optional and remembering where it stood.
/// Scenario files embed one as their `[devnet]` table.
///
/// Unknown keys are not refused by serde (`deny_unknown_fields` cannot go
/// with `flatten`): they land in `tables`, where `engine_tables::check`
/// takes those named after an engine and refuses the rest.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct Raw {
    pub(crate) name: Option<Spanned<String>>,
    consensus: Option<Spanned<String>>,
    nodes: Option<Spanned<i64>>,
    slot_ms: Option<Spanned<i64>>,
    epoch_slots: Option<Spanned<i64>>,
    stake: Option<Spanned<Vec<i64>>>,
    base_port: Option<Spanned<i64>>,
    genesis_delay_ms: Option<Spanned<i64>>,
    backend: Option<Spanned<String>>,
    control: Option<Spanned<String>>,
    netns: Option<Spanned<netns::RawNetns>>,
    ledger: Option<Spanned<RawLedger>>,
    /// Engine tables, by engine name (`engine_tables`).
    #[serde(flatten)]
    tables: engine_tables::Tables,
}

/// `Raw`'s own keys, for the unknown-key error.
const RAW_KEYS: &[&str] = &[
    "name",
    "consensus",
    "nodes",
    "slot_ms",
    "epoch_slots",
    "stake",
    "base_port",
    "genesis_delay_ms",
    "backend",
    "control",
    "netns",
    "ledger",
];

/// `[ledger]`, each key optional.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLedger {
    accounts: Option<Spanned<i64>>,
    balance: Option<Spanned<i64>>,
    max_block_txs: Option<Spanned<i64>>,
    mempool_txs: Option<Spanned<i64>>,
    mempool_bytes: Option<Spanned<i64>>,
    tx_ttl_ms: Option<Spanned<i64>>,
}

impl RawLedger {
    fn over(self, base: RawLedger) -> RawLedger {
        RawLedger {
            accounts: self.accounts.or(base.accounts),
            balance: self.balance.or(base.balance),
            max_block_txs: self.max_block_txs.or(base.max_block_txs),
            mempool_txs: self.mempool_txs.or(base.mempool_txs),
            mempool_bytes: self.mempool_bytes.or(base.mempool_bytes),
            tx_ttl_ms: self.tx_ttl_ms.or(base.tx_ttl_ms),
        }
    }
}

/// Merges two optional tables (`[netns]`, `[ledger]`) key by key; the span is the overriding table's.
fn over_table<T>(top: Option<Spanned<T>>, base: Option<Spanned<T>>, merge: fn(T, T) -> T) -> Option<Spanned<T>> {
    match (top, base) {
        (Some(t), Some(b)) => {
            let span = t.span();
            Some(Spanned::new(span, merge(t.into_inner(), b.into_inner())))
        }
        (t, b) => t.or(b),
    }
}

impl Raw {
    /// `self`'s keys over `base`'s. A `nodes` override without `stake` drops
    /// the base's stakes (equal stakes for the new count), and likewise the
    /// base's per-node engine keys (pow's `hashrate`). Engine tables merge
    /// key by key; when `self` picks a different engine than `base`, the
    /// base's tables (written for its engine) are dropped.
    pub(crate) fn over(self, base: Raw) -> Raw {
        let stake = match (&self.stake, &self.nodes) {
            (Some(_), _) => self.stake,
            (None, Some(_)) => None,
            (None, None) => base.stake,
        };
        let engine_changed =
            self.consensus.as_ref().is_some_and(|c| Some(c.get_ref()) != base.consensus.as_ref().map(|b| b.get_ref()));
        let tables = engine_tables::merge(self.tables, base.tables, engine_changed, self.nodes.is_some());
        Raw {
            name: self.name.or(base.name),
            consensus: self.consensus.or(base.consensus),
            nodes: self.nodes.or(base.nodes),
            slot_ms: self.slot_ms.or(base.slot_ms),
            epoch_slots: self.epoch_slots.or(base.epoch_slots),
            stake,
            base_port: self.base_port.or(base.base_port),
            genesis_delay_ms: self.genesis_delay_ms.or(base.genesis_delay_ms),
            backend: self.backend.or(base.backend),
            control: self.control.or(base.control),
            netns: over_table(self.netns, base.netns, netns::RawNetns::over),
            ledger: over_table(self.ledger, base.ledger, RawLedger::over),
            tables,
        }
    }

    /// Runs these keys under another engine (`devnet compare`): sets
    /// `consensus` and drops the tables written for the other engines.
    pub(crate) fn with_engine(mut self, engine: &str) -> Raw {
        self.consensus = Some(Spanned::new(0..0, engine.to_string()));
        self.keep_tables_for(engine)
    }

    /// The engine these keys select (`gasper` when unset).
    pub(crate) fn engine(&self) -> String {
        self.consensus.as_ref().map_or_else(|| "gasper".to_string(), |c| c.get_ref().clone())
    }

    /// Drops the engine tables of engines other than `engine`.
    pub(crate) fn keep_tables_for(mut self, engine: &str) -> Raw {
        self.tables.retain(|name, _| name == engine || devnet_node::consensus::params::table(name).is_none());
        self
    }
}

/// A TOML syntax or type error as a `ConfigError` naming the line and key.
pub(crate) fn toml_error(e: &toml::de::Error, text: &str, file: &Path) -> ConfigError {
    let msg = friendly(e.message().trim());
    let msg = match e.span().and_then(|s| key_on_line(text, s.start)) {
        Some(key) if !msg.contains(&format!("`{key}`")) => format!("`{key}`: {msg}"),
        _ => msg,
    };
    ConfigError { file: file.to_path_buf(), line: e.span().map(|s| line_of(text, s.start)), message: msg }
}

/// serde's type names in words a config author knows.
fn friendly(msg: &str) -> String {
    msg.replace("expected i64", "expected an integer")
        .replace("expected a sequence", "expected a list like [32, 32]")
        .replace("expected a string", "expected a quoted string")
}

/// The `key` of a `key = value` line holding byte `offset`, if any.
fn key_on_line(text: &str, offset: usize) -> Option<String> {
    let start = text[..offset.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then(|| key.to_string())
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl DevnetConfig {
    pub fn load(path: &Path) -> Result<DevnetConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_path_buf(),
            line: None,
            message: format!("cannot read: {e}"),
        })?;
        Self::parse(&text, path)
    }

    /// As `load`, under `engine` instead of the file's `consensus` (`devnet up
    /// --engine pow`): the other engines' tables are dropped, and the cluster
    /// is named `<name>-<engine>` so it never resumes the file's own cluster.
    pub fn load_as(path: &Path, engine: Option<&str>) -> Result<DevnetConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_path_buf(),
            line: None,
            message: format!("cannot read: {e}"),
        })?;
        Self::parse_as(&text, path, engine)
    }

    /// The built-in defaults (an empty file), under `engine` as `load_as` does.
    pub fn defaults_as(engine: Option<&str>) -> Result<DevnetConfig, ConfigError> {
        Self::parse_as("", Path::new(BUILT_IN), engine)
    }

    /// As `parse`, under `engine` as `load_as` does; the file must be valid as written too.
    pub fn parse_as(text: &str, file: &Path, engine: Option<&str>) -> Result<DevnetConfig, ConfigError> {
        let raw: Raw = toml::from_str(text).map_err(|e| toml_error(&e, text, file))?;
        let own = Self::from_raw(&raw, text, file)?;
        let Some(engine) = engine.filter(|e| *e != raw.engine()) else {
            return Ok(own);
        };
        if !ENGINES.contains(&engine) {
            return Err(ConfigError {
                file: file.to_path_buf(),
                line: None,
                message: format!("--engine {engine:?}: expected one of {}", ENGINES.join(", ")),
            });
        }
        let mut cfg = Self::from_raw(&raw.with_engine(engine), text, file)?;
        cfg.name = format!("{}-{engine}", cfg.name);
        Ok(cfg)
    }

    pub fn parse(text: &str, file: &Path) -> Result<DevnetConfig, ConfigError> {
        let raw: Raw = toml::from_str(text).map_err(|e| toml_error(&e, text, file))?;
        Self::from_raw(&raw, text, file)
    }

    /// The raw keys of a valid config file (for scenarios to overlay).
    pub(crate) fn load_raw(path: &Path) -> Result<Raw, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_path_buf(),
            line: None,
            message: format!("cannot read: {e}"),
        })?;
        let raw: Raw = toml::from_str(&text).map_err(|e| toml_error(&e, &text, path))?;
        Self::from_raw(&raw, &text, path)?;
        Ok(raw)
    }

    /// Validates `raw`, whose spans point into `text` of `file`.
    pub(crate) fn from_raw(raw: &Raw, text: &str, file: &Path) -> Result<DevnetConfig, ConfigError> {
        let err = |span: Option<std::ops::Range<usize>>, message: String| ConfigError {
            file: file.to_path_buf(),
            line: span.map(|s| line_of(text, s.start)),
            message,
        };
        // An integer key within [lo, hi], or its default.
        let int = |v: &Option<Spanned<i64>>, key: &str, lo: i64, hi: i64, default: i64, unit: &str| match v {
            None => Ok(default),
            Some(s) if (lo..=hi).contains(s.get_ref()) => Ok(*s.get_ref()),
            Some(s) => Err(err(
                Some(s.span()),
                format!("`{key}` must be an integer from {lo} to {hi}{unit}, found {}", s.get_ref()),
            )),
        };

        let name = match &raw.name {
            None => "devnet".to_string(),
            Some(s) => {
                let n = s.get_ref();
                let ok = !n.is_empty()
                    && n.len() <= 64
                    && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if !ok {
                    return Err(err(
                        Some(s.span()),
                        format!("`name` must be 1-64 characters of a-z, A-Z, 0-9, '-' or '_', found {n:?}"),
                    ));
                }
                n.clone()
            }
        };
        let consensus = match &raw.consensus {
            None => "gasper".to_string(),
            Some(s) if ENGINES.contains(&s.get_ref().as_str()) => s.get_ref().clone(),
            Some(s) => {
                return Err(err(
                    Some(s.span()),
                    format!("`consensus` must be one of {}, found {:?}", ENGINES.join(", "), s.get_ref()),
                ));
            }
        };
        let nodes = int(&raw.nodes, "nodes", 1, 64, 4, "")? as usize;
        let slot_ms = int(&raw.slot_ms, "slot_ms", 10, 60_000, 1000, " ms")? as u64;
        let epoch_slots = int(&raw.epoch_slots, "epoch_slots", 1, 1024, 4, "")? as u64;
        let base_port = int(&raw.base_port, "base_port", 0, 65535 - 64, 0, "")? as u16;
        if base_port != 0 && base_port < 1024 {
            let s = raw.base_port.as_ref().map(|s| s.span());
            return Err(err(s, format!("`base_port` must be 0 (automatic) or at least 1024, found {base_port}")));
        }
        let genesis_delay_ms = int(&raw.genesis_delay_ms, "genesis_delay_ms", 50, 60_000, 1000, " ms")? as u64;
        let backend = match &raw.backend {
            None => BackendKind::default(),
            Some(s) => BackendKind::parse(s.get_ref()).ok_or_else(|| {
                let names = BackendKind::NAMES.map(|n| format!("\"{n}\"")).join(" or ");
                err(Some(s.span()), format!("`backend` must be {names}, found {:?}", s.get_ref()))
            })?,
        };
        let control = match &raw.control {
            None => DEFAULT_CONTROL,
            Some(s) => s.get_ref().parse().map_err(|_| {
                let found = s.get_ref();
                err(
                    Some(s.span()),
                    format!("`control` must be an address with a port, such as \"0.0.0.0:7700\", found {found:?}"),
                )
            })?,
        };
        let netns = match &raw.netns {
            None => None,
            Some(_) if backend != BackendKind::Local => {
                let s = raw.backend.as_ref().map(|s| s.span());
                return Err(err(
                    s,
                    format!(
                        "`[netns]` is for the local backend; `{}` gives each node its own network already",
                        backend.as_str()
                    ),
                ));
            }
            Some(t) => Some(netns::validate(t, nodes, err)?),
        };
        let stake = match &raw.stake {
            None => vec![DEFAULT_STAKE; nodes],
            Some(s) => {
                let v = s.get_ref();
                if v.len() != nodes {
                    return Err(err(
                        Some(s.span()),
                        format!("`stake` must list one stake per node ({nodes}), found {} entries", v.len()),
                    ));
                }
                if let Some(bad) = v.iter().find(|x| !(1..=1_000_000_000).contains(*x)) {
                    return Err(err(
                        Some(s.span()),
                        format!("`stake` entries must be integers from 1 to 1000000000, found {bad}"),
                    ));
                }
                v.iter().map(|x| *x as u64).collect()
            }
        };
        // The engine reads its own table (`consensus::params`).
        let engine_params = engine_tables::check(&raw.tables, &consensus, slot_ms, nodes, text, file)?;
        let ledger = {
            let empty = RawLedger::default();
            let l = raw.ledger.as_ref().map_or(&empty, |l| l.get_ref());
            let d = LedgerParams::default();
            let max = LedgerParams::MAX_ACCOUNTS as i64;
            let accounts = int(&l.accounts, "ledger.accounts", 1, max, d.accounts as i64, "")? as u32;
            let balance = int(&l.balance, "ledger.balance", 1, i64::MAX, d.balance as i64, "")? as u64;
            if (accounts as u128) * (balance as u128) > u64::MAX as u128 {
                let span = l.balance.as_ref().or(l.accounts.as_ref()).map(|s| s.span());
                return Err(err(
                    span,
                    format!("`ledger.accounts` x `ledger.balance` must fit in 64 bits, found {accounts} x {balance}"),
                ));
            }
            let max_list = devnet_node::chain::codec::MAX_LIST as i64;
            LedgerParams {
                accounts,
                balance,
                max_block_txs: int(&l.max_block_txs, "ledger.max_block_txs", 1, max_list, d.max_block_txs as i64, "")?
                    as u32,
                mempool_txs: int(&l.mempool_txs, "ledger.mempool_txs", 1, 1_000_000, d.mempool_txs as i64, "")? as u32,
                mempool_bytes: int(
                    &l.mempool_bytes,
                    "ledger.mempool_bytes",
                    1024,
                    1 << 30,
                    d.mempool_bytes as i64,
                    " bytes",
                )? as u64,
                tx_ttl_ms: int(&l.tx_ttl_ms, "ledger.tx_ttl_ms", 100, 3_600_000, d.tx_ttl_ms as i64, " ms")? as u64,
            }
        };
        Ok(DevnetConfig {
            name,
            consensus,
            nodes,
            slot_ms,
            epoch_slots,
            stake,
            base_port,
            genesis_delay_ms,
            engine_params,
            ledger,
            backend,
            control,
            netns,
        })
    }
}

impl DevnetConfig {
    /// The engine's parameters, when it is `T`'s engine.
    pub fn params<T: EngineParams>(&self) -> Option<T> {
        let v = self.engine_params.as_ref().filter(|_| self.consensus == T::ENGINE)?;
        serde_json::from_value(v.clone()).ok()
    }
}

#[cfg(test)]
mod tests;
