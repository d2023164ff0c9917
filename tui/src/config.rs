//! `devnet.toml`: parse and validate.
//!
//! Every key is optional except none; defaults are the default 4-node gasper
//! devnet. Errors name the file, the line and the key, and say what was
//! expected; unknown keys are errors too (a typo must not be silently ignored).

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
}

pub const DEFAULT_STAKE: u64 = 32;

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
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    pub(crate) name: Option<Spanned<String>>,
    consensus: Option<Spanned<String>>,
    nodes: Option<Spanned<i64>>,
    slot_ms: Option<Spanned<i64>>,
    epoch_slots: Option<Spanned<i64>>,
    stake: Option<Spanned<Vec<i64>>>,
    base_port: Option<Spanned<i64>>,
    genesis_delay_ms: Option<Spanned<i64>>,
}

impl Raw {
    /// `self`'s keys over `base`'s. A `nodes` override without `stake` drops
    /// the base's stakes (equal stakes for the new count).
    pub(crate) fn over(self, base: Raw) -> Raw {
        let stake = match (&self.stake, &self.nodes) {
            (Some(_), _) => self.stake,
            (None, Some(_)) => None,
            (None, None) => base.stake,
        };
        Raw {
            name: self.name.or(base.name),
            consensus: self.consensus.or(base.consensus),
            nodes: self.nodes.or(base.nodes),
            slot_ms: self.slot_ms.or(base.slot_ms),
            epoch_slots: self.epoch_slots.or(base.epoch_slots),
            stake,
            base_port: self.base_port.or(base.base_port),
            genesis_delay_ms: self.genesis_delay_ms.or(base.genesis_delay_ms),
        }
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
        Ok(DevnetConfig { name, consensus, nodes, slot_ms, epoch_slots, stake, base_port, genesis_delay_ms })
    }
}

#[cfg(test)]
mod tests;
