//! Engine tables in devnet.toml (`[tendermint]`, `[pow]`, `[pbft]`,
//! `[hotstuff]`, and whatever table an engine brings): collected by name,
//! read by the engine's own code (`devnet_node::consensus::params`), and
//! each error put on the line of the key it names.
//!
//! Rules:
//! - A top-level key named after an engine that has parameters is that
//!   engine's table; any other key `Raw` does not know is an error naming
//!   the keys there are (a typo must not be silently ignored).
//! - A table is only for its own engine: another engine's table is an error
//!   on the table's line.
//! - The running engine's table (or none) goes to the engine's reader; the
//!   config keeps the whole result, every key filled in.
//! - Overrides (a scenario's `[devnet]` over devnet.toml) merge tables key
//!   by key; an override that picks another engine drops the base's tables
//!   (written for its own engine), and one that changes `nodes` drops the
//!   base's per-node keys (pow's `hashrate`).
//! - Lines: the table is found in the text by its header (`[pow]`, or
//!   `[devnet.pow]` in a scenario) or its dotted keys; a table merged in
//!   from another file is not in this text, and its errors name no line.

use super::{ConfigError, line_of};
use devnet_node::consensus::params;
use std::collections::BTreeMap;
use std::path::Path;

/// The engine tables as written, by engine name (with anything else the
/// file has that `Raw` does not know, refused by `check`).
pub(crate) type Tables = BTreeMap<String, toml::Value>;

/// `top`'s tables over `base`'s, key by key.
pub(super) fn merge(top: Tables, mut base: Tables, engine_changed: bool, nodes_changed: bool) -> Tables {
    if engine_changed {
        base.clear();
    }
    if nodes_changed {
        for (engine, table) in &mut base {
            if let (Some(t), toml::Value::Table(table)) = (params::table(engine), table) {
                table.retain(|k, _| !t.per_node.contains(&k));
            }
        }
    }
    for (name, value) in top {
        match (base.get_mut(&name), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(t)) => b.extend(t),
            (_, value) => {
                base.insert(name, value);
            }
        }
    }
    base
}

/// Checks every table and reads the running engine's: the value the chain
/// spec carries (`None` for an engine without parameters).
pub(super) fn check(
    tables: &Tables,
    consensus: &str,
    slot_ms: u64,
    nodes: usize,
    text: &str,
    file: &Path,
) -> Result<Option<serde_json::Value>, ConfigError> {
    let err = |at: Option<usize>, message: String| ConfigError {
        file: file.to_path_buf(),
        line: at.map(|a| line_of(text, a)),
        message,
    };
    for (name, value) in tables {
        let at = table_at(text, name);
        if params::table(name).is_none() {
            return Err(err(at, format!("unknown field `{name}`, expected one of {}", known_keys())));
        }
        if !matches!(value, toml::Value::Table(_)) {
            return Err(err(at, format!("`{name}` must be a table (`[{name}]`), found {value}")));
        }
        if name != consensus {
            return Err(err(
                at,
                format!("`[{name}]` is only for `consensus = \"{name}\"`, but this devnet runs {consensus:?}"),
            ));
        }
    }
    let table = tables.get(consensus).and_then(|t| serde_json::to_value(t).ok()).and_then(|v| v.as_object().cloned());
    params::read_table(consensus, slot_ms, nodes, table.as_ref()).map_err(|e| {
        let start = table_at(text, consensus);
        let at = match (start, e.key.as_deref()) {
            (Some(start), Some(key)) => key_in_table(text, start, consensus, key).or(Some(start)),
            (start, _) => start,
        };
        err(at, e.message)
    })
}

/// The keys a devnet.toml may have, for the unknown-key error.
fn known_keys() -> String {
    let tables = devnet_node::consensus::ENGINES.iter().filter(|e| params::table(e).is_some());
    super::RAW_KEYS
        .iter()
        .map(|k| format!("`{k}`"))
        .chain(tables.map(|e| format!("`[{e}]`")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where table `name` starts: its header line (`[name]`, `[devnet.name]`)
/// or the first line of its dotted or inline keys (`name.k = `, `name = {`).
fn table_at(text: &str, name: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        // A header may carry a comment: `[pow]  # mining`.
        let l = line.split('#').next().unwrap_or("").trim();
        let header = l.strip_prefix('[').and_then(|h| h.strip_suffix(']')).map(str::trim);
        let own_header = header.is_some_and(|h| h == name || h.ends_with(&format!(".{name}")));
        let key = l.split_once('=').map(|(k, _)| k.trim());
        let own_key = key.is_some_and(|k| k == name || k.starts_with(&format!("{name}.")));
        if own_header || own_key {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

/// Where `key` stands in table `name` starting at `start`: a `key = ` line
/// before the next header, or a dotted `name.key = ` line anywhere.
fn key_in_table(text: &str, start: usize, name: &str, key: &str) -> Option<usize> {
    let mut offset = start;
    for (i, line) in text.get(start..)?.split_inclusive('\n').enumerate() {
        if i > 0 && line.trim_start().starts_with('[') {
            break;
        }
        let k = line.split_once('=').map(|(k, _)| k.trim());
        if k.is_some_and(|k| k == key || k == format!("{name}.{key}")) {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_found_by_header_or_dotted_key() {
        let text = "nodes = 4\n[devnet.pow]\nk = 3\n";
        assert_eq!(table_at(text, "pow"), Some(10));
        assert_eq!(key_in_table(text, 10, "pow", "k"), Some(23));
        assert_eq!(table_at("pow.k = 3\n", "pow"), Some(0));
        assert_eq!(table_at("power = 3\n[powx]\n", "pow"), None);
        assert_eq!(table_at("x = 1\n[pow]  # mining\nk = 3\n", "pow"), Some(6), "a commented header");
    }

    #[test]
    fn a_node_count_override_drops_per_node_keys() {
        let base: Tables = toml::from_str("[pow]\nk = 3\nhashrate = [50, 50]").unwrap();
        let top: Tables = toml::from_str("[pow]\nblock_ms = 100").unwrap();
        let merged = merge(top.clone(), base.clone(), false, true);
        let pow = merged["pow"].as_table().unwrap();
        assert_eq!(pow.keys().collect::<Vec<_>>(), ["block_ms", "k"]);
        assert!(merge(top.clone(), base.clone(), false, false)["pow"].get("hashrate").is_some());
        assert_eq!(merge(Tables::new(), base, true, false), Tables::new());
    }
}
