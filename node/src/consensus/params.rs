//! An engine's parameters: its table in devnet.toml (`[tendermint]`,
//! `[pow]`, `[pbft]`, `[hotstuff]`), read by the engine's own code and
//! carried in the chain spec under the engine's name. The dashboard only
//! hands the table over (as JSON values) and names the line of the key an
//! error names, so an engine brings its table with it: it implements
//! `EngineParams` and adds one line to `table`.
//!
//! Rules:
//! - A table is read over the engine's defaults for the cluster
//!   (`EngineParams::defaults(slot_ms, nodes)`), key by key; no table is the
//!   defaults. The spec carries the whole result, every key filled in.
//! - A key the parameters do not have is refused, naming the keys they do
//!   have; a value of the wrong type is refused naming the key and the type
//!   expected; then the engine's `validate` names the bad key
//!   (`` `engine.key` must ... `` or `engine.key: ...`).
//! - An engine without parameters (gasper) has no table: one is refused.
//! - The spec's stored parameters are read the same way (`ChainSpec::params`),
//!   so a spec written with fewer keys (an older version) runs on the
//!   defaults for the rest, and a hand-edited bad value is refused at start
//!   with the same message.
//! - What `genesis_parts` returns is mixed into the genesis seed when the
//!   spec carries the table; an absent table adds nothing, so specs written
//!   before an engine had parameters keep their genesis.

use crate::chain::ChainSpec;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::fmt::Debug;

/// An engine's parameters, as its table in devnet.toml and the spec hold them.
pub trait EngineParams: Serialize + DeserializeOwned + Clone + Debug + PartialEq {
    /// The engine, and the name of its table.
    const ENGINE: &'static str;
    /// Keys holding one entry per node: a config override that changes the
    /// node count drops them from the table it overrides.
    const PER_NODE: &'static [&'static str] = &[];
    /// One line per key for a person editing the table (`devnet init`
    /// writes them above each key), in the order they are best read.
    const DOCS: &'static [(&'static str, &'static str)];
    /// The values in force without a table, for `nodes` nodes at `slot_ms`.
    fn defaults(slot_ms: u64, nodes: usize) -> Self;
    /// Fills in what a table may leave for the cluster to decide (pow's
    /// empty `hashrate`: equal shares), so the spec stores and a resume
    /// compares the values in force. Nothing by default.
    fn settle(&mut self, _nodes: usize) {}
    /// Names the first bad key and what was expected.
    fn validate(&self, nodes: usize) -> Result<(), String>;
    /// The consensus-critical values, for the genesis seed.
    fn genesis_parts(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }
}

/// What is wrong with a table: the key (when one is to blame) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableError {
    pub key: Option<String>,
    pub message: String,
}

/// A table as written (its keys over the defaults for `slot_ms`, `nodes`).
type ReadFn = fn(u64, usize, Option<&Map<String, Value>>) -> Result<Value, TableError>;
/// The genesis-seed parts of a stored table.
type GenesisFn = fn(u64, usize, &Map<String, Value>) -> Vec<Vec<u8>>;

/// One engine's table, type-erased: what the registry hands out.
#[derive(Clone, Copy)]
pub struct Table {
    pub per_node: &'static [&'static str],
    pub docs: &'static [(&'static str, &'static str)],
    read: ReadFn,
    genesis: GenesisFn,
}

impl Table {
    fn of<T: EngineParams>() -> Table {
        Table { per_node: T::PER_NODE, docs: T::DOCS, read: read_value::<T>, genesis: genesis_of::<T> }
    }

    /// `table`'s keys over the defaults for `nodes` nodes at `slot_ms`,
    /// checked, as the JSON object the spec stores.
    pub fn read(&self, slot_ms: u64, nodes: usize, table: Option<&Map<String, Value>>) -> Result<Value, TableError> {
        (self.read)(slot_ms, nodes, table)
    }
}

/// The registry: the engines that have a table.
pub fn table(engine: &str) -> Option<Table> {
    use super::{hotstuff, pbft, pow, tendermint};
    match engine {
        "tendermint" => Some(Table::of::<tendermint::TendermintParams>()),
        "pow" => Some(Table::of::<pow::PowParams>()),
        "pbft" => Some(Table::of::<pbft::PbftParams>()),
        "hotstuff" => Some(Table::of::<hotstuff::HotStuffParams>()),
        _ => None,
    }
}

/// Reads `table` for `engine` (`None`: absent) into the value the spec
/// stores: `Ok(None)` for an engine without parameters and no table.
pub fn read_table(
    engine: &str,
    slot_ms: u64,
    nodes: usize,
    table: Option<&Map<String, Value>>,
) -> Result<Option<Value>, TableError> {
    match (self::table(engine), table) {
        (Some(t), table) => t.read(slot_ms, nodes, table).map(Some),
        (None, None) => Ok(None),
        (None, Some(_)) => {
            Err(TableError { key: None, message: format!("{engine} has no parameters, so no [{engine}] table") })
        }
    }
}

/// `p` as a spec's parameters (`ChainSpec::params`): under its engine's name.
pub fn of<T: EngineParams>(p: &T) -> std::collections::BTreeMap<String, Value> {
    let v = serde_json::to_value(p).expect("engine parameters are plain data");
    std::collections::BTreeMap::from([(T::ENGINE.to_string(), v)])
}

/// The spec's parameters for its engine, each missing key its default.
pub(crate) fn of_spec<T: EngineParams>(spec: &ChainSpec) -> Result<T, String> {
    let stored = spec.params.get(T::ENGINE).map(|v| match v {
        Value::Object(m) => Ok(m),
        other => Err(format!("chain spec: `{}` must be a table, found {other}", T::ENGINE)),
    });
    let stored = stored.transpose()?;
    read::<T>(spec.slot_ms, spec.validators.len(), stored).map_err(|e| format!("chain spec: {}", e.message))
}

/// The genesis-seed parts of the parameters `spec` stores (none when absent).
pub(crate) fn genesis_parts(spec: &ChainSpec) -> Vec<Vec<u8>> {
    match (table(&spec.consensus), spec.params.get(&spec.consensus)) {
        (Some(t), Some(Value::Object(m))) => (t.genesis)(spec.slot_ms, spec.validators.len(), m),
        _ => Vec::new(),
    }
}

fn read_value<T: EngineParams>(
    slot_ms: u64,
    nodes: usize,
    table: Option<&Map<String, Value>>,
) -> Result<Value, TableError> {
    let params = read::<T>(slot_ms, nodes, table)?;
    serde_json::to_value(params).map_err(|e| TableError { key: None, message: format!("[{}]: {e}", T::ENGINE) })
}

/// The stored values over the defaults, as written: not validated, so a bad
/// key that is not consensus-critical never changes the seed (the engine
/// refuses to start on it anyway). Values of the wrong type add nothing.
fn genesis_of<T: EngineParams>(slot_ms: u64, nodes: usize, stored: &Map<String, Value>) -> Vec<Vec<u8>> {
    merge::<T>(T::ENGINE, &T::defaults(slot_ms, nodes), Some(stored)).map(|p| p.genesis_parts()).unwrap_or_default()
}

/// `table`'s keys over `T`'s defaults, checked by `validate`.
fn read<T: EngineParams>(slot_ms: u64, nodes: usize, table: Option<&Map<String, Value>>) -> Result<T, TableError> {
    let mut params: T = merge(T::ENGINE, &T::defaults(slot_ms, nodes), table)?;
    params.settle(nodes);
    params.validate(nodes).map_err(|message| TableError { key: key_named(T::ENGINE, &message), message })?;
    Ok(params)
}

/// `table`'s keys over `defaults`, each key and type checked.
fn merge<T: Serialize + DeserializeOwned>(
    engine: &str,
    defaults: &T,
    table: Option<&Map<String, Value>>,
) -> Result<T, TableError> {
    let mut merged = match serde_json::to_value(defaults) {
        Ok(Value::Object(m)) => m,
        _ => return Err(TableError { key: None, message: format!("[{engine}]: its defaults are not a table") }),
    };
    for (key, value) in table.into_iter().flatten() {
        let Some(default) = merged.get(key) else {
            let known: Vec<&str> = merged.keys().map(String::as_str).collect();
            return Err(TableError {
                key: Some(key.clone()),
                message: format!("`{engine}.{key}` is not a key of [{engine}]; expected one of {}", known.join(", ")),
            });
        };
        let one = serde_json::from_value::<T>(Value::Object(Map::from_iter([(key.clone(), value.clone())])));
        if let Err(e) = one {
            let want = match default {
                Value::Number(_) => "a whole number",
                Value::String(_) => "a string",
                Value::Bool(_) => "true or false",
                Value::Array(_) => "a list of whole numbers",
                _ => "another value",
            };
            let same_kind = std::mem::discriminant(default) == std::mem::discriminant(value);
            let message = if same_kind {
                format!("`{engine}.{key}`: {e}, found {value}")
            } else {
                format!("`{engine}.{key}` must be {want}, found {value} ({e})")
            };
            return Err(TableError { key: Some(key.clone()), message });
        }
        merged.insert(key.clone(), value.clone());
    }
    serde_json::from_value(Value::Object(merged))
        .map_err(|e| TableError { key: None, message: format!("[{engine}]: {e}") })
}

/// The key a `validate` message starts with (`` `engine.key` `` or `engine.key:`).
fn key_named(engine: &str, message: &str) -> Option<String> {
    let rest = message.trim_start_matches('`').strip_prefix(engine)?.strip_prefix('.')?;
    let key: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    (!key.is_empty()).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consensus::hotstuff::HotStuffParams;
    use crate::consensus::pbft::PbftParams;

    fn table(json: &str) -> Map<String, Value> {
        serde_json::from_str(json).unwrap()
    }

    fn read_as<T: EngineParams>(json: Option<&str>) -> Result<T, TableError> {
        let v = read_table(T::ENGINE, 200, 4, json.map(table).as_ref())?.expect("an engine with a table");
        Ok(serde_json::from_value(v).unwrap())
    }

    #[test]
    fn keys_go_over_the_slot_defaults() {
        let p: HotStuffParams = read_as(Some(r#"{"commit_chain": 2}"#)).unwrap();
        assert_eq!(p.commit_chain, 2);
        assert_eq!(p.min_round_ms, HotStuffParams::from_slot(200).min_round_ms);
        assert_eq!(read_as::<PbftParams>(None), Ok(PbftParams::from_slot(200)));
        assert_eq!(read_table("gasper", 200, 4, None), Ok(None));
        assert!(read_table("gasper", 200, 4, Some(&table("{}"))).is_err());
        let pow: crate::consensus::pow::PowParams = read_as(None).unwrap();
        assert_eq!(pow.hashrate, vec![25; 4], "per-node defaults use the node count");
    }

    #[test]
    fn bad_keys_types_and_values_name_the_key() {
        let e = read_as::<HotStuffParams>(Some(r#"{"commit_chian": 2}"#)).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("commit_chian"));
        assert!(e.message.contains("not a key of [hotstuff]; expected one of") && e.message.contains("commit_chain"));
        let e = read_as::<PbftParams>(Some(r#"{"pacing_ms": "fast"}"#)).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("pacing_ms"));
        assert!(e.message.starts_with("`pbft.pacing_ms` must be a whole number, found \"fast\""), "{}", e.message);
        let e = read_as::<HotStuffParams>(Some(r#"{"commit_chain": 4}"#)).unwrap_err();
        assert_eq!(
            e,
            TableError {
                key: Some("commit_chain".into()),
                message: "hotstuff.commit_chain: expected 2 or 3, found 4".into()
            }
        );
        let e = read_as::<crate::consensus::pow::PowParams>(Some(r#"{"k": 0}"#)).unwrap_err();
        assert_eq!(
            (e.key.as_deref(), e.message.as_str()),
            (Some("k"), "`pow.k` must be an integer from 1 to 1000, found 0")
        );
    }

    #[test]
    fn every_table_documents_every_key() {
        for engine in crate::consensus::ENGINES {
            let Some(t) = super::table(engine) else { continue };
            let v = t.read(100, 4, None).unwrap();
            let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
            let mut docs: Vec<&str> = t.docs.iter().map(|d| d.0).collect();
            keys.sort_unstable();
            docs.sort_unstable();
            assert_eq!(keys, docs, "{engine}");
        }
    }
}
